"""The netcanvas document as YAML (DESIGN 4); JSON is the same document.

Loading keeps the location of every key, so an unknown key or a bad value is a
:class:`FormatError` at its line and column. Only safe YAML is read, and aliases may
not expand the document past a bound (no "billion laughs").
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterable
from typing import Any

import yaml
from pydantic import ValidationError

from netcanvas.formats.base import FormatError
from netcanvas.graph.infer import setting_problems
from netcanvas.graph.infer import where as setting_name
from netcanvas.graph.model import SCHEMA_VERSION, Graph, Node
from netcanvas.layers import lookup
from netcanvas.layers.registry import default_name

NAME = "yaml"
EXTENSIONS = (".yaml", ".yml")
MEDIA_TYPE = "application/yaml"

MAX_EXPANDED_NODES = 2_000_000
# Deeper nesting is refused before anything recursive sees it: libyaml's composer
# recurses on the C stack (a few thousand levels crash the process), and the located
# constructor and the JSON module recurse in Python. A real document nests ~5 deep.
MAX_DEPTH = 100
TOP_KEYS = ("netcanvas", "name", "layers", "view", "meta")
RESERVED = ("name", "type", "inputs", "inplace", "output_shapes", "meta")


def sniff(name: str, head: bytes) -> bool:
    if name.lower().endswith(EXTENSIONS):
        return True
    return re.search(rb"^(netcanvas\s*:|layers\s*:)", head, re.MULTILINE) is not None


def load(data: bytes | str, options: dict[str, Any] | None = None) -> Graph:
    """Read a netcanvas YAML or JSON document.

    The fast path builds plain data; only when the document turns out to be wrong is it
    read again keeping every mark, so the error can name its line and column.
    """
    try:
        return from_document(parse(data))
    except FormatError:
        return from_document(parse(data, located=True))


def dump(graph: Graph, options: dict[str, Any] | None = None) -> bytes:
    """Write the graph as netcanvas YAML, one flow mapping per layer."""
    return to_yaml(to_document(graph)).encode()


# --- parsing with locations -------------------------------------------------------


class Located(dict[Any, Any]):
    """A mapping that remembers where it, its keys and its values were written."""

    __slots__ = ("mark", "key_marks", "value_marks")

    def __init__(self) -> None:
        super().__init__()
        self.mark: tuple[int, int] = (1, 1)
        self.key_marks: dict[Any, tuple[int, int]] = {}
        self.value_marks: dict[Any, tuple[int, int]] = {}


class LocatedList(list[Any]):
    __slots__ = ("mark", "item_marks")

    def __init__(self) -> None:
        super().__init__()
        self.mark: tuple[int, int] = (1, 1)
        self.item_marks: list[tuple[int, int]] = []


def _pos(mark: Any) -> tuple[int, int]:
    return (mark.line + 1, mark.column + 1) if mark is not None else (1, 1)


class _Loader(yaml.CSafeLoader):
    """libyaml's parser with constructors that keep marks."""


def _construct_mapping(loader: _Loader, node: yaml.MappingNode) -> Located:
    loader.flatten_mapping(node)
    out = Located()
    out.mark = _pos(node.start_mark)
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        if not isinstance(key, str | int | float | bool) and key is not None:
            raise FormatError("mapping keys must be plain scalars", *_pos(key_node.start_mark))
        if key in out:
            raise FormatError(f"duplicate key '{key}'", *_pos(key_node.start_mark))
        out[key] = loader.construct_object(value_node, deep=True)
        out.key_marks[key] = _pos(key_node.start_mark)
        out.value_marks[key] = _pos(value_node.start_mark)
    return out


def _construct_sequence(loader: _Loader, node: yaml.SequenceNode) -> LocatedList:
    out = LocatedList()
    out.mark = _pos(node.start_mark)
    for child in node.value:
        out.append(loader.construct_object(child, deep=True))
        out.item_marks.append(_pos(child.start_mark))
    return out


_Loader.add_constructor("tag:yaml.org,2002:map", _construct_mapping)
_Loader.add_constructor("tag:yaml.org,2002:seq", _construct_sequence)


