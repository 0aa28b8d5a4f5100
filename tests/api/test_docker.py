"""Docker cannot run here: check the files say what the README promises."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

DOCKER = Path(__file__).resolve().parents[2] / "docker"


def test_dockerfile_is_slim_non_root_and_healthchecked() -> None:
    text = (DOCKER / "Dockerfile").read_text()
    assert re.search(r"^FROM python:3\.11-slim$", text, re.MULTILINE)
    users = re.findall(r"^USER (\S+)$", text, re.MULTILINE)
    assert users and users[-1] not in ("root", "0")
    assert "HEALTHCHECK" in text and "/healthz" in text
    assert '"serve", "--host", "0.0.0.0"' in text


def test_compose_runs_the_app_on_postgres() -> None:
    spec = yaml.safe_load((DOCKER / "compose.yaml").read_text())
    app, db = spec["services"]["app"], spec["services"]["db"]
    assert app["environment"]["NETCANVAS_DATABASE_URL"].startswith("postgresql+psycopg://")
    assert "@db:5432/" in app["environment"]["NETCANVAS_DATABASE_URL"]
    assert app["depends_on"]["db"]["condition"] == "service_healthy"
    assert db["image"].startswith("postgres:")
    assert app["build"]["dockerfile"] == "docker/Dockerfile"
