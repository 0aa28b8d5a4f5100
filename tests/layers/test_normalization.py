"""Normalisation by hand: ranks, groups, trailing shapes; and a small net against torch."""

from __future__ import annotations

from typing import Any

import pytest

from netcanvas.analysis import NodeResult, analyze
from netcanvas.formats import native
from netcanvas.graph.model import Graph, Node
from tests.conftest import need


def run(type_name: str, params: dict[str, Any], shape: tuple[int, ...]) -> NodeResult:
    graph = Graph(nodes=[Node("x", "Input", {"shape": list(shape)})])
    graph.nodes.append(Node("norm", type_name, params, ["x"]))
    return analyze(graph)["norm"]


def test_batchnorm2d_on_a_3d_input_names_the_shape() -> None:
    result = run("BatchNorm2d", {}, (1, 16, 32))
    assert result.error is not None
    assert "1×16×32" in result.error and "4-D" in result.error


def test_batchnorm_counts_scale_and_shift_not_running_stats() -> None:
    assert run("BatchNorm2d", {}, (2, 16, 8, 8)).params == 32
    assert run("BatchNorm2d", {"affine": False}, (2, 16, 8, 8)).params == 0


def test_batchnorm_of_one_value_per_channel_warns() -> None:
    result = run("BatchNorm1d", {}, (1, 16))
    assert result.error is None and any("1×16" in w for w in result.warnings)
    # Without running statistics torch uses batch statistics even at inference.
    result = run("BatchNorm1d", {"track_running_stats": False}, (1, 16))
    assert result.error is not None and "1×16" in result.error


def test_groupnorm_groups_must_divide_channels() -> None:
    result = run("GroupNorm", {"num_groups": 3}, (1, 16, 8, 8))
    assert result.error is not None
    assert "3" in result.error and "16" in result.error and "1×16×8×8" in result.error


def test_layernorm_shape_must_match_the_trailing_dims() -> None:
    result = run("LayerNorm", {"normalized_shape": [8, 64]}, (2, 12, 64))
    assert result.error is not None
    assert "8×64" in result.error and "2×12×64" in result.error


def test_layernorm_params_follow_normalized_shape_and_bias() -> None:
    assert run("LayerNorm", {}, (2, 12, 64)).params == 128
    assert run("LayerNorm", {"normalized_shape": [12, 64]}, (2, 12, 64)).params == 2 * 12 * 64
    assert run("LayerNorm", {"bias": False}, (2, 12, 64)).params == 64
    assert run("RMSNorm", {"normalized_shape": 64}, (2, 12, 64)).params == 64


def test_instancenorm_requires_the_batch() -> None:
    result = run("InstanceNorm1d", {}, (16, 32))
    assert result.error is not None and "16×32" in result.error


def test_instancenorm_of_a_single_pixel_fails_like_torch() -> None:
    result = run("InstanceNorm2d", {}, (2, 16, 1, 1))
    assert result.error is not None and "2×16×1×1" in result.error


@pytest.mark.parametrize("shape", [(4, 16)])
def test_local_response_norm_needs_three_dims(shape: tuple[int, ...]) -> None:
    result = run("LocalResponseNorm", {}, shape)
    assert result.error is not None and "4×16" in result.error


NET = """
netcanvas: 1
name: norms
layers:
  - {name: data, type: Input, shape: [2, 3, 10, 10]}
  - {name: conv, type: Conv2d, out_channels: 8, kernel_size: 3}
  - {name: bn, type: BatchNorm2d}
  - {name: act, type: PReLU, num_parameters: 8}
  - {name: gn, type: GroupNorm, num_groups: 4}
  - {name: inorm, type: InstanceNorm2d, affine: true}
  - {name: lrn, type: LocalResponseNorm, size: 3}
  - {name: drop, type: Dropout2d, p: 0.1}
  - {name: fc, type: Linear, out_features: 5}
  - {name: ln, type: LayerNorm, normalized_shape: [8, 5]}
  - {name: rms, type: RMSNorm}
  - {name: soft, type: LogSoftmax, dim: -1}
"""


def test_a_small_network_matches_torch_layer_by_layer() -> None:
    need("torch")
    import torch
    from torch import nn

    analysis = analyze(native.load(NET))
    assert analysis.ok, analysis.errors
    modules = [
        nn.Conv2d(3, 8, 3),
        nn.BatchNorm2d(8),
        nn.PReLU(8),
        nn.GroupNorm(4, 8),
        nn.InstanceNorm2d(8, affine=True),
        nn.LocalResponseNorm(3),
        nn.Dropout2d(0.1),
        nn.Linear(8, 5),
        nn.LayerNorm([8, 5]),
        nn.RMSNorm(5),
        nn.LogSoftmax(dim=-1),
    ]
    x = torch.randn(2, 3, 10, 10)
    names = [n.name for n in analysis.nodes][1:]
    with torch.no_grad():
        for name, module in zip(names, modules, strict=True):
            x = module(x)
            assert analysis[name].output_shapes == [tuple(x.shape)], name
            assert analysis[name].params == sum(p.numel() for p in module.parameters()), name
    assert analysis.params == sum(p.numel() for m in modules for p in m.parameters())
