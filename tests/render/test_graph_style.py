"""The graph style, checked at the level a reader checks a figure: which boxes, which
labels, which wires, nothing overlapping, every wire ending on a port."""

from __future__ import annotations

import itertools

import pytest

from netcanvas.graph.model import Graph, Node
from netcanvas.render import build_scene, export_figure, layout_json, render_svg
from netcanvas.render.catalogue import STYLE_NAMES
from netcanvas.render.options import FigureOptions
from netcanvas.render.scene import Scene
from tests.render import nets
from tests.render.svgcheck import overlaps, parse


def _assert_clean(scene: Scene) -> None:
    """No two boxes overlap, every edge starts on an output port and ends on an input port."""
    boxes = {b.name: b for b in scene.nodes}
    for a, b in itertools.combinations(scene.nodes, 2):
        assert not overlaps((a.x, a.y, a.w, a.h), (b.x, b.y, b.w, b.h)), (a.name, b.name)
    for e in scene.edges:
        assert e.points[0] in boxes[e.src].out_ports, e
        assert e.points[-1] in boxes[e.dst].in_ports, e
    for b in scene.nodes:
        for x, y in b.in_ports + b.out_ports:
            on_side = x in (b.x, b.x + b.w) or y in (b.y, b.y + b.h)
            assert on_side and b.x <= x <= b.x + b.w and b.y <= y <= b.y + b.h


def test_tiny_resnet_svg_structure() -> None:
    svg = render_svg(nets.tiny_resnet(), FigureOptions())
    fig = parse(svg)
    assert sorted(fig.nodes) == sorted(n.name for n in nets.tiny_resnet().nodes)
    assert sorted(fig.edges) == sorted(
        f"edge-{a}-{b}"
        for a, b in [
            ("data", "conv1"),
            ("conv1", "bn1"),
            ("bn1", "relu1"),
            ("relu1", "conv2"),
            ("conv2", "add1"),
            ("relu1", "add1"),
            ("add1", "pool"),
            ("pool", "flat"),
            ("flat", "fc"),
        ]
    )
    # Shapes worked out by hand: a padded 3×3 conv keeps 32×32; global pooling gives 1×1.
    assert fig.texts(fig.nodes["conv1"]) == ["conv1", "Conv2d", "3×3, 16", "1×16×32×32"]
    assert fig.texts(fig.nodes["pool"])[-1] == "1×16×1×1"
    assert fig.texts(fig.nodes["fc"])[-1] == "1×10"
    # add1 takes two inputs: two input ports, each the end of one edge.
    ends = {tuple(pts[-1]) for name, pts in fig.edges.items() if name.endswith("-add1")}
    ports = {fig.ports["port-in-add1-0"], fig.ports["port-in-add1-1"]}
    assert ends == ports


@pytest.mark.parametrize(
    "net", [nets.tiny_resnet, nets.mlp, nets.lenet, lambda: nets.resnet((2, 2))]
)
@pytest.mark.parametrize("rankdir", ["TB", "LR"])
def test_layout_has_no_overlap_and_edges_end_on_ports(net, rankdir: str) -> None:
    for stack in (False, True):
        scene = build_scene(net(), FigureOptions(rankdir=rankdir, stack=stack))
        _assert_clean(scene)
        for e in scene.edges:  # the flow goes one way
            axis = 0 if rankdir == "LR" else 1
            assert e.points[-1][axis] > e.points[0][axis]


def test_labels_fit_their_boxes() -> None:
    from netcanvas.render.scene import Text
    from netcanvas.render.text import text_width

    scene = build_scene(nets.resnet((2,)), FigureOptions(show_params=True, show_macs=True))
    for box in scene.nodes:
        for item in box.items:
            if isinstance(item, Text) and item.text != "!":
                half = text_width(item.text, item.size, item.bold) / 2
                assert box.x <= item.x - half and item.x + half <= box.x + box.w, item.text


def test_stack_draws_inplace_followers_in_their_producer_with_shape_on_the_edge() -> None:
    flat = parse(render_svg(nets.resnet((2,)), FigureOptions()))
    stacked = parse(render_svg(nets.resnet((2,)), FigureOptions(stack=True)))
    assert len(stacked.nodes) < len(flat.nodes)
    assert "bn_conv1" not in stacked.nodes and "conv1" in stacked.nodes
    assert stacked.texts(stacked.nodes["conv1"])[1] == "Conv2d · BatchNorm2d · ReLU"
    # 64×64 input, 7×7 /2 pad 3 conv: 8 channels at 32×32, written on the edge.
    assert "8ch · 32×32" in stacked.texts()


def test_params_and_macs_toggles() -> None:
    options = FigureOptions(show_params=True, show_macs=True, show_names=False, show_shapes=False)
    fig = parse(render_svg(nets.mlp(), options))
    # Linear 784 -> 300: 784·300 + 300 parameters, 235,200 MACs.
    assert fig.texts(fig.nodes["fc1"]) == ["Linear", "300", "params 236k · MACs 235k"]


