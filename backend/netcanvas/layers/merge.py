"""Layers that join several tensors: elementwise merges, concatenation, matmul.

Elementwise merges broadcast like NumPy (a ``[N, C, 1, 1]`` gate times
``[N, C, H, W]``); their work is counted as ``flops``, not MACs. MatMul is real
multiply-accumulate work and counts MACs.
"""

from __future__ import annotations

from typing import Any, ClassVar, TypeVar

from pydantic import BaseModel, Field

from netcanvas.graph import shapes
from netcanvas.graph.shapes import Shape, ShapeError, fmt, numel
from netcanvas.layers import fields
from netcanvas.layers.registry import Cost, InferContext, Layer, NoParams, Params, layer

P = TypeVar("P", bound=BaseModel)


class _Elementwise(Layer[P]):
    """Shared rules: broadcast every input; one operation per output element and input."""

    min_inputs = 2
    max_inputs: ClassVar[int | None] = None
    example_inputs = ((1, 8, 16, 16), (1, 8, 1, 1))

    def infer(self, ctx: InferContext[P]) -> list[Shape]:
        return [shapes.broadcast(ctx.inputs)]

    def cost(self, ctx: InferContext[P]) -> Cost:
        return Cost(flops=numel(ctx.outputs[0]) * (len(ctx.inputs) - 1))


class AddParams(Params):
    coeff: list[float] | None = Field(
        None,
        description="Weight of each input, one per input (Caffe's Eltwise SUM coeff); "
        "none adds them plainly",
    )


@layer("merge", aliases=("Eltwise", "Sum", "Residual"))
class Add(_Elementwise[AddParams]):
    """Sums its inputs elementwise (a residual join), optionally weighted.

    Input shape: two or more shapes that broadcast together.
    Output shape: the broadcast shape (NumPy rules).
    """

    Params = AddParams

    def infer(self, ctx: InferContext[AddParams]) -> list[Shape]:
        coeff = ctx.params.coeff
        if coeff is not None and len(coeff) != len(ctx.inputs):
            ctx.fail(f"coeff has {len(coeff)} values for {len(ctx.inputs)} inputs")
        return super().infer(ctx)


@layer("merge", aliases=("Sub",))
class Subtract(_Elementwise[NoParams]):
    """Subtracts the second input from the first, elementwise.

    Input shape: two shapes that broadcast together.
    Output shape: the broadcast shape (NumPy rules).
    """

    input_names = ("input", "other")
    max_inputs = 2


@layer("merge", aliases=("Mul", "Prod"))
class Multiply(_Elementwise[NoParams]):
    """Multiplies its inputs elementwise (a gate, an attention mask).

    Input shape: two or more shapes that broadcast together.
    Output shape: the broadcast shape (NumPy rules).
    """


@layer("merge", aliases=("Max",))
class Maximum(_Elementwise[NoParams]):
    """The elementwise largest of its inputs.

    Input shape: two or more shapes that broadcast together.
    Output shape: the broadcast shape (NumPy rules).
    """


@layer("merge", aliases=("Min",))
class Minimum(_Elementwise[NoParams]):
    """The elementwise smallest of its inputs.

    Input shape: two or more shapes that broadcast together.
    Output shape: the broadcast shape (NumPy rules).
    """


class ConcatParams(Params):
    dim: fields.Dim = Field(1, description="Axis to join along; every other axis must match")


@layer("merge", aliases=("Concatenate", "Cat"))
class Concat(Layer[ConcatParams]):
    """Joins its inputs along one axis (an Inception or U-Net join).

    Input shape: one or more shapes, equal except on ``dim``.
    Output shape: the common shape with ``dim`` set to the sum of the inputs' sizes.
    """

    Params = ConcatParams
    min_inputs = 1
    max_inputs = None
    example_inputs = ((1, 8, 16, 16), (1, 4, 16, 16))

    def infer(self, ctx: InferContext[ConcatParams]) -> list[Shape]:
        first = ctx.inputs[0]
        axis = shapes.normalize_axis(ctx.params.dim, len(first))
        for other in ctx.inputs[1:]:
            if len(other) != len(first):
                ctx.fail(f"cannot join {fmt(first)} and {fmt(other)}: they differ in rank")
            for i, (a, b) in enumerate(zip(first, other, strict=True)):
                if i != axis and a != b:
                    ctx.fail(
                        f"cannot join {fmt(first)} and {fmt(other)} along dim {axis}: "
                        f"axis {i} differs ({a} vs {b})"
                    )
        total = sum(s[axis] for s in ctx.inputs)
        return [(*first[:axis], total, *first[axis + 1 :])]


