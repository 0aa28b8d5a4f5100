"""Training logs over HTTP: import TensorBoard / CSV / Keras / JSON-lines logs as runs
(status ``imported``), and draw any runs as a publication figure, the same file
``netcanvas plot`` writes."""

from __future__ import annotations

import io
import tempfile
import zipfile
from pathlib import Path, PurePosixPath
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, ConfigDict, Field
from starlette.concurrency import run_in_threadpool

from netcanvas.api.errors import ApiError
from netcanvas.api.schemas import errors
from netcanvas.store.runs import RunNotFound, RunStore

router = APIRouter(prefix="/api", tags=["training"])

MAX_FILES = 10_000
MAX_UNPACKED = 2 * 1024**3  # bytes a zip may unpack to
MEDIA = {"svg": "image/svg+xml", "pdf": "application/pdf", "png": "image/png"}


def _store(request: Request) -> RunStore:
    store: RunStore = request.app.state.runs
    return store


@router.post(
    "/logs",
    status_code=201,
    summary="Import training logs as runs",
    responses=errors(413, 422),
    openapi_extra={
        "requestBody": {
            "required": True,
            "description": "A log file (events.out.tfevents.*, .csv, .json, .jsonl) or a zip "
            "of a run folder (TensorBoard's layout: one sub-folder per run)",
            "content": {
                "application/octet-stream": {
                    "schema": {"type": "string", "format": "binary"},
                    "example": "epoch,loss,val_loss\n0,0.9,1.0\n1,0.5,0.7\n",
                }
            },
        }
    },
)
async def import_logs(
    request: Request,
    filename: Annotated[
        str, Query(min_length=1, max_length=255, description="The file's name (its kind)")
    ],
    design: Annotated[str | None, Query(max_length=64, description="Attach to a design")] = None,
    revision: Annotated[int | None, Query(ge=1)] = None,
) -> JSONResponse:
    """Read the logs; every run in them joins the runs list (a bad file: 422 with where)."""
    from netcanvas.logs.stored import SERIES_FILE, run_rows, run_to_npz

    data = await request.body()
    runs = await run_in_threadpool(_read_upload, data, filename)
    store = _store(request)
    attached = {"id": design, "revision": revision} if design else None
    out = []
    for run in runs:
        run_id = store.create(
            {}, {}, {"source": run.source, "format": run.format}, attached, "imported", run.name
        )
        store.add_series(run_id, run_rows(run))
        store.add_artifact(run_id, SERIES_FILE, run_to_npz(run))
        out.append({"id": run_id, "name": run.name, "metrics": list(run.metrics)})
    return JSONResponse({"runs": out}, status_code=201)


def _read_upload(data: bytes, filename: str) -> list[Any]:
    from netcanvas.logs import LogFormatError, read_logs

    name = PurePosixPath(filename.replace("\\", "/")).name or "log"
    with tempfile.TemporaryDirectory(prefix="netcanvas-logs-") as tmp:
        folder = Path(tmp)
        if data[:4] == b"PK\x03\x04":
            target = folder / Path(name).stem
            _unzip(data, target)
        else:  # in a folder of its own name: readers name a run after its folder
            (folder / Path(name).stem).mkdir()
            target = folder / Path(name).stem / name
            target.write_bytes(data)
        try:
            runs = read_logs([target])
        except LogFormatError as bad:
            where = Path(str(bad.path)).name
            raise ApiError(
                422, f"{where}: {bad.message}", line=bad.line, column=bad.column
            ) from None
        for run in runs:
            run.source = run.source.replace(str(folder) + "/", "")
        return runs


def _unzip(data: bytes, target: Path) -> None:
    """Unpack a zip safely: no path outside the folder, no links, bounded sizes."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        members = archive.infolist()
    except zipfile.BadZipFile as bad:
        raise ApiError(422, f"the zip cannot be read: {bad}") from None
    if len(members) > MAX_FILES:
        raise ApiError(422, f"the zip holds {len(members):,} files; at most {MAX_FILES:,}")
    if sum(m.file_size for m in members) > MAX_UNPACKED:
        raise ApiError(413, f"the zip unpacks to more than {MAX_UNPACKED // 1024**3} GB")
    for member in members:
        path = PurePosixPath(member.filename)
        if path.is_absolute() or ".." in path.parts or member.external_attr >> 28 == 0o12:
            raise ApiError(422, f"the zip entry '{member.filename}' points outside its folder")
        if member.is_dir():
            continue
        out = target / Path(*path.parts)
        out.parent.mkdir(parents=True, exist_ok=True)
        with archive.open(member) as source:
            out.write_bytes(source.read(MAX_UNPACKED))


class PlotIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    runs: list[str] = Field(min_length=1, max_length=64, description="Run ids, in legend order")


@router.post(
    "/plot",
    summary="Training curves of runs as a figure",
    response_class=Response,
    responses={200: {"content": {m: {} for m in MEDIA.values()}}, **errors(404, 422)},
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {"application/json": {"example": {"runs": ["run-id-1", "run-id-2"]}}},
        }
    },
)
async def plot(
    request: Request,
    body: PlotIn,
    format: Annotated[Literal["svg", "pdf", "png"], Query()] = "svg",
    metrics: Annotated[str | None, Query(max_length=500, description="e.g. loss,val_loss")] = None,
    smooth: Annotated[float, Query(ge=0, lt=1)] = 0.0,
    x: Annotated[Literal["step", "epoch", "time"], Query()] = "step",
    theme: Annotated[str, Query(max_length=32)] = "light",
    width: Annotated[str | None, Query(max_length=32, description="3.3in, 8.5cm, 240pt")] = None,
    font_size: Annotated[float, Query(ge=2, le=72)] = 8.0,
    layout: Annotated[str | None, Query(max_length=200, description="e.g. loss,accuracy")] = None,
    log_y: bool = False,
    legend: Annotated[Literal["best", "outside", "none"], Query()] = "best",
    title: Annotated[str | None, Query(max_length=200)] = None,
    dpi: Annotated[int, Query(ge=10, le=1200)] = 300,
) -> Response:
    """The same figure as `netcanvas plot` with these options, for stored runs."""
    from netcanvas.logs import PlotError, PlotOptions, plot_bytes

    runs = [_as_log_run(_store(request), run_id) for run_id in body.runs]
    options = PlotOptions(
        metrics=metrics.split(",") if metrics else None, smooth=smooth, x=x, theme=theme,
        width=width, font_size=font_size, layout=layout.split(",") if layout else None,
        log_y=log_y, legend=legend, title=title, dpi=dpi,
    )  # fmt: skip
    try:
        data = await run_in_threadpool(plot_bytes, runs, format, options)
    except PlotError as bad:
        raise ApiError(422, str(bad)) from None
    return Response(
        data,
        media_type=MEDIA[format],
        headers={"Content-Disposition": f'attachment; filename="curves.{format}"'},
    )


def _as_log_run(store: RunStore, run_id: str) -> Any:
    from netcanvas.logs.stored import SERIES_FILE, run_from_epochs, run_from_npz

    try:
        stored = store.get(run_id)
    except RunNotFound:
        raise ApiError(404, f"no run '{run_id}'") from None
    if SERIES_FILE in stored.artifacts:
        return run_from_npz(store.artifact(run_id, SERIES_FILE))
    return run_from_epochs(stored.name, stored.metrics)
