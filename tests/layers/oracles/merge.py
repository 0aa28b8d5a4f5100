"""Merge-family oracles: torch elementwise ops, torch.cat and torch.matmul."""

from __future__ import annotations

import functools
from typing import Any

from hypothesis import strategies as st

from tests.layers.oracles import Built, Case, Oracle, floats


@st.composite
def _broadcastable(draw: Any, count: int) -> list[tuple[int, ...]]:
    """``count`` shapes that broadcast: trailing parts of one shape, some axes set to 1."""
    full = draw(st.lists(st.integers(1, 5), min_size=1, max_size=4))
    out = []
    for _ in range(count):
        rank = draw(st.integers(1, len(full)))
        out.append(tuple(1 if draw(st.booleans()) else d for d in full[len(full) - rank :]))
    return out


@st.composite
def _elementwise_case(draw: Any, most: int, weighted: bool = False) -> Case:
    shapes = draw(_broadcastable(draw(st.integers(2, most))))
    params: dict[str, Any] = {}
    if weighted and draw(st.booleans()):
        params["coeff"] = [draw(st.floats(-2, 2)) for _ in shapes]
    return params, shapes


def _fold(op: Any):  # type: ignore[no-untyped-def]
    def build(p: dict[str, Any], shapes: list[tuple[int, ...]]) -> Built:
        return lambda *xs: functools.reduce(op, xs), None, [floats(s) for s in shapes]

    return build


def _add(p: dict[str, Any], shapes: list[tuple[int, ...]]) -> Built:
    coeff = p.get("coeff") or [1.0] * len(shapes)

    def weighted_sum(*xs: Any) -> Any:
        return functools.reduce(lambda a, b: a + b, (c * x for c, x in zip(coeff, xs, strict=True)))

    return weighted_sum, None, [floats(s) for s in shapes]


@st.composite
def _concat_case(draw: Any) -> Case:
    common = draw(st.lists(st.integers(1, 4), min_size=1, max_size=4))
    axis = draw(st.integers(0, len(common) - 1))
    shapes = []
    for _ in range(draw(st.integers(1, 4))):
        shape = list(common)
        shape[axis] = draw(st.integers(1, 5))
        shapes.append(tuple(shape))
    dim = axis - len(common) if draw(st.booleans()) else axis
    return {"dim": dim}, shapes


def _concat(p: dict[str, Any], shapes: list[tuple[int, ...]]) -> Built:
    import torch

    return lambda *xs: torch.cat(xs, p["dim"]), None, [floats(s) for s in shapes]


@st.composite
def _matmul_case(draw: Any) -> Case:
    n, k, m = (draw(st.integers(1, 5)) for _ in range(3))
    batch = draw(_broadcastable(2))
    a: tuple[int, ...] = (k,) if draw(st.integers(0, 3)) == 0 else (n, k)
    b: tuple[int, ...] = (k,) if draw(st.integers(0, 3)) == 0 else (k, m)
    # Batch axes only make sense on matrix operands (a vector has none).
    if len(a) == 2 and draw(st.booleans()):
        a = (*batch[0], *a)
    if len(b) == 2 and draw(st.booleans()):
        b = (*batch[1], *b)
    return {}, [a, b]


def _matmul(p: dict[str, Any], shapes: list[tuple[int, ...]]) -> Built:
    import torch

    a_vec, b_vec = (len(s) == 1 for s in shapes)
    inputs = [floats(s) for s in shapes]
    # torch.matmul's own result, computed before the FLOP counter starts.
    expected = torch.matmul(*inputs).shape

    def matmul(a: Any, b: Any) -> Any:
        # For a vector operand matmul may run dot / mv / a broadcast multiply, which
        # FlopCounterMode does not count. The same product with the vector written as
        # a one-row / one-column matrix runs through mm / bmm, which it counts.
        out = torch.matmul(a.unsqueeze(0) if a_vec else a, b.unsqueeze(-1) if b_vec else b)
        if b_vec:
            out = out.squeeze(-1)
        if a_vec:
            out = out.squeeze(-2 if not b_vec else -1)
        assert out.shape == expected, (out.shape, expected)
        return out

    return matmul, None, inputs


EQUATIONS = {
    "bhid,bhjd->bhij": "bhid",  # attention scores
    "bhij,bhjd->bhid": "bhij",  # attention context
    "ij,jk->ik": "ij",
    "...ij->...ji": "xij",
    "bi,bi->b": "bi",
    "bij->bj": "bij",
}


@st.composite
def _einsum_case(draw: Any) -> Case:
    equation = draw(st.sampled_from(sorted(EQUATIONS)))
    # From 2: with a size-1 axis torch multiplies instead of running bmm, and
    # FlopCounterMode does not count a multiply (the work is the same).
    sizes = {c: draw(st.integers(2, 5)) for c in "bhijdkx"}
    groups = equation.split("->")[0].split(",")
    shapes = [tuple(sizes[c] for c in g.replace("...", "x")) for g in groups]
    return {"equation": equation}, shapes


def _einsum(p: dict[str, Any], shapes: list[tuple[int, ...]]) -> Built:
    import torch

    return lambda *xs: torch.einsum(p["equation"], *xs), None, [floats(s) for s in shapes]


ORACLES = [
    Oracle("Add", _elementwise_case(4, weighted=True), _add),
    Oracle("Subtract", _elementwise_case(2), _fold(lambda a, b: a - b)),
    Oracle("Multiply", _elementwise_case(4), _fold(lambda a, b: a * b)),
    Oracle("Maximum", _elementwise_case(4), _fold(lambda a, b: a.maximum(b))),
    Oracle("Minimum", _elementwise_case(4), _fold(lambda a, b: a.minimum(b))),
    Oracle("Concat", _concat_case(), _concat),
    Oracle("MatMul", _matmul_case(), _matmul, macs=True),
    Oracle("Einsum", _einsum_case(), _einsum, macs=True),
]
NO_TORCH: dict[str, str] = {}
