"""Convolutions and transposed convolutions in 1, 2 and 3 dimensions.

One base per kind carries the logic; the variants only fix the rank (Keras's
``BaseConv`` -> ``Conv2D``).
"""

from __future__ import annotations

from typing import ClassVar, Literal

from pydantic import Field

from netcanvas.graph import shapes
from netcanvas.graph.shapes import Shape
from netcanvas.layers import fields
from netcanvas.layers.registry import Cost, InferContext, Layer, layer, prod


class ConvParams(fields.FactoryKwargs):
    out_channels: fields.PosInt = Field(64, description="Number of output channels (filters)")
    kernel_size: fields.Size = Field(3, description="Window size: one int or one per axis")
    stride: fields.Size = Field(1, description="Step between windows: one int or one per axis")
    padding: fields.Padding = Field(
        0, description="Zero padding per side: int, one per axis, 'same' or 'valid'"
    )
    dilation: fields.Size = Field(1, description="Spacing between kernel taps")
    groups: fields.PosInt = Field(
        1, description="Channel groups; in_channels for a depthwise convolution"
    )
    bias: bool = Field(True, description="Learn an additive bias per output channel")
    padding_mode: fields.PaddingMode = Field(
        "zeros",
        description="What the padding holds: zeros, the mirror image of the border (reflect, "
        "each pad below the size), the edge value (replicate), the other side (circular)",
    )
    in_channels: fields.InferredSize = fields.inferred("Input channels (dim 1 of the input)")


class ConvTransposeParams(ConvParams):
    output_padding: fields.NonNegInt | list[fields.NonNegInt] = Field(
        0, description="Extra size added to one side of the output (resolves stride ambiguity)"
    )
    padding_mode: Literal["zeros"] = Field(
        "zeros", description="PyTorch's transposed convolutions pad with zeros only"
    )


class _Conv(Layer[ConvParams]):
    rank: ClassVar[int] = 2
    # Wider than ConvParams: a transposed convolution narrows padding_mode to 'zeros'.
    Params: ClassVar[type[fields.FactoryKwargs]] = ConvParams

    def _geometry(
        self, ctx: InferContext[ConvParams]
    ) -> tuple[tuple[int, ...], tuple[int, ...], tuple[int, ...], tuple[int, ...]]:
        p = ctx.params
        sizes = shapes.spatial(ctx.input, self.rank, self.type)
        kernel = shapes.per_axis(p.kernel_size, self.rank, "kernel_size")
        stride = shapes.per_axis(p.stride, self.rank, "stride")
        dilation = shapes.per_axis(p.dilation, self.rank, "dilation")
        channels = ctx.input[1]
        ctx.inferred("in_channels", channels, f"dim 1 of the input {shapes.fmt(ctx.input)}")
        for what, count in (("input channels", channels), ("out_channels", p.out_channels)):
            if count % p.groups:
                ctx.fail(f"{what} ({count}) must be divisible by groups ({p.groups})")
        return sizes, kernel, stride, dilation

    def infer(self, ctx: InferContext[ConvParams]) -> list[Shape]:
        sizes, kernel, stride, dilation = self._geometry(ctx)
        begin, end = shapes.resolve_padding(ctx.params.padding, sizes, kernel, stride, dilation)
        _check_padding_mode(ctx, sizes, begin, end)
        out = tuple(
            shapes.conv_out(n, k, s, b + e, d)
            for n, k, s, b, e, d in zip(sizes, kernel, stride, begin, end, dilation, strict=True)
        )
        return [(ctx.input[0], ctx.params.out_channels, *out)]

    def cost(self, ctx: InferContext[ConvParams]) -> Cost:
        p = ctx.params
        kernel = prod(shapes.per_axis(p.kernel_size, self.rank, "kernel_size"))
        per_filter = ctx.input[1] // p.groups * kernel
        params = p.out_channels * per_filter + (p.out_channels if p.bias else 0)
        return Cost(params=params, macs=shapes.numel(ctx.outputs[0]) * per_filter)


