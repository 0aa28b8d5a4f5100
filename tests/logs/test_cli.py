"""``netcanvas runs`` and ``netcanvas plot`` (DESIGN 10): JSON shape, tables, exit codes,
one-line errors, atomic output."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from netcanvas.cli import main
from tests.logs.conftest import LightningLog, TensorBoardLogs


def run_cli(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    try:
        code = main(args)
    except SystemExit as stop:  # argparse's usage errors
        code = int(stop.code or 0)
    out, err = capsys.readouterr()
    return code, out, err


def test_runs_json_shape(tb_logs: TensorBoardLogs, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run_cli(["runs", str(tb_logs.root), "--json"], capsys)
    assert (code, err) == (0, "")
    runs = json.loads(out)
    assert [set(r) for r in runs] == [{"name", "source", "metrics"}] * 2
    assert [r["name"] for r in runs] == ["baseline", "wide"]
    baseline = runs[0]
    assert baseline["source"] == str(tb_logs.root / "baseline")
    assert list(baseline["metrics"]) == ["loss", "val_loss", "val_accuracy", "lr"]
    written = tb_logs.written["baseline"]["Loss/train"]
    loss = baseline["metrics"]["loss"]
    assert all(isinstance(p, list) and len(p) == 2 and isinstance(p[0], int) for p in loss)
    assert [p[0] for p in loss] == [w[0] for w in written]
    assert np.array_equal(np.float32([p[1] for p in loss]), np.float32([w[1] for w in written]))


def test_runs_json_writes_nan_as_null(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "log.csv"
    path.write_text("epoch,loss\n0,1.5\n1,nan\n")
    code, out, _ = run_cli(["runs", str(path), "--json"], capsys)
    assert code == 0
    assert json.loads(out)[0]["metrics"]["loss"] == [[0, 1.5], [1, None]]


def test_runs_table_csv_latex(
    lightning_log: LightningLog, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run_cli(["runs", str(lightning_log.path)], capsys)
    assert code == 0 and out.splitlines()[0].split()[:3] == ["run", "metric", "points"]
    assert any(line.startswith("version_0") and " val_loss " in line for line in out.splitlines())
    code, out, _ = run_cli(["runs", str(lightning_log.path), "--csv"], capsys)
    rows = list(csv.DictReader(io.StringIO(out)))
    val = next(r for r in rows if r["metric"] == "val_loss")
    values = [r["val_loss"] for r in lightning_log.rows if "val_loss" in r]
    assert float(val["best"]) == min(values) and float(val["last"]) == values[-1]
    assert val["epochs"] == "2"
    code, out, _ = run_cli(["runs", str(lightning_log.path), "--latex"], capsys)
    assert out.startswith("\\begin{tabular}") and "version\\_0 & val\\_loss" in out


def test_plot_writes_the_file(tb_logs: TensorBoardLogs, tmp_path: Path,
                              capsys: pytest.CaptureFixture[str]) -> None:  # fmt: skip
    out = tmp_path / "fig.pdf"
    code, _, err = run_cli(
        ["plot", str(tb_logs.root), "-o", str(out), "--metrics", "loss,val_loss",
         "--smooth", "0.6", "--width", "8.5cm", "--font-size", "7", "--legend", "outside",
         "--title", "Loss"],
        capsys,
    )  # fmt: skip
    assert (code, err) == (0, "")
    assert out.read_bytes().startswith(b"%PDF")
    assert [p.name for p in tmp_path.iterdir()] == ["fig.pdf"]  # no temporary file left


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["-o", "fig.gif"], "netcanvas plot: -o must end in .svg, .pdf or .png, got 'fig.gif'"),
        (["-o", "f.svg", "--smooth", "1.5"], "netcanvas plot: --smooth must be in [0, 1)"),
        (["-o", "f.svg", "--width", "3 inches"], "netcanvas plot: --width '3 inches' is not"),
        (["-o", "f.svg", "--theme", "neon"], "netcanvas plot: argument --theme: invalid choice"),
        (["-o", "f.svg", "--metrics", "f1"], "netcanvas plot: no run logs 'f1'"),
        ([], "netcanvas plot: the following arguments are required: -o/--output"),
    ],
)
def test_plot_usage_problems_are_one_line(
    args: list[str], message: str, tb_logs: TensorBoardLogs, tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:  # fmt: skip
    args = [a if not a.startswith(("f.", "fig.")) else str(tmp_path / a) for a in args]
    message = message.replace("'fig.gif'", f"'{tmp_path / 'fig.gif'}'")
    code, out, err = run_cli(["plot", str(tb_logs.root), *args], capsys)
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and err.startswith(message), err
    assert not list(tmp_path.iterdir())


def test_unreadable_inputs_exit_2_with_location(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad_csv = tmp_path / "log.csv"
    bad_csv.write_text("epoch,loss\n0,0.5\n1,abc\n")
    code, out, err = run_cli(["runs", str(bad_csv)], capsys)
    assert (code, out) == (2, "")
    assert err == f"{bad_csv}:3:3: 'abc' is not a number (column 'loss')\n"
    events = tmp_path / "events.out.tfevents.1.host"
    events.write_bytes(b"\x00" * 40)
    code, _, err = run_cli(["plot", str(events), "-o", str(tmp_path / "f.png")], capsys)
    assert code == 2
    assert err == f"{events}: record 1: bad header checksum: not a TensorBoard event file\n"
    assert not (tmp_path / "f.png").exists()


def test_installed_command(tb_logs: TensorBoardLogs, tmp_path: Path) -> None:
    """The real process: exit code, nothing on stderr, the SVG written."""
    out = tmp_path / "curves.svg"
    done = subprocess.run(
        [sys.executable, "-m", "netcanvas", "plot", str(tb_logs.root), "-o", str(out),
         "--theme", "print", "--layout", "loss,accuracy", "--log-y"],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert (done.returncode, done.stderr) == (0, "")
    # The same figure as drawn in this process: byte-identical across processes too.
    from netcanvas.logs import PlotOptions, plot_bytes, read_logs

    options = PlotOptions(theme="print", layout=["loss", "accuracy"], log_y=True)
    assert out.read_bytes() == plot_bytes(read_logs([tb_logs.root]), "svg", options)
