"""SVG writer: draws a Scene as SVG text. PDF and PNG are made from this SVG.

The document is written directly as text (text and attribute values escaped by
``escape`` below, as ``html.escape`` does) rather than through svgwrite: building and
serialising ~6,000 element objects for ResNet-152 took 0.2-0.6 s, more than layout and
inference together, and the figure uses only a handful of plain elements.
"""

from __future__ import annotations

import math

from netcanvas.render.scene import Circle, Line, NodeBox, Polygon, Primitive, Rect, Scene, Text
from netcanvas.render.text import FONT_FAMILY, parse_length
from netcanvas.render.themes import HATCHES

SVG_NS = "http://www.w3.org/2000/svg"


def escape(text: str) -> str:
    """``html.escape``: text and attribute values (the ``html`` package costs 2 ms to
    import, for its entity table, in every `netcanvas render`)."""
    return (
        text.replace("&", "&amp;")
        .replace("<", "&lt;")
        .replace(">", "&gt;")
        .replace('"', "&quot;")
        .replace("'", "&#x27;")
    )


def to_svg(scene: Scene, width: str | None = None) -> str:
    """The SVG document; ``width`` ('3.3in') scales the figure to that physical width."""
    # Whole px, so a PNG at 192 dpi is exactly twice the one at 96 dpi.
    w, h = math.ceil(scene.width - 0.01), math.ceil(scene.height - 0.01)
    size = (f"{w}px", f"{h}px")
    if width:
        _, unit = parse_length(width)
        value = float(width.strip()[: -len(unit)])
        size = (f"{value:g}{unit}", f"{value * h / max(w, 1):.4g}{unit}")
    head: list[str] = [
        '<?xml version="1.0" encoding="utf-8"?>\n',
        f'<svg xmlns="{SVG_NS}" version="1.1" width="{size[0]}" height="{size[1]}" '
        f'viewBox="0 0 {w} {h}" font-family="{escape(FONT_FAMILY)}">',
    ]
    if scene.title:
        head.append(f"<title>{escape(scene.title)}</title>")
    draw = _Writer()
    out: list[str] = [
        f'<rect id="background" x="0" y="0" width="{w}" height="{h}" fill="{scene.background}"/>'
    ]
    out.append('<g id="under">')
    out.extend(map(draw.primitive, scene.under))
    out.append("</g>")
    marker = ' marker-end="url(#arrow)"' if scene.arrows else ""
    out.append(
        f'<g id="edges" fill="none" stroke="{scene.edge_color}" stroke-width="1.1" '
        'stroke-linejoin="round">'
    )
    for e in scene.edges:
        ident = escape(f"edge-{e.src}-{e.dst}")
        out.append(f'<polyline id="{ident}" points="{_points(e.points)}"{marker}/>')
    out.append("</g>")
    out.append('<g id="nodes">')
    for box in scene.nodes:
        _node(out, box, draw)
    out.append("</g>")
    out.append('<g id="labels">')
    out.extend(draw.primitive(e.label) for e in scene.edges if e.label is not None)
    out.extend(map(draw.primitive, scene.over))
    out.append("</g>")
    out.append("</svg>\n")
    # The patterns the drawing used are known once it is written; they go before it.
    _defs(head, scene, draw.hatches)
    head.extend(out)
    return "".join(head)


def _defs(out: list[str], scene: Scene, used: set[int]) -> None:
    out.append("<defs>")
    if scene.arrows:
        out.append(
            '<marker id="arrow" markerUnits="userSpaceOnUse" markerWidth="8" markerHeight="8" '
            'refX="8" refY="4" orient="auto">'
            f'<path d="M0,0 L8,4 L0,8 z" fill="{scene.edge_color}"/></marker>'
        )
    for index in sorted(used):
        out.append(_hatch(index, scene.edge_color))
    out.append("</defs>")


