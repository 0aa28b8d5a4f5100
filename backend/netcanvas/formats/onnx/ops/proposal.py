"""ONNX emitter for Faster R-CNN's region proposals (py-faster-rcnn's ProposalLayer).

The anchors depend only on the settings and the feature-map size, so they are one
constant; the rest is py-faster-rcnn's test-time forward pass step by step: deltas
applied with its ``+1`` box widths, boxes clipped to the image, small boxes dropped,
the best ``pre_nms_top_n`` kept, NMS, then the best ``post_nms_top_n``.

ONNX NonMaxSuppression computes plain IoU; py-faster-rcnn's overlap counts pixels
(``x2 - x1 + 1``). Both agree once every box is given ``x2 + 1, y2 + 1``, so NMS sees
those boxes and the rows keep the original corners. Both suppress on overlap strictly
above the threshold. Ties in score may be ordered differently (ONNX TopK puts the
lower index first, numpy's argsort does not say).

py-faster-rcnn returns as many rows as survive; our output is the static upper bound
``[post_nms_top_n, 5]``, so the rows after the survivors are zeros (our convention).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from netcanvas.formats.onnx.build import Emit
from netcanvas.formats.onnx.ops.table import emits


def base_anchors(params: Any) -> np.ndarray[Any, Any]:
    """py-faster-rcnn's generate_anchors: ``[A, 4]`` boxes (x1, y1, x2, y2) around cell 0.

    The base box is ``0..base_size-1``; each ratio keeps its area with rounded sides,
    then each scale enlarges that box. Anchor ``a = ratio_index·len(scales) + scale_index``.
    """
    side = float(params.base_size)
    centre = 0.5 * (side - 1)
    ratios = np.asarray(params.ratios, dtype=np.float64)
    scales = np.asarray(params.scales, dtype=np.float64)
    # np.round rounds halves to even, as py-faster-rcnn's anchors do.
    widths = np.round(np.sqrt(side * side / ratios))
    heights = np.round(widths * ratios)
    half_w = 0.5 * ((widths[:, None] * scales[None, :]).reshape(-1) - 1)
    half_h = 0.5 * ((heights[:, None] * scales[None, :]).reshape(-1) - 1)
    return np.stack([centre - half_w, centre - half_h, centre + half_w, centre + half_h], axis=1)


def all_anchors(params: Any, height: int, width: int) -> np.ndarray[Any, Any]:
    """Every anchor of an ``H×W`` map: ``[H·W·A, 4]`` in (cell, anchor) order, cells row-major."""
    ys, xs = np.meshgrid(np.arange(height), np.arange(width), indexing="ij")
    shift = np.stack([xs, ys, xs, ys], axis=-1).reshape(-1, 1, 4) * int(params.feat_stride)
    anchors: np.ndarray[Any, Any] = shift + base_anchors(params)[None, :, :]
    return anchors.reshape(-1, 4)


def _split(e: Emit, x: str, sizes: list[int], parts: list[str], axis: int) -> list[str]:
    names = [e.b.name(f"{e.node.name}/{part}") for part in parts]
    sizes_c = e.b.ints(e.hint(f"{parts[0]}_split"), sizes)
    return e.b.op("Split", [x, sizes_c], names, name=f"{e.node.name}/{parts[0]}_split", axis=axis)


@emits("Proposal")
def _proposal(e: Emit) -> None:
    boxes, scores = _decoded(e)
    rows = _after_nms(e, boxes, scores)
    # Rows (0, x1, y1, x2, y2), then zero rows up to the static post_nms_top_n.
    b, most = e.b, e.params.post_nms_top_n
    found = e.step("Shape", [rows], "found", start=0, end=1)
    missing = e.step("Sub", [b.ints(e.hint("post_nms_rows"), [most]), found], "missing")
    begin, end = b.ints(e.hint("pad_begin"), [0, 1]), b.ints(e.hint("pad_end"), [0])
    pads = e.step("Concat", [begin, missing, end], "pads", axis=0)
    padded = e.step("Pad", [rows, pads], "padded")
    b.op("Reshape", [padded, b.ints(e.hint("shape"), [most, 5])], e.outputs, name=e.node.name)


def _decoded(e: Emit) -> tuple[str, str]:
    """The proposals big enough to keep, ``[n, 4]``, and their foreground scores ``[n]``."""
    p, b = e.params, e.b
    scores_in, deltas_in, info_in = e.inputs
    count = len(p.scales) * len(p.ratios)
    height, width = e.in_shapes[0][2:]
    total = height * width * count
    # Foreground scores (channels A..2A-1) and deltas, both in (cell, anchor) order.
    fg_range = [b.ints(e.hint("fg_start"), [count]), b.ints(e.hint("fg_end"), [2 * count])]
    fg = e.step("Slice", [scores_in, *fg_range, b.ints(e.hint("fg_axis"), [1])], "fg")
    fg = e.step("Transpose", [fg], "fg_nhwc", perm=[0, 2, 3, 1])
    scores = e.step("Reshape", [fg, b.ints(e.hint("scores_shape"), [total])], "scores")
    deltas = e.step("Transpose", [deltas_in], "deltas_nhwc", perm=[0, 2, 3, 1])
    deltas = e.step("Reshape", [deltas, b.ints(e.hint("deltas_shape"), [total, 4])], "deltas")
    dx, dy, dw, dh = _split(e, deltas, [1, 1, 1, 1], ["dx", "dy", "dw", "dh"], axis=1)
    info = e.step("Reshape", [info_in, b.ints(e.hint("info_shape"), [3])], "info")
    im_h, im_w, im_scale = _split(e, info, [1, 1, 1], ["im_h", "im_w", "im_scale"], axis=0)
    min_size = b.floats(e.hint("min_size"), float(p.min_size))
    smallest = e.step("Mul", [im_scale, min_size], "min_px")

    # bbox_transform_inv with py-faster-rcnn's widths x2 - x1 + 1, clip_boxes, then
    # _filter_boxes on the clipped sides.
    anchors = all_anchors(p, height, width)
    half, one = b.floats(e.hint("half"), 0.5), b.floats(e.hint("one"), 1.0)
    zero = b.floats(e.hint("zero"), 0.0)
    corners: dict[str, str] = {}
    big: list[str] = []
    for axis, delta, log_size, image_size in (("x", dx, dw, im_w), ("y", dy, dh, im_h)):
        start, end = (
            (anchors[:, 0], anchors[:, 2]) if axis == "x" else (anchors[:, 1], anchors[:, 3])
        )
        size = end - start + 1.0
        size_c = b.const(e.hint(f"anchor_{axis}size"), _column(size))
        centre_c = b.const(e.hint(f"anchor_{axis}centre"), _column(start + 0.5 * size))
        shift = e.step("Mul", [delta, size_c], f"{axis}shift")
        centre = e.step("Add", [shift, centre_c], f"{axis}centre")
        grown = e.step("Mul", [e.step("Exp", [log_size], f"{axis}scale"), size_c], f"{axis}size")
        radius = e.step("Mul", [grown, half], f"{axis}half")
        largest = e.step("Sub", [image_size, one], f"{axis}max")
        for corner, kind in ((f"{axis}1", "Sub"), (f"{axis}2", "Add")):
            moved = e.step(kind, [centre, radius], corner)
            inside = e.step("Min", [moved, largest], f"{corner}_below_max")
            corners[corner] = e.step("Max", [inside, zero], f"{corner}_clipped")
        side = e.step("Sub", [corners[f"{axis}2"], corners[f"{axis}1"]], f"{axis}extent")
        side = e.step("Add", [side, one], f"{axis}pixels")
        big.append(e.step("GreaterOrEqual", [side, smallest], f"{axis}_big"))
    boxes = e.step("Concat", [corners[k] for k in ("x1", "y1", "x2", "y2")], "boxes", axis=1)
    keep = e.step("And", big, "big")
    keep = e.step("Reshape", [keep, b.ints(e.hint("keep_shape"), [total])], "keep")
    return (
        e.step("Compress", [boxes, keep], "kept_boxes", axis=0),
        e.step("Compress", [scores, keep], "kept_scores", axis=0),
    )


def _column(values: np.ndarray[Any, Any]) -> np.ndarray[Any, Any]:
    return values.astype(np.float32).reshape(-1, 1)


def _after_nms(e: Emit, boxes: str, scores: str) -> str:
    """The best pre_nms_top_n boxes by score, NMS, at most post_nms_top_n: ``[m, 4]``."""
    p, b, name = e.params, e.b, e.node.name
    available = e.step("Shape", [scores], "count")
    k = e.step("Min", [available, b.ints(e.hint("pre_nms"), [p.pre_nms_top_n])], "pre_k")
    ranked = [b.name(f"{name}/top_scores"), b.name(f"{name}/order")]
    top_scores, order = b.op("TopK", [scores, k], ranked, name=f"{name}/sort", axis=0)
    boxes = e.step("Gather", [boxes, order], "sorted_boxes", axis=0)
    # NMS sees x2 + 1, y2 + 1 (see the module docstring); the rows keep the corners.
    pixel_ends = e.step("Add", [boxes, b.floats(e.hint("pixel_ends"), [0, 0, 1, 1])], "pixels")
    nms_boxes = e.step("Unsqueeze", [pixel_ends, b.ints(e.hint("batch_axis"), [0])], "nms_boxes")
    nms_shape = b.ints(e.hint("nms_scores_shape"), [1, 1, -1])
    nms_scores = e.step("Reshape", [top_scores, nms_shape], "nms_scores")
    limit = b.ints(e.hint("post_nms"), [p.post_nms_top_n])
    threshold = b.floats(e.hint("nms_threshold"), [p.nms_threshold])
    selected = e.step("NonMaxSuppression", [nms_boxes, nms_scores, limit, threshold], "nms")
    picked = e.step("Gather", [selected, b.ints(e.hint("box_column"), [2])], "picked", axis=1)
    picked = e.step("Reshape", [picked, b.ints(e.hint("picked_shape"), [-1])], "picked_flat")
    return e.step("Gather", [boxes, picked], "rows", axis=0)
