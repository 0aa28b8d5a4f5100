"""Saved designs: create, read, update with revision checks, history, delete."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Header, Path, Request, Response
from starlette.concurrency import run_in_threadpool

from netcanvas.api.deps import SettingsDep, StoreDep, read_body, to_graph
from netcanvas.api.errors import ApiError
from netcanvas.api.schemas import (
    DESIGN_POST_SCHEMA,
    DESIGN_PUT_SCHEMA,
    EXAMPLE_DOCUMENT,
    DesignCount,
    DesignCreated,
    DesignOut,
    DesignSaved,
    RevisionList,
    errors,
    json_body,
)
from netcanvas.api.settings import Settings
from netcanvas.formats import FormatError, native
from netcanvas.store import Conflict, Forbidden, NotFound

router = APIRouter(prefix="/api/designs", tags=["designs"])

DesignId = Annotated[str, Path(description="The design's id (from its share link)", max_length=64)]
EditKey = Annotated[
    str | None, Header(alias="X-Edit-Key", description="The key returned when it was created")
]


@router.get("", response_model=DesignCount, summary="How many designs are saved")
async def count(store: StoreDep) -> DesignCount:
    """Only a count: a design is private to whoever holds its id."""
    return DesignCount(count=await run_in_threadpool(store.count))


@router.post(
    "",
    status_code=201,
    response_model=DesignCreated,
    summary="Save a new design",
    responses=errors(413, 422),
    openapi_extra=json_body(
        DESIGN_POST_SCHEMA, {"document": EXAMPLE_DOCUMENT}, "The document to save"
    ),
)
async def create(request: Request, settings: SettingsDep, store: StoreDep) -> DesignCreated:
    """Answers the id (the share link is `/d/{id}`) and the edit key, shown only once."""
    document, _ = await read_body(
        request, lambda body: _valid_document(body, settings, ("document",))
    )
    design_id, revision, key = await run_in_threadpool(store.create, document)
    return DesignCreated(id=design_id, revision=revision, edit_key=key)


@router.get(
    "/{design_id}",
    response_model=DesignOut,
    summary="The current revision of a design",
    responses=errors(404),
)
async def read(design_id: DesignId, store: StoreDep) -> DesignOut:
    """Anyone with the id may read it (share links are read-only)."""
    return _out(await _call(store.get, design_id))


@router.put(
    "/{design_id}",
    response_model=DesignSaved,
    summary="Save a new revision (or restore an old document)",
    responses=errors(403, 404, 409, 413, 422),
    openapi_extra=json_body(
        DESIGN_PUT_SCHEMA,
        {"revision": 1, "document": EXAMPLE_DOCUMENT},
        "The revision this edit starts from and the new document",
    ),
)
async def save(
    design_id: DesignId,
    request: Request,
    settings: SettingsDep,
    store: StoreDep,
    x_edit_key: EditKey = None,
) -> DesignSaved:
    """A stale `revision` answers 409 with `current_revision`; nothing is overwritten."""
    document, expected = await read_body(
        request, lambda body: _valid_document(body, settings, ("revision", "document"))
    )
    revision = await _call(store.update, design_id, x_edit_key, expected, document)
    return DesignSaved(id=design_id, revision=revision)


@router.delete(
    "/{design_id}",
    status_code=204,
    summary="Delete a design and its history",
    responses=errors(403, 404),
)
async def remove(design_id: DesignId, store: StoreDep, x_edit_key: EditKey = None) -> Response:
    await _call(store.delete, design_id, x_edit_key)
    return Response(status_code=204)


@router.get(
    "/{design_id}/revisions",
    response_model=RevisionList,
    summary="The history of a design",
    responses=errors(404),
)
async def history(design_id: DesignId, store: StoreDep) -> RevisionList:
    revisions = await _call(store.revisions, design_id)
    return RevisionList.model_validate(
        {
            "id": design_id,
            "revision": revisions[-1].number,
            "revisions": [
                {"number": r.number, "created_at": r.created_at, "name": r.name, "layers": r.layers}
                for r in revisions
            ],
        }
    )


@router.get(
    "/{design_id}/revisions/{number}",
    response_model=DesignOut,
    summary="One revision of a design",
    responses=errors(404),
)
async def old_revision(
    design_id: DesignId, number: Annotated[int, Path(ge=1, le=2**31 - 1)], store: StoreDep
) -> DesignOut:
    """Restore it by PUTting its document as a new revision."""
    return _out(await _call(store.get, design_id, number))


def _valid_document(
    body: Any, settings: Settings, keys: tuple[str, ...]
) -> tuple[dict[str, Any], int]:
    """Check the body's keys, its revision and its document (answered in canonical form)."""
    if not isinstance(body, dict):
        raise FormatError(f"the body is an object with {', '.join(keys)}", 1, 1)
    for key in body:
        if key not in keys:
            raise FormatError(
                f"unknown key '{key}' (the body has: {', '.join(keys)})",
                *native.location(body, key, value=False),
            )
    for key in keys:
        if key not in body:
            raise FormatError(f"the body has no `{key}`", *native.location(body))
    revision = body.get("revision", 1)
    if not isinstance(revision, int) or isinstance(revision, bool) or revision < 1:
        raise FormatError(
            "`revision` is the number of the revision this edit starts from (1 or more)",
            *native.location(body, "revision"),
        )
    graph = to_graph(body["document"], settings)
    return native.to_document(graph), revision


async def _call(function: Any, *args: Any) -> Any:
    try:
        return await run_in_threadpool(function, *args)
    except NotFound:
        raise ApiError(404, "no such design (or revision)") from None
    except Forbidden:
        raise ApiError(
            403, "a missing or wrong X-Edit-Key: only the edit key may change it"
        ) from None
    except Conflict as stale:
        raise ApiError(
            409,
            f"the design is at revision {stale.current}: reload it and apply your edit again",
            current_revision=stale.current,
        ) from None


def _out(design: Any) -> DesignOut:
    return DesignOut(
        id=design.id,
        revision=design.revision,
        document=design.document,
        created_at=design.created_at,
        updated_at=design.updated_at,
    )
