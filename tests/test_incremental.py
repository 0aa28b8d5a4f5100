"""Incremental analysis (issue 17 item 5): after an edit only the changed layers and what
they change downstream are inferred again, and the answer is byte for byte the full one."""

from __future__ import annotations

import copy
import json
import random
import sys
from pathlib import Path
from typing import Any

from netcanvas import incremental, work
from netcanvas.analysis import analyze
from netcanvas.formats import FormatError

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
from residual import residual_yaml  # noqa: E402


def _document(layers: int) -> dict[str, Any]:
    answer = work.import_file(residual_yaml(layers).encode(), "", "yaml", "TEST", {}, False, None)
    document: dict[str, Any] = json.loads(answer)["document"]
    return document


def _full(document: dict[str, Any], body: bytes | None = None) -> bytes | str:
    """What the full path answers (no memory of earlier documents), or its error."""
    try:
        graph = work.read_graph(body or json.dumps(document).encode(), None)
    except FormatError as unreadable:
        return str(unreadable)
    return work._json(analyze(graph).to_json())


def _answer(document: dict[str, Any]) -> bytes | str:
    try:
        return work.analyze_document(json.dumps(document).encode(), None)
    except FormatError as unreadable:
        return str(unreadable)


def _inferred(document: dict[str, Any]) -> tuple[bytes, int]:
    before = incremental.STATS["inferred"]
    answer = work.analyze_document(json.dumps(document).encode(), None)
    return answer, incremental.STATS["inferred"] - before


def _edit(rng: random.Random, layers: list[dict[str, Any]]) -> None:
    i = rng.randrange(1, len(layers))
    layer = layers[i]
    kind = rng.randrange(7)
    if kind == 0 and layer["type"] == "Conv2d":
        layer["out_channels"] = rng.choice([16, 32, 64])
    elif kind == 1 and layer["type"] == "Conv2d":
        layer["kernel_size"] = rng.choice([1, 3, 5, [3, 1]])
        layer["stride"] = rng.choice([1, 2])
    elif kind == 2:
        layer["type"] = rng.choice(["ReLU", "Identity", "Sigmoid", "BatchNorm2d"])
        for key in ("out_channels", "kernel_size", "padding", "bias", "stride"):
            layer.pop(key, None)
    elif kind == 3:
        layers.insert(
            i,
            {"name": f"x{rng.randrange(10**6)}", "type": "ReLU", "inputs": [layers[i - 1]["name"]]},
        )
    elif kind == 4 and len(layers) > 3:
        del layers[i]  # its consumers now read a layer that does not exist
    elif kind == 5 and layer["type"] == "Conv2d":
        layer["bias"] = rng.choice([True, False, 0])  # 0 is no boolean: unreadable
    else:
        layer["inputs"] = [layers[rng.randrange(0, i)]["name"]]


def test_random_edits_answer_exactly_what_a_full_analysis_answers() -> None:
    rng = random.Random(17)
    document = _document(300)
    for _ in range(60):
        _edit(rng, document["layers"])
        assert _answer(document) == _full(document)


def test_a_settings_edit_re_infers_only_until_shapes_stop_changing() -> None:
    document = _document(2000)
    answer, inferred = _inferred(document)
    assert answer == _full(document)
    again, inferred = _inferred(copy.deepcopy(document))
    assert (again, inferred) == (answer, 0)
    # A BatchNorm's eps changes no shape: that layer alone is inferred again.
    bn = next(layer for layer in document["layers"][1000:] if layer["type"] == "BatchNorm2d")
    bn["eps"] = 0.001
    answer, inferred = _inferred(document)
    assert inferred == 1 and answer == _full(document)
    # A convolution's width changes its block's shapes up to the block's second
    # convolution, which gives the old width back: downstream is not inferred again.
    conv = next(layer for layer in document["layers"][1000:] if layer["name"].endswith("_conv1"))
    conv["out_channels"] = 32
    answer, inferred = _inferred(document)
    assert 1 < inferred <= 5 and answer == _full(document)
    assert '"output_shapes":[[1,32,56,56]]' in answer.decode()


def _tag(body: bytes) -> str:
    import hashlib

    return '"' + hashlib.sha256(body).hexdigest()[:32] + '"'


def _merge(held: dict[str, Any], partial: dict[str, Any]) -> dict[str, Any]:
    """What the editor's Analyzer does with a `changed=only` answer (analyzer.js)."""
    by_name = {node["name"]: node for node in held["nodes"]}
    for node in partial["nodes"]:
        by_name[node["name"]] = node
    for name in partial["removed"]:
        by_name.pop(name, None)
    order = partial.get("order") or [node["name"] for node in held["nodes"]]
    merged = {key: value for key, value in partial.items() if key not in ("since", "removed")}
    merged.pop("order", None)
    merged["nodes"] = [by_name[name] for name in order]
    return {key: merged[key] for key in held}  # the full answer's key order


def test_only_what_changed_merged_into_the_answer_before_is_the_full_answer() -> None:
    rng = random.Random(5)
    document = _document(300)
    body = json.dumps(document).encode()
    held = json.loads(work.analyze_document(body, None, _tag(body)))
    tag = _tag(body)
    partials = 0
    for step in range(80):
        _edit(rng, document["layers"])
        body = json.dumps(document, separators=(",", ":") if step % 2 else None).encode()
        full = _full(document, body)
        try:
            answer = json.loads(work.analyze_document(body, None, _tag(body), tag, True))
        except FormatError as unreadable:
            assert str(unreadable) == full
            continue
        if "since" in answer:
            assert answer["since"] == tag
            partials += 1
            answer = _merge(held, answer)
        assert isinstance(full, bytes) and answer == json.loads(full)
        # The full answer from the same memory is byte for byte the full analysis.
        assert work.analyze_document(body, None, _tag(body), tag) == full
        held, tag = answer, _tag(body)
    assert partials > 40


def test_a_width_edit_since_the_answer_before_visits_only_its_block() -> None:
    document = _document(2000)
    body = json.dumps(document, separators=(",", ":")).encode()
    work.analyze_document(body, None, _tag(body))
    conv = next(layer for layer in document["layers"][1000:] if layer["name"].endswith("_conv1"))
    conv["out_channels"] = 32
    edited = json.dumps(document, separators=(",", ":")).encode()
    before = incremental.STATS["inferred"] + incremental.STATS["reused"]
    answer = json.loads(work.analyze_document(edited, None, _tag(edited), _tag(body), True))
    visited = incremental.STATS["inferred"] + incremental.STATS["reused"] - before
    assert visited <= 6  # the changed layer and its block, not 2,000 layers
    assert answer["since"] == _tag(body) and answer["removed"] == []
    assert conv["name"] in [node["name"] for node in answer["nodes"]]
    assert 1 < len(answer["nodes"]) <= 5
    assert answer["totals"] == json.loads(_full(document))["totals"]
    # A tag this process does not hold: the full answer, without `since`.
    again = json.loads(work.analyze_document(edited, None, _tag(edited), '"0"', True))
    assert "since" not in again and len(again["nodes"]) == len(document["layers"])
