"""Elementwise activations and the softmax family.

Every activation keeps its input's shape. They cost no MACs; ``flops`` counts one
operation per element so the summary can show where elementwise work goes.
"""

from __future__ import annotations

from typing import Any, Literal, Self, TypeVar

from pydantic import Field, model_validator

from netcanvas.graph import shapes
from netcanvas.graph.shapes import Shape
from netcanvas.layers import fields
from netcanvas.layers.registry import Cost, InferContext, Layer, NoParams, Params, layer

P = TypeVar("P", bound=Params)


class _Activation(Layer[P]):
    """Shared rule: output shape = input shape, one flop per element."""

    def infer(self, ctx: InferContext[P]) -> list[Shape]:
        self.check(ctx)
        return [ctx.input]

    def check(self, ctx: InferContext[P]) -> None:
        """Settings that depend on the input shape; nothing by default."""

    def cost(self, ctx: InferContext[P]) -> Cost:
        return Cost(flops=shapes.numel(ctx.input))


class _InplaceActivation(_Activation[fields.InplaceParams]):
    """An activation whose torch module takes ``inplace`` and nothing else."""

    Params = fields.InplaceParams


@layer("activation", aliases=("Relu",))
class ReLU(_InplaceActivation):
    """Rectified linear unit: ``max(0, x)``.

    Input shape: any, ``[N, *]``.
    Output shape: the same as the input.
    """


@layer("activation")
class ReLU6(_InplaceActivation):
    """ReLU clipped at 6: ``min(max(0, x), 6)`` (MobileNet).

    Input shape: any, ``[N, *]``.
    Output shape: the same as the input.
    """


class LeakyReLUParams(fields.Inplace):
    negative_slope: float = Field(0.01, description="Slope for negative inputs")


@layer("activation", aliases=("LeakyRelu", "leaky_relu"))
class LeakyReLU(_Activation[LeakyReLUParams]):
    """Leaky ReLU: ``x`` for positive inputs, ``negative_slope·x`` otherwise.

    Input shape: any, ``[N, *]``.
    Output shape: the same as the input.
    """

    Params = LeakyReLUParams


class PReLUParams(fields.FactoryKwargs):
    num_parameters: fields.PosInt = Field(
        1, description="Learned slopes: 1 shared by all channels, or one per channel (C)"
    )
    init: float = Field(0.25, description="Initial value of the learned slopes")


@layer("activation", aliases=("PRelu",))
class PReLU(_Activation[PReLUParams]):
    """Parametric ReLU: a leaky ReLU whose negative slope is learned.

    Input shape: any, ``[N, C, *]``; the channels are dim 1.
    Output shape: the same as the input.
    """

    Params = PReLUParams

    def check(self, ctx: InferContext[PReLUParams]) -> None:
        n = ctx.params.num_parameters
        # Like torch: a 1-D input has no channel dim, so it counts as one channel.
        channels = ctx.input[1] if len(ctx.input) >= 2 else 1
        if n not in (1, channels):
            ctx.fail(
                f"num_parameters ({n}) must be 1 or the channel count {channels} "
                f"(dim 1 of {shapes.fmt(ctx.input)})"
            )

    def cost(self, ctx: InferContext[PReLUParams]) -> Cost:
        return Cost(params=ctx.params.num_parameters, flops=shapes.numel(ctx.input))


class AlphaParams(fields.Inplace):
    alpha: float = Field(1.0, description="Scale of the negative part: alpha·(exp(x) - 1)")


@layer("activation", aliases=("Elu",))
class ELU(_Activation[AlphaParams]):
    """Exponential linear unit: ``x`` if positive, else ``alpha·(exp(x) - 1)``.

    Input shape: any, ``[N, *]``.
    Output shape: the same as the input.
    """

    Params = AlphaParams


@layer("activation", aliases=("Selu",))
class SELU(_InplaceActivation):
    """Scaled ELU with fixed constants, self-normalising (pairs with AlphaDropout).

    Input shape: any, ``[N, *]``.
    Output shape: the same as the input.
    """


class CELUParams(fields.Inplace):
    alpha: float = Field(
        1.0, description="Scale of the negative part: alpha·(exp(x/alpha) - 1); not 0"
    )

    @model_validator(mode="after")
    def _nonzero(self) -> Self:
        # x/alpha: torch refuses alpha = 0 at run time.
        if self.alpha == 0:
            raise ValueError("alpha cannot be 0 for CELU")
        return self


@layer("activation", aliases=("Celu",))
class CELU(_Activation[CELUParams]):
    """Continuously differentiable ELU: ``max(0, x) + min(0, alpha·(exp(x/alpha) - 1))``.

    Input shape: any, ``[N, *]``.
    Output shape: the same as the input.
    """

    Params = CELUParams


class GELUParams(Params):
    approximate: Literal["none", "tanh"] = Field(
        "none", description="'none' for the exact erf form, 'tanh' for the fast approximation"
    )


@layer("activation", aliases=("Gelu",))
class GELU(_Activation[GELUParams]):
    """Gaussian error linear unit: ``x·Φ(x)`` (Transformers).

    Input shape: any, ``[N, *]``.
    Output shape: the same as the input.
    """

    Params = GELUParams


