"""Concurrent curators: write throughput and latency of the real server.

Run with ``.venv/bin/python benchmarks/writes.py`` (about half a minute). Prints, and
asserts nothing: for 1, 2 and 4 curators writing at once through the JSON API
(``mapapp serve``: waitress, 8 threads, one process, on 127.0.0.1), the writes per
second the server held, how many got a 5xx (the target is none), the version
conflicts (409: two curators saving the same work; correct answers, not errors),
and the median and 95th-percentile write latency; then whether the database equals
the acknowledged writes. A last run adds two readers on the map and the API.

Each curator signs in once, then loops: create a draft (15 %), edit a work everyone
edits (30 % of the rest: 409s expected) or edit one of its own drafts, always
sending the version it last saw. The clients run in this process, so on a small
machine they share its cores with the server: the figures are a floor.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.load_support import (  # noqa: E402
    check_acknowledged,
    drive,
    seeded_db,
    start_servers,
    versions_now,
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=5.0, help="length of each run")
    parser.add_argument("--processes", type=int, default=1, help="mapapp serve processes")
    args = parser.parse_args()
    print(
        f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}; {args.processes} server process(es), "
        f"{args.seconds:g} s per run"
    )
    print(
        f"{'curators':>8} {'readers':>7} {'writes/s':>9} {'5xx':>4} {'409':>5}"
        f" {'p50 ms':>7} {'p95 ms':>7} {'reads/s':>8} {'stored = acked':>15}"
    )
    with tempfile.TemporaryDirectory() as tmp:
        tmp_path = Path(tmp)
        db = seeded_db(tmp_path / "mapapp.sqlite", curators=4)
        with start_servers(db, tmp_path, count=args.processes) as servers:
            urls = [s.url for s in servers]
            for curators, readers in ((1, 0), (2, 0), (4, 0), (4, 2)):
                before = versions_now(db)
                tally = drive(urls, curators, readers, args.seconds)
                writes = len(tally.write_seconds)
                problems = check_acknowledged(db, tally, before)
                p50 = statistics.median(tally.write_seconds) * 1000
                p95 = tally.p95(tally.write_seconds) * 1000
                print(
                    f"{curators:>8} {readers:>7} {writes / args.seconds:>9.1f} {tally.errors:>4}"
                    f" {tally.conflicts:>5} {p50:>7.1f} {p95:>7.1f}"
                    f" {len(tally.read_seconds) / args.seconds:>8.1f}"
                    f" {'yes' if not problems else 'NO: ' + problems[0]:>15}"
                )


if __name__ == "__main__":
    main()
