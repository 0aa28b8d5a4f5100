"""Every example in the docstrings of netcanvas.logs runs and gives what it says."""

from __future__ import annotations

import doctest
import importlib
import pkgutil

import pytest

import netcanvas.logs

MODULES = sorted(m.name for m in pkgutil.iter_modules(netcanvas.logs.__path__))


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name: str) -> None:
    module = importlib.import_module(f"netcanvas.logs.{name}")
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
    assert result.failed == 0


def test_importing_the_package_loads_nothing_heavy() -> None:
    import subprocess
    import sys

    code = (
        "import sys, netcanvas.logs, netcanvas.logs.cli; "
        "print(sorted(m for m in ('numpy', 'matplotlib', 'tensorboard') if m in sys.modules))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"
