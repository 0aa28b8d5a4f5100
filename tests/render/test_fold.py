"""Folding repeated blocks: the published block counts of ResNet and Inception, built in
code here and read from the Caffe corpus when the prototxt importer is registered."""

from __future__ import annotations

from pathlib import Path

import pytest

from netcanvas.graph.model import Graph, Node
from netcanvas.render import build_scene, render_svg
from netcanvas.render.fold import find_folds
from netcanvas.render.options import FigureOptions
from tests.render import nets
from tests.render.svgcheck import parse


def test_resnet50_folds_identity_bottlenecks_per_stage() -> None:
    # He et al. 2016, Table 1: ResNet-50 has 3, 4, 6, 3 bottlenecks per stage; the first
    # of each has a projection shortcut, so the identity ones fold to ×2, ×3, ×5, ×2.
    folds = find_folds(nets.resnet((3, 4, 6, 3)))
    assert [f.count for f in folds] == [2, 3, 5, 2]
    assert [f.name for f in folds] == ["res2b–res2c", "res3b–res3d", "res4b–res4f", "res5b–res5c"]
    first = folds[0].kept
    assert first[0] == "res2b_branch2a" and first[-1] == "res2b_relu"


def test_resnet152_counts() -> None:
    folds = find_folds(nets.resnet((3, 8, 36, 3), width=2, size=32))
    assert [f.count for f in folds] == [2, 7, 35, 2]


def test_blocks_that_differ_in_settings_are_not_folded_together() -> None:
    graph = nets.resnet((4,))
    graph.node("res2c_branch2b").params["kernel_size"] = 5
    graph.node("res2c_branch2b").params["padding"] = 2
    assert find_folds(graph) == []  # b, c, d: c differs, so no two equal blocks in a row
    graph = nets.resnet((5,))
    graph.node("res2b_branch2a_relu").type = "ReLU6"
    folds = find_folds(graph)
    assert [f.count for f in folds] == [3]
    assert all("res2b" not in name for copy in folds[0].copies for name in copy)


def _inception(modules: int) -> Graph:
    """Branched modules: four parallel towers joined by a Concat, repeated."""
    nodes = [
        Node("data", "Input", {"shape": [1, 32, 17, 17]}),
        Node("stem", "Conv2d", {"out_channels": 64, "kernel_size": 3, "padding": 1}, ["data"]),
    ]
    x = "stem"
    for m in range(modules):
        p = f"mix{m}"
        c1 = {"out_channels": 16, "kernel_size": 1}
        c3 = {"out_channels": 16, "kernel_size": 3, "padding": 1}
        nodes += [
            Node(f"{p}_1x1", "Conv2d", c1, [x]),
            Node(f"{p}_3x3_reduce", "Conv2d", c1, [x]),
            Node(f"{p}_3x3", "Conv2d", c3, [f"{p}_3x3_reduce"]),
            Node(f"{p}_d_reduce", "Conv2d", c1, [x]),
            Node(f"{p}_d_a", "Conv2d", c3, [f"{p}_d_reduce"]),
            Node(f"{p}_d_b", "Conv2d", c3, [f"{p}_d_a"]),
            Node(f"{p}_pool", "AvgPool2d", {"kernel_size": 3, "stride": 1, "padding": 1}, [x]),
            Node(f"{p}_pool_proj", "Conv2d", c1, [f"{p}_pool"]),
            Node(
                f"{p}_concat",
                "Concat",
                {},
                [f"{p}_1x1", f"{p}_3x3", f"{p}_d_b", f"{p}_pool_proj"],
            ),
        ]
        x = f"{p}_concat"
    nodes.append(Node("head", "AdaptiveAvgPool2d", {"output_size": 1}, [x]))
    return Graph("inception", nodes)


def test_branched_modules_fold() -> None:
    folds = find_folds(_inception(4))
    assert [f.count for f in folds] == [4]
    assert len(folds[0].kept) == 9