def parse(data: bytes | str, located: bool = False) -> Any:
    """YAML/JSON text -> plain data (with marks if ``located``); failures are FormatErrors."""
    if isinstance(data, bytes):
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError as bad:
            line = data.count(b"\n", 0, bad.start) + 1
            raise FormatError("the file is not UTF-8 text", line, 1) from None
    else:
        text = data
    if "\x00" in text:
        raise FormatError("the file contains NUL bytes: is it binary?", 1, 1)
    if not located and text.lstrip().startswith("{"):
        try:  # JSON (the API's body): the json module is far faster than any YAML parser
            data = json.loads(text, object_pairs_hook=_unique_keys)
        except (ValueError, RecursionError):
            pass  # the YAML reader below reports where it went wrong
        else:
            if _depth_within(data, MAX_DEPTH):
                _check_surrogates(text, data)
                return data
    _check_depth(text)
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            raise FormatError("the document is empty", 1, 1)
        if "&" in text:  # no anchor, no alias: nothing can expand
            _check_expansion(node)
        data = loader.construct_document(node) if located else _plain_node(node)
        _check_surrogates(text, data)
        return data
    except FormatError:
        raise
    except yaml.MarkedYAMLError as bad:
        mark = bad.problem_mark or bad.context_mark
        raise FormatError(_yaml_message(bad), *_inside(text, *_pos(mark))) from None
    except yaml.YAMLError as bad:
        raise FormatError(str(bad).splitlines()[0], 1, 1) from None
    except RecursionError:
        raise FormatError("the document is nested too deeply", 1, 1) from None
    except (ValueError, TypeError, OverflowError) as bad:  # constructor of a bad scalar
        raise FormatError(f"unreadable value: {bad}", 1, 1) from None
    finally:
        loader.dispose()


_SCALARS = yaml.constructor.SafeConstructor()
_BUILD = {
    "tag:yaml.org,2002:int": _SCALARS.construct_yaml_int,
    "tag:yaml.org,2002:float": _SCALARS.construct_yaml_float,
    "tag:yaml.org,2002:bool": _SCALARS.construct_yaml_bool,
    "tag:yaml.org,2002:null": _SCALARS.construct_yaml_null,
}


# A \uXXXX escape of half a UTF-16 pair with no other half: JSON and YAML both let it
# through, but it is not a character and no UTF-8 answer or file can hold it.
_LONE_SURROGATE = re.compile(
    r"\\u[dD][89abAB][0-9a-fA-F]{2}(?!\\u[dD][c-fC-F][0-9a-fA-F]{2})"
    r"|(?<!\\u[dD][89abAB][0-9a-fA-F]{2})\\u[dD][c-fC-F][0-9a-fA-F]{2}"
)


def _check_surrogates(text: str, data: Any) -> None:
    """Refuse strings holding lone surrogates, at the escape that wrote one."""
    found = _LONE_SURROGATE.search(text)
    if found is None or not _holds_surrogate(data):
        return
    line = text.count("\n", 0, found.start()) + 1
    column = found.start() - text.rfind("\n", 0, found.start())
    raise FormatError(f"'{found.group()}' is half of a UTF-16 pair, not a character", line, column)


def _holds_surrogate(data: Any) -> bool:
    stack = [data]
    while stack:
        value = stack.pop()
        if isinstance(value, str):
            if any("\ud800" <= c <= "\udfff" for c in value):
                return True
        elif isinstance(value, dict):
            stack.extend(value.keys())
            stack.extend(value.values())
        elif isinstance(value, list):
            stack.extend(value)
    return False


def _inside(text: str, line: int, column: int) -> tuple[int, int]:
    """Clamp a position to the text: libyaml marks the end of a file without a final
    line break one line past it, a line no editor can show."""
    lines = _YAML_BREAK.split(text)
    if line > len(lines):
        return len(lines), len(lines[-1]) + 1
    return line, min(column, len(lines[line - 1]) + 1)


# What YAML counts as a line break (the marks count lines the same way).
_YAML_BREAK = re.compile("\r\n|[\r\n\x85\u2028\u2029]")


def _depth_within(data: Any, limit: int) -> bool:
    """Whether plain data nests at most ``limit`` containers deep (no recursion)."""
    stack: list[tuple[Any, int]] = [(data, 1)]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, dict):
            value = value.values()
        elif not isinstance(value, list):
            continue
        if depth > limit:
            return False
        stack.extend((item, depth + 1) for item in value if isinstance(item, dict | list))
    return True