@layer("activation", aliases=("Swish",))
class SiLU(_InplaceActivation):
    """Sigmoid linear unit (swish): ``x·sigmoid(x)``.

    Input shape: any, ``[N, *]``.
    Output shape: the same as the input.
    """


@layer("activation")
class Mish(_InplaceActivation):
    """Mish: ``x·tanh(softplus(x))``.

    Input shape: any, ``[N, *]``.
    Output shape: the same as the input.
    """


@layer("activation")
class Sigmoid(_Activation[NoParams]):
    """Logistic sigmoid: ``1 / (1 + exp(-x))``.

    Input shape: any, ``[N, *]``.
    Output shape: the same as the input.
    """


@layer("activation", aliases=("TanH",))
class Tanh(_Activation[NoParams]):
    """Hyperbolic tangent.

    Input shape: any, ``[N, *]``.
    Output shape: the same as the input.
    """


class HardtanhParams(fields.Inplace):
    min_val: float = Field(-1.0, description="Lower clip value")
    max_val: float = Field(1.0, description="Upper clip value; greater than min_val")
    min_value: float | None = Field(
        None,
        description="Deprecated spelling of min_val; when given it wins, as in PyTorch",
        json_schema_extra={"x-group": "deprecated"},
    )
    max_value: float | None = Field(
        None,
        description="Deprecated spelling of max_val; when given it wins, as in PyTorch",
        json_schema_extra={"x-group": "deprecated"},
    )

    @model_validator(mode="before")
    @classmethod
    def _deprecated_names(cls, data: Any) -> Any:
        # torch: ``if min_value is not None: min_val = min_value`` (with a warning).
        if isinstance(data, dict):
            for old, new in (("min_value", "min_val"), ("max_value", "max_val")):
                if data.get(old) is not None:
                    data = {**data, new: data[old]}
        return data

    @model_validator(mode="after")
    def _ordered(self) -> Self:
        if self.max_val <= self.min_val:
            raise ValueError(
                f"max_val ({self.max_val}) must be greater than min_val ({self.min_val})"
            )
        return self


@layer("activation", aliases=("Clip",))
class Hardtanh(_Activation[HardtanhParams]):
    """Clip to ``[min_val, max_val]``.

    Input shape: any, ``[N, *]``.
    Output shape: the same as the input.
    """

    Params = HardtanhParams


@layer("activation", aliases=("HardSwish", "hard_swish"))
class Hardswish(_InplaceActivation):
    """Hard swish: ``x·ReLU6(x + 3) / 6`` (MobileNetV3).

    Input shape: any, ``[N, *]``.
    Output shape: the same as the input.
    """


@layer("activation", aliases=("HardSigmoid", "hard_sigmoid"))
class Hardsigmoid(_InplaceActivation):
    """Hard sigmoid: ``ReLU6(x + 3) / 6``.

    Input shape: any, ``[N, *]``.
    Output shape: the same as the input.
    """


class SoftplusParams(Params):
    beta: float = Field(1.0, description="Sharpness: log(1 + exp(beta·x)) / beta")
    threshold: float = Field(
        20.0, description="Above beta·x > threshold the layer is linear (numerical stability)"
    )


@layer("activation")
class Softplus(_Activation[SoftplusParams]):
    """Smooth ReLU: ``log(1 + exp(beta·x)) / beta``.

    Input shape: any, ``[N, *]``.
    Output shape: the same as the input.
    """

    Params = SoftplusParams


@layer("activation")
class Softsign(_Activation[NoParams]):
    """Softsign: ``x / (1 + |x|)``.

    Input shape: any, ``[N, *]``.
    Output shape: the same as the input.
    """


class SoftmaxParams(Params):
    dim: fields.Dim = Field(1, description="Dimension whose values sum to 1 (negative counts back)")


class _Softmax(_Activation[SoftmaxParams]):
    Params = SoftmaxParams
    example_inputs = ((1, 10),)

    def check(self, ctx: InferContext[SoftmaxParams]) -> None:
        dim, rank = ctx.params.dim, len(ctx.input)
        if not -rank <= dim < rank:
            ctx.fail(
                f"dim {dim} is out of range for the {rank}-D input {shapes.fmt(ctx.input)} "
                f"(valid: {-rank} to {rank - 1})"
            )
        if rank > 1 and dim % rank == 0:
            ctx.warn(f"dim {dim} is the batch dimension: samples would be normalised together")


@layer("activation", aliases=("softmax",))
class Softmax(_Softmax):
    """Softmax along ``dim``: exponentials normalised to sum to 1.

    Input shape: any, ``[N, *]``; ``dim`` must exist (default 1, the classes of ``[N, C]``).
    Output shape: the same as the input.
    """


@layer("activation", aliases=("log_softmax",))
class LogSoftmax(_Softmax):
    """Logarithm of the softmax along ``dim`` (pairs with NLL loss).

    Input shape: any, ``[N, *]``; ``dim`` must exist (default 1).
    Output shape: the same as the input.
    """
