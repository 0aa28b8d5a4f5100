"""Saved designs with revisions: SQLAlchemy over SQLite by default, PostgreSQL by URL."""

from __future__ import annotations

from netcanvas.store.designs import (
    Conflict,
    DesignStore,
    Forbidden,
    NotFound,
    RevisionInfo,
    StoredDesign,
)

__all__ = ["Conflict", "DesignStore", "Forbidden", "NotFound", "RevisionInfo", "StoredDesign"]