def _check_depth(text: str) -> None:
    """Refuse collections nested past MAX_DEPTH, at the one that goes too deep.

    libyaml's event parser keeps its own stack, so this scan is safe at any depth. Each
    level needs one of these characters, so most documents skip the scan entirely.
    """
    if sum(text.count(c) for c in "[{-:?") <= MAX_DEPTH:
        return
    parser = yaml.CSafeLoader(text)
    depth = 0
    try:
        while (event := parser.get_event()) is not None:
            kind = type(event)
            if kind is yaml.SequenceStartEvent or kind is yaml.MappingStartEvent:
                depth += 1
                if depth > MAX_DEPTH:
                    raise FormatError(
                        f"the document is nested more than {MAX_DEPTH} levels deep",
                        *_pos(event.start_mark),
                    )
            elif kind is yaml.SequenceEndEvent or kind is yaml.MappingEndEvent:
                depth -= 1
    except yaml.YAMLError:
        return  # a syntax error: the composer reports it with its location
    finally:
        parser.dispose()


def _plain_node(node: yaml.Node) -> Any:
    """Composed nodes -> plain Python data, without the constructor machinery's overhead."""
    if isinstance(node, yaml.ScalarNode):
        if node.tag == "tag:yaml.org,2002:str":
            return node.value
        build = _BUILD.get(node.tag)
        if build is None:
            raise FormatError(f"unsupported YAML value of type {node.tag}", *_pos(node.start_mark))
        return build(node)
    if isinstance(node, yaml.SequenceNode):
        return [_plain_node(child) for child in node.value]
    if isinstance(node, yaml.MappingNode):
        out = {}
        for key_node, value_node in node.value:
            key = _plain_node(key_node)
            if not isinstance(key, str | int | float | bool) and key is not None or key in out:
                raise FormatError("bad or duplicate key")  # the located pass says where
            out[key] = _plain_node(value_node)
        return out
    raise FormatError(f"unsupported YAML node {node.tag}", *_pos(node.start_mark))


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out = dict(pairs)
    if len(out) != len(pairs):
        raise ValueError("duplicate key")
    return out


def _yaml_message(bad: yaml.MarkedYAMLError) -> str:
    parts = [p for p in (bad.context, bad.problem) if p]
    return ", ".join(parts) or "invalid YAML"


def _check_expansion(root: yaml.Node) -> None:
    """Refuse documents whose aliases expand past MAX_EXPANDED_NODES nodes."""
    sizes: dict[int, int] = {}
    stack: list[tuple[yaml.Node, bool]] = [(root, False)]
    while stack:
        node, done = stack.pop()
        key = id(node)
        if key in sizes and not done:
            continue
        children: list[yaml.Node] = []
        if isinstance(node, yaml.SequenceNode):
            children = list(node.value)
        elif isinstance(node, yaml.MappingNode):
            children = [n for pair in node.value for n in pair]
        if not done:
            sizes[key] = -1  # visiting: a back edge means a recursive alias
            stack.append((node, True))
            for child in children:
                if sizes.get(id(child)) == -1:
                    raise FormatError("recursive alias", *_pos(child.start_mark))
                if id(child) not in sizes:
                    stack.append((child, False))
            continue
        total = 1 + sum(sizes[id(c)] for c in children)
        if total > MAX_EXPANDED_NODES:
            raise FormatError(
                f"aliases expand the document past {MAX_EXPANDED_NODES:,} values",
                *_pos(node.start_mark),
            )
        sizes[key] = total


