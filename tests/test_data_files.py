"""The shipped data is real, sourced and labelled: checks on data/ itself."""

from __future__ import annotations

import csv
import json

import pytest

from mapapp import resources
from mapapp.catalog import RECORD_FILES, load_seed
from mapapp.records import COLUMNS, LANGUAGES, RECORD_TYPES, TEXT_STATUSES, split_keys

DATA = resources.data_dir()


def rows(name: str = "installations.csv"):
    with open(DATA / name, encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def header(name: str) -> tuple[str, ...]:
    with open(DATA / name, encoding="utf-8", newline="") as f:
        return tuple(next(csv.reader(f)))


def test_installations_csv_has_the_columns_and_enough_rows():
    assert header("installations.csv") == COLUMNS
    assert len(rows()) >= 30


@pytest.mark.parametrize(("kind", "name"), RECORD_FILES)
def test_record_files_have_their_columns_and_sources(kind, name):
    # the seed files leave out ``id``: records are matched by key
    assert header(name) == RECORD_TYPES[kind].columns[1:]
    assert rows(name)
    for row in rows(name):
        assert row["source_url"].startswith(("https://", "http://")), row["slug"]
        assert row["source_note"].strip(), row["slug"]


def test_every_row_carries_a_source_and_a_precision():
    for row in rows():
        # a few sources (motamuseum.com, artecitya.eu) are recorded with http only
        assert row["source_url"].startswith(("https://", "http://")), row["slug"]
        assert row["source_note"].strip(), row["slug"]
        assert row["location_precision"] in {"surveyed", "approximate", "estimated"}


def test_every_text_is_in_three_languages_with_its_status():
    for name, fields in [
        ("installations.csv", ("title", "description", "address")),
        ("festivals.csv", ("name",)),
        ("editions.csv", ("name",)),
        ("artists.csv", ("name", "bio")),
    ]:
        for row in rows(name):
            for lang in LANGUAGES:
                suffix = "" if lang == "en" else f"_{lang}"
                texts = [row[f"{f}{suffix}"] for f in fields if row[f]]
                assert all(texts), (name, row["slug"], lang)
                assert row[f"text_status_{lang}"] in TEXT_STATUSES, (name, row["slug"], lang)
            assert row["text_status_en"] == "original"


def test_festivals_and_editions_from_the_research_are_present():
    festivals = {r["slug"]: r for r in rows("festivals.csv")}
    assert {festivals[k]["name"] for k in ("park-fest", "artbat-fest")} == {
        "PARK FEST",
        "ARTBAT FEST",
    }
    editions = {r["slug"]: r for r in rows("editions.csv")}
    for key, year in (
        ("artbat-fest-7", "2016"),
        ("artbat-fest-9", "2018"),
        ("artbat-fest-11", "2023"),
    ):
        assert editions[key]["festival"] == "artbat-fest" and editions[key]["year"] == year
    used = {r["edition"] for r in rows() if r["edition"]}
    assert {"artbat-fest-7", "artbat-fest-9", "park-fest-2018"} <= used


def test_works_refer_to_festivals_editions_and_artists_that_exist():
    festivals = {r["slug"] for r in rows("festivals.csv")}
    editions = {r["slug"]: r["festival"] for r in rows("editions.csv")}
    artists = {r["slug"] for r in rows("artists.csv")}
    for row in rows():
        assert row["festival"] in festivals | {""}, row["slug"]
        if row["edition"]:
            assert editions[row["edition"]] == row["festival"], row["slug"]
        assert set(split_keys(row["artists"])) <= artists, row["slug"]
    linked = {a for r in rows() for a in split_keys(r["artists"])}
    assert linked == artists, "an artist record with no work"


def test_temporary_works_carry_their_dates():
    """Published festival installations and events say when they were on show."""
    for row in rows():
        temporary = row["edition"] and row["kind"] in ("installation", "event", "pavilion")
        if temporary and row["status"] == "published":
            assert row["start_date"], row["slug"]


def test_unplaced_works_are_drafts_and_published_ones_say_how_they_were_placed():
    for row in rows():
        note = row["source_note"].lower()
        assert "position" in note, row["slug"]
        if "placeholder" in note or "inferred, not published" in note:
            assert row["status"] == "draft", row["slug"]


def test_route_runs_south_to_north_and_names_the_river_both_ways():
    doc = json.loads((DATA / "geo" / "vesnovka_route.geojson").read_text(encoding="utf-8"))
    [feature] = doc["features"]
    coords = feature["geometry"]["coordinates"]
    assert coords[0][1] < coords[-1][1]
    # from the Zhamakayev St end (43.2096, 76.9543) at least to Zhambyl St (43.2455)
    assert coords[0] == [76.9543, 43.2096]
    assert coords[-1][1] >= 43.2455
    props = feature["properties"]
    assert props["name_kk"] == "Есентай" and props["name_ru"] == "Весновка"
    assert props["geometry_precision"] and props["source"]


def test_every_geo_layer_is_valid_geojson_in_lon_lat():
    paths = sorted((DATA / "geo").glob("*.geojson"))
    assert {p.name for p in paths} >= {"vesnovka_route.geojson", "route_anchors.geojson"}
    for path in paths:
        doc = json.loads(path.read_text(encoding="utf-8"))
        assert doc["type"] == "FeatureCollection", path.name
        assert doc["features"], path.name
        for f in doc["features"]:
            g = f["geometry"]
            assert g["type"] in ("Point", "LineString"), (path.name, g["type"])
            pts = [g["coordinates"]] if g["type"] == "Point" else g["coordinates"]
            for lon, lat in pts:
                assert 76 < lon < 78 and 43 < lat < 44, path.name


def test_the_seed_loads_cleanly():
    loaded = load_seed(DATA)
    assert len(loaded.installations) == len(rows()) and len(loaded.route_coordinates) >= 2
    for kind, name in RECORD_FILES:
        assert len(loaded.records[kind]) == len(rows(name))
