"""Faster R-CNN's Proposal layer: py-faster-rcnn's forward pass in numpy against the
ONNX export run by onnxruntime, and the Caffe Python layer read and written back.

The reference below is written from py-faster-rcnn's published algorithm
(generate_anchors, bbox_transform_inv, clip_boxes, _filter_boxes, py_cpu_nms), in its
own loops, independent of the emitter.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest

from netcanvas.analysis import analyze
from netcanvas.formats import caffe
from netcanvas.formats.base import UnsupportedError
from netcanvas.formats.caffe import syntax
from netcanvas.graph.model import Graph, Node
from tests.conftest import need
from tests.formats.test_onnx_export import check_export, run_checked

Array = np.ndarray[Any, Any]


def generate_anchors(base_size: int, ratios: list[float], scales: list[float]) -> Array:
    """py-faster-rcnn's anchors around cell 0: per ratio (area kept), per scale."""
    x1, y1, x2, y2 = 0.0, 0.0, base_size - 1.0, base_size - 1.0
    w, h = x2 - x1 + 1, y2 - y1 + 1
    cx, cy = x1 + 0.5 * (w - 1), y1 + 0.5 * (h - 1)
    anchors = []
    for ratio in ratios:
        rw = float(np.round(np.sqrt(w * h / ratio)))
        rh = float(np.round(rw * ratio))
        for scale in scales:
            sw, sh = rw * scale, rh * scale
            anchors.append([cx - 0.5 * (sw - 1), cy - 0.5 * (sh - 1),
                            cx + 0.5 * (sw - 1), cy + 0.5 * (sh - 1)])  # fmt: skip
    return np.array(anchors)


# The anchors Shaoqing Ren's MATLAB code gives (1-based pixels), as quoted in
# py-faster-rcnn's generate_anchors.py, which reproduces them 0-based (one less).
MATLAB_ANCHORS = [
    [-83, -39, 100, 56], [-175, -87, 192, 104], [-359, -183, 376, 200],
    [-55, -55, 72, 72], [-119, -119, 136, 136], [-247, -247, 264, 264],
    [-35, -79, 52, 96], [-79, -167, 96, 184], [-167, -343, 184, 360],
]  # fmt: skip


def test_anchors_are_the_published_ones() -> None:
    from netcanvas.formats.onnx.ops.proposal import all_anchors, base_anchors
    from netcanvas.layers import REGISTRY

    want = np.array(MATLAB_ANCHORS) - 1
    np.testing.assert_array_equal(generate_anchors(16, [0.5, 1, 2], [8, 16, 32]), want)
    defaults = REGISTRY["Proposal"].Params()
    np.testing.assert_array_equal(base_anchors(defaults), want)
    # Cell (row 1, column 2) of a 3-wide map is cell 5: anchors 45..53, shifted by 16·(2, 1).
    np.testing.assert_array_equal(all_anchors(defaults, 2, 3)[45:54], want + [32, 16, 32, 16])


def nms(boxes: Array, scores: Array, threshold: float) -> list[int]:
    """py_cpu_nms: greedy, overlaps counted in pixels (+1), suppress above threshold."""
    x1, y1, x2, y2 = boxes.T
    areas = (x2 - x1 + 1) * (y2 - y1 + 1)
    order = list(np.argsort(-scores, kind="stable"))
    keep = []
    while order:
        i, rest = order[0], np.array(order[1:], dtype=int)
        keep.append(int(i))
        w = np.maximum(0.0, np.minimum(x2[i], x2[rest]) - np.maximum(x1[i], x1[rest]) + 1)
        h = np.maximum(0.0, np.minimum(y2[i], y2[rest]) - np.maximum(y1[i], y1[rest]) + 1)
        overlap = w * h / (areas[i] + areas[rest] - w * h)
        order = list(rest[overlap <= threshold])
    return keep


