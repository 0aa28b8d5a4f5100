"""The store suite runs once on SQLite and once on a real PostgreSQL server."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from netcanvas.store import DesignStore
from tests.conftest import IN_CI
from tests.store.pg import find_bin, postgres_server


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    bindir = find_bin()
    if bindir is None:
        if IN_CI:
            pytest.fail("PostgreSQL binaries are missing (make test installs them as root)")
        pytest.skip("no PostgreSQL binaries (apt-get install postgresql) to start a server")
    with postgres_server(bindir) as url:
        yield url


@pytest.fixture(params=["sqlite", "postgresql"])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'designs.db'}"
    # One server and database for the session: ids are random, so tests do not collide.
    url: str = request.getfixturevalue("postgres_url")
    return url


@pytest.fixture
def store(store_url: str) -> Iterator[DesignStore]:
    s = DesignStore(store_url)
    s.create_schema()
    yield s
    s.close()
