"""One run, start to finish: read the document and the data, train, write the files.

``run_job`` is what the server's worker process runs and what ``netcanvas train`` calls
in-process. It reports everything through ``emit(kind, payload)``: ``progress``,
``metrics``, ``layers`` (statistics), ``artifact`` (name and bytes) and, last, ``status``.
"""

from __future__ import annotations

import os
import traceback
from collections.abc import Callable
from typing import Any

Emit = Callable[[str, dict[str, Any]], None]


def threads_for_cpu() -> int:
    """Small models train fastest on one thread per process: torch's intra-op threads
    spin against each other (and the server) for no gain at this size."""
    wanted = os.environ.get("NETCANVAS_TRAIN_THREADS")
    return max(1, int(wanted)) if wanted and wanted.isdigit() else 1


def run_job(spec: dict[str, Any], emit: Emit, should_stop: Callable[[], bool]) -> str:
    """Train the run described by ``spec`` (``document``, ``data``, ``config``); returns
    the final status, which is also emitted with any error."""
    try:
        status, error, note = _run(spec, emit, should_stop)
    except Exception as bug:  # a bug of ours: the run fails, the process lives on
        status, error, note = "failed", f"internal error: {type(bug).__name__}: {bug}", None
        emit("log", {"traceback": traceback.format_exc()})
    emit("status", {"status": status, "error": error, "note": note})
    return status


def _run(
    spec: dict[str, Any], emit: Emit, should_stop: Callable[[], bool]
) -> tuple[str, str | None, str | None]:
    import torch

    from netcanvas.formats import FormatError, native
    from netcanvas.train import artifacts
    from netcanvas.train.boundary import BoundaryWatcher, Watchers
    from netcanvas.train.datasets import DatasetError, load_dataset
    from netcanvas.train.runner import TrainConfig, train
    from netcanvas.train.setup import TrainError, prepare
    from netcanvas.train.stats import StatsWatcher

    torch.set_num_threads(threads_for_cpu())
    config = TrainConfig(**spec.get("config", {}))
    data = spec["data"]
    try:
        graph = native.from_document(spec["document"])
        dataset = load_dataset(
            data["name"], data.get("path"), data.get("settings"), seed=config.seed
        )
        prepared = prepare(graph, dataset, config.batch_size)
        every = int(spec.get("stats_every", 0) or 0)

        def watch(model: Any, sample: Any) -> Watchers:
            stats = StatsWatcher(model, prepared, sample, emit, every_steps=every)
            boundary = None
            if dataset.input_shape == [1, 2] and prepared.loss == "cross_entropy":
                batch = int(sample[0].shape[0])
                boundary = BoundaryWatcher(model, dataset.x, dataset.y, batch, emit)
            return Watchers(stats, boundary)

        result = train(prepared, dataset, config, emit, should_stop, on_model=watch)
    except (TrainError, DatasetError, FormatError) as refused:
        return "failed", str(refused), None
    files = {
        "metrics.csv": artifacts.metrics_csv(result.history),
        "model.pt": artifacts.state_dict_bytes(result.model),
        "train.py": artifacts.train_script(prepared, data, config),
    }
    try:
        files["model.onnx"] = artifacts.onnx_bytes(result.model, prepared)
    except Exception as refused:  # noqa: BLE001  (torch's exporter: the run still counts)
        emit("log", {"message": f"model.onnx could not be written: {refused}"})
    for name, payload in files.items():
        emit("artifact", {"name": name, "data": payload})
    if result.stopped == "cancelled":
        return "cancelled", None, "stopped by request"
    return "done", None, result.stopped
