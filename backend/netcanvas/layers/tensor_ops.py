"""Tensor operations that PyTorch spells as functions, not modules (Caffe's, and
``Select``, torch.select, and ``StridedSlice``, ``x[a:b:c]``).

``InnerProduct`` is Caffe's fully connected layer: it flattens every axis from
``axis`` on before the matrix product (``Linear`` acts on the last axis only). It is
kept as its own type so a Caffe network keeps one node per layer and its exact blob
shapes (``10×4096`` after ``pool5`` of ``10×256×6×6``); exporters write it as
Flatten + Linear.
"""

from __future__ import annotations

import itertools
from typing import Annotated, Any, ClassVar, Literal

from pydantic import Field

from netcanvas.graph import shapes
from netcanvas.graph.shapes import Shape
from netcanvas.layers import fields
from netcanvas.layers.registry import Cost, InferContext, Layer, Params, layer, prod


class InnerProductParams(Params):
    out_features: fields.PosInt = Field(128, description="Size of each output vector")
    bias: bool = Field(True, description="Learn an additive bias")
    axis: int = Field(1, description="First axis folded into the features (Caffe `axis`)")


@layer("linear", aliases=("FullyConnected",))
class InnerProduct(Layer[InnerProductParams]):
    """Fully connected layer over all axes from ``axis`` on (Caffe InnerProduct).

    Input shape: ``[N, ...]``; axes ``axis..`` are flattened into the features.
    Output shape: ``[*input[:axis], out_features]`` (``[N, out_features]`` for axis 1).
    """

    Params = InnerProductParams

    def infer(self, ctx: InferContext[InnerProductParams]) -> list[Shape]:
        axis = shapes.normalize_axis(ctx.params.axis, len(ctx.input), "axis")
        return [(*ctx.input[:axis], ctx.params.out_features)]

    def cost(self, ctx: InferContext[InnerProductParams]) -> Cost:
        p = ctx.params
        axis = shapes.normalize_axis(p.axis, len(ctx.input), "axis")
        fan_in = prod(ctx.input[axis:])
        params = fan_in * p.out_features + (p.out_features if p.bias else 0)
        return Cost(params=params, macs=shapes.numel(ctx.outputs[0]) * fan_in)


class TensorSplitParams(Params):
    dim: int = Field(1, description="Axis to cut")
    indices: list[int] = Field(
        [1], min_length=1, description="Ascending cut points; k points give k + 1 outputs"
    )


@layer("reshape", aliases=("Slice",))
class TensorSplit(Layer[TensorSplitParams]):
    """Cuts a tensor along ``dim`` at given indices (Caffe Slice with ``slice_point``).

    Input shape: any with ``dim`` longer than the last index.
    Output shape: one tensor per piece, ``dim`` cut as ``torch.tensor_split`` does.
    """

    Params = TensorSplitParams
    output_names = ("output",)
    example_params = {"indices": [2, 5]}

    def num_outputs(self, params: TensorSplitParams) -> int:
        return len(params.indices) + 1

    def infer(self, ctx: InferContext[TensorSplitParams]) -> list[Shape]:
        shape = ctx.input
        axis = shapes.normalize_axis(ctx.params.dim, len(shape), "dim")
        cuts = ctx.params.indices
        if any(b <= a for a, b in itertools.pairwise(cuts)) or cuts[0] <= 0:
            ctx.fail(f"indices {cuts} must be positive and strictly ascending")
        if cuts[-1] >= shape[axis]:
            ctx.fail(f"index {cuts[-1]} is not inside dim {axis} of {shapes.fmt(shape)}")
        bounds = [0, *cuts, shape[axis]]
        return [(*shape[:axis], b - a, *shape[axis + 1 :]) for a, b in itertools.pairwise(bounds)]


class TileParams(Params):
    axis: int = Field(1, description="Axis to repeat along")
    tiles: fields.PosInt = Field(2, description="How many copies along that axis")


