"""Per-element maths and per-channel affine maps (Caffe's Power, Exp, Scale, Bias...).

These keep the input shape. ``Scale`` and ``Bias`` learn (or take as a second input)
a tensor that covers the axes ``axis .. axis + num_axes`` of the input and broadcasts
over the rest, as Caffe's layers of the same names do.
"""

from __future__ import annotations

from pydantic import Field

from netcanvas.graph import shapes
from netcanvas.graph.shapes import Shape
from netcanvas.layers.registry import Cost, InferContext, Layer, NoParams, Params, layer


class _Pointwise(Layer[Params]):
    """Shape-preserving: the output has the input's shape; flops = elements."""

    def infer(self, ctx: InferContext[Params]) -> list[Shape]:
        return [ctx.input]

    def cost(self, ctx: InferContext[Params]) -> Cost:
        return Cost(flops=shapes.numel(ctx.input))


class PowerParams(Params):
    power: float = Field(1.0, description="Exponent p in (shift + scale·x)^p")
    scale: float = Field(1.0, description="Factor applied to x before the power")
    shift: float = Field(0.0, description="Offset added after scaling, before the power")


@layer("elementwise")
class Power(_Pointwise):
    """Raises an affine map of the input to a power: ``(shift + scale·x)^power``.

    Input shape: any.
    Output shape: the input shape.
    """

    Params = PowerParams


class ExpLogParams(Params):
    base: float = Field(-1.0, description="Base of the exponential or logarithm; -1 means e")
    scale: float = Field(1.0, description="Factor applied to x first")
    shift: float = Field(0.0, description="Offset added after scaling")


class _ExpLog(Layer[ExpLogParams]):
    """Shared rule of Exp and Log: the base must be positive, or -1 for e."""

    Params = ExpLogParams

    def infer(self, ctx: InferContext[ExpLogParams]) -> list[Shape]:
        base = ctx.params.base
        if base != -1.0 and base <= 0:
            ctx.fail(f"base must be positive or -1 (for e), got {base}")
        return [ctx.input]

    def cost(self, ctx: InferContext[ExpLogParams]) -> Cost:
        return Cost(flops=shapes.numel(ctx.input))


@layer("elementwise")
class Exp(_ExpLog):
    """Exponential of an affine map of the input: ``base^(shift + scale·x)``.

    Input shape: any.
    Output shape: the input shape.
    """


@layer("elementwise")
class Log(_ExpLog):
    """Logarithm of an affine map of the input: ``log_base(shift + scale·x)``.

    Input shape: any.
    Output shape: the input shape.
    """


@layer("elementwise", aliases=("AbsVal",))
class Abs(_Pointwise):
    """Absolute value of every element.

    Input shape: any.
    Output shape: the input shape.
    """

    Params = NoParams


class ThresholdParams(Params):
    threshold: float = Field(0.0, description="Elements above this become 1, the rest 0")


@layer("elementwise", aliases=("Threshold",))
class BinaryThreshold(_Pointwise):
    """Step function: 1 where the input exceeds ``threshold``, else 0 (Caffe Threshold).

    Input shape: any.
    Output shape: the input shape.
    """

    Params = ThresholdParams


class AffineParams(Params):
    axis: int = Field(1, description="First input axis the learned tensor covers")
    num_axes: int = Field(
        1, ge=-1, description="How many axes it covers from `axis`; -1 = all the rest, 0 = scalar"
    )


class ScaleParams(AffineParams):
    bias: bool = Field(False, description="Also learn an additive bias of the same shape")


class _Affine(Layer[AffineParams]):
    """Shared rule: the covered axes must exist; with two inputs they must match."""

    input_names = ("input", "factor")
    max_inputs = 2

    def covered(self, ctx: InferContext[AffineParams]) -> tuple[int, ...]:
        p, shape = ctx.params, ctx.input
        with_second = len(ctx.inputs) == 2
        if with_second:
            # With a second input, its rank says how many axes it covers (Caffe).
            count = len(ctx.inputs[1])
        else:
            count = len(shape) - shapes.normalize_axis(p.axis, len(shape), "axis")
            count = count if p.num_axes == -1 else p.num_axes
        start = shapes.normalize_axis(p.axis, len(shape), "axis") if shape else 0
        if start + count > len(shape):
            ctx.fail(
                f"axis {p.axis} with {count} axes does not fit a {len(shape)}-D input "
                f"({shapes.fmt(shape)})"
            )
        dims = shape[start : start + count]
        if with_second and tuple(ctx.inputs[1]) != tuple(dims):
            ctx.fail(
                f"second input {shapes.fmt(ctx.inputs[1])} must equal the covered axes "
                f"{shapes.fmt(dims)} of {shapes.fmt(shape)}"
            )
        return tuple(dims)

    def infer(self, ctx: InferContext[AffineParams]) -> list[Shape]:
        self.covered(ctx)
        return [ctx.input]


@layer("elementwise")
class Scale(_Affine):
    """Multiplies by a learned (or second-input) tensor broadcast over the other axes.

    With one input it learns ``C`` factors for ``axis: 1, num_axes: 1`` (plus ``C``
    biases with ``bias: true``, so 2·C parameters); with two inputs the factors come
    from the second input and nothing is learned except the optional bias.

    Input shape: ``[N, C, ...]`` (and optionally the factor tensor, e.g. ``[N, C]``).
    Output shape: the input shape.
    """

    Params = ScaleParams
    example_params = {"bias": True}

    def cost(self, ctx: InferContext[AffineParams]) -> Cost:
        p = ctx.params
        assert isinstance(p, ScaleParams)
        count = shapes.numel(self.covered(ctx))
        learned = (0 if len(ctx.inputs) == 2 else count) + (count if p.bias else 0)
        return Cost(params=learned, flops=shapes.numel(ctx.input))


@layer("elementwise")
class Bias(_Affine):
    """Adds a learned (or second-input) tensor broadcast over the other axes.

    Input shape: ``[N, C, ...]`` (and optionally the bias tensor).
    Output shape: the input shape.
    """

    Params = AffineParams

    def cost(self, ctx: InferContext[AffineParams]) -> Cost:
        learned = 0 if len(ctx.inputs) == 2 else shapes.numel(self.covered(ctx))
        return Cost(params=learned, flops=shapes.numel(ctx.input))
