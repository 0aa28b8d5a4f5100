"""Oracle: real exports of the torchvision zoo and of GPT-2- / BERT-style stacks.

The model zoo's Python (tests/zoo.py) exports each model with torch's own exporters and
measures it in torch; here every file is imported and checked against those facts and
against onnxruntime run on the file with every intermediate tensor exposed:

- the totals are complete;
- parameters equal the learnable tensors the file holds (floating-point initializers the
  graph reads, BatchNorm statistics aside, each name torch gave once); for the TorchScript
  exporter, which folds nothing else, also torch's count (tied weights once) minus the
  BatchNorm parameters folded into the convolution before them. The dynamo exporter's
  optimiser may fold more (a position table gathered by constant ids, a zero bias
  dropped), so its files are checked against what they hold;
- MACs equal FlopCounterMode / 2 (math attention) within 1%;
- every layer named after an ONNX node has the shape onnxruntime produced for it.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from netcanvas import service
from netcanvas.render.fold import find_folds
from tests.conftest import need
from tests.formats.test_onnx_export import check_export
from tests.formats.test_pytorch import check_pytorch
from tests.zoo import run_zoo

pytestmark = pytest.mark.oracle

need("onnx")
need("onnxruntime")
import onnx  # noqa: E402
import onnxruntime as ort  # noqa: E402
from onnx import helper  # noqa: E402

# TorchScript exporter (opset 17) for all; the dynamo exporter (opset 18) for a CNN, a
# language model and two vision transformers (it writes GELU, as_strided and the
# de-duplicated parameters its own way; Swin's window masks read fill values several
# masks share). vit_b_16 / swin_t / convnext_tiny / maxvit_t are the transformers of the
# torchvision zoo that ONNX import used to get wrong.
MODELS = [
    "resnet18", "mobilenet_v3_small", "efficientnet_b0", "densenet121", "convnext_tiny",
    "swin_t", "vit_b_16", "maxvit_t", "gpt2", "bert", "resnet18@dynamo", "gpt2@dynamo",
    "vit_b_16@dynamo", "swin_t@dynamo",
]  # fmt: skip


@pytest.fixture(scope="module")
def zoo(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    out = tmp_path_factory.mktemp("onnx-zoo")
    script = Path(__file__).with_name("zoo_onnx_export.py")
    facts: dict[str, Any] = run_zoo(script, str(out), *MODELS, timeout=1200)
    return facts


def _measured(path: Path, inputs: dict[str, Any]) -> dict[str, list[int]]:
    """onnxruntime's shape of every node output (exposed as graph outputs)."""
    model = onnx.load(str(path))
    typed = onnx.shape_inference.infer_shapes(model)
    elem = {v.name: v.type.tensor_type.elem_type for v in typed.graph.value_info}
    known = {o.name for o in model.graph.output}
    extra = [
        o
        for n in model.graph.node
        for o in n.output
        if o and o not in known and elem.get(o, 0) != 0
    ]
    model.graph.output.extend(helper.make_tensor_value_info(o, elem[o], None) for o in extra)
    options = ort.SessionOptions()
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_DISABLE_ALL
    session = ort.InferenceSession(
        model.SerializeToString(), options, providers=["CPUExecutionProvider"]
    )
    names = [o.name for o in session.get_outputs()]
    return {n: list(v.shape) for n, v in zip(names, session.run(names, inputs), strict=True)}


def _file_params(path: Path) -> int:
    """The values of the learnable tensors a file holds, read with onnx alone."""
    graph = onnx.load(str(path), load_external_data=False).graph
    read = {i for n in graph.node for i in n.input}
    stats = {n.input[k] for n in graph.node if n.op_type == "BatchNormalization" for k in (3, 4)}
    floating = (onnx.TensorProto.FLOAT, onnx.TensorProto.FLOAT16, onnx.TensorProto.DOUBLE)
    sizes = {
        t.name: int(np.prod(t.dims))
        for t in graph.initializer
        if t.data_type in floating and int(np.prod(t.dims)) > 1
    }
    total = sum(size for name, size in sizes.items() if name in read and name not in stats)
    # torch's exporter stores equal parameters once and names the others with Identity.
    return total + sum(
        sizes[n.input[0]]
        for n in graph.node
        if n.op_type == "Identity" and n.input[0] in sizes and n.output[0] not in stats
    )


