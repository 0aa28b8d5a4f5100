"""TensorBoard event files (``events.out.tfevents.*``): their scalars.

Why not tensorboard's own loader: without TensorFlow installed, ``EventFileLoader`` and
``EventAccumulator`` frame records with a pure-Python reader whose CRC-32C runs one byte
per loop turn, then build a protobuf object and several Python objects per event; that
is about 40 µs per scalar, 70 s for a 100 MB log. This reader:

1. frames the TFRecord stream (``uint64 length, uint32 masked CRC of the length, data,
   uint32 masked CRC of the data``) with one ``struct`` call per record;
2. checks every header CRC, vectorised (``crc32c.py``): garbage or a wrong length is
   caught at its record;
3. decodes the commonest record, a one-value ``simple_value`` scalar event as
   ``SummaryWriter.add_scalar`` (torch, tensorboardX, TF1) writes it, with numpy over
   all records at once, checking the exact wire layout; every other record (the file
   version, tensor-valued TF2 scalars, events with several values, fields in another
   order) is decoded by tensorboard's compiled ``event_pb2`` one at a time;
4. checks the data CRC of every record that gave a scalar (vectorised). Records that
   carry no scalar (images, histograms, graphs) are framed and header-checked but their
   payload CRC is not computed, since nothing of them is used.

A truncated last record (a run still writing) ends the file quietly; a bad checksum,
or bytes that are not an ``Event``, raise :class:`FormatError` with line = record number
(1-based), column 1 and "record N" in the message.
"""

from __future__ import annotations

import struct
from pathlib import Path
from typing import Any

import numpy as np

from netcanvas.formats.base import FormatError
from netcanvas.logs.crc32c import masked_crc32c, masked_crc32c_spans
from netcanvas.logs.model import Run, Series
from netcanvas.logs.tfbulk import I64, PAD, U8, B, Bulk, decode, tag_names

NAME = "tensorboard"
_HEADER = struct.Struct("<QI")
_LENGTH = struct.Struct("<Q")


def sniff(path: str, head: bytes) -> bool:
    """An event file by its name, or by a first record header whose checksum holds.

    >>> sniff("logs/events.out.tfevents.1700000000.host", b"")
    True
    """
    if "tfevents" in Path(path).name:
        return True
    if len(head) < 12:
        return False
    length, crc = _HEADER.unpack_from(head)
    return bool(length < 1 << 32 and masked_crc32c(head[:8]) == crc)


def read(path: str, check_crc: bool = True) -> list[Run]:
    """The scalars of one event file as one run named after its folder.

    >>> read("runs/a/events.out.tfevents.1.host")[0].metrics["loss"].values  # doctest: +SKIP
    """
    try:
        data = Path(path).read_bytes()
    except OSError as failure:
        raise FormatError(f"cannot read: {failure.strerror or failure}") from None
    metrics = scalars(data, check_crc)
    return [Run(Path(path).parent.name or path, path, metrics, NAME)]


def scalars(data: bytes, check_crc: bool = True) -> dict[str, Series]:
    """Every scalar of an event file's bytes, by tag, in the order they were written.

    >>> scalars(b"")
    {}
    """
    starts, lengths = _frame(data)
    if not len(starts):
        return {}
    d = np.frombuffer(data + bytes(PAD), dtype=np.uint8)
    fast = decode(d, starts, lengths)
    slow, plugins = _decode_slow(data, d, starts, lengths, ~fast.ok, check_crc)
    chosen = np.flatnonzero(fast.ok)
    names, codes = tag_names(d, fast, chosen)
    if fast.tensor.any():  # a float tensor is a scalar when its tag's plugin is "scalars"
        scalar_tags = np.array([plugins.get(name) == "scalars" for name in names], dtype=bool)
        keep = ~fast.tensor[chosen] | scalar_tags[codes]
        chosen, codes = chosen[keep], codes[keep]
    if check_crc:
        bad = _bad_crc(d, starts[chosen], lengths[chosen])
        if bad is not None:
            raise _record_error(int(chosen[bad]), "data checksum mismatch (corrupted file)")
    return _assemble(fast, chosen, names, codes, slow)


def _record_error(index: int, message: str) -> FormatError:
    return FormatError(f"record {index + 1}: {message}", index + 1, 1)


def _frame(data: bytes) -> tuple[I64, I64]:
    """Data offsets and lengths of the complete records; a partial last record is dropped."""
    size = len(data)
    if size >= 12:
        length, crc = _HEADER.unpack_from(data)
        if masked_crc32c(data[:8]) != crc:
            raise _record_error(0, "bad header checksum: not a TensorBoard event file")
    unpack = _LENGTH.unpack_from
    positions: list[int] = []
    append = positions.append
    pos = 0
    while pos + 16 <= size:
        end = pos + 16 + unpack(data, pos)[0]
        if end > size:
            break
        append(pos)
        pos = end
    heads = np.array(positions, dtype=np.int64)
    d = np.frombuffer(data, dtype=np.uint8)
    lengths = d[heads[:, None] + np.arange(8)].copy().view("<u8").ravel()
    if len(heads):
        # A header's CRC depends on its length alone, and a log has few distinct lengths.
        stored = d[heads[:, None] + np.arange(8, 12)].copy().view("<u4").ravel()
        distinct, which = np.unique(lengths, return_inverse=True)
        crcs = [masked_crc32c(_LENGTH.pack(int(n))) for n in distinct.tolist()]
        wrong = np.flatnonzero(np.array(crcs, dtype=np.uint32)[which.ravel()] != stored)
        if len(wrong):
            raise _record_error(int(wrong[0]), "bad header checksum (corrupted file)")
    if pos + 12 <= size and masked_crc32c(data[pos : pos + 8]) != _HEADER.unpack_from(data, pos)[1]:
        raise _record_error(len(heads), "bad header checksum (corrupted file)")
    return heads + 12, lengths.astype(np.int64)


