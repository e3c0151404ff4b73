"""Provenance and precision rules (mapapp.provenance), and that internal notes stay internal."""

from __future__ import annotations

import csv
import datetime as dt
import json
import math

import pytest

from mapapp import completeness, provenance
from mapapp.records import validate_row
from mapapp.resources import data_dir

from .conftest import make_installation

BASE = {
    "slug": "a",
    "title": "A",
    "kind": "mural",
    "lat": 43.24,
    "lon": 76.92,
    "location_precision": "approximate",
    "source_url": "https://example.org/",
}


@pytest.mark.parametrize(
    ("method", "accuracy", "expected"),
    [
        ("gps", 3.0, "surveyed"),
        ("gps", 15.0, "surveyed"),
        ("gps", 15.1, "approximate"),
        ("gps", 150.0, "approximate"),
        ("gps", 151.0, "estimated"),
        ("gps", None, "estimated"),
        ("gps", math.nan, "estimated"),
        ("gps", -1.0, "estimated"),
        ("clicked", None, "approximate"),
        ("clicked", 2.0, "approximate"),  # a click is never surveyed, whatever is claimed
        ("typed", None, "estimated"),
        ("typed", 1.0, "estimated"),
    ],
)
def test_precision_follows_how_the_point_was_obtained(method, accuracy, expected):
    assert provenance.precision_for(method, accuracy) == expected


def test_a_gps_fix_records_its_accuracy_and_time_a_click_neither():
    at = dt.datetime(2026, 5, 1, 9, 30, tzinfo=dt.UTC)
    fix = provenance.position_fix("gps", 7.26, at)
    assert fix.fields() == {
        "location_precision": "surveyed",
        "position_method": "gps",
        "position_accuracy_m": 7.3,
        "position_fixed_at": "2026-05-01T09:30:00+00:00",
    }
    assert provenance.position_fix("gps", 40).precision == "approximate"
    assert provenance.position_fix("gps", 4).fixed_at  # now, when not given
    click = provenance.position_fix("clicked", 3)
    assert (click.precision, click.accuracy_m, click.fixed_at) == ("approximate", None, "")
    with pytest.raises(ValueError, match="method must be"):
        provenance.position_fix("guessed")


@pytest.mark.parametrize(
    ("precision", "method", "accuracy", "fixed_at", "surveyed", "problem"),
    [
        ("surveyed", "gps", 9.0, "2026-05-01T09:30:00+00:00", False, None),
        ("surveyed", "gps", 9.0, "", False, "surveyed_needs_fix"),  # no time recorded
        ("surveyed", "gps", 40.0, "2026-05-01T09:30:00+00:00", False, "surveyed_needs_fix"),
        ("surveyed", "gps", 40.0, "2026-05-01T09:30:00+00:00", True, None),
        ("surveyed", "clicked", None, "", False, "surveyed_needs_survey"),
        ("surveyed", "typed", None, "", False, "surveyed_needs_survey"),
        ("surveyed", "clicked", None, "", True, None),  # surveyed on site, placed on a map
        ("surveyed", "", None, "", False, None),  # how it was obtained not recorded (old rows)
        ("approximate", "clicked", None, "", False, None),
        ("estimated", "typed", None, "", False, None),
    ],
)
def test_when_surveyed_is_allowed(precision, method, accuracy, fixed_at, surveyed, problem):
    assert provenance.precision_problem(precision, method, accuracy, fixed_at, surveyed) == problem


def test_a_source_is_a_web_address_or_a_survey_on_site():
    assert provenance.has_source("https://example.org/", "", "")
    assert provenance.has_source("", "Cora K.", "2026-05-01")
    assert not provenance.has_source("", "Cora K.", "")
    assert not provenance.has_source("", "", "2026-05-01")
    assert provenance.survey_source("cora", dt.date(2026, 5, 1)) == {
        "surveyed_by": "cora",
        "surveyed_on": "2026-05-01",
    }


