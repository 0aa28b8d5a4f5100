"""The real Caffe corpus against its published figures (corpus/caffe/REFERENCE.md).

Every file is parsed and analysed once per phase per session (module cache), so the
whole set stays fast.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from netcanvas import cli, service
from netcanvas.analysis import Analysis, analyze
from netcanvas.formats import caffe
from netcanvas.formats.base import FormatError, UnsupportedError
from netcanvas.graph.model import Graph
from tests.conftest import CORPUS

CAFFE = CORPUS / "caffe"
FILES = sorted(p.name for p in CAFFE.glob("*.prototxt")) if CAFFE.is_dir() else []
# "Deploy" files: test-time nets whose input shape the file declares.
DEPLOY = [
    f
    for f in FILES
    if "deploy" in f
    or f in {"caffenet_full_conv_451.prototxt", "faster_rcnn_vgg16_voc_test.prototxt"}
]


@cache
def _loaded(name: str, phase: str = "TEST") -> tuple[Graph, Analysis]:
    graph = caffe.load((CAFFE / name).read_bytes(), {"phase": phase})
    return graph, analyze(graph, caffe.settle)


def _shape(a: Analysis, name: str) -> tuple[int, ...] | None:
    out = a[name].output_shapes[0]
    return tuple(out) if out is not None else None


@pytest.fixture(autouse=True)
def _corpus(caffe_corpus: Path) -> None:
    """Skip (or fail in CI) when the corpus is missing, via the shared fixture."""


def test_the_corpus_is_complete() -> None:
    assert len(FILES) == 34


@pytest.mark.parametrize("name", FILES)
def test_every_file_imports_without_errors(name: str) -> None:
    graph, a = _loaded(name)
    assert graph.nodes
    assert a.ok, a.errors


@pytest.mark.parametrize("name", DEPLOY)
def test_every_node_of_a_deploy_file_has_a_shape(name: str) -> None:
    _, a = _loaded(name)
    missing = [n.name for n in a.nodes if not n.opaque and None in n.output_shapes]
    assert not missing


def test_alexnet_published_figures() -> None:
    for name in ("alexnet_deploy.prototxt", "alexnet_deploy_input_shape_header.prototxt"):
        _, a = _loaded(name)
        assert a.params == 60_965_224
        assert _shape(a, "data") == (10, 3, 227, 227)  # Netscope's table is batch 10
        assert a.macs == pytest.approx(7.27e9, rel=0.01)


def test_vgg16_squeezenet_parameter_counts() -> None:
    assert _loaded("vgg16_deploy_v1_layers.prototxt")[1].params == 138_357_544
    assert _loaded("squeezenet_v1.0_deploy.prototxt")[1].params == 1_248_424


def test_resnet50_parameter_count() -> None:
    """torchvision's 25,557,032 has no conv1 bias; this prototxt's conv1 has one (64).

    REFERENCE.md notes the same for Netscope: conv1 has no ``bias_term: false``.
    """
    _, a = _loaded("resnet50_deploy.prototxt")
    assert a["conv1"].params == 7 * 7 * 3 * 64 + 64
    assert a.params == 25_557_032 + 64
    assert _shape(a, "pool1") == (1, 64, 56, 56)  # needs Caffe's CEIL rounding
    assert _shape(a, "fc1000") == (1, 1000)


CAFFENET_LOG = {  # [LOG-Caffenet], batch 10
    "data": (10, 3, 227, 227),
    "conv1": (10, 96, 55, 55),
    "relu1": (10, 96, 55, 55),
    "pool1": (10, 96, 27, 27),
    "norm1": (10, 96, 27, 27),
    "conv2": (10, 256, 27, 27),
    "pool2": (10, 256, 13, 13),
    "norm2": (10, 256, 13, 13),
    "conv3": (10, 384, 13, 13),
    "conv4": (10, 384, 13, 13),
    "conv5": (10, 256, 13, 13),
    "pool5": (10, 256, 6, 6),
    "fc6": (10, 4096),
    "relu6": (10, 4096),
    "drop6": (10, 4096),
    "fc7": (10, 4096),
    "fc8": (10, 1000),
    "prob": (10, 1000),
}


def test_caffenet_shapes_match_the_caffe_log() -> None:
    _, a = _loaded("caffenet_deploy.prototxt")
    assert {name: _shape(a, name) for name in CAFFENET_LOG} == CAFFENET_LOG


GOOGLENET_BLOBS = {  # [PY-GoogLeNet] pycaffe dump, batch 10
    "conv1/7x7_s2": (10, 64, 112, 112),
    "pool1/3x3_s2": (10, 64, 56, 56),
    "pool1/norm1": (10, 64, 56, 56),
    "conv2/3x3_reduce": (10, 64, 56, 56),
    "conv2/3x3": (10, 192, 56, 56),
    "pool2/3x3_s2": (10, 192, 28, 28),
    "inception_3a/1x1": (10, 64, 28, 28),
    "inception_3a/3x3_reduce": (10, 96, 28, 28),
    "inception_3a/3x3": (10, 128, 28, 28),
    "inception_3a/5x5_reduce": (10, 16, 28, 28),
    "inception_3a/5x5": (10, 32, 28, 28),
    "inception_3a/pool": (10, 192, 28, 28),
    "inception_3a/pool_proj": (10, 32, 28, 28),
    "inception_3a/output": (10, 256, 28, 28),
    "inception_3b/output": (10, 480, 28, 28),
    "pool3/3x3_s2": (10, 480, 14, 14),
    "inception_4a/output": (10, 512, 14, 14),
    "inception_4b/output": (10, 512, 14, 14),
    "inception_4c/output": (10, 512, 14, 14),
    "inception_4d/output": (10, 528, 14, 14),
    "inception_4e/output": (10, 832, 14, 14),
    "pool4/3x3_s2": (10, 832, 7, 7),
    "inception_5a/output": (10, 832, 7, 7),
    "inception_5b/output": (10, 1024, 7, 7),
    "pool5/7x7_s1": (10, 1024, 1, 1),
    "loss3/classifier": (10, 1000),
    "prob": (10, 1000),
}


@pytest.mark.parametrize(
    "name", ["googlenet_deploy.prototxt", "googlenet_deploy_input_dim_header.prototxt"]
)
def test_googlenet_shapes_match_pycaffe(name: str) -> None:
    _, a = _loaded(name)
    assert {blob: _shape(a, blob) for blob in GOOGLENET_BLOBS} == GOOGLENET_BLOBS


def test_lenet_shapes_match_the_tutorial() -> None:
    _, a = _loaded("lenet_deploy.prototxt")
    expected = {
        "conv1": (64, 20, 24, 24),
        "pool1": (64, 20, 12, 12),
        "conv2": (64, 50, 8, 8),
        "pool2": (64, 50, 4, 4),
        "ip1": (64, 500),
        "ip2": (64, 10),
    }
    assert {n: _shape(a, n) for n in expected} == expected
    assert a["ip1"].params == 500 * 800 + 500


def test_fcn8s_upscore_and_crop() -> None:
    _, a = _loaded("fcn8s_voc_deploy.prototxt")
    assert _shape(a, "upscore8") == (1, 21, 568, 568)
    assert _shape(a, "score") == (1, 21, 500, 500)


def test_fully_convolutional_caffenet_on_451() -> None:
    graph, a = _loaded("caffenet_full_conv_451.prototxt")
    assert _shape(a, graph.nodes[-1].name) == (1, 1000, 8, 8)


def test_faster_rcnn_proposals_and_heads() -> None:
    _, a = _loaded("faster_rcnn_vgg16_voc_test.prototxt")
    shapes = {n.name: n.output_shapes for n in a.nodes}
    assert [300, 5] in [list(s) for s in shapes["proposal"] if s is not None]
    assert _shape(a, "cls_prob") == (300, 21)
    assert _shape(a, "bbox_pred") == (300, 84)


def test_ssd_priors_count_8732_default_boxes() -> None:
    graph, a = _loaded("ssd300_vgg16_deploy.prototxt")
    priors = [n.name for n in graph.nodes if n.type == "PriorBox"]
    total = sum(_shape(a, p)[2] // 4 for p in priors)  # type: ignore[index]
    assert total == 8732  # SSD paper, Fig. 2


@pytest.mark.parametrize("name", FILES)
def test_round_trip_keeps_shapes_params_and_macs(name: str) -> None:
    for phase in ("TEST", "TRAIN"):
        graph, a = _loaded(name, phase)
        again = analyze(caffe.load(caffe.dump(graph, {}), {"phase": phase}), caffe.settle)
        before = [(n.name, n.type, n.output_shapes, n.params, n.macs, n.inplace) for n in a.nodes]
        after = [
            (n.name, n.type, n.output_shapes, n.params, n.macs, n.inplace) for n in again.nodes
        ]
        assert after == before


def test_googlenet_phases_in_the_cli(capsys: pytest.CaptureFixture[str]) -> None:
    """The auxiliary losses have no include rule in BVLC's file, so Caffe builds them in
    both phases (its TEST output prints loss1/loss1); the auxiliary accuracies are
    `include { phase: TEST }` only. Both follow from the rules, not from a name list."""
    path = str(CAFFE / "googlenet_train_val.prototxt")
    assert cli.main(["summary", path, "--phase", "TRAIN"]) == 0
    train = capsys.readouterr().out
    assert "loss1/loss (CrossEntropyLoss)" in train and "loss2/loss (CrossEntropyLoss)" in train
    assert "loss1/top-1" not in train and "loss2/top-5" not in train
    assert _loaded("googlenet_train_val.prototxt", "TRAIN")[0].node("data").params == {
        "shape": [32, 3, 224, 224]  # the TRAIN data layer's batch_size and crop_size
    }
    assert cli.main(["summary", path, "--phase", "TEST"]) == 0
    test = capsys.readouterr().out
    assert "loss1/top-1 (Accuracy)" in test and "loss2/top-5 (Accuracy)" in test
    assert "loss1/loss (CrossEntropyLoss)" in test  # as in Caffe's own TEST net
    assert _loaded("googlenet_train_val.prototxt")[0].node("data").params["shape"][0] == 50


SMALL_FILES = [f for f in FILES if (CAFFE / f).stat().st_size < 40_000] if FILES else []


@st.composite
def _mutated(draw: st.DrawFn) -> bytes:
    data = bytearray((CAFFE / draw(st.sampled_from(SMALL_FILES))).read_bytes())
    for _ in range(draw(st.integers(1, 4))):
        at = draw(st.integers(0, len(data) - 1))
        kind = draw(st.sampled_from(["flip", "truncate", "delete", "brace", "junk"]))
        if kind == "flip":
            data[at] ^= 1 << draw(st.integers(0, 7))
        elif kind == "truncate":
            del data[at:]
        elif kind == "delete":
            del data[at : at + draw(st.integers(1, 40))]
        elif kind == "brace":
            data[at:at] = draw(st.sampled_from([b"{", b"}", b"[", b"]", b": {", b"<"]))
        else:
            data[at:at] = draw(st.binary(min_size=1, max_size=8))
        if not data:
            break
    return bytes(data)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_mutated(), st.sampled_from(["TEST", "TRAIN"]))
def test_mutated_files_give_a_format_error_or_a_graph(data: bytes, phase: str) -> None:
    try:
        graph = caffe.load(data, {"phase": phase})
    except FormatError as problem:
        lines = data.decode("utf-8", "replace").split("\n")
        assert 1 <= problem.line <= len(lines), problem
        assert 1 <= problem.column <= len(lines[problem.line - 1]) + 1, problem
        return
    analyze(graph)  # whatever was read can be analysed without raising
    try:
        written = caffe.dump(graph, {})
    except UnsupportedError:
        return  # e.g. a data layer whose shape the damage removed: refused, by name
    caffe.load(written, {"phase": phase})


def test_segnet_unpools_back_to_the_camvid_size() -> None:
    """SegNet tutorial: 11 classes at 360×480 (the size the file leaves to the data)."""
    data = (CAFFE / "segnet_basic_inference.prototxt").read_bytes()
    graph, a = service.open_model(data, "segnet.prototxt", input_shapes={"data": [1, 3, 360, 480]})
    assert a.ok, a.errors
    assert graph.node("upsample4").type == "MaxUnpool2d"
    assert _shape(a, "upsample4") == (1, 64, 45, 60)  # pad_out_h: 23·2 - 1
    assert _shape(a, "prob") == (1, 11, 360, 480)
