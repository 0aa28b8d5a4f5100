"""Analysis of a document like one analysed before: only what changed is worked out again
(issue 17 item 5: an edit in a 10,000-layer graph answers in tens of milliseconds).

The editor posts the whole document after each edit. Each work process remembers, by
content, what it did for recent documents:

- each layer's Node, by the layer's JSON text (and the name of the layer before it, which
  a layer without `inputs` reads): an unchanged layer is neither parsed into a Node nor
  validated again;
- the wiring's structure (topological order, structural problems), by the names and
  inputs of every layer: a change of settings keeps it;
- each node's result and its JSON, by the node and its producers' output shapes: walking
  in topological order, a node whose settings and input shapes are unchanged is not
  inferred again, so a change re-infers the changed layer and its downstream only as far
  as some output shape actually changes (early cutoff);

and the answer is the nodes' remembered JSON joined, byte for byte the answer a full
analysis writes. Output shape lists are interned (one list per distinct value), so
"the producer's outputs are unchanged" is an identity test.

Only JSON bodies are read here; anything else, or anything wrong, returns None and the
caller takes the full path, which reports problems with their line and column.
"""

from __future__ import annotations

import json
from typing import Any

from netcanvas.analysis import Analysis, NodeResult, analyse_node
from netcanvas.formats.base import FormatError
from netcanvas.graph.model import Graph, Node, Structure, analyse_structure

# Each cache is emptied whole when full: entries hold the objects whose ids other
# entries' keys use, so no id is reused while a key naming it lives.
NODES_KEPT = 400_000
_nodes: dict[tuple[str, str | None], Node] = {}
_structures: dict[tuple[tuple[str, tuple[str, ...]], ...], Structure] = {}
_results: dict[tuple[Any, ...], tuple[NodeResult, str, Node, tuple[Any, ...]]] = {}
_shapes: dict[tuple[Any, ...], list[Any]] = {}
_texts: set[str] = set()  # the layer texts of _nodes
_BLANK = frozenset(" \t\n\r")
_ENCODE = json.JSONEncoder(ensure_ascii=False, allow_nan=False, separators=(",", ":")).encode
STATS = {"inferred": 0, "reused": 0}  # nodes worked out / taken from memory (for tests)


class _NotHere(Exception):
    """The body is not one this path reads: the full path answers."""


def analyze_json(raw: bytes, max_nodes: int | None, depth: int) -> bytes | None:
    """The analysis answer for a JSON body, or None when the full path must answer."""
    try:
        text = raw.decode("utf-8")
        if text[:1] == "\ufeff" or "\\u" in text:  # escapes: the full path checks them
            return None
        top, layers = _scan(text)
        if not isinstance(layers, list) or (max_nodes is not None and len(layers) > max_nodes):
            return None
        graph = _graph(top, layers, depth)
    except (_NotHere, FormatError, ValueError, RecursionError):
        return None
    return _answer(graph)


def _scan(text: str) -> tuple[dict[str, Any], list[str] | None]:
    """The top-level object's values, with each layer's JSON text instead of the layer."""
    decode = json.JSONDecoder(object_pairs_hook=_unique).raw_decode
    pos = _skip(text, 0)
    if text[pos : pos + 1] != "{":
        raise _NotHere
    pos += 1
    top: dict[str, Any] = {}
    layers: list[str] | None = None
    while True:
        pos = _skip(text, pos)
        if text[pos : pos + 1] == "}" and not top and layers is None:
            pos += 1
            break
        key, pos = decode(text, pos)
        pos = _skip(text, pos)
        if not isinstance(key, str) or text[pos : pos + 1] != ":" or key in top:
            raise _NotHere
        pos = _skip(text, pos + 1)
        if key == "layers" and text[pos : pos + 1] == "[":
            layers, pos = _layer_texts(text, pos + 1, decode)
            top[key] = None
        else:
            top[key], pos = decode(text, pos)
        pos = _skip(text, pos)
        mark = text[pos : pos + 1]
        pos += 1
        if mark == "}":
            break
        if mark != ",":
            raise _NotHere
    if text[pos:].strip():
        raise _NotHere
    return top, layers


