"""Layers that move data around: reshape, reorder, resample, pad, crop and split.

None of them learns anything. Their rules are shape bookkeeping that gives the
answers PyTorch gives, plus Caffe's meanings where Caffe models need them (``0`` in
Reshape, Crop to a reference blob).
"""

from __future__ import annotations

import math
from typing import Annotated, ClassVar, Self, TypeVar

from pydantic import Field, model_validator

from netcanvas.graph import shapes
from netcanvas.graph.shapes import Shape, fmt, numel
from netcanvas.layers import fields
from netcanvas.layers.registry import InferContext, Layer, Params, layer, prod

# A target size: -1 is inferred; 0 copies the input's axis (Reshape only).
SizeEntry = Annotated[int, Field(ge=-1)]
Sizes = Annotated[list[SizeEntry], Field(min_length=1, max_length=8)]
Dims = Annotated[list[fields.Dim], Field(min_length=1, max_length=8)]
PosFloat = Annotated[float, Field(gt=0)]
SpatialSize = fields.PosInt | Annotated[list[fields.PosInt], Field(min_length=1, max_length=3)]
SpatialScale = PosFloat | Annotated[list[PosFloat], Field(min_length=1, max_length=3)]
Offsets = fields.NonNegInt | Annotated[list[fields.NonNegInt], Field(min_length=1, max_length=8)]
# Splitting into more parts than this is a typo, and each part is an output port.
MAX_PARTS = 256
T = TypeVar("T", int, float)


