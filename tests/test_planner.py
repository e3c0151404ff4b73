"""The planner: page, chart, /api/coverage and `mapapp coverage`, on the shipped data."""

from __future__ import annotations

import csv
import io
import json
import re
import xml.etree.ElementTree as ET

import pytest
from click.testing import CliRunner

from mapapp import coverage
from mapapp.catalog import build_walk
from mapapp.cli import cli
from mapapp.records import Installation

XSS = "<img src=x onerror=alert(1)>"


def expected_report(store, **kwargs) -> coverage.CoverageReport:
    """The report straight from the geometry module, for comparison."""
    walk = build_walk(store)
    kind, festival = kwargs.pop("kind", None), kwargs.pop("festival", None)
    works = walk.filtered(kind=kind, festival=festival)
    return coverage.coverage_report(
        walk.route, [w["lon"] for w in works], [w["lat"] for w in works], **kwargs
    )


def add_hostile_work(store, chainage_m: float = 500.0) -> None:
    """A published work on the route whose text is hostile HTML."""
    walk = build_walk(store)
    lon, lat = walk.route.point_at(chainage_m)
    store.insert_missing(
        [
            Installation(
                id=951,
                slug="hostile-planner",
                title=XSS,
                kind="mural",
                lat=lat,
                lon=lon,
                location_precision="estimated",
                source_url="https://example.org/",
            )
        ]
    )


# the page ----------------------------------------------------------------------------


def test_page_shows_map_summary_chart_and_downloads(client, store):
    resp = client.get("/planner")
    assert resp.status_code == 200
    html = resp.get_data(as_text=True)
    rep = expected_report(store)
    assert 'class="folium-map"' in html and "TerrenkurPlanner.mount" in html
    assert f"{rep.share * 100:.1f} %" in html
    assert html.count('class="report gaps"') == 1
    assert html.count('<span class="where">km ') == len(rep.gaps) + len(rep.suggestions)
    assert 'src="/planner/chart.svg?radius=150&amp;gap=300&amp;segment=100&amp;k=5"' in html
    assert 'href="/api/coverage?format=csv&amp;radius=150' in html
    assert 'download="terrenkur-coverage-r150.geojson"' in html
    settings = re.search(
        r'<script type="application/json" id="planner-settings">(.*?)</script>', html, re.S
    )
    blob = json.loads(settings.group(1))
    assert len(blob["segments"]["features"]) == len(rep.segments)
    assert len(blob["gaps"]["features"]) == len(rep.gaps)
    assert len(blob["works"]) == rep.works_total


def test_page_obeys_the_content_security_policy(client):
    resp = client.get("/planner")
    html = resp.get_data(as_text=True)
    nonce = re.search(r"'nonce-([^']+)'", resp.headers["Content-Security-Policy"]).group(1)
    inline = re.findall(r"<script(?![^>]*\bsrc=)([^>]*)>", html)
    assert inline
    for attrs in inline:
        assert f'nonce="{nonce}"' in attrs or 'type="application/json"' in attrs
    assert not re.search(r"<[^>]+\sstyle=", html), "inline style attribute"
    assert "<style" not in html
    urls = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert urls
    for url in urls:
        assert url.startswith("/") or url.startswith("#"), url


def test_filters_change_the_report(client, store):
    html = client.get("/planner?kind=sculpture&festival=PARK+FEST&radius=300").text
    rep = expected_report(store, kind="sculpture", festival="PARK FEST", radius_m=300)
    assert f"{rep.share * 100:.1f} %" in html
    assert '<option value="sculpture" selected>' in html
    assert '<option value="PARK FEST" selected>' in html
    assert 'value="300"' in html


def test_text_from_the_data_is_escaped(client, store):
    add_hostile_work(store)
    html = client.get("/planner").text
    assert XSS not in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html  # a gap's neighbour
    assert "\\u003cimg src=x" in html  # the settings blob


@pytest.mark.parametrize(
    ("query", "field", "message"),
    [
        ("radius=abc", "radius", "Walking radius must be a number of metres"),
        ("radius=-5", "radius", "Walking radius must be more than 0 and at most 5000"),
        ("radius=0", "radius", "more than 0"),
        ("radius=1e400", "radius", "at most 5000"),
        ("gap=0", "gap", "Shortest gap must be more than 0"),
        ("segment=5", "segment", "Segment length must be from 10 to 10000"),
        ("k=51", "k", "Suggested sites must be a whole number from 0 to 50"),
        ("k=2.5", "k", "whole number"),
        ("kind=spaceship", "kind", "Kind must be one of"),
        ("festival=WOODSTOCK", "festival", "Festival must be one of"),
    ],
)
def test_bad_values_re_render_the_form_with_400(client, query, field, message):
    resp = client.get(f"/planner?{query}")
    assert resp.status_code == 400
    html = resp.text
    assert message in html
    assert 'role="alert"' in html and f'id="e-{field}"' in html
    assert 'aria-invalid="true"' in html
    assert "folium-map" not in html  # no report for bad values


