"""Caffe semantics on small hand-written nets: phases, data layers, in-place, export."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from netcanvas import cli
from netcanvas.formats import caffe, prototxt, read
from netcanvas.formats.base import FormatError, UnsupportedError
from netcanvas.graph.infer import Analysis, analyze
from netcanvas.graph.model import Graph, Node
from tests.conftest import FIXTURES, need

SMALL = FIXTURES / "caffe" / "small_train_test.prototxt"
V1 = FIXTURES / "caffe" / "v1_layers.prototxt"


def _load(text: str | bytes | Path, **options: object) -> tuple[Graph, Analysis]:
    data = text.read_bytes() if isinstance(text, Path) else text
    graph = caffe.load(data.encode() if isinstance(data, str) else data, dict(options))
    return graph, analyze(graph)


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


def test_python_proposal_layer_gets_its_known_shape() -> None:
    text = _net(
        'layer { name: "proposal" type: "Python" bottom: "data" top: "rois"\n'
        "  python_param { module: 'rpn.proposal_layer' layer: 'ProposalLayer' } }"
    )
    graph, a = _load(text)
    assert _shape(a, "proposal") == (300, 5)
    assert any("300" in w for w in graph.warnings)


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
    "text",
    [
        'layer { name: "c" type: "Convolution" bottom: "d" top: "c"\n'
        '  convolution_param { num_output: "many" } }',
        'input: "d"\ninput_dim: "one"',
        'layer { name: "d" type: "Input" top: "d" input_param { shape { dim: x } } }',
    ],
)
def test_values_of_the_wrong_kind_are_format_errors(text: str) -> None:
    with pytest.raises(FormatError) as caught:
        caffe.load(text.encode(), {})
    assert caught.value.line >= 1


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
    assert cli.main(["summary", str(source), "--json"]) == 0
    warnings = json.loads(capsys.readouterr().out)["warnings"]
    assert any("--input-shape mnist=" in w for w in warnings)
    out = tmp_path / "net.yaml"
    assert cli.main(["convert", str(source), "-o", str(out)]) == 0
    assert "input-shape" not in out.read_text()
