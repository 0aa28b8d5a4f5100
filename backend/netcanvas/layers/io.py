"""Graph inputs, outputs and pass-through."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from netcanvas.graph.shapes import Shape
from netcanvas.layers import fields
from netcanvas.layers.registry import InferContext, Layer, NoParams, Params, layer


class InputParams(Params):
    shape: fields.Shape | None = Field(
        None, description="Full input shape including the batch, e.g. [1, 3, 224, 224]"
    )
    dtype: Literal["float32", "int64"] = Field(
        "float32", description="Element type: int64 for token indices fed to Embedding"
    )


@layer("io", aliases=("Data", "InputLayer"))
class Input(Layer[InputParams]):
    """A network input (a tensor fed from outside).

    Input shape: none (the layer is a source).
    Output shape: ``shape`` as declared, batch included. Without a declared shape the
    output is unknown and a warning says to set it (``--input-shape NAME=1,3,224,224``).
    """

    Params = InputParams
    example_inputs = ()
    example_params = {"shape": [1, 3, 224, 224]}
    input_names = ()
    min_inputs = 0
    max_inputs = 0

    def infer(self, ctx: InferContext[InputParams]) -> list[Shape]:
        if ctx.params.shape is None:
            ctx.unknown("input shape not set: give `shape`, or --input-shape NAME=N,C,H,W")
        return [tuple(ctx.params.shape)]


@layer("io")
class Output(Layer[NoParams]):
    """Marks a network output; passes its input through unchanged.

    Input shape: any.
    Output shape: the input shape.
    """

    def infer(self, ctx: InferContext[NoParams]) -> list[Shape]:
        return [ctx.input]


@layer("io")
class Identity(Layer[NoParams]):
    """Passes its input through unchanged (a placeholder or a named tap).

    Input shape: any.
    Output shape: the input shape.
    """

    def infer(self, ctx: InferContext[NoParams]) -> list[Shape]:
        return [ctx.input]
