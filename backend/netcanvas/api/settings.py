"""Service settings, read from ``NETCANVAS_*`` environment variables."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="NETCANVAS_")

    database_url: str = Field(
        "sqlite:///netcanvas.db",
        description="SQLAlchemy URL: sqlite:///PATH or postgresql+psycopg://user:pw@host/db",
    )
    max_body_bytes: int = Field(
        20 * 1024 * 1024, gt=0, description="Largest request body (documents and other JSON)"
    )
    max_upload_bytes: int = Field(
        1024**3, gt=0, description="Largest uploaded model file or training log"
    )
    body_seconds: float = Field(
        10.0,
        gt=0,
        description="Time a request body may take to arrive, plus one second per "
        "body_rate bytes received (a client trickling bytes is answered 408)",
    )
    body_rate: int = Field(
        64 * 1024, gt=0, description="Slowest accepted body upload speed in bytes per second"
    )
    max_nodes: int = Field(100_000, gt=0, description="Most layers a document may have")
    # Empty: no CORS headers at all, so other sites cannot call the API from a browser.
    cors_origins: list[str] = Field(default_factory=list)
    frontend_dir: Path | None = Field(
        None, description="Folder with the editor's index.html (default: the repo's frontend/)"
    )
    data_dir: Path = Field(
        Path("."),
        description="Training data files named by a run's `path` must lie inside this folder",
    )
    train_max_seconds: float = Field(
        3600.0, gt=0, description="Longest a training run may take (its process is then stopped)"
    )
    train_max_epochs: int = Field(1000, gt=0, description="Most epochs a training run may ask for")
    train_max_queue: int = Field(100, gt=0, description="Most runs waiting for the worker")
    work_processes: int = Field(
        2, ge=1, le=64, description="Worker processes for analysis, import, export and layout"
    )
    work_seconds: float = Field(
        30.0,
        gt=0,
        description="Longest one piece of work may take (then 503; the worker is replaced)",
    )
    work_memory_mb: int = Field(
        1024, ge=256, description="Address space of each work process (more: 413)"
    )
