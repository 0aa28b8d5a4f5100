"""GET /api/templates and GET /api/templates/{slug}: the built-in gallery."""

from __future__ import annotations

from functools import cache
from typing import Annotated, Any

from fastapi import APIRouter, Path
from starlette.concurrency import run_in_threadpool

from netcanvas import templates
from netcanvas.analysis import analyze
from netcanvas.api.errors import ApiError
from netcanvas.api.schemas import TemplateInfo, TemplateOut, errors
from netcanvas.formats import native

router = APIRouter(prefix="/api/templates", tags=["templates"])


@cache
def _info(slug: str) -> dict[str, Any]:
    # Templates are read-only package data: analyse each once per process.
    template = templates.get(slug)
    graph = template.graph()
    result = analyze(graph)
    return {
        "slug": slug,
        "name": template.name,
        "description": template.description,
        "params": result.params,
        "macs": result.macs,
        "layers": len(graph.nodes),
        "document": native.to_document(graph),
    }


def _all() -> list[dict[str, Any]]:
    return [_info(slug) for slug in templates.slugs()]


@router.get("", response_model=list[TemplateInfo], summary="The template gallery")
async def gallery() -> list[dict[str, Any]]:
    """Every built-in template with its parameter and MAC counts."""
    return await run_in_threadpool(_all)


@router.get(
    "/{slug}", response_model=TemplateOut, summary="One template's document", responses=errors(404)
)
async def template(slug: Annotated[str, Path(max_length=64)]) -> dict[str, Any]:
    try:
        return await run_in_threadpool(_info, slug)
    except KeyError:
        raise ApiError(404, f"no template '{slug}'") from None
