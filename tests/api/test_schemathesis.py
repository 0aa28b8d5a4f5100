"""Property tests over the OpenAPI document: no 5xx, every answer fits its schema."""

from __future__ import annotations

import tempfile
from pathlib import Path

import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.specs.openapi.checks import positive_data_acceptance

from netcanvas.api.app import create_app
from netcanvas.api.settings import Settings

_DB = Path(tempfile.mkdtemp(prefix="netcanvas-schema-")) / "schema.db"
schema = schemathesis.openapi.from_asgi(
    "/openapi.json",
    create_app(
        Settings(
            database_url=f"sqlite:///{_DB}",
            max_nodes=200,
            train_max_epochs=1,  # a generated body that does train stays tiny
            train_max_seconds=5,
        )
    ),
)


@schema.parametrize()
@settings(max_examples=20, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
def test_api_conforms_to_its_openapi(case: schemathesis.Case) -> None:
    # A document can fit the JSON schema and still be a wrong network (a Conv2d with a
    # negative kernel): refusing it with 422 is right, so "positive data accepted" is off.
    case.call_and_validate(excluded_checks=[positive_data_acceptance])
