"""Caffe semantics on small hand-written nets: phases, data layers, in-place, export."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from netcanvas import cli
from netcanvas.analysis import Analysis, analyze
from netcanvas.formats import caffe, read
from netcanvas.formats.base import FormatError, UnsupportedError
from netcanvas.formats.caffe import syntax as prototxt
from netcanvas.graph.model import Graph, Node
from netcanvas.layers.detection import DetectionOutputParams
from tests.conftest import FIXTURES, need

SMALL = FIXTURES / "caffe" / "small_train_test.prototxt"
V1 = FIXTURES / "caffe" / "v1_layers.prototxt"


def _load(text: str | bytes | Path, **options: object) -> tuple[Graph, Analysis]:
    data = text.read_bytes() if isinstance(text, Path) else text
    graph = caffe.load(data.encode() if isinstance(data, str) else data, dict(options))
    return graph, analyze(graph, caffe.settle)


def _shape(analysis: Analysis, name: str, k: int = 0) -> tuple[int, ...] | None:
    out = analysis[name].output_shapes[k]
    return tuple(out) if out is not None else None


def _net(body: str, shape: str = "1 3 64 64") -> str:
    dims = " ".join(f"dim: {d}" for d in shape.split())
    return (
        f'layer {{ name: "data" type: "Input" top: "data" input_param {{ shape {{ {dims} }} }} }}\n'
        + body
    )


def test_test_phase_keeps_test_layers_with_their_shapes() -> None:
    graph, a = _load(SMALL)
    names = [n.name for n in graph.nodes]
    assert "test_data" in names and "train_data" not in names
    assert "acc" in names and "extra_loss" not in names
    assert a.ok, a.errors
    assert _shape(a, "test_data") == (10, 1, 32, 32)  # new_height/new_width, is_color false
    assert _shape(a, "label") == (10,)
    assert graph.node("label").params["dtype"] == "int64"
    assert _shape(a, "conv1") == (10, 8, 32, 32)
    assert a["loss"].output_shapes == [()]


def test_train_phase_and_stages() -> None:
    graph, a = _load(SMALL, phase="TRAIN")
    names = {n.name for n in graph.nodes}
    assert "train_data" in names and "acc" not in names and "extra_loss" not in names
    assert _shape(a, "train_data") == (64, 3, 28, 28)  # batch_size + crop_size
    assert any("channel count" in w for w in graph.warnings)
    graph, _ = _load(SMALL, phase="TRAIN", stages=["debug"])
    assert "extra_loss" in {n.name for n in graph.nodes}


def test_in_place_layers_chain_in_order_and_branches_read_the_last_writer() -> None:
    graph, a = _load(SMALL)
    chain = [graph.node(n) for n in ("bn1", "scale1", "relu1", "pool1")]
    assert [n.inputs for n in chain] == [["conv1"], ["bn1"], ["scale1"], ["relu1"]]
    assert [n.inplace for n in chain] == [True, True, True, False]
    assert graph.node("branch_a").inputs == ["pool1"] == graph.node("branch_b").inputs
    # In-place outputs are not counted twice in activation memory.
    assert a["relu1"].activation_bytes == 0 and a["conv1"].activation_bytes > 0


def test_caffe_counting_conventions() -> None:
    _, a = _load(SMALL)
    assert a["conv1"].params == 8 * 1 * 9 + 8
    assert a["bn1"].params == 0  # Caffe BatchNorm: statistics are buffers
    assert a["scale1"].params == 2 * 8  # Scale with bias: 2·C
    assert a["branch_b"].params == 8 * 4  # bias_term: false


def test_multiple_tops_become_numbered_outputs() -> None:
    graph, a = _load(SMALL)
    assert graph.node("fc").inputs == ["halves:1"]
    assert _shape(a, "halves", 0) == (10, 1, 16, 16)
    assert _shape(a, "halves", 1) == (10, 3, 16, 16)
    assert _shape(a, "fc") == (10, 10)  # InnerProduct flattens C×H×W
    assert a["fc"].params == 3 * 16 * 16 * 10 + 10


def test_eltwise_operations() -> None:
    graph, _ = _load(SMALL)
    assert graph.node("sum").type == "Add"
    assert graph.node("sum").params == {"coeff": [1.0, -1.0]}
    body = "".join(
        f'layer {{ name: "{op}" type: "Eltwise" bottom: "data" bottom: "data" top: "{op}" '
        f"eltwise_param {{ operation: {op} }} }}\n"
        for op in ("PROD", "MAX")
    )
    graph, a = _load(_net(body))
    assert [graph.node(op).type for op in ("PROD", "MAX")] == ["Multiply", "Maximum"]
    assert _shape(a, "MAX") == (1, 3, 64, 64)


def test_pooling_rounding_matches_caffe_and_torch() -> None:
    """ethereon/netscope#25: 64×64, k3 p1 s2 -> conv 32, Caffe pool (CEIL) 33, FLOOR 32."""
    pools = {
        "ceil": "",
        "floor": "round_mode: FLOOR",
        "fork": "ceil_mode: false",
    }
    body = 'layer { name: "conv" type: "Convolution" bottom: "data" top: "conv"\n'
    body += "  convolution_param { num_output: 2 kernel_size: 3 pad: 1 stride: 2 } }\n"
    for name, extra in pools.items():
        body += (
            f'layer {{ name: "{name}" type: "Pooling" bottom: "data" top: "{name}"\n'
            f"  pooling_param {{ pool: MAX kernel_size: 3 pad: 1 stride: 2 {extra} }} }}\n"
        )
    _, a = _load(_net(body))
    assert _shape(a, "conv")[2:] == (32, 32)  # type: ignore[index]
    assert _shape(a, "ceil")[2:] == (33, 33)  # type: ignore[index]
    assert _shape(a, "floor")[2:] == (32, 32)  # type: ignore[index]
    assert _shape(a, "fork")[2:] == (32, 32)  # type: ignore[index]
    need("torch")
    import torch

    x = torch.zeros(1, 3, 64, 64)
    assert torch.nn.MaxPool2d(3, 2, 1, ceil_mode=True)(x).shape[2:] == (33, 33)


