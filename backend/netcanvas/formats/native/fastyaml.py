"""A fast path for the YAML netcanvas writes: one flow mapping per layer, on one line.

libyaml composes a node per scalar and PyYAML resolves each one in Python: ~6 s for a
50,000-layer document. The layers block of the documents netcanvas writes (and most
written by hand or by scripts) is a run of lines like

    - {name: b0_conv1, type: Conv2d, inputs: [data], kernel_size: 3, bias: false}

built from a small grammar whose every word YAML reads the same way JSON does once its
plain strings are quoted. When every line of the block matches that grammar exactly, the
block is translated to JSON by regular expressions and read by the json module, and the
rest of the document (a few lines, or a view) goes through the YAML reader as before.
Anything else -- a word YAML 1.1 reads as a boolean (`yes`, `On`), an exponent without a
dot, a multi-line mapping, an escape, a comment -- leaves the whole text to libyaml, so the
data is always what libyaml would give. The fast path never reports errors: whatever it
refuses, the full reader reads (and locates).
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Callable
from typing import Any

from netcanvas.formats.base import FormatError

# A plain scalar YAML reads as a string (the writer's own `_PLAIN`), unless it is one of
# the words YAML 1.1 resolves to a boolean or null (refused below, or JSON's own literals).
_PLAIN = r"[A-Za-z_][A-Za-z0-9_./\-]*"
# Numbers YAML 1.1 and JSON read alike: no leading zeros, underscores, `+`, hex, base 60,
# and a float has a dot (YAML 1.1 reads `1e5` as a string; its exponent carries a sign).
_NUMBER = r"-?(?:0|[1-9][0-9]*)(?:\.[0-9]+(?:[eE][-+][0-9]+)?)?"
# A double-quoted string without escapes, of characters YAML prints as they are and that
# break no line (NEL, LS, PS) and JSON takes raw.
_QUOTED = '"[ !#-\\[\\]-~\xa0-\u2027\u202a-\ud7ff\ue000-\ufefe\uff00-\ufffd\U00010000-\U0010ffff]*"'
# Every word stands between the characters that delimit flow values, so no two words
# touch (YAML would read `1.5e05` as one string where JSON reads a number).
_BEFORE, _AFTER = r"(?<=[\[{ ,])", r"(?=[ ,\]}:])"
_NUMBER_ATOM = re.compile(f"{_BEFORE}{_NUMBER}{_AFTER}")
# With each word reduced to `@`, the shape of a line: one flow mapping, nesting at most
# four collections, `: ` after each key (YAML reads `a:1` as one word).
_VALUE = "@"
for _ in range(3):
    _VALUE = (
        f"(?:@|\\[ *(?:{_VALUE}(?: *, *{_VALUE})*)? *\\]"
        f"|\\{{ *(?:@ *: +{_VALUE}(?: *, *@ *: +{_VALUE})*)? *\\}})"
    )
_MAP = f"\\{{ *(?:@ *: +{_VALUE}(?: *, *@ *: +{_VALUE})*)? *\\}}"
_LAYERS_KEY = re.compile(r"^layers: *\n", re.MULTILINE)
# Words YAML 1.1 reads as booleans or null that JSON would read otherwise (or refuse).
_YAML_WORDS = re.compile(
    r"(?<![A-Za-z0-9_./\-])(?:yes|Yes|YES|no|No|NO|True|TRUE|False|FALSE|on|On|ON|off|Off|OFF"
    r"|Null|NULL)(?![A-Za-z0-9_./\-])"
)
# A plain string to quote: not JSON's own true / false / null.
_TO_QUOTE = f"{_BEFORE}(?!(?:true|false|null){_AFTER}){_PLAIN}{_AFTER}"
_PLAIN_WORD = re.compile(f"{_BEFORE}({_PLAIN})")


@functools.cache
def quoted_patterns() -> tuple[re.Pattern[str], re.Pattern[str]]:
    """Every word (reduced to `@`), and a quoted string or a plain word to quote: for a
    block with quotes only, compiled on first use (their character class of quotable
    text costs ~3 ms each, in every `netcanvas render` of a file without quotes)."""
    atom = re.compile(f"{_BEFORE}(?:{_NUMBER}|{_PLAIN}|{_QUOTED}){_AFTER}")
    return atom, re.compile(f"{_BEFORE}({_QUOTED}){_AFTER}|{_TO_QUOTE}")


_SPACES = re.compile(" *")
_NEXT_KEY = re.compile(r"\n[^ \n-]")
_SENTINEL = "netcanvas_fast_layers_7f3a"
_LINE_PATTERNS: dict[str, re.Pattern[str]] = {}
_YAML_WORD_SET = frozenset(
    "yes Yes YES no No NO True TRUE False FALSE on On ON off Off OFF Null NULL".split()
)
# An int orjson would read as a float (past 64 bits) has at least 19 digits: with every
# digit made a 9 (str.translate, ten times faster than a regex here), a run of 19 nines.
_NINES = str.maketrans("012345678", "999999999")


def _line(indent: str) -> re.Pattern[str]:
    """One layer line indented by ``indent``, words reduced."""
    pattern = _LINE_PATTERNS.get(indent)
    if pattern is None:
        pattern = _LINE_PATTERNS[indent] = re.compile(f"{indent}- {_MAP} *")
    return pattern


def _well_formed(lines: list[str], indent: str) -> bool:
    """Whether the reduced lines are layer lines (or blank), the last one, after the
    block's final line break, a layer line or nothing. A block repeats a few shapes of
    line thousands of times (the names and numbers are reduced away): each distinct one
    is matched once."""
    line = _line(indent)
    *head, last = lines
    for text in set(head):
        if line.fullmatch(text) is None and _SPACES.fullmatch(text) is None:
            return False
    return not last or line.fullmatch(last) is not None


def split_layers(
    text: str, parse_rest: Callable[[str], Any], unique: Callable[[list[Any]], Any]
) -> Any:
    """The document's data if its layers block takes the fast path, else None.

    ``parse_rest`` reads the text around the block (the YAML reader's plain parse),
    ``unique`` is the JSON object hook refusing duplicate keys.
    """
    found = _LAYERS_KEY.search(text)
    if found is None or _SENTINEL in text or "\r" in text:
        return None
    start = found.end()
    indent = text[start : _SPACES.match(text, start).end()]  # type: ignore[union-attr]
    if len(indent) > 8:
        return None
    # The block: the lines from `layers:` up to the next line at the margin.
    found_end = _NEXT_KEY.search(text, start)
    end = found_end.start() + 1 if found_end else len(text)
    body = text[start:end]
    if "@" in body:
        return None
    if '"' in body:
        atom, quoted_or_plain = quoted_patterns()
        reduced = atom.sub("@", body)
        if not _well_formed(reduced.split("\n"), indent) or _YAML_WORDS.search(body):
            return None
        quoted = quoted_or_plain.sub(lambda m: m.group(1) or f'"{m.group()}"', body)
    else:
        # Split at each plain word (kept), the block is reduced and quoted from the one
        # split: the words' places joined by `@` and then its numbers reduced give what
        # reducing every word at once gives (a word and a number never start alike;
        # their delimiters are left as they were), at half the cost; joined by quotes,
        # every word is quoted, at C speed, and JSON's own literals lose their quotes
        # again. Without quotes, the split's words are all the block's plain words: none
        # may be a YAML 1.1 word.
        parts = _PLAIN_WORD.split(body)
        reduced = _NUMBER_ATOM.sub("@", "@".join(parts[0::2]))
        if not _well_formed(reduced.split("\n"), indent):
            return None
        if not _YAML_WORD_SET.isdisjoint(parts[1::2]):
            return None
        quoted = '"'.join(parts)
        for literal in ("true", "false", "null"):
            quoted = quoted.replace(f'"{literal}"', literal)
    items = [line for line in quoted.split("\n") if line.strip()]
    cut = len(indent) + 2
    if not items:
        return None  # `layers:` with nothing after it is null, not a list
    try:
        listed = "[" + ",".join(line[cut:] for line in items) + "]"
        layers = _loads(listed, reduced, len(items), body, unique)
        rest = text[: found.start()] + f"layers: [{_SENTINEL}]\n" + text[end:]
        data = _plain_rest(rest)
        if data is None:
            data = parse_rest(rest)
    except (ValueError, RecursionError, FormatError):
        return None
    # The sentinel read back as the top level's `layers` proves the block sat where a
    # top-level key's value is read (not inside a quoted or multi-line scalar).
    if not isinstance(data, dict) or data.get("layers") != [_SENTINEL]:
        return None
    data["layers"] = layers
    return data


# A top-level line of the text around the block that YAML and JSON read alike: a plain key
# and one word (printable ASCII in quotes, without escapes).
_REST_LINE = re.compile(f'({_PLAIN}): +({_NUMBER}|{_PLAIN}|"[ !#-\\[\\]-~]*"|\\[{_SENTINEL}\\]) *')


def _plain_rest(rest: str) -> dict[str, Any] | None:
    """The text around the block when it is only ``key: word`` lines (``netcanvas: 1``,
    ``name: resnet``), read without libyaml; else None (then libyaml reads it)."""
    data: dict[str, Any] = {}
    for line in rest.split("\n"):
        if not line:
            continue
        found = _REST_LINE.fullmatch(line)
        if found is None:
            return None
        key, word = found.groups()
        if key in data or key in _YAML_WORD_SET or key in ("true", "false", "null"):
            return None  # a duplicate or a key YAML reads as a boolean: libyaml says what
        if word in _YAML_WORD_SET:
            return None
        if word[0] == "[":
            data[key] = [_SENTINEL]
        elif word[0] in '"-0123456789' or word in ("true", "false", "null"):
            data[key] = json.loads(word)
        else:
            data[key] = word
    return data


def _loads(
    listed: str, reduced: str, count: int, body: str, unique: Callable[[list[Any]], Any]
) -> Any:
    """The layers' JSON read, refusing duplicate keys (ValueError).

    orjson reads it in half json's time but keeps the last of two equal keys, so it
    reads only blocks whose mappings are the layers themselves (no mapping inside one):
    then the keys read are the keys written (every `:` left in the reduced text) unless
    two were equal. An int past 64 bits, which orjson reads as a float, goes to json.
    """
    if reduced.count("{") == count and "9" * 19 not in body.translate(_NINES):
        import orjson

        try:
            layers = orjson.loads(listed)
        except orjson.JSONDecodeError:
            pass  # json reads what it can (a lone surrogate, a float past the range)
        else:
            if sum(map(len, layers)) == reduced.count(":"):
                return layers
            raise ValueError("duplicate key")
    return json.loads(listed, object_pairs_hook=unique)
