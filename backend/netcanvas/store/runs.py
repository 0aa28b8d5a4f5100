"""Training runs: their settings, status, per-epoch metrics, files and layer statistics,
in the same database as the designs.

A run's status moves queued -> running -> done | failed | cancelled; a server that stops
mid-run marks it ``interrupted`` when it starts again (``mark_interrupted``). Imported
logs are runs with status ``imported``. Everything a finished run wrote stays as it was.
"""

from __future__ import annotations

import json
import os
import secrets
import socket
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session, sessionmaker

from netcanvas.store.designs import make_engine
from netcanvas.store.tables import (
    Base,
    RunArtifactRow,
    RunLayerStatRow,
    RunMetricRow,
    RunRow,
)

OWNER = f"{socket.gethostname()}:{os.getpid()}"
STATUSES = ("queued", "running", "done", "failed", "cancelled", "interrupted", "imported")
FINISHED = ("done", "failed", "cancelled", "interrupted", "imported")


class RunNotFound(Exception):
    """No run under that id (or no such file of it)."""


@dataclass
class StoredRun:
    id: str
    status: str
    name: str
    document: dict[str, Any]
    config: dict[str, Any]
    data: dict[str, Any]
    design: dict[str, Any] | None
    error: str | None
    note: str | None
    created_at: datetime
    updated_at: datetime
    metrics: list[dict[str, Any]] = field(default_factory=list)
    artifacts: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "status": self.status,
            "name": self.name,
            "config": self.config,
            "data": self.data,
            "design": self.design,
            "error": self.error,
            "note": self.note,
            "created_at": self.created_at.isoformat(),
            "updated_at": self.updated_at.isoformat(),
            "metrics": self.metrics,
            "artifacts": self.artifacts,
        }


def _gone(owner: str | None, host: str) -> bool:
    """Whether the process that owns a run has stopped (unknown owners count as gone)."""
    if not owner or ":" not in owner:
        return True
    their_host, _, pid = owner.rpartition(":")
    if their_host != host or not pid.isdigit():
        return their_host == host
    if int(pid) == os.getpid():
        return False  # ours, and we are alive
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False


def _now() -> datetime:
    return datetime.now(UTC)


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


