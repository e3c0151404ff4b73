"""Moving a database from before festivals, editions and artists were records.

The old data is the shipped installations.csv as it was then (16 works, festival
names as text, artists as free text): ``tests/data/installations_before_records.csv``.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from mapapp import resources
from mapapp.catalog import build_walk, load_seed, seed
from mapapp.store import Store, migrations

OLD_CSV = Path(__file__).parent / "data" / "installations_before_records.csv"
FIRST_NEW = "m008_data_festivals_editions_artists"


def old_columns() -> list[str]:
    with OLD_CSV.open(encoding="utf-8", newline="") as f:
        return next(csv.reader(f))


def old_rows() -> list[dict]:
    with OLD_CSV.open(encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    for row in rows:
        row["id"] = int(row["id"])
        row["year"] = int(row["year"]) if row["year"] else None
        row["lat"], row["lon"] = float(row["lat"]), float(row["lon"])
    return rows


@pytest.fixture
def old_store(tmp_path):
    """A database at the schema before m005, holding the old data and some history."""
    store = Store.open(tmp_path / "old.sqlite")
    migrations.apply(store.db, stop_before=FIRST_NEW)
    assert "edition" not in store.db["installations"].columns_dict
    now = "2026-11-01T00:00:00+00:00"
    for row in old_rows():
        fields = {k: row[k] for k in old_columns()}
        store.db["installations"].insert(
            {**fields, "version": 1, "created_at": now, "updated_at": now}
        )
        store.db["history"].insert(
            {
                "installation_id": row["id"],
                "version": 1,
                "action": "seed",
                "at": now,
                "changed": json.dumps(list(fields)),
                "after": json.dumps(fields, ensure_ascii=False),
            }
        )
    store.db["routes"].insert(  # as the old store wrote it: one current line, no record
        {
            "coordinates": json.dumps([[76.9543, 43.2096], [76.92, 43.2455]]),
            "properties": json.dumps({"name": "old"}),
            "is_current": 1,
            "created_at": now,
        }
    )
    yield store
    store.close()


def test_festival_values_become_festival_records_without_loss(old_store):
    before = {r["id"]: r["festival"] for r in old_rows()}
    assert set(before.values()) == {"", "PARK FEST", "ARTBAT FEST"}
    applied = old_store.migrate()
    assert applied[0] == FIRST_NEW
    festivals = {f["slug"]: f["name"] for f in old_store.records("festival")}
    assert festivals == {"park-fest": "PARK FEST", "artbat-fest": "ARTBAT FEST"}
    for row in old_store.all_installations():
        assert festivals.get(row["festival"], "") == before[row["id"]]
    # the public still sees the names it always saw, and filters by them
    walk = build_walk(old_store)
    assert {s["id"]: s["festival"] for s in walk.stops} == {
        k: v for k, v in before.items() if k in {s["id"] for s in walk.stops}
    }
    assert {s["id"] for s in walk.filtered(festival="PARK FEST")} == {
        k for k, v in before.items() if v == "PARK FEST"
    }


def test_artist_texts_become_linked_records_and_stay_as_credits(old_store):
    old_store.migrate()
    artists = {a["slug"]: a["name"] for a in old_store.records("artist")}
    credits = {r["artist"] for r in old_rows() if r["artist"]}
    assert set(artists.values()) == credits
    for row in old_store.all_installations():
        old = next(r for r in old_rows() if r["id"] == row["id"])
        assert row["artist"] == old["artist"]  # the credit is kept as written
        linked = [artists[k] for k in row["artists"].split(";") if k]
        assert linked == ([old["artist"]] if old["artist"] else [])


def test_texts_get_their_status_and_history_follows_the_keys(old_store):
    old_store.migrate()
    circus = old_store.installation(5)
    assert circus["title_ru"] and circus["text_status_ru"] == "translated"
    assert circus["text_status_en"] == "original"
    vinokurov = old_store.installation(7)
    assert vinokurov["title_ru"] == "" and vinokurov["text_status_ru"] == ""
    [entry] = old_store.history(10)
    assert entry["after"]["festival"] == "park-fest"
    # an old version restores onto the new schema: new fields keep their values
    old_store.update_installation(10, {"title": "Renamed"}, 1, "cora")
    restored = old_store.restore_version(10, entry["id"], 2, "cora")
    assert restored["title"] == old_rows()[9]["title"]
    assert restored["festival"] == "park-fest" and restored["artists"] == "andrey-lyublinsky"


def test_old_works_are_searchable_after_the_migration(old_store):
    old_store.migrate()
    # the museum's Russian title, and the park's English text through the folding
    assert set(old_store.search("Кастеев")) == {1, 2}
    assert old_store.search("цирк") == [5]
    assert old_store.search("Lyublinsky") == [10]


def test_seeding_a_migrated_database_adds_the_new_data_and_keeps_the_old(old_store):
    old_store.migrate()
    kept = old_store.all_installations()
    loaded = load_seed(resources.data_dir())
    counts = seed(old_store, loaded)
    new_ids = {r.id for r in loaded.installations} - {r["id"] for r in kept}
    assert counts["migrations"] == 0 and counts["installations"] == len(new_ids)
    # the festivals made by the migration have the seed's keys, so they are kept
    assert counts["festivals"] == len(loaded.records["festival"]) - 2
    after = {r["id"]: r for r in old_store.all_installations()}
    for row in kept:
        assert after[row["id"]] == row
    assert old_store.record_by_slug("festival", "park-fest")["name"] == "PARK FEST"
    assert build_walk(old_store).stops
