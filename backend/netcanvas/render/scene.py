"""The scene: everything a figure shows, positioned in px, with colours resolved.

Styles build a scene; writers (svg.py, then PDF and PNG from the SVG) only draw it.
Graph-style boxes and edges keep their layer names so tests and the editor can find
them; decorations of the other styles are plain primitives.

The classes are plain slotted records written out rather than dataclasses: a dataclass
generates and compiles its methods when the module is imported (0.5 ms each, 5 ms for
this module, in every `netcanvas render`), and a figure only needs the fields. They
compare and print as dataclasses do.
"""

from __future__ import annotations

from typing import Any, Literal

Point = tuple[float, float]
Anchor = Literal["start", "middle", "end"]


class _Record:
    """Equality and repr over ``__slots__``, as a dataclass has them."""

    __slots__: tuple[str, ...] = ()

    def _values(self) -> tuple[Any, ...]:
        return tuple(getattr(self, name) for name in self.__slots__)

    def __eq__(self, other: object) -> bool:
        if other.__class__ is not self.__class__:
            return NotImplemented
        return self._values() == other._values()

    __hash__ = None  # type: ignore[assignment]  # mutable, as a dataclass with eq

    def __repr__(self) -> str:
        fields = ", ".join(f"{name}={getattr(self, name)!r}" for name in self.__slots__)
        return f"{type(self).__name__}({fields})"


class Text(_Record):
    __slots__ = ("x", "y", "text", "size", "color", "bold", "anchor", "rotate")

    def __init__(
        self,
        x: float,
        y: float,  # baseline
        text: str,
        size: float,
        color: str,
        bold: bool = False,
        anchor: Anchor = "middle",
        rotate: float = 0.0,
    ) -> None:
        self.x = x
        self.y = y
        self.text = text
        self.size = size
        self.color = color
        self.bold = bold
        self.anchor = anchor
        self.rotate = rotate


class Rect(_Record):
    __slots__ = ("x", "y", "w", "h", "fill", "stroke", "stroke_width", "rx", "dash", "hatch",
                 "opacity")  # fmt: skip

    def __init__(
        self,
        x: float,
        y: float,
        w: float,
        h: float,
        fill: str,
        stroke: str = "none",
        stroke_width: float = 1.0,
        rx: float = 0.0,
        dash: str | None = None,
        hatch: int | None = None,  # index into themes.HATCHES, drawn over the fill
        opacity: float = 1.0,
    ) -> None:
        self.x = x
        self.y = y
        self.w = w
        self.h = h
        self.fill = fill
        self.stroke = stroke
        self.stroke_width = stroke_width
        self.rx = rx
        self.dash = dash
        self.hatch = hatch
        self.opacity = opacity


class Polygon(_Record):
    __slots__ = ("points", "fill", "stroke", "stroke_width", "opacity", "hatch")

    def __init__(
        self,
        points: list[Point],
        fill: str,
        stroke: str = "none",
        stroke_width: float = 1.0,
        opacity: float = 1.0,
        hatch: int | None = None,
    ) -> None:
        self.points = points
        self.fill = fill
        self.stroke = stroke
        self.stroke_width = stroke_width
        self.opacity = opacity
        self.hatch = hatch


class Line(_Record):
    __slots__ = ("points", "stroke", "width", "dash", "arrow", "opacity")

    def __init__(
        self,
        points: list[Point],
        stroke: str,
        width: float = 1.0,
        dash: str | None = None,
        arrow: bool = False,
        opacity: float = 1.0,
    ) -> None:
        self.points = points
        self.stroke = stroke
        self.width = width
        self.dash = dash
        self.arrow = arrow
        self.opacity = opacity


class Circle(_Record):
    __slots__ = ("cx", "cy", "r", "fill", "stroke", "stroke_width")

    def __init__(
        self,
        cx: float,
        cy: float,
        r: float,
        fill: str,
        stroke: str = "none",
        stroke_width: float = 1.0,
    ) -> None:
        self.cx = cx
        self.cy = cy
        self.r = r
        self.fill = fill
        self.stroke = stroke
        self.stroke_width = stroke_width


Primitive = Text | Rect | Polygon | Line | Circle


class NodeBox(_Record):
    """One drawn layer (or a stack of a layer and its in-place followers)."""

    __slots__ = ("name", "members", "x", "y", "w", "h", "in_ports", "out_ports", "error",
                 "items")  # fmt: skip

    def __init__(
        self,
        name: str,
        members: list[str],  # layers drawn by this box: the name first, then stacked followers
        x: float,
        y: float,
        w: float,
        h: float,
        in_ports: list[Point] | None = None,
        out_ports: list[Point] | None = None,
        error: str | None = None,
        items: list[Primitive] | None = None,  # its outline, fills and labels
    ) -> None:
        self.name = name
        self.members = members
        self.x = x
        self.y = y
        self.w = w
        self.h = h
        self.in_ports: list[Point] = [] if in_ports is None else in_ports
        self.out_ports: list[Point] = [] if out_ports is None else out_ports
        self.error = error
        self.items: list[Primitive] = [] if items is None else items


class Edge(_Record):
    __slots__ = ("src", "dst", "points", "label")

    def __init__(self, src: str, dst: str, points: list[Point], label: Text | None = None) -> None:
        self.src = src
        self.dst = dst
        self.points = points
        self.label = label


class Group(_Record):
    """A folded block: drawn once, ``count`` times in the network."""

    __slots__ = ("name", "count", "members", "x", "y", "w", "h")

    def __init__(
        self, name: str, count: int, members: list[str], x: float, y: float, w: float, h: float
    ) -> None:
        self.name = name
        self.count = count
        self.members = members
        self.x = x
        self.y = y
        self.w = w
        self.h = h


class Scene(_Record):
    __slots__ = ("width", "height", "background", "edge_color", "font_size", "nodes", "edges",
                 "groups", "under", "over", "title", "arrows")  # fmt: skip

    def __init__(
        self,
        width: float,
        height: float,
        background: str,
        edge_color: str,
        font_size: float,  # base size in px
        nodes: list[NodeBox] | None = None,
        edges: list[Edge] | None = None,
        groups: list[Group] | None = None,
        # Drawn before the nodes (frames, connectors) and after them (labels, legend).
        under: list[Primitive] | None = None,
        over: list[Primitive] | None = None,
        title: str | None = None,
        arrows: bool = True,  # arrowheads on edges
    ) -> None:
        self.width = width
        self.height = height
        self.background = background
        self.edge_color = edge_color
        self.font_size = font_size
        self.nodes: list[NodeBox] = [] if nodes is None else nodes
        self.edges: list[Edge] = [] if edges is None else edges
        self.groups: list[Group] = [] if groups is None else groups
        self.under: list[Primitive] = [] if under is None else under
        self.over: list[Primitive] = [] if over is None else over
        self.title = title
        self.arrows = arrows
