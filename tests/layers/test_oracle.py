"""Every layer type against the real PyTorch module: shapes, parameters, MACs.

Hypothesis draws valid settings and input shapes per type; torch runs the module on
them; our analysis must give the same output shapes and learnable-parameter count,
and for conv / linear / matmul / attention types the MACs torch's FlopCounterMode
counts (FLOPs / 2).
"""

from __future__ import annotations

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
        torch.manual_seed(0)
        fn, module, inputs = oracle.build(params, shapes)
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
