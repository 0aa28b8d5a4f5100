"""The YAML/JSON and prototxt readers raise only FormatError, located inside the text.

Inputs are real documents (the templates, the Caffe corpus or our fixtures) with a few
random edits each: inserted tokens, cut spans, pasted fragments, stray bytes. Seeded,
so a failure reproduces.
"""

from __future__ import annotations

import os
import random
from pathlib import Path

import pytest

from netcanvas.formats import FormatError, UnsupportedError, read
from tests.robustness.limits import deadline

ROOT = Path(__file__).resolve().parents[2]
CORPUS = ROOT.parent / "shared" / "corpus" / "caffe"
TEMPLATES = sorted((ROOT / "backend" / "netcanvas" / "templates").glob("*.yaml"))
PROTOTXTS = sorted(CORPUS.glob("*.prototxt")) or sorted(
    (ROOT / "tests" / "fixtures" / "caffe").glob("*.prototxt")
)
TOKENS = (
    b"{ } [ ] : \" ' # - 1e999 nan -0 layer bottom top type &a *a !!python/object \\ name "
    b"inputs shape 999999999999999999999 ,"
).split(b" ") + [b" ", b"\n", b"\t", b"\xff", b"\x00", b"\r", b"\xe2\x80\xa8", b"\xef\xbb\xbf"]
# Mutations per test: a fixed, seeded budget on every run; `make fuzz` runs 50 times more.
BUDGET = max(1, int(os.environ.get("NETCANVAS_FUZZ", "1")))
# Line breaks as each reader counts them: YAML also breaks at CR, NEL, LS and PS.
YAML_BREAKS = ("\r\n", "\r", "\x85", "\u2028", "\u2029")


def mutate(data: bytes, rng: random.Random) -> bytes:
    out = bytearray(data)
    for _ in range(rng.randint(1, 6)):
        at = rng.randint(0, len(out))
        roll = rng.random()
        if roll < 0.4:
            out[at:at] = rng.choice(TOKENS)
        elif roll < 0.7:
            del out[at : at + rng.randint(1, 20)]
        else:
            out[at:at] = out[rng.randint(0, len(out)) :][: rng.randint(1, 40)]
    return bytes(out)


def check_read(data: bytes, fmt: str) -> None:
    try:
        with deadline(10, "reading"):
            read(data, "", fmt, {"phase": "TEST"})
    except UnsupportedError:
        return
    except FormatError as error:
        text = data.decode("utf-8", "replace")
        if fmt != "prototxt":
            for brk in YAML_BREAKS:
                text = text.replace(brk, "\n")
        lines = text.split("\n")
        assert error.line is not None and 1 <= error.line <= len(lines), error
        assert error.column is not None, error
        # Column len + 1 is the end of the line (e.g. "expected ':' after this key").
        assert 1 <= error.column <= len(lines[error.line - 1]) + 1, error


@pytest.mark.parametrize("fmt", ["prototxt", "yaml"])
def test_mutated_documents_fail_only_with_located_format_errors(fmt: str) -> None:
    sources = PROTOTXTS if fmt == "prototxt" else TEMPLATES
    if not sources:
        pytest.skip("no documents to mutate")
    rng = random.Random(f"netcanvas-{fmt}")
    texts = [p.read_bytes() for p in sources]
    for _ in range(120 * BUDGET):
        check_read(mutate(rng.choice(texts), rng), fmt)


def test_mutated_onnx_files_fail_only_with_format_errors() -> None:
    pytest.importorskip("onnx")
    from netcanvas import formats, templates

    sources = [formats.write(templates.get(s).graph(), "onnx") for s in ("lenet5", "mlp-2d")]
    rng = random.Random("netcanvas-onnx")
    for _ in range(60 * BUDGET):
        data = bytearray(rng.choice(sources))
        roll = rng.random()
        if roll < 0.4:  # flip bytes of the structure (weights are most of the file)
            for _ in range(rng.randint(1, 8)):
                data[rng.randrange(min(len(data), 400))] = rng.getrandbits(8)
        elif roll < 0.7:
            del data[rng.randrange(len(data)) :]
        else:
            at = rng.randrange(len(data))
            data[at:at] = bytes(rng.getrandbits(8) for _ in range(rng.randint(1, 30)))
        try:
            with deadline(10, "reading ONNX"):
                read(bytes(data), "m.onnx", "onnx", {})
        except (FormatError, UnsupportedError):
            pass