def test_folded_figure_draws_one_copy_with_count_and_legend() -> None:
    graph = nets.resnet((3, 4))
    fig = parse(render_svg(graph, FigureOptions(fold=True)))
    assert "res2b_branch2a" in fig.nodes and "res2c_branch2a" not in fig.nodes
    assert "res3b_branch2a" in fig.nodes and "res3d_branch2a" not in fig.nodes
    texts = fig.texts()
    assert "×2" in texts and "×3" in texts
    assert any(t.startswith("×3  res3b–res3d") for t in texts)
    # The wire out of the folded group leaves the drawn copy's exit.
    assert "edge-res2b_relu-res3a_branch1" in fig.edges
    scene = build_scene(graph, FigureOptions(fold=True))
    group = scene.groups[0]
    boxes = {b.name: b for b in scene.nodes}
    for name in group.members:
        b = boxes[name]
        assert group.x <= b.x and b.x + b.w <= group.x + group.w
        assert group.y <= b.y and b.y + b.h <= group.y + group.h


def test_view_groups_name_a_fold_by_hand() -> None:
    graph = nets.resnet((3,))
    graph.view["groups"] = {"bottleneck": [n.name for n in graph.nodes if "res2b" in n.name]}
    assert [f.name for f in find_folds(graph)] == ["bottleneck"]
    graph.view["groups"] = [{"name": "identity block", "nodes": find_folds(graph)[0].copies[1]}]
    assert [f.name for f in find_folds(graph)] == ["identity block"]


# --- the real corpus -------------------------------------------------------------------


def _read(path: Path) -> Graph:
    from netcanvas import formats

    if "prototxt" not in formats.BY_NAME:
        pytest.skip("the prototxt format is not registered yet")
    return formats.read(path.read_bytes(), path.name)


@pytest.mark.parametrize(
    ("name", "counts"),
    [
        ("resnet50_deploy.prototxt", [2, 3, 5, 2]),
        ("resnet152_deploy.prototxt", [2, 7, 35, 2]),
    ],
)
def test_corpus_resnets_fold(caffe_corpus: Path, name: str, counts: list[int]) -> None:
    folds = find_folds(_read(caffe_corpus / name))
    assert [f.count for f in folds] == counts


def test_corpus_inception_v4_folds(caffe_corpus: Path) -> None:
    # Szegedy et al. 2017, Figure 9: 4× Inception-A, 7× Inception-B, 3× Inception-C.
    folds = find_folds(_read(caffe_corpus / "inception_v4.prototxt"))
    assert sorted(f.count for f in folds if len(f.kept) > 4) == [3, 4, 7]


def test_hand_groups_that_do_not_repeat_are_framed_with_their_name() -> None:
    graph = nets.tiny_resnet()
    graph.view["groups"] = {"residual block": ["conv2", "add1"]}
    scene = build_scene(graph, FigureOptions())
    assert [(g.name, g.count) for g in scene.groups] == [("residual block", 1)]
    boxes = {b.name: b for b in scene.nodes}
    frame = scene.groups[0]
    for name in ("conv2", "add1"):
        b = boxes[name]
        assert frame.x <= b.x and b.x + b.w <= frame.x + frame.w
    assert "residual block" in parse(render_svg(graph, FigureOptions())).texts()


def test_layout_json_lists_the_groups_the_editor_may_fold() -> None:
    from netcanvas import formats
    from netcanvas.render import FigureOptions, layout_json
    from tests.conftest import CORPUS

    path = CORPUS / "caffe" / "resnet50_deploy.prototxt"
    if not path.exists():
        pytest.skip("the Caffe corpus is not here")
    graph = formats.read(path.read_bytes(), path.name)
    plain = layout_json(graph, FigureOptions())
    assert "groups" not in plain
    groups = layout_json(graph, FigureOptions(fold=True))["groups"]
    assert [g["count"] for g in groups] == [2, 3, 5, 2]
    for group in groups:
        assert len(group["copies"]) == group["count"]
        assert all(name in plain["positions"] for copy in group["copies"] for name in copy)
