"""Text measurement from the DejaVu Sans metrics table, and figure units."""

from __future__ import annotations

import re
from functools import lru_cache
from itertools import repeat

from netcanvas.render import fontmetrics

FONT_FAMILY = "DejaVu Sans, Verdana, Arial, sans-serif"
LINE_HEIGHT = 1.3  # baseline-to-baseline distance in ems
PX_PER_PT = 96 / 72

_REGULAR = dict(zip(fontmetrics.CHARS, fontmetrics.REGULAR, strict=True))
_BOLD = dict(zip(fontmetrics.CHARS, fontmetrics.BOLD, strict=True))
# Characters outside the table (CJK names, rare symbols) get a generous width so the
# box is too wide rather than too narrow.
_FALLBACK = 1000


def text_width(text: str, size: float, bold: bool = False) -> float:
    """Advance width of ``text`` in px at font size ``size`` px."""
    return em_thousandths(text, bold) * size / 1000


@lru_cache(maxsize=8192)
def em_thousandths(text: str, bold: bool) -> int:
    """Advance width of ``text`` in thousandths of an em (``text_width`` at 1000 px)."""
    # Figures repeat the same labels ("Conv2d", "3×3, 64") hundreds of times.
    table = _BOLD if bold else _REGULAR
    return sum(map(table.get, text, repeat(_FALLBACK)))


def ascent(size: float) -> float:
    return fontmetrics.ASCENT * size


def clip(text: str, size: float, max_width: float, bold: bool = False) -> str:
    """Shorten ``text`` with an ellipsis so it fits ``max_width`` px."""
    if text_width(text, size, bold) <= max_width:
        return text
    while text and text_width(text + "…", size, bold) > max_width:
        text = text[:-1]
    return text + "…"


_LENGTH = re.compile(r"^\s*(\d+(?:\.\d+)?|\.\d+)\s*(in|cm|mm|pt|px)\s*$")
_PX_PER_UNIT = {"in": 96.0, "cm": 96 / 2.54, "mm": 96 / 25.4, "pt": PX_PER_PT, "px": 1.0}


def parse_length(text: str) -> tuple[float, str]:
    """``'3.3in'`` -> (316.8 CSS px, 'in'); raises ValueError on anything else."""
    match = _LENGTH.match(text)
    if not match:
        raise ValueError(f"width '{text}' is not a length such as 3.3in, 8.5cm, 240pt")
    value, unit = float(match.group(1)), match.group(2)
    if value <= 0:
        raise ValueError(f"width '{text}' must be positive")
    return value * _PX_PER_UNIT[unit], unit


def wrap_path(text: str, size: float, max_width: float, bold: bool = False) -> list[str]:
    """A long path-like name (``/features/denseblock1/denselayer1/norm1/Conv``, an ONNX
    node's) broken after its ``/`` or ``.`` separators into lines of at most
    ``max_width``; a name with no separator, or short enough, stays one line."""
    if text_width(text, size, bold) <= max_width:
        return [text]
    parts = re.split(r"(?<=[/.])", text)
    lines = [""]
    for part in parts:
        if lines[-1] and text_width(lines[-1] + part, size, bold) > max_width:
            lines.append(part)
        else:
            lines[-1] += part
    return lines