def proposal_forward(scores: Array, deltas: Array, im_info: Array, p: dict[str, Any]) -> Any:
    """ProposalLayer.forward (test settings), rows padded with zeros to post_nms_top_n.

    Returns the rows and how many boxes each stage left, so a test can check that
    every stage did something.
    """
    anchors0 = generate_anchors(p["base_size"], p["ratios"], p["scales"])
    count = len(anchors0)
    height, width = scores.shape[2:]
    anchors = []
    for y in range(height):
        for x in range(width):
            shift = np.array([x, y, x, y]) * p["feat_stride"]
            anchors.extend(a + shift for a in anchors0)
    boxes = np.array(anchors)
    fg = scores[0, count:].transpose(1, 2, 0).reshape(-1).astype(np.float64)
    d = deltas[0].transpose(1, 2, 0).reshape(-1, 4).astype(np.float64)
    w = boxes[:, 2] - boxes[:, 0] + 1
    h = boxes[:, 3] - boxes[:, 1] + 1
    cx, cy = boxes[:, 0] + 0.5 * w, boxes[:, 1] + 0.5 * h
    px, py = d[:, 0] * w + cx, d[:, 1] * h + cy
    pw, ph = np.exp(d[:, 2]) * w, np.exp(d[:, 3]) * h
    im_h, im_w, im_scale = (float(v) for v in im_info[0])
    props = np.stack([
        np.clip(px - 0.5 * pw, 0, im_w - 1), np.clip(py - 0.5 * ph, 0, im_h - 1),
        np.clip(px + 0.5 * pw, 0, im_w - 1), np.clip(py + 0.5 * ph, 0, im_h - 1),
    ], axis=1)  # fmt: skip
    smallest = p["min_size"] * im_scale
    big = ((props[:, 2] - props[:, 0] + 1) >= smallest) & (
        (props[:, 3] - props[:, 1] + 1) >= smallest
    )
    props, fg = props[big], fg[big]
    order = np.argsort(-fg, kind="stable")[: p["pre_nms_top_n"]]
    props, fg = props[order], fg[order]
    keep = nms(props, fg, p["nms_threshold"])
    chosen = props[keep[: p["post_nms_top_n"]]]
    rows = np.zeros((p["post_nms_top_n"], 5))
    rows[: len(chosen), 1:] = chosen
    stages = {"anchors": len(boxes), "big": len(big.nonzero()[0]), "pre_nms": len(order),
              "nms": len(keep), "rows": len(chosen)}  # fmt: skip
    return rows, stages


SETTINGS: dict[str, Any] = {
    "feat_stride": 16,
    "base_size": 16,
    "scales": [1.0, 2.0, 4.0],  # small anchors, so that some boxes fall under min_size
    "ratios": [0.5, 1.0, 2.0],
    "pre_nms_top_n": 120,
    "post_nms_top_n": 60,
    "nms_threshold": 0.7,
    "min_size": 16,
}


def _graph(params: dict[str, Any], height: int, width: int) -> Graph:
    count = len(params.get("scales", "abc")) * len(params.get("ratios", "abc"))  # default 3·3
    graph = Graph(name="rpn")
    graph.nodes += [
        Node("scores", "Input", {"shape": [1, 2 * count, height, width]}),
        Node("deltas", "Input", {"shape": [1, 4 * count, height, width]}),
        Node("im_info", "Input", {"shape": [1, 3]}),
        Node("proposal", "Proposal", params, ["scores", "deltas", "im_info"]),
    ]
    return graph


def _run(graph: Graph, feeds: dict[str, Array]) -> Array:
    need("onnxruntime")
    (rows,) = run_checked(graph, feeds)
    return np.asarray(rows)


@pytest.mark.oracle
@pytest.mark.parametrize(
    ("seed", "post", "scale", "overlap"),
    [(0, 60, 1.0, 0.7), (1, 300, 1.5, 0.7), (2, 25, 0.8, 0.5)],
    ids=["post-cut", "zero-padded", "rescaled"],
)
def test_onnx_matches_py_faster_rcnn(seed: int, post: int, scale: float, overlap: float) -> None:
    params = {**SETTINGS, "post_nms_top_n": post, "nms_threshold": overlap}
    height, width = 7, 9
    rng = np.random.default_rng(seed)
    count = len(params["scales"]) * len(params["ratios"])
    feeds = {
        "scores": rng.random((1, 2 * count, height, width), dtype=np.float32),
        "deltas": (0.6 * rng.standard_normal((1, 4 * count, height, width))).astype(np.float32),
        "im_info": np.array([[height * 16 - 5, width * 16 - 3, scale]], dtype=np.float32),
    }
    want, stages = proposal_forward(feeds["scores"], feeds["deltas"], feeds["im_info"], params)
    # Every stage has work to do: small boxes dropped, the pre-NMS cut, suppression.
    assert stages["big"] < stages["anchors"], stages
    assert stages["pre_nms"] == params["pre_nms_top_n"] < stages["big"], stages
    assert stages["nms"] < stages["pre_nms"], stages
    got = _run(_graph(params, height, width), feeds)
    assert got.shape == (post, 5)
    np.testing.assert_allclose(got, want, rtol=0, atol=1e-4)
    if post == 300:
        assert stages["rows"] < post and not got[stages["rows"] :].any()  # padding rows
    else:
        assert stages["rows"] == post < stages["nms"]  # the post-NMS cut