class RunStore:
    """Runs in one database; safe to share between threads (each call its own session)."""

    def __init__(self, url: str) -> None:
        self.engine = make_engine(url)
        self._session = sessionmaker(self.engine, expire_on_commit=False)

    def create_schema(self) -> None:
        Base.metadata.create_all(self.engine)

    def close(self) -> None:
        self.engine.dispose()

    # --- writes ------------------------------------------------------------------------

    def create(
        self,
        document: dict[str, Any],
        config: dict[str, Any],
        data: dict[str, Any],
        design: dict[str, Any] | None = None,
        status: str = "queued",
        name: str | None = None,
    ) -> str:
        run_id = secrets.token_urlsafe(9)
        now = _now()
        with self._session.begin() as session:
            session.add(
                RunRow(
                    id=run_id,
                    status=status,
                    design_id=(design or {}).get("id"),
                    design_revision=(design or {}).get("revision"),
                    name=(name or str(document.get("name") or "network"))[:200],
                    document=json.dumps(document),
                    config=json.dumps(config),
                    data=json.dumps(data),
                    owner=OWNER if status in ("queued", "running") else None,
                    created_at=now,
                    updated_at=now,
                )
            )
        return run_id

    def set_status(
        self, run_id: str, status: str, error: str | None = None, note: str | None = None
    ) -> None:
        values: dict[str, Any] = {"status": status, "updated_at": _now()}
        if error is not None:
            values["error"] = error
        if note is not None:
            values["note"] = note
        with self._session.begin() as session:
            session.execute(update(RunRow).where(RunRow.id == run_id).values(**values))

    def add_metrics(self, run_id: str, epoch: int, metrics: dict[str, float]) -> None:
        with self._session.begin() as session:
            for name, value in metrics.items():
                if name in ("epoch", "wall"):
                    continue
                session.merge(RunMetricRow(run_id=run_id, epoch=epoch, name=name, value=value))

    def add_series(self, run_id: str, rows: dict[tuple[int, str], float]) -> None:
        """Many metric values at once ({(epoch or step, name): value}): an imported log."""
        # The driver's own executemany: a 100 MB log keeps ~400,000 chart points, and the
        # ORM's (then Core's) per-row bookkeeping made storing them the slowest step of an
        # import (7 s, then 4 s; the driver alone, well under one).
        marks = "?, ?, ?, ?" if self.engine.dialect.paramstyle == "qmark" else "%s, %s, %s, %s"
        table = RunMetricRow.__tablename__
        sql = f"INSERT INTO {table} (run_id, epoch, name, value) VALUES ({marks})"
        with self.engine.begin() as connection:
            connection.exec_driver_sql(
                sql, [(run_id, epoch, name, value) for (epoch, name), value in rows.items()]
            )

    def add_artifact(self, run_id: str, name: str, data: bytes) -> None:
        with self._session.begin() as session:
            session.merge(RunArtifactRow(run_id=run_id, name=name, data=data))

    def add_layer_stats(self, run_id: str, epoch: int, layers: dict[str, Any]) -> None:
        with self._session.begin() as session:
            for layer, value in layers.items():
                session.merge(
                    RunLayerStatRow(run_id=run_id, epoch=epoch, layer=layer, data=json.dumps(value))
                )

    def mark_interrupted(self) -> int:
        """Runs left running or queued by a server process of this machine that is gone:
        now ``interrupted`` (a sibling worker process's runs are left alone)."""
        host = OWNER.split(":")[0]
        with self._session.begin() as session:
            rows = session.execute(
                select(RunRow.id, RunRow.owner).where(RunRow.status.in_(("queued", "running")))
            ).all()
            gone = [run_id for run_id, owner in rows if _gone(owner, host)]
            if gone:
                session.execute(
                    update(RunRow)
                    .where(RunRow.id.in_(gone))
                    .values(status="interrupted", note="the server stopped during the run")
                )
        return len(gone)

    def delete(self, run_id: str) -> None:
        with self._session.begin() as session:
            gone = session.execute(delete(RunRow).where(RunRow.id == run_id))
            if not getattr(gone, "rowcount", 0):
                raise RunNotFound(run_id)

    # --- reads -------------------------------------------------------------------------

    def get(self, run_id: str) -> StoredRun:
        with self._session() as session:
            row = session.get(RunRow, run_id)
            if row is None:
                raise RunNotFound(run_id)
            run = self._stored(row)
            run.metrics = [
                {"epoch": m.epoch, "name": m.name, "value": m.value}
                for m in session.scalars(
                    select(RunMetricRow)
                    .where(RunMetricRow.run_id == run_id)
                    .order_by(RunMetricRow.epoch, RunMetricRow.name)
                )
            ]
            run.artifacts = list(
                session.scalars(
                    select(RunArtifactRow.name)
                    .where(RunArtifactRow.run_id == run_id)
                    .order_by(RunArtifactRow.name)
                )
            )
            return run

    def find(self, design_id: str | None = None, limit: int = 200) -> list[StoredRun]:
        with self._session() as session:
            query = select(RunRow).order_by(RunRow.created_at.desc()).limit(limit)
            if design_id is not None:
                query = query.where(RunRow.design_id == design_id)
            return [self._stored(row) for row in session.scalars(query)]

    def artifact(self, run_id: str, name: str) -> bytes:
        with self._session() as session:
            row = session.get(RunArtifactRow, (run_id, name))
            if row is None:
                raise RunNotFound(f"{run_id}/{name}")
            return bytes(row.data)

    def layer_stats(
        self, run_id: str, epoch: int | None = None
    ) -> tuple[int | None, dict[str, Any]]:
        """One epoch's statistics per layer (the latest epoch by default)."""
        with self._session() as session:
            if session.get(RunRow, run_id) is None:
                raise RunNotFound(run_id)
            if epoch is None:
                epochs = session.scalars(
                    select(RunLayerStatRow.epoch)
                    .where(RunLayerStatRow.run_id == run_id)
                    .order_by(RunLayerStatRow.epoch.desc())
                    .limit(1)
                )
                epoch = next(iter(epochs), None)
                if epoch is None:
                    return None, {}
            rows = session.scalars(
                select(RunLayerStatRow).where(
                    RunLayerStatRow.run_id == run_id, RunLayerStatRow.epoch == epoch
                )
            )
            return epoch, {row.layer: json.loads(row.data) for row in rows}

    def layer_history(self, run_id: str, layer: str) -> list[tuple[int, dict[str, Any]]]:
        with self._session() as session:
            rows = session.scalars(
                select(RunLayerStatRow)
                .where(RunLayerStatRow.run_id == run_id, RunLayerStatRow.layer == layer)
                .order_by(RunLayerStatRow.epoch)
            )
            return [(row.epoch, json.loads(row.data)) for row in rows]

    @staticmethod
    def _stored(row: RunRow) -> StoredRun:
        design = {"id": row.design_id, "revision": row.design_revision} if row.design_id else None
        return StoredRun(
            id=row.id,
            status=row.status,
            name=row.name,
            document=json.loads(row.document),
            config=json.loads(row.config),
            data=json.loads(row.data),
            design=design,
            error=row.error,
            note=row.note,
            created_at=_aware(row.created_at),
            updated_at=_aware(row.updated_at),
        )


__all__ = ["FINISHED", "STATUSES", "RunNotFound", "RunStore", "StoredRun", "Session"]
