"""Schema-less protobuf text format: a located reader and a round-trippable writer.

The reader knows no schema: a message becomes a :class:`Message` (a dict remembering
where it started), a field seen several times becomes a list in file order, an enum is
an :class:`Enum` (a ``str`` written back bare) and a quoted string a plain ``str``.
Errors are :class:`FormatError` at the offending token. Nesting is bounded and the
parser recurses only per nesting level, so hostile input fails fast and cleanly.
"""

from __future__ import annotations

import bisect
import math
import re
from typing import Any, NoReturn

from netcanvas.formats.base import FormatError, line_col

MAX_DEPTH = 100
MAX_BYTES = 32 * 2**20


class Enum(str):
    """A bare identifier value (``pool: MAX``), written back without quotes."""

    __slots__ = ()


class Message(dict[str, Any]):
    """A parsed ``{ ... }`` block: a dict that remembers its 1-based line and column, and
    where each of its numbers was written (``numbers``: key -> character offsets, in
    order), so a number that turns out wrong later is reported at its place."""

    __slots__ = ("line", "column", "numbers")

    def __init__(self, line: int = 1, column: int = 1) -> None:
        super().__init__()
        self.line = line
        self.column = column
        self.numbers: dict[str, list[int]] | None = None

    def number_offset(self, key: str, index: int = -1) -> int | None:
        offsets = (self.numbers or {}).get(key)
        if not offsets:
            return None
        return offsets[index] if -len(offsets) <= index < len(offsets) else offsets[-1]


# One match per token: the blanks and comments before it (possessive: never given back),
# then the token; any other character is group 5 (an error), and the end is an empty match.
_TOKEN = re.compile(
    r"""
    (?:[ \t\r\n\f\v]+|\#[^\n]*)*+
    (?:("(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*')
    | ([-+]?(?:0[xX][0-9a-fA-F]+|(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?[fF]?
        |(?:[iI][nN][fF](?:[iI][nN][iI][tT][yY])?|[nN][aA][nN]))(?![A-Za-z0-9_]))
    | ([A-Za-z_][A-Za-z0-9_]*)
    | ([{}\[\]:,;<>])
    | (.)
    | \Z)
    """,
    re.VERBOSE,
)
_STRING, _NUMBER, _NAME, _PUNCT, _BAD = 1, 2, 3, 4, 5
_CLOSE = {"{": "}", "<": ">"}
# A net's layer blocks: one opening inside another means a '}' is missing before it (no
# Caffe message holds a layer), which is said there rather than at the end of the file.
_LAYER_KEYS = frozenset({"layer", "layers"})
_ESCAPES = {
    "n": "\n",
    "t": "\t",
    "r": "\r",
    "a": "\a",
    "b": "\b",
    "f": "\f",
    "v": "\v",
    "\\": "\\",
    "'": "'",
    '"': '"',
    "?": "?",
}
_ESCAPE = re.compile(r"\\(x[0-9a-fA-F]{1,2}|u[0-9a-fA-F]{4}|[0-7]{1,3}|.)", re.DOTALL)
_SPECIAL_FLOATS = {"inf": math.inf, "infinity": math.inf, "nan": math.nan}


def parse(data: bytes | str) -> Message:
    """Parse a whole protobuf text document into a :class:`Message`."""
    if isinstance(data, bytes):
        if len(data) > MAX_BYTES:
            raise FormatError(f"file is larger than {MAX_BYTES // 2**20} MB", 1, 1)
        text = _decode(data)
    else:
        text = data
        if len(text) > MAX_BYTES:
            raise FormatError(f"text is longer than {MAX_BYTES // 2**20} M characters", 1, 1)
    return _Parser(text).document()