@pytest.mark.oracle
def test_every_box_too_small_gives_only_padding() -> None:
    params = {**SETTINGS, "post_nms_top_n": 10}
    rng = np.random.default_rng(3)
    feeds = {
        "scores": rng.random((1, 18, 4, 5), dtype=np.float32),
        "deltas": rng.standard_normal((1, 36, 4, 5)).astype(np.float32),
        "im_info": np.array([[64, 80, 100.0]], dtype=np.float32),  # min side 1600 px
    }
    want, stages = proposal_forward(feeds["scores"], feeds["deltas"], feeds["im_info"], params)
    assert stages["big"] == 0
    np.testing.assert_array_equal(_run(_graph(params, 4, 5), feeds), want)


@pytest.mark.oracle
def test_default_settings_export_checks_and_runs() -> None:
    graph = _graph({}, 14, 14)  # py-faster-rcnn's TEST defaults, A = 9
    check_export(graph)


def test_shape_rules() -> None:
    result = analyze(_graph({}, 14, 14))["proposal"]
    assert result.output_shapes == [(300, 5)] and result.params == 0
    assert any("at most 300 rows" in w for w in result.warnings)
    graph = _graph({}, 14, 14)
    graph.nodes[0].params["shape"] = [2, 18, 14, 14]
    graph.nodes[1].params["shape"] = [2, 36, 14, 14]
    assert "single-image" in str(analyze(graph)["proposal"].error)
    graph = _graph({}, 14, 14)
    graph.nodes[-1].params["scales"] = [8.0, 16.0]  # 6 anchors, 18 / 36 channels given
    assert "2·6 = 12 channels" in str(analyze(graph)["proposal"].error)


# --- Caffe ----------------------------------------------------------------------------


def _python_net(param_str: str, module: str = "rpn.proposal_layer") -> bytes:
    escaped = param_str.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    return f"""
input: "scores" input_shape {{ dim: 1 dim: 18 dim: 14 dim: 14 }}
input: "deltas" input_shape {{ dim: 1 dim: 36 dim: 14 dim: 14 }}
input: "im_info" input_shape {{ dim: 1 dim: 3 }}
layer {{
  name: "proposal" type: "Python"
  bottom: "scores" bottom: "deltas" bottom: "im_info" top: "rois"
  python_param {{ module: "{module}" layer: "ProposalLayer" param_str: "{escaped}" }}
}}
""".encode()


def test_corpus_python_layer_is_a_proposal_and_writes_back(caffe_corpus: Path) -> None:
    data = (caffe_corpus / "faster_rcnn_vgg16_voc_test.prototxt").read_bytes()
    graph = caffe.load(data, {})
    node = graph.node("proposal")
    assert (node.type, node.params) == ("Proposal", {"feat_stride": 16})
    assert node.inputs == ["rpn_cls_prob_reshape", "rpn_bbox_pred", "im_info"]
    analysis = analyze(graph)
    assert analysis["proposal"].output_shapes == [(300, 5)]
    assert analysis["roi_pool5"].output_shapes == [(300, 512, 7, 7)]
    text = caffe.dump(graph, {}).decode()
    block = text[text.index('name: "proposal"') :].split("layer {")[0]
    assert 'type: "Python"' in block and 'top: "rois"' in block
    assert 'module: "rpn.proposal_layer"' in block and 'layer: "ProposalLayer"' in block
    assert "param_str: \"'feat_stride': 16\"" in block


