"""`read_logs` on a ~100 MB TensorBoard log directory, beside tensorboard's EventAccumulator.

Target (issue 15): 100 MB of event files read, and imported into the editor (POST /api/logs
of the zipped folder: upload, unzip, read, runs stored), in under 5 s.
Run: .venv/bin/python benchmarks/bench_logs.py [--mb 100] [--runs 5] [--tb-full]

The log is written record by record like SummaryWriter writes it (Event protos from
tensorboard's event_pb2, TFRecord framing with masked CRC-32C) but with the checksums
computed in bulk, since SummaryWriter's pure-Python CRC would take minutes for 100 MB.
Each run has 40 scalar tags logged every step and a histogram every 500 steps.
EventAccumulator (no TensorFlow installed: the pure-Python record reader) is timed on one
run's directory and scaled to the whole log, unless --tb-full asks for all of it; both
readers' values are compared on that run.
"""

from __future__ import annotations

import argparse
import math
import struct
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

TAGS = (
    ["loss", "accuracy", "val_loss", "val_accuracy", "lr"]
    + [f"grad_norm/layer_{i:02d}" for i in range(20)]
    + [f"weight_norm/layer_{i:02d}" for i in range(15)]
)


def frame(payloads: list[bytes]) -> bytes:
    """TFRecord framing of many records, the CRCs computed in bulk."""
    from netcanvas.logs.crc32c import masked_crc32c_spans

    lengths = np.array([len(p) for p in payloads], dtype=np.int64)
    heads = [struct.pack("<Q", n) for n in lengths.tolist()]
    head_bytes = np.frombuffer(b"".join(heads), dtype=np.uint8)
    head_crc = masked_crc32c_spans(
        head_bytes, np.arange(len(heads), dtype=np.int64) * 8, np.full(len(heads), 8)
    )
    body = np.frombuffer(b"".join(payloads), dtype=np.uint8)
    starts = np.concatenate([[0], np.cumsum(lengths)[:-1]]).astype(np.int64)
    body_crc = masked_crc32c_spans(body, starts, lengths)
    return b"".join(
        h + struct.pack("<I", a) + p + struct.pack("<I", b)
        for h, a, p, b in zip(heads, head_crc.tolist(), payloads, body_crc.tolist(), strict=True)
    )


def write_run(folder: Path, megabytes: float, seed: int) -> int:
    """One run's event file of about ``megabytes``; returns its record count."""
    from tensorboard.compat.proto import event_pb2, summary_pb2

    folder.mkdir(parents=True)
    rng = np.random.default_rng(seed)
    payloads = [event_pb2.Event(wall_time=1.7e9, file_version="brain.Event:2").SerializeToString()]
    size, step = 0, 0
    buckets = rng.integers(0, 40, 60).astype(float)
    histogram = summary_pb2.HistogramProto(
        min=-1, max=1, num=1000, sum=0, sum_squares=330,
        bucket_limit=list(np.linspace(-1, 1, 60)), bucket=list(buckets),
    )  # fmt: skip
    while size < megabytes * 1e6:
        wall = 1.7e9 + step * 0.05
        noise = rng.normal(size=len(TAGS))
        for k, tag in enumerate(TAGS):
            value = math.exp(-step / 4000) * (1 + k / 10) + 0.01 * noise[k]
            summary = summary_pb2.Summary(
                value=[summary_pb2.Summary.Value(tag=tag, simple_value=value)]
            )
            payload = event_pb2.Event(wall_time=wall, step=step, summary=summary)
            payloads.append(payload.SerializeToString())
            size += len(payloads[-1]) + 16
        if step % 500 == 0:
            summary = summary_pb2.Summary(
                value=[summary_pb2.Summary.Value(tag="weights", histo=histogram)]
            )
            payloads.append(
                event_pb2.Event(wall_time=wall, step=step, summary=summary).SerializeToString()
            )
        step += 1
    (folder / "events.out.tfevents.1700000000.bench").write_bytes(frame(payloads))
    return len(payloads)


