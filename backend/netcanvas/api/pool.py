"""Bounded work: the routes' work on untrusted input runs in worker processes, each with a
memory budget (``RLIMIT_AS``), under a time limit, and stopped when its client leaves.

A job that overruns or whose client disconnects gets its process killed and replaced;
the server process never waits on runaway work and its own memory never grows with a
hostile input. Workers are replaced after a number of jobs, so memory a job freed goes
back to the system. One pool serves every app of a process (``shared_pool``).
"""

from __future__ import annotations

import asyncio
import gc
import importlib
import multiprocessing as mp
import os
import queue
import threading
import time
import traceback
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

from fastapi import Request
from starlette.concurrency import run_in_threadpool

from netcanvas.api.errors import ApiError, log
from netcanvas.formats.base import FormatError, UnsupportedError

JOBS_PER_PROCESS = 200
# A work process this long without a job collects all its cyclic garbage.
QUIET_SECONDS = 1.0


class WorkError(Exception):
    """The work could not finish (time, memory, a crash): the route answers 413 / 503."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


def _worker(conn: Any, memory_bytes: int) -> None:  # pragma: no cover  (in the child)
    import resource

    if memory_bytes:
        resource.setrlimit(resource.RLIMIT_AS, (memory_bytes, memory_bytes))
    parent = os.getppid()
    threading.Thread(target=_exit_with(parent), daemon=True).start()
    work = importlib.import_module("netcanvas.work")
    from netcanvas.render import FigureError
    from netcanvas.service import InputShapeError

    # Imported before the first job, so no job's time limit pays for them.
    for module in (
        "netcanvas.analysis",
        "netcanvas.formats.native",
        "netcanvas.formats.caffe.reader",
        "netcanvas.formats.onnx.reader",
        "netcanvas.render.styles.graph",
        "cairosvg",
    ):
        importlib.import_module(module)
    # One tiny figure of each kind: the first layout loads igraph and the first text cairo
    # draws loads fontconfig (seconds with a cold cache), here rather than in a job.
    tiny = b'{"netcanvas": 1, "layers": [{"name": "x", "type": "Input", "shape": [1, 4]}]}'
    for kind in ("svg", "png"):
        work.export_document(tiny, None, kind, {}, True)
    conn.send(("ready", None))
    # The modules' objects are never garbage: out of every collection from here on.
    gc.freeze()

    while True:
        try:
            job = conn.recv()
        except (EOFError, OSError):
            return
        if job is None:
            return
        name, args = job
        # No cyclic collection while a job runs: a 50,000-layer import makes millions of
        # objects that all live until its answer is sent, and the collector would walk them
        # again and again (~0.5 s of a 2 s job). Its garbage is collected once the answer
        # is sent; the memory budget and the recycling after JOBS_PER_PROCESS still hold.
        gc.disable()
        try:
            answer: tuple[str, Any] = ("ok", getattr(work, name)(*args))
        except MemoryError:
            answer = ("memory", None)
        except FormatError as bad:
            answer = ("format", (type(bad).__name__, bad.message, bad.line, bad.column))
        except RecursionError:
            answer = ("format", ("FormatError", "the input is nested too deeply", 1, 1))
        except UnsupportedError as refused:
            answer = ("unsupported", str(refused))
        except InputShapeError as refused:
            answer = ("refused", f"input_shape: {refused}")
        except FigureError as refused:
            answer = ("refused", str(refused))
        except Exception as bug:  # noqa: BLE001  (reported, the worker lives on)
            answer = ("bug", (f"{type(bug).__name__}: {bug}", traceback.format_exc()))
        try:
            conn.send(answer)
        except MemoryError:
            conn.send(("memory", None))
        ok = answer[0] == "ok"
        del answer
        # What the job made and kept (an analysis's memory) is walked once here and becomes
        # old; a later edit's job then costs the collector nothing.
        gc.enable()
        gc.collect(1)
        if ok and not conn.poll():
            try:
                work.idle()
            except Exception:  # noqa: BLE001, S110  (only a head start for the next job)
                pass
        # A full collection (~0.1 s with a 50,000-layer analysis held) only when no job has
        # come for a while, so it never delays the next edit's answer.
        if not conn.poll(QUIET_SECONDS):
            gc.collect()


def _exit_with(parent: int) -> Any:
    def watch() -> None:  # pragma: no cover  (in the child)
        while os.getppid() == parent:
            time.sleep(1)
        os._exit(0)

    return watch


@dataclass
class _Worker:
    process: Any
    conn: Any
    jobs: int = 0


class _Idle:
    """The idle workers: a queue that can also hand out one chosen worker (the one that
    remembers the document an incremental analysis starts from)."""

    def __init__(self) -> None:
        self.items: list[_Worker] = []
        self.ready = threading.Condition()

    def put(self, worker: _Worker) -> None:
        with self.ready:
            self.items.append(worker)
            self.ready.notify()

    def qsize(self) -> int:
        return len(self.items)

    def get(self, timeout: float | None = None, prefer: int | None = None) -> _Worker:
        with self.ready:
            if not self.items and timeout:
                self.ready.wait_for(lambda: self.items, timeout)
            if not self.items:
                raise queue.Empty
            for i, worker in enumerate(self.items):
                if worker.process.pid == prefer:
                    return self.items.pop(i)
            return self.items.pop(0)

    def get_nowait(self, prefer: int | None = None) -> _Worker:
        return self.get(None, prefer)


class WorkPool:
    def __init__(self, processes: int, seconds: float, memory_mb: int) -> None:
        self.processes = max(1, processes)
        self.seconds = seconds
        self.memory_bytes = memory_mb * 1024 * 1024
        self.idle = _Idle()
        # Which worker answered a job with a given key (an analysis's ETag), so a job that
        # builds on it (`since`) goes to the process that remembers it when it is idle.
        self.homes: OrderedDict[str, int] = OrderedDict()
        self.slots = threading.BoundedSemaphore(self.processes)
        self.starting = 0  # workers being started in the background
        self.lock = threading.Lock()
        self.context = mp.get_context("spawn")  # never fork a threaded server

    def _spawn(self) -> _Worker:
        ours, theirs = self.context.Pipe()
        process = self.context.Process(
            target=_worker, args=(theirs, self.memory_bytes), name="netcanvas-work", daemon=True
        )
        process.start()
        theirs.close()
        # Wait until its imports are done (not counted in any job's time limit).
        if ours.poll(60):
            try:
                ours.recv()
            except (EOFError, OSError):
                pass
        return _Worker(process, ours)

    def _replace(self, worker: _Worker) -> None:
        """Kill a worker and start its successor at once, off the request's path."""
        self._discard(worker)
        self._start_in_background(1)

    def warm(self) -> None:
        """Start the worker processes now rather than on the first requests."""
        with self.lock:
            missing = self.processes - self.idle.qsize() - self.starting
        if missing > 0:
            self._start_in_background(missing)

    def _take(self, prefer: int | None = None) -> _Worker:
        try:
            worker = self.idle.get_nowait(prefer)
        except queue.Empty:
            with self.lock:
                starting = self.starting > 0
            if not starting:
                return self._spawn()
            try:  # one is starting in the background: wait for it rather than start two
                worker = self.idle.get(timeout=120)
            except queue.Empty:
                return self._spawn()
        return worker if worker.process.is_alive() else self._spawn()

    def _start_in_background(self, count: int) -> None:
        with self.lock:
            self.starting += count

        def start() -> None:
            for _ in range(count):
                try:
                    self.idle.put(self._spawn())
                finally:
                    with self.lock:
                        self.starting -= 1

        threading.Thread(target=start, name="netcanvas-work-spawn", daemon=True).start()

    @staticmethod
    def _discard(worker: _Worker) -> None:
        if worker.process.is_alive():
            worker.process.kill()
        worker.process.join(timeout=2)
        worker.conn.close()

    def run(
        self,
        name: str,
        args: tuple[Any, ...],
        cancel: threading.Event,
        since: str | None = None,
        home: str | None = None,
    ) -> Any:
        """Run ``netcanvas.work.<name>(*args)`` in a worker; blocks this thread only.

        ``since``: the key of an earlier job whose worker should take this one if it is
        idle; ``home``: this job's own key, remembered with the worker that ran it.
        """
        with self.slots:
            with self.lock:
                prefer = self.homes.get(since) if since else None
            worker = self._take(prefer)
            try:
                worker.conn.send((name, args))
                deadline = time.monotonic() + self.seconds
                while not worker.conn.poll(0.05):
                    if cancel.is_set():
                        raise WorkError(499, "the client went away")
                    if time.monotonic() > deadline:
                        raise WorkError(
                            503,
                            f"the work took longer than {self.seconds:g} s "
                            "(setting NETCANVAS_WORK_SECONDS)",
                        )
                    if not worker.process.is_alive():
                        raise WorkError(503, self._died())
                status, payload = worker.conn.recv()
            except WorkError:
                self._replace(worker)
                raise
            except (EOFError, OSError):
                self._replace(worker)
                raise WorkError(503, self._died()) from None
            worker.jobs += 1
            if home and status == "ok":
                with self.lock:
                    self.homes[home] = worker.process.pid
                    self.homes.move_to_end(home)
                    while len(self.homes) > 256:
                        self.homes.popitem(last=False)
            if worker.jobs >= JOBS_PER_PROCESS or status == "memory":
                self._discard(worker)
            else:
                self.idle.put(worker)
        return _answer(status, payload, self.memory_bytes)

    def _died(self) -> str:
        return (
            "the work stopped before it finished (it needed more than its memory budget of "
            f"{self.memory_bytes // 2**20} MB, setting NETCANVAS_WORK_MEMORY_MB, or crashed)"
        )

    async def call(
        self,
        request: Request | None,
        name: str,
        *args: Any,
        since: str | None = None,
        home: str | None = None,
    ) -> Any:
        """Run the job off the event loop; a client that disconnects stops it."""
        cancel = threading.Event()

        async def watch() -> None:
            while request is not None and not cancel.is_set():
                if await request.is_disconnected():
                    cancel.set()
                    return
                await asyncio.sleep(0.25)

        watcher = asyncio.create_task(watch())
        try:
            return await run_in_threadpool(self.run, name, args, cancel, since, home)
        except WorkError as failed:
            raise ApiError(failed.status if failed.status != 499 else 503, str(failed)) from None
        finally:
            cancel.set()
            watcher.cancel()

    def close(self) -> None:
        while True:
            try:
                self._discard(self.idle.get_nowait())
            except queue.Empty:
                return


def _answer(status: str, payload: Any, memory_bytes: int) -> Any:
    if status == "ok":
        return payload
    if status == "memory":
        raise ApiError(
            413,
            f"the work needed more than its memory budget of {memory_bytes // 2**20} MB "
            "(setting NETCANVAS_WORK_MEMORY_MB)",
        )
    if status == "format":
        _, message, line, column = payload
        raise FormatError(message, line, column)
    if status in ("unsupported", "refused"):
        raise ApiError(422, payload, line=1, column=1)
    message, trace = payload
    log.error("work failed: %s\n%s", message, trace)
    raise ApiError(422, f"netcanvas could not handle this input ({message})")


_POOLS: dict[tuple[int, float, int], WorkPool] = {}
_POOLS_LOCK = threading.Lock()


def shared_pool(processes: int, seconds: float, memory_mb: int) -> WorkPool:
    """One pool per process and settings: every app of a test session shares it."""
    key = (processes, seconds, memory_mb)
    with _POOLS_LOCK:
        if key not in _POOLS:
            _POOLS[key] = WorkPool(processes, seconds, memory_mb)
        return _POOLS[key]