def test_bad_values_are_echoed_escaped(client):
    resp = client.get("/planner", query_string={"radius": '"><script>alert(1)</script>'})
    assert resp.status_code == 400
    assert "<script>alert(1)" not in resp.text
    assert "&#34;&gt;&lt;script&gt;" in resp.text or "&quot;&gt;&lt;script&gt;" in resp.text


def test_suggested_sites_table(client, store):
    html = client.get("/planner?k=3").text
    rep = expected_report(store, k=3)
    assert len(rep.suggestions) == 3
    for site in rep.suggestions:
        assert f"{site.lat:.5f}," in html
    assert "No sites asked for." in client.get("/planner?k=0").text


# the chart -----------------------------------------------------------------------------


def test_chart_is_valid_svg(client):
    resp = client.get("/planner/chart.svg?radius=200")
    assert resp.status_code == 200
    assert resp.mimetype == "image/svg+xml"
    root = ET.fromstring(resp.data)
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    text = "".join(root.itertext())
    assert "km along the route" in text and "200 m" in text
    assert "script" not in resp.text.lower()
    assert resp.headers["Content-Security-Policy"].startswith("default-src 'none'")
    etag = resp.headers["ETag"]
    again = client.get("/planner/chart.svg?radius=200", headers={"If-None-Match": etag})
    assert again.status_code == 304


def test_phones_get_a_narrow_chart(client):
    html = client.get("/planner").text
    assert '<source media="(max-width: 599px)" srcset="/planner/chart.svg?size=narrow&amp;' in html
    wide = ET.fromstring(client.get("/planner/chart.svg").data)
    narrow = ET.fromstring(client.get("/planner/chart.svg?size=narrow").data)
    assert float(wide.get("width").removesuffix("pt")) > float(
        narrow.get("width").removesuffix("pt")
    )
    resp = client.get("/planner/chart.svg?size=huge")
    assert resp.status_code == 400 and "size must be one of: wide, narrow" in resp.json["message"]


def test_chart_rejects_bad_values(client):
    resp = client.get("/planner/chart.svg?segment=1")
    assert resp.status_code == 400
    assert "segment must be from 10 to 10000" in resp.json["message"]


# the API -------------------------------------------------------------------------------


def test_api_json_matches_the_geometry_module(client, store):
    resp = client.get("/api/coverage?radius=120&gap=250&segment=200&k=2")
    assert resp.status_code == 200 and resp.mimetype == "application/json"
    doc = resp.json
    rep = expected_report(store, radius_m=120, gap_m=250, segment_m=200, k=2)
    assert doc["parameters"] == {
        "radius": 120.0,
        "gap": 250.0,
        "segment": 200.0,
        "k": 2,
        "kind": None,
        "festival": None,
    }
    for key in ("share", "covered_m", "length_m", "works_per_km"):
        assert key in doc
    assert doc["share"] == round(rep.share, 4)
    assert doc["covered_m"] == round(rep.covered_m, 1)
    assert doc["covered"] == [[round(a, 1), round(b, 1)] for a, b in rep.covered]
    assert [s["works"] for s in doc["segments"]] == [s.works for s in rep.segments]
    assert [g["length_m"] for g in doc["gaps"]] == [round(g.length_m, 1) for g in rep.gaps]
    assert len(doc["suggestions"]) == 2
    assert resp.headers["Cache-Control"].startswith("public")
    again = client.get(
        "/api/coverage?radius=120&gap=250&segment=200&k=2",
        headers={"If-None-Match": resp.headers["ETag"]},
    )
    assert again.status_code == 304