def time_tensorboard(folder: Path) -> tuple[float, dict[str, list[float]]]:
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    start = time.perf_counter()
    accumulator = EventAccumulator(str(folder), size_guidance={"scalars": 0})
    accumulator.Reload()
    values = {t: [e.value for e in accumulator.Scalars(t)] for t in accumulator.Tags()["scalars"]}
    return time.perf_counter() - start, values


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--mb", type=float, default=100.0, help="log size in MB")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--tb-full", action="store_true", help="time tensorboard on all runs")
    args = parser.parse_args()
    from netcanvas.logs import read_logs

    with tempfile.TemporaryDirectory() as temp:
        root = Path(temp) / "logs"
        start = time.perf_counter()
        records = sum(
            write_run(root / f"run_{i}", args.mb / args.runs, seed=i) for i in range(args.runs)
        )
        files = sorted(root.rglob("events.out.tfevents.*"))
        size = sum(f.stat().st_size for f in files) / 1e6
        print(f"wrote {size:.1f} MB, {records:,} records, {len(files)} files "
              f"in {time.perf_counter() - start:.1f} s", file=sys.stderr)  # fmt: skip

        read_logs([root / "run_0"])  # warm the imports (protobuf, numpy) before timing
        times = []
        for _ in range(3):
            start = time.perf_counter()
            runs = read_logs([root])
            times.append(time.perf_counter() - start)
        ours = min(times)
        points = sum(len(s) for r in runs for s in r.metrics.values())
        unchecked = min(_timed(lambda: read_logs([root], check_crc=False)) for _ in range(2))

        imported = time_editor_import(root, Path(temp))

        subset = root if args.tb_full else root / "run_0"
        subset_mb = sum(f.stat().st_size for f in subset.rglob("events.*")) / 1e6
        tb_seconds, tb_values = time_tensorboard(subset)
        tb_total = tb_seconds * size / subset_mb
        mine = read_logs([root / "run_0"], raw_names=True)[0]
        same = all(mine.metrics[t].values.tolist() == v for t, v in tb_values.items()) and set(
            tb_values
        ) == set(mine.metrics)

    print(f"{'reader':<44} {'MB':>7} {'seconds':>8} {'MB/s':>7} {'target':>7}")
    print(f"{'netcanvas read_logs (CRC checked)':<44} {size:>7.1f} {ours:>8.2f} "
          f"{size / ours:>7.1f} {'< 5 s':>7}")  # fmt: skip
    print(f"{'netcanvas read_logs (check_crc=False)':<44} {size:>7.1f} {unchecked:>8.2f} "
          f"{size / unchecked:>7.1f}")  # fmt: skip
    print(f"{'editor import: POST /api/logs of the zip':<44} {size:>7.1f} {imported:>8.2f} "
          f"{size / imported:>7.1f} {'< 5 s':>7}")  # fmt: skip
    label = "tensorboard EventAccumulator" + ("" if args.tb_full else f" ({subset_mb:.0f} MB)")
    print(f"{label:<44} {subset_mb:>7.1f} {tb_seconds:>8.2f} {subset_mb / tb_seconds:>7.1f}")
    if not args.tb_full:
        print(f"{'tensorboard EventAccumulator, scaled to all':<44} {size:>7.1f} {tb_total:>8.1f} "
              f"{subset_mb / tb_seconds:>7.1f}")  # fmt: skip
    print(f"{points:,} scalar points; speed-up {tb_total / ours:.0f}x; "
          f"values identical to tensorboard's on run_0: {same}")  # fmt: skip


def time_editor_import(root: Path, temp: Path) -> float:
    """What "Import logs…" costs with the folder zipped: upload, unzip, read, and the runs
    stored (chart rows and series files), through the app in this process."""
    import io
    import zipfile

    from fastapi.testclient import TestClient

    from netcanvas.api.app import create_app
    from netcanvas.api.settings import Settings

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as archive:
        for path in sorted(root.rglob("*")):
            if path.is_file():
                archive.write(path, path.relative_to(root).as_posix())
    body = buffer.getvalue()
    app = create_app(Settings(database_url=f"sqlite:///{temp / 'bench.db'}"))
    with TestClient(app) as client:
        start = time.perf_counter()
        answer = client.post("/api/logs?filename=logs.zip", content=body)
        seconds = time.perf_counter() - start
    if answer.status_code != 201:
        raise SystemExit(f"import failed: {answer.status_code} {answer.text[:300]}")
    return seconds


def _timed(fn) -> float:  # type: ignore[no-untyped-def]
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


if __name__ == "__main__":
    main()