def test_errors_are_drawn_on_their_node() -> None:
    graph = nets.mlp()
    graph.nodes.insert(1, Node("bad", "Conv2d", {"out_channels": 4, "kernel_size": 3}, ["x"]))
    fig = parse(render_svg(graph, FigureOptions()))
    node = fig.nodes["bad"]
    title = node.find("{http://www.w3.org/2000/svg}title")
    assert title is not None and title.text.startswith("bad: ")
    assert "!" in fig.texts(node)
    assert "!" not in fig.texts(fig.nodes["fc1"])


def test_view_positions_are_respected() -> None:
    graph = nets.mlp()
    fresh = layout_json(graph, FigureOptions())
    graph.view["positions"] = {"fc2": [400, 30]}
    layout = layout_json(graph, FigureOptions(), keep_positions=True)
    assert layout["positions"]["fc2"] == [400, 30]
    edge = next(e for e in layout["edges"] if e["to"] == "fc2")
    assert edge["points"][-1][1] == 30  # the edge follows the moved box
    scene = build_scene(graph, FigureOptions())  # figures keep them too
    assert next((b.x, b.y) for b in scene.nodes if b.name == "fc2") == (400, 30)
    # Auto-layout starts afresh, and never writes into the document.
    assert layout_json(graph, FigureOptions()) == fresh
    assert graph.view["positions"] == {"fc2": [400, 30]}


def test_layout_json_contract() -> None:
    layout = layout_json(nets.tiny_resnet(), FigureOptions(rankdir="LR"))
    assert set(layout) == {"positions", "sizes", "edges", "width", "height"}
    assert set(layout["positions"]) == set(layout["sizes"]) == nets.tiny_resnet().names()
    for name, (x, y) in layout["positions"].items():
        w, h = layout["sizes"][name]
        assert 0 <= x and x + w <= layout["width"] and 0 <= y and y + h <= layout["height"]
    assert {(e["from"], e["to"]) for e in layout["edges"]} >= {("relu1", "add1"), ("conv2", "add1")}


def test_an_input_used_only_at_the_end_sits_beside_its_consumer() -> None:
    """A late source (labels for the loss) is drawn one rank above the loss, level with
    the layer it meets there, not at the top of the figure with an edge down its length."""
    layers = [Node("x", "Input", {"shape": [1, 8]})]
    layers += [
        Node(f"fc{i}", "Linear", {"out_features": 8}, [f"fc{i - 1}" if i else "x"])
        for i in range(6)
    ]
    layers += [
        Node("labels", "Input", {"shape": [1, 8]}),
        Node("loss", "MSELoss", {}, ["fc5", "labels"]),
    ]
    layout = layout_json(Graph("late-input", layers), FigureOptions())
    middle = {n: y + layout["sizes"][n][1] / 2 for n, (_, y) in layout["positions"].items()}
    assert middle["labels"] == pytest.approx(middle["fc5"], abs=0.02)  # one rank, centred
    assert middle["labels"] > middle["fc4"] > middle["x"]


def test_rendering_is_deterministic() -> None:
    options = FigureOptions(fold=True, stack=True)
    graph = nets.resnet((3, 4))
    assert render_svg(graph, options) == render_svg(nets.resnet((3, 4)), options)


def test_title_and_font_size() -> None:
    small = build_scene(nets.mlp(), FigureOptions(font_size=8))
    big = build_scene(nets.mlp(), FigureOptions(font_size=14, title="An MLP"))
    assert big.nodes[0].w > small.nodes[0].w
    assert "An MLP" in parse(render_svg(nets.mlp(), FigureOptions(title="An MLP"))).texts()


def test_empty_graph_renders() -> None:
    for fmt in ("svg", "png", "pdf"):
        assert export_figure(Graph("empty"), fmt, FigureOptions())


def _broken_graphs() -> list[Graph]:
    conv = {"out_channels": 4, "kernel_size": 3}
    return [
        Graph(  # a cycle
            "cycle",
            [
                Node("x", "Input", {"shape": [1, 4, 8, 8]}),
                Node("a", "Conv2d", conv, ["x", "c"]),
                Node("b", "ReLU", {}, ["a"]),
                Node("c", "ReLU", {}, ["b"]),
            ],
        ),
        Graph("dangling", [Node("x", "Input", {"shape": [1, 4]}), Node("y", "ReLU", {}, ["nope"])]),
        Graph(
            "duplicate",
            [
                Node("x", "Input", {"shape": [1, 4]}),
                Node("x", "ReLU", {}, []),
                Node("y", "ReLU", {}, ["x"]),
            ],
        ),
        Graph("self", [Node("x", "Input", {"shape": [1, 4]}), Node("y", "ReLU", {}, ["y", "x"])]),
        Graph(
            "opaque-and-outputs",
            [
                Node("x", "Input", {"shape": [1, 4, 8, 8]}),
                Node("p", "PriorBox", {"min_size": 30}, ["x"]),
                Node("s", "Split", {}, ["x"]),
                Node("y", "Add", {}, ["s:1", "x"]),
            ],
        ),
    ]


@pytest.mark.parametrize("graph", _broken_graphs(), ids=lambda g: g.name)
def test_broken_graphs_still_render_in_every_style(graph: Graph) -> None:
    for style in STYLE_NAMES:
        for fold in (False, True):
            options = FigureOptions(style=style, fold=fold, stack=True)
            assert parse(render_svg(graph, options)).root is not None
