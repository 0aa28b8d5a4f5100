"""`nc.from_torch` on torchvision models: the default (meta-device) trace, the real-pass
trace, the model's own forward pass, and torchview's draw_graph when it is installed.

Target (issue 16): from_torch of resnet50 in under 1 s on 2 CPU cores.
Needs torchvision, so it runs in the model zoo's Python (`make zoo`; NETCANVAS_ZOO_PYTHON
names another); it re-runs itself there when the current Python has no torchvision.
Run: .venv/bin/python benchmarks/bench_from_torch.py
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
MODELS = ("resnet50", "mobilenet_v2", "densenet121", "vit_b_16", "swin_t")


def best_of(n: int, fn: Any) -> float:
    times = []
    for _ in range(n):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    import torch
    import torchvision

    import netcanvas as nc

    torch.set_num_threads(2)
    try:
        from torchview import draw_graph
    except ImportError:
        draw_graph = None
    print(f"{'model':<14} {'from_torch s':>12} {'real pass s':>12} {'forward s':>10} "
          f"{'torchview s':>12} {'target':>8}")  # fmt: skip
    for name in MODELS:
        model = getattr(torchvision.models, name)(weights=None).eval()
        x = torch.randn(1, 3, 224, 224)
        with torch.no_grad():
            forward = best_of(2, lambda m=model, x=x: m(x))
        fast = best_of(3, lambda m=model, x=x: nc.from_torch(m, x))
        real = best_of(2, lambda m=model, x=x: nc.from_torch(m, x, meta=False))
        view = "n/a"
        if draw_graph is not None:
            drawn = best_of(2, lambda m=model, x=x: draw_graph(m, input_data=x, depth=99))
            view = f"{drawn:.3f}"
        target = ("< 1 s " + ("ok" if fast < 1 else "MISSED")) if name == "resnet50" else ""
        print(f"{name:<14} {fast:>12.3f} {real:>12.3f} {forward:>10.3f} {view:>12} {target:>8}")


if __name__ == "__main__":
    try:
        import torchvision  # noqa: F401
    except ImportError:
        zoo = Path(os.environ.get("NETCANVAS_ZOO_PYTHON", ROOT / ".venv-zoo" / "bin" / "python"))
        if not zoo.exists():
            print(f"skipped: torchvision is not here and the zoo's Python is not at {zoo}")
            sys.exit(0)
        env = {**os.environ, "PYTHONPATH": str(ROOT / "backend"), "OMP_NUM_THREADS": "2"}
        sys.exit(subprocess.run([str(zoo), __file__], env=env, check=False).returncode)
    main()
