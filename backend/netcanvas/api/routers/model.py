"""Work on a posted model: analyze, lay out, import from a file, export to a file or figure."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import JSONResponse, Response
from starlette.concurrency import run_in_threadpool

from netcanvas import formats, service
from netcanvas.analysis import analyze
from netcanvas.api.deps import GraphDep, SettingsDep, check_plain, check_size
from netcanvas.api.errors import ApiError, log
from netcanvas.api.routers.catalogue import FIGURES
from netcanvas.api.schemas import (
    DOCUMENT_BODY,
    AnalysisOut,
    ImportOut,
    LayoutOut,
    errors,
)
from netcanvas.formats import FormatError, native
from netcanvas.graph.model import Graph
from netcanvas.render import FigureError
from netcanvas.render.options import FigureOptions

router = APIRouter(prefix="/api", tags=["model"])

FIGURE_TYPES = {name: (ext, media) for name, ext, media, _ in FIGURES}
EXAMPLE_YAML = (
    "netcanvas: 1\nname: mlp\nlayers:\n"
    "  - {name: x, type: Input, shape: [1, 784]}\n"
    "  - {name: fc1, type: Linear, out_features: 128}\n"
    "  - {name: fc2, type: Linear, out_features: 10}\n"
)
FigureQuery = Annotated[FigureOptions, Query()]


@router.post(
    "/analyze",
    summary="Shapes, parameters and MACs per layer",
    responses={200: {"model": AnalysisOut}, **errors(413, 422)},
    openapi_extra=DOCUMENT_BODY,
)
async def analyze_document(graph: GraphDep) -> JSONResponse:
    """The document's analysis: the same object `netcanvas summary --json` prints.

    Problems in the network (shape mismatches, cycles, dangling inputs) are part of the
    answer, pinned to their layers; only an unreadable document answers 422.
    """
    result = await run_in_threadpool(analyze, graph)
    return JSONResponse(result.to_json())


@router.post(
    "/layout",
    summary="Positions and routed edges for the editor's auto-layout",
    response_model=LayoutOut,
    responses=errors(413, 422, 501),
    openapi_extra=DOCUMENT_BODY,
)
async def layout(graph: GraphDep, options: FigureQuery) -> dict[str, Any]:
    """Top-left box positions and sizes in px, with edge routes, in the graph style."""
    layout_json = _render_function("layout_json")
    result: dict[str, Any] = await run_in_threadpool(_guarded, layout_json, graph, options)
    return result


@router.post(
    "/import",
    summary="Read a model file into a netcanvas document",
    response_model=ImportOut,
    responses=errors(413, 422),
    openapi_extra={
        "requestBody": {
            "required": True,
            "description": "The file's bytes (prototxt, YAML, JSON or ONNX)",
            "content": {
                "application/octet-stream": {
                    "schema": {"type": "string", "format": "binary"},
                    "example": EXAMPLE_YAML,
                }
            },
        }
    },
)
async def import_model(
    request: Request,
    settings: SettingsDep,
    format: Annotated[
        str | None,
        Query(
            description="Format name from /api/formats (prototxt, yaml, json, onnx); "
            "default: guessed from `filename` and the first bytes",
            max_length=32,
        ),
    ] = None,
    filename: Annotated[
        str, Query(description="The file's name, used to guess the format", max_length=255)
    ] = "",
    phase: Annotated[
        Literal["TRAIN", "TEST"], Query(description="Caffe phase whose layers to keep")
    ] = "TEST",
    analysis: Annotated[
        bool,
        Query(description="Also answer the analysis (as /api/analyze would): one round trip"),
    ] = False,
    input_shape: Annotated[
        list[str],
        Query(
            description="Set or override an input's shape, `NAME=1,3,224,224` (repeatable), "
            "as `netcanvas summary --input-shape` does",
            max_length=64,
        ),
    ] = [],  # noqa: B006  (FastAPI copies query defaults)
) -> JSONResponse:
    """Parse the bytes; a parse error answers 422 with its line and column."""
    shapes = dict(_input_shape(spec) for spec in input_shape)
    data = await request.body()
    graph, result = await run_in_threadpool(
        _guarded, service.open_model, data, filename, format, phase, shapes
    )
    check_size(graph, settings)
    document = check_plain(native.to_document(graph))
    answer = {
        "document": document,
        "warnings": result.warnings,
        "analysis": result.to_json() if analysis else None,
    }
    # Already plain JSON (check_plain): sent as it is, without a second pass through the
    # response model (~6 ms for ResNet-152, on the editor's paste path). ImportOut documents it.
    return JSONResponse(answer)


def _input_shape(spec: str) -> tuple[str, list[int]]:
    name, _, dims = spec.partition("=")
    try:
        shape = [int(d) for d in dims.replace("x", ",").split(",") if d.strip()]
    except ValueError:
        shape = []
    if not name or not shape or any(d <= 0 for d in shape):
        raise ApiError(422, f"input_shape wants NAME=N,C,H,W, got '{spec}'")
    return name, shape


def _export_media_types() -> dict[str, dict[str, Any]]:
    types = {f.media_type for f in formats.FORMATS if f.writable}
    types |= {media for _, media in FIGURE_TYPES.values()}
    return {media: {} for media in sorted(types)}


@router.post(
    "/export/{format}",
    summary="Write the document as a model file or a figure",
    response_class=Response,
    responses={
        200: {"description": "The file, as an attachment", "content": _export_media_types()},
        **errors(404, 413, 422, 501),
    },
    openapi_extra=DOCUMENT_BODY,
)
async def export(
    format: Annotated[
        str,
        Path(description="svg, pdf, png, or a writable model format from /api/formats"),
    ],
    graph: GraphDep,
    options: FigureQuery,
) -> Response:
    """The file with its media type and a download name; figure options apply to svg/pdf/png.

    Options the query leaves out come from the document's ``view.style`` (the editor's
    Stack, Fold, style and theme), by the same rule as ``netcanvas render``.
    """
    headers: dict[str, str] = {}
    if format in FIGURE_TYPES:
        chosen = options.model_dump(exclude_unset=True)
        drawn = await run_in_threadpool(_guarded, service.figure, graph, format, chosen)
        data, ext, media = drawn.data, drawn.extension, drawn.media_type
        if drawn.warnings:
            headers["X-Netcanvas-Warnings"] = "; ".join(drawn.warnings)
    else:
        try:
            chosen_format = formats.get(format)
        except formats.UnsupportedError as unknown:
            raise ApiError(404, str(unknown)) from None
        if not chosen_format.writable:
            raise ApiError(404, f"netcanvas cannot write {chosen_format.name} files")
        ext, media = chosen_format.extensions[0], chosen_format.media_type
        data = await run_in_threadpool(
            _guarded, service.export_model, graph, chosen_format.name, {}
        )
    headers["Content-Disposition"] = f'attachment; filename="{_filename(graph)}{ext}"'
    return Response(data, media_type=media, headers=headers)


def _guarded(function: Callable[..., Any], *args: Any) -> Any:
    """Run a reader or writer; what it cannot read or express is the request's problem: 422.

    A module that breaks on some unusual input (an input without a shape, say) has a bug
    to fix there, and it is logged with its stack; the client still gets a clean 422,
    because it was this request's input that the module could not take.
    """
    try:
        return function(*args)
    except formats.UnsupportedError as refused:
        raise ApiError(422, str(refused), line=1, column=1) from None
    except FigureError as refused:  # a figure past a limit (PNG pixels)
        raise ApiError(422, str(refused)) from None
    except (FormatError, ApiError):
        raise
    except service.InputShapeError as bad:
        raise ApiError(422, f"input_shape: {bad}", line=1, column=1) from None
    except Exception as bug:
        log.exception("%s failed", getattr(function, "__qualname__", function))
        raise ApiError(
            422, f"netcanvas could not handle this input ({type(bug).__name__}: {bug})"
        ) from None


def _render_function(name: str) -> Callable[..., Any]:
    """The renderer's entry point, or 501 while this build has none."""
    try:
        from netcanvas import render

        function: Callable[..., Any] = getattr(render, name)
    except (ImportError, AttributeError):
        raise ApiError(501, f"this build of netcanvas has no renderer ({name})") from None
    return function


def _filename(graph: Graph) -> str:
    safe = re.sub(r"[^A-Za-z0-9._-]+", "_", graph.name).strip("._")[:80]
    return safe or "network"
