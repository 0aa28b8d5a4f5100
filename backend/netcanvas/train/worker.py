"""Runs train in a worker process; the server only queues, records and relays.

One worker process trains one run at a time (a queue beyond it) and stays alive between
runs, so torch and the data libraries are imported once, not per run. The server side
(``RunManager``) keeps the queue, writes what the worker reports into the run store,
and hands live events to whoever listens (the server-sent events route). A run that is
cancelled stops between two steps; one that does not stop in time, hangs or overruns its
time limit gets its process killed (and a fresh one started): the server never waits on
runaway work. Importing this module does not import torch.
"""

from __future__ import annotations

import multiprocessing as mp
import queue
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from multiprocessing.synchronize import Event as MpEvent
from typing import Any

from netcanvas.store.runs import RunStore

# Seconds a cancelled run gets to stop by itself before its process is killed.
CANCEL_GRACE = 5.0
# Beyond the run's own time limit, how long before the watchdog kills the process.
OVERRUN_GRACE = 30.0
# Worker processes are replaced after this many runs (memory comes back to the system).
RUNS_PER_PROCESS = 20

Listener = Callable[[str, dict[str, Any]], None]


def _worker_main(tasks: Any, events: Any, stop: MpEvent) -> None:
    """The worker process: take a run, train it, report, repeat until told to quit."""
    from netcanvas.train.job import run_job

    _exit_with_parent()
    while True:
        spec = tasks.get()
        if spec is None:
            return
        run_id = spec["id"]
        stop.clear()

        def emit(kind: str, payload: dict[str, Any], run_id: str = run_id) -> None:
            events.put((run_id, kind, payload))

        run_job(spec, emit, stop.is_set)


def _exit_with_parent() -> None:
    """A server killed with SIGKILL cannot stop its worker: the worker notices instead."""
    import os

    parent = os.getppid()

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(0.5)
        os._exit(0)

    threading.Thread(target=watch, name="parent-watch", daemon=True).start()


@dataclass
class _Current:
    run_id: str
    started: float
    deadline: float | None
    cancel_at: float | None = None


