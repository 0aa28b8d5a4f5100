"""Analysis of a document like one analysed before: only what changed is worked out again
(issue 17 item 5: an edit in a 10,000-layer graph answers in tens of milliseconds).

The editor posts the whole document after each edit. Each work process remembers, by
content, what it did for recent documents:

- each layer's Node, by the layer's JSON text (and the name of the layer before it, which
  a layer without `inputs` reads): an unchanged layer is neither parsed into a Node nor
  validated again;
- the wiring's structure (topological order, structural problems), by the names and
  inputs of every layer: a change of settings keeps it;
- each node's result (and, once asked for, its JSON), by the node and its producers'
  output shapes: walking in topological order, a node whose settings and input shapes
  are unchanged is not inferred again (early cutoff);
- its last few answers whole (``delta.Held``, by ETag): a body that differs from one of
  them in a few layers is read only where it differs, and only the changed layers and
  what they change downstream are visited (``delta.py``).

The answer is byte for byte the one a full analysis writes. Output shape lists are
interned (one list per distinct value), so "the producer's outputs are unchanged" is an
identity test. A node's JSON is written when an answer first needs it, with one reused
C encoder: the first answer of a new document costs what the plain path costs.

Only JSON bodies are read here; anything else, or anything wrong, returns None and the
caller takes the full path, which reports problems with their line and column.
"""

from __future__ import annotations

import json
from json import encoder as _json_encoder
from typing import Any

from netcanvas.analysis import NodeResult, analyse_node
from netcanvas.formats.base import FormatError
from netcanvas.graph.model import Graph, Node, Structure, analyse_structure

# Each cache is emptied whole when full: entries hold the objects whose ids other
# entries' keys use, so no id is reused while a key naming it lives.
NODES_KEPT = 400_000
_nodes: dict[tuple[str, str | None], Node] = {}
_structures: dict[tuple[tuple[str, tuple[str, ...]], ...], Structure] = {}
_results: dict[tuple[Any, ...], Kept] = {}
_shapes: dict[tuple[Any, ...], list[Any]] = {}
_texts: set[str] = set()  # the layer texts of _nodes
_BLANK = frozenset(" \t\n\r")
_ENCODE = json.JSONEncoder(ensure_ascii=False, allow_nan=False, separators=(",", ":")).encode
STATS = {"inferred": 0, "reused": 0}  # nodes worked out / taken from memory (for tests)


