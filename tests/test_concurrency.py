"""Several writers at once: writes wait for the lock instead of failing, and a lock
held too long is a clear 503 with Retry-After, never a 500."""

from __future__ import annotations

import sqlite3
import threading

import pytest

from mapapp.app import create_app
from mapapp.store import DatabaseBusy, Store

from .test_curator import edit_form

WRITERS = 4
EDITS = 15


def _edit_many(db_path, row_id: int, errors: list[str], barrier: threading.Barrier) -> None:
    store = Store.open(db_path)
    try:
        barrier.wait()
        for n in range(EDITS):
            row = store.installation(row_id, published_only=False)
            try:
                store.update_installation(
                    row_id, {"title": f"edit {n}"}, row["version"], username="t"
                )
            except sqlite3.OperationalError as exc:
                errors.append(str(exc))
    finally:
        store.close()


def test_concurrent_writers_wait_for_each_other(db_path):
    """Read-then-write transactions of several connections all succeed, none is lost."""
    errors: list[str] = []
    barrier = threading.Barrier(WRITERS)
    threads = [
        threading.Thread(target=_edit_many, args=(db_path, row_id, errors, barrier))
        for row_id in range(1, WRITERS + 1)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    store = Store.open(db_path)
    try:
        for row_id in range(1, WRITERS + 1):
            row = store.installation(row_id, published_only=False)
            assert row["version"] == EDITS + 1 and row["title"] == f"edit {EDITS - 1}"
            assert len(store.history(row_id)) == EDITS + 1
    finally:
        store.close()


def test_write_takes_the_lock_up_front(db_path):
    """``Store.write`` is BEGIN IMMEDIATE: a second writer waits at BEGIN, not at COMMIT."""
    a = Store.open(db_path)
    b = Store.open(db_path, timeout=0.2)
    try:
        with a.write():
            a.installation(1)
            with pytest.raises(DatabaseBusy), b.write():
                pass  # pragma: no cover (never reached: BEGIN IMMEDIATE waits, then fails)
        with b.write():  # free again
            b.update_installation(1, {"title": "after"}, 1, "t")
    finally:
        a.close()
        b.close()


def test_nested_writes_are_one_transaction(db_path):
    store = Store.open(db_path)
    try:
        with pytest.raises(RuntimeError), store.write():
            store.update_installation(1, {"title": "inner"}, 1, "t")
            raise RuntimeError("undo everything")
        assert store.installation(1)["title"] != "inner"
    finally:
        store.close()


@pytest.fixture
def locked(db_path):
    """Another connection holding the write lock for the whole test."""
    holder = sqlite3.connect(db_path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    yield
    holder.execute("ROLLBACK")
    holder.close()


def _busy_app(db_path, tmp_path, users):
    return create_app(
        {
            "TESTING": True,
            "DB": str(db_path),
            "SECRET_KEY": "test",
            "TILES": "",
            "WTF_CSRF_ENABLED": False,
            "RATELIMIT_ENABLED": False,
            "MEDIA_DIR": str(tmp_path / "media"),
            "DB_TIMEOUT": 0.2,
        }
    )


def test_a_write_that_cannot_get_the_lock_is_a_503_json_under_api(db_path, tmp_path, users):
    client = _busy_app(db_path, tmp_path, users).test_client()
    client.post("/login", data={"username": "cora", "password": users["cora"]})
    holder = sqlite3.connect(db_path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        resp = client.put("/api/curator/installations/1", json={"version": 1, "title": "x"})
        assert resp.status_code == 503
        assert resp.headers["Retry-After"].isdigit()
        assert resp.json["status"] == 503 and "try again" in resp.json["message"].lower()
        store = Store.open(db_path)
        form = edit_form(store.installation(1), title="x")
        store.close()
        resp = client.post("/curator/1", data=form)
        assert resp.status_code == 503 and resp.headers["Retry-After"].isdigit()
        assert "text/html" in resp.content_type and "try again" in resp.text.lower()
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    store = Store.open(db_path)
    assert store.installation(1)["version"] == 1  # nothing half-written
    store.close()
    # and once the lock is free the same request goes through
    resp = client.put("/api/curator/installations/1", json={"version": 1, "title": "x"})
    assert resp.status_code == 200


def test_reads_never_wait_for_a_writer(db_path, tmp_path, users, locked):
    client = _busy_app(db_path, tmp_path, users).test_client()
    assert client.get("/api/routes/esentai/installations.geojson").status_code == 200
    assert client.get("/esentai/").status_code == 200


def test_backup_while_writing(db_path, tmp_path):
    """An online backup taken while another connection writes is consistent."""
    stop = threading.Event()

    def write() -> None:
        store = Store.open(db_path)
        try:
            n = 0
            while not stop.is_set():
                row = store.installation(1, published_only=False)
                store.update_installation(1, {"title": f"t{n}"}, row["version"], "t")
                n += 1
        finally:
            store.close()

    writer = threading.Thread(target=write)
    writer.start()
    try:
        for i in range(5):
            store = Store.open(db_path)
            try:
                store.backup(tmp_path / f"b{i}.sqlite")
            finally:
                store.close()
    finally:
        stop.set()
        writer.join()
    for i in range(5):
        copy = sqlite3.connect(tmp_path / f"b{i}.sqlite")
        assert copy.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        version, title = copy.execute(
            "SELECT version, title FROM installations WHERE id = 1"
        ).fetchone()
        history = copy.execute("SELECT count(*) FROM history WHERE installation_id = 1").fetchone()
        assert history[0] == version  # the row and its history agree in every copy
        copy.close()
