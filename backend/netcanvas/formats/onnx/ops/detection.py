"""ONNX export of SSD's DetectionOutput with the Caffe SSD fork's semantics.

Caffe's layer (share_location, CENTER_SIZE code, variance not encoded in the
target, background label 0) decodes each prior's offsets, then per class keeps the
scores above ``confidence_threshold``, the ``top_k`` best of them *before* NMS,
runs greedy NMS at ``nms_threshold`` on normalized boxes (IoU without the +1), and
keeps the ``keep_top_k`` best detections of each image over all classes. Its rows
``[image, label, score, xmin, ymin, xmax, ymax]`` come image by image, label
ascending, score descending.

Caffe's output has as many rows as survive, one row ``[0, -1, ..., -1]`` per image
when nothing at all survives. Our shapes are static: the output is padded with
rows of -1 up to the upper bound ``N·keep_top_k`` (the convention of TensorRT's
NMS plugin and its keepTopK), so Caffe's output is exactly our first rows.

The ONNX subgraph works on dense ``[N, classes, priors]`` score maps, where -inf
marks a score that is out: TopK + ScatterElements keep the per-class top_k,
NonMaxSuppression selects (its max_output_boxes_per_class would cut *after* NMS),
GatherND + ScatterND put the survivors' scores back in place, TopK over classes and
priors is keep_top_k, and a TopK on the integer key ``label·K + rank`` gives
Caffe's row order.
"""

from __future__ import annotations

import math

import numpy as np
from onnx import TensorProto, helper

from netcanvas.formats.onnx.build import Emit
from netcanvas.formats.onnx.ops.table import emits
from netcanvas.graph import shapes


class _Net:
    """Small helpers naming every node and constant after the layer."""

    def __init__(self, e: Emit) -> None:
        self.e = e
        self.b = e.b
        self.op = e.step
        self.ops = e.steps

    def ints(self, what: str, values: list[int]) -> str:
        return self.b.ints(self.e.hint(what), values)

    def floats(self, what: str, values: list[float] | float) -> str:
        return self.b.floats(self.e.hint(what), values)

    def reshape(self, x: str, dims: list[int], what: str) -> str:
        return self.op("Reshape", [x, self.ints(f"{what}_shape", dims)], what)

    def filled(self, dims: list[int], what: str) -> str:
        """A [dims] tensor of -inf, built at run time rather than stored."""
        minus_inf = helper.make_tensor("value", TensorProto.FLOAT, [1], [-math.inf])
        return self.op("ConstantOfShape", [self.ints(f"{what}_dims", dims)], what, value=minus_inf)


def _decode(net: _Net, loc: str, priors: str) -> str:
    """CENTER_SIZE decoding: [N, P, 4] offsets and [2, P, 4] priors -> [N, P, 4] corners."""
    boxes, variances = net.ops("Split", [priors, net.ints("two", [1, 1])], "priors", 2, axis=0)
    halves = net.ints("halves", [2, 2])
    lo, hi = net.ops("Split", [boxes, halves], "prior_corners", 2, axis=2)
    var_centre, var_size = net.ops("Split", [variances, halves], "variance", 2, axis=2)
    loc_centre, loc_size = net.ops("Split", [loc, halves], "offsets", 2, axis=2)
    half = net.floats("half", 0.5)
    size = net.op("Sub", [hi, lo], "prior_size")
    middle = net.op("Mul", [net.op("Add", [lo, hi], "prior_sum"), half], "prior_centre")
    shift = net.op("Mul", [net.op("Mul", [var_centre, loc_centre], "scaled_centre"), size], "shift")
    centre = net.op("Add", [shift, middle], "centre")
    growth = net.op("Exp", [net.op("Mul", [var_size, loc_size], "scaled_size")], "growth")
    extent = net.op("Mul", [net.op("Mul", [growth, size], "size"), half], "half_size")
    low = net.op("Sub", [centre, extent], "low")
    high = net.op("Add", [centre, extent], "high")
    return net.op("Concat", [low, high], "boxes", axis=2)


def _candidates(net: _Net, scores: str, dims: list[int], top_k: int) -> str:
    """Each class's top_k best scores, the others -inf (Caffe cuts before NMS)."""
    priors = dims[2]
    if top_k < 0 or top_k >= priors:
        return scores
    values, indices = net.ops("TopK", [scores, net.ints("top_k", [top_k])], "top_k", 2, axis=2)
    return net.op(
        "ScatterElements", [net.filled(dims, "out"), indices, values], "candidates", axis=2
    )


