"""``netcanvas summary|render|convert my_model.py:build --input-shape 1,3,224,224``: import
the user's file, take the named ``nn.Module`` class or callable, and trace it.

This runs the user's own code, as ``python my_model.py`` would: only ever point it at
files you trust. The HTTP API never does this.
"""

from __future__ import annotations

import importlib.util
import re
import sys
import traceback
from dataclasses import dataclass
from pathlib import Path
from typing import Any

TARGET = re.compile(r"^(?P<file>.+\.py):(?P<name>[A-Za-z_][A-Za-z0-9_.]*)$")
DTYPES = {"float32": "float32", "float": "float32", "int64": "int64", "long": "int64"}


class TargetError(ValueError):
    """The file cannot be imported, or the name is not a module, class or callable;
    ``line`` is where in the user's file, when known."""

    def __init__(self, message: str, line: int = 1) -> None:
        super().__init__(message)
        self.message = message
        self.line = line


def is_target(spec: str) -> bool:
    """Whether a command-line input names ``FILE.py:NAME`` (a file that exists)."""
    found = TARGET.match(spec)
    return found is not None and Path(found["file"]).is_file()


@dataclass(frozen=True)
class InputSpec:
    shape: list[int]
    dtype: str = "float32"


def parse_input(text: str) -> InputSpec:
    """``1,3,224,224`` or ``1x64:int64`` (a ``NAME=`` prefix is allowed and ignored: the
    inputs are the forward's arguments in order)."""
    text = text.partition("=")[2] if "=" in text else text
    dims, _, dtype = text.partition(":")
    try:
        shape = [int(d) for d in dims.replace("x", ",").split(",") if d.strip()]
    except ValueError:
        shape = []
    if not shape or any(d <= 0 for d in shape) or (dtype and dtype not in DTYPES):
        raise TargetError(f"--input-shape wants N,C,H,W (optionally :int64), got '{text}'")
    return InputSpec(shape, DTYPES.get(dtype, "float32"))


def load(spec: str) -> tuple[Any, tuple[Any, ...]]:
    """The module named by ``FILE.py:NAME`` and any example inputs its builder returned.

    ``NAME`` may be an ``nn.Module`` instance, an ``nn.Module`` class (built with no
    arguments) or a callable returning a module or ``(module, example_inputs)``.
    """
    from torch import nn

    found = TARGET.match(spec)
    if found is None:
        raise TargetError(f"'{spec}' is not FILE.py:NAME")
    path = Path(found["file"]).resolve()
    module_name = f"netcanvas_user_{abs(hash(str(path)))}"
    loader = importlib.util.spec_from_file_location(module_name, path)
    if loader is None or loader.loader is None:
        raise TargetError(f"cannot import {path}")
    code = importlib.util.module_from_spec(loader)
    sys.modules[module_name] = code
    sys.path.insert(0, str(path.parent))  # its own imports of files beside it
    try:
        loader.loader.exec_module(code)
        target: Any = code
        for part in found["name"].split("."):
            if not hasattr(target, part):
                raise TargetError(f"{path.name} has no '{found['name']}'")
            target = getattr(target, part)
        if isinstance(target, type) and issubclass(target, nn.Module):
            target = target()
        elif not isinstance(target, nn.Module) and callable(target):
            target = target()
    except TargetError:
        raise
    except Exception as raised:
        raise TargetError(f"{type(raised).__name__}: {raised}", _line_in(raised, path)) from None
    finally:
        sys.path.remove(str(path.parent))
    inputs: tuple[Any, ...] = ()
    if isinstance(target, tuple) and len(target) == 2 and isinstance(target[0], nn.Module):
        target, given = target
        inputs = tuple(given) if isinstance(given, list | tuple) else (given,)
    if not isinstance(target, nn.Module):
        raise TargetError(f"'{found['name']}' gave {type(target).__name__}, not a torch.nn.Module")
    return target, inputs


def _line_in(raised: BaseException, path: Path) -> int:
    """The line of the user's file the exception came through (the deepest one)."""
    lines = [
        f.lineno for f in traceback.extract_tb(raised.__traceback__) if Path(f.filename) == path
    ]
    return lines[-1] if lines and lines[-1] else 1


def example(inputs: list[InputSpec]) -> tuple[Any, ...]:
    import torch

    return tuple(
        torch.zeros(s.shape, dtype=torch.long) if s.dtype == "int64" else torch.randn(s.shape)
        for s in inputs
    )