def test_global_pooling_keeps_one_by_one() -> None:
    body = (
        'layer { name: "gap" type: "Pooling" bottom: "data" top: "gap"\n'
        "  pooling_param { pool: AVE global_pooling: true } }\n"
    )
    _, a = _load(_net(body, "2 5 7 9"))
    assert _shape(a, "gap") == (2, 5, 1, 1)


def test_crop_defaults_to_axis_2_and_concat_dim() -> None:
    body = """
layer { name: "ref" type: "Input" top: "ref"
  input_param { shape { dim: 1 dim: 1 dim: 50 dim: 40 } } }
layer { name: "crop" type: "Crop" bottom: "data" bottom: "ref" top: "crop"
  crop_param { offset: 5 } }
layer { name: "cat" type: "Concat" bottom: "crop" bottom: "crop" top: "cat"
  concat_param { concat_dim: 1 } }
"""
    _, a = _load(_net(body))
    assert _shape(a, "crop") == (1, 3, 50, 40)
    assert _shape(a, "cat") == (1, 6, 50, 40)


def test_caffe_only_types() -> None:
    body = """
layer { name: "p" type: "Power" bottom: "data" top: "p" power_param { power: 2 shift: 1 } }
layer { name: "e" type: "Exp" bottom: "p" top: "e" }
layer { name: "l" type: "Log" bottom: "e" top: "l" log_param { base: 10 } }
layer { name: "abs" type: "AbsVal" bottom: "l" top: "abs" }
layer { name: "bnll" type: "BNLL" bottom: "abs" top: "bnll" }
layer { name: "t" type: "Threshold" bottom: "bnll" top: "t" threshold_param { threshold: 0.5 } }
layer { name: "s" type: "Scale" bottom: "t" top: "s" }
layer { name: "b" type: "Bias" bottom: "s" top: "b" }
layer { name: "tile" type: "Tile" bottom: "b" top: "tile" tile_param { axis: 2 tiles: 3 } }
layer { name: "red" type: "Reduction" bottom: "tile" top: "red" reduction_param { axis: 1 } }
layer { name: "mvn" type: "MVN" bottom: "data" top: "mvn" }
layer { name: "am" type: "ArgMax" bottom: "data" top: "am" argmax_param { top_k: 4 } }
"""
    graph, a = _load(_net(body, "2 3 4 5"))
    assert a.ok, a.errors
    types = {n.name: n.type for n in graph.nodes}
    assert types["bnll"] == "Softplus" and types["t"] == "BinaryThreshold"
    assert types["abs"] == "Abs"
    assert a["s"].params == 3 and a["b"].params == 3
    assert _shape(a, "tile") == (2, 3, 12, 5)
    assert _shape(a, "red") == (2,)
    assert _shape(a, "am") == (2, 1, 4)