def _check_padding_mode(
    ctx: InferContext[ConvParams], sizes: Shape, begin: Shape, end: Shape
) -> None:
    """torch pads a copy of the border: reflect needs each pad below the size it mirrors,
    circular at most the size it wraps (replicate repeats the edge as often as asked)."""
    mode = ctx.params.padding_mode
    if mode not in ("reflect", "circular"):
        return
    for axis, (n, b, e) in enumerate(zip(sizes, begin, end, strict=True)):
        pad = max(b, e)
        if pad >= n if mode == "reflect" else pad > n:
            bound = "smaller than" if mode == "reflect" else "at most"
            ctx.fail(
                f"padding_mode '{mode}' pads spatial axis {axis} (size {n}) by {pad}: "
                f"the padding must be {bound} the size"
            )


class _ConvTranspose(_Conv):
    Params = ConvTransposeParams

    def infer(self, ctx: InferContext[ConvParams]) -> list[Shape]:
        p = ctx.params
        assert isinstance(p, ConvTransposeParams)
        sizes, kernel, stride, dilation = self._geometry(ctx)
        if isinstance(p.padding, str):
            ctx.fail("a transposed convolution takes numeric padding, not 'same'/'valid'")
        begin, end = shapes.resolve_padding(p.padding, sizes, kernel, stride, dilation)
        extra = shapes.per_axis(p.output_padding, self.rank, "output_padding")
        for o, s, d in zip(extra, stride, dilation, strict=True):
            if o >= max(s, d):
                ctx.fail(f"output_padding ({o}) must be smaller than stride or dilation")
        out = tuple(
            shapes.conv_transpose_out(n, k, s, b + e, d, o)
            for n, k, s, b, e, d, o in zip(
                sizes, kernel, stride, begin, end, dilation, extra, strict=True
            )
        )
        return [(ctx.input[0], p.out_channels, *out)]

    def cost(self, ctx: InferContext[ConvParams]) -> Cost:
        p = ctx.params
        kernel = prod(shapes.per_axis(p.kernel_size, self.rank, "kernel_size"))
        weights = ctx.input[1] * (p.out_channels // p.groups) * kernel
        params = weights + (p.out_channels if p.bias else 0)
        # Every input pixel scatters into a kernel window: MACs follow the input size.
        return Cost(params=params, macs=ctx.input[0] * prod(ctx.input[2:]) * weights)


@layer("convolution")
class Conv1d(_Conv):
    """1-D convolution over a sequence of feature vectors.

    Input shape: ``[N, C_in, L]``.
    Output shape: ``[N, out_channels, L_out]``.
    """

    rank = 1
    example_inputs = ((1, 8, 32),)


@layer("convolution", aliases=("Convolution", "Conv2D"))
class Conv2d(_Conv):
    """2-D convolution over images.

    Input shape: ``[N, C_in, H, W]``.
    Output shape: ``[N, out_channels, H_out, W_out]``, where
    ``H_out = floor((H + 2·padding - dilation·(kernel-1) - 1) / stride) + 1``.
    """

    rank = 2


@layer("convolution")
class Conv3d(_Conv):
    """3-D convolution over volumes or video.

    Input shape: ``[N, C_in, D, H, W]``.
    Output shape: ``[N, out_channels, D_out, H_out, W_out]``.
    """

    rank = 3
    example_inputs = ((1, 4, 8, 16, 16),)


@layer("convolution")
class ConvTranspose1d(_ConvTranspose):
    """1-D transposed convolution ("deconvolution"), an upsampling convolution.

    Input shape: ``[N, C_in, L]``.
    Output shape: ``[N, out_channels, (L-1)·stride - 2·padding + dilation·(kernel-1)
    + output_padding + 1]``.
    """

    rank = 1
    example_inputs = ((1, 8, 32),)


@layer("convolution", aliases=("Deconvolution", "Conv2DTranspose"))
class ConvTranspose2d(_ConvTranspose):
    """2-D transposed convolution ("deconvolution"), an upsampling convolution.

    Input shape: ``[N, C_in, H, W]``.
    Output shape: ``[N, out_channels, H_out, W_out]``, where
    ``H_out = (H-1)·stride - 2·padding + dilation·(kernel-1) + output_padding + 1``.
    """

    rank = 2


@layer("convolution")
class ConvTranspose3d(_ConvTranspose):
    """3-D transposed convolution ("deconvolution").

    Input shape: ``[N, C_in, D, H, W]``.
    Output shape: ``[N, out_channels, D_out, H_out, W_out]``.
    """

    rank = 3
    example_inputs = ((1, 4, 8, 16, 16),)
