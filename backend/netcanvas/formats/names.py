"""Unique names from hints, the one helper every reader and writer uses: imported layers,
ONNX tensors and nodes, generated Python variables."""

from __future__ import annotations

import builtins
import keyword
import re
from collections.abc import Iterable


class Names:
    """Hands out ``hint``, then ``hint_2``, ``hint_3``... never the same name twice.

    With ``identifiers`` every name is also a legal Python identifier that shadows no
    keyword or builtin (``2conv`` -> ``layer_2conv``, ``input`` -> ``input_``).
    """

    def __init__(self, taken: Iterable[str] = (), *, identifiers: bool = False) -> None:
        self.taken: set[str] = set(taken)
        self.identifiers = identifiers

    def __contains__(self, name: object) -> bool:
        return name in self.taken

    def reserve(self, *names: str) -> None:
        self.taken.update(names)

    def add(self, hint: str) -> str:
        base = _identifier(hint) if self.identifiers else hint
        fresh, n = base, 1
        while fresh in self.taken:
            n += 1
            fresh = f"{base}_{n}"
        self.taken.add(fresh)
        return fresh


def _identifier(name: str) -> str:
    base = re.sub(r"\W", "_", name, flags=re.ASCII).strip("_") or "layer"
    if base[0].isdigit():
        base = f"layer_{base}"
    if keyword.iskeyword(base) or keyword.issoftkeyword(base) or hasattr(builtins, base):
        base = f"{base}_"
    return base
