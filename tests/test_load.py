"""Real servers under load: concurrent curators and readers lose nothing and see no
5xx; a kill -9 in the middle of an import leaves the database intact."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from contextlib import closing

from click.testing import CliRunner

from mapapp.cli import cli
from mapapp.store import Store

from .load_support import check_acknowledged, drive, seeded_db, start_servers, versions_now

CURATORS = 4
READERS = 2
SECONDS = 3.0


def test_concurrent_curators_and_readers_on_two_processes(tmp_path):
    db = seeded_db(tmp_path / "mapapp.sqlite", curators=CURATORS)
    before = versions_now(db)
    with start_servers(db, tmp_path, count=2) as servers:
        tally = drive([s.url for s in servers], CURATORS, READERS, SECONDS)
    summary = (
        f"{len(tally.write_seconds)} writes ({len(tally.acks)} acknowledged, "
        f"{tally.conflicts} version conflicts), {len(tally.read_seconds)} reads, "
        f"p95 write {tally.p95(tally.write_seconds) * 1000:.0f} ms, statuses {tally.statuses}"
    )
    print(summary)
    assert tally.errors == 0, summary
    assert set(tally.statuses) <= {200, 201, 409}, summary
    assert len(tally.acks) >= 4 * CURATORS, summary  # real work was done
    assert check_acknowledged(db, tally, before) == []
    with closing(sqlite3.connect(db)) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


# kill -9 in the middle of an import -------------------------------------------------------

ROWS = 300
STOP_AT = 120
IMPORT_WITH_A_STOP = f"""
import sys, time
from pathlib import Path
from mapapp import store
from mapapp.cli import cli

real, seen = store.Store._create, []
def create(self, *args, **kwargs):
    seen.append(1)
    if len(seen) == {STOP_AT}:  # inside the transaction, {STOP_AT - 1} rows written
        Path(sys.argv[3]).write_text("stopped")
        time.sleep(120)
    return real(self, *args, **kwargs)
store.Store._create = create
cli(["import", sys.argv[1], "--db", sys.argv[2], "--user", "killed"])
"""


def test_kill_9_during_an_import_leaves_the_database_intact(tmp_path):
    db = seeded_db(tmp_path / "mapapp.sqlite", curators=0)
    csv = tmp_path / "many.csv"
    lines = ["slug,title,kind,lat,lon,location_precision,source_url,status"]
    lines += [
        f"bulk-{n},Bulk {n},mural,{43.235 + n / 100_000:.6f},76.9205,estimated,"
        "https://example.org/bulk,published"
        for n in range(ROWS)
    ]
    csv.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with closing(Store.open(db)) as store:
        before = store.all_installations()
    marker = tmp_path / "stopped"
    proc = subprocess.Popen(
        [sys.executable, "-c", IMPORT_WITH_A_STOP, str(csv), str(db), str(marker)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 120
        while not marker.exists():
            assert proc.poll() is None, proc.stderr.read().decode() if proc.stderr else ""
            assert time.monotonic() < deadline, "the import never got going"
            time.sleep(0.05)
        os.kill(proc.pid, signal.SIGKILL)
    finally:
        proc.wait(timeout=30)
        if proc.stderr:
            proc.stderr.close()
    assert proc.returncode == -signal.SIGKILL
    conn = sqlite3.connect(db)
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    conn.close()
    store = Store.open(db)
    try:
        assert store.all_installations() == before  # all or nothing: nothing
        assert not any(h["username"] == "killed" for r in before for h in store.history(r["id"]))
    finally:
        store.close()
    # and the same import, run again, goes through whole
    result = CliRunner().invoke(cli, ["import", str(csv), "--db", str(db)])
    assert result.exit_code == 0, result.output
    with closing(Store.open(db)) as store:
        assert len(store.all_installations()) == len(before) + ROWS
