"""Oracle test of nc.from_torch over torchvision's classification zoo (random weights)
and a GPT-2-style decoder: torch's own parameter count, FlopCounterMode's MACs, the
shapes torch produced at every layer, and the rebuilt module's count and output shape.

Runs in the zoo's Python (tests/zoo.py), where torchvision imports beside its torch.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.zoo import run_zoo

SCRIPT = Path(__file__).with_name("zoo_from_torch.py")
MODELS = (
    "resnet18 resnet50 mobilenet_v2 mobilenet_v3_small efficientnet_b0 densenet121 googlenet "
    "inception_v3 convnext_tiny regnet_y_400mf shufflenet_v2_x0_5 squeezenet1_0 vit_b_16 swin_t "
    "gpt2"
).split()


@pytest.fixture(scope="module")
def measured() -> dict[str, Any]:
    result: dict[str, Any] = run_zoo(SCRIPT, *MODELS)
    return result


@pytest.mark.parametrize("name", MODELS)
def test_from_torch_matches_torch(name: str, measured: dict[str, Any]) -> None:
    m = measured[name]
    assert m["params"] == m["torch_params"]
    assert m["errors"] == []
    assert m["complete"]
    # every layer drawn has the shapes torch produced there
    assert m["observed"] == m["layers"]
    assert m["mismatched_count"] == 0, m["mismatched"]
    assert m["macs"] == pytest.approx(m["torch_macs"], rel=0.01)


@pytest.mark.parametrize("name", MODELS)
def test_to_torch_rebuilds_the_traced_model(name: str, measured: dict[str, Any]) -> None:
    rebuilt = measured[name]["to_torch"]
    assert "error" not in rebuilt, rebuilt.get("error")
    assert rebuilt["params"] == measured[name]["torch_params"]
    assert rebuilt["output_shape"] == measured[name]["output_shape"]
    # with the model's own weights it computes the model's function
    assert rebuilt["same_function"] < 1e-4


def test_resnet50_at_depth_1_draws_its_top_level_modules(measured: dict[str, Any]) -> None:
    drawn = measured["resnet50"]["depth1"]
    modules = list(drawn["torch_params"])  # conv1 bn1 relu maxpool layer1..4 avgpool fc
    assert len(modules) == 10
    # the ten modules, plus the input and ResNet.forward's own torch.flatten
    assert drawn["boxes"] == ["input", *modules[:-1], "flatten", modules[-1]]
    for name in modules:
        assert drawn["params"][name] == drawn["torch_params"][name], name
        assert drawn["macs"][name] == drawn["torch_macs"][name], name
    assert sum(drawn["params"].values()) == measured["resnet50"]["torch_params"]