def _feeds(path: Path) -> dict[str, Any]:
    model = onnx.load(str(path), load_external_data=False)
    inits = {t.name for t in model.graph.initializer}
    feeds = {}
    for value in model.graph.input:
        if value.name in inits:
            continue
        shape = [d.dim_value or 1 for d in value.type.tensor_type.shape.dim]
        if value.type.tensor_type.elem_type == onnx.TensorProto.INT64:
            feeds[value.name] = np.random.default_rng(0).integers(0, 500, shape)
        else:
            feeds[value.name] = np.random.default_rng(0).standard_normal(shape).astype(np.float32)
    return feeds


@pytest.mark.parametrize("spec", MODELS)
def test_zoo_export_imports_exactly(zoo: dict[str, Any], spec: str) -> None:
    name, _, how = spec.partition("@")
    facts = zoo[name + ("_dynamo" if how else "")]
    path = Path(facts["path"])
    graph, analysis = service.open_file(path)
    assert analysis.complete, analysis.warnings[-3:]
    assert analysis.params == _file_params(path)
    if not how:
        assert analysis.params == facts["params"] - facts["folded_bn"]
    assert analysis.macs == pytest.approx(facts["macs"], rel=0.01)
    measured = _measured(path, _feeds(path))
    by_node = {n.name: n.output for n in onnx.load(str(path), load_external_data=False).graph.node}
    compared = 0
    for result in analysis.nodes:
        outputs = by_node.get(result.name)
        if not outputs or outputs[0] not in measured:
            continue  # a layer netcanvas named itself (a fused Linear, a view)
        assert list(result.output_shapes[0] or ()) == measured[outputs[0]], result.name
        compared += 1
    assert compared >= len(analysis.nodes) // 2
    final = [r for r in analysis.nodes if not any(r.name in n.inputs for n in graph.nodes)]
    assert any(list(r.output_shapes[0] or ()) == facts["output"] for r in final)


@pytest.mark.parametrize("spec", ["resnet18", "resnet18@dynamo", "bert"])
def test_scopes_are_the_module_tree(zoo: dict[str, Any], spec: str) -> None:
    """Each layer's scope is the torch module it ran in (from the node names the
    TorchScript exporter writes, or the dynamo exporter's name scopes), so --depth and
    folding see modules; each top-level module's layers hold its parameters."""
    name, _, how = spec.partition("@")
    facts = zoo[name + ("_dynamo" if how else "")]
    graph, analysis = service.open_file(Path(facts["path"]))
    top = {n.scope.split(".")[0] for n in graph.nodes if n.scope}
    holding = {m for m, params in facts["modules"].items() if params}
    assert top and top <= set(facts["modules"])
    held: dict[str, int] = {}
    for node in graph.nodes:
        module = node.scope.split(".")[0]
        held[module] = held.get(module, 0) + analysis[node.name].params
    if not how:  # TorchScript folds no BatchNorm: every module's count is torch's
        assert holding & top
        for module in holding & top:
            assert held[module] == facts["modules"][module], module


