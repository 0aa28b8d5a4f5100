"""Figure rendering speed against Graphviz `dot` on the same graphs.

    .venv/bin/python benchmarks/bench_render.py

Rows: ResNet-152 (Caffe corpus) rendered in-process stage by stage, as a whole
`netcanvas render` process (interpreter start included), and `dot -Tsvg` on a DOT file
with the same boxes and labels (a whole process too); then a 3,000-layer residual net,
ours against dot, both in-process and as a whole process; then a 50,000-layer net whose
blocks are modules (`scope`), drawn with `--depth 1`, against dot on the graph that
depth draws. Times are medians: the machine may be shared.
Targets (issues 4 and 17): ResNet-152 in-process < 300 ms, as a process no slower than dot;
3,000 layers >= 5x faster than dot as a process; 50k at --depth 1 in seconds.

The processes run with bytecode caching on (an installed package has its .pyc files), even
when this script runs under PYTHONDONTWRITEBYTECODE: otherwise every start compiles the
package from source, which no user pays.
"""

from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

# This checkout's package, also in the timed processes: an installed (editable) netcanvas
# may be another checkout's.
BACKEND = Path(__file__).resolve().parents[1] / "backend"
sys.path[:0] = [str(Path(__file__).resolve().parent), str(BACKEND)]

from residual import residual_yaml, scoped_yaml  # noqa: E402

from netcanvas import formats  # noqa: E402
from netcanvas.analysis import Analysis, analyze  # noqa: E402
from netcanvas.graph.model import Graph  # noqa: E402
from netcanvas.graph.shapes import fmt  # noqa: E402
from netcanvas.render import FigureOptions, build_scene, export_figure  # noqa: E402
from netcanvas.render.depth import collapse  # noqa: E402
from netcanvas.render.svg import to_svg  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
RESNET152 = ROOT.parent / "shared" / "corpus" / "caffe" / "resnet152_deploy.prototxt"


def best_of(runs: int, fn: Callable[[], object]) -> float:
    """Median wall time in seconds (the machine is shared: the median is steadier)."""
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def to_dot(graph: Graph, analysis: Analysis) -> str:
    """The same boxes and labels as our graph style, for Graphviz."""
    lines = ["digraph G {", '  node [shape=box, style=rounded, fontname="DejaVu Sans"];']
    for node in graph.nodes:
        result = analysis.get(node.name)
        shape = ", ".join(fmt(s) for s in result.output_shapes) if result else "?"
        label = f"{node.name}\\n{node.type}\\n{shape}".replace('"', "'")
        lines.append(f'  "{node.name}" [label="{label}"];')
    names = graph.names()
    for node in graph.nodes:
        for ref in node.inputs:
            src = ref if ref in names else ref.rsplit(":", 1)[0]
            lines.append(f'  "{src}" -> "{node.name}";')
    lines.append("}")
    return "\n".join(lines) + "\n"


def time_dot(dot_text: str) -> float:
    with tempfile.NamedTemporaryFile("w", suffix=".dot", delete=False) as handle:
        handle.write(dot_text)
    try:
        return best_of(
            3,
            lambda: subprocess.run(
                ["dot", "-Tsvg", handle.name, "-o", "/dev/null"], check=True, capture_output=True
            ),
        )
    finally:
        Path(handle.name).unlink()


def stages(data: bytes, name: str) -> dict[str, float]:
    """Median time of each stage, and of the whole in-process render."""
    options = FigureOptions()
    graph = formats.read(data, name)
    analysis = analyze(graph)
    scene = build_scene(graph, options, analysis)
    return {
        "parse": best_of(5, lambda: formats.read(data, name)),
        "infer": best_of(5, lambda: analyze(graph)),
        "layout + scene": best_of(5, lambda: build_scene(graph, options, analysis)),
        "SVG": best_of(5, lambda: to_svg(scene)),
        "total": best_of(5, lambda: render(data, name, options)),
    }


