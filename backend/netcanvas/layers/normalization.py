"""Normalisation layers: batch, layer, group, instance, local response and RMS.

All keep their input's shape. The channel count (``num_features`` / ``num_channels``
in PyTorch) is read from dim 1 of the input and checked against the setting when one
is given; running statistics are buffers, not learnable parameters (DESIGN 3). With
``affine`` and no ``bias`` the per-channel scale alone is learned (C, not 2·C). They
cost no MACs; ``flops`` counts a handful of operations per element (informational).
"""

from __future__ import annotations

from typing import Annotated, Any, ClassVar, TypeVar

from pydantic import Field

from netcanvas.graph import shapes
from netcanvas.graph.shapes import Shape
from netcanvas.layers import fields
from netcanvas.layers.registry import Cost, InferContext, Layer, Params, layer, prod

P = TypeVar("P", bound=Params)

# Subtract the mean, divide by the deviation, scale, shift: roughly 4 ops per element.
_OPS_PER_ELEMENT = 4

Eps = Annotated[float, Field(gt=0.0)]
Momentum = Annotated[float, Field(ge=0.0, le=1.0)] | None


def batch_norm_type(rank: int) -> str:
    """The BatchNorm type for an input of this rank (Caffe and ONNX have one BatchNorm
    for every rank; PyTorch has three): [N, C] and [N, C, L] 1d, [N, C, D, H, W] 3d."""
    return {2: "BatchNorm1d", 3: "BatchNorm1d", 5: "BatchNorm3d"}.get(rank, "BatchNorm2d")


def _eps() -> Any:
    return Field(1e-5, description="Added to the variance to avoid dividing by zero")


def _momentum() -> Any:
    return Field(
        0.1, description="Weight of the newest batch in the running statistics; None: plain mean"
    )


def _affine(default: bool) -> Any:
    return Field(
        default, description="Learn a per-channel scale and shift (2·C parameters, C without bias)"
    )


def _bias() -> Any:
    return Field(True, description="Learn the shift with affine (PyTorch 2.1+); false: scale only")


def _channel_affine(ctx: InferContext[Any]) -> int:
    """Parameters of a per-channel scale (and shift, with ``bias``)."""
    p = ctx.params
    return ctx.input[1] * (2 if p.bias else 1) if p.affine else 0


def _channels(ctx: InferContext[Any], setting: str) -> None:
    ctx.inferred(setting, ctx.input[1], f"dim 1 of the input {shapes.fmt(ctx.input)}")


class _Norm(Layer[P]):
    """Shared rule: check the input, keep its shape."""

    def infer(self, ctx: InferContext[P]) -> list[Shape]:
        self.check(ctx)
        return [ctx.input]

    def check(self, ctx: InferContext[P]) -> None:
        raise NotImplementedError

    def learnable(self, ctx: InferContext[P]) -> int:
        return 0

    def cost(self, ctx: InferContext[P]) -> Cost:
        return Cost(params=self.learnable(ctx), flops=_OPS_PER_ELEMENT * shapes.numel(ctx.input))


def _rank_text(ranks: tuple[int, ...]) -> str:
    return " or ".join(f"{r}-D" for r in ranks)


def _single_value(ctx: InferContext[P], what: str, running_stats: bool) -> None:
    """Statistics of a single value: torch raises whenever it computes them.

    It computes them while training, and always when there are no running statistics
    to fall back on, so that case is an error and the other a warning.
    """
    message = f"{what} in {shapes.fmt(ctx.input)}: statistics need more than one value"
    if not running_stats:
        ctx.fail(message)
    ctx.warn(f"{message}; training would fail")


class BatchNormParams(fields.FactoryKwargs):
    eps: Eps = _eps()
    momentum: Momentum = _momentum()
    affine: bool = _affine(True)
    track_running_stats: bool = Field(
        True, description="Keep running mean and variance (buffers) for inference"
    )
    bias: bool = _bias()
    num_features: fields.InferredSize = fields.inferred("Channels C (dim 1 of the input)")


