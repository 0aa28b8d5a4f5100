"""CSV, JSON and JSON-lines logs: Keras's CSVLogger and History, Lightning's sparse CSV,
tracker exports; every value equal; malformed files located by line and column."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from netcanvas.logs import read_logs
from netcanvas.logs.model import LogFormatError
from tests.logs.conftest import KerasLogs, LightningLog


def error_of(path: Path) -> LogFormatError:
    with pytest.raises(LogFormatError) as caught:
        read_logs([path])
    return caught.value


def test_keras_csvlogger_every_value(keras_logs: KerasLogs) -> None:
    (run,) = read_logs([keras_logs.csv])
    assert run.name == "training" or run.name == keras_logs.csv.parent.name
    assert list(run.metrics) == ["loss", "accuracy", "val_loss", "val_accuracy"]
    for name, values in keras_logs.history.items():
        series = run.metrics[name]
        assert series.values.tolist() == values  # repr-exact floats
        assert series.steps.tolist() == [0, 1, 2]
        assert series.epochs is not None and series.epochs.tolist() == [0.0, 1.0, 2.0]


def test_keras_history_json_every_value(keras_logs: KerasLogs) -> None:
    (run,) = read_logs([keras_logs.history_json])
    assert run.name == keras_logs.history_json.parent.name  # "history" names nothing
    assert {k: s.values.tolist() for k, s in run.metrics.items()} == keras_logs.history
    assert run.metrics["loss"].steps.tolist() == [0, 1, 2]


def test_csvlogger_and_history_agree(keras_logs: KerasLogs) -> None:
    from_csv, from_json = read_logs([keras_logs.csv, keras_logs.history_json])
    for name in from_json.metrics:
        assert np.array_equal(from_csv.metrics[name].values, from_json.metrics[name].values)


def test_lightning_sparse_rows(lightning_log: LightningLog) -> None:
    (run,) = read_logs([lightning_log.path])
    assert run.name == "version_0"
    assert list(run.metrics) == ["loss", "val_loss", "val_accuracy", "loss_step"]
    for raw, name in (("train_loss_step", "loss_step"), ("train_loss_epoch", "loss"),
                      ("val_loss", "val_loss"), ("val_acc", "val_accuracy")):  # fmt: skip
        rows = [r for r in lightning_log.rows if raw in r]
        series = run.metrics[name]
        assert series.raw_name == raw
        assert series.values.tolist() == [r[raw] for r in rows]
        assert series.steps.tolist() == [r["step"] for r in rows]
        assert series.epochs is not None
        assert series.epochs.tolist() == [float(r["epoch"]) for r in rows]
    raw = read_logs([lightning_log.path], raw_names=True)[0]
    assert set(raw.metrics) == {"train_loss_step", "train_loss_epoch", "val_loss", "val_acc"}


def test_lightning_directory_layout(lightning_log: LightningLog) -> None:
    root = lightning_log.path.parents[1]  # lightning_logs/
    (run,) = read_logs([root])
    assert run.name == "version_0"


def test_missing_column_is_located(tmp_path: Path) -> None:
    path = tmp_path / "log.csv"
    path.write_text("epoch,loss,val_loss\n0,0.9,1.0\n1,0.8\n2,0.7,0.8\n")
    bad = error_of(path)
    assert (bad.line, bad.column) == (3, 6)
    assert str(bad) == f"{path}:3:6: row has 2 cells, the header has 3"


def test_non_number_is_located(tmp_path: Path) -> None:
    path = tmp_path / "log.csv"
    path.write_text("epoch,loss,val_loss\n0,0.9,1.0\n1,0.8,oops\n")
    bad = error_of(path)
    assert str(bad) == f"{path}:3:7: 'oops' is not a number (column 'val_loss')"


def test_nan_and_na_cells(tmp_path: Path) -> None:
    """Keras writes nan for a diverged loss and NA for a metric an epoch lacks."""
    path = tmp_path / "log.csv"
    path.write_text("epoch,loss,val_loss\r\n0,0.9,NA\r\n1,nan,0.5\r\n")
    (run,) = read_logs([path])
    assert run.metrics["val_loss"].steps.tolist() == [1]
    assert np.isnan(run.metrics["loss"].values[1])


def test_truncated_last_csv_line_is_dropped(tmp_path: Path) -> None:
    path = tmp_path / "log.csv"
    for tail in ("2,0.7", "2,0.", "2,0.7,1e"):
        path.write_text("epoch,loss,val_loss\n0,0.9,1.0\n1,0.8,0.9\n" + tail)
        (run,) = read_logs([path])
        assert run.metrics["loss"].steps.tolist() == [0, 1], tail
    path.write_text("epoch,loss,val_loss\n0,0.9,1.0\n1,0.8,0.9\n2,0.7,0.6")  # complete
    assert read_logs([path])[0].metrics["val_loss"].values.tolist() == [1.0, 0.9, 0.6]


def test_wandb_panel_export_reads_one_run_per_prefix(tmp_path: Path) -> None:
    path = tmp_path / "export.csv"
    path.write_text(
        '"Step","base - val/loss","base - val/loss__MIN","base - val/loss__MAX","wide - val/loss"\n'
        "0,1.5,1.4,1.6,1.2\n100,1.0,0.9,1.1,\n200,0.8,0.8,0.8,0.7\n"
    )
    runs = {r.name: r for r in read_logs([path])}
    assert set(runs) == {"base", "wide"}
    assert runs["base"].metrics["val_loss"].values.tolist() == [1.5, 1.0, 0.8]
    assert runs["wide"].metrics["val_loss"].steps.tolist() == [0, 200]


def test_wandb_history_export_with_timestamps(tmp_path: Path) -> None:
    path = tmp_path / "run-7.csv"
    path.write_text(
        "_step,_runtime,_timestamp,train/loss,val/acc\n"
        "0,1.5,1700000001.5,2.0,\n1,3.0,1700000003.0,1.5,0.6\n"
    )
    (run,) = read_logs([path])
    assert list(run.metrics) == ["loss", "val_accuracy"]
    assert run.metrics["loss"].times.tolist() == [1700000001.5, 1700000003.0]  # type: ignore[union-attr]
    assert run.wall_time() == 1.5


def test_long_format_export(tmp_path: Path) -> None:
    """Comet's metric export: one row per (metric, step), milliseconds timestamps."""
    path = tmp_path / "comet.csv"
    path.write_text(
        "metricName,metricValue,timestamp,step,epoch,runContext\n"
        "loss,0.9,1700000000000,1,0,train\nval_acc,0.7,1700000060000,1,0,\n"
        "loss,0.5,1700000120000,2,1,train\n"
    )
    (run,) = read_logs([path])
    assert run.metrics["loss"].values.tolist() == [0.9, 0.5]
    assert run.metrics["val_accuracy"].times.tolist() == [1700000060.0]  # type: ignore[union-attr]
    assert run.wall_time() == 120.0


