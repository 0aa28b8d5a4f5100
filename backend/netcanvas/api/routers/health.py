"""GET /healthz: the process is up and the database answers."""

from __future__ import annotations

from fastapi import APIRouter
from sqlalchemy.exc import SQLAlchemyError
from starlette.concurrency import run_in_threadpool

from netcanvas import __version__
from netcanvas.api.deps import StoreDep
from netcanvas.api.errors import ApiError
from netcanvas.api.schemas import Health, errors

router = APIRouter(tags=["health"])


@router.get("/healthz", response_model=Health, summary="Liveness", responses=errors(503))
async def healthz(store: StoreDep) -> Health:
    try:
        await run_in_threadpool(store.ping)
    except SQLAlchemyError:
        raise ApiError(503, "the database does not answer") from None
    return Health(status="ok", version=__version__, database="ok")