def test_the_record_rules_use_them():
    survey = {"surveyed_by": "Cora K.", "surveyed_on": "2026-05-01"}
    rec, errors = validate_row({**BASE, "source_url": "", **survey}, 2)
    assert rec is not None and not errors
    _, errors = validate_row({**BASE, "source_url": ""}, 2)
    assert [(e.field, e.code) for e in errors] == [("source_url", "source_required")]
    _, errors = validate_row({**BASE, "surveyed_on": "2026-02-30", **{"surveyed_by": "x"}}, 2)
    assert errors[0].code == "date_format"
    clicked = {**BASE, "location_precision": "surveyed", "position_method": "clicked"}
    assert validate_row(clicked, 2)[1][0].code == "surveyed_needs_survey"
    assert validate_row({**clicked, **survey}, 2)[1] == []
    weak = {**clicked, "position_method": "gps", "position_accuracy_m": "40"}
    assert validate_row(weak, 2)[1][0].code == "surveyed_needs_fix"
    good = {**weak, "position_accuracy_m": "8", "position_fixed_at": "2026-05-01T09:30:00+00:00"}
    assert validate_row(good, 2)[1] == []
    assert validate_row({**BASE, "position_method": "guess"}, 2)[1][0].code == "unknown_value"
    assert validate_row({**BASE, "position_accuracy_m": "-3"}, 2)[1][0].code == "out_of_range"


def test_the_public_sees_how_we_know_never_the_research_note():
    row = {
        **BASE,
        "source_note": "INTERNAL",
        "surveyed_by": "Cora K.",
        "surveyed_on": "2026-05-01",
        "how_we_know": "Seen on site.",
        "position_accuracy_m": 5.0,
    }
    public = provenance.public_provenance(row)
    assert public["surveyed_on"] == "2026-05-01" and public["how_we_know"] == "Seen on site."
    assert "INTERNAL" not in json.dumps(public) and "Cora" not in json.dumps(public)
    assert set(public).isdisjoint(provenance.CURATOR_ONLY)


def test_research_notes_never_reach_public_pages_the_api_or_the_offline_data(app, store, client):
    marker = "RESEARCH-NOTE-7f3a"
    store.insert_missing(
        [make_installation(id=9401, slug="noted-work", source_note=marker, how_we_know="Seen.")]
    )
    paths = [
        "/",
        "/?lang=ru",
        "/esentai/installations/noted-work",
        "/api/routes/esentai/installations.geojson",
        "/api/routes/esentai/installations.geojson?lang=kk",
        "/api/routes/esentai/installations/9401",
        "/api/routes/esentai/nearest?lat=43.24&lon=76.92&n=50",
        "/api/routes/esentai/next?lat=43.24&lon=76.92&direction=forward",
        "/api/routes/esentai/search?q=test",
        "/esentai/planner",
        "/esentai/stops",
        "/api/routes/esentai/stops.json?lang=en",
        "/api/routes/esentai/details/0.json?lang=en",
        "/api/routes/esentai/details/0.json?lang=ru",
    ]
    for path in paths:
        resp = client.get(path)
        assert resp.status_code in (200, 400), path
        assert marker not in resp.get_data(as_text=True), path
    feature = client.get("/api/routes/esentai/installations/9401").json
    assert feature["properties"]["how_we_know"] == "Seen."
    assert "source_note" not in feature["properties"]


def test_no_shipped_public_text_reads_like_an_internal_note():
    internal = ("our copy", "our sources", "наши источники", "наших источниках", "біздің дереккөз")
    path = data_dir() / "installations.csv"
    with path.open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    for row in rows:
        texts = [row[f"description{s}"] for s in ("", "_ru", "_kk")]
        for text in texts:
            assert not any(phrase in text.lower() for phrase in internal), (row["slug"], text)
        if row["status"] == "published":
            assert row["how_we_know"] and row["how_we_know_ru"] and row["how_we_know_kk"], row[
                "slug"
            ]
            # where the point comes from is said in the how-we-know line, not the description
            assert "the point" not in row["description"].lower(), row["slug"]