def test_tensorboard_csv_download(tmp_path: Path) -> None:
    path = tmp_path / "run-baseline-tag-epoch_loss.csv"
    path.write_text("Wall time,Step,Value\n1700000000.5,0,0.9\n1700000010.5,1,0.7\n")
    (run,) = read_logs([path])
    assert run.name == "baseline"
    assert run.metrics["loss"].values.tolist() == [0.9, 0.7]


def test_json_with_nan_is_located(tmp_path: Path) -> None:
    path = tmp_path / "history.json"
    path.write_text(json.dumps({"loss": [0.5, float("nan")], "val_loss": [0.6, 0.4]}))
    bad = error_of(path)
    assert (bad.line, bad.column) == (1, 16)
    assert bad.message.startswith("NaN is not valid JSON")


def test_json_syntax_error_is_located(tmp_path: Path) -> None:
    path = tmp_path / "history.json"
    path.write_text('{\n  "loss": [0.5, 0.4\n  "acc": [1]\n}\n')
    bad = error_of(path)
    assert (bad.line, bad.column) == (3, 3)
    assert bad.message.startswith("not JSON")


def test_json_value_that_is_not_a_number(tmp_path: Path) -> None:
    path = tmp_path / "history.json"
    path.write_text('{\n  "loss": [0.5, 0.4],\n  "val_loss": [0.6, "x"]\n}\n')
    bad = error_of(path)
    assert (bad.line, bad.column) == (3, 3)
    assert bad.message == "'x' is not a number (column 'val_loss')"


def test_hugging_face_trainer_state(tmp_path: Path) -> None:
    path = tmp_path / "trainer_state.json"
    path.write_text(json.dumps({"log_history": [
        {"epoch": 0.5, "step": 10, "loss": 1.2, "learning_rate": 4e-5, "grad_norm": 3.0},
        {"epoch": 1.0, "step": 20, "eval_loss": 1.0, "eval_accuracy": 0.6},
        {"epoch": 1.0, "step": 20, "loss": 0.9, "learning_rate": 2e-5, "grad_norm": 2.0},
    ]}))  # fmt: skip
    (run,) = read_logs([path])
    assert list(run.metrics) == ["loss", "val_loss", "val_accuracy", "lr", "grad_norm"]
    assert run.metrics["loss"].steps.tolist() == [10, 20]
    assert run.metrics["loss"].epochs.tolist() == [0.5, 1.0]  # type: ignore[union-attr]


