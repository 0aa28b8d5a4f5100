"""Throughput under load: 16 concurrent clients against a real `netcanvas serve`, for a
trivial route (the machine's ceiling), /api/analyze of the ResNet-50 template (the
editor's repeated analyses hit the cache) and its SVG export, beside each other.

Targets (issue 19, this machine kind): analyze >= 300 req/s with p99 < 100 ms, export
SVG >= 60 req/s. The load generator runs on the same 2 cores, so these are lower bounds.

The load comes from wrk (Debian's `wrk` package) when it is installed: a Python client
(httpx, kept as the fallback) spends more CPU per request than the server's cached analysis,
so with it the table measures the client (about 360 req/s on /healthz here).
Run: .venv/bin/python benchmarks/bench_load.py [--workers N] [--seconds S]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

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


def with_httpx(url: str, body: bytes | None, seconds: float) -> tuple[float, float, float]:
    """(req/s, p50 ms, p99 ms) with the Python client."""
    latencies = sorted(asyncio.run(hammer(url, body, seconds)))
    p99 = latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))]
    return len(latencies) / seconds, statistics.median(latencies) * 1000, p99 * 1000


WRK_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0}


def with_wrk(url: str, body: bytes | None, seconds: float) -> tuple[float, float, float]:
    """(req/s, p50 ms, p99 ms) from wrk, two threads holding CLIENTS connections."""
    with tempfile.TemporaryDirectory() as tmp:
        command = ["wrk", "-t2", f"-c{CLIENTS}", f"-d{seconds:g}s", "--latency"]
        if body is not None:
            (Path(tmp) / "body.json").write_bytes(body)
            script = Path(tmp) / "post.lua"
            script.write_text(
                f'local f = io.open("{tmp}/body.json", "rb"); wrk.body = f:read("*a"); f:close()\n'
                'wrk.method = "POST"; wrk.headers["Content-Type"] = "application/json"\n'
            )
            command += ["-s", str(script)]
        out = subprocess.run(command + [url], capture_output=True, text=True, check=True).stdout
    if "Non-2xx" in out or "Socket errors" in out:
        raise RuntimeError(f"{url}: failed requests under load\n{out}")

    def percentile(label: str) -> float:
        found = re.search(rf"^\s*{label}%\s+([\d.]+)(us|ms|s)$", out, re.MULTILINE)
        assert found, out
        return float(found.group(1)) * WRK_UNITS[found.group(2)]

    rate = re.search(r"^Requests/sec:\s+([\d.]+)", out, re.MULTILINE)
    assert rate, out
    return float(rate.group(1)), percentile("50"), percentile("99")


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
            load = with_wrk if shutil.which("wrk") else with_httpx
            results: list[tuple[str, tuple[float, float, float]]] = []
            for name, path, body in (
                ("GET /healthz (ceiling)", "/healthz", None),
                ("POST /api/analyze ResNet-50", "/api/analyze", document),
                ("POST /api/export/svg ResNet-50", "/api/export/svg", document),
            ):
                load(base + path, body, 1)  # warm up: caches filled, every process busy once
                results.append((name, load(base + path, body, args.seconds)))
        finally:
            server.terminate()
            server.wait(20)
    client = "wrk" if load is with_wrk else "httpx (install wrk for the server's numbers)"
    print(f"{CLIENTS} concurrent clients ({client}), {args.seconds:g} s each, serve --workers "
          f"{args.workers}, 2 work processes each\n")  # fmt: skip
    print("| route | req/s | p50 ms | p99 ms |\n|---|---|---|---|")
    for name, (rate, p50, p99) in results:
        print(f"| {name} | {rate:,.0f} | {p50:.1f} | {p99:.1f} |")


if __name__ == "__main__":
    main()