def _figure_width(path: Path, tmp: Path) -> float:
    out = tmp / f"{path.stem}.svg"
    done = subprocess.run(
        [sys.executable, "-m", "netcanvas", "render", str(path), "-o", str(out)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    width = re.search(r'<svg[^>]* width="([0-9.]+)px"', out.read_text())
    assert width is not None
    return float(width.group(1))


def test_densenet_from_onnx_is_as_compact_as_its_caffe_twin(
    zoo: dict[str, Any], caffe_corpus: Path, tmp_path: Path
) -> None:
    """torchvision's DenseNet concatenates every earlier layer at every layer (joins of up
    to 25 inputs); those edges ride a bus beside the column, so the figure stays within
    2.5x the width of Caffe's DenseNet-121, which chains two-input concatenations (it
    was 80,007 px wide, 350x)."""
    onnx_width = _figure_width(Path(zoo["densenet121"]["path"]), tmp_path)
    caffe_width = _figure_width(caffe_corpus / "densenet121_deploy.prototxt", tmp_path)
    assert onnx_width <= 2.5 * caffe_width


@pytest.mark.parametrize(("name", "counts"), [("densenet121", [6, 12, 24, 16]), ("vit_b_16", [12])])
def test_fold_finds_the_repeated_modules(zoo: dict[str, Any], name: str, counts: list[int]) -> None:
    """--fold finds DenseNet-121's dense layers (one region each block: every layer reads
    every earlier one, so only the module tree shows the repeats) and ViT-B's encoder
    layers, as torchvision builds them."""
    graph, _ = service.open_file(Path(zoo[name]["path"]))
    assert [f.count for f in find_folds(graph)] == counts


# Every import has no opaque node (each layer has a registry type), so every model exports:
# the transformers' held tensors (class token, position tables, masks) are ConstantTensor
# layers, Swin's window cuts StridedSlice.
@pytest.mark.parametrize("spec", MODELS)
def test_imported_model_exports_to_onnx_and_pytorch(zoo: dict[str, Any], spec: str) -> None:
    """ONNX (checked, run by onnxruntime) and PyTorch code (built, run) of the imported
    model give every output the shape our analysis, and torch, gave it."""
    name, _, how = spec.partition("@")
    graph, analysis = service.open_file(Path(zoo[name + ("_dynamo" if how else "")]["path"]))
    assert not any(r.opaque for r in analysis.nodes)
    check_export(graph)
    check_pytorch(graph, device="meta")


# One of each kind of tensor a layer holds (convolution, BatchNorm statistics, layer scale,
# relative position bias, masks, position tables, tied weights, either exporter).
ROUND_TRIP = ["resnet18", "convnext_tiny", "swin_t", "vit_b_16", "gpt2", "bert", "gpt2@dynamo"]


@pytest.mark.parametrize("spec", ROUND_TRIP)
def test_onnx_to_onnx_keeps_the_weights_and_the_output_names(
    zoo: dict[str, Any], spec: str
) -> None:
    """The copy onnxruntime runs gives the original's outputs, under the original's names:
    every layer's tensors are the file's (masks, gathered tables and BatchNorm statistics
    included), found by role and layout (formats/onnx/weights.py)."""
    name, _, how = spec.partition("@")
    path = Path(zoo[name + ("_dynamo" if how else "")]["path"])
    graph, analysis = service.open_file(path)
    report: dict[str, Any] = {}
    copy = service.export_model(graph, "onnx", {"weights_report": report}, analysis)
    assert report == {"carried": True, "fresh": []}
    feeds = _feeds(path)
    runs = []
    for model in (str(path), copy):
        session = ort.InferenceSession(model, providers=["CPUExecutionProvider"])
        names = [o.name for o in session.get_outputs()]
        runs.append((names, session.run(names, feeds)))
    (names, before), (again, after) = runs
    assert again == names
    for a, b in zip(before, after, strict=True):
        scale = float(np.abs(a).max())
        assert scale > 1e-3  # outputs that carry the weights, not zeros
        np.testing.assert_allclose(b, a, rtol=1e-3, atol=1e-4 * scale)


@pytest.mark.parametrize(
    "spec", ["resnet18", "convnext_tiny", "vit_b_16", "gpt2", "bert", "gpt2@dynamo"]
)
def test_onnx_to_pytorch_code_keeps_the_weights(
    zoo: dict[str, Any], spec: str, tmp_path: Path
) -> None:
    """PyTorch code and the state_dict written beside it (pytorch_state.py): the module,
    its weights loaded, gives onnxruntime's outputs on the original (GPT-2's head tied to
    its token table, BatchNorm statistics, layer scales, class token and position tables)."""
    need("torch")
    import importlib.util

    import torch

    name, _, how = spec.partition("@")
    path = Path(zoo[name + ("_dynamo" if how else "")]["path"])
    graph, analysis = service.open_file(path)
    state = service.export_weights(graph, analysis)
    assert state is not None and state.fresh == []
    (tmp_path / f"model{state.suffix}").write_bytes(state.data)
    options = {"weights_file": f"model{state.suffix}"}
    (tmp_path / "model.py").write_bytes(service.export_model(graph, "pytorch", options, analysis))
    spec_ = importlib.util.spec_from_file_location(f"zoo_{path.stem}", tmp_path / "model.py")
    assert spec_ is not None and spec_.loader is not None
    code = importlib.util.module_from_spec(spec_)
    spec_.loader.exec_module(code)
    model = code.load_weights(code.Network()).eval()
    feeds = _feeds(path)
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    want = session.run(None, feeds)
    with torch.no_grad():
        got = model(*(torch.from_numpy(np.asarray(v)) for v in feeds.values()))
    for a, b in zip(want, [got] if isinstance(got, torch.Tensor) else got, strict=True):
        scale = float(np.abs(a).max())
        assert scale > 1e-3
        np.testing.assert_allclose(b.numpy(), a, rtol=1e-3, atol=1e-4 * scale)
