"""`netcanvas summary` on large residual nets: whole process and in-process stages.

Target (issue 2): a 10,000-layer YAML residual net summarised in under 2 s.
Run: .venv/bin/python benchmarks/bench_summary.py
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from residual import residual_yaml  # noqa: E402


def best_of(n: int, fn) -> float:  # type: ignore[no-untyped-def]
    times = []
    for _ in range(n):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    from netcanvas.analysis import analyze
    from netcanvas.formats import native

    print(f"{'layers':>8} {'parse s':>9} {'analyze s':>10} {'process s':>10} {'target':>8}")
    for layers in (1_000, 10_000, 20_000):
        text = residual_yaml(layers)
        with tempfile.NamedTemporaryFile("w", suffix=".yaml", delete=False) as f:
            f.write(text)
        graph = native.load(text)
        parse = best_of(3, lambda text=text: native.load(text))
        infer = best_of(3, lambda graph=graph: analyze(graph))
        cmd = [sys.executable, "-m", "netcanvas", "summary", f.name, "--json"]
        process = best_of(3, lambda cmd=cmd: subprocess.run(cmd, capture_output=True, check=True))
        target = "< 2 s" if layers == 10_000 else ""
        print(f"{len(graph):>8} {parse:>9.3f} {infer:>10.3f} {process:>10.3f} {target:>8}")
        Path(f.name).unlink()


if __name__ == "__main__":
    main()
