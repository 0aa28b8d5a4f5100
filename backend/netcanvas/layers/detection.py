"""Object-detection layers of SSD and Faster R-CNN Caffe forks.

Shapes follow the forks' reshape code: ``PriorBox`` writes ``[1, 2, H·W·priors·4]``
(boxes and variances), ``DetectionOutput`` at most ``keep_top_k`` rows of 7 numbers,
``ROIPooling`` one ``C×pooled_h×pooled_w`` map per region.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from netcanvas.graph import shapes
from netcanvas.graph.shapes import Shape
from netcanvas.layers import fields
from netcanvas.layers.registry import Cost, InferContext, Layer, Params, layer


class PriorBoxParams(Params):
    min_size: list[float] = Field([30.0], min_length=1, description="Smallest box sizes (px)")
    max_size: list[float] = Field([], description="One larger box per entry (paired with min)")
    aspect_ratio: list[Annotated[float, Field(gt=0)]] = Field(
        [2.0], description="Extra aspect ratios besides 1"
    )
    flip: bool = Field(True, description="Also add 1/ratio for every aspect ratio")
    clip: bool = Field(False, description="Clip boxes to the image")
    variance: list[float] = Field([0.1], description="Variances encoded with every box")
    step: float = Field(0.0, ge=0, description="Feature-map step in image pixels (0 = derive)")
    offset: float = Field(0.5, description="Box centre offset within a cell")


def prior_ratios(params: PriorBoxParams) -> list[float]:
    """Caffe's list: 1, then each new ratio, then its inverse when flipping."""
    ratios = [1.0]
    for ratio in params.aspect_ratio:
        if any(abs(ratio - r) < 1e-6 for r in ratios):
            continue
        ratios.append(ratio)
        if params.flip:
            ratios.append(1.0 / ratio)
    return ratios


@layer("detection")
class PriorBox(Layer[PriorBoxParams]):
    """SSD default boxes for every cell of a feature map (with their variances).

    Input shape: the feature map ``[N, C, H, W]`` and the image ``[N, 3, H_img, W_img]``.
    Output shape: ``[1, 2, H·W·num_priors·4]``, ``num_priors = len(ratios)·len(min_size)
    + len(max_size)``.
    """

    Params = PriorBoxParams
    input_names = ("features", "image")
    min_inputs = 2
    max_inputs = 2
    example_inputs = ((1, 8, 19, 19), (1, 3, 300, 300))

    def infer(self, ctx: InferContext[PriorBoxParams]) -> list[Shape]:
        p = ctx.params
        if len(p.max_size) > len(p.min_size):
            ctx.fail(f"{len(p.max_size)} max_size values for {len(p.min_size)} min_size values")
        shapes.spatial(ctx.inputs[0], 2, "PriorBox")
        priors = len(prior_ratios(p)) * len(p.min_size) + len(p.max_size)
        height, width = ctx.inputs[0][2:]
        return [(1, 2, height * width * priors * 4)]


class DetectionOutputParams(Params):
    num_classes: fields.PosInt = Field(21, description="Classes including the background")
    keep_top_k: int = Field(200, description="Detections kept per image (-1 = all)")
    top_k: int = Field(400, description="Candidates kept per class before NMS (-1 = all)")
    nms_threshold: float = Field(0.45, description="Overlap above which boxes are suppressed")
    confidence_threshold: float = Field(0.01, description="Scores below this are dropped")


@layer("detection")
class DetectionOutput(Layer[DetectionOutputParams]):
    """SSD decoding and non-maximum suppression into a list of detections.

    The real row count depends on the data; the shape shown is the upper bound
    ``keep_top_k`` rows per image (a warning says so), as Caffe concatenates the
    images' rows.

    Input shape: locations ``[N, P·4]``, confidences ``[N, P·classes]``, priors
    ``[1, 2, P·4]``.
    Output shape: ``[1, 1, N·keep_top_k, 7]`` (image, label, score, x0, y0, x1, y1).
    """

    Params = DetectionOutputParams
    input_names = ("loc", "conf", "priors")
    min_inputs = 3
    max_inputs = 3
    example_inputs = ((1, 7668), (1, 40257), (1, 2, 7668))

    def infer(self, ctx: InferContext[DetectionOutputParams]) -> list[Shape]:
        p = ctx.params
        loc, conf, priors = ctx.inputs
        boxes = shapes.numel(loc[1:])
        if boxes % 4:
            ctx.fail(f"locations {shapes.fmt(loc)} are not a multiple of 4 per item")
        count = boxes // 4
        if shapes.numel(conf[1:]) != count * p.num_classes:
            ctx.fail(
                f"confidences {shapes.fmt(conf)} do not hold {p.num_classes} scores for each "
                f"of the {count} boxes in {shapes.fmt(loc)}"
            )
        if priors[-1] != boxes:
            ctx.fail(f"priors {shapes.fmt(priors)} do not match locations {shapes.fmt(loc)}")
        rows = loc[0] * (p.keep_top_k if p.keep_top_k > 0 else count * (p.num_classes - 1))
        ctx.warn(f"the detection count depends on the data: at most {rows} rows are shown")
        return [(1, 1, rows, 7)]


class ROIPoolingParams(Params):
    pooled_h: fields.PosInt = Field(7, description="Output height per region")
    pooled_w: fields.PosInt = Field(7, description="Output width per region")
    spatial_scale: float = Field(0.0625, gt=0, description="Image-to-feature-map scale")


