"""Training over HTTP (DESIGN 10): data sets, runs, their live events, files and layer
statistics. Routes only check, queue and read; the worker process trains."""

from __future__ import annotations

import asyncio
import importlib.util
import itertools
import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse, Response, StreamingResponse
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from starlette.concurrency import run_in_threadpool

from netcanvas.api.deps import SettingsDep, check_plain
from netcanvas.api.errors import ApiError
from netcanvas.api.schemas import errors
from netcanvas.api.settings import Settings
from netcanvas.formats import FormatError, native
from netcanvas.store.runs import FINISHED, RunNotFound, RunStore
from netcanvas.train.worker import RunManager

router = APIRouter(prefix="/api", tags=["training"])

NEEDS_TORCH = (
    "training needs PyTorch: install the `train` extra "
    "(pip install 'netcanvas[train]'; `make run` installs it)"
)
ARTIFACT_TYPES = {
    "model.onnx": "application/onnx",
    "model.pt": "application/octet-stream",
    "metrics.csv": "text/csv",
    "train.py": "text/x-python",
}
SWEEPABLE = ("lr", "batch_size", "optimizer", "epochs", "schedule", "seed", "weight_decay")


class DataIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(max_length=64, examples=["moons"])
    path: str | None = Field(None, max_length=1024, description="Files, inside the data folder")
    settings: dict[str, Any] | None = None


class RunIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    document: dict[str, Any]
    design: dict[str, Any] | None = None
    data: DataIn
    config: dict[str, Any] = Field(default_factory=dict)
    stats_every: int = Field(0, ge=0, le=100_000, description="Layer statistics every K steps")
    sweep: dict[str, list[Any]] | None = Field(
        None, description='A grid: `{"lr": [0.001, 0.01], "batch_size": [32, 64]}`'
    )


def _store(request: Request) -> RunStore:
    store: RunStore = request.app.state.runs
    return store


def _manager(request: Request) -> RunManager:
    manager: RunManager = request.app.state.run_manager
    return manager


@router.get("/datasets", summary="Data sets a run can train on")
def datasets() -> list[dict[str, Any]]:
    """Built-in data sets (generated or shipped, no download) and the loaders for the
    user's files (a `path` inside the server's data folder)."""
    from netcanvas.train.datasets import list_datasets

    return list_datasets()


RUN_EXAMPLE = {
    "document": {
        "netcanvas": 1,
        "name": "mlp",
        "layers": [
            {"name": "x", "type": "Input", "shape": [1, 2]},
            {"name": "h", "type": "Linear", "out_features": 16},
            {"name": "r", "type": "ReLU"},
            {"name": "out", "type": "Linear", "out_features": 2},
        ],
    },
    "design": None,
    "data": {"name": "moons", "settings": {"samples": 1000, "noise": 0.1}},
    "config": {"epochs": 20, "batch_size": 32, "lr": 0.01, "optimizer": "adam"},
}


@router.post(
    "/runs",
    status_code=202,
    summary="Train the document",
    responses=errors(413, 422, 501, 503),
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                "application/json": {
                    "schema": RunIn.model_json_schema(),
                    "example": RUN_EXAMPLE,
                }
            },
        }
    },
)
async def start_run(request: Request, settings: SettingsDep) -> JSONResponse:
    """Check that the network and the data can train together (422 with the reason if
    not), then queue the run (or the grid of runs of a sweep) for the worker."""
    if importlib.util.find_spec("torch") is None:
        raise ApiError(501, NEEDS_TORCH)
    try:
        body = RunIn.model_validate_json(await request.body())
    except ValidationError as bad:
        problem = bad.errors()[0]
        where = ".".join(str(p) for p in problem["loc"])
        raise ApiError(422, f"{where}: {problem['msg']}") from None
    specs = _specs(body, settings)
    await run_in_threadpool(_check_trainable, specs[0], settings)
    store, manager = _store(request), _manager(request)
    ids = []
    for spec in specs:
        run_id = store.create(
            body.document, spec["config"], spec["data"], body.design, name=spec.get("name")
        )
        spec["id"] = run_id
        try:
            manager.submit(spec)
        except OverflowError as full:
            store.set_status(run_id, "failed", error=str(full))
            raise ApiError(503, f"the training queue is full: {full}") from None
        ids.append(run_id)
    answer: dict[str, Any] = {"id": ids[0], "status": "queued"}
    if body.sweep:
        answer["sweep"] = ids
    return JSONResponse(answer, status_code=202)


