"""Acceptance over real networks: every template and every Caffe corpus deploy net
exports to ONNX that ONNX checks, infers and runs with our shapes; every template's
PyTorch code runs with our shapes and parameter count, and so does its Keras code
where Keras can express the network."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from netcanvas import formats, templates
from netcanvas.formats import UnsupportedError
from netcanvas.graph.infer import analyze
from netcanvas.graph.model import Graph
from netcanvas.layers import lookup
from tests.conftest import CORPUS
from tests.formats.test_keras import check_keras
from tests.formats.test_onnx_export import check_export
from tests.formats.test_pytorch import check_pytorch

pytestmark = pytest.mark.oracle

# VGG/AlexNet-sized weights or UNet-sized arithmetic take seconds per net: marked slow.
HEAVY_PARAMS, HEAVY_MACS = 40_000_000, 10_000_000_000


def _mark(name: str, graph: Graph | None) -> Any:
    analysis = analyze(graph) if graph is not None else None
    heavy = analysis is not None and (analysis.params > HEAVY_PARAMS or analysis.macs > HEAVY_MACS)
    return pytest.param(name, marks=pytest.mark.slow) if heavy else name


def _read(path: Path) -> Graph | None:
    try:
        return formats.read(path.read_bytes(), path.name)
    except Exception:
        return None  # the test itself reports what is wrong


SLUGS = [_mark(s, templates.get(s).graph()) for s in templates.slugs()]
PROTOTXTS = [
    _mark(p.name, _read(p) if "prototxt" in formats.BY_NAME else None)
    for p in sorted((CORPUS / "caffe").glob("*.prototxt"))
]
TRAINING_ONLY = {"CrossEntropyLoss", "MSELoss", "Accuracy", "BCEWithLogitsLoss", "ContrastiveLoss"}
# Layers with no ONNX operator or torch.nn module (SSD post-processing, Faster R-CNN's
# ROI pooling, SegNet's unpooling indices): nets using them are refused by name.
NO_ONNX = {"DetectionOutput", "PriorBox", "ROIPooling", "MaxUnpool2d"}
# Keras refuses these templates for reasons tested in test_keras (parameter layouts).
KERAS_REFUSED = {"bert_base": "TransformerEncoderLayer", "lstm_text_classifier": "LSTM"}


@pytest.mark.parametrize("slug", SLUGS)
def test_template_onnx(slug: str) -> None:
    check_export(templates.get(slug).graph())


@pytest.mark.parametrize("slug", SLUGS)
def test_template_pytorch(slug: str) -> None:
    check_pytorch(templates.get(slug).graph(), device="meta")


@pytest.mark.parametrize("slug", SLUGS)
def test_template_keras(slug: str) -> None:
    graph = templates.get(slug).graph()
    if slug in KERAS_REFUSED:
        with pytest.raises(UnsupportedError, match=KERAS_REFUSED[slug]):
            formats.write(graph, "keras")
        return
    check_keras(graph, run=False)


def _corpus_net(name: str, caffe_corpus: Path) -> Graph:
    if "prototxt" not in formats.BY_NAME:
        pytest.skip("the prototxt format is not registered")
    return formats.read((caffe_corpus / name).read_bytes(), name)


@pytest.mark.parametrize("name", PROTOTXTS)
@pytest.mark.parametrize("target", ["onnx", "pytorch"])
def test_corpus_deploy_net(target: str, name: str, caffe_corpus: Path) -> None:
    """Caffe -> ONNX runs in onnxruntime, Caffe -> PyTorch runs in torch, shapes equal."""
    graph = _corpus_net(name, caffe_corpus)
    types = {n.type for n in graph.nodes}
    if types & TRAINING_ONLY:
        pytest.skip("a train/test net, not a deploy net")
    refused = (types & NO_ONNX) | {t for t in types if lookup(t) is None}
    if refused:
        with pytest.raises(UnsupportedError) as error:
            formats.write(graph, target)
        for type_name in refused:
            assert type_name in str(error.value)
        return
    if target == "onnx":
        check_export(graph)
    else:
        check_pytorch(graph, device="meta")


@pytest.mark.parametrize("slug", ["resnet18", "lstm_text_classifier", "squeezenet1_1"])
def test_template_onnx_with_dynamic_batch(slug: str) -> None:
    check_export(templates.get(slug).graph(), {"dynamic_batch": True}, batch=2)