@layer("reshape")
class Tile(Layer[TileParams]):
    """Repeats the tensor ``tiles`` times along one axis (Caffe Tile).

    Input shape: any.
    Output shape: the input shape with ``axis`` multiplied by ``tiles``.
    """

    Params = TileParams

    def infer(self, ctx: InferContext[TileParams]) -> list[Shape]:
        shape = list(ctx.input)
        axis = shapes.normalize_axis(ctx.params.axis, len(shape), "axis")
        shape[axis] *= ctx.params.tiles
        return [tuple(shape)]


class ReductionParams(Params):
    operation: Literal["SUM", "ASUM", "SUMSQ", "MEAN"] = Field(
        "SUM", description="Sum, sum of absolute values, sum of squares or mean"
    )
    axis: int = Field(0, description="Reduce every axis from this one on (Caffe keeps the rest)")
    coeff: float = Field(1.0, description="Factor applied to the result")


@layer("reduction")
class Reduction(Layer[ReductionParams]):
    """Reduces all trailing axes from ``axis`` on to one number each (Caffe Reduction).

    Input shape: any.
    Output shape: ``input[:axis]`` (a scalar ``()`` for axis 0).
    """

    Params = ReductionParams

    def infer(self, ctx: InferContext[ReductionParams]) -> list[Shape]:
        axis = shapes.normalize_axis(ctx.params.axis, len(ctx.input), "axis")
        return [tuple(ctx.input[:axis])]

    def cost(self, ctx: InferContext[ReductionParams]) -> Cost:
        return Cost(flops=shapes.numel(ctx.input))


class ArgMaxParams(Params):
    top_k: fields.PosInt = Field(1, description="How many of the largest entries to return")
    out_max_val: bool = Field(False, description="Also (or, with `axis`, only) output the values")
    axis: int | None = Field(
        None, description="Axis to search; none = over all non-batch axes flattened"
    )


@layer("reduction")
class ArgMax(Layer[ArgMaxParams]):
    """Indices (and optionally values) of the ``top_k`` largest entries (Caffe ArgMax).

    Input shape: ``[N, ...]``.
    Output shape: with ``axis``, the input shape with that axis set to ``top_k``;
    without, ``[N, 1, top_k]`` (``[N, 2, top_k]`` with ``out_max_val``).
    """

    Params = ArgMaxParams

    def infer(self, ctx: InferContext[ArgMaxParams]) -> list[Shape]:
        p, shape = ctx.params, ctx.input
        if p.axis is None:
            if p.top_k > prod(shape[1:]):
                ctx.fail(f"top_k {p.top_k} exceeds the {prod(shape[1:])} entries per item")
            return [(shape[0], 2 if p.out_max_val else 1, p.top_k)]
        axis = shapes.normalize_axis(p.axis, len(shape), "axis")
        if p.top_k > shape[axis]:
            ctx.fail(f"top_k {p.top_k} exceeds dim {axis} of {shapes.fmt(shape)}")
        out = list(shape)
        out[axis] = p.top_k
        return [tuple(out)]


class MVNParams(Params):
    normalize_variance: bool = Field(True, description="Also divide by the standard deviation")
    across_channels: bool = Field(False, description="Share statistics across channels")
    eps: float = Field(1e-9, gt=0, description="Added to the deviation to avoid division by 0")


@layer("normalization")
class MVN(Layer[MVNParams]):
    """Mean-variance normalisation per item (and per channel unless across_channels).

    Input shape: ``[N, C, ...]``.
    Output shape: the input shape.
    """

    Params = MVNParams

    def infer(self, ctx: InferContext[MVNParams]) -> list[Shape]:
        if len(ctx.input) < 2:
            ctx.fail(f"expects at least [N, C], got {shapes.fmt(ctx.input)}")
        return [ctx.input]

    def cost(self, ctx: InferContext[MVNParams]) -> Cost:
        return Cost(flops=shapes.numel(ctx.input))