def _specs(body: RunIn, settings: Settings) -> list[dict[str, Any]]:
    from netcanvas.train.runner import TrainConfig

    base = dict(body.config)
    grid: list[dict[str, Any]] = [{}]
    if body.sweep:
        for key in body.sweep:
            if key not in SWEEPABLE:
                raise ApiError(422, f"sweep: '{key}' cannot be swept ({', '.join(SWEEPABLE)})")
        keys = list(body.sweep)
        grid = [
            dict(zip(keys, combo, strict=True)) for combo in itertools.product(*body.sweep.values())
        ]
        if len(grid) > 64:
            raise ApiError(422, f"sweep: {len(grid)} runs; at most 64")
    data = body.data.model_dump(exclude_none=True)
    if body.data.path is not None:
        data["path"] = str(_inside(settings.data_dir, body.data.path))
    specs = []
    for point in grid:
        try:
            config = TrainConfig(**{**base, **point})
        except ValidationError as bad:
            problem = bad.errors()[0]
            where = ".".join(str(p) for p in problem["loc"])
            raise ApiError(422, f"config.{where}: {problem['msg']}") from None
        if config.epochs > settings.train_max_epochs:
            raise ApiError(422, f"config.epochs: at most {settings.train_max_epochs}")
        limit = min(config.max_seconds or settings.train_max_seconds, settings.train_max_seconds)
        config = config.model_copy(update={"max_seconds": limit})
        name = ", ".join(f"{k}={v}" for k, v in point.items()) or None
        specs.append(
            {
                "document": body.document,
                "data": data,
                "config": config.model_dump(),
                "stats_every": body.stats_every,
                "name": f"{body.document.get('name', 'network')} ({name})" if name else None,
            }
        )
    return specs


def _inside(root: Path, path: str) -> Path:
    base = root.resolve()
    target = (base / path).resolve()
    if target != base and base not in target.parents:
        raise ApiError(422, f"data.path: '{path}' is outside the server's data folder")
    return target


def _check_trainable(spec: dict[str, Any], settings: Settings) -> None:
    """What the worker would refuse, refused now with its reason (no torch needed)."""
    from netcanvas.train.datasets import DatasetError, load_dataset
    from netcanvas.train.setup import TrainError, prepare

    try:
        graph = native.from_document(check_plain(spec["document"]))
        data = spec["data"]
        dataset = load_dataset(
            data["name"], data.get("path"), data.get("settings"), seed=spec["config"]["seed"]
        )
        prepare(graph, dataset, spec["config"]["batch_size"])
    except FormatError as bad:
        raise ApiError(422, f"document: {bad.message}", line=bad.line, column=bad.column) from None
    except (TrainError, DatasetError) as refused:
        raise ApiError(422, str(refused)) from None


@router.get("/runs", summary="Runs, newest first", responses=errors(422))
def list_runs(
    request: Request,
    design: Annotated[str | None, Query(max_length=64, description="Only this design's")] = None,
) -> list[dict[str, Any]]:
    return [run.to_json() for run in _store(request).find(design)]


@router.get(
    "/runs/{run_id}", summary="One run: status, settings, metrics, files", responses=errors(404)
)
def get_run(request: Request, run_id: str) -> dict[str, Any]:
    answer: dict[str, Any] = _get(request, run_id).to_json()
    return answer


def _get(request: Request, run_id: str) -> Any:
    try:
        return _store(request).get(run_id)
    except RunNotFound:
        raise ApiError(404, f"no run '{run_id}'") from None


@router.post("/runs/{run_id}/cancel", summary="Stop a queued or running run", responses=errors(404))
def cancel_run(request: Request, run_id: str) -> dict[str, Any]:
    run = _get(request, run_id)
    stopping = _manager(request).cancel(run_id)
    return {"id": run_id, "status": "cancelling" if stopping else run.status}


