"""Labels and helpers shared by the styles: key settings, counts, shapes, categories."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from netcanvas.analysis import Analysis
from netcanvas.graph.model import Graph, Node
from netcanvas.graph.shapes import fmt
from netcanvas.layers import lookup
from netcanvas.render.options import FigureOptions
from netcanvas.render.scene import Primitive, Rect, Scene, Text
from netcanvas.render.text import LINE_HEIGHT, PX_PER_PT, ascent, text_width
from netcanvas.render.themes import HATCHES, OPAQUE, Theme


@lru_cache(maxsize=512)
def category(type_name: str) -> str:
    spec = lookup(type_name)
    return spec.category if spec is not None else OPAQUE


def param(node: Node, key: str) -> Any:
    """A setting as written, else the layer type's default, else None."""
    if key in node.params:
        return node.params[key]
    return _default(node.type, key)


@lru_cache(maxsize=2048)
def _default(type_name: str, key: str) -> Any:
    spec = lookup(type_name)
    if spec is not None:
        field = spec.Params.model_fields.get(key)
        if field is not None and field.default is not None:
            return field.default
    return None


def _axes(value: Any) -> str:
    if isinstance(value, list | tuple):
        values = [str(v) for v in value]
        return values[0] if len(set(values)) == 1 else "×".join(values)
    return str(value)


def key_settings(node: Node) -> str:
    """The settings a reader needs: ``3×3 /2, 64`` for a convolution."""
    # Drawn once per box of a figure of thousands: the settings are read directly (as
    # param() reads them) rather than through a call per key.
    given = node.params
    kind = node.type
    parts: list[str] = []
    kernel = given["kernel_size"] if "kernel_size" in given else _default(kind, "kernel_size")
    if kernel is not None:
        k = _axes(kernel)
        parts.append(k if "×" in k else f"{k}×{k}")
        stride = given["stride"] if "stride" in given else _default(kind, "stride")
        if stride not in (None, 1, [1, 1], [1]):
            parts[-1] += f" /{_axes(stride)}"
        dilation = given["dilation"] if "dilation" in given else _default(kind, "dilation")
        if dilation not in (None, 1, [1, 1], [1]):
            parts.append(f"dil {_axes(dilation)}")
    groups = given["groups"] if "groups" in given else _default(kind, "groups")
    if isinstance(groups, int) and groups > 1:
        parts.append(f"g{groups}")
    for key in ("out_channels", "out_features", "hidden_size", "embed_dim", "num_heads"):
        if key in given:
            parts.append(str(given[key]))
            break
    if "output_size" in given:
        parts.append(f"→ {_axes(given['output_size'])}")
    if "p" in given:
        parts.append(f"p={given['p']}")
    return ", ".join(parts)


def human(n: float) -> str:
    """1234567 -> '1.23M' (figures want short numbers)."""
    for factor, suffix in ((1e12, "T"), (1e9, "G"), (1e6, "M"), (1e3, "k")):
        if abs(n) >= factor:
            return f"{n / factor:.3g}{suffix}"
    return f"{n:g}"


def short_shape(shape: Sequence[int] | None) -> str:
    """Shape on an edge, Netscope-like: ``64ch · 56×56``; vectors as their length."""
    if shape is None:
        return "?"
    if len(shape) >= 3:
        return f"{shape[1]}ch · {'×'.join(map(str, shape[2:]))}"
    if len(shape) == 2:
        return str(shape[1])
    return fmt(shape)


@dataclass(slots=True)
class Fonts:
    """Sizes in px from the figure's base size in pt."""

    base: float
    small: float
    line: float

    @classmethod
    def of(cls, options: FigureOptions) -> Fonts:
        base = options.font_size * PX_PER_PT
        return cls(base, base * 0.85, base * LINE_HEIGHT)


def add_title(scene: Scene, options: FigureOptions, theme: Theme, fonts: Fonts) -> float:
    """Room for the title above the figure; returns the height it takes."""
    if not options.title:
        return 0.0
    size = fonts.base * 1.3
    scene.title = options.title
    scene.over.append(
        Text(scene.width / 2, 10 + ascent(size), options.title, size, theme.text, True)
    )
    scene.width = max(scene.width, text_width(options.title, size, True) + 32)
    room = size * LINE_HEIGHT + 10
    scene.height += room
    return room


def legend_swatch(theme: Theme, cat: str, x: float, y: float, size: float) -> list[Primitive]:
    """A small box in a category's colour (or hatch in mono)."""
    items: list[Primitive] = [
        Rect(x, y, size * 1.6, size, theme.fill(cat), theme.stroke, theme.stroke_width, rx=2)
    ]
    if theme.hatched and cat != OPAQUE:
        items.append(
            Rect(
                x,
                y,
                size * 1.6,
                size,
                "none",
                theme.stroke,
                0,
                rx=2,
                hatch=theme.index(cat) % len(HATCHES),
            )
        )
    return items


def category_legend(
    scene: Scene, categories: list[str], theme: Theme, fonts: Fonts, x: float, y: float
) -> float:
    """Category swatches in rows as wide as the figure; returns the height they take."""
    size = fonts.small
    row = size * LINE_HEIGHT + 6
    limit = max(scene.width - 16, 300.0)
    cx, top = x, y
    for cat in categories:
        step = size * 2.6 + text_width(cat, size)
        if cx > x and cx + step > limit:
            cx, y = x, y + row
        scene.over.extend(legend_swatch(theme, cat, cx, y, size))
        scene.over.append(
            Text(cx + size * 2, y + ascent(size) * 0.9, cat, size, theme.text, anchor="start")
        )
        cx += step
        scene.width = max(scene.width, cx + 16)
    return y - top + row


def visible_categories(graph: Graph) -> list[str]:
    seen: list[str] = []
    for node in graph.nodes:
        cat = category(node.type)
        if cat not in seen:
            seen.append(cat)
    return seen


def analysis_of(graph: Graph, analysis: Analysis | None) -> Analysis:
    if analysis is not None:
        return analysis
    from netcanvas.analysis import analyze

    return analyze(graph)
