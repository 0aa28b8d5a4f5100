"""`netcanvas render` starts fast: a figure from the command line never imports the web
stack, the training stack or a format it does not read (issue 17: a whole render process
no slower than `dot`). Checked by the modules a fresh interpreter holds after a render;
the times themselves are benchmarks/bench_render.py's."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

# Never needed to draw a figure of a document or a prototxt.
HEAVY = (
    "fastapi", "starlette", "uvicorn", "sqlalchemy", "torch", "onnx", "onnxruntime",
    "keras", "tensorflow", "numpy", "matplotlib", "cairocffi", "cairosvg", "netcanvas.api",
    "netcanvas.store", "netcanvas.train.runner",
)  # fmt: skip

YAML = (
    "netcanvas: 1\nname: tiny\nlayers:\n"
    "  - {name: data, type: Input, shape: [1, 3, 32, 32]}\n"
    "  - {name: conv1, type: Conv2d, out_channels: 8, kernel_size: 3, padding: 1, scope: a.b}\n"
    "  - {name: relu1, type: ReLU, scope: a.b}\n"
    "  - {name: fc, type: Linear, out_features: 10}\n"
)
PROTOTXT = """name: "tiny"
input: "data"
input_shape { dim: 1 dim: 3 dim: 32 dim: 32 }
layer { name: "conv1" type: "Convolution" bottom: "data" top: "conv1"
  convolution_param { num_output: 8 kernel_size: 3 pad: 1 } }
layer { name: "relu1" type: "ReLU" bottom: "conv1" top: "conv1" }
"""


def modules_after_render(source: Path, *options: str) -> set[str]:
    """The modules a whole `netcanvas render SOURCE` process holds when it ends itself,
    run as a user runs it (its own command line, so it takes the one-shot exit)."""
    out = source.with_suffix(".svg")
    argv = ["netcanvas", "render", str(source), "-o", str(out), *options]
    code = (
        "import json, os, sys\n"
        "end = os._exit\n"
        "def report(status):\n"
        "    print(json.dumps([status, sorted(k for k, v in sys.modules.items() if v)]))\n"
        "    sys.stdout.flush()\n"
        "    end(status)\n"
        "os._exit = report\n"
        f"sys.argv = {argv!r}\n"
        "from netcanvas.cli import main\n"
        "main()\n"
        "print('not ended by the CLI')\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    exit_code, modules = json.loads(done.stdout.strip().splitlines()[-1])
    assert exit_code == 0, done.stderr
    assert "</svg>" in out.read_text()
    return set(modules)


def igraph_python_side(loaded: set[str]) -> list[str]:
    """igraph's Python package: only its C extension is needed to lay a figure out."""
    return sorted(m for m in loaded if m.split(".")[0] == "igraph" and m != "igraph._igraph")


@pytest.mark.parametrize("options", [(), ("--depth", "1", "--fold")])
def test_render_of_a_document_imports_nothing_heavy(tmp_path: Path, options: tuple[str]) -> None:
    source = tmp_path / "tiny.yaml"
    source.write_text(YAML)
    loaded = modules_after_render(source, *options)
    assert sorted(loaded & set(HEAVY)) == []
    assert igraph_python_side(loaded) == []
    assert sorted(loaded & {"texttable", "wcwidth"}) == []  # igraph's summaries
    # The YAML netcanvas writes is read by the fast path, head and layers: no libyaml.
    assert sorted(loaded & {"yaml", "netcanvas.formats.native.libyaml"}) == []


def test_render_of_a_prototxt_reads_no_yaml(tmp_path: Path) -> None:
    source = tmp_path / "tiny.prototxt"
    source.write_text(PROTOTXT)
    loaded = modules_after_render(source)
    assert sorted(loaded & {*HEAVY, "yaml", "netcanvas.formats.native.reader"}) == []
    assert igraph_python_side(loaded) == []


def test_the_layout_is_the_same_with_the_whole_igraph_package() -> None:
    """The C extension alone (the CLI's process) and the package (the server, the Python
    API) give one layout: the CLI draws what the editor shows."""
    code = (
        "import json, sys\n"
        "from netcanvas.render import igraph_core\n"
        "igraph_core.CORE_ONLY = sys.argv[1] == 'core'\n"
        "pairs = [(0, 1), (1, 2), (0, 2), (2, 3), (1, 4), (4, 3), (0, 3)]\n"
        "rank = lambda order: [0, 1, 2, 4, 3]\n"
        "found = igraph_core.sugiyama(5, pairs, rank, 30)\n"
        "cycle = igraph_core.sugiyama(3, [(0, 1), (1, 2), (2, 0)], rank, 30)\n"
        "package = [m for m in sys.modules if m.startswith('igraph.')]\n"
        "package = sorted(m for m in package if m != 'igraph._igraph')\n"
        "print(json.dumps([found, cycle, 'igraph' in sys.modules, package]))\n"
    )

    def run(mode: str) -> list[object]:
        done = subprocess.run(
            [sys.executable, "-c", code, mode], capture_output=True, text=True, check=True
        )
        return list(json.loads(done.stdout))

    core, package = run("core"), run("package")
    assert core[:2] == package[:2]
    assert core[2:] == [False, []]  # the core alone: no package around it
    assert package[2] is True
    layout, routes = core[0]  # type: ignore[misc]
    assert [round(y) for _, y in layout] == [0, 1, 2, 4, 3]
    assert len(routes) == 7 and len(routes[6]) == 3  # 0 -> 3 bends on ranks 1, 2 and 3


def test_render_builds_its_own_parser_alone(tmp_path: Path) -> None:
    """A render parses its command line without the other commands (their options and
    their modules), and reads the same: its help is the whole parser's render help."""
    import contextlib
    import io

    from netcanvas import cli

    source = tmp_path / "tiny.yaml"
    source.write_text(YAML)
    loaded = modules_after_render(source)
    assert sorted(loaded & {"netcanvas.train.cli", "netcanvas.logs.cli"}) == []

    def help_of(parser: object) -> str:
        text = io.StringIO()
        with contextlib.redirect_stdout(text), pytest.raises(SystemExit):
            parser.parse_args(["render", "--help"])  # type: ignore[attr-defined]
        return text.getvalue()

    assert cli._render_only(["render", "a.yaml"]) == "render"
    assert cli._render_only(["summary", "a.yaml"]) is None
    assert cli._render_only([]) is None
    assert help_of(cli._parser("render")) == help_of(cli._parser())
