"""Per-layer values drawn on the figure: every box filled by its value on a colour scale,
with a legend. The values come from the analysis (params, MACs, activation memory), from
a training run's layer statistics, or from any file: CSV ``node,value`` (latency from a
profiler, memory, quantisation error) or Model Explorer's node-data JSON read as it is
(``results`` keyed by node id with ``value`` and optional ``bgColor``, and optional
``thresholds`` or ``gradient``).

A document carries an overlay in ``view.overlay`` (``{"label", "values", "log"?,
"colors"?, "thresholds"?, "gradient"?}``), so the editor's overlay is in its exported
figure too. Boxes drawing several layers (stacks, folds) show the sum of additive values
(params, MACs, memory, latency) and the mean of the others.
"""

from __future__ import annotations

import csv
import io
import json
import math
from dataclasses import dataclass, field
from typing import Any

from netcanvas.formats.base import FormatError
from netcanvas.render.scene import Rect, Scene, Text
from netcanvas.render.text import ascent, text_width
from netcanvas.render.themes import Theme

# viridis at 9 stops: perceptually uniform and readable with colour-blindness.
VIRIDIS = ("#440154", "#472D7B", "#3B528B", "#2C728E", "#21918C", "#28AE80", "#5EC962",
           "#ADDC30", "#FDE725")  # fmt: skip
BUILTIN = {"params": "parameters", "macs": "MACs", "memory": "activation memory (bytes)"}
ADDITIVE = {"params", "macs", "memory", "latency", "time", "bytes"}


@dataclass
class Overlay:
    label: str
    values: dict[str, float]
    log: bool = True
    colors: dict[str, str] = field(default_factory=dict)  # explicit per node
    thresholds: list[tuple[float, str]] = field(default_factory=list)
    gradient: list[tuple[float, str]] = field(default_factory=list)

    @property
    def additive(self) -> bool:
        return any(word in self.label.lower() for word in ADDITIVE)

    def to_view(self) -> dict[str, Any]:
        out: dict[str, Any] = {"label": self.label, "values": self.values, "log": self.log}
        if self.colors:
            out["colors"] = self.colors
        if self.thresholds:
            out["thresholds"] = [list(t) for t in self.thresholds]
        if self.gradient:
            out["gradient"] = [list(g) for g in self.gradient]
        return out

    @classmethod
    def from_view(cls, view: Any) -> Overlay | None:
        if not isinstance(view, dict) or not isinstance(view.get("values"), dict):
            return None
        values = {
            str(k): float(v)
            for k, v in view["values"].items()
            if isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v)
        }
        colors = {str(k): str(v) for k, v in (view.get("colors") or {}).items()}
        return cls(
            str(view.get("label", "value")),
            values,
            bool(view.get("log", True)),
            colors,
            _stops(view.get("thresholds")),
            _stops(view.get("gradient")),
        )


def _stops(value: Any) -> list[tuple[float, str]]:
    out = []
    for item in value if isinstance(value, list) else []:
        if isinstance(item, list | tuple) and len(item) == 2:
            out.append((float(item[0]), str(item[1])))
    return out


def builtin(kind: str, analysis: Any) -> Overlay:
    """params, macs or memory of every layer, from the analysis."""
    attribute = {"params": "params", "macs": "macs", "memory": "activation_bytes"}[kind]
    values = {n.name: float(getattr(n, attribute)) for n in analysis.nodes}
    return Overlay(BUILTIN[kind], values)


def read(data: bytes, name: str = "") -> Overlay:
    """A CSV (``node,value``; a header row is optional) or Model Explorer node-data JSON."""
    text = data.decode("utf-8-sig", "replace")
    if name.lower().endswith(".json") or text.lstrip().startswith("{"):
        return _model_explorer(text)
    values: dict[str, float] = {}
    label = "value"
    for number, row in enumerate(csv.reader(io.StringIO(text)), start=1):
        if not row or not "".join(row).strip():
            continue
        if len(row) < 2:
            raise FormatError("a row needs a node name and a value", number, 1)
        try:
            values[row[0].strip()] = float(row[1])
        except ValueError:
            if number == 1:  # a header names the value
                label = row[1].strip() or label
                continue
            column = len(row[0]) + 2
            raise FormatError(f"'{row[1].strip()}' is not a number", number, column) from None
    return Overlay(label, values)