@dataclass
class RunManager:
    """Queues runs, drives the worker process, records and relays what it reports."""

    store: RunStore
    max_seconds: float | None = None
    max_queue: int = 100
    _pending: deque[dict[str, Any]] = field(default_factory=deque)
    _current: _Current | None = None
    _listeners: dict[str, set[Listener]] = field(default_factory=dict)
    _lock: threading.RLock = field(default_factory=threading.RLock)
    _process: Any = None
    _tasks: Any = None
    _events: Any = None
    _stop: Any = None
    _thread: threading.Thread | None = None
    _closing: bool = False
    _runs_in_process: int = 0

    # --- the server's side ---------------------------------------------------------

    def submit(self, spec: dict[str, Any]) -> str:
        """Queue a run (``spec`` has ``id``, ``document``, ``data``, ``config``)."""
        with self._lock:
            if len(self._pending) >= self.max_queue:
                raise OverflowError(f"{self.max_queue} runs are already waiting")
            self._pending.append(spec)
            self._ensure_thread()
        return str(spec["id"])

    def cancel(self, run_id: str) -> bool:
        """Stop a queued or running run; False if it is neither."""
        with self._lock:
            for spec in list(self._pending):
                if spec["id"] == run_id:
                    self._pending.remove(spec)
                    self.store.set_status(run_id, "cancelled", note="cancelled before it started")
                    self._publish(run_id, "status", {"status": "cancelled", "error": None})
                    return True
            if self._current is not None and self._current.run_id == run_id:
                if self._stop is not None:
                    self._stop.set()
                if self._current.cancel_at is None:
                    self._current.cancel_at = time.monotonic() + CANCEL_GRACE
                return True
        return False

    def listen(self, run_id: str, listener: Listener) -> Callable[[], None]:
        """Call ``listener(kind, payload)`` for the run's live events; returns an unsubscribe."""
        with self._lock:
            self._listeners.setdefault(run_id, set()).add(listener)

        def stop() -> None:
            with self._lock:
                self._listeners.get(run_id, set()).discard(listener)

        return stop

    def is_active(self, run_id: str) -> bool:
        with self._lock:
            current = self._current is not None and self._current.run_id == run_id
            return current or any(s["id"] == run_id for s in self._pending)

    def close(self) -> None:
        """Stop at once: the current run is marked interrupted, the process is killed."""
        with self._lock:
            self._closing = True
            if self._current is not None:
                self.store.set_status(
                    self._current.run_id, "interrupted", note="the server stopped during the run"
                )
                self._current = None
            for spec in self._pending:
                self.store.set_status(spec["id"], "interrupted", note="the server stopped")
            self._pending.clear()
            self._kill()

    # --- the manager thread ------------------------------------------------------------

    def _ensure_thread(self) -> None:
        if self._thread is None or not self._thread.is_alive():
            self._thread = threading.Thread(target=self._loop, name="netcanvas-runs", daemon=True)
            self._thread.start()

    def _loop(self) -> None:
        while not self._closing:
            with self._lock:
                if self._current is None and self._pending:
                    self._start(self._pending.popleft())
                idle = self._current is None and not self._pending
            if idle:
                return  # a new submit starts the thread again
            try:
                run_id, kind, payload = self._events.get(timeout=0.2)
            except queue.Empty:
                self._watch()
                continue
            except (EOFError, OSError):
                self._lost("the training process stopped unexpectedly")
                continue
            self._record(run_id, kind, payload)
            self._watch()

    def _start(self, spec: dict[str, Any]) -> None:
        self._ensure_process()
        now = time.monotonic()
        limit = spec.get("config", {}).get("max_seconds") or self.max_seconds
        deadline = now + float(limit) + OVERRUN_GRACE if limit else None
        self._current = _Current(spec["id"], now, deadline)
        self.store.set_status(spec["id"], "running")
        self._publish(spec["id"], "status", {"status": "running", "error": None})
        self._tasks.put(spec)
        self._runs_in_process += 1

    def _record(self, run_id: str, kind: str, payload: dict[str, Any]) -> None:
        try:
            if kind == "metrics":
                self.store.add_metrics(run_id, int(payload["epoch"]), payload)
            elif kind == "layers" and payload.get("step") is None:
                self.store.add_layer_stats(run_id, int(payload["epoch"]), payload["layers"])
            elif kind == "artifact":
                self.store.add_artifact(run_id, payload["name"], payload["data"])
                payload = {"name": payload["name"]}
            elif kind == "status":
                self.store.set_status(
                    run_id, payload["status"], payload.get("error"), payload.get("note")
                )
        finally:
            if kind == "status":
                with self._lock:
                    if self._current is not None and self._current.run_id == run_id:
                        self._current = None
                    if self._runs_in_process >= RUNS_PER_PROCESS:
                        self._kill()
        if kind != "log":
            self._publish(run_id, kind, payload)

    def _watch(self) -> None:
        """Kill what overruns: a cancel not honoured in time, a run past its limit, a dead
        process."""
        with self._lock:
            current = self._current
            if current is None:
                return
            now = time.monotonic()
            if self._process is not None and not self._process.is_alive():
                code = self._process.exitcode
                self._lost(f"the training process stopped unexpectedly (exit code {code})")
            elif current.cancel_at is not None and now > current.cancel_at:
                self._kill()
                self._finish(current.run_id, "cancelled", None, "stopped by request (killed)")
            elif current.deadline is not None and now > current.deadline:
                self._kill()
                self._finish(current.run_id, "failed", "the run overran its time limit", None)

    def _lost(self, why: str) -> None:
        with self._lock:
            current = self._current
            self._kill()
            if current is not None:
                self._finish(current.run_id, "failed", why, None)

    def _finish(self, run_id: str, status: str, error: str | None, note: str | None) -> None:
        self.store.set_status(run_id, status, error, note)
        self._current = None
        self._publish(run_id, "status", {"status": status, "error": error, "note": note})

    def _publish(self, run_id: str, kind: str, payload: dict[str, Any]) -> None:
        with self._lock:
            listeners = list(self._listeners.get(run_id, ()))
        for listener in listeners:
            listener(kind, payload)

    # --- the process -------------------------------------------------------------------

    def _ensure_process(self) -> None:
        if self._process is not None and self._process.is_alive():
            return
        context = mp.get_context("spawn")  # no fork of a threaded server
        self._tasks, self._events, self._stop = context.Queue(), context.Queue(), context.Event()
        self._process = context.Process(
            target=_worker_main,
            args=(self._tasks, self._events, self._stop),
            name="netcanvas-train",
            daemon=True,
        )
        self._process.start()
        self._runs_in_process = 0

    def _kill(self) -> None:
        process, self._process = self._process, None
        if process is None:
            return
        if process.is_alive():
            process.kill()
        process.join(timeout=5)
        for channel in (self._tasks, self._events):
            if channel is not None:
                channel.cancel_join_thread()
                channel.close()
        self._tasks = self._events = self._stop = None
