"""Shared fixtures: where the real-model corpus is, and oracle availability rules."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = Path(__file__).resolve().parent / "fixtures"
CORPUS = ROOT.parent / "shared" / "corpus"
IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}


def need(module: str) -> None:
    """Skip when an oracle is missing on a dev machine; in CI a missing oracle fails."""
    try:
        __import__(module)
    except ImportError:
        if IN_CI:
            raise
        pytest.skip(f"{module} is not installed (pip install -e '.[oracle]')")


@pytest.fixture(scope="session")
def caffe_corpus() -> Path:
    path = CORPUS / "caffe"
    if not path.is_dir():
        if IN_CI:
            pytest.fail(f"the Caffe corpus is missing at {path}")
        pytest.skip(f"the Caffe corpus is not at {path}")
    return path


from hypothesis import HealthCheck, settings  # noqa: E402

# CI runs are reproducible; a dev run explores new examples each time.
settings.register_profile(
    "ci", derandomize=True, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.register_profile("dev", deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("ci" if IN_CI else "dev")


CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture(scope="session")
def chromium() -> Iterator[Any]:
    """Debian's Chromium under Playwright, one for the whole run: Playwright's sync API
    refuses a second instance while one is running (the browser tests and the notebook
    view's test share this one)."""
    if not Path(CHROMIUM).exists():
        if IN_CI:
            pytest.fail(f"Debian's Chromium is not at {CHROMIUM}")
        pytest.skip(f"Debian's Chromium is not at {CHROMIUM}")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()
