"""Clear start-up errors: an empty, damaged, foreign, read-only or full database, bad
settings, and one secret key for every process that starts at once."""

from __future__ import annotations

import multiprocessing
import os
import shutil
import sqlite3
import subprocess
import sys
import threading
import time
from contextlib import closing
from pathlib import Path

import pytest
from click.testing import CliRunner

from mapapp.app import ConfigError, create_app
from mapapp.cli import cli
from mapapp.store import DatabaseUnusable, Store, check_database

BIN = Path(sys.executable).parent


def _config(db: Path, **extra) -> dict:
    return {"TESTING": True, "DB": str(db), "SECRET_KEY": "t", "TILES": "", **extra}


# empty, damaged or foreign files --------------------------------------------------------


def test_an_empty_database_file_is_never_seeded_over(tmp_path):
    db = tmp_path / "mapapp.sqlite"
    db.touch()
    old = time.time() - 3600  # an empty file left from before, not one just being created
    os.utime(db, (old, old))
    runner = CliRunner()
    for args in (["init-db"], ["export"], ["create-user", "x", "--password", "p" * 12]):
        result = runner.invoke(cli, [*args, "--db", str(db)])
        assert result.exit_code == 1, (args, result.output)
        assert "is empty (0 bytes)" in result.output and "backup" in result.output
        assert "Traceback" not in result.output
    assert db.stat().st_size == 0
    with pytest.raises(DatabaseUnusable, match="is empty"):
        create_app(_config(db))


def test_a_database_another_first_start_is_creating_is_waited_for(tmp_path):
    db = tmp_path / "mapapp.sqlite"
    db.touch()  # another process has just created it and is about to write its first page

    def first_start() -> None:
        time.sleep(0.3)
        with closing(Store.open(db)) as store:
            store.migrate()

    other = threading.Thread(target=first_start)
    other.start()
    try:
        check_database(db, new_ok=True)  # waits for it instead of calling it empty
    finally:
        other.join()
    assert db.stat().st_size > 0


def test_mapapp_serve_explains_an_empty_database_and_stops(tmp_path):
    db = tmp_path / "mapapp.sqlite"
    db.touch()
    proc = subprocess.run(
        [str(BIN / "mapapp"), "serve", "--db", str(db), "--port", "1"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 1
    assert "is empty (0 bytes)" in proc.stderr and "Traceback" not in proc.stderr
    assert db.stat().st_size == 0


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"this is a spreadsheet, not a database" * 100, "not an SQLite database"),
        (None, "damaged"),  # a real database with a page overwritten
    ],
)
def test_a_damaged_database_is_explained(db_path, content, message):
    # the WAL is part of the database: fold it in first, then damage the file
    conn = sqlite3.connect(db_path)
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    if content is None:
        data = bytearray(db_path.read_bytes())
        data[4096 : 4096 * 3] = b"\xff" * (4096 * 2)  # wreck two pages after the header
        content = bytes(data)
    db_path.write_bytes(content)
    result = CliRunner().invoke(cli, ["export", "--db", str(db_path)])
    assert result.exit_code == 1 and message in result.output, result.output
    with pytest.raises(DatabaseUnusable, match=message):
        create_app(_config(db_path))


def test_a_database_of_something_else_is_not_taken_over(tmp_path):
    db = tmp_path / "other.sqlite"
    conn = sqlite3.connect(db)
    conn.execute("CREATE TABLE invoices (id INTEGER PRIMARY KEY)")
    conn.commit()
    conn.close()
    result = CliRunner().invoke(cli, ["export", "--db", str(db)])
    assert result.exit_code == 1 and "not a Cultural Terrenkur database" in result.output
    with closing(sqlite3.connect(db)) as conn:
        assert conn.execute("SELECT name FROM sqlite_master").fetchall() == [("invoices",)]


def test_the_app_needs_a_database(tmp_path):
    with pytest.raises(DatabaseUnusable, match="mapapp init-db"):
        create_app(_config(tmp_path / "missing.sqlite"))


# read-only and full disks ------------------------------------------------------------------


def _mount(tmp_path: Path, size: str) -> Path:
    """A small tmpfs of its own (root only); skips when mounting is not allowed."""
    if os.geteuid() != 0 or not shutil.which("mount"):
        pytest.skip("needs root to mount a small file system")
    point = tmp_path / "disk"
    point.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(point)])
    if done.returncode != 0:
        pytest.skip("mounting a tmpfs is not allowed here")
    return point


def _umount(point: Path) -> None:
    subprocess.run(["umount", "-l", str(point)], check=False)


@pytest.fixture
def read_only_db(db_path, tmp_path):
    """The seeded database on a read-only file system (or, not root, read-only files)."""
    if os.geteuid() != 0:
        folder = tmp_path / "ro"
        folder.mkdir()
        db = folder / "mapapp.sqlite"
        shutil.copy(db_path, db)
        db.chmod(0o444)
        folder.chmod(0o555)
        yield db
        folder.chmod(0o755)
        return
    point = _mount(tmp_path, "8m")
    try:
        src = sqlite3.connect(db_path)
        dest = sqlite3.connect(point / "mapapp.sqlite")
        src.backup(dest)
        src.close()
        dest.close()
        subprocess.run(["mount", "-o", "remount,ro", str(point)], check=True)
        yield point / "mapapp.sqlite"
    finally:
        _umount(point)


