"""Per-layer values from a file, for the editor's overlay: a profiler's CSV (``node,value``)
or Model Explorer's node-data JSON, read by the same reader as ``render --overlay FILE``,
answered as the document's ``view.overlay``, so the editor's figure draws what it shows."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from starlette.concurrency import run_in_threadpool

from netcanvas.api.errors import ApiError
from netcanvas.api.schemas import errors
from netcanvas.formats.base import FormatError

router = APIRouter(prefix="/api", tags=["model"])


@router.post(
    "/overlay",
    summary="Per-layer values from a file (CSV node,value or Model Explorer node data)",
    responses=errors(413, 422),
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                "text/csv": {
                    "schema": {"type": "string"},
                    "example": "node,latency_ms\nconv1,0.82\nfc1,0.11\n",
                }
            },
        }
    },
)
async def read_overlay(
    request: Request,
    filename: Annotated[
        str, Query(max_length=255, description="The file's name (.json: Model Explorer)")
    ] = "values.csv",
) -> dict[str, Any]:
    """``{"overlay": {"label", "values", "log", "colors"?, "thresholds"?, "gradient"?}}``:
    what the editor stores in the document's ``view.overlay``; a bad file: 422 with where."""
    from netcanvas.render.overlay import Overlay, read

    data = await request.body()
    try:
        overlay = await run_in_threadpool(read, data, filename)
    except FormatError as bad:
        raise ApiError(
            422, f"{filename}: {bad.message}", line=bad.line, column=bad.column
        ) from None
    # Through the document's own reader: NaN or infinite values (JSON has none) are dropped.
    clean = Overlay.from_view(overlay.to_view())
    if clean is None or not clean.values:
        raise ApiError(422, f"{filename}: no layer has a finite value")
    return {"overlay": clean.to_view()}
