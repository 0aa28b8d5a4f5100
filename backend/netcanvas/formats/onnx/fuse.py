"""Operator patterns that are one layer: exporters write GELU as five operators.

At opset 17 torch writes ``GELU(x)`` as ``x * 0.5 * (1 + erf(x / sqrt 2))``: Div, Erf,
Add, Mul, Mul (the two Muls in any order; the dynamo exporter multiplies 0.5 first).
Left as they are, a transformer imports as opaque arithmetic that neither reads as the
architecture nor exports back; fused, it is the registry's GELU with its shape, cost and
emitters.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from netcanvas.graph.model import Node


def fuse_gelu(nodes: list[Node], consts: dict[str, dict[int, Any]]) -> None:
    """Replace each erf-form GELU among ``nodes`` (in place) by one GELU layer named
    after the pattern's last operator, so references to it stay valid."""
    by_name = {n.name: n for n in nodes}
    users: dict[str, list[Node]] = {}
    for node in nodes:
        for ref in node.inputs:
            users.setdefault(ref, []).append(node)

    def op(node: Node | None, kind: str, value: float | None = None) -> bool:
        if node is None or node.meta.get("onnx_op") != kind:
            return False
        if value is None:
            return True
        held = list(consts.get(node.name, {}).values())
        return (
            len(held) == 1
            and held[0].size == 1
            and math.isclose(float(np.asarray(held[0]).reshape(-1)[0]), value, rel_tol=1e-3)
        )

    def only_user(node: Node) -> Node | None:
        after = users.get(node.name, [])
        return after[0] if len(after) == 1 else None

    gone: set[str] = set()
    for erf in [n for n in nodes if n.meta.get("onnx_op") == "Erf" and len(n.inputs) == 1]:
        div = by_name.get(erf.inputs[0])
        if not op(div, "Div", math.sqrt(2)) or div is None or len(div.inputs) != 1:
            continue
        x = div.inputs[0]
        add = only_user(erf)
        if not op(add, "Add", 1.0) or add is None or len(add.inputs) != 1:
            continue
        first = only_user(add)
        if not op(first, "Mul") or first is None:
            continue
        pattern = [div, erf, add, first]
        if sorted(first.inputs) == sorted([x, add.name]):  # (x * (1 + erf)) * 0.5
            last = only_user(first)
            if not op(last, "Mul", 0.5) or last is None or len(last.inputs) != 1:
                continue
            pattern.append(last)
        elif op(first, "Mul", 0.5) and first.inputs == [add.name]:  # (0.5 * (1 + erf)) * x
            last = only_user(first)  # the dynamo exporter's order
            if not op(last, "Mul") or last is None:
                continue
            if sorted(last.inputs) != sorted([x, first.name]):
                continue
            pattern.append(last)
        else:  # (x * 0.5) * (1 + erf)
            half = next((by_name.get(r) for r in first.inputs if r != add.name), None)
            if (
                half is None
                or not op(half, "Mul", 0.5)
                or half.inputs != [x]
                or only_user(half) is not first
                or len(first.inputs) != 2
            ):
                continue
            pattern.insert(0, half)
            last = first
        # The inner nodes must feed nothing but the pattern.
        inner = pattern[:-1]
        if any(u not in pattern for n in inner for u in users.get(n.name, [])):
            continue
        gone.update(n.name for n in inner)
        last.type, last.params, last.inputs = "GELU", {}, [x]
        last.output_shapes = None
        last.meta["onnx_op"] = "Gelu"
        last.weights = {}
    nodes[:] = [n for n in nodes if n.name not in gone]