def test_completeness_gaps():
    full = {
        "photo": "a.jpg",
        "title": "T",
        "title_ru": "Т",
        "title_kk": "Т",
        "description": "",
        "artist": "X",
        "kind": "mural",
        "location_precision": "surveyed",
    }
    assert completeness.gaps(full) == []
    bare = {**full, "photo": "", "title_kk": "", "artist": "", "location_precision": "estimated"}
    assert completeness.gaps(bare) == ["photo", "translation", "artist", "surveyed"]
    assert "artist" not in completeness.gaps({**bare, "kind": "park"})


def test_the_write_api_sets_the_precision_from_how_the_point_was_obtained(cclient, auth):
    auth.login()
    work = {
        "title": "Field find",
        "kind": "mural",
        "lat": 43.2399,
        "lon": 76.9203,
        "surveyed_by": "cora",
        "surveyed_on": "2026-05-01",
    }
    gps = cclient.post(
        "/api/curator/installations",
        json={**work, "slug": "gps-find", "position_method": "gps", "position_accuracy_m": 6.5},
    )
    assert gps.status_code == 201, gps.json
    body = gps.json
    assert body["location_precision"] == "surveyed" and body["source_url"] == ""
    assert body["position_accuracy_m"] == 6.5 and body["position_fixed_at"]
    poor = cclient.post(
        "/api/curator/installations",
        json={**work, "slug": "poor-fix", "position_method": "gps", "position_accuracy_m": 60},
    ).json
    assert poor["location_precision"] == "approximate"
    clicked = cclient.post(
        "/api/curator/installations",
        json={**work, "slug": "clicked", "position_method": "clicked", "position_accuracy_m": 3},
    ).json
    assert clicked["location_precision"] == "approximate"
    assert clicked["position_accuracy_m"] is None and clicked["position_fixed_at"] == ""
    claimed = {**work, "slug": "claimed", "surveyed_by": "", "surveyed_on": ""}
    resp = cclient.post(
        "/api/curator/installations",
        json={**claimed, "source_url": "https://example.org/", "location_precision": "surveyed",
              "position_method": "typed"},
    )  # fmt: skip
    assert resp.status_code == 400 and resp.json["codes"]["location_precision"] == (
        "surveyed_needs_survey"
    )
    resp = cclient.post(
        "/api/curator/installations", json={**claimed, "location_precision": "approximate"}
    )
    assert resp.status_code == 400 and resp.json["codes"]["source_url"] == "source_required"


def test_the_new_work_form_does_not_default_to_surveyed(cclient, auth):
    auth.login()
    page = cclient.get("/curator/new").text
    assert '<option value="surveyed" selected' not in page
    assert '<option value="approximate" selected' in page
    assert 'id="field-position-method"' in page


def test_the_migration_gives_works_from_openstreetmap_their_public_credit(tmp_path):
    """Before m015 the ODbL credit was in the (then public) source note; now it is public
    in the how-we-know lines, and the note stays the curators'."""
    from sqlite_utils import Database

    from mapapp.store import Store, migrations

    path = tmp_path / "old.sqlite"
    db = Database(path)
    for m in migrations.pending(db):
        if m.name >= "m015":
            break
        m.fn(db)
        db.table("_sqlite_migrations").insert(
            {"migration_set": "mapapp", "name": m.name, "applied_at": "2026-01-01"}
        )
    db.table("installations").insert_all(
        [
            {"id": 1, "slug": "osm", "title": "From OSM", "kind": "mural", "lat": 43.2,
             "lon": 76.9, "status": "published", "osm_ref": "node/1", "version": 1,
             "source_note": "Imported from OpenStreetMap (ODbL 1.0)"},
            {"id": 2, "slug": "ours", "title": "Ours", "kind": "mural", "lat": 43.2,
             "lon": 76.9, "status": "published", "version": 1, "osm_ref": "",
             "source_note": ""},
        ]
    )  # fmt: skip
    db.close()
    store = Store.open(path)
    store.migrate()
    osm_row, ours = store.installation(1), store.installation(2)
    store.close()
    assert "© OpenStreetMap contributors" in osm_row["how_we_know"]
    assert (
        "OpenStreetMap" in osm_row["how_we_know_ru"]
        and "OpenStreetMap" in osm_row["how_we_know_kk"]
    )
    assert ours["how_we_know"] == "" and osm_row["version"] == 1
