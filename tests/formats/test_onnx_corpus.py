"""Acceptance over real networks: every template and every Caffe corpus deploy net
exports to ONNX that ONNX checks, infers and runs with our shapes; every template's
PyTorch code runs with our shapes and parameter count, and so does its Keras code
where Keras can express the network."""

from __future__ import annotations

import re
from copy import deepcopy
from pathlib import Path

import pytest

from netcanvas import formats, service, templates
from netcanvas.formats import UnsupportedError
from netcanvas.graph.model import Graph
from netcanvas.layers import lookup
from tests.conftest import CORPUS
from tests.formats.test_keras import check_keras
from tests.formats.test_onnx_export import check_export
from tests.formats.test_pytorch import check_pytorch

pytestmark = pytest.mark.oracle

# Every net runs in the default suite: corpus nets at batch 1, the model serialised once
# (tests/formats/test_onnx_export.check_export) keep the heaviest (YOLO, FCN-8s) near 10 s.
SLUGS = templates.slugs()
TRAINING_ONLY = {"CrossEntropyLoss", "MSELoss", "Accuracy", "BCEWithLogitsLoss", "ContrastiveLoss"}
# Deploy nets: files without a loss or accuracy layer (V1 enums included); the
# train/test files describe training, which ONNX and torch.nn inference do not.
_TRAINING_LAYER = re.compile(r'type:\s*"?(\w*Loss|Accuracy|\w*_LOSS|ACCURACY)"?\s')
PROTOTXTS = [
    p.name
    for p in sorted((CORPUS / "caffe").glob("*.prototxt"))
    if not _TRAINING_LAYER.search(p.read_text())
]
# Layers with no torch.nn module (SSD's priors and post-processing, Faster R-CNN's ROI
# pooling and proposals, SegNet's unpooling indices): nets using them are refused by name.
NO_TORCH = {"DetectionOutput", "PriorBox", "ROIPooling", "MaxUnpool2d", "Proposal"}
# ONNX expresses priors (a constant), SSD's decoding and NMS (onnx_ops_detection), ROI
# pooling (MaxRoiPool) and unpooling (MaxUnpool): no corpus type is refused.
NO_ONNX: set[str] = set()
# Input shapes a corpus file leaves to its data layer, from corpus/caffe/REFERENCE.md.
DOCUMENTED_INPUTS = {"segnet_basic_inference.prototxt": {"data": [1, 3, 360, 480]}}
# Templates Keras refuses, with the type named (none since recurrent and attention layers
# became custom Keras layers; see test_keras for what it still refuses).
KERAS_REFUSED: dict[str, str] = {}


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
    # Inputs the file leaves open are set as REFERENCE.md documents them (SegNet's
    # pad_out_h upsampling sizes depend on them).
    shapes = DOCUMENTED_INPUTS.get(name, {})
    return service.open_model((caffe_corpus / name).read_bytes(), name, input_shapes=shapes)[0]


@pytest.mark.parametrize("name", PROTOTXTS)
@pytest.mark.parametrize("target", ["onnx", "pytorch"])
def test_corpus_deploy_net(target: str, name: str, caffe_corpus: Path) -> None:
    """Caffe -> ONNX runs in onnxruntime, Caffe -> PyTorch runs in torch, shapes equal."""
    graph = _corpus_net(name, caffe_corpus)
    types = {n.type for n in graph.nodes}
    assert not types & TRAINING_ONLY
    graph = at_batch_one(graph)  # shapes are as checkable at batch 1, and 10x cheaper
    refused = (types & (NO_ONNX if target == "onnx" else NO_TORCH)) | {
        t for t in types if lookup(t) is None
    }
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


def at_batch_one(graph: Graph) -> Graph:
    """The same net with every declared input batch set to 1."""
    copy = deepcopy(graph)
    for node in copy.nodes:
        shape = node.params.get("shape")
        if node.type == "Input" and shape:
            node.params["shape"] = [1, *shape[1:]]
    return copy


@pytest.mark.parametrize("slug", ["resnet18", "lstm_text_classifier", "squeezenet1_1"])
def test_template_onnx_with_dynamic_batch(slug: str) -> None:
    check_export(templates.get(slug).graph(), {"dynamic_batch": True}, batch=2)