def test_json_lines(tmp_path: Path) -> None:
    path = tmp_path / "train.jsonl"
    lines = [
        {"epoch": 0, "loss": 0.9, "accuracy": 0.5, "val_loss": 1.0, "seconds": 2.0},
        {"epoch": 1, "loss": 0.7, "accuracy": 0.6, "val_loss": 0.8, "seconds": 4.5},
        {"status": "done", "out": "runs/x"},
    ]
    path.write_text("".join(json.dumps(line) + "\n" for line in lines))
    (run,) = read_logs([path])
    assert list(run.metrics) == ["loss", "accuracy", "val_loss"]
    assert run.metrics["loss"].values.tolist() == [0.9, 0.7]
    assert run.relative_time and run.wall_time() == 4.5


def test_json_lines_truncated_and_broken(tmp_path: Path) -> None:
    path = tmp_path / "train.jsonl"
    path.write_text('{"step": 0, "loss": 1.0}\n{"step": 1, "loss": 0.5}\n{"step": 2, "lo')
    assert read_logs([path])[0].metrics["loss"].steps.tolist() == [0, 1]
    path.write_text('{"step": 0, "loss": 1.0}\n{"step": 1, "loss": NaN}\n{"step": 2}\n')
    assert str(error_of(path)).startswith(f"{path}:2:21: NaN is not valid JSON")
    path.write_text('{"step": 0, "loss": 1.0}\n[1, 2]\n')
    assert str(error_of(path)) == f"{path}:2:1: a JSON lines log holds one object per line"


def test_directory_skips_files_that_are_not_logs(tmp_path: Path, keras_logs: KerasLogs) -> None:
    (tmp_path / "exp").mkdir()
    (tmp_path / "exp" / "config.json").write_text('{"lr": 0.1, "batch_size": 32}')
    (tmp_path / "exp" / "history.json").write_text(keras_logs.history_json.read_text())
    (run,) = read_logs([tmp_path])
    assert run.name == "exp"
    bad = error_of(tmp_path / "exp" / "config.json")
    assert "not a training log" in bad.message


def test_missing_path_and_empty_directory(tmp_path: Path) -> None:
    assert str(error_of(tmp_path / "nope")) == f"{tmp_path / 'nope'}: no such file or directory"
    (tmp_path / "empty").mkdir()
    assert "no training logs found" in str(error_of(tmp_path / "empty"))


def test_fractional_epochs_without_steps_count_rows(tmp_path: Path) -> None:
    path = tmp_path / "log.jsonl"
    path.write_text('{"epoch": 0.5, "loss": 1.0}\n{"epoch": 1.0, "loss": 0.5}\n')
    (run,) = read_logs([path])
    assert run.metrics["loss"].steps.tolist() == [0, 1]
    assert run.metrics["loss"].epochs.tolist() == [0.5, 1.0]  # type: ignore[union-attr]
    path.write_text('{"step": 0, "loss": 1.0}\n{"step": 0.5, "loss": 0.5}\n')
    assert str(error_of(path)) == f"{path}:2:2: '0.5' is not a whole step number"


def test_netcanvas_train_output_folder(tmp_path: Path) -> None:
    """``netcanvas train --out DIR``: metrics.csv (Keras's layout plus seconds) and run.json
    hold one history; the folder reads as one run named after it."""
    out = tmp_path / "mlp-run"
    out.mkdir()
    history = [
        {"epoch": 0, "loss": 0.9, "accuracy": 0.6, "val_loss": 1.0, "val_accuracy": 0.5,
         "lr": 0.01, "seconds": 1.25},
        {"epoch": 1, "loss": 0.5, "accuracy": 0.8, "val_loss": 0.7, "val_accuracy": 0.7,
         "lr": 0.01, "seconds": 2.5},
    ]  # fmt: skip
    columns = list(history[0])
    (out / "metrics.csv").write_text(
        ",".join(columns)
        + "\n"
        + "".join(",".join(str(r[c]) for c in columns) + "\n" for r in history)
    )
    (out / "run.json").write_text(
        json.dumps({"status": "done", "config": {"epochs": 2}, "metrics": history}, indent=2)
    )
    (run,) = read_logs([tmp_path])
    assert run.name == "mlp-run" and run.source == str(out / "metrics.csv")
    assert list(run.metrics) == ["loss", "accuracy", "val_loss", "val_accuracy", "lr"]
    assert run.relative_time and run.wall_time() == 2.5
    (again,) = read_logs([out / "run.json"])
    assert again.metrics["val_loss"].values.tolist() == [1.0, 0.7]
