"""An imported run's chart rows (logs/stored.py): each metric's points and, when the log
records wall time, the seconds since the run's first record at each kept step."""

from __future__ import annotations

import numpy as np

from netcanvas.logs.model import Run, Series
from netcanvas.logs.stored import CHART_POINTS, run_rows


def test_rows_carry_elapsed_time_from_the_first_record() -> None:
    steps = np.array([0, 1, 2])
    loss = Series(steps, np.array([1.0, 0.5, 0.25]), None, np.array([100.0, 102.5, 105.0]))
    val = Series(np.array([2]), np.array([0.4]), None, np.array([105.5]))
    rows = run_rows(Run("a", "a", {"loss": loss, "val_loss": val}, "tfevents", False))
    assert rows[(1, "loss")] == 0.5 and rows[(2, "val_loss")] == 0.4
    assert [rows[(s, "time")] for s in (0, 1, 2)] == [0.0, 2.5, 5.0]


def test_no_wall_time_no_time_rows_and_long_series_are_thinned() -> None:
    n = CHART_POINTS * 5
    series = Series(np.arange(n), np.sin(np.arange(n) / 50.0))
    rows = run_rows(Run("b", "b", {"loss": series}, "csv", False))
    assert all(name == "loss" for _, name in rows)
    assert CHART_POINTS // 2 <= len(rows) <= CHART_POINTS + 2


def test_a_spike_and_a_dip_in_a_long_series_survive_thinning() -> None:
    n = CHART_POINTS * 20
    values = np.full(n, 0.5)
    values[12_345], values[7_777] = 9.0, -3.0
    values[-1] = 0.25
    rows = run_rows(Run("c", "c", {"loss": Series(np.arange(n) * 10, values)}, "csv", False))
    assert rows[(123_450, "loss")] == 9.0 and rows[(77_770, "loss")] == -3.0
    assert rows[(0, "loss")] == 0.5 and rows[((n - 1) * 10, "loss")] == 0.25
