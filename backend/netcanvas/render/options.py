"""Figure settings: one model shared by the CLI (`netcanvas render`) and the export API,
so both take the same option names with the same meaning."""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from netcanvas.render.catalogue import STYLE_NAMES, THEME_NAMES

if TYPE_CHECKING:
    Style = str
    Theme = str
else:  # the choices come from the figure catalogue (pydantic and OpenAPI see the enum)
    Style = Literal[*STYLE_NAMES]
    Theme = Literal[*THEME_NAMES]


class FigureOptions(BaseModel):
    model_config = ConfigDict(extra="forbid")

    style: Style = Field("graph", description="Drawing style")
    theme: Theme = Field("light", description="Colour theme")
    rankdir: Literal["TB", "LR"] = Field(
        "TB", description="Flow direction: top-bottom or left-right"
    )
    dpi: int = Field(96, ge=24, le=1200, description="PNG resolution in dots per inch")
    fold: bool = Field(False, description="Fold repeated blocks into one group drawn with ×N")
    stack: bool = Field(
        False,
        description="Draw in-place followers (BatchNorm, Scale, ReLU) stacked on their producer",
    )
    width: str | None = Field(
        None,
        description="Figure width with a unit: '3.3in', '8.5cm' or '240pt' (scales the figure)",
    )
    font_size: float = Field(10.0, gt=2, le=72, description="Base font size in points")
    title: str | None = Field(None, max_length=200, description="Title drawn above the figure")
    show_shapes: bool = Field(True, description="Write output shapes")
    show_params: bool = Field(False, description="Write parameter counts")
    show_macs: bool = Field(False, description="Write MAC counts")
    show_names: bool = Field(True, description="Write layer names")
    overlay: Literal["params", "macs", "memory"] | None = Field(
        None,
        description="Colour every layer by this number of the analysis (a legend shows the "
        "scale); a document's view.overlay (run statistics, profiler data) is drawn otherwise",
    )
    depth: int | None = Field(
        None,
        ge=1,
        le=64,
        description="Draw modules deeper than this (the layers' scope) as one box each, "
        "with their summed params and MACs",
    )
    azimuth: float = Field(-35.0, ge=-90, le=90, description="alexnet style: horizontal view angle")
    elevation: float = Field(20.0, ge=-60, le=60, description="alexnet style: vertical view angle")

    @field_validator("width")
    @classmethod
    def _width_is_a_length(cls, value: str | None) -> str | None:
        # Checked here so the CLI and the API reject '3 inches' before any drawing.
        if value is not None:
            from netcanvas.render.text import parse_length

            parse_length(value)
        return value
