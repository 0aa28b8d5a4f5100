"""Apps built with test settings over a temporary SQLite file."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from netcanvas.api.app import create_app
from netcanvas.api.settings import Settings

ROOT = Path(__file__).resolve().parents[2]


def doc(name: str = "tiny", out: int = 16) -> dict[str, Any]:
    return {
        "netcanvas": 1,
        "name": name,
        "layers": [
            {"name": "data", "type": "Input", "shape": [1, 3, 32, 32]},
            {"name": "conv1", "type": "Conv2d", "out_channels": out, "kernel_size": 3},
            {"name": "pool", "type": "AdaptiveAvgPool2d", "output_size": 1},
            {"name": "flat", "type": "Flatten"},
            {"name": "fc", "type": "Linear", "out_features": 10},
        ],
    }


@pytest.fixture
def make_client(tmp_path: Path) -> Iterator[Callable[..., TestClient]]:
    clients: list[TestClient] = []

    def make(**overrides: Any) -> TestClient:
        overrides.setdefault("database_url", f"sqlite:///{tmp_path / 'api.db'}")
        client = TestClient(create_app(Settings(**overrides)), raise_server_exceptions=False)
        clients.append(client)
        return client

    yield make
    for c in clients:
        c.close()


@pytest.fixture
def client(make_client: Callable[..., TestClient]) -> TestClient:
    return make_client()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Server:
    """`netcanvas serve` in a subprocess on a free port of 127.0.0.1."""

    def __init__(
        self, db: Path, frontend: Path | None = None, env: dict[str, str] | None = None
    ) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        extra = env
        env = {"PATH": "/usr/bin:/bin", "HOME": str(db.parent)}
        if "PYTHONPATH" in os.environ:  # a checkout run without installing it
            env["PYTHONPATH"] = os.environ["PYTHONPATH"]
        env.update(extra or {})
        if frontend is not None:
            env["NETCANVAS_FRONTEND_DIR"] = str(frontend)
        self.process = subprocess.Popen(
            [sys.executable, "-m", "netcanvas", "serve", "--port", str(self.port), "--db", str(db)],
            cwd=db.parent,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(
                    self.process.stderr.read().decode() if self.process.stderr else ""
                )
            try:
                if httpx.get(f"{self.url}/healthz", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                time.sleep(0.1)
        self.stop()
        raise RuntimeError("the server did not start")

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(10)
