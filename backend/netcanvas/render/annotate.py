"""Annotations (``view.annotations`` of the document) drawn over a figure.

Annotations are anchored to layers, not to canvas coordinates, so the editor, every
figure style that draws boxes per layer (graph, blocks) and every writer put them in the
same place relative to the network however it is laid out:

- ``{"type": "text", "text": "bottleneck", "near": "conv3", "dx": 20, "dy": 0}``
- ``{"type": "highlight", "layers": ["conv1", "bn1"], "label": "stem", "color": "#e15759"}``
  (a tinted region around the layers; ``"rect"`` draws only its outline)
- ``{"type": "arrow", "from": "fc", "to": "conv1", "text": "feedback"}``

Anything malformed or naming a layer the figure does not draw is skipped: a stale note
never blocks a figure.
"""

from __future__ import annotations

from typing import Any

from netcanvas.render.scene import Line, NodeBox, Rect, Scene, Text
from netcanvas.render.text import ascent, text_width
from netcanvas.render.themes import Theme

PAD = 10.0
HIGHLIGHT = "#F28E2B"


def _colour(value: Any, fallback: str) -> str:
    if isinstance(value, str) and value.startswith("#") and len(value) in (4, 7):
        return value
    return fallback


def annotate(scene: Scene, annotations: Any, theme: Theme, size: float) -> None:
    """Draw every annotation the scene can place; grow the scene to hold them."""
    if not isinstance(annotations, list) or not scene.nodes:
        return
    boxes: dict[str, NodeBox] = {}
    for box in scene.nodes:
        for member in box.members:
            boxes.setdefault(member, box)
    for note in annotations:
        if not isinstance(note, dict):
            continue
        kind = note.get("type")
        if kind in ("highlight", "rect"):
            _region(scene, note, boxes, theme, size, filled=kind == "highlight")
        elif kind == "text":
            _text(scene, note, boxes, theme, size)
        elif kind == "arrow":
            _arrow(scene, note, boxes, theme, size)
    right = [t.x + text_width(t.text, t.size) for t in scene.over if isinstance(t, Text)]
    scene.width = max([scene.width, *(r + 2 * PAD for r in right)])


def _region(
    scene: Scene,
    note: dict[str, Any],
    boxes: dict[str, NodeBox],
    theme: Theme,
    size: float,
    filled: bool,
) -> None:
    chosen = [boxes[n] for n in note.get("layers", []) if isinstance(n, str) and n in boxes]
    if not chosen:
        return
    x0 = min(b.x for b in chosen) - PAD
    y0 = min(b.y for b in chosen) - PAD
    x1 = max(b.x + b.w for b in chosen) + PAD
    y1 = max(b.y + b.h for b in chosen) + PAD
    colour = _colour(note.get("color"), HIGHLIGHT if not theme.hatched else theme.stroke)
    fill = colour if filled and not theme.hatched else "none"
    scene.under.append(
        Rect(x0, y0, x1 - x0, y1 - y0, fill, colour, 1.4, rx=8, dash="6 4", opacity=0.18)
    )
    label = note.get("label")
    if isinstance(label, str) and label:
        scene.over.append(Text(x1 + 4, y0 + ascent(size), label, size, colour, True, "start"))


def _text(
    scene: Scene, note: dict[str, Any], boxes: dict[str, NodeBox], theme: Theme, size: float
) -> None:
    box = boxes.get(str(note.get("near")))
    text = note.get("text")
    if box is None or not isinstance(text, str) or not text:
        return
    dx = note.get("dx", 16)
    dy = note.get("dy", 0)
    if not isinstance(dx, int | float) or not isinstance(dy, int | float):
        return
    x, y = box.x + box.w + float(dx), box.y + box.h / 2 + float(dy) + ascent(size) / 2
    scene.over.append(
        Text(x, y, text, size, _colour(note.get("color"), theme.text), False, "start")
    )


def _arrow(
    scene: Scene, note: dict[str, Any], boxes: dict[str, NodeBox], theme: Theme, size: float
) -> None:
    start, end = boxes.get(str(note.get("from"))), boxes.get(str(note.get("to")))
    if start is None or end is None or start is end:
        return
    colour = _colour(note.get("color"), HIGHLIGHT if not theme.hatched else theme.stroke)
    # Around the right-hand side, so the arrow never crosses the network itself.
    side = max(start.x + start.w, end.x + end.w) + 3 * PAD
    a = (start.x + start.w, start.y + start.h / 2)
    b = (end.x + end.w, end.y + end.h / 2)
    scene.over.append(Line([a, (side, a[1]), (side, b[1]), b], colour, 1.4, arrow=True))
    text = note.get("text")
    if isinstance(text, str) and text:
        scene.over.append(Text(side + 4, (a[1] + b[1]) / 2, text, size, colour, False, "start"))