@layer("merge", aliases=("BatchMatMul", "Bmm", "Dot"))
class MatMul(Layer[NoParams]):
    """Matrix product with torch.matmul rules (1-D operands, broadcast batch axes).

    Input shape: ``[*batch_a, n, k]`` and ``[*batch_b, k, m]``; a 1-D first operand
    ``[k]`` or second operand ``[k]`` drops ``n`` or ``m`` from the result.
    Output shape: ``[*broadcast(batch_a, batch_b), n, m]``.
    """

    input_names = ("input", "other")
    min_inputs = 2
    max_inputs = 2
    example_inputs = ((1, 8, 16, 32), (1, 8, 32, 16))

    def infer(self, ctx: InferContext[NoParams]) -> list[Shape]:
        a, b = ctx.inputs
        if not a or not b:
            ctx.fail(f"both operands need at least one axis, got {fmt(a)} and {fmt(b)}")
        k_b = b[-2] if len(b) >= 2 else b[0]
        if a[-1] != k_b:
            ctx.fail(f"inner dimensions differ: {fmt(a)} @ {fmt(b)} ({a[-1]} vs {k_b})")
        try:
            batch = shapes.broadcast([a[:-2], b[:-2]])
        except ShapeError:
            ctx.fail(f"batch axes of {fmt(a)} and {fmt(b)} do not broadcast")
        rows = a[-2:-1]  # empty for a 1-D first operand
        cols = b[-1:] if len(b) >= 2 else ()
        return [(*batch, *rows, *cols)]

    def cost(self, ctx: InferContext[NoParams]) -> Cost:
        # Every output element is a dot product over the shared dimension k.
        return Cost(macs=numel(ctx.outputs[0]) * ctx.inputs[0][-1])


class EinsumParams(Params):
    equation: str = Field(
        "...ij,...jk->...ik",
        description="torch.einsum's subscripts, e.g. ``bhid,bhjd->bhij`` (an explicit "
        "``->`` output; ``...`` stands for the leading axes)",
    )


@layer("merge")
class Einsum(Layer[EinsumParams]):
    """Einstein summation with ``torch.einsum`` rules (attention's products in MaxViT).

    Input shape: one operand per subscript group; a letter names the same size in every
    operand, or 1 broadcasts. Output shape: the sizes of the letters after ``->``.
    """

    Params = EinsumParams
    input_names = ("operand",)
    min_inputs = 1
    max_inputs: ClassVar[int | None] = None
    example_inputs = ((1, 4, 8, 16), (1, 4, 8, 16))
    example_params: ClassVar[dict[str, Any]] = {"equation": "bhid,bhjd->bhij"}

    def infer(self, ctx: InferContext[EinsumParams]) -> list[Shape]:
        sizes, output = self._sizes(ctx)
        return [tuple(sizes[letter] for letter in output)]

    def cost(self, ctx: InferContext[EinsumParams]) -> Cost:
        # A product of several operands does one multiply-add per combination of all
        # its letters' values (torch runs it as bmm); a single operand only sums.
        sizes, _ = self._sizes(ctx)
        work = 1
        for size in sizes.values():
            work *= size
        return Cost(macs=work) if len(ctx.inputs) > 1 else Cost(flops=work)

    def _sizes(self, ctx: InferContext[EinsumParams]) -> tuple[dict[str, int], str]:
        equation = ctx.params.equation.replace(" ", "")
        inputs, arrow, output = equation.partition("->")
        groups = inputs.split(",")
        if not arrow:
            ctx.fail(f"the equation '{equation}' needs an explicit output after '->'")
        if len(groups) != len(ctx.inputs):
            ctx.fail(f"the equation names {len(groups)} operand(s), got {len(ctx.inputs)}")
        rank = max((len(s) - len(g.replace("...", "")) for g, s in zip(groups, ctx.inputs,
                    strict=True) if "..." in g), default=0)  # fmt: skip
        ellipsis = "".join(chr(0x3B1 + k) for k in range(rank))  # Greek: not a subscript
        sizes: dict[str, int] = {}
        for group, shape in zip(groups, ctx.inputs, strict=True):
            extra = len(shape) - len(group.replace("...", ""))
            letters = group.replace("...", ellipsis[rank - extra :] if extra > 0 else "")
            if len(letters) != len(shape) or not all(c.isalpha() for c in letters):
                ctx.fail(f"'{group}' does not match the operand's shape {fmt(shape)}")
            for letter, size in zip(letters, shape, strict=True):
                known = sizes.get(letter, 1)
                if known != 1 and size not in (1, known):
                    ctx.fail(f"'{letter}' is {known} in one operand and {size} in another")
                sizes[letter] = max(known, size)
        output = output.replace("...", ellipsis)
        if any(letter not in sizes for letter in output):
            ctx.fail(f"the output '{output}' names a letter no operand has")
        return sizes, output
