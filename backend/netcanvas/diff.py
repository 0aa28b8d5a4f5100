"""Compare two networks: which layers were added, removed or changed, and what that does
to the parameters and MACs, per layer and in total (`netcanvas diff`, `POST /api/diff`).

Layers are matched by name (names are what people keep when they edit a network); a
layer whose name is gone but whose type, inputs and settings reappear under another name
is reported as renamed rather than as one removal and one addition.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from netcanvas.analysis import Analysis, NodeResult, analyze
from netcanvas.graph.model import Graph, Node


@dataclass
class LayerChange:
    name: str
    status: str  # added | removed | changed | renamed
    type: str
    renamed_from: str | None = None
    settings: dict[str, list[Any]] = field(default_factory=dict)  # key -> [before, after]
    shape: list[Any] | None = None  # [before, after] first output shape when it changed
    params: int = 0  # after - before
    macs: int = 0

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "status": self.status,
            "type": self.type,
            "renamed_from": self.renamed_from,
            "settings": self.settings,
            "shape": self.shape,
            "params": self.params,
            "macs": self.macs,
        }


@dataclass
class Diff:
    a: Analysis
    b: Analysis
    changes: list[LayerChange]

    @property
    def same(self) -> bool:
        return not self.changes

    def to_json(self) -> dict[str, Any]:
        count = {s: sum(c.status == s for c in self.changes) for s in
                 ("added", "removed", "changed", "renamed")}  # fmt: skip
        return {
            "a": {"name": self.a.name, "params": self.a.params, "macs": self.a.macs},
            "b": {"name": self.b.name, "params": self.b.params, "macs": self.b.macs},
            "totals": {
                "params": self.b.params - self.a.params,
                "macs": self.b.macs - self.a.macs,
                **count,
            },
            "layers": [c.to_json() for c in self.changes],
        }


def _signature(node: Node) -> tuple[str, str, tuple[str, ...]]:
    return (node.type, repr(sorted(node.params.items())), tuple(node.inputs))


def diff(a: Graph, b: Graph) -> Diff:
    """What changed from ``a`` to ``b``, in ``b``'s layer order (removals after)."""
    analysis_a, analysis_b = analyze(a), analyze(b)
    nodes_a = {n.name: n for n in a.nodes}
    nodes_b = {n.name: n for n in b.nodes}
    removed = [n for name, n in nodes_a.items() if name not in nodes_b]
    by_signature: dict[tuple[str, str, tuple[str, ...]], list[Node]] = {}
    for node in removed:
        by_signature.setdefault(_signature(node), []).append(node)
    changes: list[LayerChange] = []
    claimed: set[str] = set()
    for result in analysis_b.nodes:
        node = nodes_b[result.name]
        before = nodes_a.get(node.name)
        if before is None:
            candidates = [
                n for n in by_signature.get(_signature(node), []) if n.name not in claimed
            ]
            if candidates:
                old = candidates[0]
                claimed.add(old.name)
                change = LayerChange(node.name, "renamed", node.type, renamed_from=old.name)
                _costs(change, analysis_a.get(old.name), result)
                changes.append(change)
            else:
                change = LayerChange(node.name, "added", node.type)
                _costs(change, None, result)
                changes.append(change)
            continue
        change = LayerChange(node.name, "changed", node.type)
        if before.type != node.type:
            change.settings["type"] = [before.type, node.type]
        for key in sorted(set(before.params) | set(node.params)):
            if before.params.get(key) != node.params.get(key):
                change.settings[key] = [before.params.get(key), node.params.get(key)]
        if before.inputs != node.inputs:
            change.settings["inputs"] = [before.inputs, node.inputs]
        _costs(change, analysis_a.get(node.name), result)
        if change.settings or change.shape or change.params or change.macs:
            changes.append(change)
    for node in removed:
        if node.name not in claimed:
            change = LayerChange(node.name, "removed", node.type)
            _costs(change, analysis_a.get(node.name), None)
            changes.append(change)
    return Diff(analysis_a, analysis_b, changes)


def _costs(change: LayerChange, before: NodeResult | None, after: NodeResult | None) -> None:
    change.params = (after.params if after else 0) - (before.params if before else 0)
    change.macs = (after.macs if after else 0) - (before.macs if before else 0)
    shape_before = before.output_shapes[0] if before and before.output_shapes else None
    shape_after = after.output_shapes[0] if after and after.output_shapes else None
    if before is not None and after is not None and shape_before != shape_after:
        change.shape = [
            list(shape_before) if shape_before else None,
            list(shape_after) if shape_after else None,
        ]


def format_diff(d: Diff) -> str:
    """A readable table: one row per changed layer, then the totals."""
    lines = [f'"{d.a.name}" -> "{d.b.name}"']
    if d.same:
        return lines[0] + ": no difference\n"
    marks = {"added": "+", "removed": "-", "changed": "~", "renamed": ">"}
    for c in d.changes:
        what = ", ".join(f"{k} {v[0]!r} -> {v[1]!r}" for k, v in c.settings.items())
        if c.renamed_from:
            what = f"renamed from {c.renamed_from}" + (f"; {what}" if what else "")
        if c.shape:
            what += ("; " if what else "") + f"shape {_fmt(c.shape[0])} -> {_fmt(c.shape[1])}"
        lines.append(
            f"{marks[c.status]} {c.name} ({c.type})  params {c.params:+,}  MACs {c.macs:+,}"
            + (f"  {what}" if what else "")
        )
    lines.append(
        f"Total params: {d.a.params:,} -> {d.b.params:,} ({d.b.params - d.a.params:+,}); "
        f"MACs: {d.a.macs:,} -> {d.b.macs:,} ({d.b.macs - d.a.macs:+,})"
    )
    return "\n".join(lines) + "\n"


def _fmt(shape: Any) -> str:
    return "×".join(map(str, shape)) if shape else "?"
