"""The run store's bulk metric rows (an imported log's chart points) on SQLite and
PostgreSQL: add_series writes with the driver's own executemany, so its SQL must suit
both drivers' parameter styles."""

from __future__ import annotations

from netcanvas.store.runs import RunStore


def test_series_rows_round_trip_on_both_databases(store_url: str) -> None:
    store = RunStore(store_url)
    store.create_schema()
    try:
        run_id = store.create({}, {}, {"source": "x.csv", "format": "csv"}, None, "imported", "x")
        rows = {(step, name): step * 0.5 + k for step in range(300) for k, name in
                enumerate(("loss", "val_loss", "time"))}  # fmt: skip
        store.add_series(run_id, rows)
        stored = store.get(run_id)
        got = {(m["epoch"], m["name"]): m["value"] for m in stored.metrics}
        assert got == rows
    finally:
        store.close()
