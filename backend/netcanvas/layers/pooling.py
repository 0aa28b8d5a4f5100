"""Max, average, adaptive and global pooling."""

from __future__ import annotations

from typing import Any, ClassVar

from pydantic import Field

from netcanvas.graph import shapes
from netcanvas.graph.shapes import Shape
from netcanvas.layers import fields
from netcanvas.layers.registry import Cost, InferContext, Layer, Params, layer


class PoolParams(Params):
    kernel_size: fields.Size = Field(2, description="Window size: one int or one per axis")
    stride: fields.Size | None = Field(
        None, description="Step between windows; defaults to kernel_size"
    )
    padding: fields.NonNegInt | list[fields.NonNegInt] = Field(
        0, description="Implicit padding per side (at most half the window)"
    )
    ceil_mode: bool = Field(
        False, description="Round the output size up (Caffe's rule) instead of down"
    )


def _return_indices() -> Any:
    return Field(
        False,
        description="Also output where each maximum was: int64 indices of the output's shape, "
        "flattened per channel (for MaxUnpool)",
    )


class MaxPoolParams(PoolParams):
    dilation: fields.Size = Field(1, description="Spacing between window taps")
    return_indices: bool = _return_indices()


class AvgPoolParams(PoolParams):
    count_include_pad: bool = Field(True, description="Count padded zeros in the average's divisor")


class AvgPoolNdParams(AvgPoolParams):
    """AvgPool2d / AvgPool3d: torch's AvgPool1d has no divisor_override."""

    divisor_override: fields.PosInt | None = Field(
        None, description="Divide each window's sum by this instead of the window size"
    )


class _Indices(Layer[Any]):
    """Max pooling's optional second output: torch returns (values, indices)."""

    def num_outputs(self, params: Any) -> int:
        return 2 if params.return_indices else 1

    def outputs_of(self, params: Any) -> tuple[str, ...]:
        return ("output", "indices") if params.return_indices else ("output",)

    def output_dtypes(self, params: Any) -> tuple[str, ...]:
        return ("float32", "int64") if params.return_indices else ("float32",)


class _Pool(Layer[PoolParams]):
    rank: ClassVar[int] = 2

    def infer(self, ctx: InferContext[PoolParams]) -> list[Shape]:
        p = ctx.params
        sizes = shapes.spatial(ctx.input, self.rank, self.type)
        kernel = shapes.per_axis(p.kernel_size, self.rank, "kernel_size")
        stride = shapes.per_axis(p.stride or p.kernel_size, self.rank, "stride")
        pads = shapes.per_axis(p.padding, self.rank, "padding")
        dil = shapes.per_axis(getattr(p, "dilation", 1), self.rank, "dilation")
        for pad, k in zip(pads, kernel, strict=True):
            if pad * 2 > k:
                ctx.fail(f"padding ({pad}) must be at most half the window ({k})")
        out = tuple(
            shapes.pool_out(n, k, s, pad, pad, d, p.ceil_mode)
            for n, k, s, pad, d in zip(sizes, kernel, stride, pads, dil, strict=True)
        )
        return [(*ctx.input[:2], *out)] * self.num_outputs(p)

    def cost(self, ctx: InferContext[PoolParams]) -> Cost:
        window = shapes.numel(shapes.per_axis(ctx.params.kernel_size, self.rank, "kernel_size"))
        return Cost(flops=shapes.numel(ctx.outputs[0]) * window)


class _MaxPool(_Indices, _Pool):
    Params = MaxPoolParams


class _AvgPool(_Pool):
    Params = AvgPoolParams


class _AvgPoolNd(_AvgPool):
    Params = AvgPoolNdParams


@layer("pooling")
class MaxPool1d(_MaxPool):
    """1-D max pooling: the largest value in each window.

    Input shape: ``[N, C, L]``.
    Output shape: ``[N, C, L_out]``.
    With ``return_indices``, a second output ``indices``: int64, the same shape.
    """

    rank = 1
    example_inputs = ((1, 8, 32),)


@layer("pooling", aliases=("MaxPooling2D", "Pooling"))
class MaxPool2d(_MaxPool):
    """2-D max pooling: the largest value in each window.

    Input shape: ``[N, C, H, W]``.
    Output shape: ``[N, C, H_out, W_out]``, with
    ``H_out = floor_or_ceil((H + 2·padding - dilation·(kernel-1) - 1) / stride) + 1``.
    With ``return_indices``, a second output ``indices``: int64, the same shape.
    """

    rank = 2