def _layer_texts(text: str, pos: int, decode: Any) -> tuple[list[str], int]:
    items: list[str] = []
    pos = _skip(text, pos)
    if text[pos : pos + 1] == "]":
        return items, pos + 1
    while True:
        # A layer seen before is found by its text: a complete JSON object ends where its
        # closing brace is, so a remembered layer's text at `pos` is exactly this layer.
        end = text.find("}", pos) + 1
        for _ in range(3):  # a layer with settings nesting objects ends at a later brace
            if not end or text[pos:end] in _texts:
                break
            end = text.find("}", end) + 1
        else:
            end = 0
        if not end:
            _, end = decode(text, pos)
        items.append(text[pos:end])
        pos = _skip(text, end)
        mark = text[pos : pos + 1]
        pos += 1
        if mark == "]":
            return items, pos
        if mark != ",":
            raise _NotHere
        pos = _skip(text, pos)


def _skip(text: str, pos: int) -> int:
    """The position after JSON whitespace (none at all in what the editor sends)."""
    while text[pos : pos + 1] in _BLANK:
        pos += 1
    return pos


def _unique(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out = dict(pairs)
    if len(out) != len(pairs):
        raise ValueError("duplicate key")
    return out


def _graph(top: dict[str, Any], layers: list[str], depth: int) -> Graph:
    from netcanvas import work
    from netcanvas.formats.native.document import _layer, from_document

    for key, value in top.items():
        if key != "layers" and not work.plain_within(value, depth - 1):
            raise _NotHere
    if not isinstance(top.get("view", {}), dict):
        raise _NotHere
    # The view (positions, figure settings) changes no analysis: not copied into a graph.
    graph = from_document({**top, "layers": [], "view": {}})
    if len(_nodes) > NODES_KEPT:
        _clear()
    nodes = graph.nodes
    taken: set[str] = set()
    previous: str | None = None
    for i, layer in enumerate(layers):
        node = _nodes.get((layer, previous))
        if node is None:
            entry = json.loads(layer, object_pairs_hook=_unique)
            if not isinstance(entry, dict) or "name" not in entry:
                raise _NotHere  # a default name depends on every name before it
            if not work.plain_within(entry, depth - 2):
                raise _NotHere
            node = _layer(entry, layers, i, previous, taken)
            _nodes[(layer, previous)] = node
            _texts.add(layer)
        taken.add(node.name)
        nodes.append(node)
        previous = node.name
    return graph


def _clear() -> None:
    for cache in (_nodes, _texts, _structures, _results, _shapes):
        cache.clear()


def _answer(graph: Graph) -> bytes:
    wiring = tuple([(n.name, tuple(n.inputs)) for n in graph.nodes])
    structure = _structures.get(wiring)
    if structure is None:
        if len(_structures) >= 8:
            _structures.clear()
        structure = _structures[wiring] = analyse_structure(graph)
    first: dict[str, Node] = {}
    for node in graph.nodes:
        first.setdefault(node.name, node)
    known: dict[str, list[Any]] = {}
    results: list[NodeResult] = []
    parts: list[str] = []
    refs_of, errors = structure.refs, structure.errors
    inferred = 0
    for name in structure.order:
        node = first[name]
        refs = refs_of[name]
        problems = errors.get(name)
        # A reference's index too: `a:1` may name output 1 of `a` or a layer called `a:1`.
        producers = tuple(
            [(id(known.get(r.node)), r.index) if r is not None else None for r in refs]
        )
        key = (id(node), producers, tuple(problems) if problems else None)
        kept = _results.get(key)
        if kept is None:
            inferred += 1
            result = analyse_node(node, refs, problems, known)
            outputs = tuple(result.output_shapes)
            result.output_shapes = _shapes.setdefault(outputs, result.output_shapes)
            # The value holds the node and the producers' lists its key names by id.
            held = tuple(known.get(r.node) if r is not None else None for r in refs)
            kept = _results[key] = (result, _ENCODE(result.to_json()), node, held)
        result = kept[0]
        known[name] = result.output_shapes
        results.append(result)
        parts.append(kept[1])
    STATS["inferred"] += inferred
    STATS["reused"] += len(results) - inferred
    unattributed = graph.meta.get("unattributed") or []
    analysis = Analysis(graph.name, results, [], [str(u) for u in unattributed])
    rest = {  # Analysis.to_json without its nodes, which are joined from their parts
        "totals": {
            "params": analysis.params,
            "macs": analysis.macs,
            "flops": sum(n.flops for n in results),
            "activation_bytes": analysis.activation_bytes,
            "complete": analysis.complete,
        },
        "errors": analysis.errors,
        "warnings": analysis.warnings,
    }
    head = '{"name":' + _ENCODE(analysis.name) + ',"nodes":['
    return (head + ",".join(parts) + "]," + _ENCODE(rest)[1:]).encode()
