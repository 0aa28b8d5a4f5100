"""The netcanvas document (DESIGN 4) <-> Graph.

Loading keeps the location of every key, so an unknown key or a bad value is a
:class:`FormatError` at its line and column (the text is read by ``reader``; ``writer``
writes it back).
"""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError

from netcanvas.formats.base import FormatError
from netcanvas.formats.native.reader import Located, LocatedList
from netcanvas.graph.model import SCHEMA_VERSION, Graph, Node
from netcanvas.layers import lookup
from netcanvas.layers.registry import default_name
from netcanvas.layers.validation import setting_problems
from netcanvas.layers.validation import where as setting_name

TOP_KEYS = ("netcanvas", "name", "layers", "view", "meta")
RESERVED = (
    "name", "type", "scope", "inputs", "inplace", "output_shapes", "weights", "tied", "meta",
)  # fmt: skip
RESERVED_KEYS = frozenset(RESERVED)
_EXTRA_KEYS = frozenset(("inplace", "output_shapes", "weights", "tied", "meta"))
_CONTAINERS = (dict, list)  # a tuple: `dict | list` would make a union at every test


def location(container: Any, key: Any = None, *, value: bool = True) -> tuple[int, int]:
    """Where a key (or its value) was written in a document read with ``located=True``."""
    if isinstance(container, Located):
        marks = container.value_marks if value else container.key_marks
        return marks.get(key, container.mark)
    if isinstance(container, LocatedList) and isinstance(key, int):
        return container.item_marks[key] if key < len(container.item_marks) else container.mark
    return (1, 1)


def from_document(doc: Any) -> Graph:
    """Build a Graph from a parsed document, locating every problem."""
    if not isinstance(doc, dict):
        raise FormatError("a netcanvas document is a mapping with a `layers` list", *location(doc))
    for key in doc:
        if key not in TOP_KEYS:
            raise FormatError(
                f"unknown key '{key}' (a document has: {', '.join(TOP_KEYS)})",
                *location(doc, key, value=False),
            )
    version = doc.get("netcanvas", SCHEMA_VERSION)
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        raise FormatError(
            "`netcanvas` is the format version, an integer", *location(doc, "netcanvas")
        )
    if version > SCHEMA_VERSION:
        raise FormatError(
            f"format version {version} is newer than this netcanvas ({SCHEMA_VERSION})",
            *location(doc, "netcanvas"),
        )
    name = doc.get("name", "network")
    if not isinstance(name, str):
        raise FormatError("`name` must be a string", *location(doc, "name"))
    if "layers" not in doc:
        raise FormatError("the document has no `layers` list", *location(doc))
    layers = doc["layers"]
    if not isinstance(layers, list):
        raise FormatError("`layers` must be a list of layers", *location(doc, "layers"))
    view = doc.get("view", {})
    meta = doc.get("meta", {})
    for key, value in (("view", view), ("meta", meta)):
        if not isinstance(value, dict):
            raise FormatError(f"`{key}` must be a mapping", *location(doc, key))
    graph = Graph(name=name, view=_plain(view), meta=_plain(meta))
    taken: set[str] = set()
    for i, entry in enumerate(layers):
        node = _layer(entry, layers, i, graph.nodes[-1].name if graph.nodes else None, taken)
        taken.add(node.name)
        graph.nodes.append(node)
    return graph


def _layer(entry: Any, layers: Any, i: int, previous: str | None, taken: set[str]) -> Node:
    # A 50,000-layer document calls this 50,000 times: each key is read once, and the
    # text naming the layer in an error is only written for an error.
    if not isinstance(entry, dict):
        raise FormatError(f"layer {i + 1}: a layer is a mapping with `type`", *location(layers, i))
    get = entry.get
    type_ = get("type")
    if not isinstance(type_, str) or not type_:
        raise FormatError(
            f"layer {i + 1}: `type` must be a non-empty string", *location(entry, "type")
        )
    name = get("name")
    if name is None:
        name = default_name(type_, taken)
    if not isinstance(name, str) or not name:
        raise FormatError(
            f"layer {i + 1}: `name` must be a non-empty string", *location(entry, "name")
        )
    spec = lookup(type_)
    inputs = get("inputs")
    if inputs is None:
        source = spec is not None and spec.max_inputs == 0
        inputs = [] if source or previous is None else [previous]
    elif isinstance(inputs, str):
        inputs = [inputs]
    elif not isinstance(inputs, list) or not all(isinstance(x, str) for x in inputs):
        raise FormatError(
            f"layer '{name}': `inputs` is a list of layer names (`name` or `name:k`)",
            *location(entry, "inputs"),
        )
    scope = get("scope", "")
    inplace = False
    declared = weights = tied = meta = None
    if not _EXTRA_KEYS.isdisjoint(entry):
        inplace, declared, weights, tied, meta = _extras(entry, name)
    if not isinstance(scope, str) or (scope and "" in scope.split(".")):
        raise FormatError(
            f"layer '{name}': `scope` is a module path like `layer1.0`", *location(entry, "scope")
        )
    params = {
        k: _plain(v) if isinstance(v, _CONTAINERS) else v
        for k, v in entry.items()
        if k not in RESERVED_KEYS
    }
    if spec is not None:
        _check_params(spec, params, entry, f"layer '{name}'")
    return Node(
        name,
        type_,
        params,
        list(inputs),
        inplace,
        _plain(declared) if declared is not None else None,
        weights or {},
        tied or {},
        _plain(meta) if meta else {},
        scope,
    )


