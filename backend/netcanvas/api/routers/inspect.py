"""Feature maps over HTTP: a trained run's layers for one sample of its data, or an ONNX
file's with its own weights. The work runs in a `netcanvas inspect` subprocess with a
time limit (it needs torch or onnxruntime, which the server process never imports)."""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field
from starlette.concurrency import run_in_threadpool

from netcanvas.api.errors import ApiError
from netcanvas.api.schemas import errors
from netcanvas.store.runs import RunNotFound, RunStore

router = APIRouter(prefix="/api", tags=["training"])
SECONDS = 120


class SampleIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    sample: int = Field(0, ge=0, description="Index of the sample in the run's data set")


@router.post(
    "/runs/{run_id}/activations",
    summary="A trained run's feature maps, probabilities and saliency for one sample",
    responses=errors(404, 422, 503),
    openapi_extra={
        "requestBody": {
            "content": {
                "application/json": {
                    "schema": SampleIn.model_json_schema(),
                    "example": {"sample": 3},
                }
            }
        }
    },
)
async def activations(request: Request, run_id: str, body: SampleIn) -> JSONResponse:
    """Per-layer maps as base64 PNG grids (`images`), each layer's shape and channel
    ranges (`layers`), the class probabilities and, for images, a saliency map."""
    store: RunStore = request.app.state.runs
    try:
        run = store.get(run_id)
        weights = store.artifact(run_id, "model.pt")
    except RunNotFound:
        raise ApiError(404, f"run '{run_id}' has no trained weights (is it finished?)") from None
    spec = {"document": run.document, "data": run.data, "config": run.config}
    answer = await run_in_threadpool(_run_inspect, spec, weights, body.sample)
    return JSONResponse(answer)


@router.post(
    "/inspect",
    summary="An ONNX file's feature maps, with its own weights",
    responses=errors(413, 422, 503),
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                "application/octet-stream": {
                    "schema": {"type": "string", "format": "binary"},
                    "example": "(the bytes of a .onnx file)",
                }
            },
        }
    },
)
async def inspect_onnx(
    request: Request, seed: Annotated[int, Query(ge=0, description="Seed of the input")] = 0
) -> JSONResponse:
    """Every intermediate output through onnxruntime on a seeded random input."""
    data = await request.body()
    answer = await run_in_threadpool(_run_onnx, data, seed)
    return JSONResponse(answer)


def _run_inspect(spec: dict[str, Any], weights: bytes, sample: int) -> Any:
    with tempfile.TemporaryDirectory(prefix="netcanvas-inspect-") as tmp:
        folder = Path(tmp)
        (folder / "run.json").write_text(json.dumps(spec))
        (folder / "model.pt").write_bytes(weights)
        return _cli([str(folder), "--sample", str(sample)])


def _run_onnx(data: bytes, seed: int) -> Any:
    with tempfile.TemporaryDirectory(prefix="netcanvas-inspect-") as tmp:
        path = Path(tmp) / "model.onnx"
        path.write_bytes(data)
        return _cli([str(path)])


def _cli(args: list[str]) -> Any:
    try:
        done = subprocess.run(
            [sys.executable, "-m", "netcanvas", "inspect", *args, "--json"],
            capture_output=True, text=True, timeout=SECONDS, check=False,
        )  # fmt: skip
    except subprocess.TimeoutExpired:
        raise ApiError(503, f"looking inside took longer than {SECONDS} s") from None
    if done.returncode != 0:
        message = done.stderr.strip().splitlines()[-1] if done.stderr.strip() else "failed"
        raise ApiError(422, message.removeprefix("netcanvas inspect: "))
    return json.loads(done.stdout)
