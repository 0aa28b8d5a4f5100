"""The import answer (``work.import_file``) is written by orjson where that is safe: it must
be, byte for byte, what json wrote before, and refuse what json refused."""

from __future__ import annotations

import dataclasses
import gc
import json
import sys
from pathlib import Path

import orjson
import pytest

from netcanvas import service, templates, work
from netcanvas.analysis import Analysis, NodeResult
from netcanvas.formats import FormatError, native

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
from residual import residual_yaml  # noqa: E402

TEMPLATES = Path(templates.__file__).parent


def _plainly(data: bytes, name: str, fmt: str | None = None) -> bytes:
    """The answer as it was written before orjson: json.dumps of the whole object."""
    graph, result = service.open_model(data, name, fmt)
    document = work.check_plain(native.to_document(graph))
    answer = {"document": document, "warnings": result.warnings, "analysis": result.to_json()}
    return work._json(answer)


def _imported(data: bytes, name: str, fmt: str | None = None) -> bytes:
    return work.import_file(data, name, fmt, "TEST", {}, True, None)


def test_a_node_result_written_from_its_fields_is_its_json() -> None:
    node = NodeResult("conv", "Conv2d", ["data"], [(1, 8, 4, 4), None], 10, 20, 3, 512)
    node.warnings.append("é\n\u2028")
    keys = [f.name for f in dataclasses.fields(NodeResult)]
    assert keys == list(node.to_json())
    assert orjson.dumps(node) == work._json(node.to_json())


# Documents with what orjson and json could write differently: floats in exponent form,
# keys that are not strings, ints past 64 bits, text outside ASCII.
ODD = {
    "floats": (
        "netcanvas: 1\nname: odd\nlayers:\n"
        "  - {name: x, type: Input, shape: [1, 4, 8, 8]}\n"
        "  - {name: bn, type: BatchNorm2d, eps: 1.0e-05, momentum: 0.1}\n"
        "  - {name: drop, type: Dropout, p: 0.5}\n"
        "view: {zoom: 1.0e+16, tiny: 5.0e-324, neg: -0.0}\n"
    ),
    "int keys": (
        "netcanvas: 1\nlayers:\n  - {name: x, type: Input, shape: [1, 4]}\n"
        "view: {1: one, 2: {3: three}}\n"
    ),
    "big ints": (
        "netcanvas: 1\nlayers:\n"
        "  - {name: x, type: Input, shape: [1, 99999999999, 99999999999]}\n"
        "  - {name: fc, type: Linear, out_features: 99999999999}\n"
        "meta: {huge: 123456789012345678901234567890}\n"
    ),
    "text": (
        'netcanvas: 1\nname: "réseau ✓ \\t"\nlayers:\n'
        "  - {name: entrée, type: Input, shape: [1, 4]}\n"
        "  - {name: x, type: Mystery, inputs: [entrée, nowhere]}\n"
        '  - {name: y, type: ReLU, inputs: [entrée], meta: {note: "a \\"quoted\\" \\u00e9"}}\n'
    ),
}


@pytest.mark.parametrize("kind", sorted(ODD))
def test_odd_documents_are_answered_as_json_wrote_them(kind: str) -> None:
    data = ODD[kind].encode()
    assert _imported(data, "odd.yaml") == _plainly(data, "odd.yaml")


def test_templates_and_a_residual_net_are_answered_as_json_wrote_them() -> None:
    for path in sorted(TEMPLATES.glob("*.yaml")):
        data = path.read_bytes()
        assert _imported(data, path.name) == _plainly(data, path.name), path.name
    data = residual_yaml(2000).encode()
    assert _imported(data, "r.yaml") == _plainly(data, "r.yaml")


def test_the_caffe_corpus_is_answered_as_json_wrote_it(caffe_corpus: Path) -> None:
    for path in sorted(caffe_corpus.glob("*.prototxt")):
        data = path.read_bytes()
        try:
            expected = _plainly(data, path.name)
        except FormatError:
            continue
        assert _imported(data, path.name) == expected, path.name


def test_a_number_json_refuses_is_still_refused() -> None:
    node = NodeResult("x", "Mystery", [], [(1, 4)], params=float("nan"))  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="JSON compliant"):
        work._import_answer({"layers": []}, True, Analysis("n", [node]), True)
    odd = NodeResult("x", "Mystery", [], [(1, float("inf"))])  # type: ignore[list-item]
    with pytest.raises(ValueError, match="JSON compliant"):
        work._import_answer({"layers": []}, True, Analysis("n", [odd]), True)
    bad = b"netcanvas: 1\nlayers:\n  - {name: x, type: Input, shape: [1, 4]}\nview: {z: .nan}\n"
    with pytest.raises(FormatError, match="not finite"):
        _imported(bad, "bad.yaml")


def test_the_cycle_collector_is_left_as_it_was() -> None:
    before = gc.isenabled()  # other tests (the CLI's main) may have turned it off
    try:
        gc.enable()
        _imported(residual_yaml(50).encode(), "r.yaml")
        assert gc.isenabled()
        with pytest.raises(FormatError):
            _imported(b"netcanvas: 1\nlayers: [", "bad.yaml")
        assert gc.isenabled()
        gc.disable()
        _imported(residual_yaml(50).encode(), "r.yaml")
        assert not gc.isenabled()
    finally:
        (gc.enable if before else gc.disable)()


def test_the_answer_reads_back_as_the_document_and_analysis() -> None:
    data = residual_yaml(30).encode()
    answer = json.loads(_imported(data, "r.yaml"))
    graph, result = service.open_model(data, "r.yaml")
    assert answer == {
        "document": native.to_document(graph),
        "warnings": result.warnings,
        "analysis": result.to_json(),
    }
