"""Numbers in a Caffe file checked as caffe.proto types them, before anything uses them.

Every wrong number is a FormatError at its own line and column: a count that is not a
whole number (``num_output: 2.5`` was truncated to 2), infinite or NaN values, integers
past protobuf's int64, negative values of unsigned fields (``kernel_size: -3``) and
input sizes that must be positive (``dim: 0`` in an input shape). Nothing is rounded or
clamped silently.
"""

from __future__ import annotations

import math
from typing import Any

from netcanvas.formats.base import FormatError, line_col
from netcanvas.formats.caffe.syntax import Message

# Integer fields of caffe.proto's layer parameters (uint32 / int32 / int64).
WHOLE = frozenset(
    """num_output kernel_size kernel_h kernel_w stride stride_h stride_w pad pad_h pad_w
    dilation group axis num_axes dim batch_size channels height width new_height new_width
    crop_size top_k local_size input_dim tiles slice_point slice_dim concat_dim
    pooled_h pooled_w num_classes keep_top_k background_label_id feat_stride
    pre_nms_topn post_nms_topn end_axis rand_skip prefetch upsample_h upsample_w""".split()
)
# caffe.proto's uint32 fields: a negative value is not a number the file can hold. (Zero
# is the proto default, e.g. a missing num_output: the analysis pins that on the layer.)
UNSIGNED = frozenset(
    """num_output kernel_size kernel_h kernel_w stride stride_h stride_w pad pad_h pad_w
    dilation group batch_size local_size new_height new_width crop_size pooled_h pooled_w
    top_k""".split()
)
# Blocks whose `dim` is a blob size (a Reshape's shape may hold 0 = copy and -1 = infer).
SIZE_SHAPES = frozenset({"input_shape", "shape"})
INT64 = 2**63


def check_numbers(doc: Message, data: bytes | str) -> None:
    """Raise a located FormatError for the first number caffe.proto would not accept."""
    stack: list[tuple[Message, str, str]] = [(doc, "", "")]
    while stack:
        message, key_of_message, parent_key = stack.pop()
        for key, value in message.items():
            items = value if isinstance(value, list) else [value]
            for index, item in enumerate(items):
                if isinstance(item, Message):
                    stack.append((item, key, key_of_message))
                    continue
                if isinstance(item, bool) or not isinstance(item, int | float):
                    continue
                problem = _problem(key, item, key_of_message, parent_key)
                if problem is not None:
                    offset = message.number_offset(key, index)
                    text = data.decode("utf-8-sig") if isinstance(data, bytes) else data
                    where = line_col(text, offset) if offset is not None else (
                        message.line, message.column)  # fmt: skip
                    raise FormatError(f"{key}: {problem}", *where)


def _problem(key: str, value: int | float, block: str, parent: str) -> str | None:
    if isinstance(value, float) and not math.isfinite(value):
        return f"{value} is not a finite number"
    if key in WHOLE:
        if isinstance(value, float):
            return f"{_shown(value)} is not a whole number"
        if abs(value) >= INT64:
            return f"{_shown(value)} is out of range for a protobuf integer"
    if key in UNSIGNED and value < 0:
        return f"{_shown(value)} must not be negative"
    blob_size = block == "input_shape" or (block == "shape" and parent != "reshape_param")
    if ((key == "dim" and blob_size) or (key == "input_dim" and not block)) and value <= 0:
        return f"{_shown(value)} must be at least 1"
    return None


def _shown(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 24 else f"{text[:20]}... ({len(text)} digits)"