def _hatch(index: int, colour: str) -> str:
    angle, gap, crossed, dotted = HATCHES[index]
    body = []
    if dotted:
        body.append(f'<circle cx="{gap / 2:g}" cy="{gap / 2:g}" r="{gap / 5:g}" fill="{colour}"/>')
    else:
        body.append(
            f'<line x1="0" y1="0" x2="0" y2="{gap:g}" stroke="{colour}" stroke-width="0.9"/>'
        )
        if crossed:
            body.append(
                f'<line x1="0" y1="0" x2="{gap:g}" y2="0" stroke="{colour}" stroke-width="0.9"/>'
            )
    return (
        f'<pattern id="hatch-{index}" width="{gap:g}" height="{gap:g}" '
        f'patternUnits="userSpaceOnUse" patternTransform="rotate({angle})">'
        f"{''.join(body)}</pattern>"
    )


def _node(out: list[str], box: NodeBox, draw: _Writer) -> None:
    # Ports as data, not drawn: a figure shows where wires meet boxes without dots.
    attrs = f' data-in-ports="{_points(box.in_ports)}"' if box.in_ports else ""
    if box.out_ports:
        attrs += f' data-out-ports="{_points(box.out_ports)}"'
    out.append(f'<g id="{escape("node-" + box.name)}" class="node"{attrs}>')
    if box.error:
        out.append(f"<title>{escape(f'{box.name}: {box.error}')}</title>")
    text, rect = draw.text, draw.rect
    for item in box.items:  # a box is text and rectangles, written without a dispatch
        kind = type(item)
        out.append(
            text(item) if kind is Text else rect(item) if kind is Rect else draw.other(item)  # type: ignore[arg-type]
        )
    out.append("</g>")


def _paint(fill: str, hatch: int | None, stroke: str, width: float, opacity: float) -> str:
    text = f' fill="url(#hatch-{hatch})"' if hatch is not None else f' fill="{fill}"'
    if stroke != "none":
        text += f' stroke="{stroke}" stroke-width="{width:.1f}"'
    if opacity < 1:
        text += f' fill-opacity="{opacity:.1f}"'
    return text


class _Writer:
    """Writes primitives, remembering what repeats within one figure.

    A big figure is thousands of boxes drawn alike: the same few fills and outlines, the
    same labels ("Conv2d", "BatchNorm2d", "1×64×56×56") at other places. The part of an
    element after its position is kept by its settings and written once per kind, so
    each element costs its coordinates and one dictionary look-up. The hatch patterns
    used are collected on the way, for ``<defs>``.
    """

    __slots__ = ("hatches", "_escaped", "_rects", "_texts", "_across", "_sizes")

    def __init__(self) -> None:
        self.hatches: set[int] = set()
        self._escaped: dict[str, str] = {}
        self._rects: dict[tuple[object, ...], str] = {}
        self._texts: dict[tuple[object, ...], str] = {}
        # Boxes of a column share their x and their size: those numbers are formatted
        # once (a float's text is most of an element's cost).
        self._across: dict[float, str] = {}
        self._sizes: dict[tuple[float, float], str] = {}

    def escape(self, text: str) -> str:
        done = self._escaped.get(text)
        if done is None:
            done = self._escaped[text] = escape(text)
        return done

    def primitive(self, item: Primitive) -> str:
        kind = type(item)
        if kind is Text:
            return self.text(item)  # type: ignore[arg-type]
        if kind is Rect:
            return self.rect(item)  # type: ignore[arg-type]
        return self.other(item)

    # Numbers are looked up by value, and 0.0 == -0.0 although they print apart: an
    # element with a zero among its remembered numbers is written in full instead.
    def text(self, item: Text) -> str:
        if item.rotate or not item.x or not item.size:
            return self.other(item)
        key = (item.text, item.size, item.color, item.anchor, item.bold)
        tail = self._texts.get(key)
        if tail is None:
            bold = ' font-weight="bold"' if item.bold else ""
            tail = self._texts[key] = (
                f'" font-size="{item.size:.1f}" fill="{item.color}" '
                f'text-anchor="{item.anchor}"{bold}>{self.escape(item.text)}</text>'
            )
        x = self._across.get(item.x)
        if x is None:
            x = self._across[item.x] = f"{item.x:.1f}"
        return f'<text x="{x}" y="{item.y:.1f}{tail}'

    def rect(self, item: Rect) -> str:
        if not (item.x and item.w and item.h and item.stroke_width and item.opacity):
            return self.other(item)
        key = (item.rx, item.dash, item.fill, item.hatch, item.stroke, item.stroke_width,
               item.opacity)  # fmt: skip
        tail = self._rects.get(key)
        if tail is None:
            extra = f' rx="{item.rx:.1f}"' if item.rx else ""
            if item.dash:
                extra += f' stroke-dasharray="{item.dash}"'
            paint = _paint(item.fill, item.hatch, item.stroke, item.stroke_width, item.opacity)
            tail = self._rects[key] = f'"{extra}{paint}/>'
            if item.hatch is not None:
                self.hatches.add(item.hatch)
        x = self._across.get(item.x)
        if x is None:
            x = self._across[item.x] = f"{item.x:.1f}"
        size = self._sizes.get((item.w, item.h))
        if size is None:
            size = self._sizes[item.w, item.h] = f'{item.w:.1f}" height="{item.h:.1f}'
        return f'<rect x="{x}" y="{item.y:.1f}" width="{size}{tail}'

    def other(self, item: Primitive) -> str:
        if isinstance(item, Polygon) and item.hatch is not None:
            self.hatches.add(item.hatch)
        elif isinstance(item, Rect) and item.hatch is not None:
            self.hatches.add(item.hatch)
        return _primitive(item)