def render(data: bytes, name: str, options: FigureOptions) -> bytes:
    """Parse, infer, lay out and write the SVG: what `netcanvas render` does in-process."""
    graph = formats.read(data, name)
    return export_figure(graph, "svg", options, analyze(graph))


def process_time(path: Path, runs: int = 7, *extra: str) -> float:
    """The command a user types, `netcanvas render FILE -o fig.svg`, interpreter start included."""
    script = Path(sys.executable).with_name("netcanvas")
    entry = [str(script)] if script.is_file() else [sys.executable, "-m", "netcanvas"]
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(BACKEND), env.get("PYTHONPATH")]))
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "fig.svg"
        command = [*entry, "render", str(path), "-o", str(out), *extra]
        subprocess.run(command, check=True, env=env)  # warm the bytecode cache
        return best_of(runs, lambda: subprocess.run(command, check=True, env=env))


def row(label: str, ours: float, target: str = "", dot: float | None = None) -> None:
    dot_text = f"{dot * 1000:9.0f} ms" if dot is not None else " " * 12
    ratio = f"{dot / ours:6.1f}×" if dot is not None else ""
    print(f"| {label:<46} | {ours * 1000:8.0f} ms | {dot_text} | {ratio:>7} | {target:<10} |")


def main() -> int:
    have_dot = shutil.which("dot") is not None
    print(f"| {'what':<46} | {'netcanvas':>11} | {'dot -Tsvg':>12} | {'speedup':>7} | target     |")
    print(f"|{'-' * 48}|{'-' * 13}|{'-' * 14}|{'-' * 9}|{'-' * 12}|")
    if RESNET152.is_file():
        data = RESNET152.read_bytes()
        times = stages(data, RESNET152.name)
        graph = formats.read(data, RESNET152.name)
        dot = time_dot(to_dot(graph, analyze(graph))) if have_dot else None
        for stage in ("parse", "infer", "layout + scene", "SVG"):
            row(f"ResNet-152 ({len(graph)} layers): {stage}", times[stage])
        row("ResNet-152 in-process total", times["total"], "< 300 ms", dot)
        row("ResNet-152 `netcanvas render` process", process_time(RESNET152), "<= dot", dot)
    else:
        print(f"(no corpus at {RESNET152}: ResNet-152 rows skipped)")
    text = residual_yaml(3000).encode()
    graph = formats.read(text, "residual.yaml")
    times = stages(text, "residual.yaml")
    dot = time_dot(to_dot(graph, analyze(graph))) if have_dot else None
    for stage in ("parse", "infer", "layout + scene", "SVG"):
        row(f"residual ({len(graph)} layers): {stage}", times[stage])
    row(f"residual net ({len(graph)} layers) in-process", times["total"], "", dot)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "residual.yaml"
        path.write_bytes(text)
        row(
            f"residual ({len(graph)}) `netcanvas render` process",
            process_time(path, 5),
            ">= 5× dot",
            dot,
        )
    big_rows(have_dot)
    return 0


def big_rows(have_dot: bool, layers: int = 50_000) -> None:
    """A net of `layers` layers in modules drawn with --depth 1, in-process and as a process;
    dot draws the same collapsed graph (it would not finish on the whole one)."""
    text = scoped_yaml(layers).encode()
    options = FigureOptions(depth=1)
    graph = formats.read(text, "big.yaml")
    shown, result = collapse(graph, analyze(graph), 1)
    dot = time_dot(to_dot(shown, result)) if have_dot else None
    label = f"{len(graph) // 1000}k layers --depth 1 ({len(shown)} boxes)"
    row(f"{label} in-process", best_of(3, lambda: render(text, "big.yaml", options)), "", dot)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "big.yaml"
        path.write_bytes(text)
        row(f"{label} process", process_time(path, 3, "--depth", "1"), "seconds", dot)


if __name__ == "__main__":
    raise SystemExit(main())
