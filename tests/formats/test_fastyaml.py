"""The fast path for one-line layers gives exactly what libyaml gives, or steps aside."""

from __future__ import annotations

import random

import pytest

from netcanvas.formats import FormatError, native
from netcanvas.formats.native import fastyaml, reader
from netcanvas.formats.native.fastyaml import split_layers

WORDS = [
    "a", "b0_conv1", "Conv2d", "true", "false", "null", "x.y", "a/b", "a-b", "_", "0", "1",
    "-1", "64", "1.5", "1.0e-05", "-0", "0.0", "[]", "{}", "[1, 2]", "[a, [b, c]]", "{a: 1}",
    "{a: {b: [1]}}", "[[1, 2], [3]]", '"a b"', '"a: b"', '""', '"ä"', "tRUE", "nulls", "e5",
    "{a: 1, a: 2}", "[ 1 , 2 ]", "{ }", "[a,b]", "{a: [{b: {c: [1]}}]}",
    # words YAML 1.1 reads otherwise than JSON would, and lines the fast path refuses
    "yes", "No", "on", "OFF", "True", "y", "1e5", "01", "0x1F", "1_000", "'q'", '"\\u00e9"',
    ".inf", "~", "-", "a:b", "#c", "1:30", "+1", "2001-12-14", "1.5e05", "@x",
    # numbers at the edges of 64 bits and of float precision (orjson reads the block)
    "9223372036854775807", "-9223372036854775809", "18446744073709551616",
    "123456789012345678901234567890", "0.30000000000000004", "2.2250738585072011e-308",
    "1.0e+400", "-0.0", "4.9406564584124654e-324",
]  # fmt: skip


def _layer(rng: random.Random) -> str:
    keys = [rng.choice(["name", "type", "inputs", "k", "k", "x1", '"q k"']) for _ in range(5)]
    pairs = [f"{key}: {rng.choice(WORDS)}" for key in keys[: rng.randint(0, 5)]]
    return "{" + rng.choice([", ", ",", " , "]).join(pairs) + "}"


def _document(rng: random.Random) -> str:
    indent = rng.choice(["  ", "", "    "])
    lines = ["netcanvas: 1"] if rng.random() < 0.5 else []
    lines.append("layers:" + rng.choice(["", " "]))
    for _ in range(rng.randint(0, 4)):
        lines.append(rng.choice([f"{indent}- {_layer(rng)}"] * 4 + ["", f"{indent}- a", "  # c"]))
    if rng.random() < 0.5:
        lines.append(rng.choice(["view: {}", "meta: {a: 1}", "  x: 1", "- {a: 1}", "layers: []"]))
    return "\n".join(lines) + rng.choice(["\n", ""])


def _full(text: str) -> object:
    try:
        return reader.parse(text, located=True)
    except FormatError:
        return "error"


def test_fast_path_agrees_with_libyaml_on_random_documents() -> None:
    rng = random.Random(17)
    taken = 0
    for _ in range(3000):
        text = _document(rng)
        fast = split_layers(text, reader.parse, reader._unique_keys)
        if fast is not None:
            taken += 1
            assert repr(fast) == repr(_full(text)), text
    assert taken > 100  # the fast path is really exercised


@pytest.mark.parametrize(
    "text",
    [
        'name: "x\nlayers:\n  - {a: 1}\n"\nlayers: []\n',  # the block inside a quoted scalar
        "layers:\n  - {a: 1}, {b: 2}\n",
        "layers:\n  - {a: [{}\n  - {}]}\n",
        "layers:\n  - {a: 1.5e05}\n",
        "layers:\n  - {a:1}\n",
        "layers:\n  - {on: 1}\n",
        "layers:\n\nname: x\n",
    ],
)
def test_what_the_fast_path_cannot_prove_goes_to_libyaml(text: str) -> None:
    assert split_layers(text, reader.parse, reader._unique_keys) is None