def _model_explorer(text: str) -> Overlay:
    try:
        data = json.loads(text)
    except ValueError as bad:
        raise FormatError(f"not JSON: {bad}", 1, 1) from None
    if isinstance(data, dict) and "results" not in data and len(data) == 1:
        data = next(iter(data.values()))  # {graph id: node data}
    results = data.get("results") if isinstance(data, dict) else None
    if not isinstance(results, dict):
        raise FormatError("Model Explorer node data needs a `results` object", 1, 1)
    values, colors = {}, {}
    for node, entry in results.items():
        if isinstance(entry, dict):
            value = entry.get("value")
            if isinstance(value, int | float) and not isinstance(value, bool):
                values[str(node)] = float(value)
            if isinstance(entry.get("bgColor"), str):
                colors[str(node)] = entry["bgColor"]
    thresholds = [(float(t["value"]), str(t["bgColor"])) for t in data.get("thresholds", [])
                  if isinstance(t, dict) and "value" in t and "bgColor" in t]  # fmt: skip
    gradient = [(float(g["stop"]), str(g["bgColor"])) for g in data.get("gradient", [])
                if isinstance(g, dict) and "stop" in g and "bgColor" in g]  # fmt: skip
    return Overlay("value", values, False, colors, sorted(thresholds), sorted(gradient))


def _mix(a: str, b: str, t: float) -> str:
    pa = [int(a[i : i + 2], 16) for i in (1, 3, 5)]
    pb = [int(b[i : i + 2], 16) for i in (1, 3, 5)]
    return "#" + "".join(f"{round(x + (y - x) * t):02X}" for x, y in zip(pa, pb, strict=True))


def scale(overlay: Overlay) -> tuple[float, float]:
    values = [v for v in overlay.values.values() if not overlay.log or v > 0]
    if not values:
        return (0.0, 1.0)
    low, high = min(values), max(values)
    return (low, high if high > low else low + 1.0)


def colour(overlay: Overlay, value: float, bounds: tuple[float, float]) -> str:
    if overlay.thresholds:
        for limit, colour_ in overlay.thresholds:
            if value <= limit:
                return colour_
        return overlay.thresholds[-1][1]
    low, high = bounds
    if overlay.log and value > 0 and low > 0:
        t = (math.log(value) - math.log(low)) / max(math.log(high) - math.log(low), 1e-12)
    else:
        t = (value - low) / (high - low)
    t = min(1.0, max(0.0, t))
    stops = [(s, c) for s, c in overlay.gradient if c.startswith("#") and len(c) == 7]
    if len(stops) < 2:
        stops = [(i / (len(VIRIDIS) - 1), c) for i, c in enumerate(VIRIDIS)]
    for (s0, c0), (s1, c1) in zip(stops, stops[1:], strict=False):
        if t <= s1:
            return _mix(c0, c1, (t - s0) / (s1 - s0) if s1 > s0 else 0.0)
    return stops[-1][1]


def apply(scene: Scene, overlay: Overlay, theme: Theme, size: float) -> None:
    """Fill each drawn box by its value (neutral when it has none) and add a legend."""
    bounds = scale(overlay)
    # Layers without a value are drawn neutral: their category colour would read as a value.
    neutral = "#3A3C44" if theme.name == "dark" else "#EDEDED"
    for box in scene.nodes:
        members = [m for m in box.members if m in overlay.values]
        values = [overlay.values[m] for m in members]
        value = (sum(values) if overlay.additive else sum(values) / len(values)) if values else 0.0
        fill = overlay.colors.get(box.name)
        if fill is None:
            placed = values and not (overlay.log and value <= 0 and not overlay.thresholds)
            fill = colour(overlay, value, bounds) if placed else neutral
        # Light enough that the labels stay readable on the dark end of the scale.
        box.items.insert(1, Rect(box.x + 1, box.y + 1, box.w - 2, box.h - 2, fill, opacity=0.6))
    _legend(scene, overlay, bounds, theme, size)


def _legend(
    scene: Scene, overlay: Overlay, bounds: tuple[float, float], theme: Theme, size: float
) -> None:
    y = scene.height + 8
    x = 16.0
    width = min(220.0, scene.width - 32)
    steps = 24
    for i in range(steps):
        value = bounds[0] + (bounds[1] - bounds[0]) * i / (steps - 1)
        if overlay.log and bounds[0] > 0:
            value = bounds[0] * (bounds[1] / bounds[0]) ** (i / (steps - 1))
        fill = colour(overlay, value, bounds)
        scene.over.append(
            Rect(x + width * i / steps, y, width / steps + 0.5, 10, fill, opacity=0.6)
        )
    label_y = y + 10 + ascent(size) + 3
    scene.over.append(Text(x, label_y, _number(bounds[0]), size, theme.muted, anchor="start"))
    scene.over.append(Text(x + width, label_y, _number(bounds[1]), size, theme.muted, anchor="end"))
    caption = overlay.label + (" (log scale)" if overlay.log and not overlay.thresholds else "")
    scene.over.append(Text(x + width / 2, y - 3, caption, size, theme.text))
    scene.height = label_y + 8
    scene.width = max(scene.width, x + max(width, text_width(caption, size)) + 16)


def _number(value: float) -> str:
    magnitude = abs(value)
    if magnitude >= 1e9:
        return f"{value / 1e9:.3g} G"
    if magnitude >= 1e6:
        return f"{value / 1e6:.3g} M"
    if magnitude >= 1e3:
        return f"{value / 1e3:.3g} k"
    return f"{value:.3g}"
