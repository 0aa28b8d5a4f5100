"""The designs store, on SQLite and on PostgreSQL (same tests, see conftest)."""

from __future__ import annotations

import hashlib
import threading
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from netcanvas.store import Conflict, DesignStore, Forbidden, NotFound


def doc(name: str, layers: int = 1) -> dict[str, Any]:
    body = [{"name": "data", "type": "Input", "shape": [1, 3, 8, 8]}]
    body += [{"name": f"fc{i}", "type": "Linear", "out_features": 4} for i in range(layers - 1)]
    return {"netcanvas": 1, "name": name, "layers": body}


def test_create_then_get_returns_the_document(store: DesignStore) -> None:
    design_id, revision, key = store.create(doc("a"))
    assert revision == 1
    assert len(design_id) >= 16 and len(key) >= 32
    got = store.get(design_id)
    assert (got.id, got.revision, got.document) == (design_id, 1, doc("a"))
    assert got.created_at.tzinfo is not None


def test_ids_and_keys_are_unique(store: DesignStore) -> None:
    made = [store.create(doc("x")) for _ in range(20)]
    assert len({m[0] for m in made}) == 20
    assert len({m[2] for m in made}) == 20


def test_the_key_is_stored_hashed(store: DesignStore) -> None:
    design_id, _, key = store.create(doc("a"))
    with store.engine.connect() as conn:
        stored = conn.execute(
            text("SELECT edit_key_hash FROM designs WHERE id = :id"), {"id": design_id}
        ).scalar_one()
    assert key not in stored
    assert stored == hashlib.sha256(key.encode()).hexdigest()


def test_sqlite_runs_in_wal_mode_with_foreign_keys(tmp_path: Path) -> None:
    store = DesignStore(f"sqlite:///{tmp_path / 'wal.db'}")
    store.create_schema()
    try:
        with store.engine.connect() as conn:
            assert conn.execute(text("PRAGMA journal_mode")).scalar_one() == "wal"
            assert conn.execute(text("PRAGMA foreign_keys")).scalar_one() == 1
    finally:
        store.close()


def test_update_makes_a_new_revision_and_keeps_history(store: DesignStore) -> None:
    design_id, _, key = store.create(doc("v1"))
    assert store.update(design_id, key, 1, doc("v2", 2)) == 2
    assert store.update(design_id, key, 2, doc("v3", 3)) == 3
    assert store.get(design_id).document == doc("v3", 3)
    assert store.get(design_id, 1).document == doc("v1")
    history = store.revisions(design_id)
    assert [(r.number, r.name, r.layers) for r in history] == [
        (1, "v1", 1),
        (2, "v2", 2),
        (3, "v3", 3),
    ]


def test_restore_is_a_put_of_an_old_document(store: DesignStore) -> None:
    design_id, _, key = store.create(doc("v1"))
    store.update(design_id, key, 1, doc("v2"))
    old = store.get(design_id, 1).document
    assert store.update(design_id, key, 2, old) == 3
    assert store.get(design_id).document == doc("v1")
    assert len(store.revisions(design_id)) == 3


def test_stale_revision_conflicts_and_changes_nothing(store: DesignStore) -> None:
    design_id, _, key = store.create(doc("v1"))
    store.update(design_id, key, 1, doc("v2"))
    with pytest.raises(Conflict) as stale:
        store.update(design_id, key, 1, doc("lost"))
    assert stale.value.current == 2
    assert store.get(design_id).document == doc("v2")
    assert [r.number for r in store.revisions(design_id)] == [1, 2]


@pytest.mark.parametrize("expected", [2**31 - 1, 2**31, 2**63, 10**30])
def test_revision_past_the_column_range_is_stale_not_a_crash(
    store: DesignStore, expected: int
) -> None:
    # Before: SQLite raised OverflowError and PostgreSQL a DataError (the API said 500).
    design_id, _, key = store.create(doc("v1"))
    with pytest.raises(Conflict) as stale:
        store.update(design_id, key, expected, doc("lost"))
    assert stale.value.current == 1
    assert store.get(design_id).document == doc("v1")
    with pytest.raises(Forbidden):
        store.update(design_id, "wrong", expected, doc("lost"))


@pytest.mark.parametrize("key", [None, "", "wrong"])
def test_missing_or_wrong_key_is_forbidden(store: DesignStore, key: str | None) -> None:
    design_id, _, _ = store.create(doc("v1"))
    with pytest.raises(Forbidden):
        store.update(design_id, key, 1, doc("v2"))
    with pytest.raises(Forbidden):
        store.delete(design_id, key)
    assert store.get(design_id).revision == 1


def test_a_key_only_opens_its_own_design(store: DesignStore) -> None:
    first, _, _ = store.create(doc("a"))
    _, _, other_key = store.create(doc("b"))
    with pytest.raises(Forbidden):
        store.update(first, other_key, 1, doc("c"))


def test_unknown_ids_and_revisions_are_not_found(store: DesignStore) -> None:
    design_id, _, key = store.create(doc("a"))
    for call in (
        lambda: store.get("nope"),
        lambda: store.get(design_id, 7),
        lambda: store.revisions("nope"),
        lambda: store.update("nope", key, 1, doc("b")),
        lambda: store.delete("nope", key),
    ):
        with pytest.raises(NotFound):
            call()


def test_delete_removes_the_design_and_its_history(store: DesignStore) -> None:
    design_id, _, key = store.create(doc("a"))
    store.update(design_id, key, 1, doc("b"))
    before = store.count()
    store.delete(design_id, key)
    assert store.count() == before - 1
    with pytest.raises(NotFound):
        store.get(design_id, 1)


def test_concurrent_updates_on_one_revision_exactly_one_wins(store_url: str) -> None:
    # Two stores = two connection pools, as two server workers would have.
    first, second = DesignStore(store_url), DesignStore(store_url)
    first.create_schema()
    try:
        design_id, _, key = first.create(doc("base"))
        barrier = threading.Barrier(8)
        outcomes: list[object] = []
        lock = threading.Lock()

        def put(i: int) -> None:
            s = first if i % 2 else second
            barrier.wait()
            try:
                result: object = s.update(design_id, key, 1, doc(f"writer{i}"))
            except Conflict as c:
                result = c
            with lock:
                outcomes.append((i, result))

        threads = [threading.Thread(target=put, args=(i,)) for i in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
        winners = [i for i, r in outcomes if r == 2]
        conflicts = [r for _, r in outcomes if isinstance(r, Conflict)]
        assert len(outcomes) == 8
        assert len(winners) == 1 and len(conflicts) == 7
        assert all(c.current == 2 for c in conflicts)
        history = first.revisions(design_id)
        assert [r.number for r in history] == [1, 2]
        assert first.get(design_id, 1).document == doc("base")
        assert first.get(design_id).document == doc(f"writer{winners[0]}")
    finally:
        first.close()
        second.close()


def test_a_saved_design_survives_reopening(store_url: str) -> None:
    s = DesignStore(store_url)
    s.create_schema()
    design_id, _, key = s.create(doc("kept"))
    s.close()
    again = DesignStore(store_url)
    again.create_schema()  # idempotent on an existing database
    try:
        assert again.get(design_id).document == doc("kept")
        assert again.update(design_id, key, 1, doc("more")) == 2
    finally:
        again.close()
