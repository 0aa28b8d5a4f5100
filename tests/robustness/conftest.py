"""An app over a temporary SQLite file for the robustness tests."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from netcanvas.api.app import create_app
from netcanvas.api.settings import Settings


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    db: Path = tmp_path_factory.mktemp("robust") / "api.db"
    app = create_app(Settings(database_url=f"sqlite:///{db}"))
    with TestClient(app, raise_server_exceptions=False) as client:
        yield client