def _unique(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out = dict(pairs)
    if len(out) != len(pairs):
        raise ValueError("duplicate key")
    return out


_DECODE = json.JSONDecoder(object_pairs_hook=_unique).raw_decode


def _c_encoder() -> Any:
    """json's C encoder, made once (JSONEncoder.encode makes one per call: most of the
    cost of encoding 50,000 small objects one by one)."""
    make = getattr(_json_encoder, "c_make_encoder", None)
    if make is None:  # pragma: no cover - CPython always has it
        return None
    return make(None, None, _json_encoder.encode_basestring, None, ":", ",", False, False, False)


_C_ENCODE = _c_encoder()


def encode(value: Any) -> str:
    """``value`` as compact JSON (what work._json writes, as text)."""
    if _C_ENCODE is None:  # pragma: no cover
        return _ENCODE(value)
    return "".join(_C_ENCODE(value, 0))


class Kept:
    """A node's remembered result, its JSON once written, and what its key names by id
    (the node and its producers' output lists), held so no id is reused."""

    __slots__ = ("result", "json", "node", "held")

    def __init__(self, result: NodeResult, node: Node, held: tuple[Any, ...]) -> None:
        self.result, self.node, self.held = result, node, held
        self.json: str | None = None

    @property
    def text(self) -> str:
        if self.json is None:
            self.json = encode(self.result.to_json())
        text: str = self.json
        return text


class _NotHere(Exception):
    """The body is not one this path reads: the full path answers."""


def analyze_json(
    raw: bytes,
    max_nodes: int | None,
    depth: int,
    tag: str | None = None,
    since: str | None = None,
    changed: bool = False,
) -> bytes | None:
    """The analysis answer for a JSON body, or None when the full path must answer.

    ``tag``: this body's ETag, under which the answer is remembered; ``since``: the ETag
    of an earlier answer this body edits; ``changed``: answer only what differs from
    ``since`` (docs/scale.md), when ``since`` is remembered here.
    """
    from netcanvas import delta

    try:
        text = raw.decode("utf-8")
        if text[:1] == "\ufeff" or "\\u" in text:  # escapes: the full path checks them
            return None
        before = delta.recall(since)
        # Without `since` (or one not held here) the newest answer may still be the one
        # this body edits (the text comparison tells); if not, the body is new here.
        held = delta.edit(before or delta.newest(), text, max_nodes, depth)
        if held is None and before is None:
            # Read the plain way (one C parse); where its layers sit in the text is
            # worked out when it is edited, or between jobs (delta.settle).
            held = _first(raw, text, max_nodes)
        elif held is None:
            held = _read(text, max_nodes, depth)
    except (_NotHere, FormatError, ValueError, RecursionError):
        return None
    delta.remember(tag, held)
    return delta.reply(held, before if changed else None, since)


def _first(raw: bytes, text: str, max_nodes: int | None) -> Any:
    """The body read as the full path reads it, and analysed (with whatever is
    remembered): a delta.Held whose layers' places in the text are not yet known."""
    from netcanvas import delta, work

    named: list[bool] = []

    def read(document: Any) -> Graph:
        layers = document.get("layers") if isinstance(document, dict) else None
        named.append(
            isinstance(layers, list) and all(isinstance(e, dict) and "name" in e for e in layers)
        )
        return work.to_graph(document, max_nodes, raw)

    graph = work.read_body(raw, read)
    return delta.walk(graph, text, None, named[-1])


def settle(held: Any) -> None:
    """Where each layer of a Held read by ``_first`` sits in its text; its nodes are
    remembered by their layers' texts when every layer is named (a default name depends
    on the names before it, which the text of the layer does not show)."""
    try:
        _top, spans, _parsed = _scan(held.text)
    except (_NotHere, ValueError, RecursionError):
        spans = ([], [], [], -1)
    layers, starts, ends, close = spans
    nodes = held.graph.nodes
    if layers is None or len(layers) != len(nodes):
        held.spans = ([], [], -1)
        return
    held.spans = (starts, ends, close)
    if held.named:
        previous = None
        for layer, node in zip(layers, nodes, strict=True):
            _nodes[(layer, previous)] = node
            _texts.add(layer)
            previous = node.name


def _read(text: str, max_nodes: int | None, depth: int) -> Any:
    """The whole body read and analysed (with whatever is remembered): a delta.Held."""
    from netcanvas import delta

    top, spans, parsed = _scan(text)
    layers, starts, ends, close = spans
    if not isinstance(layers, list) or (max_nodes is not None and len(layers) > max_nodes):
        raise _NotHere
    graph = _graph(top, layers, parsed, depth)
    return delta.walk(graph, text, (starts, ends, close), True)


_Spans = tuple[list[str] | None, list[int], list[int], int]


def _scan(text: str) -> tuple[dict[str, Any], _Spans, dict[int, Any]]:
    """The top-level object's values, with each layer's JSON text instead of the layer,
    where each layer starts and ends, where the list closes, and the layers parsed."""
    pos = _skip(text, 0)
    if text[pos : pos + 1] != "{":
        raise _NotHere
    pos += 1
    top: dict[str, Any] = {}
    spans: _Spans = (None, [], [], -1)
    parsed: dict[int, Any] = {}
    while True:
        pos = _skip(text, pos)
        if text[pos : pos + 1] == "}" and not top:
            pos += 1
            break
        key, pos = _DECODE(text, pos)
        pos = _skip(text, pos)
        if not isinstance(key, str) or text[pos : pos + 1] != ":" or key in top:
            raise _NotHere
        pos = _skip(text, pos + 1)
        if key == "layers" and text[pos : pos + 1] == "[":
            spans, parsed, pos = _layer_texts(text, pos + 1)
            top[key] = None
        else:
            top[key], pos = _DECODE(text, pos)
        pos = _skip(text, pos)
        mark = text[pos : pos + 1]
        pos += 1
        if mark == "}":
            break
        if mark != ",":
            raise _NotHere
    if text[pos:].strip():
        raise _NotHere
    return top, spans, parsed


def _layer_texts(text: str, pos: int) -> tuple[_Spans, dict[int, Any], int]:
    items: list[str] = []
    starts: list[int] = []
    ends: list[int] = []
    parsed: dict[int, Any] = {}
    pos = _skip(text, pos)
    if text[pos : pos + 1] == "]":
        return (items, starts, ends, pos), parsed, pos + 1
    while True:
        layer, end, entry = one_layer(text, pos)
        if entry is not None:
            parsed[len(items)] = entry
        items.append(layer)
        starts.append(pos)
        ends.append(end)
        pos = _skip(text, end)
        mark = text[pos : pos + 1]
        if mark == "]":
            return (items, starts, ends, pos), parsed, pos + 1
        if mark != ",":
            raise _NotHere
        pos = _skip(text, pos + 1)


def one_layer(text: str, pos: int) -> tuple[str, int, Any]:
    """The layer whose JSON starts at ``pos``: its text, where it ends, and the layer
    parsed when it is not one remembered (else None)."""
    if _texts:
        # A layer seen before is found by its text: a complete JSON object ends where
        # its closing brace is, so a remembered layer's text at `pos` is exactly this one.
        end = text.find("}", pos) + 1
        for _ in range(3):  # a layer with settings nesting objects ends at a later brace
            if not end:
                break
            if text[pos:end] in _texts:
                return text[pos:end], end, None
            end = text.find("}", end) + 1
    entry, end = _DECODE(text, pos)
    return text[pos:end], end, entry


def _skip(text: str, pos: int) -> int:
    """The position after JSON whitespace (none at all in what the editor sends)."""
    while text[pos : pos + 1] in _BLANK:
        pos += 1
    return pos


def empty_graph(top: dict[str, Any], depth: int) -> Graph:
    """A Graph of the document's top level, with no layers."""
    from netcanvas import work
    from netcanvas.formats.native.document import from_document

    for key, value in top.items():
        if key != "layers" and not work.plain_within(value, depth - 1):
            raise _NotHere
    if not isinstance(top.get("view", {}), dict):
        raise _NotHere
    # The view (positions, figure settings) changes no analysis: not copied into a graph.
    return from_document({**top, "layers": [], "view": {}})


def _graph(top: dict[str, Any], layers: list[str], parsed: dict[int, Any], depth: int) -> Graph:
    graph = empty_graph(top, depth)
    if len(_nodes) > NODES_KEPT:
        clear()
    nodes = graph.nodes
    previous: str | None = None
    for i, layer in enumerate(layers):
        node = _nodes.get((layer, previous))
        if node is None:
            node = layer_node(layer, parsed.get(i), previous, depth)
        nodes.append(node)
        previous = node.name
    return graph


def layer_node(layer: str, entry: Any, previous: str | None, depth: int) -> Node:
    """The Node of a layer's JSON text (``entry``: the text parsed, if it was), remembered."""
    from netcanvas import work
    from netcanvas.formats.native.document import _layer

    if entry is None:
        entry, _ = _DECODE(layer, 0)
    if not isinstance(entry, dict) or "name" not in entry:
        raise _NotHere  # a default name depends on every name before it
    if not work.plain_within(entry, depth - 2):
        raise _NotHere
    # Names are checked for duplicates by the structure, not here (``taken`` only
    # serves default names, which this path refuses).
    node = _layer(entry, [entry], 0, previous, set())
    _nodes[(layer, previous)] = node
    _texts.add(layer)
    return node


def clear() -> None:
    from netcanvas import delta

    for cache in (_nodes, _texts, _structures, _results, _shapes):
        cache.clear()
    delta.forget()


_clear = clear  # the name the benchmark and tests use


def structure_of(graph: Graph) -> Structure:
    wiring = tuple([(n.name, tuple(n.inputs)) for n in graph.nodes])
    structure = _structures.get(wiring)
    if structure is None:
        if len(_structures) >= 8:
            _structures.clear()
        structure = _structures[wiring] = analyse_structure(graph)
    return structure


def result_of(
    node: Node, refs: list[Any], problems: list[str] | None, known: dict[str, list[Any]]
) -> Kept:
    """The node's result, remembered by the node and its producers' outputs."""
    # A reference's index too: `a:1` may name output 1 of `a` or a layer called `a:1`.
    producers = tuple([(id(known.get(r.node)), r.index) if r is not None else None for r in refs])
    key = (id(node), producers, tuple(problems) if problems else None)
    kept = _results.get(key)
    if kept is None:
        STATS["inferred"] += 1
        result = analyse_node(node, refs, problems, known)
        outputs = tuple(result.output_shapes)
        result.output_shapes = _shapes.setdefault(outputs, result.output_shapes)
        # The value holds the node and the producers' lists its key names by id.
        held = tuple(known.get(r.node) if r is not None else None for r in refs)
        kept = _results[key] = Kept(result, node, held)
    else:
        STATS["reused"] += 1
    return kept
