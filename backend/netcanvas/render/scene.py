"""The scene: everything a figure shows, positioned in px, with colours resolved.

Styles build a scene; writers (svg.py, then PDF and PNG from the SVG) only draw it.
Graph-style boxes and edges keep their layer names so tests and the editor can find
them; decorations of the other styles are plain primitives.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

Point = tuple[float, float]
Anchor = Literal["start", "middle", "end"]


@dataclass(slots=True)
class Text:
    x: float
    y: float  # baseline
    text: str
    size: float
    color: str
    bold: bool = False
    anchor: Anchor = "middle"
    rotate: float = 0.0


@dataclass(slots=True)
class Rect:
    x: float
    y: float
    w: float
    h: float
    fill: str
    stroke: str = "none"
    stroke_width: float = 1.0
    rx: float = 0.0
    dash: str | None = None
    hatch: int | None = None  # index into themes.HATCHES, drawn over the fill
    opacity: float = 1.0


@dataclass(slots=True)
class Polygon:
    points: list[Point]
    fill: str
    stroke: str = "none"
    stroke_width: float = 1.0
    opacity: float = 1.0
    hatch: int | None = None


@dataclass(slots=True)
class Line:
    points: list[Point]
    stroke: str
    width: float = 1.0
    dash: str | None = None
    arrow: bool = False
    opacity: float = 1.0


@dataclass(slots=True)
class Circle:
    cx: float
    cy: float
    r: float
    fill: str
    stroke: str = "none"
    stroke_width: float = 1.0


Primitive = Text | Rect | Polygon | Line | Circle


@dataclass(slots=True)
class NodeBox:
    """One drawn layer (or a stack of a layer and its in-place followers)."""

    name: str
    members: list[str]  # layers drawn by this box: the name first, then stacked followers
    x: float
    y: float
    w: float
    h: float
    in_ports: list[Point] = field(default_factory=list)
    out_ports: list[Point] = field(default_factory=list)
    error: str | None = None
    items: list[Primitive] = field(default_factory=list)  # its outline, fills and labels


@dataclass(slots=True)
class Edge:
    src: str
    dst: str
    points: list[Point]
    label: Text | None = None


@dataclass(slots=True)
class Group:
    """A folded block: drawn once, ``count`` times in the network."""

    name: str
    count: int
    members: list[str]
    x: float
    y: float
    w: float
    h: float


@dataclass(slots=True)
class Scene:
    width: float
    height: float
    background: str
    edge_color: str
    font_size: float  # base size in px
    nodes: list[NodeBox] = field(default_factory=list)
    edges: list[Edge] = field(default_factory=list)
    groups: list[Group] = field(default_factory=list)
    # Drawn before the nodes (frames, connectors) and after them (labels, legend).
    under: list[Primitive] = field(default_factory=list)
    over: list[Primitive] = field(default_factory=list)
    title: str | None = None
    arrows: bool = True  # arrowheads on edges
