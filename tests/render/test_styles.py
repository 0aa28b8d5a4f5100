"""The four figure styles besides `graph`, checked on nets whose shapes are worked out
by hand (LeNet-5: 28 -> conv 5 -> 24 -> pool 2 -> 12 -> conv 5 -> 8 -> pool 2 -> 4)."""

from __future__ import annotations

from netcanvas.render import build_scene, render_svg
from netcanvas.render.options import FigureOptions
from netcanvas.render.scene import Circle, Line, Polygon, Rect, Scene, Text
from netcanvas.render.styles import fcnn
from tests.render import nets
from tests.render.svgcheck import NS, parse


def texts(scene: Scene) -> list[str]:
    items = [*scene.under, *scene.over, *(i for b in scene.nodes for i in b.items)]
    return [t.text for t in items if isinstance(t, Text)]


def test_fcnn_truncates_long_layers_and_labels_their_true_size() -> None:
    scene = build_scene(nets.mlp(), FigureOptions(style="fcnn"))
    neurons = [c for c in scene.over if isinstance(c, Circle) and c.r == fcnn.RADIUS]
    dots = [c for c in scene.over if isinstance(c, Circle) and c.r < fcnn.RADIUS]
    # 784, 300 and 100 are cut to 10 drawn neurons plus an ellipsis; 10 is drawn whole.
    assert len(neurons) == 4 * fcnn.MAX_SHOWN
    assert len(dots) == 3 * 3
    wires = [w for w in scene.under if isinstance(w, Line)]
    assert len(wires) == 3 * fcnn.MAX_SHOWN**2
    labels = texts(scene)
    for size in ("784", "300", "100", "10"):
        assert any(t.endswith(size) for t in labels), size


def test_lenet_labels_maps_vectors_and_operations() -> None:
    labels = texts(build_scene(nets.lenet(), FigureOptions(style="lenet")))
    for label in ("1@28×28", "20@24×24", "20@12×12", "50@8×8", "50@4×4", "1×800", "1×500", "1×10"):
        assert label in labels
    assert labels.count("Convolution 5×5") == 2
    assert labels.count("Pooling 2×2 /2") == 2
    assert "Dense" in labels


def test_alexnet_is_vector_output_and_follows_the_view_angles() -> None:
    svg = render_svg(nets.lenet(), FigureOptions(style="alexnet"))
    root = parse(svg).root
    assert not list(root.iter(f"{NS}image"))  # no raster step
    labels = parse(svg).texts()
    for label in ("28×28×1", "24×24×20", "12×12×20", "8×8×50", "4×4×50", "800", "500", "10"):
        assert label in labels

    def outline(azimuth: float, elevation: float) -> list[list[tuple[float, float]]]:
        options = FigureOptions(style="alexnet", azimuth=azimuth, elevation=elevation)
        scene = build_scene(nets.lenet(), options)
        return [p.points for p in scene.under if isinstance(p, Polygon)]

    assert outline(-35, 20) == outline(-35, 20)  # reproducible: no random placement
    assert outline(-35, 20) != outline(-60, 20)
    assert outline(-35, 20) != outline(-35, 40)


def test_blocks_glyphs_follow_spatial_size_and_channels() -> None:
    scene = build_scene(nets.lenet(), FigureOptions(style="blocks", rankdir="LR"))
    glyphs = {}
    for box in scene.nodes:
        poly = next(i for i in box.items if isinstance(i, Polygon))
        xs = [x for x, _ in poly.points]
        left = [y for x, y in poly.points if x == min(xs)]
        right = [y for x, y in poly.points if x == max(xs)]
        glyphs[box.name] = (max(left) - min(left), max(right) - min(right), max(xs) - min(xs))
    # Entry and exit follow the spatial size: conv1 takes 28×28 and gives 24×24.
    assert glyphs["conv1"][0] > glyphs["conv1"][1]
    assert glyphs["conv1"][1] > glyphs["conv2"][1]  # 24×24 > 8×8
    assert glyphs["conv2"][2] > glyphs["conv1"][2]  # 50 channels wider than 20
    legend = texts(scene)
    assert "Conv2d" in legend and "MaxPool2d" in legend
    swatches = [r for r in scene.over if isinstance(r, Rect)]
    assert len(swatches) >= 4


def test_mono_theme_uses_patterns_not_colour() -> None:
    for style in ("graph", "blocks", "lenet", "alexnet"):
        fig = parse(render_svg(nets.lenet(), FigureOptions(style=style, theme="mono")))
        assert list(fig.root.iter(f"{NS}pattern")), style
        fills = {e.get("fill") for e in fig.root.iter() if e.get("fill")}
        greys = {f for f in fills if f.startswith("#") and f[1:3] == f[3:5] == f[5:7]}
        assert fills - greys <= {"none"} | {f for f in fills if f.startswith("url(")}, style


def test_colorblind_theme_uses_the_okabe_ito_palette() -> None:
    # Okabe & Ito (2008), "Color Universal Design", the eight colours as published.
    okabe_ito = {
        "#000000", "#E69F00", "#56B4E9", "#009E73", "#F0E442", "#0072B2", "#D55E00", "#CC79A7",
        "#999999",  # the grey often listed with them, for the ninth+ category
    }  # fmt: skip
    scene = build_scene(nets.tiny_resnet(), FigureOptions(theme="colorblind"))
    strips = [i.fill for b in scene.nodes for i in b.items if isinstance(i, Rect) and i.w < 10]
    assert len(strips) == len(scene.nodes)
    assert set(strips) <= okabe_ito
    assert len(set(strips)) >= 6  # Input, conv, norm, activation, merge, pool... told apart