def test_api_geojson_and_csv(client):
    resp = client.get("/api/coverage?format=geojson&kind=sculpture")
    assert resp.mimetype == "application/geo+json"
    doc = resp.json
    assert doc["type"] == "FeatureCollection"
    kinds = {f["properties"]["feature"] for f in doc["features"]}
    assert {"segment", "gap"} <= kinds
    lon, lat = doc["features"][0]["geometry"]["coordinates"][0]
    assert 76 < lon < 78 and 43 < lat < 44
    resp = client.get("/api/coverage?format=csv&festival=ARTBAT+FEST")
    assert resp.mimetype == "text/csv"
    assert (
        'filename="terrenkur-coverage-r150-artbat-fest.csv"' in resp.headers["Content-Disposition"]
    )
    rows = list(csv.DictReader(io.StringIO(resp.text)))
    assert rows[0]["feature"] == "route"
    assert {r["feature"] for r in rows} >= {"route", "segment"}


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("radius=-1", "radius must be more than 0"),
        ("radius=0", "radius must be more than 0"),
        ("radius=abc", "radius must be a number"),
        ("radius=nan", "radius must be a number of metres"),
        ("radius=inf", "radius must be a number of metres"),
        ("radius=5001", "at most 5000"),
        ("gap=-3", "gap must be more than 0"),
        ("gap=1e9", "gap must be more than 0 and at most 100000"),
        ("segment=9", "segment must be from 10 to 10000"),
        ("segment=0", "segment must be from 10"),
        ("segment=x", "segment must be a number"),
        ("k=-1", "k must be a whole number from 0 to 50"),
        ("k=51", "k must be a whole number from 0 to 50"),
        ("k=two", "k must be a whole number"),
        ("kind=spaceship", "kind must be one of: sculpture"),
        ("festival=x", "festival must be one of: ARTBAT FEST, "),
        ("format=xml", "format must be one of: json, geojson, csv"),
    ],
)
def test_api_bad_parameters_give_400_json(client, query, message):
    resp = client.get(f"/api/coverage?{query}")
    assert resp.status_code == 400, resp.text
    assert resp.mimetype == "application/json"
    assert message in resp.json["message"]
    assert resp.headers["Cache-Control"] == "no-store"


def test_api_reports_every_bad_parameter(client):
    message = client.get("/api/coverage?radius=0&segment=1").json["message"]
    assert "radius" in message and "segment" in message


def test_reports_follow_data_changes(client, store):
    before = client.get("/api/coverage").json["works_total"]
    add_hostile_work(store)
    assert client.get("/api/coverage").json["works_total"] == before + 1


# the CLI -------------------------------------------------------------------------------


def run_cli(*args):
    return CliRunner().invoke(cli, ["coverage", *args], catch_exceptions=False)


def test_cli_table(db_path, store):
    result = run_cli("--db", str(db_path), "--radius", "150")
    assert result.exit_code == 0, result.output
    rep = expected_report(store)
    assert "Coverage of the route by published works within 150 m" in result.output
    assert f"({rep.share * 100:.1f} %)" in result.output
    assert f"Gaps of 300 m or more, longest first: {len(rep.gaps)}" in result.output
    assert f"Segments of 100 m: {len(rep.segments)}" in result.output


def test_cli_csv_and_geojson(db_path, store):
    result = run_cli("--db", str(db_path), "--kind", "sculpture", "--format", "csv")
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(result.output)))
    rep = expected_report(store, kind="sculpture")
    assert float(rows[0]["covered_m"]) == round(rep.covered_m, 1)
    assert sum(r["feature"] == "segment" for r in rows) == len(rep.segments)
    result = run_cli("--db", str(db_path), "--format", "geojson", "--segment", "500", "-k", "2")
    doc = json.loads(result.output)
    assert doc["type"] == "FeatureCollection"
    assert sum(f["properties"]["feature"] == "site" for f in doc["features"]) == 2


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--radius", "0"], "above 0 and at most 5000"),
        (["--radius", "abc"], "'abc' is not a number"),
        (["--segment", "5"], "from 10 to 10000"),
        (["-k", "99"], "not a whole number from 0 to 50"),
        (["--kind", "spaceship"], "must be one of"),
        (["--festival", "x"], "must be one of"),
        (["--format", "xml"], "xml"),
    ],
)
def test_cli_rejects_bad_values(db_path, args, message):
    result = run_cli("--db", str(db_path), *args)
    assert result.exit_code == 2
    assert message in result.output


def test_cli_without_a_database(tmp_path):
    result = run_cli("--db", str(tmp_path / "none.sqlite"))
    assert result.exit_code == 1
    assert "mapapp init-db" in result.output


def test_cli_help_has_an_example():
    result = CliRunner().invoke(cli, ["coverage", "--help"])
    assert result.exit_code == 0
    assert "mapapp coverage --radius 150" in result.output