def _decode(data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as bad:
        prefix = data[: bad.start].decode("utf-8", "replace")
        line, column = line_col(prefix, len(prefix))
        raise FormatError("the file is not UTF-8 text", line, column) from None


class _Parser:
    __slots__ = ("text", "tokens", "pos", "_starts", "_layer_at")

    def __init__(self, text: str) -> None:
        self.text = text
        self.tokens = self._tokenize()
        self.pos = 0
        self._starts: list[int] | None = None
        self._layer_at: int | None = None  # offset of the layer block being read

    def _line_col(self, offset: int) -> tuple[int, int]:
        """Line and column by bisection over line starts (found once, on first use)."""
        if self._starts is None:
            self._starts = [0, *(m.end() for m in re.finditer("\n", self.text))]
        line = bisect.bisect_right(self._starts, offset)
        return line, offset - self._starts[line - 1] + 1

    def _tokenize(self) -> list[tuple[int, str, int]]:
        tokens = [
            (kind, m.group(kind), m.start(kind))
            for m in _TOKEN.finditer(self.text)
            if (kind := m.lastindex)
        ]
        for kind, char, offset in tokens:
            if kind == _BAD:
                if char in "\"'":
                    self._fail("unterminated string", offset)
                self._fail(f"unexpected character {char!r}", offset)
        return tokens

    def _fail(self, message: str, offset: int) -> NoReturn:
        line, column = line_col(self.text, offset)
        raise FormatError(message, line, column)

    def _where(self) -> int:
        if self.pos < len(self.tokens):
            return self.tokens[self.pos][2]
        return len(self.text)

    def _peek(self) -> str | None:
        if self.pos < len(self.tokens):
            kind, text, _ = self.tokens[self.pos]
            return text if kind == _PUNCT else None
        return None

    def _describe(self) -> str:
        if self.pos >= len(self.tokens):
            return "the end of the file"
        return repr(self.tokens[self.pos][1])

    def document(self) -> Message:
        root = Message()
        self._fields(root, None, 0)
        return root

    def _fields(self, target: Message, close: str | None, depth: int) -> None:
        # The hot loop of the reader: numbers, bare words and plain strings are read
        # inline, every other value through _field_value.
        tokens, n, pos = self.tokens, len(self.tokens), self.pos
        while pos < n:
            kind, text, offset = tokens[pos]
            if kind != _NAME:
                if kind == _PUNCT and text == close:
                    self.pos = pos + 1
                    return
                what = "'}' or a field name" if close else "a field name"
                self._fail(f"{what} expected, got {text!r}", offset)
            value: Any = None
            if pos + 2 < n and tokens[pos + 1][1] == ":" and tokens[pos + 1][0] == _PUNCT:
                kind, word, at = tokens[pos + 2]
                if kind == _NUMBER:
                    value = self._number(word, at)
                    if target.numbers is None:
                        target.numbers = {}
                    target.numbers.setdefault(text, []).append(at)
                elif kind == _NAME:
                    lower = word.lower()
                    value = lower == "true" if lower in ("true", "false") else Enum(word)
                elif kind == _STRING and "\\" not in word:
                    if pos + 3 == n or tokens[pos + 3][0] != _STRING:  # else: concatenated
                        value = word[1:-1]
            if value is not None:
                pos += 3
            elif text in _LAYER_KEYS:
                value = self._layer(text, pos, depth)
                pos = self.pos
            else:
                self.pos = pos + 1
                value = self._field_value(text, depth)
                pos = self.pos
            if text in target:
                _store(target, text, value)
            else:
                target[text] = value
            if pos < n and tokens[pos][1] in (";", ",") and tokens[pos][0] == _PUNCT:
                pos += 1
        self.pos = pos
        if close is not None:
            line, column = target.line, target.column
            self._fail(
                f"'{close}' expected before the end of the file "
                f"(block opened at line {line}, column {column})",
                len(self.text),
            )

    def _layer(self, key: str, pos: int, depth: int) -> Any:
        """A `layer` field; one inside another layer block is an unclosed brace, said here."""
        offset = self.tokens[pos][2]
        if self._layer_at is not None:
            line, column = line_col(self.text, self._layer_at)
            self._fail(
                f"'}}' expected before '{key}': the layer block opened at line {line}, "
                f"column {column} is not closed",
                offset,
            )
        self.pos = pos + 1
        self._layer_at = offset
        try:
            return self._field_value(key, depth)
        finally:
            self._layer_at = None

    def _number(self, text: str, offset: int) -> int | float:
        try:
            return _number(text)
        except ValueError:  # past Python's 4,300-digit limit for int()
            self._fail(f"the number {text[:20]}... has {len(text)} digits: too long", offset)

    def _field_value(self, key: str, depth: int) -> Any:
        sep = self._peek()
        if sep == ":":
            self.pos += 1
            nxt = self._peek()
            if nxt == "[":
                return self._list(depth)
            if nxt in _CLOSE:
                return self._message(depth)
            return self._scalar()
        if sep in _CLOSE:
            return self._message(depth)
        if sep == "[":  # `key [ {..}, {..} ]`: protobuf allows lists of messages without ':'
            return self._list(depth)
        return self._fail(
            f"':' or '{{' expected after '{key}', got {self._describe()}", self._where()
        )

    def _message(self, depth: int) -> Message:
        if depth >= MAX_DEPTH:
            self._fail(f"blocks nested deeper than {MAX_DEPTH} levels", self._where())
        _, opener, offset = self.tokens[self.pos]
        self.pos += 1
        block = Message(*self._line_col(offset))
        self._fields(block, _CLOSE[opener], depth + 1)
        return block

    def _list(self, depth: int) -> list[Any]:
        self.pos += 1  # '['
        items: list[Any] = []
        if self._peek() == "]":
            self.pos += 1
            return items
        while True:
            if self._peek() in _CLOSE:
                items.append(self._message(depth))
            else:
                items.append(self._scalar())
            sep = self._peek()
            self.pos += 1
            if sep == "]":
                return items
            if sep != ",":
                self.pos -= 1
                self._fail(f"',' or ']' expected in a list, got {self._describe()}", self._where())

    def _scalar(self) -> Any:
        if self.pos >= len(self.tokens):
            self._fail("a value expected, got the end of the file", len(self.text))
        kind, text, offset = self.tokens[self.pos]
        self.pos += 1
        if kind == _NUMBER:
            return self._number(text, offset)
        if kind == _NAME:
            lower = text.lower()
            if lower in ("true", "false"):
                return lower == "true"
            return Enum(text)
        if kind == _STRING:
            parts = [self._unquote(text, offset)]
            while self.pos < len(self.tokens) and self.tokens[self.pos][0] == _STRING:
                _, more, at = self.tokens[self.pos]
                parts.append(self._unquote(more, at))
                self.pos += 1
            return "".join(parts)
        return self._fail(f"a value expected, got {text!r}", offset)

    def _unquote(self, token: str, offset: int) -> str:
        body = token[1:-1]
        if "\\" not in body:
            return body

        def escape(m: re.Match[str]) -> str:
            code = m.group(1)
            if code[0] in "xu" and len(code) > 1:
                return chr(int(code[1:], 16))
            if code[0] in "01234567":
                return chr(int(code, 8))
            if code in _ESCAPES:
                return _ESCAPES[code]
            return self._fail(f"unknown escape '\\{code}' in a string", offset + 1 + m.start())

        return _ESCAPE.sub(escape, body)


def _number(text: str) -> int | float:
    sign = -1 if text[0] == "-" else 1
    body = text.lstrip("+-")
    lower = body.lower()
    if lower in _SPECIAL_FLOATS:
        return sign * _SPECIAL_FLOATS[lower]
    if lower.startswith("0x"):
        return sign * int(body[2:], 16)
    if any(c in lower for c in ".ef"):
        return sign * float(lower.rstrip("f"))
    return sign * int(body)


def _store(target: Message, key: str, value: Any) -> None:
    if key not in target:
        target[key] = value
        return
    current = target[key]
    if isinstance(current, list):
        if isinstance(value, list):
            current.extend(value)
        else:
            current.append(value)
    else:
        target[key] = [current, *value] if isinstance(value, list) else [current, value]


def as_list(value: Any) -> list[Any]:
    """A field's values as a list: absent -> [], one value -> [value]."""
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


# --- writer --------------------------------------------------------------------------


def dump(message: dict[str, Any], indent: str = "  ") -> str:
    """Write a dict as protobuf text; lists become repeated fields, dicts blocks."""
    lines: list[str] = []
    _write_fields(message, lines, "", indent)
    return "\n".join(lines) + ("\n" if lines else "")


def _write_fields(message: dict[str, Any], lines: list[str], pad: str, indent: str) -> None:
    for key, value in message.items():
        if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", key):
            raise ValueError(f"'{key}' is not a valid protobuf field name")
        for item in value if isinstance(value, list) else [value]:
            if isinstance(item, dict):
                lines.append(f"{pad}{key} {{")
                _write_fields(item, lines, pad + indent, indent)
                lines.append(f"{pad}}}")
            elif item is not None:
                lines.append(f"{pad}{key}: {scalar_text(item)}")


def scalar_text(value: Any) -> str:
    """One scalar as protobuf text: enums bare, strings quoted, floats exact."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Enum):
        return str(value)
    if isinstance(value, str):
        return '"' + _quote(value) + '"'
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isnan(value):
            return "nan"
        if math.isinf(value):
            return "inf" if value > 0 else "-inf"
        return repr(value)
    raise ValueError(f"cannot write {type(value).__name__} {value!r} as protobuf text")


def _quote(text: str) -> str:
    out = []
    for char in text:
        if char in '\\"':
            out.append("\\" + char)
        elif char == "\n":
            out.append("\\n")
        elif char == "\t":
            out.append("\\t")
        elif char == "\r":
            out.append("\\r")
        elif ord(char) < 32 or ord(char) == 127:
            out.append(f"\\{ord(char):03o}")
        else:
            out.append(char)
    return "".join(out)
