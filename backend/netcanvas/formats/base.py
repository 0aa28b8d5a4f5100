"""What every format module shares: the error type and the module contract.

Each ``formats/*.py`` exposes ``NAME``, ``EXTENSIONS``, ``MEDIA_TYPE``,
``sniff(name, head) -> bool`` and ``load(data) -> Graph`` and/or
``dump(graph, options) -> bytes``. Parsers raise nothing but :class:`FormatError`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol, TypeVar

F = TypeVar("F", bound=Callable[..., Any])


class FormatError(Exception):
    """Input that cannot be read, with the 1-based line and column where it went wrong."""

    def __init__(self, message: str, line: int = 1, column: int = 1) -> None:
        super().__init__(message)
        self.message = message
        self.line = line
        self.column = column

    def __str__(self) -> str:
        return f"{self.line}:{self.column}: {self.message}"

    def to_json(self) -> dict[str, Any]:
        return {"message": self.message, "line": self.line, "column": self.column}


class UnsupportedError(Exception):
    """The graph uses something the target format cannot express (export side)."""


class FormatModule(Protocol):
    NAME: str
    EXTENSIONS: tuple[str, ...]
    MEDIA_TYPE: str

    def sniff(self, name: str, head: bytes) -> bool: ...


def line_col(text: str, offset: int) -> tuple[int, int]:
    """1-based line and column of a character offset (computed only on error paths)."""
    line = text.count("\n", 0, offset) + 1
    column = offset - (text.rfind("\n", 0, offset) + 1) + 1
    return line, column


def registrar(table: dict[str, F]) -> Callable[..., Callable[[F], F]]:
    """A decorator factory filing a function under each layer type it names.

    Every exporter keeps one table of type -> emitter: ``emits = registrar(EMITTERS)``,
    then ``@emits("Conv1d", "Conv2d")`` above the function that writes them.
    """

    def emits(*types: str) -> Callable[[F], F]:
        def register(fn: F) -> F:
            for type_name in types:
                table[type_name] = fn
            return fn

        return register

    return emits