def _bad_crc(d: U8, starts: I64, lengths: I64) -> int | None:
    """Index of the first span whose stored data CRC differs, or None."""
    if not len(starts):
        return None
    stored = d[(starts + lengths)[:, None] + np.arange(4)].copy().view("<u4").ravel()
    wrong = np.flatnonzero(masked_crc32c_spans(d, starts, lengths) != stored)
    return int(wrong[0]) if len(wrong) else None


def _decode_slow(
    data: bytes, d: U8, starts: I64, lengths: I64, todo: B, check_crc: bool
) -> tuple[list[tuple[int, str, int, float, float]], dict[str, str]]:
    """Scalars of the records the bulk decoder left, through the Event protocol buffer,
    and the plugin of each tag (from its first metadata, as TensorBoard takes it)."""
    from google.protobuf.message import DecodeError  # type: ignore[import-untyped]
    from tensorboard.compat.proto import event_pb2  # type: ignore[import-untyped]

    parse = event_pb2.Event.FromString
    plugins: dict[str, str] = {}
    found: list[tuple[int, str, int, float, float]] = []
    view = memoryview(data)
    for index in np.flatnonzero(todo).tolist():
        start, length = int(starts[index]), int(lengths[index])
        try:
            event = parse(view[start : start + length])
        except DecodeError:
            if (
                check_crc
                and _bad_crc(d, starts[index : index + 1], lengths[index : index + 1]) == 0
            ):
                raise _record_error(index, "data checksum mismatch (corrupted file)") from None
            raise _record_error(index, "not a TensorBoard Event protocol buffer") from None
        if not event.HasField("summary"):
            continue
        before = len(found)
        for value in event.summary.value:
            kind = value.WhichOneof("value")
            if kind == "simple_value":
                number = float(value.simple_value)
            elif kind == "tensor":
                if value.HasField("metadata") and value.metadata.plugin_data.plugin_name:
                    plugins.setdefault(value.tag, value.metadata.plugin_data.plugin_name)
                if plugins.get(value.tag) != "scalars":
                    continue
                number = _tensor_number(value.tensor, index, value.tag)
            else:
                continue
            found.append((index, value.tag, int(event.step), float(event.wall_time), number))
        if check_crc and len(found) > before:
            if _bad_crc(d, starts[index : index + 1], lengths[index : index + 1]) == 0:
                raise _record_error(index, "data checksum mismatch (corrupted file)")
    return found, plugins


# TensorFlow DataType numbers: the dtypes a scalar summary is written in.
_TENSOR_DTYPES: dict[int, tuple[str, str]] = {
    1: ("<f4", "float_val"),
    2: ("<f8", "double_val"),
    3: ("<i4", "int_val"),
    9: ("<i8", "int64_val"),
    10: ("?", "bool_val"),
    19: ("<f2", "half_val"),
}


def _tensor_number(tensor: Any, index: int, tag: str) -> float:
    """The one number of a scalar summary's TensorProto."""
    dtype = int(tensor.dtype)
    if dtype == 14:  # bfloat16: the high half of a float32, kept in half_val or content
        raw = bytes(tensor.tensor_content)
        bits = int.from_bytes(raw[:2], "little") if raw else int(tensor.half_val[0])
        return float(np.array([bits << 16], dtype=np.uint32).view(np.float32)[0])
    if dtype not in _TENSOR_DTYPES:
        raise _record_error(index, f"scalar '{tag}' is a tensor of dtype {dtype}, not a number")
    code, field = _TENSOR_DTYPES[dtype]
    if tensor.tensor_content:
        values = np.frombuffer(bytes(tensor.tensor_content), dtype=code)
    elif dtype == 19:
        values = np.array(list(tensor.half_val), dtype=np.uint16).view(np.float16)
    else:
        values = np.array(list(getattr(tensor, field)), dtype=code)
    if values.size != 1:
        raise _record_error(index, f"scalar '{tag}' holds {values.size} values, not one")
    return float(values.ravel()[0])


def _assemble(
    fast: Bulk,
    chosen: I64,
    names: list[str],
    codes: I64,
    slow: list[tuple[int, str, int, float, float]],
) -> dict[str, Series]:
    """Group the points by tag, each tag in record order; tags in order of first appearance."""
    record = chosen
    step, wall, value = fast.step[chosen], fast.wall[chosen], fast.value[chosen]
    if slow:
        index = {name: i for i, name in enumerate(names)}
        extra = [index.setdefault(tag, len(index)) for _, tag, _, _, _ in slow]
        names = list(index)
        codes = np.concatenate([codes, np.array(extra, dtype=np.int64)])
        record = np.concatenate([record, np.array([s[0] for s in slow], dtype=np.int64)])
        step = np.concatenate([step, np.array([s[2] for s in slow], dtype=np.int64)])
        wall = np.concatenate([wall, np.array([s[3] for s in slow])])
        value = np.concatenate([value, np.array([s[4] for s in slow])])
    if not len(record):
        return {}
    order = np.lexsort((record, codes))
    groups = np.split(order, np.flatnonzero(np.diff(codes[order])) + 1)
    groups.sort(key=lambda g: int(record[g[0]]))
    return {
        names[int(codes[g[0]])]: Series(step[g], value[g], None, wall[g], names[int(codes[g[0]])])
        for g in groups
    }
