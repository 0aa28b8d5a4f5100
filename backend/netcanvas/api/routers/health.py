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

#: A database answer this recent (seconds) stands for the next checks.
FRESH_SECONDS = 1.0


@router.get("/healthz", response_model=Health, summary="Liveness", responses=errors(503))
async def healthz(store: StoreDep) -> Health:
    try:
        # A health check asked hundreds of times a second under load would otherwise queue
        # behind the work it reports on (p99 676 ms at 16 clients on 2 cores).
        if not store.answered_within(FRESH_SECONDS):
            await run_in_threadpool(store.ping)
    except SQLAlchemyError:
        raise ApiError(503, "the database does not answer") from None
    return Health(status="ok", version=__version__, database="ok")
