"""The schema-less protobuf text reader and writer."""

from __future__ import annotations

import math
import time

import pytest
from hypothesis import given
from hypothesis import strategies as st

from netcanvas.formats.base import FormatError
from netcanvas.formats.caffe import syntax as prototxt
from netcanvas.formats.caffe.syntax import Enum, Message, parse


def test_fields_blocks_and_repeated_fields() -> None:
    doc = parse(
        b"""
        name: "net"   # a comment
        layer { name: 'a' type: "Convolution" top: "a" top: "b" }
        layer: { name: "b" param { lr_mult: 1 } param { lr_mult: 2 } }
        """
    )
    assert doc["name"] == "net"
    assert [layer["name"] for layer in doc["layer"]] == ["a", "b"]
    assert doc["layer"][0]["top"] == ["a", "b"]
    assert doc["layer"][1]["param"] == [{"lr_mult": 1}, {"lr_mult": 2}]
    assert isinstance(doc["layer"][0], Message)
    assert (doc["layer"][0].line, doc["layer"][0].column) == (3, 15)


def test_scalars_enums_numbers_and_lists() -> None:
    doc = parse(
        b"a: MAX b: true c: False d: -3 e: 1.5e-3 f: .5 g: 2. h: 0x1F i: -inf j: nan "
        b"k: inf l: 7f m: [1, 2, 3] n: [] o: +4"
    )
    assert doc["a"] == "MAX" and isinstance(doc["a"], Enum)
    assert doc["b"] is True and doc["c"] is False
    assert doc["d"] == -3 and isinstance(doc["d"], int)
    assert doc["e"] == pytest.approx(0.0015)
    assert (doc["f"], doc["g"], doc["h"]) == (0.5, 2.0, 31)
    assert doc["i"] == -math.inf and math.isnan(doc["j"]) and doc["k"] == math.inf
    assert doc["l"] == 7.0 and isinstance(doc["l"], float)
    assert doc["m"] == [1, 2, 3] and doc["n"] == [] and doc["o"] == 4


def test_strings_escapes_and_concatenation() -> None:
    doc = parse(rb"""a: "x\ty\n\"q\" \x41\101\\" b: 'it\'s' c: "one" 'two' d: "\u00e9" """)
    assert doc["a"] == 'x\ty\n"q" AA\\'
    assert doc["b"] == "it's"
    assert doc["c"] == "onetwo"
    assert doc["d"] == "é"


def test_separators_and_angle_brackets() -> None:
    doc = parse(b"a: 1; b: 2, c < d: 3 >")
    assert doc == {"a": 1, "b": 2, "c": {"d": 3}}


@pytest.mark.parametrize(
    ("text", "line", "column", "words"),
    [
        (b"layer {\n  name: 'x'\n", 3, 1, "'}' expected"),
        (b"layer {\n  top: }\n", 2, 8, "value expected"),
        (b"a: 'open\n", 1, 4, "unterminated string"),
        (b"a: 1\nb ? 2", 2, 3, "unexpected character"),
        (b"a: 1\n}", 2, 1, "field name expected"),
        (b"a 1", 1, 3, "':' or '{' expected"),
        (b"a: [1 2]", 1, 7, "',' or ']' expected"),
        (b"a: 3x", 1, 4, "unexpected character"),
        (b'a: "\\q"', 1, 5, "unknown escape"),
        (b"a: 1\n\xff", 2, 1, "not UTF-8"),
        # A layer's brace left open: said at the next layer, not at the end of the file.
        (
            b"layer {\n  name: 'a'\n  param {\n    lr_mult: 1\n}\nlayer {\n  name: 'b'\n}\n"
            + b"layer { name: 'c' }\n" * 100,
            6,
            1,
            "the layer block opened at line 1, column 1 is not closed",
        ),
    ],
)
def test_errors_are_located(text: bytes, line: int, column: int, words: str) -> None:
    with pytest.raises(FormatError) as caught:
        parse(text)
    assert words in caught.value.message
    assert (caught.value.line, caught.value.column) == (line, column)


def test_deep_nesting_fails_cleanly_and_fast() -> None:
    text = b"a {" * 100_000 + b"}" * 100_000
    start = time.perf_counter()
    with pytest.raises(FormatError) as caught:
        parse(text)
    assert "nested deeper" in caught.value.message
    assert time.perf_counter() - start < 5
    parse(b"a {" * 99 + b"}" * 99)  # the limit itself is fine


def test_huge_input_is_refused_before_parsing() -> None:
    with pytest.raises(FormatError) as caught:
        parse(b" " * (prototxt.MAX_BYTES + 1))
    assert "larger than" in caught.value.message


def test_resnet152_parses_fast(caffe_corpus: object) -> None:
    from pathlib import Path

    data = (Path(str(caffe_corpus)) / "resnet152_deploy.prototxt").read_bytes()
    best = min(_timed(lambda: parse(data)) for _ in range(3))
    doc = parse(data)
    assert len(doc["layer"]) > 500
    assert best < 0.25  # generous for a loaded 2-core CI box; typically ~40 ms


def _timed(fn: object) -> float:
    start = time.perf_counter()
    fn()  # type: ignore[operator]
    return time.perf_counter() - start


_names = st.from_regex(r"[a-z_][a-z0-9_]{0,6}", fullmatch=True).filter(
    lambda s: s not in ("true", "false", "inf", "nan", "infinity")
)
_scalars = st.one_of(
    st.integers(-(2**40), 2**40),
    st.floats(allow_nan=False, width=64),
    st.booleans(),
    st.text(max_size=12),
    _names.map(lambda s: Enum(s.upper())),
)
_messages = st.recursive(
    st.dictionaries(_names, _scalars, max_size=4),
    lambda inner: st.dictionaries(
        _names,
        st.one_of(_scalars, inner, st.lists(_scalars, min_size=2, max_size=3)),
        max_size=4,
    ),
    max_leaves=20,
)


@given(_messages)
def test_writer_round_trips(message: dict[str, object]) -> None:
    text = prototxt.dump(message)
    assert parse(text) == message