@layer("detection", aliases=("RoIPool",))
class ROIPooling(Layer[ROIPoolingParams]):
    """Max-pools each region of interest to a fixed grid (Fast/Faster R-CNN).

    Input shape: features ``[N, C, H, W]`` and regions ``[R, 5]`` (batch index, box).
    Output shape: ``[R, C, pooled_h, pooled_w]``.
    """

    Params = ROIPoolingParams
    input_names = ("features", "rois")
    min_inputs = 2
    max_inputs = 2
    example_inputs = ((1, 8, 38, 50), (300, 5))

    def infer(self, ctx: InferContext[ROIPoolingParams]) -> list[Shape]:
        features, rois = ctx.inputs
        shapes.spatial(features, 2, "ROIPooling")
        if len(rois) < 2 or shapes.numel(rois[1:]) != 5:
            ctx.fail(f"regions must be [R, 5], got {shapes.fmt(rois)}")
        return [(rois[0], features[1], ctx.params.pooled_h, ctx.params.pooled_w)]


class NormalizeParams(Params):
    across_spatial: bool = Field(True, description="One norm per item instead of per pixel")
    channel_shared: bool = Field(True, description="One learned scale instead of one per channel")
    eps: float = Field(1e-10, gt=0, description="Added to the norm to avoid division by 0")


@layer("normalization")
class Normalize(Layer[NormalizeParams]):
    """L2 normalisation with a learned scale (SSD's ``conv4_3_norm``).

    Input shape: ``[N, C, ...]``.
    Output shape: the input shape. Learns 1 scale, or C with ``channel_shared: false``.
    """

    Params = NormalizeParams

    def infer(self, ctx: InferContext[NormalizeParams]) -> list[Shape]:
        if len(ctx.input) < 2:
            ctx.fail(f"expects at least [N, C], got {shapes.fmt(ctx.input)}")
        return [ctx.input]

    def cost(self, ctx: InferContext[NormalizeParams]) -> Cost:
        learned = 1 if ctx.params.channel_shared else ctx.input[1]
        return Cost(params=learned, flops=2 * shapes.numel(ctx.input))


class ProposalParams(Params):
    feat_stride: fields.PosInt = Field(16, description="Image pixels per feature-map cell")
    base_size: fields.PosInt = Field(16, description="Side of the base anchor (px)")
    scales: list[Annotated[float, Field(gt=0)]] = Field(
        [8.0, 16.0, 32.0], min_length=1, description="Anchor scales (multiples of base_size)"
    )
    ratios: list[Annotated[float, Field(gt=0)]] = Field(
        [0.5, 1.0, 2.0], min_length=1, description="Anchor aspect ratios (height / width)"
    )
    pre_nms_top_n: fields.PosInt = Field(6000, description="Best-scoring boxes kept before NMS")
    post_nms_top_n: fields.PosInt = Field(300, description="Boxes kept after NMS")
    nms_threshold: float = Field(0.7, gt=0, le=1, description="Overlap above which boxes go")
    min_size: fields.NonNegInt = Field(
        16, description="Smallest box side kept, in pixels of the original image"
    )


@layer("detection")
class Proposal(Layer[ProposalParams]):
    """Faster R-CNN's region proposals: anchors moved by the deltas, sorted, NMS.

    py-faster-rcnn's ``rpn.proposal_layer`` (test settings). The real row count depends
    on the data; the shape shown is the upper bound ``post_nms_top_n`` (a warning says
    so). Single-image batches only, as in py-faster-rcnn.

    Input shape: object scores ``[1, 2A, H, W]`` (background then foreground), box
    deltas ``[1, 4A, H, W]`` and the image info ``[1, 3]`` (height, width, scale), with
    ``A = len(scales)·len(ratios)`` anchors per cell.
    Output shape: ``[post_nms_top_n, 5]`` rows (batch index, x1, y1, x2, y2).
    """

    Params = ProposalParams
    input_names = ("scores", "deltas", "im_info")
    min_inputs = 3
    max_inputs = 3
    example_inputs = ((1, 18, 14, 14), (1, 36, 14, 14), (1, 3))

    def infer(self, ctx: InferContext[ProposalParams]) -> list[Shape]:
        p = ctx.params
        scores, deltas, info = ctx.inputs
        anchors = len(p.scales) * len(p.ratios)
        shapes.spatial(scores, 2, "Proposal scores")
        shapes.spatial(deltas, 2, "Proposal deltas")
        if scores[0] != 1 or deltas[0] != 1 or (info and info[0] != 1):
            ctx.fail("only single-image batches are supported (batch 1, as py-faster-rcnn)")
        if scores[1] != 2 * anchors:
            ctx.fail(f"scores {shapes.fmt(scores)} need 2·{anchors} = {2 * anchors} channels")
        if deltas[1] != 4 * anchors:
            ctx.fail(f"deltas {shapes.fmt(deltas)} need 4·{anchors} = {4 * anchors} channels")
        if scores[2:] != deltas[2:]:
            ctx.fail(f"scores {shapes.fmt(scores)} and deltas {shapes.fmt(deltas)} differ in size")
        if len(info) != 2 or info[1] != 3:
            ctx.fail(f"image info must be [1, 3] (height, width, scale), got {shapes.fmt(info)}")
        ctx.warn(
            f"the proposal count depends on the data: at most {p.post_nms_top_n} rows are shown"
        )
        return [(p.post_nms_top_n, 5)]