def _extras(entry: Any, name: str) -> tuple[bool, Any, Any, Any, Any]:
    """A layer's `inplace`, `output_shapes`, `weights`, `tied` and `meta`, checked in
    that order."""
    where = f"layer '{name}'"
    inplace = entry.get("inplace", False)
    if not isinstance(inplace, bool):
        raise FormatError(f"{where}: `inplace` is true or false", *location(entry, "inplace"))
    declared = entry.get("output_shapes")
    if declared is not None and not _is_shape_list(declared):
        raise FormatError(
            f"{where}: `output_shapes` is a list of shapes like [[1, 3, 224, 224]]",
            *location(entry, "output_shapes"),
        )
    weights = _tensors(entry, "weights", where) if "weights" in entry else {}
    tied = _tensors(entry, "tied", where) if "tied" in entry else {}
    meta = entry.get("meta", {})
    if not isinstance(meta, dict):
        raise FormatError(f"{where}: `meta` must be a mapping", *location(entry, "meta"))
    return inplace, declared, weights, tied, meta


def _tensors(entry: Any, key: str, where: str) -> dict[str, list[int]]:
    """`weights` / `tied`: learnable tensors by name, each with its shape."""
    if key not in entry:
        return {}
    value = entry[key]
    if not isinstance(value, dict) or not _is_shape_list(list(value.values())):
        raise FormatError(
            f"{where}: `{key}` maps each learnable tensor to its shape, "
            "like {pos_embedding: [1, 197, 768]}",
            *location(entry, key),
        )
    return {str(k): _plain(v) for k, v in value.items()}


def _check_params(spec: Any, params: dict[str, Any], entry: Any, where: str) -> None:
    try:
        spec.settings(params)
        return  # valid settings have no unknown key (Params forbid extras)
    except ValidationError:
        pass
    fields = spec.Params.model_fields
    for key in params:
        if key not in fields:
            known = ", ".join(fields) or "none"
            raise FormatError(
                f"{where}: unknown setting '{key}' for {spec.type} (settings: {known})",
                *location(entry, key, value=False),
            )
    try:
        spec.settings(params)
    except ValidationError as invalid:
        first = next(iter(setting_problems(invalid).values()))
        field = first["loc"][0] if first["loc"] else None
        named = setting_name(first)
        raise FormatError(
            f"{where}: {named}: {first['msg'].lower()}" if field else f"{where}: {first['msg']}",
            *_problem_location(entry, field, first["loc"]),
        ) from None


def _problem_location(entry: Any, field: Any, loc: tuple[Any, ...]) -> tuple[int, int]:
    """The bad item of a list setting if the problem is one item, else the setting."""
    value = entry.get(field) if isinstance(entry, dict) else None
    if isinstance(value, LocatedList) and len(loc) > 1 and isinstance(loc[-1], int):
        return location(value, loc[-1])
    return location(entry, field)


def _is_shape_list(value: Any) -> bool:
    return isinstance(value, list) and all(
        isinstance(s, list)
        and all(isinstance(d, int) and not isinstance(d, bool) and d > 0 for d in s)
        for s in value
    )


def _plain(value: Any) -> Any:
    """Drop the location wrappers: the graph holds plain dicts and lists."""
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def to_document(graph: Graph) -> dict[str, Any]:
    """The graph as a netcanvas document (plain data, keys in a stable order)."""
    layers: list[dict[str, Any]] = []
    previous: str | None = None
    sources: dict[str, bool] = {}  # by type: whether it takes no input (one lookup each)
    for node in graph.nodes:
        entry: dict[str, Any] = {"name": node.name, "type": node.type}
        if node.scope:
            entry["scope"] = node.scope
        source = sources.get(node.type)
        if source is None:
            spec = lookup(node.type)
            source = sources[node.type] = spec is not None and spec.max_inputs == 0
        default = [] if source or previous is None else [previous]
        if node.inputs != default:
            entry["inputs"] = list(node.inputs)
        entry.update(node.params)
        if node.inplace:
            entry["inplace"] = True
        if node.output_shapes:
            entry["output_shapes"] = node.output_shapes
        if node.weights:
            entry["weights"] = node.weights
        if node.tied:
            entry["tied"] = node.tied
        if node.meta:
            entry["meta"] = node.meta
        layers.append(entry)
        previous = node.name
    doc: dict[str, Any] = {"netcanvas": SCHEMA_VERSION, "name": graph.name, "layers": layers}
    if graph.view:
        doc["view"] = graph.view
    if graph.meta:
        doc["meta"] = graph.meta
    return doc