@pytest.mark.parametrize(
    ("param_str", "params"),
    [
        ("'feat_stride': 16", {"feat_stride": 16}),
        ("{'feat_stride': 8, 'scales': (4, 8)}", {"feat_stride": 8, "scales": [4.0, 8.0]}),
        (
            "'feat_stride': 16\n'scales': [8, 16, 32]\n'ratios': [0.5, 1, 2]",
            {"feat_stride": 16, "scales": [8.0, 16.0, 32.0], "ratios": [0.5, 1.0, 2.0]},
        ),
    ],
)
def test_param_str_is_read_as_a_literal(param_str: str, params: dict[str, Any]) -> None:
    need("yaml")
    import yaml

    assert yaml.safe_load(param_str)  # the string is one py-faster-rcnn (YAML) accepts
    graph = caffe.load(_python_net(param_str), {})
    assert (graph.node("proposal").type, graph.node("proposal").params) == ("Proposal", params)


@pytest.mark.parametrize(
    "param_str",
    ["__import__('os').system('true')", "'feat_stride': 16,, 'x'", "'num_classes': 21",
     "'feat_stride': '16'", "[16]"],
)  # fmt: skip
def test_unreadable_param_str_keeps_an_opaque_node_with_a_warning(param_str: str) -> None:
    graph = caffe.load(_python_net(param_str), {})
    node = graph.node("proposal")
    assert node.type == "Python"
    assert node.params["python_param"]["param_str"] == param_str
    assert any("proposal: param_str" in w and "opaque" in w for w in graph.warnings)
    again = caffe.load(caffe.dump(graph, {}), {})
    assert again.node("proposal").params == node.params


def test_other_python_layers_stay_opaque() -> None:
    graph = caffe.load(_python_net("'feat_stride': 16", module="my.layer"), {})
    assert graph.node("proposal").type == "Python"
    assert analyze(graph)["proposal"].opaque


def test_edited_settings_write_a_param_str_py_faster_rcnn_reads() -> None:
    need("yaml")
    import yaml

    graph = caffe.load(_python_net("'feat_stride': 16"), {})
    graph.node("proposal").params.update(feat_stride=8, scales=[4.0, 8.0, 16.0])
    text = caffe.dump(graph, {})
    again = caffe.load(text, {})
    assert again.node("proposal").params == {"feat_stride": 8, "scales": [4.0, 8.0, 16.0]}
    param_str = again.node("proposal").meta["caffe"]["fields"]
    written = syntax.parse(param_str)["python_param"]["param_str"]
    assert yaml.safe_load(written) == {"feat_stride": 8, "scales": [4, 8, 16]}
    graph.node("proposal").params["post_nms_top_n"] = 100  # py-faster-rcnn's config file
    with pytest.raises(UnsupportedError, match="post_nms_top_n from its config"):
        caffe.dump(graph, {})


def test_fork_proposal_type_reads_and_writes() -> None:
    net = b"""
input: "scores" input_shape { dim: 1 dim: 24 dim: 10 dim: 12 }
input: "deltas" input_shape { dim: 1 dim: 48 dim: 10 dim: 12 }
input: "im_info" input_shape { dim: 1 dim: 3 }
layer { name: "rois" type: "Proposal" bottom: "scores" bottom: "deltas" bottom: "im_info"
  top: "rois"
  proposal_param { feat_stride: 8 scale: 2 scale: 4 scale: 8 scale: 16 post_nms_topn: 100
    nms_thresh: 0.6 } }
"""
    graph = caffe.load(net, {})
    node = graph.node("rois")
    assert node.type == "Proposal"
    assert node.params == {
        "feat_stride": 8, "base_size": 16, "min_size": 16, "pre_nms_top_n": 6000,
        "post_nms_top_n": 100, "nms_threshold": 0.6, "ratios": [0.5, 1.0, 2.0],
        "scales": [2.0, 4.0, 8.0, 16.0],
    }  # fmt: skip
    assert analyze(graph)["rois"].output_shapes == [(100, 5)]
    text = caffe.dump(graph, {})
    assert b'type: "Proposal"' in text
    assert caffe.load(text, {}).node("rois").params == node.params