def test_v1_layers_and_input_dim_header() -> None:
    graph, a = _load(V1)
    assert a.ok, a.errors
    assert _shape(a, "data") == (2, 3, 20, 20)
    assert _shape(a, "im_info") == (2, 3, 1, 1)
    assert _shape(a, "conv1") == (2, 6, 18, 16)  # kernel_h 3, kernel_w 5
    assert graph.node("relu1").inplace
    assert _shape(a, "pool1") == (2, 6, 9, 8)
    assert _shape(a, "prob") == (2, 7)
    kept = prototxt.parse(graph.node("conv1").meta["caffe"]["fields"])
    assert kept["param"] == [{"lr_mult": 1, "decay_mult": 1}, {"lr_mult": 2, "decay_mult": 0}]


def test_data_layer_without_a_shape_warns_and_names_the_option() -> None:
    text = """
layer { name: "mnist" type: "Data" top: "data" top: "label" data_param { batch_size: 64 } }
layer { name: "ip" type: "InnerProduct" bottom: "data" top: "ip"
  inner_product_param { num_output: 3 } }
"""
    graph, a = _load(text)
    assert a.ok
    assert any("--input-shape mnist=N,C,H,W" in w for w in graph.warnings)
    assert _shape(a, "label") == (64,)
    assert _shape(a, "ip") is None


def test_unknown_blob_becomes_an_input_not_an_error() -> None:
    graph, a = _load('layer { name: "r" type: "ReLU" bottom: "x" top: "r" }')
    assert graph.node("x").type == "Input" and a.ok
    assert "x" in graph.warnings[0]


def test_opaque_layers_keep_every_field() -> None:
    text = _net(
        'layer { name: "odd" type: "MyLayer" bottom: "data" top: "odd"\n'
        '  my_param { alpha: 2 mode: FAST name: "x" } propagate_down: false }'
    )
    graph, a = _load(text)
    node = graph.node("odd")
    assert a["odd"].opaque
    assert node.params == {
        "my_param": {"alpha": 2, "mode": "FAST", "name": "x"},
        "propagate_down": False,
    }
    written = prototxt.parse(caffe.dump(graph, {}))
    layer = written["layer"][1]
    assert layer["type"] == "MyLayer"
    assert layer["my_param"] == {"alpha": 2, "mode": "FAST", "name": "x"}
    assert isinstance(layer["my_param"]["mode"], prototxt.Enum)  # still an enum, unquoted


def test_export_restores_in_place_layers_and_extras() -> None:
    graph, _ = _load(SMALL)
    doc = prototxt.parse(caffe.dump(graph, {}))
    layers = {layer["name"]: layer for layer in doc["layer"]}
    assert layers["relu1"]["bottom"] == "conv1" and layers["relu1"]["top"] == "conv1"
    assert layers["test_data"]["top"] == ["data", "label"]
    assert layers["test_data"]["type"] == "ImageData"
    conv = layers["conv1"]
    assert conv["convolution_param"]["weight_filler"] == {"type": "xavier"}
    assert conv["convolution_param"]["engine"] == "CAFFE"
    assert conv["param"][1] == {"lr_mult": 2, "decay_mult": 0}
    assert layers["halves"]["top"] == ["half_a", "half_b"]
    assert layers["acc"]["exclude"] == {"phase": "TRAIN"}


