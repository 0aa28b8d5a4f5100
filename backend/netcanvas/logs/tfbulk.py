"""The bulk decoder of ``tfevents.py``: one-value scalar events decoded with numpy over all
records at once, the exact wire layout checked; what does not match is left for protobuf."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
from numpy.lib.stride_tricks import sliding_window_view

U8 = npt.NDArray[np.uint8]
I64 = npt.NDArray[np.int64]
B = npt.NDArray[np.bool_]
PAD = 256  # zero bytes after the data so the vectorised gathers never run off the end
MAX_TAG = 192  # longer tags (rare) are left to the protobuf decoder


class Bulk:
    """Scalars decoded in bulk: per record whether it matched, and its tag, step, time, value."""

    def __init__(self, n: int) -> None:
        self.ok: B = np.zeros(n, dtype=np.bool_)
        self.tag_start: I64 = np.zeros(n, dtype=np.int64)
        self.tag_length: I64 = np.zeros(n, dtype=np.int64)
        self.step: I64 = np.zeros(n, dtype=np.int64)
        self.wall: npt.NDArray[np.float64] = np.zeros(n)
        self.value: npt.NDArray[np.float64] = np.zeros(n)
        self.tensor: B = np.zeros(n, dtype=np.bool_)  # a float tensor, not a simple_value


def varints(d: U8, pos: I64, width: int) -> tuple[I64, I64, B]:
    """Vectorised base-128 varints of at most ``width`` (<= 9) bytes: value, byte count,
    validity. Most are one byte, so each further byte is read only where still needed.

    >>> value, count, valid = varints(np.array([0x96, 0x01, 0x05], np.uint8), np.array([0, 2]), 3)
    >>> value.tolist(), count.tolist(), valid.tolist()
    ([150, 5], [2, 1], [True, True])
    """
    first = d[pos]
    value = (first & 0x7F).astype(np.int64)
    count = np.ones(len(pos), dtype=np.int64)
    more = np.flatnonzero(first >= 0x80)
    for k in range(1, width):
        if not len(more):
            break
        byte = d[pos[more] + k]
        value[more] |= (byte & 0x7F).astype(np.int64) << (7 * k)
        count[more] += 1
        more = more[byte >= 0x80]
    valid = np.ones(len(pos), dtype=np.bool_)
    valid[more] = False
    return value, count, valid


def decode(d: U8, starts: I64, lengths: I64) -> Bulk:
    """Decode ``Event{wall_time, step?, summary{value{tag, simple_value | tensor}}}`` records.

    Field order and sizes are checked exactly; a record that differs in any way is left
    for the protobuf decoder.

    >>> from tensorboard.compat.proto import event_pb2, summary_pb2
    >>> value = summary_pb2.Summary.Value(tag="loss", simple_value=0.5)
    >>> event = event_pb2.Event(wall_time=1.0, step=3, summary=summary_pb2.Summary(value=[value]))
    >>> data = event.SerializeToString()
    >>> padded = np.frombuffer(data + bytes(PAD), np.uint8)
    >>> bulk = decode(padded, np.array([0]), np.array([len(data)]))
    >>> bulk.ok.tolist(), bulk.step.tolist(), bulk.value.tolist()
    ([True], [3], [0.5])
    """
    n = len(starts)
    out = Bulk(n)
    limit = len(d) - PAD
    ends = starts + lengths
    ok = (lengths >= 20) & (d[starts] == 0x09)  # field 1 (wall_time), fixed64
    out.wall = d[(starts + 1)[:, None] + np.arange(8)].copy().view("<f8").ravel()
    p = starts + 9
    has_step = d[p] == 0x10  # field 2 (step), varint
    step, count, valid = varints(d, p + 1, 5)
    ok &= valid | ~has_step
    out.step = np.where(has_step, step, 0)
    p = np.where(has_step & valid, p + 1 + count, p)
    for tag in (0x2A, 0x0A):  # Event.summary (5), then Summary.value (1): the rest of the record
        ok &= d[np.minimum(p, limit)] == tag
        size, count, valid = varints(d, np.minimum(p + 1, limit), 3)
        p = np.minimum(p + 1 + count, limit)
        ok &= valid & (p + size == ends)
    ok &= d[p] == 0x0A  # Value.tag (1)
    size, count, valid = varints(d, np.minimum(p + 1, limit), 2)
    out.tag_start = np.minimum(p + 1 + count, limit)
    out.tag_length = np.where(valid & (size <= MAX_TAG), size, 0)
    p = np.minimum(out.tag_start + out.tag_length, limit)
    ok &= valid & (size <= MAX_TAG)
    simple = ok & (d[p] == 0x15) & (p + 5 == ends)  # Value.simple_value (2), float
    # Value.tensor (8): TensorProto{dtype: DT_FLOAT, tensor_shape: {}?, tensor_content or
    # packed float_val of 4 bytes}, as TF2's tf.summary.scalar and SummaryWriter's
    # new_style write it after the first event of a tag (which carries the metadata).
    q = np.minimum(p + 2, limit)
    tensor = ok & (d[p] == 0x42) & (q + d[np.minimum(p + 1, limit)] == ends)
    tensor &= (d[q] == 0x08) & (d[q + 1] == 0x01)
    q += 2
    q = np.where((d[q] == 0x12) & (d[q + 1] == 0x00), q + 2, q)
    tensor &= ((d[q] == 0x22) | (d[q] == 0x2A)) & (d[q + 1] == 0x04) & (q + 6 == ends)
    at = np.where(simple, p + 1, q + 2)
    out.value = d[at[:, None] + np.arange(4)].copy().view("<f4").ravel().astype(np.float64)
    out.ok = simple | tensor
    out.tensor = tensor
    return out


def tag_names(d: U8, fast: Bulk, chosen: I64) -> tuple[list[str], I64]:
    """Distinct tags of the bulk-decoded records and each record's tag number.

    The tags are gathered into a zero-padded byte matrix, hashed eight bytes at a time,
    and every row is then compared with its group's first row, so a hash collision
    cannot merge two tags.

    >>> d = np.frombuffer(b"lossaccloss" + bytes(PAD), np.uint8)
    >>> bulk = Bulk(3)
    >>> bulk.tag_start, bulk.tag_length = np.array([0, 4, 7]), np.array([4, 3, 4])
    >>> names, codes = tag_names(d, bulk, np.arange(3))
    >>> [names[c] for c in codes.tolist()]
    ['loss', 'acc', 'loss']
    """
    starts, lengths = fast.tag_start[chosen], fast.tag_length[chosen]
    if not len(chosen):
        return [], np.zeros(0, dtype=np.int64)
    width = -(-int(lengths.max()) // 8) * 8 or 8
    columns = np.arange(width)
    matrix = sliding_window_view(d, width)[starts]  # width <= MAX_TAG < PAD: in bounds
    matrix[columns[None, :] >= lengths[:, None]] = 0
    words = matrix.view("<u8")
    digest = lengths.astype(np.uint64)
    for k in range(words.shape[1]):
        digest = digest * np.uint64(0x100000001B3) ^ words[:, k]
    _, first, inverse = np.unique(digest, return_index=True, return_inverse=True)
    codes = inverse.astype(np.int64).ravel()
    names = [matrix[i, : lengths[i]].tobytes().decode("utf-8", "replace") for i in first.tolist()]
    rep = first[codes]
    clash = np.flatnonzero((words != words[rep]).any(axis=1) | (lengths != lengths[rep]))
    for i in clash.tolist():  # a collision: name the record by its own bytes
        name = matrix[i, : lengths[i]].tobytes().decode("utf-8", "replace")
        if name not in names:
            names.append(name)
        codes[i] = names.index(name)
    return names, codes
