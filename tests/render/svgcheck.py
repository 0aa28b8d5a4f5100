"""Reading our SVG back: node boxes, edges, ports and texts, as a figure's reader sees them."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import dataclass, field

NS = "{http://www.w3.org/2000/svg}"


@dataclass
class Parsed:
    root: ET.Element
    nodes: dict[str, ET.Element] = field(default_factory=dict)
    edges: dict[str, list[tuple[float, float]]] = field(default_factory=dict)
    ports: dict[str, tuple[float, float]] = field(default_factory=dict)

    def texts(self, element: ET.Element | None = None) -> list[str]:
        scope = self.root if element is None else element
        return [t.text or "" for t in scope.iter(f"{NS}text")]

    def rects(self, element: ET.Element) -> list[tuple[float, float, float, float]]:
        return [
            (
                float(r.get("x", 0)),
                float(r.get("y", 0)),
                float(r.get("width")),
                float(r.get("height")),
            )
            for r in element.iter(f"{NS}rect")
        ]


def parse(svg: str | bytes) -> Parsed:
    root = ET.fromstring(svg)
    parsed = Parsed(root)
    for g in root.iter(f"{NS}g"):
        if g.get("class") == "node":
            parsed.nodes[g.get("id", "")[len("node-") :]] = g
    for line in root.iter(f"{NS}polyline"):
        ident = line.get("id", "")
        if ident.startswith("edge-"):
            pts = [tuple(map(float, p.split(","))) for p in line.get("points", "").split()]
            parsed.edges[ident] = pts  # type: ignore[assignment]
    for name, g in parsed.nodes.items():
        for side in ("in", "out"):
            for k, point in enumerate(g.get(f"data-{side}-ports", "").split()):
                parsed.ports[f"port-{side}-{name}-{k}"] = tuple(map(float, point.split(",")))  # type: ignore[assignment]
    return parsed


def overlaps(a: tuple[float, float, float, float], b: tuple[float, float, float, float]) -> bool:
    ax, ay, aw, ah = a
    bx, by, bw, bh = b
    return ax < bx + bw and bx < ax + aw and ay < by + bh and by < ay + ah