def test_export_breaks_in_place_when_a_later_reader_needs_the_old_value() -> None:
    graph = Graph(
        "g",
        [
            Node("x", "Input", {"shape": [1, 2, 4, 4]}),
            Node("relu", "ReLU", {}, ["x"], inplace=True),
            Node("add", "Add", {}, ["x", "relu"]),
        ],
    )
    doc = prototxt.parse(caffe.dump(graph, {}))
    layers = {layer["name"]: layer for layer in doc["layer"]}
    assert layers["relu"]["top"] == "relu"
    assert layers["add"]["bottom"] == ["x", "relu"]


def test_export_lists_every_unsupported_type_in_one_error() -> None:
    graph = Graph(
        "g",
        [
            Node("x", "Input", {"shape": [1, 4, 8]}),
            Node("g1", "GELU", {}, ["x"]),
            Node("g2", "GELU", {}, ["g1"]),
            Node("enc", "TransformerEncoderLayer", {"nhead": 2}, ["g2"]),
        ],
    )
    with pytest.raises(UnsupportedError) as caught:
        caffe.dump(graph, {})
    message = str(caught.value)
    assert "GELU" in message and "g1, g2" in message and "TransformerEncoderLayer" in message


def test_format_table_knows_prototxt() -> None:
    graph = read(SMALL.read_bytes(), "net.prototxt")
    assert graph.name == "small"
    assert read(SMALL.read_bytes(), "pasted.txt").name == "small"  # found by sniffing


def test_cli_reports_file_line_column_and_exits_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "bad.prototxt"
    bad.write_text('layer {\n  name: "x"\n  top: }\n')
    assert cli.main(["summary", str(bad)]) == 2
    assert capsys.readouterr().err.strip() == f"{bad}:3:8: a value expected, got '}}'"


def test_cli_converts_prototxt_to_yaml_json_and_back(tmp_path: Path) -> None:
    first = analyze(caffe.load(V1.read_bytes(), {}))
    for ext in ("yaml", "json"):
        middle = tmp_path / f"net.{ext}"
        back = tmp_path / f"back_{ext}.prototxt"
        assert cli.main(["convert", str(V1), "-o", str(middle)]) == 0
        assert cli.main(["convert", str(middle), "-o", str(back)]) == 0
        again = analyze(caffe.load(back.read_bytes(), {}))
        assert [(n.name, n.output_shapes, n.params, n.macs) for n in again.nodes] == [
            (n.name, n.output_shapes, n.params, n.macs) for n in first.nodes
        ]


def test_layer_without_type_is_a_located_error() -> None:
    with pytest.raises(FormatError) as caught:
        caffe.load(b'name: "n"\nlayer {\n  name: "x"\n}\n', {})
    assert (caught.value.line, caught.value.column) == (2, 7)


def test_editor_graph_exports_to_equivalent_caffe_layers() -> None:
    """PyTorch-style modules Caffe splits in two (affine BatchNorm, global pooling)."""
    graph = Graph(
        "editor",
        [
            Node("x", "Input", {"shape": [2, 3, 16, 16]}),
            Node(
                "conv",
                "Conv2d",
                {"out_channels": 8, "kernel_size": [3, 5], "padding": [1, 2]},
                ["x"],
            ),
            Node("bn", "BatchNorm2d", {}, ["conv"]),
            Node("act", "LeakyReLU", {"negative_slope": 0.2}, ["bn"], inplace=True),
            Node("gap", "GlobalAvgPool2d", {}, ["act"]),
            Node("fc", "Linear", {"out_features": 5}, ["gap"]),
        ],
    )
    first = analyze(graph)
    text = caffe.dump(graph, {})
    layers = {layer["name"]: layer for layer in prototxt.parse(text)["layer"]}
    assert layers["bn/scale"]["type"] == "Scale" and layers["bn/scale"]["top"] == "bn"
    assert layers["act"]["bottom"] == layers["act"]["top"] == "bn"
    assert layers["conv"]["convolution_param"]["kernel_h"] == 3
    again = analyze(caffe.load(text, {}))
    assert again.ok, again.errors
    assert (again.params, again.macs) == (first.params, first.macs)
    assert again["fc"].output_shapes == first["fc"].output_shapes == [(2, 5)]


