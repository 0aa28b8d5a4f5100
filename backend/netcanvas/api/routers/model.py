"""Work on a posted model: analyze, lay out, import from a file, export to a file or figure."""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import Response

from netcanvas import formats
from netcanvas.api.deps import SettingsDep
from netcanvas.api.errors import ApiError
from netcanvas.api.pool import WorkPool
from netcanvas.api.routers.catalogue import FIGURES
from netcanvas.api.schemas import (
    DOCUMENT_BODY,
    AnalysisOut,
    ImportOut,
    LayoutOut,
    errors,
)
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
async def analyze_document(
    request: Request,
    settings: SettingsDep,
    since: Annotated[
        str | None,
        Query(
            description="The ETag of an earlier answer for a document this one edits: the "
            "work process that answered it, which remembers its layers, shapes and answer "
            "parts, takes this one, and only changed layers and what they change downstream "
            "are worked out again. The answer is the same with or without it.",
            max_length=80,
        ),
    ] = None,
    changed: Annotated[
        Literal["only"] | None,
        Query(
            description="With `since`: answer only what differs from the `since` answer, "
            '`{"name", "since", "nodes": [nodes whose result differs], "removed": [names], '
            '"order": [names, present only when the order changed], "totals", "errors", '
            '"warnings"}`; merged into the `since` answer it is the full answer. An answer '
            "without `since` is a full answer (the server no longer holds that one).",
        ),
    ] = None,
) -> Response:
    """The document's analysis: the same object `netcanvas summary --json` prints.

    Problems in the network (shape mismatches, cycles, dangling inputs) are part of the
    answer, pinned to their layers; only an unreadable document answers 422. The answer
    carries an ETag (the body's hash): the same document again is answered from a cache,
    and with `If-None-Match` by 304 and no body. After an edit, post the whole document
    with `since` set to the ETag of the answer before it, and `changed=only` to get only
    what changed (docs/scale.md).
    """
    raw = await request.body()
    tag = '"' + hashlib.sha256(raw).hexdigest()[:32] + '"'
    if request.headers.get("if-none-match") == tag:
        return Response(status_code=304, headers={"ETag": tag})
    cache: AnswerCache = request.app.state.analysis_cache
    partial = since is not None and changed == "only"
    data = None if partial else cache.get(tag)
    if data is None:
        data = await pool_of(request).call(
            request,
            "analyze_document",
            raw,
            settings.max_nodes,
            tag,
            since,
            partial,
            since=since,
            home=tag,
        )
        if not partial:  # a partial answer is not the body's answer to anyone else
            cache.put(tag, data)
    return Response(data, media_type="application/json", headers={"ETag": tag})


@router.post(
    "/layout",
    summary="Positions and routed edges for the editor's auto-layout",
    response_model=LayoutOut,
    responses=errors(413, 422, 501),
    openapi_extra=DOCUMENT_BODY,
)
async def layout(request: Request, settings: SettingsDep, options: FigureQuery) -> dict[str, Any]:
    """Top-left box positions and sizes in px, with edge routes, in the graph style."""
    raw = await request.body()
    result: dict[str, Any] = await pool_of(request).call(
        request, "layout_document", raw, settings.max_nodes, options.model_dump()
    )
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
) -> Response:
    """Parse the bytes; a parse error answers 422 with its line and column."""
    shapes = dict(_input_shape(spec) for spec in input_shape)
    data = await request.body()
    answer = await pool_of(request).call(
        request, "import_file", data, filename, format, phase, shapes, analysis, settings.max_nodes
    )
    # Already plain JSON (checked in the worker): sent as it is, without a second pass
    # through the response model (~6 ms for ResNet-152, on the editor's paste path).
    return Response(answer, media_type="application/json")


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
    request: Request,
    settings: SettingsDep,
    format: Annotated[
        str,
        Path(description="svg, pdf, png, or a writable model format from /api/formats"),
    ],
    options: FigureQuery,
) -> Response:
    """The file with its media type and a download name; figure options apply to svg/pdf/png.

    Options the query leaves out come from the document's ``view.style`` (the editor's
    Stack, Fold, style and theme), by the same rule as ``netcanvas render``.
    """
    figure = format in FIGURE_TYPES
    if not figure:
        try:
            chosen_format = formats.get(format)
        except formats.UnsupportedError as unknown:
            raise ApiError(404, str(unknown)) from None
        if not chosen_format.writable:
            raise ApiError(404, f"netcanvas cannot write {chosen_format.name} files")
    raw = await request.body()
    chosen = options.model_dump(exclude_unset=True)
    data, ext, media, warnings, stem = await pool_of(request).call(
        request, "export_document", raw, settings.max_nodes, format, chosen, figure
    )
    headers = {"Content-Disposition": f'attachment; filename="{stem}{ext}"'}
    if warnings:
        headers["X-Netcanvas-Warnings"] = "; ".join(warnings)
    return Response(data, media_type=media, headers=headers)


@router.post(
    "/diff",
    summary="Compare two documents: layers added, removed, changed; params and MACs delta",
    responses=errors(413, 422),
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                "application/json": {
                    "example": {
                        "a": {
                            "netcanvas": 1,
                            "layers": [
                                {"name": "x", "type": "Input", "shape": [1, 8]},
                                {"name": "fc", "type": "Linear", "out_features": 4},
                            ],
                        },
                        "b": {
                            "netcanvas": 1,
                            "layers": [
                                {"name": "x", "type": "Input", "shape": [1, 8]},
                                {"name": "fc", "type": "Linear", "out_features": 16},
                            ],
                        },
                    }  # fmt: skip
                }
            },
        }
    },
)
async def diff_documents(request: Request, settings: SettingsDep) -> Response:
    """What `netcanvas diff A B --json` prints, for two documents (two designs, two
    revisions of one design, two files read with /api/import)."""
    raw = await request.body()
    data = await pool_of(request).call(request, "diff_documents", raw, settings.max_nodes)
    return Response(data, media_type="application/json")


def pool_of(request: Request) -> WorkPool:
    pool: WorkPool = request.app.state.pool
    return pool


class AnswerCache:
    """The last analyses by body hash: the editor asks again for what it just asked."""

    def __init__(self, size: int = 256) -> None:
        self.size = size
        self.items: OrderedDict[str, bytes] = OrderedDict()
        self.lock = threading.Lock()

    def get(self, key: str) -> bytes | None:
        with self.lock:
            value = self.items.get(key)
            if value is not None:
                self.items.move_to_end(key)
            return value

    def put(self, key: str, value: bytes) -> None:
        with self.lock:
            self.items[key] = value
            while len(self.items) > self.size:
                self.items.popitem(last=False)