def test_written_documents_take_the_fast_path() -> None:
    doc = {
        "netcanvas": 1,
        "name": "n",
        "layers": [
            {"name": "data", "type": "Input", "shape": [1, 3, 8, 8]},
            {"name": "c", "type": "Conv2d", "out_channels": 4, "bias": False, "padding": "same"},
            {"name": "odd name", "type": "ReLU", "inputs": ["c"], "meta": {"x": 0.5}},
        ],
        "view": {"style": {"name": "graph"}},
    }
    text = native.to_yaml(doc)
    assert split_layers(text, reader.parse, reader._unique_keys) == doc
    assert reader.parse(text) == doc


def test_reducing_words_then_numbers_accepts_what_reducing_every_word_accepts() -> None:
    """Without quotes the block is reduced from the plain-word split (fastyaml's comment):
    on any line, that must accept exactly the lines the one-pass reduction accepts."""
    rng = random.Random(3)
    bits = [
        "a", "b0", "1", "-1", "1.5", "1.0e-05", "e5", "-", ".", "_", "/", "(", "#", "x.", "0",
        "01", "1e5", "{", "}", "[", "]", ",", ", ", ": ", ":", " ", "a:", "true", "yes", "-a",
    ]  # fmt: skip
    accepted = 0
    for _ in range(20000):
        body = "  - {" + "".join(rng.choice(bits) for _ in range(rng.randint(1, 12)))
        if rng.random() < 0.5:
            body = "  - {k: " + rng.choice(bits) + rng.choice([", j: ", ": ", " "]) + body[5:]
        body += rng.choice(["}", "}\n", "]}\n", "}\n\n"])
        if rng.random() < 0.5:  # or lines of the random documents' kind
            body = "".join(f"  - {_layer(rng)}\n" for _ in range(rng.randint(1, 3)))
        if '"' in body:
            continue
        whole = fastyaml.quoted_patterns()[0].sub("@", body)
        words = fastyaml._PLAIN_WORD.split(body)
        split = fastyaml._NUMBER_ATOM.sub("@", "@".join(words[0::2]))
        expected = fastyaml._well_formed(whole.split("\n"), "  ")
        assert fastyaml._well_formed(split.split("\n"), "  ") == expected, body
        if expected:
            accepted += 1
            assert split == whole
    assert accepted > 500


# Top-level lines around the block: words both readers read alike, and ones only libyaml
# may read (YAML 1.1 booleans, nulls, comments, nesting, a duplicate key).
HEAD_LINES = [
    "netcanvas: 1", "name: resnet-50", "name: a.b/c_d", 'name: "a b: c"', "name: -1.5",
    "version: 0", "x: true", "x: null", "x: yes", "x: On", "x: ~", "x: 1e5", "x: 1.5e-05",
    "x: 012", "x: .inf", "x: 1_000", "on: 1", "null: 2", "name: a # note", "# note",
    "name:  spaced  ", "name: x", "", "---", "view: {}", "view:", "  style: graph",
]  # fmt: skip


def test_the_lines_around_the_block_read_as_libyaml_reads_them() -> None:
    rng = random.Random(5)
    plain = 0
    for _ in range(2000):
        head = [rng.choice(HEAD_LINES) for _ in range(rng.randint(0, 3))]
        tail = [rng.choice(HEAD_LINES) for _ in range(rng.randint(0, 2))]
        text = "\n".join([*head, "layers:", "  - {name: a, type: ReLU}", *tail]) + "\n"
        fast = split_layers(text, reader.parse, reader._unique_keys)
        if fast is not None:
            assert repr(fast) == repr(_full(text)), text
            block = "layers:\n  - {name: a, type: ReLU}\n"
            rest = text.replace(block, f"layers: [{fastyaml._SENTINEL}]\n")
            plain += fastyaml._plain_rest(rest) is not None
    assert plain > 300  # the lines are really read without libyaml
