"""SSD's DetectionOutput in ONNX against a numpy transcription of Caffe's algorithm.

The reference below follows the Caffe SSD fork's DetectionOutputLayer::Forward_cpu
step by step (share_location, CENTER_SIZE, background label 0), written from the
algorithm, not from our emitter: per-image decoding, per-class threshold, stable
sort and top_k cut, greedy NMS with Caffe's JaccardOverlap, keep_top_k over all
classes, rows grouped by label (ascending) with scores descending. onnxruntime runs
the exported model; Caffe's rows must be exactly our first rows, the rest -1.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from netcanvas import formats
from netcanvas.analysis import analyze
from netcanvas.formats import UnsupportedError
from netcanvas.graph.model import Graph, Node
from netcanvas.layers import lookup
from tests.conftest import need
from tests.formats.test_onnx_export import check_export, ort_session

pytestmark = pytest.mark.oracle

Box = tuple[float, float, float, float]


@dataclass
class Reference:
    rows: np.ndarray[Any, Any]
    suppressed: int  # candidates NMS removed
    cut_before_nms: int  # candidates above the threshold that top_k dropped
    cut_after_nms: int  # detections keep_top_k dropped


def _decode(prior: np.ndarray[Any, Any], var: np.ndarray[Any, Any], off: Any) -> Box:
    width, height = prior[2] - prior[0], prior[3] - prior[1]
    centre_x = var[0] * off[0] * width + (prior[0] + prior[2]) / 2
    centre_y = var[1] * off[1] * height + (prior[1] + prior[3]) / 2
    box_w = np.exp(var[2] * off[2]) * width
    box_h = np.exp(var[3] * off[3]) * height
    return (centre_x - box_w / 2, centre_y - box_h / 2, centre_x + box_w / 2, centre_y + box_h / 2)


def _size(box: Box) -> float:
    if box[2] < box[0] or box[3] < box[1]:
        return 0.0
    return (box[2] - box[0]) * (box[3] - box[1])


def _jaccard(a: Box, b: Box) -> float:
    """Caffe's JaccardOverlap on normalized boxes (no +1)."""
    if b[0] > a[2] or b[2] < a[0] or b[1] > a[3] or b[3] < a[1]:
        return 0.0
    inter = _size((max(a[0], b[0]), max(a[1], b[1]), min(a[2], b[2]), min(a[3], b[3])))
    return inter / (_size(a) + _size(b) - inter)


def caffe_detection_output(
    loc: np.ndarray[Any, Any],
    conf: np.ndarray[Any, Any],
    priors: np.ndarray[Any, Any],
    *,
    num_classes: int,
    top_k: int,
    keep_top_k: int,
    nms_threshold: float,
    confidence_threshold: float,
) -> Reference:
    num = loc.shape[0]
    count = priors.shape[-1] // 4
    boxes = priors.reshape(2, count, 4).astype(np.float64)
    offsets = loc.reshape(num, count, 4).astype(np.float64)
    scores_all = conf.reshape(num, count, num_classes)
    rows: list[list[float]] = []
    suppressed = cut_before = cut_after = 0
    for image in range(num):
        decoded = [_decode(boxes[0, j], boxes[1, j], offsets[image, j]) for j in range(count)]
        indices: dict[int, list[int]] = {}
        for label in range(1, num_classes):
            scores = scores_all[image, :, label]
            order = [j for j in range(count) if scores[j] > confidence_threshold]
            order.sort(key=lambda j: -scores[j])  # stable, as std::stable_sort
            if -1 < top_k < len(order):
                cut_before += len(order) - top_k
                order = order[:top_k]
            kept: list[int] = []
            for j in order:
                if all(_jaccard(decoded[j], decoded[q]) <= nms_threshold for q in kept):
                    kept.append(j)
            suppressed += len(order) - len(kept)
            if kept:
                indices[label] = kept
        found = sum(len(v) for v in indices.values())
        if -1 < keep_top_k < found:
            cut_after += found - keep_top_k
            pairs = [(scores_all[image, j, c], c, j) for c, js in indices.items() for j in js]
            pairs.sort(key=lambda t: -t[0])
            indices = {}
            for _, c, j in pairs[:keep_top_k]:
                indices.setdefault(c, []).append(j)
        for label in sorted(indices):
            for j in indices[label]:
                rows.append([image, label, scores_all[image, j, label], *decoded[j]])
    if not rows:  # Caffe's "no detection" output: one fake row per image
        rows = [[image, -1, -1, -1, -1, -1, -1] for image in range(num)]
    return Reference(np.asarray(rows, dtype=np.float64), suppressed, cut_before, cut_after)