@layer("pooling")
class MaxPool3d(_MaxPool):
    """3-D max pooling: the largest value in each window.

    Input shape: ``[N, C, D, H, W]``.
    Output shape: ``[N, C, D_out, H_out, W_out]``.
    With ``return_indices``, a second output ``indices``: int64, the same shape.
    """

    rank = 3
    example_inputs = ((1, 4, 8, 16, 16),)


@layer("pooling")
class AvgPool1d(_AvgPool):
    """1-D average pooling: the mean of each window.

    Input shape: ``[N, C, L]``.
    Output shape: ``[N, C, L_out]``.
    """

    rank = 1
    example_inputs = ((1, 8, 32),)


@layer("pooling", aliases=("AveragePooling2D",))
class AvgPool2d(_AvgPoolNd):
    """2-D average pooling: the mean of each window.

    Input shape: ``[N, C, H, W]``.
    Output shape: ``[N, C, H_out, W_out]``.
    """

    rank = 2


@layer("pooling")
class AvgPool3d(_AvgPoolNd):
    """3-D average pooling: the mean of each window.

    Input shape: ``[N, C, D, H, W]``.
    Output shape: ``[N, C, D_out, H_out, W_out]``.
    """

    rank = 3
    example_inputs = ((1, 4, 8, 16, 16),)


class AdaptiveParams(Params):
    output_size: fields.Size = Field(
        1, description="Output size per axis; the windows adapt to the input"
    )


class AdaptiveMaxParams(AdaptiveParams):
    return_indices: bool = _return_indices()


class _Adaptive(Layer[AdaptiveParams]):
    rank: ClassVar[int] = 2
    Params = AdaptiveParams

    def infer(self, ctx: InferContext[AdaptiveParams]) -> list[Shape]:
        shapes.spatial(ctx.input, self.rank, self.type)
        out = shapes.per_axis(ctx.params.output_size, self.rank, "output_size")
        return [(*ctx.input[:2], *out)] * self.num_outputs(ctx.params)


class _AdaptiveMax(_Indices, _Adaptive):
    Params = AdaptiveMaxParams

    def cost(self, ctx: InferContext[AdaptiveParams]) -> Cost:
        return Cost(flops=shapes.numel(ctx.input))


@layer("pooling")
class AdaptiveAvgPool1d(_Adaptive):
    """1-D adaptive average pooling to a fixed output length.

    Input shape: ``[N, C, L]``.
    Output shape: ``[N, C, output_size]``.
    """

    rank = 1
    example_inputs = ((1, 8, 32),)


@layer("pooling")
class AdaptiveAvgPool2d(_Adaptive):
    """2-D adaptive average pooling to a fixed output size (1 = global average).

    Input shape: ``[N, C, H, W]``.
    Output shape: ``[N, C, *output_size]``.
    """

    rank = 2


@layer("pooling")
class AdaptiveAvgPool3d(_Adaptive):
    """3-D adaptive average pooling to a fixed output size.

    Input shape: ``[N, C, D, H, W]``.
    Output shape: ``[N, C, *output_size]``.
    """

    rank = 3
    example_inputs = ((1, 4, 8, 16, 16),)


@layer("pooling")
class AdaptiveMaxPool1d(_AdaptiveMax):
    """1-D adaptive max pooling to a fixed output length.

    Input shape: ``[N, C, L]``.
    Output shape: ``[N, C, output_size]``.
    With ``return_indices``, a second output ``indices``: int64, the same shape.
    """

    rank = 1
    example_inputs = ((1, 8, 32),)


@layer("pooling")
class AdaptiveMaxPool2d(_AdaptiveMax):
    """2-D adaptive max pooling to a fixed output size.

    Input shape: ``[N, C, H, W]``.
    Output shape: ``[N, C, *output_size]``.
    With ``return_indices``, a second output ``indices``: int64, the same shape.
    """

    rank = 2


class _Global(Layer[Params]):
    def infer(self, ctx: InferContext[Params]) -> list[Shape]:
        shapes.spatial(ctx.input, 2, self.type)
        return [ctx.input[:2]]

    def cost(self, ctx: InferContext[Params]) -> Cost:
        return Cost(flops=shapes.numel(ctx.input))


@layer("pooling", aliases=("GlobalAveragePooling2D",))
class GlobalAvgPool2d(_Global):
    """Global average pooling: one mean per channel, spatial axes dropped.

    Input shape: ``[N, C, H, W]``.
    Output shape: ``[N, C]``.
    """


@layer("pooling", aliases=("GlobalMaxPooling2D",))
class GlobalMaxPool2d(_Global):
    """Global max pooling: one maximum per channel, spatial axes dropped.

    Input shape: ``[N, C, H, W]``.
    Output shape: ``[N, C]``.
    """