def _complete(sizes: list[int], total: int) -> Shape | None:
    """``sizes`` with its one ``-1`` filled in so the product is ``total``, or None."""
    known = prod([d for d in sizes if d != -1])
    if -1 in sizes:
        if known <= 0 or total % known:
            return None
        return tuple(total // known if d == -1 else d for d in sizes)
    return tuple(sizes) if known == total else None


class FlattenParams(Params):
    start_dim: fields.Dim = Field(1, description="First axis to merge (1 keeps the batch axis)")
    end_dim: fields.Dim = Field(-1, description="Last axis to merge; negative counts from the end")


@layer("reshape")
class Flatten(Layer[FlattenParams]):
    """Merges a run of axes into one; by default everything but the batch.

    Input shape: ``[N, *dims]``.
    Output shape: ``[N, prod(dims)]`` with the defaults; in general the axes from
    ``start_dim`` to ``end_dim`` become one axis holding their product.
    """

    Params = FlattenParams

    def infer(self, ctx: InferContext[FlattenParams]) -> list[Shape]:
        x, p = ctx.input, ctx.params
        start = shapes.normalize_axis(p.start_dim, len(x), "start_dim")
        end = shapes.normalize_axis(p.end_dim, len(x), "end_dim")
        if start > end:
            ctx.fail(f"start_dim {p.start_dim} comes after end_dim {p.end_dim} in {fmt(x)}")
        return [(*x[:start], prod(x[start : end + 1]), *x[end + 1 :])]


class UnflattenParams(Params):
    dim: fields.Dim = Field(1, description="Axis to expand into several axes")
    unflattened_size: Sizes = Field(
        [-1, 1, 1], description="Sizes that axis becomes; one of them may be -1 (inferred)"
    )


@layer("reshape")
class Unflatten(Layer[UnflattenParams]):
    """Expands one axis into several (the inverse of Flatten).

    Input shape: ``[*, D, *]`` with ``D`` at ``dim``.
    Output shape: ``[*, *unflattened_size, *]``; the sizes multiply to ``D``.
    """

    Params = UnflattenParams
    example_inputs = ((1, 256),)
    example_params = {"dim": 1, "unflattened_size": [16, 4, 4]}

    def infer(self, ctx: InferContext[UnflattenParams]) -> list[Shape]:
        x, sizes = ctx.input, list(ctx.params.unflattened_size)
        axis = shapes.normalize_axis(ctx.params.dim, len(x))
        if 0 in sizes or sizes.count(-1) > 1:
            ctx.fail(f"unflattened_size {sizes} needs positive sizes and at most one -1")
        parts = _complete(sizes, x[axis])
        if parts is None:
            ctx.fail(f"cannot split axis {axis} of {fmt(x)} (size {x[axis]}) into {fmt(sizes)}")
        return [(*x[:axis], *parts, *x[axis + 1 :])]


class ReshapeParams(Params):
    shape: Sizes = Field(
        [0, -1],
        description="Target shape, batch included: -1 is inferred (at most one), "
        "0 copies that axis from the input (as in Caffe and ONNX)",
    )


@layer("reshape", aliases=("View",))
class Reshape(Layer[ReshapeParams]):
    """Gives the same elements a new shape.

    Input shape: any.
    Output shape: ``shape`` with each ``0`` replaced by the input's size on that axis
    and the ``-1`` filled in; the element count must stay the same.
    """

    Params = ReshapeParams

    def infer(self, ctx: InferContext[ReshapeParams]) -> list[Shape]:
        x, target = ctx.input, list(ctx.params.shape)
        if target.count(-1) > 1:
            ctx.fail(f"shape {fmt(target)} has more than one -1")
        for i, size in enumerate(target):
            if size == 0:
                if i >= len(x):
                    ctx.fail(
                        f"shape {fmt(target)}: the 0 at position {i} has no axis to copy "
                        f"in {fmt(x)}"
                    )
                target[i] = x[i]
        out = _complete(target, numel(x))
        if out is None:
            wanted = fmt(target) if -1 in target else f"{fmt(target)} ({numel(target)} elements)"
            ctx.fail(f"cannot reshape {fmt(x)} ({numel(x)} elements) into {wanted}")
        return [out]


class PermuteParams(Params):
    dims: Dims = Field(
        [0, 2, 3, 1],
        description="Source axis for each output axis, all axes once (negative allowed); "
        "[0, 2, 3, 1] turns N×C×H×W into N×H×W×C",
    )


@layer("reshape", aliases=("Transpose",))
class Permute(Layer[PermuteParams]):
    """Reorders the axes.

    Input shape: any, with as many axes as ``dims`` lists.
    Output shape: ``[input[dims[0]], input[dims[1]], ...]``.
    """

    Params = PermuteParams

    def infer(self, ctx: InferContext[PermuteParams]) -> list[Shape]:
        x, dims = ctx.input, ctx.params.dims
        rank = len(x)
        if (
            len(dims) != rank
            or not all(-rank <= d < rank for d in dims)
            or sorted(d % rank for d in dims) != list(range(rank))
        ):
            ctx.fail(f"dims {dims} is not a permutation of the {rank} axes of {fmt(x)}")
        return [tuple(x[d % rank] for d in dims)]


class SqueezeParams(Params):
    dim: fields.Dim | Dims | None = Field(
        None,
        description="Axis or axes to drop if their size is 1 (others are kept, as in torch); "
        "none drops every size-1 axis",
    )


@layer("reshape")
class Squeeze(Layer[SqueezeParams]):
    """Drops axes of size 1.

    Input shape: any.
    Output shape: the input without the size-1 axes named by ``dim`` (all of them if
    ``dim`` is not set).
    """

    Params = SqueezeParams
    example_inputs = ((1, 8, 1, 1),)
    example_params = {"dim": [2, 3]}

    def infer(self, ctx: InferContext[SqueezeParams]) -> list[Shape]:
        x, dim = ctx.input, ctx.params.dim
        if dim is None:
            return [tuple(d for d in x if d != 1)]
        axes = [shapes.normalize_axis(d, len(x)) for d in ([dim] if isinstance(dim, int) else dim)]
        if len(set(axes)) != len(axes):
            ctx.fail(f"dim {dim} names an axis twice")
        for axis in axes:
            if x[axis] != 1:
                ctx.warn(f"axis {axis} of {fmt(x)} has size {x[axis]}, not 1: it is kept")
        return [tuple(d for i, d in enumerate(x) if not (i in axes and d == 1))]


class UnsqueezeParams(Params):
    dim: fields.Dim = Field(
        1, description="Where the new size-1 axis goes in the output (negative counts from the end)"
    )


@layer("reshape", aliases=("ExpandDims",))
class Unsqueeze(Layer[UnsqueezeParams]):
    """Inserts an axis of size 1.

    Input shape: any ``[d0, ..., dk]``.
    Output shape: the input with a 1 inserted so that it sits at ``dim``.
    """

    Params = UnsqueezeParams

    def infer(self, ctx: InferContext[UnsqueezeParams]) -> list[Shape]:
        x = ctx.input
        axis = shapes.normalize_axis(ctx.params.dim, len(x) + 1)
        return [(*x[:axis], 1, *x[axis:])]


class UpsampleParams(Params):
    size: SpatialSize | None = Field(
        None, description="Output spatial size: one int or one per axis (or scale_factor)"
    )
    scale_factor: SpatialScale | None = Field(
        2.0, description="Spatial multiplier: output = floor(input · scale) (or size)"
    )
    mode: fields.UpsampleMode = Field(
        "nearest",
        description="nearest (any rank), linear (3-D input), bilinear / bicubic (4-D), "
        "trilinear (5-D)",
    )
    align_corners: bool | None = Field(
        None, description="Align the corner pixels; only for the interpolating modes"
    )
    recompute_scale_factor: bool | None = Field(
        None,
        description="Interpolate with the output size's ratio, not scale_factor (same shape; "
        "values differ for fractional factors); not with size",
    )

    @model_validator(mode="after")
    def _one_target(self) -> Self:
        # scale_factor has a default, so it only conflicts when set explicitly.
        explicit = "scale_factor" in self.model_fields_set and self.scale_factor is not None
        if self.size is not None and explicit:
            raise ValueError("give size or scale_factor, not both")
        if self.size is None and self.scale_factor is None:
            raise ValueError("give size or scale_factor")
        if self.recompute_scale_factor and self.size is not None:
            raise ValueError("recompute_scale_factor is not meaningful with an explicit size")
        return self


@layer("reshape", aliases=("UpSampling2D", "Resize"))
class Upsample(Layer[UpsampleParams]):
    """Resizes the spatial axes by interpolation.

    Input shape: ``[N, C, *spatial]`` with 1 to 3 spatial axes (as ``mode`` needs).
    Output shape: ``[N, C, *size]``, or ``[N, C, floor(d · scale_factor) for each d]``.
    """

    Params = UpsampleParams

    def infer(self, ctx: InferContext[UpsampleParams]) -> list[Shape]:
        x, p = ctx.input, ctx.params
        ranks = fields.MODE_RANKS[p.mode]
        if len(x) - 2 not in ranks:
            want = " or ".join(f"{r + 2}-D" for r in ranks)
            ctx.fail(f"mode '{p.mode}' needs a {want} input, got {fmt(x)}")
        if p.align_corners is not None and p.mode == "nearest":
            ctx.fail("align_corners only applies to linear, bilinear, bicubic and trilinear")
        spatial = x[2:]
        if p.size is not None:
            out = self._per_axis(ctx, p.size, spatial, "size")
        else:
            assert p.scale_factor is not None  # the params validator guarantees one
            scales = self._per_axis(ctx, p.scale_factor, spatial, "scale_factor")
            out = tuple(math.floor(n * s) for n, s in zip(spatial, scales, strict=True))
            if min(out) < 1:
                ctx.fail(f"scale_factor {p.scale_factor} shrinks {fmt(x)} to nothing")
        return [(*x[:2], *out)]

    @staticmethod
    def _per_axis(
        ctx: InferContext[UpsampleParams], value: T | list[T], spatial: Shape, name: str
    ) -> tuple[T, ...]:
        if not isinstance(value, list):
            return (value,) * len(spatial)
        if len(value) != len(spatial):
            ctx.fail(f"{name} has {len(value)} values for {len(spatial)} spatial axes")
        return tuple(value)


class PixelShuffleParams(Params):
    upscale_factor: fields.PosInt = Field(2, description="Factor r by which height and width grow")


@layer("reshape", aliases=("DepthToSpace",))
class PixelShuffle(Layer[PixelShuffleParams]):
    """Moves channel blocks into space: ``C·r²`` channels become an ``r×r`` upscale.

    Input shape: ``[*, C·r², H, W]``.
    Output shape: ``[*, C, H·r, W·r]``.
    """

    Params = PixelShuffleParams

    def infer(self, ctx: InferContext[PixelShuffleParams]) -> list[Shape]:
        x, r = ctx.input, ctx.params.upscale_factor
        if len(x) < 3:
            ctx.fail(f"expects at least [C, H, W], got {fmt(x)}")
        *lead, c, h, w = x
        if c % (r * r):
            ctx.fail(f"channels ({c}) must be divisible by upscale_factor² ({r * r})")
        return [(*lead, c // (r * r), h * r, w * r)]


class PixelUnshuffleParams(Params):
    downscale_factor: fields.PosInt = Field(
        2, description="Factor r by which height and width shrink"
    )


@layer("reshape", aliases=("SpaceToDepth",))
class PixelUnshuffle(Layer[PixelUnshuffleParams]):
    """Moves ``r×r`` spatial blocks into channels (the inverse of PixelShuffle).

    Input shape: ``[*, C, H·r, W·r]``.
    Output shape: ``[*, C·r², H, W]``.
    """

    Params = PixelUnshuffleParams

    def infer(self, ctx: InferContext[PixelUnshuffleParams]) -> list[Shape]:
        x, r = ctx.input, ctx.params.downscale_factor
        if len(x) < 3:
            ctx.fail(f"expects at least [C, H, W], got {fmt(x)}")
        *lead, c, h, w = x
        if h % r or w % r:
            ctx.fail(f"height ({h}) and width ({w}) must be divisible by downscale_factor ({r})")
        return [(*lead, c * r * r, h // r, w // r)]


Pad2d = int | Annotated[list[int], Field(min_length=4, max_length=4)]


class ZeroPadParams(Params):
    padding: Pad2d = Field(
        1, description="Added per side: one int, or [left, right, top, bottom]; negative crops"
    )


class ConstantPadParams(ZeroPadParams):
    value: float = Field(0.0, description="Value written into the padding")


class _Pad2d(Layer[ZeroPadParams]):
    def infer(self, ctx: InferContext[ZeroPadParams]) -> list[Shape]:
        x, pad = ctx.input, ctx.params.padding
        if len(x) < 2:
            ctx.fail(f"expects at least [H, W], got {fmt(x)}")
        left, right, top, bottom = [pad] * 4 if isinstance(pad, int) else pad
        h, w = x[-2] + top + bottom, x[-1] + left + right
        if h < 1 or w < 1:
            ctx.fail(f"padding {pad} leaves nothing of {fmt(x)}")
        return [(*x[:-2], h, w)]


@layer("reshape")
class ZeroPad2d(_Pad2d):
    """Pads the last two axes with zeros.

    Input shape: ``[*, H, W]``.
    Output shape: ``[*, H + top + bottom, W + left + right]``.
    """

    Params = ZeroPadParams


@layer("reshape")
class ConstantPad2d(_Pad2d):
    """Pads the last two axes with a constant value.

    Input shape: ``[*, H, W]``.
    Output shape: ``[*, H + top + bottom, W + left + right]``.
    """

    Params = ConstantPadParams


class CropParams(Params):
    axis: fields.Dim = Field(
        2, description="First axis to crop; earlier axes keep the data's size (2 keeps N and C)"
    )
    offset: Offsets = Field(
        0, description="Where the window starts in the data: one value or one per cropped axis"
    )


@layer("reshape")
class Crop(Layer[CropParams]):
    """Cuts the data down to the size of a reference tensor (Caffe's Crop).

    Input shape: data ``[d0, ..., dk]`` and reference ``[r0, ..., rk]`` of the same rank.
    Output shape: ``[d0, ..., d(axis-1), r(axis), ..., rk]``; the window starts at
    ``offset`` on each cropped axis and must lie inside the data.
    """

    Params = CropParams
    input_names = ("input", "reference")
    min_inputs = 2
    max_inputs = 2
    example_inputs = ((1, 8, 20, 20), (1, 8, 16, 16))
    example_params = {"offset": 2}

    def infer(self, ctx: InferContext[CropParams]) -> list[Shape]:
        data, ref = ctx.inputs
        if len(data) != len(ref):
            ctx.fail(f"data {fmt(data)} and reference {fmt(ref)} differ in rank")
        first = shapes.normalize_axis(ctx.params.axis, len(data), "axis")
        cropped = len(data) - first
        offset = ctx.params.offset
        offsets = [offset] * cropped if isinstance(offset, int) else list(offset)
        if len(offsets) == 1:
            offsets *= cropped
        if len(offsets) != cropped:
            ctx.fail(f"offset needs 1 or {cropped} values (axes {first}..), got {len(offsets)}")
        for axis, start in zip(range(first, len(data)), offsets, strict=True):
            if start + ref[axis] > data[axis]:
                ctx.fail(
                    f"the window {start}..{start + ref[axis]} on axis {axis} falls outside "
                    f"the data (size {data[axis]}): data {fmt(data)}, reference {fmt(ref)}"
                )
        return [(*data[:first], *ref[first:])]


class SplitParams(Params):
    dim: fields.Dim = Field(1, description="Axis to split along")
    sections: Annotated[int, Field(gt=0, le=MAX_PARTS)] | None = Field(
        2, description="Number of equal parts (the axis size must divide); or give sizes"
    )
    sizes: Annotated[list[fields.PosInt], Field(min_length=1, max_length=MAX_PARTS)] | None = Field(
        None, description="Size of each part, summing to the axis size; replaces sections"
    )

    @model_validator(mode="after")
    def _one_rule(self) -> Self:
        # sections has a default, so it only conflicts when set explicitly.
        explicit = "sections" in self.model_fields_set and self.sections is not None
        if self.sizes is not None and explicit:
            raise ValueError("give sections or sizes, not both")
        if self.sizes is None and self.sections is None:
            raise ValueError("give sections or sizes")
        return self

    @property
    def parts(self) -> int:
        return len(self.sizes) if self.sizes is not None else self.sections or 1


@layer("reshape", aliases=("Chunk",))
class Split(Layer[SplitParams]):
    """Cuts a tensor into parts along one axis; one output per part.

    Input shape: any, with size ``D`` on ``dim``.
    Output shape: output ``k`` (referenced as ``name:k``) is the input with ``dim``
    set to ``sizes[k]``, or to ``D / sections``.
    """

    Params = SplitParams
    # The count follows the settings (num_outputs); these are the defaults' ports.
    output_names: ClassVar[tuple[str, ...]] = ("output0", "output1")

    def num_outputs(self, params: SplitParams) -> int:
        return params.parts

    def infer(self, ctx: InferContext[SplitParams]) -> list[Shape]:
        x, p = ctx.input, ctx.params
        axis = shapes.normalize_axis(p.dim, len(x))
        size = x[axis]
        if p.sizes is not None:
            if sum(p.sizes) != size:
                ctx.fail(
                    f"sizes {p.sizes} sum to {sum(p.sizes)}, but axis {axis} of {fmt(x)} is {size}"
                )
            parts = list(p.sizes)
        else:
            count = p.parts
            if size % count:
                ctx.fail(
                    f"axis {axis} of {fmt(x)} (size {size}) does not split into {count} equal parts"
                )
            parts = [size // count] * count
        return [(*x[:axis], part, *x[axis + 1 :]) for part in parts]
