"""netcanvas YAML/JSON: round trip, shorthand, and located errors."""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from netcanvas.analysis import analyze
from netcanvas.formats import FormatError, native
from netcanvas.formats.native import json as native_json

DOC = """\
netcanvas: 1
name: tiny
layers:
  - {name: data, type: Input, shape: [1, 3, 32, 32]}
  - {name: conv1, type: Conv2d, padding: 1, out_channels: 16, kernel_size: 3}
  - {name: pool, type: MaxPool2d, inputs: [data], kernel_size: 2}
  - {name: head, type: Conv2d, out_channels: 4, kernel_size: [1, 1], bias: false}
  - {name: custom, type: MyCustomOp, min_size: 30.0, flip: true, note: "a: b"}
view:
  positions:
    conv1: [120, 40]
  style:
    name: graph
    theme: dark
    rankdir: LR
"""


def test_round_trip_keeps_everything_and_key_order() -> None:
    graph = native.load(DOC)
    assert [n.name for n in graph] == ["data", "conv1", "pool", "head", "custom"]
    assert graph.node("conv1").inputs == ["data"]  # sequential shorthand
    assert list(graph.node("conv1").params) == ["padding", "out_channels", "kernel_size"]
    assert graph.view["style"]["theme"] == "dark"
    text = native.dump(graph).decode()
    assert text == DOC
    again = native.load(text)
    assert native.to_document(again) == native.to_document(graph)


def test_json_is_the_same_document() -> None:
    graph = native.load(DOC)
    data = native_json.dump(graph)
    assert json.loads(data)["layers"][1]["out_channels"] == 16
    assert native.to_document(native_json.load(data)) == native.to_document(graph)


def test_output_k_references_and_names_default() -> None:
    graph = native.load(
        "layers:\n"
        "  - {type: Input, shape: [1, 4]}\n"
        "  - {type: Identity}\n"
        "  - {name: tap, type: Identity, inputs: 'input1:0'}\n"
    )
    assert [n.name for n in graph] == ["input1", "identity1", "tap"]
    assert graph.node("tap").inputs == ["input1:0"]
    assert analyze(graph)["tap"].output_shapes == [(1, 4)]


def located(text: str) -> FormatError:
    with pytest.raises(FormatError) as caught:
        native.load(text)
    return caught.value


def test_unknown_setting_is_located_at_its_key() -> None:
    error = located(
        "layers:\n  - {name: data, type: Input, shape: [1, 3, 8, 8]}\n"
        "  - {name: c, type: Conv2d, kernal_size: 3}\n"
    )
    assert (error.line, error.column) == (3, 29)
    assert "unknown setting 'kernal_size' for Conv2d" in error.message


def test_bad_value_is_located_at_its_value() -> None:
    error = located("layers:\n  - name: c\n    type: Conv2d\n    out_channels: -4\n")
    assert (error.line, error.column) == (4, 19)
    # Ours: the layer and the setting; what pydantic says after them is its own wording.
    assert error.message.startswith("layer 'c': out_channels: ")


def test_unknown_top_level_key_and_missing_layers() -> None:
    assert "unknown key 'layer'" in located("layer: []\n").message
    assert "no `layers`" in located("name: x\n").message
    assert located("netcanvas: 9\nlayers: []\n").message.startswith("format version 9")


def test_yaml_syntax_error_has_line_and_column() -> None:
    error = located("layers:\n  - {name: a, type: Input\n  - {}\n")
    # The mapping opened on line 2 is still open where line 3's "- {" cannot continue it.
    assert (error.line, error.column) == (3, 5)


def test_json_syntax_error_has_line_and_column() -> None:
    error = located('{\n  "layers": [\n    {"name": "a", "type": "Input",}\n  ]\n  "x": 1\n}')
    assert error.line >= 3


def test_duplicate_keys_are_refused() -> None:
    error = located("layers:\n  - {name: a, name: b, type: Input}\n")
    assert "duplicate key 'name'" in error.message and error.line == 2


def test_alias_bomb_is_refused_quickly() -> None:
    bomb = ["a: &a [x, x, x, x, x, x, x, x, x, x]"]
    for i in range(1, 9):
        bomb.append(f"{chr(97 + i)}: &{chr(97 + i)} [" + ", ".join([f"*{chr(96 + i)}"] * 10) + "]")
    bomb.append("layers: []")
    error = located("\n".join(bomb) + "\n")
    assert "aliases expand" in error.message


def test_binary_and_non_utf8_input() -> None:
    assert "UTF-8" in located(b"layers: [\xff\xfe]").message
    assert "NUL" in located(b"layers: []\x00").message


def test_only_safe_yaml() -> None:
    error = located("layers: !!python/object/apply:os.system ['true']\n")
    assert error.line == 1


@given(st.text(max_size=200))
def test_any_text_loads_or_raises_format_error(text: str) -> None:
    try:
        native.load(text)
    except FormatError:
        pass


@given(st.binary(max_size=200))
def test_any_bytes_load_or_raise_format_error(data: bytes) -> None:
    try:
        native.load(data)
    except FormatError:
        pass


@given(st.floats(allow_nan=False, allow_infinity=True))
def test_floats_survive_the_yaml_round_trip(value: float) -> None:
    doc = {"netcanvas": 1, "name": "f", "layers": [], "meta": {"x": value}}
    assert native.parse(native.to_yaml(doc))["meta"]["x"] == value
