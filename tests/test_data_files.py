"""The shipped data is real, sourced and labelled: checks on data/ itself."""

from __future__ import annotations

import csv
import json

from mapapp import PROJECT_ROOT
from mapapp.catalog import load_seed
from mapapp.records import COLUMNS

DATA = PROJECT_ROOT / "data"


def rows():
    with open(DATA / "installations.csv", encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def test_installations_csv_has_the_columns_and_enough_rows():
    with open(DATA / "installations.csv", encoding="utf-8") as f:
        header = f.readline().strip().split(",")
    assert tuple(header) == COLUMNS
    assert len(rows()) >= 15


def test_every_row_carries_a_source_and_a_precision():
    for row in rows():
        assert row["source_url"].startswith("https://"), row["slug"]
        assert row["source_note"].strip(), row["slug"]
        assert row["location_precision"] in {"surveyed", "approximate", "estimated"}


def test_festivals_from_the_research_are_present():
    with open(DATA / "festivals.csv", encoding="utf-8", newline="") as f:
        festivals = {r["slug"]: r["name"] for r in csv.DictReader(f)}
    assert {festivals[r["festival"]] for r in rows() if r["festival"]} == {
        "PARK FEST",
        "ARTBAT FEST",
    }


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
    for path in (DATA / "geo").glob("*.geojson"):
        doc = json.loads(path.read_text(encoding="utf-8"))
        assert doc["type"] == "FeatureCollection", path.name
        for f in doc["features"]:
            g = f["geometry"]
            pts = [g["coordinates"]] if g["type"] == "Point" else g["coordinates"]
            for lon, lat in pts:
                assert 76 < lon < 78 and 43 < lat < 44, path.name


def test_the_seed_loads_cleanly():
    loaded = load_seed(DATA)
    assert len(loaded.installations) == len(rows()) and len(loaded.route_coordinates) >= 2