def detection_net(batch: int, classes: int, **params: Any) -> Graph:
    """Random-input SSD head: real PriorBox priors (also a graph output, for the reference)."""
    prior_params = {
        "min_size": [30.0],
        "max_size": [60.0],
        "aspect_ratio": [2.0],
        "variance": [0.1, 0.1, 0.2, 0.2],
    }
    count = 5 * 5 * 4
    return Graph(
        "ssd_head",
        [
            Node("image", "Input", {"shape": [batch, 3, 100, 100]}),
            Node("features", "Input", {"shape": [batch, 8, 5, 5]}),
            Node("priors", "PriorBox", prior_params, ["features", "image"]),
            Node("priors_out", "Identity", {}, ["priors"]),
            Node("loc", "Input", {"shape": [batch, count * 4]}),
            Node("conf", "Input", {"shape": [batch, count * classes]}),
            Node(
                "detections",
                "DetectionOutput",
                {"num_classes": classes, **params},
                ["loc", "conf", "priors"],
            ),
        ],
    )


def settings(node: Node) -> dict[str, Any]:
    """The layer's full settings, the registry's defaults filled in."""
    spec = lookup("DetectionOutput")
    assert spec is not None
    return dict(spec.Params.model_validate(node.params).model_dump())


def _softmax(x: np.ndarray[Any, Any]) -> np.ndarray[Any, Any]:
    e = np.exp(x - x.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def run_detection(graph: Graph, seed: int) -> tuple[np.ndarray[Any, Any], Reference]:
    """Our ONNX output (rows) and Caffe's, on random softmaxed scores and small offsets."""
    need("onnxruntime")
    import onnxruntime as ort

    from netcanvas.formats.onnx.writer import export

    rng = np.random.default_rng(seed)
    shapes = {n.name: n.params.get("shape") for n in graph.nodes if n.type == "Input"}
    batch, classes = shapes["conf"][0], graph.node("detections").params["num_classes"]
    feeds = {name: np.zeros(shape, dtype=np.float32) for name, shape in shapes.items()}
    feeds["loc"] = (0.5 * rng.standard_normal(shapes["loc"])).astype(np.float32)
    logits = 1.5 * rng.standard_normal((batch, shapes["conf"][1] // classes, classes))
    feeds["conf"] = _softmax(logits).reshape(batch, -1).astype(np.float32)
    session = ort_session(export(graph).SerializeToString(), ort)
    priors, ours = session.run(["priors_out", "detections"], feeds)
    params = settings(graph.node("detections"))
    reference = caffe_detection_output(feeds["loc"], feeds["conf"], priors, **params)
    assert ours.shape == tuple(analyze(graph)["detections"].output_shapes[0])
    return ours.reshape(-1, 7), reference


def assert_caffe_rows(ours: np.ndarray[Any, Any], expected: np.ndarray[Any, Any]) -> None:
    """Caffe's rows are our first rows (image and label exact), the rest are -1."""
    head = ours[: len(expected)]
    assert len(expected) <= len(ours)
    np.testing.assert_array_equal(head[:, :2], expected[:, :2])
    np.testing.assert_allclose(head[:, 2:], expected[:, 2:], rtol=0, atol=1e-5)
    assert (ours[len(expected) :] == -1).all()


@pytest.mark.parametrize("batch", [1, 2])
def test_nms_and_keep_top_k_match_caffe(batch: int) -> None:
    graph = detection_net(
        batch, 4, keep_top_k=12, top_k=20, nms_threshold=0.45, confidence_threshold=0.3
    )
    ours, reference = run_detection(graph, seed=batch)
    # Every stage actually cut something, so every stage is checked.
    assert reference.cut_before_nms > 0 and reference.suppressed > 0
    assert reference.cut_after_nms > 0
    assert len(reference.rows) == batch * 12
    assert_caffe_rows(ours, reference.rows)


@pytest.mark.parametrize(
    "params",
    [
        {"top_k": -1, "keep_top_k": -1, "confidence_threshold": 0.4},
        # keep_top_k past classes x priors: fewer candidates than rows, -1 padding
        {"top_k": 50, "keep_top_k": 500, "nms_threshold": 0.3, "confidence_threshold": 0.25},
    ],
)
def test_fewer_detections_than_rows_are_padded(params: dict[str, Any]) -> None:
    # Two images with fewer rows than keep_top_k each: Caffe concatenates their rows, so
    # image 1's rows must follow image 0's directly, the -1 rows all at the end.
    ours, reference = run_detection(detection_net(2, 3, **params), seed=7)
    assert reference.suppressed > 0 and reference.cut_after_nms == 0
    assert set(reference.rows[:, 0]) == {0, 1}
    assert 0 < len(reference.rows) < len(ours) // 2
    assert_caffe_rows(ours, reference.rows)


@pytest.mark.parametrize("batch", [1, 2])
def test_no_detection_gives_caffes_fake_rows(batch: int) -> None:
    graph = detection_net(batch, 4, keep_top_k=5, top_k=10, confidence_threshold=0.999)
    ours, reference = run_detection(graph, seed=3)
    expected = np.full((batch, 7), -1.0)
    expected[:, 0] = np.arange(batch)
    np.testing.assert_array_equal(reference.rows, expected)
    assert_caffe_rows(ours, reference.rows)
    assert len(ours) == batch * 5


def test_top_k_cuts_before_nms_and_ties_keep_the_lower_prior() -> None:
    """Scores at the threshold are out; top_k cuts before NMS; equal scores: lower prior first.

    With zero offsets every box is its prior. Priors 40 and 41 share a cell (30 px and
    42 px squares, IoU 0.5), so NMS suppresses 40 after top_k has taken it: one fewer
    detection than top_k, which a cut after NMS (ONNX's max_output_boxes_per_class)
    would fill with prior 70.
    """
    need("onnxruntime")
    import onnxruntime as ort

    from netcanvas.formats.onnx.writer import export

    graph = detection_net(1, 2, keep_top_k=3, top_k=3, confidence_threshold=0.5)
    conf = np.zeros((100, 2), dtype=np.float32)
    conf[:, 1] = 0.5  # at the threshold: dropped
    conf[41, 1] = 0.9
    conf[[10, 40, 70], 1] = 0.75  # equal scores: top_k keeps 10 and 40, not 70
    feeds = {
        "image": np.zeros((1, 3, 100, 100), np.float32),
        "features": np.zeros((1, 8, 5, 5), np.float32),
        "loc": np.zeros((1, 400), dtype=np.float32),
        "conf": conf.reshape(1, -1),
    }
    session = ort_session(export(graph).SerializeToString(), ort)
    priors, ours = session.run(["priors_out", "detections"], feeds)
    reference = caffe_detection_output(
        feeds["loc"],
        feeds["conf"],
        priors,
        num_classes=2,
        top_k=3,
        keep_top_k=3,
        nms_threshold=0.45,
        confidence_threshold=0.5,
    )
    assert reference.cut_before_nms == 1 and reference.suppressed == 1
    np.testing.assert_allclose(reference.rows[:, 2], [0.9, 0.75])
    np.testing.assert_allclose(reference.rows[:, 3:], priors.reshape(2, 100, 4)[0, [41, 10]])
    assert_caffe_rows(ours.reshape(-1, 7), reference.rows)


def test_whole_graph_passes_the_onnx_oracle() -> None:
    check_export(detection_net(2, 4, keep_top_k=12, top_k=20))


def test_dynamic_batch_is_refused_by_name() -> None:
    from netcanvas.formats.onnx.writer import export

    with pytest.raises(UnsupportedError, match=r"detections \(DetectionOutput\).*static batch"):
        export(detection_net(1, 4), {"dynamic_batch": True})


@pytest.mark.parametrize("name", ["mobilenet_ssd_deploy.prototxt", "ssd300_vgg16_deploy.prototxt"])
def test_ssd_corpus_net_exports_and_detects_like_caffe(name: str, caffe_corpus: Path) -> None:
    """The whole SSD net passes the ONNX oracle, and its detections match the reference
    on the net's own loc, conf and priors (taps added as graph outputs)."""
    if "prototxt" not in formats.BY_NAME:
        pytest.skip("the prototxt format is not registered")
    graph = formats.read((caffe_corpus / name).read_bytes(), name)
    head = next(n for n in graph.nodes if n.type == "DetectionOutput")
    for k, ref in enumerate(head.inputs):
        graph.nodes.append(Node(f"tap{k}", "Identity", {}, [ref]))
    model = check_export(graph)
    need("onnxruntime")
    import onnxruntime as ort

    session = ort_session(model.SerializeToString(), ort)
    feeds = {
        i.name: np.random.default_rng(0).standard_normal(i.shape).astype(np.float32)
        for i in session.get_inputs()
    }
    loc, conf, priors, ours = session.run(["tap0", "tap1", "tap2", head.name], feeds)
    # Random weights: whether anything passes the net's threshold is up to the data, so
    # this checks agreement only; the tests above make sure every stage cuts.
    reference = caffe_detection_output(loc, conf, priors, **settings(head))
    assert_caffe_rows(ours.reshape(-1, 7), reference.rows)
