"""PDF and PNG from the SVG through cairosvg: one drawing, so every format matches.

cairo embeds the (subset) font in the PDF and keeps text as text, so a reader can
select and search the layer names.
"""

from __future__ import annotations

import re
from typing import Any


def _cairosvg() -> Any:
    from netcanvas.render.igraph_core import IMPORT_LOCK

    with IMPORT_LOCK:
        import cairosvg

    return cairosvg


def to_pdf(svg: bytes) -> bytes:
    cairosvg = _cairosvg()

    width, height = _css_size(svg)
    # PDF readers such as Acrobat refuse pages over 200 in (14,400 pt); a longer figure
    # is scaled to fit, and stays vector, so zooming in still reads every label.
    fit = min(1.0, MAX_PDF_SIDE_PX / max(width, height, 1))
    data: bytes = cairosvg.svg2pdf(
        bytestring=svg, output_width=width * fit, output_height=height * fit
    )
    return data


MAX_PNG_SIDE = 32767
# Pixels of one PNG (4 bytes each while cairo draws it): 24 Mpx is a 300-dpi A3 page and
# costs ~100 MB; past it the request is refused before anything is drawn.
MAX_PNG_PIXELS = 24_000_000
MAX_PDF_SIDE_PX = 200 * 96  # 200 in


def to_png(svg: bytes, dpi: int) -> bytes:
    """A PNG at ``dpi``: 96 dpi draws one pixel per CSS px, 192 dpi twice as many."""
    cairosvg = _cairosvg()

    width, height = _css_size(svg)
    # cairo cannot make an image wider or taller than 32,767 px: a very long network
    # (ResNet-152 unstacked is 68,000 px tall) is scaled down to fit rather than failing.
    scale = min(dpi / 96, MAX_PNG_SIDE / max(width, height, 1))
    pixels = round(width * scale) * round(height * scale)
    if pixels > MAX_PNG_PIXELS:
        from netcanvas.render import FigureError

        raise FigureError(
            f"the PNG would be {round(width * scale):,}×{round(height * scale):,} px "
            f"({pixels / 1e6:.0f} Mpx); the limit is {MAX_PNG_PIXELS / 1e6:.0f} Mpx: "
            "lower the dpi or the width"
        )
    data: bytes = cairosvg.svg2png(
        bytestring=svg,
        output_width=max(1, round(width * scale)),
        output_height=max(1, round(height * scale)),
        dpi=dpi,
    )
    return data


_ROOT = re.compile(rb"<svg\b[^>]*>", re.S)
_WIDTH = re.compile(rb'\swidth="([\d.]+)([a-z]*)"')
_HEIGHT = re.compile(rb'\sheight="([\d.]+)([a-z]*)"')
_PX = {b"": 1.0, b"px": 1.0, b"in": 96.0, b"cm": 96 / 2.54, b"mm": 96 / 25.4, b"pt": 96 / 72}


def _css_size(svg: bytes) -> tuple[float, float]:
    """Width and height of our SVG's root in CSS px (96 per inch)."""
    root = _ROOT.search(svg[:4000])
    width = _WIDTH.search(root.group(0)) if root else None
    height = _HEIGHT.search(root.group(0)) if root else None
    if width is None or height is None:
        raise ValueError("the SVG has no width and height")
    return (
        float(width.group(1)) * _PX[width.group(2)],
        float(height.group(1)) * _PX[height.group(2)],
    )
