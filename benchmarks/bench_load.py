"""Throughput under load: 16 concurrent clients against a real `netcanvas serve`, for a
trivial route (the machine's ceiling), /api/analyze of the ResNet-50 template (the
editor's repeated analyses hit the cache) and its SVG export, beside each other.

Targets (issue 19, this machine kind): analyze >= 300 req/s with p99 < 100 ms, export
SVG >= 60 req/s. The load generator runs on the same 2 cores, so these are lower bounds.
Run: .venv/bin/python benchmarks/bench_load.py [--workers N] [--seconds S]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

CLIENTS = 16


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def hammer(url: str, body: bytes | None, seconds: float) -> list[float]:
    """CLIENTS loops sending the same request for `seconds`; every latency, in seconds."""
    latencies: list[float] = []
    stop = time.monotonic() + seconds
    limits = httpx.Limits(max_connections=CLIENTS, max_keepalive_connections=CLIENTS)
    async with httpx.AsyncClient(limits=limits, timeout=60) as client:

        async def one() -> None:
            while time.monotonic() < stop:
                started = time.perf_counter()
                if body is None:
                    answer = await client.get(url)
                else:
                    answer = await client.post(
                        url, content=body, headers={"Content-Type": "application/json"}
                    )
                latencies.append(time.perf_counter() - started)
                if answer.status_code != 200:
                    raise RuntimeError(f"{url}: {answer.status_code} {answer.text[:200]}")

        await asyncio.gather(*(one() for _ in range(CLIENTS)))
    return latencies


def row(name: str, latencies: list[float], seconds: float) -> str:
    ordered = sorted(latencies)
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
    return (
        f"| {name} | {len(latencies) / seconds:,.0f} | {statistics.median(ordered) * 1000:.1f} "
        f"| {p99 * 1000:.1f} |"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--seconds", type=float, default=8.0)
    args = parser.parse_args()
    from netcanvas import templates
    from netcanvas.formats import native

    document = json.dumps(native.to_document(templates.get("resnet50").graph())).encode()
    port = free_port()
    with tempfile.TemporaryDirectory() as tmp:
        env = dict(os.environ, NETCANVAS_WORK_PROCESSES="2")
        server = subprocess.Popen(
            [sys.executable, "-m", "netcanvas", "serve", "--port", str(port), "--workers",
             str(args.workers), "--db", str(Path(tmp) / "load.db")],
            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        try:
            base = f"http://127.0.0.1:{port}"
            deadline = time.monotonic() + 60
            while True:
                try:
                    if httpx.get(f"{base}/healthz").status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
                if time.monotonic() > deadline:
                    raise RuntimeError("the server did not start")
                time.sleep(0.2)
            time.sleep(3)  # the work processes warm up
            results: list[tuple[str, Any]] = []
            for name, path, body in (
                ("GET /healthz (ceiling)", "/healthz", None),
                ("POST /api/analyze ResNet-50", "/api/analyze", document),
                ("POST /api/export/svg ResNet-50", "/api/export/svg", document),
            ):
                latencies = asyncio.run(hammer(base + path, body, args.seconds))
                results.append((name, latencies))
        finally:
            server.terminate()
            server.wait(20)
    print(f"{CLIENTS} concurrent clients, {args.seconds:g} s each, serve --workers "
          f"{args.workers}, 2 work processes each\n")  # fmt: skip
    print("| route | req/s | p50 ms | p99 ms |\n|---|---|---|---|")
    for name, latencies in results:
        print(row(name, latencies, args.seconds))


if __name__ == "__main__":
    main()