# --- document <-> graph ------------------------------------------------------------


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
    where = f"layer {i + 1}"
    if not isinstance(entry, dict):
        raise FormatError(f"{where}: a layer is a mapping with `type`", *location(layers, i))
    type_ = entry.get("type")
    if not isinstance(type_, str) or not type_:
        raise FormatError(f"{where}: `type` must be a non-empty string", *location(entry, "type"))
    name = entry.get("name", None)
    if name is None:
        name = default_name(type_, taken)
    if not isinstance(name, str) or not name:
        raise FormatError(f"{where}: `name` must be a non-empty string", *location(entry, "name"))
    where = f"layer '{name}'"
    spec = lookup(type_)
    inputs = entry.get("inputs")
    if inputs is None:
        source = spec is not None and spec.max_inputs == 0
        inputs = [] if source or previous is None else [previous]
    elif isinstance(inputs, str):
        inputs = [inputs]
    if not isinstance(inputs, list) or not all(isinstance(x, str) for x in inputs):
        raise FormatError(
            f"{where}: `inputs` is a list of layer names (`name` or `name:k`)",
            *location(entry, "inputs"),
        )
    inplace = entry.get("inplace", False)
    if not isinstance(inplace, bool):
        raise FormatError(f"{where}: `inplace` is true or false", *location(entry, "inplace"))
    declared = entry.get("output_shapes")
    if declared is not None and not _is_shape_list(declared):
        raise FormatError(
            f"{where}: `output_shapes` is a list of shapes like [[1, 3, 224, 224]]",
            *location(entry, "output_shapes"),
        )
    meta = entry.get("meta", {})
    if not isinstance(meta, dict):
        raise FormatError(f"{where}: `meta` must be a mapping", *location(entry, "meta"))
    params = {k: _plain(v) for k, v in entry.items() if k not in RESERVED}
    if spec is not None:
        _check_params(spec, params, entry, where)
    return Node(
        name=name,
        type=type_,
        params=params,
        inputs=list(inputs),
        inplace=inplace,
        output_shapes=_plain(declared),
        meta=_plain(meta),
    )


def _check_params(spec: Any, params: dict[str, Any], entry: Any, where: str) -> None:
    fields = spec.Params.model_fields
    for key in params:
        if key not in fields:
            known = ", ".join(fields) or "none"
            raise FormatError(
                f"{where}: unknown setting '{key}' for {spec.type} (settings: {known})",
                *location(entry, key, value=False),
            )
    try:
        spec.Params.model_validate(params)
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
    for node in graph.nodes:
        entry: dict[str, Any] = {"name": node.name, "type": node.type}
        spec = lookup(node.type)
        source = spec is not None and spec.max_inputs == 0
        default = [] if source or previous is None else [previous]
        if node.inputs != default:
            entry["inputs"] = list(node.inputs)
        entry.update(node.params)
        if node.inplace:
            entry["inplace"] = True
        if node.output_shapes:
            entry["output_shapes"] = node.output_shapes
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


# --- writing -------------------------------------------------------------------------

_PLAIN = re.compile(r"^[A-Za-z_][A-Za-z0-9_./\-]*$")
_KEYWORDS = {"true", "false", "yes", "no", "on", "off", "null", "y", "n", "~"}


def _scalar(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isnan(value):
            return ".nan"
        if math.isinf(value):
            return ".inf" if value > 0 else "-.inf"
        text = repr(value)
        # YAML 1.1 reads "1e-05" as a string: its floats need a dot before the exponent.
        if "e" in text and "." not in text:
            text = text.replace("e", ".0e", 1)
        return text
    text = str(value)
    if _PLAIN.match(text) and text.lower() not in _KEYWORDS:
        return text
    # JSON's quoting is YAML's double-quoted style, except that YAML also breaks lines
    # at NEL/LS/PS and refuses C1 controls: escape those too.
    return _YAML_UNSAFE.sub(_escape, json.dumps(text, ensure_ascii=False))


_YAML_UNSAFE = re.compile("[\x7f-\x9f\u2028\u2029\ufeff\ufffe\uffff]")


def _escape(found: re.Match[str]) -> str:
    return f"\\u{ord(found.group()):04x}"


def _flow(value: Any) -> str:
    if isinstance(value, dict):
        return "{" + ", ".join(f"{_scalar(k)}: {_flow(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_flow(v) for v in value) + "]"
    return _scalar(value)


def _block(value: Any, indent: int) -> Iterable[str]:
    pad = " " * indent
    for key, item in value.items():
        if isinstance(item, dict) and item:
            yield f"{pad}{_scalar(key)}:"
            yield from _block(item, indent + 2)
        else:
            yield f"{pad}{_scalar(key)}: {_flow(item)}"


def to_yaml(doc: dict[str, Any]) -> str:
    """Readable YAML: block style at the top, one flow mapping per layer."""
    lines: list[str] = []
    for key, value in doc.items():
        if key == "layers":
            lines.append("layers:")
            lines.extend(f"  - {_flow(layer)}" for layer in value)
        elif isinstance(value, dict) and value:
            lines.append(f"{key}:")
            lines.extend(_block(value, 2))
        else:
            lines.append(f"{key}: {_flow(value)}")
    return "\n".join(lines) + "\n"


def to_json(doc: dict[str, Any]) -> str:
    return json.dumps(doc, indent=2, ensure_ascii=False, allow_nan=False) + "\n"
