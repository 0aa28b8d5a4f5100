"""The designs store: create, read, update with compare-and-set, history, delete.

Each save is a new revision. An update names the revision it edits; the database
moves the design forward only if that is still the current revision
(``UPDATE ... WHERE revision = :expected``), so two writers racing on the same
revision cannot both win and nothing is ever overwritten. Documents arrive already
validated (the API checks them); the store keeps them as JSON text.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import math
import secrets
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, cast

from sqlalchemy import Engine, create_engine, delete, event, func, select, text, update
from sqlalchemy.engine import CursorResult, make_url
from sqlalchemy.orm import Session, sessionmaker

from netcanvas.store.tables import Base, DesignRow, RevisionRow

ID_BYTES = 12  # 16 url-safe characters, 96 random bits: not guessable, still short in a link
KEY_BYTES = 24
# Revision numbers live in INTEGER columns (32-bit in PostgreSQL).
MAX_REVISION = 2**31 - 1


class NotFound(Exception):
    """No design (or no such revision of it) under that id."""


class Forbidden(Exception):
    """The edit key is missing or wrong."""


class Conflict(Exception):
    """The update edits a revision that is no longer the current one."""

    def __init__(self, current: int) -> None:
        super().__init__(f"the design is at revision {current}")
        self.current = current


@dataclass(frozen=True, slots=True)
class StoredDesign:
    id: str
    revision: int
    document: dict[str, Any]
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True, slots=True)
class RevisionInfo:
    number: int
    created_at: datetime
    name: str
    layers: int


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def _now() -> datetime:
    return datetime.now(UTC)


def _aware(moment: datetime) -> datetime:
    # SQLite hands back naive datetimes; everything we write is UTC.
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def make_engine(url: str) -> Engine:
    """An engine for the URL; SQLite gets WAL, foreign keys and write-locking transactions."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return create_engine(url, pool_pre_ping=True)
    engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy's "begin" event issue BEGIN itself (the pysqlite recipe).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        # IMMEDIATE takes the write lock up front: a deferred transaction that read first
        # would fail with SQLITE_BUSY instead of waiting its turn.
        connection.exec_driver_sql("BEGIN IMMEDIATE")

    return engine


class DesignStore:
    """Saved designs in one database; safe to share between threads and processes."""

    def __init__(self, url: str) -> None:
        self.engine = make_engine(url)
        self._session = sessionmaker(self.engine, expire_on_commit=False)
        self._answered_at = -math.inf

    def create_schema(self) -> None:
        Base.metadata.create_all(self.engine)

    def close(self) -> None:
        self.engine.dispose()

    def ping(self) -> None:
        """Raise if the database does not answer."""
        with self.engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        self._answered_at = time.monotonic()

    def answered_within(self, seconds: float) -> bool:
        """True when the database answered a ping less than `seconds` ago."""
        return time.monotonic() - self._answered_at < seconds

    # --- writes ------------------------------------------------------------------------

    def create(self, document: dict[str, Any]) -> tuple[str, int, str]:
        """Save a new design; returns (id, revision 1, edit key). The key is shown once."""
        key = secrets.token_urlsafe(KEY_BYTES)
        now = _now()
        with self._session.begin() as session:
            design_id = secrets.token_urlsafe(ID_BYTES)
            session.add(
                DesignRow(
                    id=design_id,
                    edit_key_hash=hash_key(key),
                    revision=1,
                    created_at=now,
                    updated_at=now,
                )
            )
            session.flush()
            session.add(
                RevisionRow(design_id=design_id, number=1, document=_dump(document), created_at=now)
            )
        return design_id, 1, key

    def update(
        self, design_id: str, key: str | None, expected: int, document: dict[str, Any]
    ) -> int:
        """Save ``document`` as the revision after ``expected``; returns the new number."""
        now = _now()
        with self._session.begin() as session:
            self._authorize(session, design_id, key)
            if not 1 <= expected < MAX_REVISION:
                # No revision can have this number (the column is a 32-bit integer, and
                # the database would refuse the value itself): it is simply stale.
                current = session.scalar(
                    select(DesignRow.revision).where(DesignRow.id == design_id)
                )
                raise Conflict(current if current is not None else 0)
            moved = cast(
                CursorResult[Any],
                session.execute(
                    update(DesignRow)
                    .where(DesignRow.id == design_id, DesignRow.revision == expected)
                    .values(revision=expected + 1, updated_at=now)
                    .execution_options(synchronize_session=False)
                ),
            )
            if moved.rowcount != 1:
                current = session.scalar(
                    select(DesignRow.revision).where(DesignRow.id == design_id)
                )
                if current is None:
                    raise NotFound(design_id)
                raise Conflict(current)
            session.add(
                RevisionRow(
                    design_id=design_id,
                    number=expected + 1,
                    document=_dump(document),
                    created_at=now,
                )
            )
        return expected + 1

    def delete(self, design_id: str, key: str | None) -> None:
        with self._session.begin() as session:
            self._authorize(session, design_id, key)
            session.execute(delete(RevisionRow).where(RevisionRow.design_id == design_id))
            session.execute(delete(DesignRow).where(DesignRow.id == design_id))

    @staticmethod
    def _authorize(session: Session, design_id: str, key: str | None) -> None:
        stored = session.scalar(select(DesignRow.edit_key_hash).where(DesignRow.id == design_id))
        if stored is None:
            raise NotFound(design_id)
        if not key or not hmac.compare_digest(stored, hash_key(key)):
            raise Forbidden(design_id)

    # --- reads -------------------------------------------------------------------------

    def get(self, design_id: str, revision: int | None = None) -> StoredDesign:
        """The current revision, or the numbered one."""
        with self._session() as session:
            design = session.get(DesignRow, design_id)
            if design is None:
                raise NotFound(design_id)
            number = design.revision if revision is None else revision
            row = session.get(RevisionRow, (design_id, number))
            if row is None:
                raise NotFound(f"{design_id} revision {number}")
            return StoredDesign(
                id=design_id,
                revision=number,
                document=json.loads(row.document),
                created_at=_aware(design.created_at),
                updated_at=_aware(row.created_at if revision is not None else design.updated_at),
            )

    def revisions(self, design_id: str) -> list[RevisionInfo]:
        """The history, oldest first."""
        with self._session() as session:
            if session.get(DesignRow, design_id) is None:
                raise NotFound(design_id)
            rows = session.scalars(
                select(RevisionRow)
                .where(RevisionRow.design_id == design_id)
                .order_by(RevisionRow.number)
            ).all()
            out = []
            for row in rows:
                document = json.loads(row.document)
                out.append(
                    RevisionInfo(
                        number=row.number,
                        created_at=_aware(row.created_at),
                        name=str(document.get("name", "")),
                        layers=len(document.get("layers", [])),
                    )
                )
            return out

    def count(self) -> int:
        with self._session() as session:
            return int(session.scalar(select(func.count()).select_from(DesignRow)) or 0)


def _dump(document: dict[str, Any]) -> str:
    return json.dumps(document, ensure_ascii=False, allow_nan=False, separators=(",", ":"))