def test_a_read_only_disk_is_explained(read_only_db):
    result = CliRunner().invoke(cli, ["export", "--db", str(read_only_db)])
    assert result.exit_code == 1, result.output
    assert "cannot be written" in result.output and "read-only" in result.output
    assert "Traceback" not in result.output
    with pytest.raises(DatabaseUnusable, match="cannot be written"):
        create_app(_config(read_only_db))


@pytest.fixture
def small_disk(db_path, tmp_path):
    """The seeded database alone on a 4 MB file system, and a way to fill it."""
    point = _mount(tmp_path, "4m")
    try:
        src = sqlite3.connect(db_path)
        dest = sqlite3.connect(point / "mapapp.sqlite")
        src.backup(dest)
        src.close()
        dest.close()

        def fill() -> None:
            # unbuffered: a write the full disk refused must not come back at close
            with (point / "filler").open("wb", buffering=0) as f:
                try:
                    while True:
                        f.write(b"\0" * 65536)
                        f.flush()
                except OSError:
                    pass

        yield point / "mapapp.sqlite", fill
    finally:
        _umount(point)


def test_a_full_disk_is_explained_at_start(small_disk):
    db, fill = small_disk
    fill()
    result = CliRunner().invoke(cli, ["export", "--db", str(db)])
    assert result.exit_code == 1 and "is full" in result.output, result.output
    with pytest.raises(DatabaseUnusable, match="is full"):
        create_app(_config(db))


def test_a_disk_that_fills_up_while_running_is_a_clear_503(users, small_disk):
    db, fill = small_disk  # (a copy made after the users were added)
    app = create_app(_config(db, WTF_CSRF_ENABLED=False, RATELIMIT_ENABLED=False))
    client = app.test_client()
    resp = client.post("/login", data={"username": "cora", "password": users["cora"]})
    assert resp.status_code == 302
    fill()
    failed = None
    for n in range(200):  # the WAL may still have room for a few pages
        body = {"version": n + 1, "description": "x" * 3000}
        resp = client.put("/api/curator/installations/1", json=body)
        if resp.status_code != 200:
            failed = resp
            break
    assert failed is not None and failed.status_code == 503
    assert "disk" in failed.json["message"] and failed.json["status"] == 503


# settings ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [
        ("PHOTO_MAX_BYTES", "lots", "MAPAPP_PHOTO_MAX_BYTES"),
        ("MAX_OFFSET_M", -5, "MAPAPP_MAX_OFFSET_M"),
        ("SERVICE_AREA_KM", "٥٠", "MAPAPP_SERVICE_AREA_KM"),
        ("DB_TIMEOUT", float("nan"), "MAPAPP_DB_TIMEOUT"),
    ],
)
def test_a_bad_number_setting_is_explained(db_path, key, value, message):
    with pytest.raises(ConfigError, match=message):
        create_app(_config(db_path, **{key: value}))


def test_number_settings_from_the_environment(db_path, monkeypatch):
    monkeypatch.setenv("MAPAPP_SERVICE_AREA_KM", "75")
    assert create_app(_config(db_path)).config["SERVICE_AREA_KM"] == 75
    monkeypatch.setenv("MAPAPP_SERVICE_AREA_KM", "seventy")
    with pytest.raises(ConfigError, match="MAPAPP_SERVICE_AREA_KM"):
        create_app(_config(db_path))


# the secret key ------------------------------------------------------------------------------


def _first_start(instance: str, barrier, results) -> None:
    import secrets as secrets_module

    from mapapp import app as app_module

    real = secrets_module.token_hex

    def slow_token(n: int) -> str:  # widen the window between looking and writing
        time.sleep(0.05)
        return real(n)

    app_module.secrets.token_hex = slow_token  # type: ignore[attr-defined]
    barrier.wait()
    results.put(app_module._instance_secret(Path(instance)))


def test_processes_starting_at_once_agree_on_one_secret_key(tmp_path):
    ctx = multiprocessing.get_context("fork")
    barrier = ctx.Barrier(6)
    results = ctx.Queue()
    procs = [
        ctx.Process(target=_first_start, args=(str(tmp_path), barrier, results)) for _ in range(6)
    ]
    for p in procs:
        p.start()
    keys = [results.get(timeout=60) for _ in procs]
    for p in procs:
        p.join(timeout=60)
    assert len(set(keys)) == 1
    assert (tmp_path / "secret_key").read_text().strip() == keys[0]
    assert (tmp_path / "secret_key").stat().st_mode & 0o777 == 0o600
    assert not [p for p in tmp_path.iterdir() if p.name != "secret_key"]  # no temp files left


def test_an_empty_secret_key_file_is_explained(tmp_path):
    from mapapp.app import _instance_secret

    (tmp_path / "secret_key").write_text("")
    with pytest.raises(ConfigError, match="secret_key"):
        _instance_secret(tmp_path)
