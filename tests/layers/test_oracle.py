"""Every layer type against the real PyTorch module: shapes, parameters, MACs.

Hypothesis draws valid settings and input shapes per type; torch runs the module on
them; our analysis must give the same output shapes and learnable-parameter count,
and for conv / linear / matmul / attention types the MACs torch's FlopCounterMode
counts (FLOPs / 2).
"""

from __future__ import annotations

import warnings
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings

from netcanvas.analysis import analyze
from netcanvas.graph.model import Graph, Node
from netcanvas.layers import REGISTRY
from tests.conftest import need
from tests.layers.oracles import collect

ORACLES, NO_TORCH = collect()


def test_every_type_has_an_oracle_or_a_stated_reason() -> None:
    assert not set(ORACLES) & set(NO_TORCH)
    missing = set(REGISTRY) - set(ORACLES) - set(NO_TORCH)
    assert not missing, f"no torch oracle and no reason for: {sorted(missing)}"
    assert not (set(ORACLES) | set(NO_TORCH)) - set(REGISTRY)


def _flatten(value: Any) -> list[Any]:
    if isinstance(value, tuple | list):
        return [t for v in value for t in _flatten(v)]
    return [value]


def ours(type_name: str, params: dict[str, Any], shapes: list[tuple[int, ...]]) -> Any:
    graph = Graph()
    for i, shape in enumerate(shapes):
        graph.nodes.append(Node(f"in{i}", "Input", {"shape": list(shape)}))
    graph.nodes.append(Node("layer", type_name, params, [f"in{i}" for i in range(len(shapes))]))
    return analyze(graph)["layer"]


@pytest.mark.oracle
@pytest.mark.parametrize("type_name", sorted(ORACLES))
def test_matches_torch(type_name: str) -> None:
    need("torch")
    import torch
    from torch.utils.flop_counter import FlopCounterMode

    oracle = ORACLES[type_name]

    @settings(
        max_examples=25,
        deadline=None,
        derandomize=True,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    @given(case=oracle.cases)
    def check(case: tuple[dict[str, Any], list[tuple[int, ...]]]) -> None:
        params, shapes = case
        right = oracle.sizes(shapes) if oracle.sizes is not None else {}
        wrong = {k: v for k, v in params.items() if k in right and v != right[k]}
        torch.manual_seed(0)
        if wrong:
            _check_wrong_size(type_name, params, shapes, right, wrong, oracle.build)
            return
        # torch's constructor needs the sizes a document may leave to the input.
        fn, module, inputs = oracle.build({**right, **params}, shapes)
        counter = FlopCounterMode(display=False)
        with torch.no_grad(), counter:
            outputs = _flatten(fn(*inputs))
        result = ours(type_name, params, shapes)
        assert result.error is None, f"{params} {shapes}: {result.error}"
        assert [tuple(s) for s in result.output_shapes] == [tuple(o.shape) for o in outputs]
        learnable = (
            sum(p.numel() for p in module.parameters() if p.requires_grad)
            if isinstance(module, torch.nn.Module)
            else 0
        )
        assert result.params == learnable
        if oracle.macs:
            assert result.macs == counter.get_total_flops() // 2

    check()


def _check_wrong_size(
    type_name: str,
    params: dict[str, Any],
    shapes: list[tuple[int, ...]],
    right: dict[str, int],
    wrong: dict[str, int],
    build: Any,
) -> None:
    """A size that disagrees with the input is an error on the layer naming both numbers;
    torch, built with it, refuses the input too, unless it keeps nothing of that size
    (BatchNorm without affine or running statistics cannot notice)."""
    import torch

    result = ours(type_name, params, shapes)
    assert result.error is not None, f"{params} {shapes}: no error for {wrong}"
    named = [k for k in wrong if k in result.error]
    assert named, f"{result.error!r} names none of {sorted(wrong)}"
    key = named[0]
    assert str(wrong[key]) in result.error and str(right[key]) in result.error, result.error
    try:
        fn, module, inputs = build({**right, **params}, shapes)
        # InstanceNorm without affine warns that it ignores num_features: that is the point.
        with torch.no_grad(), warnings.catch_warnings(action="ignore", category=UserWarning):
            fn(*inputs)
    except Exception:  # noqa: BLE001  (any refusal: a ValueError, a RuntimeError...)
        return
    sized = isinstance(module, torch.nn.Module) and (
        any(True for _ in module.parameters())
        or any(b is not None and b.dim() > 0 for b in module.buffers())
    )
    assert not sized, f"torch ran {type_name} with {wrong} on {shapes}"
