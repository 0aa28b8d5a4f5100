"""Graph inputs, held tensors (``ConstantTensor``), outputs and pass-through."""

from __future__ import annotations

from typing import Any, ClassVar, Literal

from pydantic import Field

from netcanvas.graph.shapes import Shape
from netcanvas.layers import fields
from netcanvas.layers.registry import Cost, InferContext, Layer, NoParams, Params, layer, prod


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


class ConstantParams(Params):
    shape: fields.Shape = Field(
        [1, 1, 768], description="The tensor's full shape (a leading 1 broadcasts over the batch)"
    )
    learnable: bool = Field(True, description="Trained (nn.Parameter) or fixed (a buffer)")
    table: fields.Shape | None = Field(
        None,
        description="Read through a fixed index from a learned table of this shape (Swin's "
        "relative position bias): the table's values are the parameters",
    )


@layer("io")
class ConstantTensor(Layer[ConstantParams]):
    """A tensor the network holds rather than computes: a learned class token or position
    table (``nn.Parameter``), a fixed mask (a buffer), or a tensor read from a learned
    table through a fixed index (Swin's relative position bias); fed to a merge such as
    ``Add`` or ``Concat``.

    Input shape: none (the layer is a source).
    Output shape: ``shape``. Parameters: the elements of ``table`` (else of ``shape``)
    when ``learnable``.
    """

    Params = ConstantParams
    example_inputs = ()
    example_params: ClassVar[dict[str, Any]] = {"shape": [1, 1, 768]}
    input_names = ()
    min_inputs = 0
    max_inputs = 0

    def infer(self, ctx: InferContext[ConstantParams]) -> list[Shape]:
        return [tuple(ctx.params.shape)]

    def cost(self, ctx: InferContext[ConstantParams]) -> Cost:
        p = ctx.params
        return Cost(params=prod(p.table or p.shape) if p.learnable else 0)


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
