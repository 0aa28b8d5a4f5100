"""Reading YAML/JSON text safely into plain data, keeping marks when an error needs them.

Only safe YAML is read; aliases may not expand the document past a bound (no "billion
laughs"), nesting is bounded before anything recursive sees it, and every failure is a
FormatError with a line and column.
"""

from __future__ import annotations

import json
import re
from typing import Any

import yaml

from netcanvas.formats.base import FormatError
from netcanvas.formats.native.fastyaml import split_layers

MAX_EXPANDED_NODES = 2_000_000
# Deeper nesting is refused before anything recursive sees it: libyaml's composer
# recurses on the C stack (a few thousand levels crash the process), and the located
# constructor and the JSON module recurse in Python. A real document nests ~5 deep.
MAX_DEPTH = 100


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
    if not located and "layers:" in text:
        fast = split_layers(text, parse, _unique_keys)
        if fast is not None:
            return fast
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
    found = _LONE_SURROGATE.search(text) if "\\u" in text or "\\U" in text else None
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
        for item in value:
            if type(item) is dict or type(item) is list or isinstance(item, dict | list):
                stack.append((item, depth + 1))
    return True


# The tokens that matter for flow nesting: double-quoted strings (which may hold brackets)
# and brackets.
_JSON_NESTING = re.compile(r'"(?:[^"\\]|\\.)*"|[\[\]{}]')


def _refuse_deep_flow(text: str) -> None:
    """Refuse JSON (or flow YAML without single quotes) nested past MAX_DEPTH, at the
    bracket that goes too deep.

    libyaml's event parser cannot be asked first here: it scans up to 1,024 characters
    ahead for a simple key, and since PyYAML 6.0.4 it refuses deep flow collections during
    that look-ahead, at a depth and in words of its own. Outside quotes, a flow collection's
    plain scalars cannot hold brackets, so counting them between double-quoted strings is
    exact.
    """
    depth = 0
    for token in _JSON_NESTING.finditer(text):
        char = token.group()[0]
        if char in "[{":
            depth += 1
            if depth > MAX_DEPTH:
                line = text.count("\n", 0, token.start()) + 1
                column = token.start() - text.rfind("\n", 0, token.start())
                raise FormatError(
                    f"the document is nested more than {MAX_DEPTH} levels deep", line, column
                )
        elif char in "]}":
            depth -= 1


def _check_depth(text: str) -> None:
    """Refuse collections nested past MAX_DEPTH, at the one that goes too deep.

    libyaml's event parser keeps its own stack, so this scan is safe at any depth. Each
    level needs one of these characters, so most documents skip the scan entirely.
    """
    if sum(text.count(c) for c in "[{-:?") <= MAX_DEPTH:
        return
    if text.lstrip()[:1] in ("{", "[") and "'" not in text:
        _refuse_deep_flow(text)
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
