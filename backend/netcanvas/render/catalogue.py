"""The figure catalogue: styles, themes and figure formats, as data.

The CLI's choices, the export API, ``GET /api/figures`` and the editor's selects all come
from these tables, so adding a style is its module in ``styles/`` plus one line here.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class StyleInfo:
    name: str  # also the module name under netcanvas.render.styles
    label: str
    description: str
    folds: bool  # draws repeated blocks once with ×N when asked to fold
    stacks: bool  # honours `stack` (in-place followers drawn on their producer)
    options: tuple[str, ...] = ()  # settings only this style reads


STYLES: tuple[StyleInfo, ...] = (
    StyleInfo(
        "graph", "Graph", "One box per layer (or per stack of in-place layers), shapes on "
        "the edges, as Netscope and Graphviz draw it", folds=True, stacks=True,
    ),
    StyleInfo(
        "blocks", "Blocks", "Net2Vis-like glyphs whose ends follow the spatial size and whose "
        "thickness follows the channels; in-place layers are always stacked",
        folds=True, stacks=False,
    ),
    StyleInfo(
        "fcnn", "FCNN", "NN-SVG's fully connected drawing: each layer a column of neurons",
        folds=False, stacks=False,
    ),
    StyleInfo(
        "lenet", "LeNet", "NN-SVG's LeNet drawing: feature maps as staggered stacks",
        folds=False, stacks=False,
    ),
    StyleInfo(
        "alexnet", "AlexNet (3-D)", "NN-SVG's AlexNet drawing: feature maps as 3-D boxes",
        folds=False, stacks=False, options=("azimuth", "elevation"),
    ),
)  # fmt: skip

THEMES: tuple[tuple[str, str], ...] = (
    ("light", "Light"),
    ("dark", "Dark"),
    ("print", "Print (black lines, pale fills)"),
    ("colorblind", "Colour-blind safe (Okabe-Ito)"),
    ("mono", "Monochrome (hatched)"),
)

# name, extension, media type, binary
FIGURE_FORMATS: tuple[tuple[str, str, str, bool], ...] = (
    ("svg", ".svg", "image/svg+xml", False),
    ("pdf", ".pdf", "application/pdf", True),
    ("png", ".png", "image/png", True),
    ("tex", ".tex", "application/x-tex", False),  # TikZ, for LaTeX papers
)

STYLE_NAMES: tuple[str, ...] = tuple(s.name for s in STYLES)
THEME_NAMES: tuple[str, ...] = tuple(name for name, _ in THEMES)
BY_STYLE = {s.name: s for s in STYLES}


def ignored_options(style: str, fold: bool, stack: bool) -> list[str]:
    """What a figure will not do although it was asked to, said rather than ignored."""
    info = BY_STYLE[style]
    out = []
    if fold and not info.folds:
        out.append(f"the {style} style does not fold repeated blocks: fold is ignored")
    if stack and not info.stacks:
        if style == "blocks":
            out.append("the blocks style always stacks in-place layers: stack changes nothing")
        else:
            out.append(f"the {style} style does not stack in-place layers: stack is ignored")
    return out


def catalogue() -> dict[str, Any]:
    """The answer of ``GET /api/figures``."""
    return {
        "styles": [
            {
                "name": s.name,
                "label": s.label,
                "description": s.description,
                "folds": s.folds,
                "stacks": s.stacks,
                "options": list(s.options),
            }
            for s in STYLES
        ],
        "themes": [{"name": name, "label": label} for name, label in THEMES],
        "formats": [
            {"name": name, "extension": ext, "media_type": media, "binary": binary}
            for name, ext, media, binary in FIGURE_FORMATS
        ],
    }
