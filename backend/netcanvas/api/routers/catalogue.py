"""GET /api/layers and GET /api/formats: what the editor builds its palette and menus from."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from netcanvas import formats
from netcanvas.api.schemas import FormatInfo, LayerInfo
from netcanvas.layers import catalogue
from netcanvas.render import catalogue as figures

router = APIRouter(prefix="/api", tags=["catalogue"])

FIGURES = figures.FIGURE_FORMATS


@router.get("/layers", response_model=list[LayerInfo], summary="Every layer type")
def layers() -> list[dict[str, Any]]:
    """Every registered type with its category, ports, docs and settings' JSON schema."""
    return catalogue()


@router.get("/formats", response_model=list[FormatInfo], summary="Import and export formats")
def list_formats() -> list[FormatInfo]:
    """Model formats (from the formats table) and figure formats (export only)."""
    out = [
        FormatInfo(
            name=f.name,
            kind="model",
            extensions=list(f.extensions),
            media_type=f.media_type,
            readable=f.readable,
            writable=f.writable,
            binary=f.binary,
        )
        for f in formats.FORMATS
    ]
    out += [
        FormatInfo(
            name=name,
            kind="figure",
            extensions=[ext],
            media_type=media,
            readable=False,
            writable=True,
            binary=binary,
        )
        for name, ext, media, binary in FIGURES
    ]
    return out


@router.get("/figures", summary="Figure styles, themes and formats")
def figure_catalogue() -> dict[str, Any]:
    """Every figure style (with whether it folds and stacks, and the settings only it
    reads), every theme and every figure format: the editor builds its selects from this."""
    return figures.catalogue()