@emits("DetectionOutput")
def _detection_output(e: Emit) -> None:
    p, net = e.params, _Net(e)
    if e.b.dynamic_batch:
        raise e.unsupported("needs a static batch: it keeps keep_top_k rows per image")
    if p.top_k == 0 or p.keep_top_k == 0:
        raise e.unsupported("top_k or keep_top_k 0 keeps no detection")
    if p.num_classes < 2:
        raise e.unsupported("needs a class besides the background (label 0)")
    loc_shape, _, prior_shape = e.in_shapes
    batch, count = loc_shape[0], shapes.numel(loc_shape[1:]) // 4
    if shapes.numel(prior_shape) != 2 * count * 4:
        raise e.unsupported(f"priors {shapes.fmt(prior_shape)} are not [1, 2, {count * 4}]")
    classes = p.num_classes - 1  # label 0, the background, is never a detection
    loc = net.reshape(e.inputs[0], [batch, count, 4], "loc")
    conf = net.reshape(e.inputs[1], [batch, count, p.num_classes], "conf")
    boxes = _decode(net, loc, net.reshape(e.inputs[2], [2, count, 4], "prior_pairs"))
    by_class = net.op("Transpose", [conf], "by_class", perm=[0, 2, 1])
    scores = net.op(
        "Slice",
        [
            by_class,
            net.ints("first", [1]),
            net.ints("last", [p.num_classes]),
            net.ints("class_axis", [1]),
        ],
        "scores",
    )
    dims = [batch, classes, count]
    candidates = _candidates(net, scores, dims, p.top_k)
    per_class = count if p.top_k < 0 else min(p.top_k, count)
    selected = net.op(
        "NonMaxSuppression",
        [
            boxes,
            candidates,
            net.ints("per_class", [per_class]),
            net.floats("iou", [p.nms_threshold]),
            net.floats("threshold", [p.confidence_threshold]),
        ],
        "nms",
    )
    survivors = net.op("GatherND", [candidates, selected], "survivor_scores")
    kept = net.op("ScatterND", [net.filled(dims, "none"), selected, survivors], "kept")
    flat = net.reshape(kept, [batch, classes * count], "kept_flat")
    per_image = classes * count if p.keep_top_k < 0 else min(p.keep_top_k, classes * count)
    best, where = net.ops("TopK", [flat, net.ints("keep", [per_image])], "keep_top_k", 2, axis=1)
    rows = _rows(net, best, where, boxes, batch, per_image, count)
    total = e.out_shapes[0][2]
    if total > batch * per_image:  # fewer candidates than keep_top_k: pad with -1 rows
        pads = net.ints("pads", [0, 0, total - batch * per_image, 0])
        rows = net.op("Pad", [rows, pads, net.floats("padding", -1.0)], "pad")
    e.b.op("Reshape", [rows, net.ints("shape", list(e.out_shapes[0]))], e.outputs, name=e.node.name)


def _rows(net: _Net, best: str, where: str, boxes: str, batch: int, k: int, count: int) -> str:
    """[N·k, 7] rows in Caffe's order from each image's k best (score, flat index)."""
    valid = net.op("Not", [net.op("IsInf", [best], "dropped", detect_positive=0)], "valid")
    label = net.op(
        "Add",
        [net.op("Div", [where, net.ints("count", [count])], "class"), net.ints("one", [1])],
        "label",
    )
    prior = net.op("Mod", [where, net.ints("modulus", [count])], "prior")
    # Caffe's order within an image: label ascending, then score descending, i.e. the
    # rank TopK gave; the rows that are out sort last under a label past every class.
    past = net.ints("past", [net.e.params.num_classes])
    sort_label = net.op("Where", [valid, label, past], "sort_label")
    key = net.op(
        "Add",
        [
            net.op("Mul", [sort_label, net.ints("k", [k])], "label_key"),
            net.ints("rank", list(range(k))),
        ],
        "key",
    )
    _, order = net.ops("TopK", [key, net.ints("order_k", [k])], "order", 2, axis=1, largest=0)
    picked = {
        what: net.op("GatherElements", [x, order], f"sorted_{what}", axis=1)
        for what, x in (("score", best), ("label", label), ("prior", prior), ("valid", valid))
    }
    last = net.ints("last_axis", [2])
    at = net.op("Unsqueeze", [picked["prior"], last], "at")
    images = np.arange(batch, dtype=np.float32).reshape(batch, 1, 1)
    columns = [
        net.op(
            "Expand",
            [net.b.const(net.e.hint("images"), images), net.ints("column", [batch, k, 1])],
            "image_column",
        ),
        net.op(
            "Unsqueeze",
            [net.op("Cast", [picked["label"]], "label_float", to=TensorProto.FLOAT), last],
            "label_column",
        ),
        net.op("Unsqueeze", [picked["score"], last], "score_column"),
        net.op("GatherND", [boxes, at], "corners", batch_dims=1),
    ]
    table = net.op("Concat", columns, "table", axis=2)
    keep = net.op("Unsqueeze", [picked["valid"], last], "keep_mask")
    table = net.op("Where", [keep, table, net.floats("minus_one", -1.0)], "masked")
    table = net.reshape(table, [batch * k, 7], "all_rows")
    if batch > 1:  # Caffe concatenates the images' rows: every image's -1 rows go last
        valid_rows = net.reshape(picked["valid"], [batch * k], "valid_rows")
        table = _compact(net, table, valid_rows, batch * k)
    return _fake_rows(net, table, batch, k)


def _compact(net: _Net, table: str, valid: str, size: int) -> str:
    """The valid rows first, keeping their order, then the -1 rows."""
    # A stable partition as a sort: valid rows keep their position, the others go past.
    front, back = list(range(size)), list(range(size, 2 * size))
    key = net.op("Where", [valid, net.ints("front", front), net.ints("back", back)], "row_key")
    _, order = net.ops("TopK", [key, net.ints("all", [size])], "compact", 2, axis=0, largest=0)
    return net.op("Gather", [table, order], "compacted", axis=0)


def _fake_rows(net: _Net, table: str, batch: int, k: int) -> str:
    """Nothing detected in any image: Caffe writes one row ``[i, -1, ...]`` per image i."""
    fake = np.full((batch, 7), -1.0, dtype=np.float32)
    fake[:, 0] = np.arange(batch)
    first_label = net.op(
        "Slice", [table, net.ints("cell", [0, 1]), net.ints("cell_end", [1, 2])], "first_label"
    )
    found = net.op("Greater", [first_label, net.floats("zero", 0.0)], "found")
    if k == 1:
        return net.op("Where", [found, table, net.b.const(net.e.hint("fake"), fake)], "rows")
    head, tail = net.ops(
        "Split", [table, net.ints("head", [batch, batch * (k - 1)])], "split", 2, axis=0
    )
    head = net.op("Where", [found, head, net.b.const(net.e.hint("fake"), fake)], "fake_rows")
    return net.op("Concat", [head, tail], "rows", axis=0)
