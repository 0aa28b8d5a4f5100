"""Reusable parameter types, so every family spells the same setting the same way."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

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
