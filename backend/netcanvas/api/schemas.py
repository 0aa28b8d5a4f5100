"""Wire schemas: what travels over HTTP, kept apart from the domain types.

Request bodies that carry a netcanvas document are read raw and parsed by the
document loader (so a bad byte gets a line and column); their OpenAPI description is
the JSON schema below, written by hand because a layer's keys depend on its type.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

# --- the netcanvas document (DESIGN 4) ------------------------------------------------

LAYER_SCHEMA: dict[str, Any] = {
    "type": "object",
    "description": "A layer: name, type, inputs, and its settings beside them (PyTorch names)",
    "required": ["type"],
    "properties": {
        "name": {
            "type": ["string", "null"],
            "minLength": 1,
            "description": "Unique name; default: the type lowercased plus a number",
        },
        "type": {"type": "string", "minLength": 1, "examples": ["Conv2d"]},
        "inputs": {
            "description": "`name` or `name:k` references; default: the previous layer",
            "anyOf": [
                {"type": "string"},
                {"type": "array", "items": {"type": "string"}},
                {"type": "null"},
            ],
        },
        "inplace": {"type": "boolean"},
        "output_shapes": {
            "description": "Declared output shapes (for types netcanvas cannot infer)",
            "type": ["array", "null"],
            "items": {"type": "array", "items": {"type": "integer", "minimum": 1}},
        },
        "meta": {"type": "object"},
    },
    "additionalProperties": True,
}

DOCUMENT_SCHEMA: dict[str, Any] = {
    "type": "object",
    "title": "NetcanvasDocument",
    "description": "A netcanvas document (DESIGN 4), the JSON form of the YAML file",
    "required": ["layers"],
    "properties": {
        "netcanvas": {"type": "integer", "minimum": 1, "maximum": 1},
        "name": {"type": "string"},
        "layers": {"type": "array", "items": LAYER_SCHEMA},
        "view": {"type": "object"},
        "meta": {"type": "object"},
    },
    "additionalProperties": False,
}

EXAMPLE_DOCUMENT: dict[str, Any] = {
    "netcanvas": 1,
    "name": "tiny-cnn",
    "layers": [
        {"name": "data", "type": "Input", "shape": [1, 3, 32, 32]},
        {"name": "conv1", "type": "Conv2d", "out_channels": 16, "kernel_size": 3, "padding": 1},
        {"name": "pool", "type": "AdaptiveAvgPool2d", "output_size": 1},
        {"name": "fc", "type": "Linear", "out_features": 10},
    ],
}


def json_body(schema: dict[str, Any], example: Any, description: str) -> dict[str, Any]:
    """``openapi_extra`` for a route that reads its JSON body itself."""
    return {
        "requestBody": {
            "required": True,
            "description": description,
            "content": {"application/json": {"schema": schema, "example": example}},
        }
    }


DOCUMENT_BODY = json_body(DOCUMENT_SCHEMA, EXAMPLE_DOCUMENT, "A netcanvas document (JSON)")


# --- errors ----------------------------------------------------------------------------


class ErrorDetail(BaseModel):
    message: str
    line: int | None = Field(None, description="1-based line of the problem in the body")
    column: int | None = Field(None, description="1-based column of the problem in the body")
    current_revision: int | None = Field(None, description="On 409: the design's revision now")


class ErrorOut(BaseModel):
    detail: ErrorDetail


def errors(*codes: int) -> dict[int | str, dict[str, Any]]:
    """The ``responses`` entry documenting error statuses with the one error shape."""
    text = {
        400: "Bad request",
        403: "Missing or wrong edit key",
        404: "Not found",
        409: "Stale revision: the design moved on (current_revision says where)",
        413: "Request body too large",
        422: "Unreadable input: message, line and column",
        501: "Not available in this build",
        503: "The database is not reachable",
    }
    return {code: {"model": ErrorOut, "description": text[code]} for code in codes}


# --- catalogue, formats, analysis ------------------------------------------------------


class LayerInfo(BaseModel):
    type: str
    category: str
    aliases: list[str]
    summary: str
    doc: str
    inputs: list[str]
    min_inputs: int
    max_inputs: int | None
    outputs: list[str]
    params: dict[str, Any] = Field(description="JSON schema of the layer's settings")


class FormatInfo(BaseModel):
    name: str
    kind: str = Field(description="'model' (import/export) or 'figure' (export only)")
    extensions: list[str]
    media_type: str
    readable: bool
    writable: bool
    binary: bool


class NodeOut(BaseModel):
    name: str
    type: str
    inputs: list[str]
    output_shapes: list[list[int] | None]
    params: int
    macs: int
    flops: int
    activation_bytes: int
    error: str | None
    warnings: list[str]
    opaque: bool
    inplace: bool


class Totals(BaseModel):
    params: int
    macs: int
    flops: int
    activation_bytes: int


class AnalysisOut(BaseModel):
    """Exactly what ``netcanvas summary --json`` prints."""

    name: str
    nodes: list[NodeOut]
    totals: Totals
    errors: list[str]
    warnings: list[str]


class EdgeOut(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    source: str = Field(alias="from")
    to: str
    points: list[list[float]]


class GroupOut(BaseModel):
    name: str = Field(description="The repeated block's name, as in the figure's legend")
    count: int = Field(description="How many copies follow each other (the N of ×N)")
    copies: list[list[str]] = Field(description="The layer names of each copy, in order")


class LayoutOut(BaseModel):
    positions: dict[str, list[float]]
    sizes: dict[str, list[float]]
    edges: list[EdgeOut]
    width: float
    height: float
    groups: list[GroupOut] | None = Field(
        None, description="With fold=true: the repeated blocks the editor may fold"
    )


class ImportOut(BaseModel):
    document: dict[str, Any]
    warnings: list[str]
    analysis: dict[str, Any] | None = Field(
        None, description="With analysis=true: what /api/analyze answers for the document"
    )


# --- designs ---------------------------------------------------------------------------


class DesignIn(BaseModel):
    """Documented shape of POST /api/designs (the body is parsed by the document loader)."""

    document: dict[str, Any]


class DesignCreated(BaseModel):
    id: str
    revision: int
    edit_key: str = Field(description="Keep it: only this key may update or delete the design")


class DesignSaved(BaseModel):
    id: str
    revision: int


class DesignOut(BaseModel):
    id: str
    revision: int
    document: dict[str, Any]
    created_at: datetime
    updated_at: datetime


class RevisionOut(BaseModel):
    number: int
    created_at: datetime
    name: str
    layers: int


class RevisionList(BaseModel):
    id: str
    revision: int = Field(description="The current revision")
    revisions: list[RevisionOut]


class DesignCount(BaseModel):
    """Designs are private to whoever holds their id: the list is only a count."""

    count: int


DESIGN_POST_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["document"],
    "properties": {"document": DOCUMENT_SCHEMA},
    "additionalProperties": False,
}
DESIGN_PUT_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["revision", "document"],
    "properties": {
        "revision": {"type": "integer", "minimum": 1, "description": "The revision edited"},
        "document": DOCUMENT_SCHEMA,
    },
    "additionalProperties": False,
}


# --- templates and health ----------------------------------------------------------------


class TemplateInfo(BaseModel):
    slug: str
    name: str
    description: str
    params: int
    macs: int
    layers: int


class TemplateOut(TemplateInfo):
    document: dict[str, Any]


class Health(BaseModel):
    status: str
    version: str
    database: str
