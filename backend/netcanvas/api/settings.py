"""Service settings, read from ``NETCANVAS_*`` environment variables."""

from __future__ import annotations

from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="NETCANVAS_")

    database_url: str = "sqlite:///netcanvas.db"
    max_body_bytes: int = 20 * 1024 * 1024
    max_nodes: int = 20_000
    cors_origins: list[str] = []