@pytest.mark.parametrize("fmt", ["prototxt", "yaml", "json"])
def test_random_bytes_fail_only_with_located_format_errors(fmt: str) -> None:
    rng = random.Random(f"bytes-{fmt}")
    for size in [0, 1, 2, 7, 64, 512, 4096] * 6:
        check_read(bytes(rng.getrandbits(8) for _ in range(size)), fmt)
        check_read(b"".join(rng.choice(TOKENS) for _ in range(size // 4)), fmt)


def test_yaml_error_at_end_of_file_without_final_newline_is_on_the_last_line() -> None:
    # libyaml marks this one line past the end; before, the error named line 3 of 2.
    text = b"netcanvas: 1\nlayers: []\nbroken line"
    with pytest.raises(FormatError) as caught:
        read(text, "", "yaml", {})
    assert (caught.value.line, caught.value.column) == (3, len("broken line") + 1)


@pytest.mark.parametrize(
    ("layer", "message", "at"),
    [
        ("{name: b, type: Conv2d, kernel_size: [3, 0]}", "kernel_size[1]: ", "0]"),
        ("{name: b, type: Conv2d, stride: [1, 2, -1]}", "stride[2]: ", "-1]"),
        ("{name: b, type: Conv2d, kernel_size: -3}", "kernel_size: ", "-3}"),
        ("{name: b, type: Conv2d, kernel_size: 3, bad: 1}", "unknown setting 'bad'", "bad"),
    ],
)
def test_bad_settings_are_located_at_the_bad_item(layer: str, message: str, at: str) -> None:
    # Before: a per-axis list with one bad item said "input should be a valid integer"
    # (the int alternative of the union) and pointed at the whole list.
    text = (
        f"netcanvas: 1\nlayers:\n  - {{name: a, type: Input, shape: [1, 3, 8, 8]}}\n  - {layer}\n"
    )
    with pytest.raises(FormatError) as caught:
        read(text.encode(), "", "yaml", {})
    error = caught.value
    assert message in error.message
    assert error.line == 4 and error.column is not None
    assert text.splitlines()[3][error.column - 1 :].startswith(at)


def _keras_config() -> dict[str, object]:
    """A small Keras 3 functional config, written out as Keras 3 saves one."""

    def tensor(layer: str, shape: list[int | None]) -> dict[str, object]:
        config = {"shape": shape, "dtype": "float32", "keras_history": [layer, 0, 0]}
        return {"class_name": "__keras_tensor__", "config": config}

    def layer(cls: str, name: str, config: dict[str, object], *ins: dict[str, object]) -> object:
        inbound = [{"args": list(ins) if len(ins) == 1 else [list(ins)], "kwargs": {}}]
        return {"module": "keras.layers", "class_name": cls, "name": name,
                "config": {"name": name, **config}, "inbound_nodes": inbound}  # fmt: skip

    image = [None, 8, 8, 3]
    return {
        "class_name": "Functional",
        "config": {
            "name": "fuzz",
            "layers": [
                {
                    "class_name": "InputLayer",
                    "name": "x",
                    "inbound_nodes": [],
                    "config": {"name": "x", "batch_shape": image},
                },
                layer(
                    "Conv2D",
                    "c",
                    {
                        "filters": 4,
                        "kernel_size": [3, 3],
                        "padding": "same",
                        "strides": [1, 1],
                        "activation": "relu",
                    },
                    tensor("x", image),
                ),
                layer("BatchNormalization", "b", {"axis": -1}, tensor("c", [None, 8, 8, 4])),
                layer(
                    "Concatenate",
                    "j",
                    {"axis": -1},
                    tensor("b", [None, 8, 8, 4]),
                    tensor("c", [None, 8, 8, 4]),
                ),
                layer("GlobalAveragePooling2D", "g", {}, tensor("j", [None, 8, 8, 8])),
                layer("Dense", "d", {"units": 2}, tensor("g", [None, 8])),
            ],  # fmt: skip
            "input_layers": [["x", 0, 0]],
            "output_layers": [["d", 0, 0]],
        },
    }


def _mutate_tree(value: object, rng: random.Random) -> object:
    """One random edit somewhere in a JSON tree: a value replaced, removed or retyped."""
    junk = [None, -1, 0, 10**12, 1.5, "", "same", [], {}, [None], ["x", 0, 0], True]
    if isinstance(value, dict) and value and rng.random() < 0.7:
        key = rng.choice(list(value))
        copy = dict(value)
        if rng.random() < 0.3:
            del copy[key]
        else:
            copy[key] = _mutate_tree(value[key], rng)
        return copy
    if isinstance(value, list) and value and rng.random() < 0.7:
        at = rng.randrange(len(value))
        return [*value[:at], _mutate_tree(value[at], rng), *value[at + 1 :]]
    return rng.choice(junk)


def test_mutated_keras_configs_fail_only_with_format_errors() -> None:
    import json

    from netcanvas.analysis import analyze

    source = _keras_config()
    assert analyze(read(json.dumps(source).encode(), "m.json", "keras-model")).ok
    rng = random.Random("netcanvas-keras")
    for _ in range(300 * BUDGET):
        tree = source
        for _ in range(rng.randint(1, 3)):
            tree = _mutate_tree(tree, rng)
        data = json.dumps(tree).encode()
        if rng.random() < 0.2:
            data = mutate(data, rng)
        try:
            with deadline(10, "reading a Keras config"):
                graph = read(data, "m.json", "keras-model", {})
            analyze(graph)
        except FormatError:
            pass
