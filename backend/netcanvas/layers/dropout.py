"""Dropout: random zeroing during training, the identity at inference.

Shapes pass through unchanged and nothing is learned. The channel-wise variants
(``Dropout1d/2d/3d``) accept the same input ranks PyTorch does: ``Dropout1d`` raises
on any other rank in torch, so it is an error here; ``Dropout2d`` / ``Dropout3d`` only
warn in torch (deprecated, but they run), so they warn here too.
"""

from __future__ import annotations

from typing import ClassVar

from pydantic import Field

from netcanvas.graph import shapes
from netcanvas.graph.shapes import Shape
from netcanvas.layers import fields
from netcanvas.layers.registry import Cost, InferContext, Layer, layer


class DropoutParams(fields.Inplace):
    p: float = Field(0.5, ge=0.0, lt=1.0, description="Probability of zeroing an element, [0, 1)")


class _Dropout(Layer[DropoutParams]):
    Params = DropoutParams

    def infer(self, ctx: InferContext[DropoutParams]) -> list[Shape]:
        self.check(ctx)
        return [ctx.input]

    def check(self, ctx: InferContext[DropoutParams]) -> None:
        """Rank rules of the channel-wise variants; none for plain dropout."""

    def cost(self, ctx: InferContext[DropoutParams]) -> Cost:
        return Cost()


@layer("dropout")
class Dropout(_Dropout):
    """Zero each element with probability ``p`` while training (scaling the rest by 1/(1-p)).

    Input shape: any, ``[N, *]``.
    Output shape: the same as the input.
    """


class _ChannelDropout(_Dropout):
    """Zero whole channels: the spatial rank fixes which input ranks make sense."""

    rank: ClassVar[int] = 2

    def check(self, ctx: InferContext[DropoutParams]) -> None:
        got = len(ctx.input)
        batched, unbatched = self.rank + 2, self.rank + 1
        if got == batched:
            return
        seen = f"{self.type} got a {got}-D input {shapes.fmt(ctx.input)}"
        # Where torch raises: Dropout1d off its ranks, Dropout2d below 2-D.
        if got != unbatched and (self.rank == 1 or (self.rank == 2 and got < 2)):
            ctx.fail(f"{seen}; it expects {unbatched}-D or {batched}-D")
        if got == unbatched and self.rank == 2:
            # A documented torch quirk: 3-D stays batched and drops 1-D channels.
            ctx.warn(f"{seen}: PyTorch treats it as N×C×L and drops whole channels")
        elif got == unbatched:
            ctx.warn(f"{seen}: PyTorch reads it as one unbatched sample, dim 0 as channels")
        else:
            ctx.warn(f"{seen}; PyTorch expects {unbatched}-D or {batched}-D (use Dropout)")


@layer("dropout", aliases=("SpatialDropout1D",))
class Dropout1d(_ChannelDropout):
    """Zero whole channels of a sequence with probability ``p`` while training.

    Input shape: ``[N, C, L]`` (a 2-D input is read by torch as one unbatched ``[C, L]``).
    Output shape: the same as the input.
    """

    rank = 1
    example_inputs = ((1, 8, 32),)


@layer("dropout", aliases=("SpatialDropout2D",))
class Dropout2d(_ChannelDropout):
    """Zero whole feature maps with probability ``p`` while training.

    Input shape: ``[N, C, H, W]`` (a 3-D input is read as ``[N, C, L]``, with a warning).
    Output shape: the same as the input.
    """

    rank = 2


@layer("dropout", aliases=("SpatialDropout3D",))
class Dropout3d(_ChannelDropout):
    """Zero whole 3-D feature volumes with probability ``p`` while training.

    Input shape: ``[N, C, D, H, W]`` (torch reads a 4-D input as unbatched ``[C, D, H, W]``).
    Output shape: the same as the input.
    """

    rank = 3
    example_inputs = ((1, 4, 8, 16, 16),)


@layer("dropout")
class AlphaDropout(_Dropout):
    """Dropout that keeps the mean and variance of its input (for SELU networks).

    Input shape: any, ``[N, *]``.
    Output shape: the same as the input.
    """