class InterpParams(Params):
    height: fields.NonNegInt = Field(0, description="Output height (0 = not set)")
    width: fields.NonNegInt = Field(0, description="Output width (0 = not set)")
    zoom_factor: fields.PosInt = Field(1, description="Upscale: H + (H-1)·(zoom-1)")
    shrink_factor: fields.PosInt = Field(1, description="Downscale: (H-1)/shrink + 1")
    pad_beg: int = Field(0, le=0, description="Crop (negative pad) at the start of each axis")
    pad_end: int = Field(0, le=0, description="Crop (negative pad) at the end of each axis")


@layer("reshape")
class Interp(Layer[InterpParams]):
    """Bilinear resize with corner alignment (DeepLab / PSPNet Caffe Interp).

    The size comes from ``height``/``width``, from a second input's spatial size, or
    from ``zoom_factor``/``shrink_factor`` applied after the ``pad_*`` crop.

    Input shape: ``[N, C, H, W]`` (and optionally a reference ``[N', C', H', W']``).
    Output shape: ``[N, C, H_out, W_out]``.
    """

    Params = InterpParams
    input_names = ("input", "reference")
    max_inputs = 2
    example_params = {"zoom_factor": 2}

    def infer(self, ctx: InferContext[InterpParams]) -> list[Shape]:
        p = ctx.params
        sizes = shapes.spatial(ctx.input, 2, "Interp")
        n, c = ctx.input[:2]
        if len(ctx.inputs) == 2:
            ref = ctx.inputs[1]
            if len(ref) != 4:
                ctx.fail(f"the reference input must be 4-D, got {shapes.fmt(ref)}")
            return [(n, c, ref[2], ref[3])]
        if p.height and p.width:
            return [(n, c, p.height, p.width)]
        cropped = [s + p.pad_beg + p.pad_end for s in sizes]
        if any(s <= 0 for s in cropped):
            ctx.fail(f"pad_beg/pad_end crop everything of {shapes.fmt(ctx.input)}")
        out = [(s - 1) // p.shrink_factor + 1 for s in cropped]
        out = [s + (s - 1) * (p.zoom_factor - 1) for s in out]
        return [(n, c, *out)]


class MaxUnpoolParams(Params):
    kernel_size: fields.Size = Field(2, description="Window size of the max pooling undone")
    stride: fields.Size | None = Field(None, description="Its stride; defaults to kernel_size")
    padding: fields.NonNegInt | list[fields.NonNegInt] = Field(0, description="Its padding")
    output_size: list[fields.PosInt] | None = Field(
        None, description="Spatial output size [H, W] when the default is ambiguous"
    )


@layer("pooling", aliases=("Unpooling", "MaxUnpool"))
class MaxUnpool2d(Layer[MaxUnpoolParams]):
    """Places each value back where a max pooling found it (SegNet's upsampling).

    Input shape: pooled values ``[N, C, H, W]`` and the pooling's indices (same shape).
    Output shape: ``[N, C, (H-1)·stride - 2·padding + kernel, ...]`` or ``output_size``.
    """

    Params = MaxUnpoolParams
    input_names = ("input", "indices")
    min_inputs = 2
    max_inputs = 2
    example_inputs = ((1, 8, 16, 16), (1, 8, 16, 16))

    def infer(self, ctx: InferContext[MaxUnpoolParams]) -> list[Shape]:
        p = ctx.params
        sizes = shapes.spatial(ctx.input, 2, "MaxUnpool2d")
        if tuple(ctx.inputs[1]) != tuple(ctx.input):
            ctx.fail(
                f"indices {shapes.fmt(ctx.inputs[1])} must have the input's shape "
                f"{shapes.fmt(ctx.input)}"
            )
        kernel = shapes.per_axis(p.kernel_size, 2, "kernel_size")
        stride = shapes.per_axis(p.stride or p.kernel_size, 2, "stride")
        pads = shapes.per_axis(p.padding, 2, "padding")
        default = [
            (n - 1) * s - 2 * pad + k
            for n, k, s, pad in zip(sizes, kernel, stride, pads, strict=True)
        ]
        if p.output_size is None:
            return [(*ctx.input[:2], *default)]
        if len(p.output_size) != 2:
            ctx.fail(f"output_size needs 2 values [H, W], got {len(p.output_size)}")
        for want, base, s in zip(p.output_size, default, stride, strict=True):
            if not base - s < want < base + s:
                ctx.fail(f"output_size {p.output_size} must be within a stride of {default}")
        return [(*ctx.input[:2], *p.output_size)]


class SelectParams(Params):
    dim: fields.Dim = Field(0, description="The axis to pick from (negative counts from the end)")
    index: int = Field(0, description="Which position along it (negative counts from the end)")


@layer("reshape")
class Select(Layer[SelectParams]):
    """Picks one position along an axis and drops the axis (``torch.select``; ViT's class
    token ``x[:, 0]``, attention's ``q, k, v = qkv[0], qkv[1], qkv[2]``).

    Input shape: any ``[d0, ..., dk]`` with ``-d_dim <= index < d_dim``.
    Output shape: the input without axis ``dim``.
    """

    Params = SelectParams
    example_inputs = ((1, 197, 768),)
    example_params: ClassVar[dict[str, Any]] = {"dim": 1, "index": 0}

    def infer(self, ctx: InferContext[SelectParams]) -> list[Shape]:
        x = ctx.input
        if not x:
            ctx.fail("a scalar has no axis to select from")
        axis = shapes.normalize_axis(ctx.params.dim, len(x))
        if not -x[axis] <= ctx.params.index < x[axis]:
            ctx.fail(f"index {ctx.params.index} is outside axis {axis} of size {x[axis]}")
        return [(*x[:axis], *x[axis + 1 :])]


class StridedSliceParams(Params):
    starts: list[int] = Field(
        [0], description="First index per axis (negative counts from the end)"
    )
    ends: list[int] = Field(
        [1], description="End per axis, exclusive; past the size means to the end"
    )
    axes: list[fields.Dim] | None = Field(
        None, description="The axes cut (default: the first ones)"
    )
    steps: list[Annotated[int, Field(gt=0)]] | None = Field(
        None, description="Stride per axis (default 1)"
    )


@layer("reshape")
class StridedSlice(Layer[StridedSliceParams]):
    """Keeps ``starts[i]:ends[i]:steps[i]`` of each axis in ``axes`` (Python's slice rules,
    as ``x[:, 1:3]`` in torch and ONNX's ``Slice``; Swin's window cuts, an attention
    head's part of a fused QKV).

    Input shape: any ``[d0, ..., dk]``.
    Output shape: the input with each cut axis as long as its slice.
    """

    Params = StridedSliceParams
    example_inputs = ((1, 49, 2304),)
    example_params: ClassVar[dict[str, Any]] = {"starts": [0], "ends": [768], "axes": [2]}

    def infer(self, ctx: InferContext[StridedSliceParams]) -> list[Shape]:
        out = list(ctx.input)
        for axis, start, end, step in self.cuts(ctx.params, len(out)):
            out[axis] = len(range(*slice(start, end, step).indices(out[axis])))
            if out[axis] == 0:
                ctx.fail(f"{start}:{end} of axis {axis} (size {ctx.input[axis]}) is empty")
        return [tuple(out)]

    @staticmethod
    def cuts(p: StridedSliceParams, rank: int) -> list[tuple[int, int, int, int]]:
        """(axis >= 0, start, end, step) per cut axis; raises ValueError on a bad list."""
        axes = p.axes if p.axes is not None else list(range(len(p.starts)))
        steps = p.steps if p.steps is not None else [1] * len(p.starts)
        if not len(p.starts) == len(p.ends) == len(axes) == len(steps):
            raise shapes.ShapeError("starts, ends, axes and steps need one value per cut axis")
        normal = [shapes.normalize_axis(a, rank, "axes") for a in axes]
        if len(set(normal)) != len(normal):
            raise shapes.ShapeError(f"axes {axes} name an axis twice")
        return list(zip(normal, p.starts, p.ends, steps, strict=True))
