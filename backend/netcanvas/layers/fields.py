"""Reusable parameter types, so every family spells the same setting the same way.

Besides value types this holds the settings many families share because PyTorch's
constructors share them (DESIGN 3: every PyTorch constructor argument is a setting):
sizes the rules read from the input but torch code spells out (:func:`inferred`),
``inplace``, ``device`` / ``dtype``, and the losses' deprecated reduction flags. Each
carries an ``x-group`` so the form lists a type's own settings first
(``registry.SETTING_GROUPS``).
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, Field, model_validator

from netcanvas.layers.registry import SETTING_GROUPS, Params

PosInt = Annotated[int, Field(gt=0)]
NonNegInt = Annotated[int, Field(ge=0)]
Dim = Annotated[int, Field(ge=-64, le=64)]
Shape = Annotated[list[Annotated[int, Field(gt=0)]], Field(min_length=1, max_length=8)]

# An int applies to every spatial axis; a list gives one value per axis.
Size = PosInt | Annotated[list[PosInt], Field(min_length=1, max_length=3)]
Padding = (
    NonNegInt
    | Annotated[list[NonNegInt], Field(min_length=1, max_length=6)]
    | Literal["same", "valid"]
)
UpsampleMode = Literal["nearest", "linear", "bilinear", "bicubic", "trilinear"]
# How many spatial axes each interpolation mode works on (torch's rule).
MODE_RANKS: dict[str, tuple[int, ...]] = {
    "nearest": (1, 2, 3),
    "linear": (1,),
    "bilinear": (2,),
    "bicubic": (2,),
    "trilinear": (3,),
}
PaddingMode = Literal["zeros", "reflect", "replicate", "circular"]

# A tensor argument of a torch constructor (a loss's class weights) as plain numbers.
Floats = Annotated[list[float], Field(min_length=1, max_length=100_000)]


def weights(description: str) -> Any:
    """A loss's optional weight tensor, written as a list of floats (or null)."""
    return Field(None, description=f"{description}; a list of floats (torch takes a tensor)")


InferredSize = PosInt | None


def inferred(what: str) -> Any:
    """A size torch's constructor takes and the rules read from the input.

    Optional: when given (code copied from PyTorch), it is checked against the input and a
    disagreement is an error on the layer.
    """
    return Field(
        None,
        description=f"{what}; read from the input when empty, checked against it when given",
        json_schema_extra={"x-group": "inferred"},
    )


def group_of(params: BaseModel, name: str) -> str | None:
    """The ``x-group`` of one setting (None for a type's own settings)."""
    extra = type(params).model_fields[name].json_schema_extra
    group = extra.get("x-group") if isinstance(extra, dict) else None
    return group if isinstance(group, str) else None


def in_order(params: BaseModel) -> dict[str, Any]:
    """The settings as a dict in the form's order: the type's own first, shared last
    (pydantic puts a mixin's fields first; PyTorch's signatures put device/dtype last)."""
    rank = {group: i + 1 for i, group in enumerate(SETTING_GROUPS)}
    values = params.model_dump()
    return dict(
        sorted(values.items(), key=lambda item: rank.get(group_of(params, item[0]) or "", 0))
    )


def torch_only(default: Any, description: str) -> Any:
    """An argument of the torch module that changes no shape and no count: kept for
    round-trip and written by the code exporters."""
    return Field(default, description=description, json_schema_extra={"x-group": "torch"})


class Inplace(Params):
    """PyTorch's ``inplace``: the document's layer-level ``inplace`` key (DESIGN 4)."""

    inplace: bool = Field(
        False,
        description="Overwrite the input's memory (PyTorch's inplace; Caffe's top == bottom): "
        "no shape change, the output is counted once in activation memory",
        json_schema_extra={"x-group": "torch"},
    )


class InplaceParams(Inplace):
    """The settings of an activation or dropout whose only extra is ``inplace``."""


def _torch_dtype(value: Any) -> Any:
    # ``torch.float16`` as copied from code reads as ``float16``.
    return value.removeprefix("torch.") if isinstance(value, str) else value


DType = Annotated[
    Literal["float32", "float64", "float16", "bfloat16", "float", "double", "half"],
    BeforeValidator(_torch_dtype),
]


class FactoryKwargs(Params):
    """PyTorch's ``device`` and ``dtype``: where a layer's parameters are made and in which
    precision. Neither changes a shape or a count; the PyTorch exporter writes them."""

    device: Annotated[str, Field(pattern=r"^[a-z]+(:[0-9]+)?$")] | None = Field(
        None,
        description="Device of the parameters ('cpu', 'cuda:0', 'meta'); no effect on shapes "
        "or counts, written into PyTorch code",
        json_schema_extra={"x-group": "placement"},
    )
    dtype: DType | None = Field(
        None,
        description="Precision of the parameters (float32, float16, bfloat16, float64); no "
        "effect on shapes or counts, written into PyTorch code",
        json_schema_extra={"x-group": "placement"},
    )


def legacy_reduction(size_average: bool | None, reduce: bool | None) -> str:
    """torch's ``_Reduction.legacy_get_string``: the old flags as a ``reduction``."""
    size_average = True if size_average is None else size_average
    reduce = True if reduce is None else reduce
    if size_average and reduce:
        return "mean"
    return "sum" if reduce else "none"


class LegacyReduction(Params):
    """The deprecated ``size_average`` / ``reduce`` flags of torch's losses: when either is
    given it decides ``reduction``, as torch does."""

    size_average: bool | None = Field(
        None,
        description="Deprecated (use reduction): false sums instead of averaging",
        json_schema_extra={"x-group": "deprecated"},
    )
    reduce: bool | None = Field(
        None,
        description="Deprecated (use reduction): false keeps one loss per element",
        json_schema_extra={"x-group": "deprecated"},
    )

    @model_validator(mode="before")
    @classmethod
    def _legacy(cls, data: Any) -> Any:
        if isinstance(data, dict):
            old = data.get("size_average"), data.get("reduce")
            if any(isinstance(flag, bool) for flag in old):
                flags = [flag if isinstance(flag, bool) else None for flag in old]
                return {**data, "reduction": legacy_reduction(*flags)}
        return data
