"""libyaml's half of the reader: what the fast paths (JSON, fastyaml) do not read.

The reader (``reader.py``) loads this module only for such text, so a command that reads
the YAML netcanvas writes never imports PyYAML. Only safe YAML is read; aliases may not
expand the document past a bound, nesting is bounded before anything recursive sees it,
and every failure is a FormatError with a line and column.
"""

from __future__ import annotations

import re
from typing import Any

import yaml

from netcanvas.formats.base import FormatError
from netcanvas.formats.native.reader import (
    MAX_DEPTH,
    MAX_EXPANDED_NODES,
    Located,
    LocatedList,
    _check_surrogates,
    _inside,
)


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


def read(text: str, located: bool) -> Any:
    """libyaml's reading of ``text``: plain data, or with marks if ``located``."""
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