def _primitive(item: Primitive) -> str:
    if isinstance(item, Text):
        extra = ' font-weight="bold"' if item.bold else ""
        if item.rotate:
            extra += f' transform="rotate({_r(item.rotate)} {_r(item.x)} {_r(item.y)})"'
        return (
            f'<text x="{_r(item.x)}" y="{_r(item.y)}" font-size="{_r(item.size)}" '
            f'fill="{item.color}" text-anchor="{item.anchor}"{extra}>{escape(item.text)}</text>'
        )
    if isinstance(item, Rect):
        extra = f' rx="{_r(item.rx)}"' if item.rx else ""
        if item.dash:
            extra += f' stroke-dasharray="{item.dash}"'
        paint = _paint(item.fill, item.hatch, item.stroke, item.stroke_width, item.opacity)
        return (
            f'<rect x="{_r(item.x)}" y="{_r(item.y)}" width="{_r(item.w)}" '
            f'height="{_r(item.h)}"{extra}{paint}/>'
        )
    if isinstance(item, Polygon):
        paint = _paint(item.fill, item.hatch, item.stroke, item.stroke_width, item.opacity)
        return f'<polygon points="{_points(item.points)}" stroke-linejoin="round"{paint}/>'
    if isinstance(item, Line):
        extra = f' stroke-dasharray="{item.dash}"' if item.dash else ""
        if item.arrow:
            extra += ' marker-end="url(#arrow)"'
        if item.opacity < 1:
            extra += f' stroke-opacity="{_r(item.opacity)}"'
        return (
            f'<polyline points="{_points(item.points)}" fill="none" stroke="{item.stroke}" '
            f'stroke-width="{_r(item.width)}"{extra}/>'
        )
    if isinstance(item, Circle):
        paint = _paint(item.fill, None, item.stroke, item.stroke_width, 1.0)
        return f'<circle cx="{_r(item.cx)}" cy="{_r(item.cy)}" r="{_r(item.r)}"{paint}/>'
    raise TypeError(f"cannot draw {type(item).__name__}")


def _points(points: list[tuple[float, float]]) -> str:
    # One formatting operation per point tuple, a third faster than unpacking it into an
    # f-string (%-formatting writes a float exactly as format() does).
    try:
        return " ".join(["%.1f,%.1f" % p for p in points])  # noqa: UP031
    except TypeError:  # points given as lists
        return " ".join([f"{x:.1f},{y:.1f}" for x, y in points])


def _r(value: float) -> str:
    """A tenth of a px is finer than any printer; short numbers keep files small."""
    return f"{value:.1f}"
