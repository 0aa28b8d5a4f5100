"""The model zoo's Python (`.venv-zoo`, made by `make test` from requirements/zoo.txt):
torchvision's models beside their own torch, for oracle tests that need them.

Tests run zoo scripts in that interpreter and compare what netcanvas reads with what the
zoo measured. Under CI the zoo must be there; elsewhere its absence skips with the reason.
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[1]


def zoo_python() -> Path:
    wanted = os.environ.get("NETCANVAS_ZOO_PYTHON")
    path = Path(wanted) if wanted else ROOT / ".venv-zoo" / "bin" / "python"
    if not path.exists():
        message = f"the model zoo's Python is not at {path}: `make zoo` (or `make test`) makes it"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return path


def run_zoo(script: Path, *args: str, timeout: float = 600) -> Any:
    """Run a zoo script; it prints one JSON document on its last line of stdout."""
    done = subprocess.run(
        [str(zoo_python()), str(script), *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
        env={**os.environ, "PYTHONPATH": str(ROOT / "backend"), "OMP_NUM_THREADS": "1"},
    )
    if done.returncode != 0:
        raise AssertionError(f"{script.name} failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])
