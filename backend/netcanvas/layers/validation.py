"""Readable messages from pydantic's validation of a layer's settings.

The engine pins them to the layer; the readers put them at the setting's line and column.
"""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError


def describe_invalid(invalid: ValidationError) -> str:
    """One message per bad setting."""
    parts = []
    for key, problem in setting_problems(invalid).items():
        if problem["type"] == "extra_forbidden":
            parts.append(f"unknown setting '{key}'")
        else:
            parts.append(f"{where(problem)}: {problem['msg']}" if key else str(problem["msg"]))
    return "; ".join(parts)


def setting_problems(invalid: ValidationError) -> dict[str, Any]:
    """The most telling problem per setting.

    A union type (an int or a per-axis list) reports every alternative; the one whose
    location goes deepest is the alternative the value was written as, so
    ``kernel_size: [3, 0]`` says item 1 must be positive, not "should be an integer".
    """
    best: dict[str, Any] = {}
    for problem in invalid.errors():
        key = str(problem["loc"][0]) if problem["loc"] else ""
        if key not in best or len(problem["loc"]) > len(best[key]["loc"]):
            best[key] = problem
    return best


def where(problem: Any) -> str:
    """``kernel_size`` or, for one item of a list, ``kernel_size[1]``."""
    loc = problem["loc"]
    key = str(loc[0]) if loc else ""
    index = loc[-1] if len(loc) > 1 else None
    return f"{key}[{index}]" if isinstance(index, int) else key
