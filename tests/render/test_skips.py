"""Skip connections in the NN-SVG styles: a residual or concat edge that jumps drawn
layers is an arc under the row, labelled with its shape (NN-SVG drops them)."""

from __future__ import annotations

import re

import pytest

from netcanvas import service, templates
from netcanvas.analysis import analyze
from netcanvas.render.styles.sequence import spine_and_skips

SKIP = 'stroke-dasharray="4 3"'


@pytest.mark.parametrize("style", ["lenet", "alexnet"])
def test_resnet18_draws_its_eight_residual_skips(style: str) -> None:
    svg = service.figure(templates.get("resnet18").graph(), "svg", {"style": style}).data.decode()
    assert svg.count(SKIP) == 8  # two basic blocks in each of four stages
    labels = re.findall(r">(1×\d+×\d+×\d+)</text>", svg)
    for shape in ("1×64×56×56", "1×128×28×28", "1×256×14×14", "1×512×7×7"):
        assert shape in labels


def test_the_skips_join_the_right_steps() -> None:
    graph = templates.get("resnet18").graph()
    steps, skips = spine_and_skips(graph, analyze(graph))
    names = [s.name for s in steps]
    first = skips[0]
    # layer1's first block: from the max-pooled input over its two convolutions.
    assert names[first.start] == "maxpool" and names[first.end] == "layer1_0_b_conv"
    assert first.shape == (1, 64, 56, 56)


def test_unet_draws_its_concat_skips_and_a_plain_net_none() -> None:
    unet = templates.get("unet").graph()
    steps, skips = spine_and_skips(unet, analyze(unet))
    assert len(skips) >= 4 and all(s.end - s.start >= 2 for s in skips)
    lenet = templates.get("lenet5").graph()
    assert spine_and_skips(lenet, analyze(lenet))[1] == []
    svg = service.figure(lenet, "svg", {"style": "lenet"}).data.decode()
    assert SKIP not in svg