def test_settings_that_depend_on_the_input_shape_are_settled() -> None:
    body = """
layer { name: "prelu" type: "PReLU" bottom: "data" top: "prelu" }
layer { name: "shared" type: "PReLU" bottom: "data" top: "shared"
  prelu_param { channel_shared: true } }
layer { name: "ip" type: "InnerProduct" bottom: "prelu" top: "ip"
  inner_product_param { num_output: 6 } }
layer { name: "bn" type: "BatchNorm" bottom: "ip" top: "ip" }
"""
    graph, a = _load(_net(body, "2 5 4 4"))
    assert a.ok, a.errors
    assert a["prelu"].params == 5 and a["shared"].params == 1
    assert graph.node("bn").type == "BatchNorm1d"  # after InnerProduct the blob is N×C
    need("torch")
    import torch

    assert sum(p.numel() for p in torch.nn.PReLU(5).parameters()) == a["prelu"].params


@pytest.mark.parametrize(
    ("text", "where", "named"),
    [
        (
            'layer { name: "c" type: "Convolution" bottom: "d" top: "c"\n'
            '  convolution_param { num_output: "many" } }',
            (1, 7),
            "layer 'c'",
        ),
        ('input: "d"\ninput_dim: "one"', (1, 1), "input header"),
        (
            'layer { name: "d" type: "Input" top: "d" input_param { shape { dim: x } } }',
            (1, 7),
            "layer 'd'",
        ),
    ],
)
def test_values_of_the_wrong_kind_are_format_errors(
    text: str, where: tuple[int, int], named: str
) -> None:
    with pytest.raises(FormatError) as caught:
        caffe.load(text.encode(), {})
    assert (caught.value.line, caught.value.column) == where
    assert caught.value.message.startswith(named + ": ")


def test_export_of_hand_edited_params_fails_cleanly() -> None:
    graph = Graph(
        "g", [Node("x", "Input", {"shape": [1, 2, 8, 8]}), Node("p", "Permute", {"dims": 5}, ["x"])]
    )
    with pytest.raises(UnsupportedError):
        caffe.dump(graph, {})


def test_export_with_broken_kept_fields_is_unsupported_not_a_crash() -> None:
    node = Node("r", "ReLU", {}, ["x"], meta={"caffe": {"type": "ReLU", "fields": "param {"}})
    graph = Graph("g", [Node("x", "Input", {"shape": [1, 2]}), node])
    with pytest.raises(UnsupportedError) as caught:
        caffe.dump(graph, {})
    assert "meta.caffe.fields" in str(caught.value)


def test_small_floats_survive_the_yaml_round_trip(tmp_path: Path) -> None:
    source = tmp_path / "bn.prototxt"
    source.write_text(_net('layer { name: "bn" type: "BatchNorm" bottom: "data" top: "data" }'))
    middle = tmp_path / "bn.yaml"
    assert cli.main(["convert", str(source), "-o", str(middle)]) == 0
    assert cli.main(["summary", str(middle)]) == 0


