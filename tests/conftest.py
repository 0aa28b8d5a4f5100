"""Shared fixtures: where the real-model corpus is, and oracle availability rules."""

from __future__ import annotations

import os
from pathlib import Path

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