class _BatchNorm(_Norm[BatchNormParams]):
    Params = BatchNormParams
    ranks: ClassVar[tuple[int, ...]] = (4,)
    layouts: ClassVar[str] = "N×C×H×W"

    def check(self, ctx: InferContext[BatchNormParams]) -> None:
        if len(ctx.input) not in self.ranks:
            ctx.fail(
                f"{self.type} expects a {_rank_text(self.ranks)} input ({self.layouts}), "
                f"got {shapes.fmt(ctx.input)}"
            )
        _channels(ctx, "num_features")
        if shapes.numel(ctx.input) // ctx.input[1] == 1:
            _single_value(ctx, "one value per channel", ctx.params.track_running_stats)

    def learnable(self, ctx: InferContext[BatchNormParams]) -> int:
        return _channel_affine(ctx)


@layer("normalization")
class BatchNorm1d(_BatchNorm):
    """Batch normalisation of features or of sequences' channels.

    Input shape: ``[N, C]`` or ``[N, C, L]``.
    Output shape: the same as the input.
    """

    ranks = (2, 3)
    layouts = "N×C or N×C×L"
    example_inputs = ((4, 32),)


@layer("normalization", aliases=("BatchNorm", "BatchNormalization"))
class BatchNorm2d(_BatchNorm):
    """Batch normalisation of image channels, with per-channel statistics.

    Input shape: ``[N, C, H, W]``.
    Output shape: the same as the input.
    """

    ranks = (4,)
    layouts = "N×C×H×W"


@layer("normalization")
class BatchNorm3d(_BatchNorm):
    """Batch normalisation of volume channels.

    Input shape: ``[N, C, D, H, W]``.
    Output shape: the same as the input.
    """

    ranks = (5,)
    layouts = "N×C×D×H×W"
    example_inputs = ((1, 4, 8, 16, 16),)


class InstanceNormParams(fields.FactoryKwargs):
    eps: Eps = _eps()
    momentum: Momentum = _momentum()
    affine: bool = _affine(False)
    track_running_stats: bool = Field(
        False, description="Keep running mean and variance (buffers) for inference"
    )
    bias: bool = _bias()
    num_features: fields.InferredSize = fields.inferred("Channels C (dim 1 of the input)")


class _InstanceNorm(_Norm[InstanceNormParams]):
    Params = InstanceNormParams
    rank: ClassVar[int] = 2

    def check(self, ctx: InferContext[InstanceNormParams]) -> None:
        sizes = shapes.spatial(ctx.input, self.rank, self.type)
        _channels(ctx, "num_features")
        if shapes.numel(sizes) == 1:
            _single_value(ctx, "one spatial element per channel", ctx.params.track_running_stats)

    def learnable(self, ctx: InferContext[InstanceNormParams]) -> int:
        return _channel_affine(ctx)


@layer("normalization")
class InstanceNorm1d(_InstanceNorm):
    """Instance normalisation: each sample's channels normalised over the sequence.

    Input shape: ``[N, C, L]`` (the batch is required).
    Output shape: the same as the input.
    """

    rank = 1
    example_inputs = ((1, 8, 32),)


@layer("normalization", aliases=("InstanceNormalization",))
class InstanceNorm2d(_InstanceNorm):
    """Instance normalisation: each sample's channels normalised over H×W (style transfer).

    Input shape: ``[N, C, H, W]`` (the batch is required).
    Output shape: the same as the input.
    """

    rank = 2


NormalizedShape = fields.PosInt | fields.Shape | None


def _trailing(
    ctx: InferContext[P], wanted: int | list[int] | None, what: str = "normalized_shape"
) -> tuple[int, ...]:
    """The trailing dims a Layer/RMS norm normalises over, checked against the input."""
    if wanted is None:
        return ctx.input[-1:]
    dims = (wanted,) if isinstance(wanted, int) else tuple(wanted)
    if len(dims) > len(ctx.input) or tuple(ctx.input[-len(dims) :]) != dims:
        ctx.fail(
            f"{what} {shapes.fmt(dims)} does not match the trailing dims of the input "
            f"{shapes.fmt(ctx.input)}"
        )
    return dims


class LayerNormParams(fields.FactoryKwargs):
    normalized_shape: NormalizedShape = Field(
        None,
        description="Trailing dims to normalise over: an int or a list; None = the last dim",
    )
    eps: Eps = _eps()
    elementwise_affine: bool = Field(
        True, description="Learn a scale (and a shift, with bias) per normalised element"
    )
    bias: bool = Field(True, description="Learn the additive shift (with elementwise_affine)")