@router.get(
    "/runs/{run_id}/artifacts/{name}",
    summary="A file a finished run wrote",
    responses=errors(404),
)
def artifact(request: Request, run_id: str, name: str) -> Response:
    _get(request, run_id)
    try:
        data = _store(request).artifact(run_id, name)
    except RunNotFound:
        raise ApiError(404, f"run '{run_id}' has no file '{name}'") from None
    return Response(
        data,
        media_type=ARTIFACT_TYPES.get(name, "application/octet-stream"),
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


@router.get(
    "/runs/{run_id}/events",
    summary="Live progress, metrics and status (SSE)",
    responses={**errors(404), 200: {"content": {"text/event-stream": {}}}},
)
async def events(request: Request, run_id: str) -> StreamingResponse:
    """Server-sent events: what happened so far (status, one `metrics` per epoch), then
    `progress`, `metrics`, `layers` and `status` as the run goes; the stream ends with the
    run."""
    run = _get(request, run_id)
    manager = _manager(request)
    loop = asyncio.get_running_loop()
    inbox: asyncio.Queue[tuple[str, dict[str, Any]]] = asyncio.Queue()

    def deliver(kind: str, payload: dict[str, Any]) -> None:
        loop.call_soon_threadsafe(inbox.put_nowait, (kind, payload))

    stop = manager.listen(run_id, deliver)
    run = _get(request, run_id)  # again, now that nothing can be missed

    async def stream() -> AsyncIterator[bytes]:
        try:
            yield _event("status", {"status": run.status, "error": run.error, "note": run.note})
            for epoch, rows in itertools.groupby(run.metrics, key=lambda m: m["epoch"]):
                yield _event("metrics", {"epoch": epoch, **{m["name"]: m["value"] for m in rows}})
            if run.status in FINISHED:
                return
            if not manager.is_active(run_id):
                # Another server process (serve --workers N) trains it: follow the store.
                async for event in _follow(request, run_id, len(run.metrics)):
                    yield event
                return
            while True:
                try:
                    kind, payload = await asyncio.wait_for(inbox.get(), timeout=15)
                except TimeoutError:
                    yield b": keep-alive\n\n"
                    if await request.is_disconnected():
                        return
                    continue
                yield _event(kind, payload)
                if kind == "status" and payload.get("status") in FINISHED:
                    return
        finally:
            stop()

    return StreamingResponse(
        stream(),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
    )


async def _follow(request: Request, run_id: str, seen: int) -> AsyncIterator[bytes]:
    """A run of another process: its metrics and status as the store records them."""
    store = _store(request)
    last_status = None
    while not await request.is_disconnected():
        run = await run_in_threadpool(store.get, run_id)
        fresh = run.metrics[seen:]
        seen = len(run.metrics)
        for epoch, rows in itertools.groupby(fresh, key=lambda m: m["epoch"]):
            yield _event("metrics", {"epoch": epoch, **{m["name"]: m["value"] for m in rows}})
        if run.status != last_status:
            last_status = run.status
            yield _event("status", {"status": run.status, "error": run.error, "note": run.note})
        if run.status in FINISHED:
            return
        await asyncio.sleep(0.3)


def _event(kind: str, payload: dict[str, Any]) -> bytes:
    return (
        f"event: {kind}\ndata: {json.dumps(payload, allow_nan=False, default=_plain)}\n\n".encode()
    )


def _plain(value: Any) -> Any:
    return None if isinstance(value, float) else str(value)


@router.get(
    "/runs/{run_id}/layers",
    summary="Per-layer statistics and flags of one epoch",
    responses=errors(404, 422),
)
def layers(
    request: Request,
    run_id: str,
    epoch: Annotated[int | None, Query(ge=1, description="Default: the latest")] = None,
    stat: Annotated[str | None, Query(max_length=64, description="Only this statistic")] = None,
) -> dict[str, Any]:
    _get(request, run_id)
    found_epoch, found = _store(request).layer_stats(run_id, epoch)
    out: dict[str, Any] = {}
    for name, entry in found.items():
        numbers = {k: v for k, v in entry.get("stats", {}).items() if not k.endswith("_hist")}
        if stat is not None:
            numbers = {stat: numbers.get(stat)}
        out[name] = {
            "stats": numbers,
            "flags": entry.get("flags", []),
            "reasons": entry.get("reasons", []),
        }
    return {"epoch": found_epoch, "layers": out}


@router.get(
    "/runs/{run_id}/histograms/{layer}",
    summary="A layer's histograms per epoch",
    responses=errors(404),
)
def histograms(request: Request, run_id: str, layer: str) -> dict[str, Any]:
    """Fixed-bin counts of the layer's weights, gradients and activations, one entry per
    epoch (TensorBoard's distributions)."""
    _get(request, run_id)
    history = _store(request).layer_history(run_id, layer)
    if not history:
        raise ApiError(404, f"run '{run_id}' has no statistics for layer '{layer}'")
    epochs = []
    for epoch, entry in history:
        stats = entry.get("stats", {})
        epochs.append(
            {
                "epoch": epoch,
                **{k: stats[k] for k in ("weight_hist", "grad_hist", "act_hist") if k in stats},
            }
        )
    return {"layer": layer, "epochs": epochs}