def test_reader_warnings_reach_the_summary_but_not_the_document(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = tmp_path / "net.prototxt"
    source.write_text(
        'layer { name: "mnist" type: "Data" top: "data" top: "label"'
        " data_param { batch_size: 4 } }\n"
        'layer { name: "ip" type: "InnerProduct" bottom: "data" top: "ip"'
        " inner_product_param { num_output: 10 } }\n"
    )
    # The data layer's shape is unknown, so the totals are a lower bound: exit 1 (DESIGN 5).
    assert cli.main(["summary", str(source), "--json"]) == 1
    summary = json.loads(capsys.readouterr().out)
    warnings = summary["warnings"]
    assert any("--input-shape mnist=" in w for w in warnings)
    assert summary["totals"]["complete"] is False
    assert any(w.startswith("the totals are a lower bound: 2 layer(s)") for w in warnings)
    out = tmp_path / "net.yaml"
    assert cli.main(["convert", str(source), "-o", str(out)]) == 0
    assert "input-shape" not in out.read_text()


# --- SSD's DetectionOutput: the file's settings, Caffe's defaults, nms_param nested ----------

DETECTION_HEAD = """
layer { name: "image" type: "Input" top: "image"
  input_param { shape { dim: 1 dim: 3 dim: 100 dim: 100 } } }
layer { name: "features" type: "Input" top: "features"
  input_param { shape { dim: 1 dim: 8 dim: 5 dim: 5 } } }
layer { name: "priors" type: "PriorBox" bottom: "features" bottom: "image" top: "priors"
  prior_box_param { min_size: 30 max_size: 60 aspect_ratio: 2 flip: true
    variance: 0.1 variance: 0.1 variance: 0.2 variance: 0.2 } }
layer { name: "loc" type: "Input" top: "loc" input_param { shape { dim: 1 dim: 400 } } }
layer { name: "conf" type: "Input" top: "conf" input_param { shape { dim: 1 dim: 300 } } }
layer { name: "detections" type: "DetectionOutput"
  bottom: "loc" bottom: "conf" bottom: "priors" top: "detections"
  detection_output_param { %s } }
"""


def _detection_layer(doc: dict[str, object]) -> dict[str, object]:
    layers = doc["layer"]
    assert isinstance(layers, list)
    found = [layer for layer in layers if layer["type"] == "DetectionOutput"]
    assert len(found) == 1
    return dict(found[0])


@pytest.mark.parametrize("name", ["mobilenet_ssd_deploy.prototxt", "ssd300_vgg16_deploy.prototxt"])
def test_ssd_detection_settings_are_the_files_and_survive_a_round_trip(
    name: str, caffe_corpus: Path
) -> None:
    data = (caffe_corpus / name).read_bytes()
    block = _detection_layer(prototxt.parse(data.decode()))["detection_output_param"]
    assert isinstance(block, dict)
    expected = {
        "num_classes": block["num_classes"],
        "keep_top_k": block["keep_top_k"],
        "top_k": block["nms_param"]["top_k"],
        "nms_threshold": block["nms_param"]["nms_threshold"],
        "confidence_threshold": block["confidence_threshold"],
    }
    graph = caffe.load(data, {})
    [head] = [n for n in graph.nodes if n.type == "DetectionOutput"]
    assert head.params == expected
    written = caffe.dump(graph, {})
    again = _detection_layer(prototxt.parse(written))["detection_output_param"]
    assert again["nms_param"] == block["nms_param"]  # nested, as Caffe's proto has them
    assert str(again["code_type"]) == "CENTER_SIZE"
    assert not {"top_k", "nms_threshold"} & set(again)
    if "save_output_param" in block:  # a setting we do not use is kept verbatim
        assert again["save_output_param"] == block["save_output_param"]
    [back] = [n for n in caffe.load(written, {}).nodes if n.type == "DetectionOutput"]
    assert back.params == expected
    assert analyze(graph)[head.name].output_shapes == [(1, 1, expected["keep_top_k"], 7)]


def test_omitted_detection_settings_take_caffes_defaults_and_run_like_caffe() -> None:
    """caffe.proto: nms_threshold 0.3, top_k and confidence_threshold unset (all boxes,
    threshold -FLT_MAX), keep_top_k -1. The ONNX export, run, matches the reference
    transcription of Caffe's algorithm under those settings, low scores included."""
    import numpy as np

    from tests.formats.test_onnx_detection import assert_caffe_rows, run_detection

    graph = caffe.load((DETECTION_HEAD % "num_classes: 3 code_type: CENTER_SIZE").encode(), {})
    params = graph.node("detections").params
    assert params == {
        "num_classes": 3,
        "keep_top_k": -1,
        "top_k": -1,
        "nms_threshold": pytest.approx(0.3),
        "confidence_threshold": float(np.finfo(np.float32).min),
    }
    graph.nodes.append(Node("priors_out", "Identity", {}, ["priors"]))
    # A seed whose detections include scores under 0.01, the lowest threshold SSD sets.
    ours, reference = run_detection(graph, seed=14)
    assert reference.rows[:, 2].min() < 0.01
    assert_caffe_rows(ours, reference.rows)
    written = _detection_layer(prototxt.parse(caffe.dump(graph, {})))["detection_output_param"]
    assert "confidence_threshold" not in written and "top_k" not in written["nms_param"]
    assert caffe.load(caffe.dump(graph, {}), {}).node("detections").params == params


@pytest.mark.parametrize(
    ("settings", "named"),
    [
        ("code_type: CENTER_SIZE share_location: false", "share_location: false"),
        ("code_type: CENTER_SIZE background_label_id: -1", "background_label_id: -1"),
        ("code_type: CORNER", "code_type: CORNER"),
        ("", "code_type: CORNER (Caffe's default)"),
        ("code_type: CENTER_SIZE variance_encoded_in_target: true", "variance_encoded"),
        ("code_type: CENTER_SIZE nms_param { nms_threshold: 0.5 eta: 0.9 }", "eta"),
        ("code_type: CENTER_SIZE objectness_score: 0.01", "objectness_score"),
        ("code_type: CENTER_SIZE nms_param { top_k: 5 } top_k: 6", "top_k given twice"),
        ("code_type: CENTER_SIZE nms_param { top_k: 5 } nms_param { top_k: 6 }", "nms_param"),
    ],
)
def test_unsupported_detection_settings_are_not_silently_accepted(
    settings: str, named: str
) -> None:
    text = DETECTION_HEAD % f"num_classes: 3 {settings}"
    graph, a = _load(text)
    node = graph.node("detections")
    assert node.type == "CaffeDetectionOutput" and a["detections"].opaque
    assert any(w.startswith("detections:") and named in w for w in graph.warnings)
    # Written back exactly as read, so Caffe still runs what the file said.
    original = _detection_layer(prototxt.parse(text))["detection_output_param"]
    written = _detection_layer(prototxt.parse(caffe.dump(graph, {})))
    assert written["detection_output_param"] == original


def test_fork_flat_nms_settings_are_read_and_written_nested() -> None:
    text = DETECTION_HEAD % "num_classes: 3 code_type: CENTER_SIZE top_k: 7"
    graph, a = _load(text)
    assert a.ok, a.errors
    assert graph.node("detections").params["top_k"] == 7
    written = _detection_layer(prototxt.parse(caffe.dump(graph, {})))["detection_output_param"]
    assert written["nms_param"]["top_k"] == 7 and "top_k" not in written


def test_editor_detection_output_is_written_with_every_setting_nested() -> None:
    """Left-out params mean the registry's defaults, not Caffe's: all are written."""
    graph = caffe.load((DETECTION_HEAD % "num_classes: 3 code_type: CENTER_SIZE").encode(), {})
    node = graph.node("detections")
    node.params = {"num_classes": 4, "top_k": 50, "nms_threshold": 0.5}
    node.meta = {}
    block = _detection_layer(prototxt.parse(caffe.dump(graph, {})))["detection_output_param"]
    assert block["nms_param"] == {"nms_threshold": 0.5, "top_k": 50}
    assert not {"top_k", "nms_threshold"} & set(block)
    again = caffe.load(caffe.dump(graph, {}), {}).node("detections").params
    defaults = DetectionOutputParams().model_dump()
    assert again == {**defaults, "num_classes": 4, "top_k": 50, "nms_threshold": 0.5}


def test_detection_output_without_num_classes_is_not_given_one() -> None:
    graph, a = _load(DETECTION_HEAD % "code_type: CENTER_SIZE")  # Caffe refuses this file
    assert a["detections"].opaque
    assert any("num_classes missing" in w for w in graph.warnings)