@layer("normalization", aliases=("LayerNormalization",))
class LayerNorm(_Norm[LayerNormParams]):
    """Layer normalisation over the trailing ``normalized_shape`` dims of each sample.

    Input shape: ``[*, *normalized_shape]``, e.g. ``[N, T, F]`` with ``normalized_shape = F``.
    Output shape: the same as the input.
    """

    Params = LayerNormParams
    example_inputs = ((1, 12, 64),)

    def check(self, ctx: InferContext[LayerNormParams]) -> None:
        _trailing(ctx, ctx.params.normalized_shape)

    def learnable(self, ctx: InferContext[LayerNormParams]) -> int:
        p = ctx.params
        if not p.elementwise_affine:
            return 0
        return prod(_trailing(ctx, p.normalized_shape)) * (2 if p.bias else 1)


class RMSNormParams(fields.FactoryKwargs):
    normalized_shape: NormalizedShape = Field(
        None,
        description="Trailing dims to normalise over: an int or a list; None = the last dim",
    )
    eps: Eps | None = Field(
        None, description="Added inside the root; None = the float type's epsilon"
    )
    elementwise_affine: bool = Field(True, description="Learn a scale per normalised element")


@layer("normalization", aliases=("RMSNormalization",))
class RMSNorm(_Norm[RMSNormParams]):
    """Root-mean-square normalisation (no centring) over the trailing dims (LLaMA).

    Input shape: ``[*, *normalized_shape]``, e.g. ``[N, T, F]`` with ``normalized_shape = F``.
    Output shape: the same as the input.
    """

    Params = RMSNormParams
    example_inputs = ((1, 12, 64),)

    def check(self, ctx: InferContext[RMSNormParams]) -> None:
        _trailing(ctx, ctx.params.normalized_shape)

    def learnable(self, ctx: InferContext[RMSNormParams]) -> int:
        p = ctx.params
        return prod(_trailing(ctx, p.normalized_shape)) if p.elementwise_affine else 0


class GroupNormParams(fields.FactoryKwargs):
    num_groups: fields.PosInt = Field(
        32, description="Channel groups normalised together; must divide the channel count"
    )
    eps: Eps = _eps()
    affine: bool = _affine(True)
    bias: bool = _bias()
    num_channels: fields.InferredSize = fields.inferred("Channels C (dim 1 of the input)")


@layer("normalization", aliases=("GroupNormalization",))
class GroupNorm(_Norm[GroupNormParams]):
    """Group normalisation: each sample's channels split into groups, each normalised.

    Input shape: ``[N, C, *]`` with ``C`` divisible by ``num_groups``.
    Output shape: the same as the input.
    """

    Params = GroupNormParams
    example_inputs = ((1, 64, 16, 16),)

    def check(self, ctx: InferContext[GroupNormParams]) -> None:
        if len(ctx.input) < 2:
            ctx.fail(f"GroupNorm expects at least N×C, got {shapes.fmt(ctx.input)}")
        groups, channels = ctx.params.num_groups, ctx.input[1]
        _channels(ctx, "num_channels")
        if channels % groups:
            ctx.fail(
                f"num_groups ({groups}) must divide the {channels} channels "
                f"(dim 1 of {shapes.fmt(ctx.input)})"
            )
        # torch's batch-size check, applied to N·(C/groups)·spatial values.
        if shapes.numel(ctx.input) // groups == 1:
            ctx.fail(
                f"{shapes.fmt(ctx.input)} in {groups} groups leaves one value to normalise: "
                "PyTorch refuses it"
            )

    def learnable(self, ctx: InferContext[GroupNormParams]) -> int:
        return _channel_affine(ctx)


class LocalResponseNormParams(Params):
    size: fields.PosInt = Field(5, description="Number of neighbouring channels summed over")
    alpha: float = Field(1e-4, description="Scale of the summed squares (divided by size)")
    beta: float = Field(0.75, description="Exponent of the denominator")
    k: float = Field(1.0, description="Additive constant in the denominator")


@layer("normalization", aliases=("LRN",))
class LocalResponseNorm(_Norm[LocalResponseNormParams]):
    """Local response normalisation across neighbouring channels (AlexNet, GoogLeNet).

    Input shape: ``[N, C, *]`` with at least one more dim (3-D or higher).
    Output shape: the same as the input.
    """

    Params = LocalResponseNormParams

    def check(self, ctx: InferContext[LocalResponseNormParams]) -> None:
        if len(ctx.input) < 3:
            ctx.fail(
                f"LocalResponseNorm expects a 3-D or higher input (N×C×...), "
                f"got {shapes.fmt(ctx.input)}"
            )
