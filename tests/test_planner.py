"""The planner: page, chart, /api/coverage and `mapapp coverage`, on the shipped data."""

from __future__ import annotations

import csv
import io
import json
import re
import xml.etree.ElementTree as ET

import pytest
from click.testing import CliRunner

from mapapp import coverage, lifecycle, resources, selection
from mapapp.catalog import build_walk, reference_layers
from mapapp.cli import cli
from mapapp.records import ART_KINDS, CONTEXT_KINDS, Installation

XSS = "<img src=x onerror=alert(1)>"


def access_points() -> tuple[coverage.AccessPoint, ...]:
    """The crossings and bike stations shipped in data/geo, as the planner reads them."""
    return tuple(
        coverage.AccessPoint(f["properties"]["name"], *f["geometry"]["coordinates"][:2])
        for layer in reference_layers(resources.data_dir(), "en").values()
        for f in layer["features"]
    )


def counted(store, kinds=ART_KINDS, festivals=(), radius_m=150.0, corridor=None):
    """The works the planner counts: the selection, within the corridor."""
    works = selection.Selection(tuple(kinds), tuple(festivals)).apply(build_walk(store).stops)
    return selection.split_by_corridor(works, selection.corridor_for(radius_m, corridor))


def expected_report(store, **kwargs) -> coverage.CoverageReport:
    """The report straight from the geometry module, for comparison."""
    walk = build_walk(store)
    kinds, festivals = kwargs.pop("kinds", ART_KINDS), kwargs.pop("festivals", ())
    works, _out = counted(store, kinds, festivals, kwargs.get("radius_m", 150.0))
    return coverage.coverage_report(
        walk.route,
        [w["lon"] for w in works],
        [w["lat"] for w in works],
        constraints=coverage.SiteConstraints(access_points=access_points()),
        **kwargs,
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
    resp = client.get("/esentai/planner")
    assert resp.status_code == 200
    html = resp.get_data(as_text=True)
    rep = expected_report(store)
    assert 'class="folium-map"' in html and "TerrenkurPlanner.mount" in html
    assert f"{rep.share * 100:.1f} %" in html
    assert html.count('class="report gaps"') == 1
    assert html.count('<span class="where">km ') == len(rep.gaps) + len(rep.suggestions)
    assert "Art works (sculptures, murals" in html  # art only, by default
    assert 'src="/esentai/planner/chart.svg?radius=150&amp;gap=300&amp;segment=100&amp;k=5"' in html
    assert 'href="/api/routes/esentai/coverage?format=csv&amp;radius=150' in html
    assert 'download="terrenkur-coverage-r150.geojson"' in html
    settings = re.search(
        r'<script type="application/json" id="planner-settings">(.*?)</script>', html, re.S
    )
    blob = json.loads(settings.group(1))
    assert len(blob["segments"]["features"]) == len(rep.segments)
    assert len(blob["gaps"]["features"]) == len(rep.gaps)
    assert len(blob["works"]) == rep.works_total


def test_page_obeys_the_content_security_policy(client):
    resp = client.get("/esentai/planner")
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
    html = client.get("/esentai/planner?kind=sculpture&festival=PARK+FEST&radius=300").text
    rep = expected_report(store, kinds=["sculpture"], festivals=["PARK FEST"], radius_m=300)
    assert f"{rep.share * 100:.1f} %" in html
    assert '<input type="checkbox" name="kind" value="sculpture" checked>' in html
    assert '<input type="checkbox" name="kind" value="mural">' in html
    assert '<input type="checkbox" name="festival" value="park-fest" checked>' in html
    assert 'value="300"' in html


def test_text_from_the_data_is_escaped(client, store):
    add_hostile_work(store)
    html = client.get("/esentai/planner").text
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
        ("kind=mural,spaceship", "kind", "Kind must be one of"),
        ("festival=WOODSTOCK", "festival", "Festival must be one of: ARTBAT FEST, "),
        ("status=retired", "status", "Status must be one of: published, draft"),
        ("status=draft", "status", "Drafts are counted only for signed-in curators."),
        ("corridor=0", "corridor", "Corridor must be more than 0"),
        ("access=-3", "access", "Near an access point must be more than 0"),
        ("spacing=x", "spacing", "Spacing between sites must be a number"),
        ("route_error=3000", "route_error", "Route position error must be from 0 to 2000"),
        ("avoid=1.8-1.2", "avoid", "Keep clear of: give stretches as km from–to"),
        ("avoid=km+1", "avoid", "Keep clear of: give stretches as km from–to"),
        ("sites=43.2", "sites", "Proposed sites, site 1 (“43.2”): give latitude and longitude"),
        ("sites=43.2,76.9;95,76.9", "sites", "site 2 (“95,76.9”): latitude must be from -90"),
        ("scenario=x", "scenario", "Saved scenario must be the number of a saved scenario"),
        ("name=" + "n" * 81, "name", "Scenario name may be at most 80 characters"),
    ],
)
def test_bad_values_re_render_the_form_with_400(client, query, field, message):
    resp = client.get(f"/esentai/planner?{query}")
    assert resp.status_code == 400
    html = resp.text
    assert message in html
    assert 'role="alert"' in html
    if field not in ("status", "scenario"):  # no such control for the public
        assert f'id="e-{field}"' in html and f'aria-describedby="e-{field}' in html
    assert "folium-map" not in html  # no report for bad values


def test_bad_values_are_echoed_escaped(client):
    resp = client.get("/esentai/planner", query_string={"radius": '"><script>alert(1)</script>'})
    assert resp.status_code == 400
    assert "<script>alert(1)" not in resp.text
    assert "&#34;&gt;&lt;script&gt;" in resp.text or "&quot;&gt;&lt;script&gt;" in resp.text


def test_suggested_sites_table(client, store):
    html = client.get("/esentai/planner?k=3").text
    rep = expected_report(store, k=3)
    assert len(rep.suggestions) == 3
    for site in rep.suggestions:
        assert f"{site.lat:.5f}," in html
    assert "No sites asked for." in client.get("/esentai/planner?k=0").text


# the chart -----------------------------------------------------------------------------


def test_chart_is_valid_svg(client):
    resp = client.get("/esentai/planner/chart.svg?radius=200")
    assert resp.status_code == 200
    assert resp.mimetype == "image/svg+xml"
    root = ET.fromstring(resp.data)
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    text = "".join(root.itertext())
    assert "km along the route" in text and "200 m" in text
    assert "script" not in resp.text.lower()
    assert resp.headers["Content-Security-Policy"].startswith("default-src 'none'")
    etag = resp.headers["ETag"]
    again = client.get("/esentai/planner/chart.svg?radius=200", headers={"If-None-Match": etag})
    assert again.status_code == 304


def test_phones_get_a_narrow_chart(client):
    html = client.get("/esentai/planner").text
    assert (
        '<source media="(max-width: 599px)" srcset="/esentai/planner/chart.svg?size=narrow&amp;'
        in html
    )
    wide = ET.fromstring(client.get("/esentai/planner/chart.svg").data)
    narrow = ET.fromstring(client.get("/esentai/planner/chart.svg?size=narrow").data)
    assert float(wide.get("width").removesuffix("pt")) > float(
        narrow.get("width").removesuffix("pt")
    )
    resp = client.get("/esentai/planner/chart.svg?size=huge")
    assert resp.status_code == 400 and "size must be one of: wide, narrow" in resp.json["message"]


def test_chart_rejects_bad_values(client):
    resp = client.get("/esentai/planner/chart.svg?segment=1")
    assert resp.status_code == 400
    assert "segment must be from 10 to 10000" in resp.json["message"]


# the API -------------------------------------------------------------------------------


def test_api_json_matches_the_geometry_module(client, store):
    resp = client.get("/api/routes/esentai/coverage?radius=120&gap=250&segment=200&k=2")
    assert resp.status_code == 200 and resp.mimetype == "application/json"
    doc = resp.json
    rep = expected_report(store, radius_m=120, gap_m=250, segment_m=200, k=2)
    assert doc["parameters"] == {
        "radius": 120.0,
        "gap": 250.0,
        "segment": 200.0,
        "k": 2,
        "kind": list(ART_KINDS),
        "festival": [],
        "status": ["published"],
        "corridor": 1000.0,
        "avoid_km": [],
        "access": None,
        "spacing": None,
        "route_error": None,
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
        "/api/routes/esentai/coverage?radius=120&gap=250&segment=200&k=2",
        headers={"If-None-Match": resp.headers["ETag"]},
    )
    assert again.status_code == 304


def test_api_geojson_and_csv(client):
    resp = client.get("/api/routes/esentai/coverage?format=geojson&kind=sculpture")
    assert resp.mimetype == "application/geo+json"
    doc = resp.json
    assert doc["type"] == "FeatureCollection"
    kinds = {f["properties"]["feature"] for f in doc["features"]}
    assert {"segment", "gap"} <= kinds
    lon, lat = doc["features"][0]["geometry"]["coordinates"][0]
    assert 76 < lon < 78 and 43 < lat < 44
    resp = client.get("/api/routes/esentai/coverage?format=csv&festival=ARTBAT+FEST")
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
        ("kind=art,nope", "kind must be one of: sculpture"),
        ("festival=x", "festival must be one of: ARTBAT FEST, "),
        ("status=draft", "Drafts are counted only for signed-in curators."),
        ("format=xml", "format must be one of: json, geojson, csv"),
    ],
)
def test_api_bad_parameters_give_400_json(client, query, message):
    resp = client.get(f"/api/routes/esentai/coverage?{query}")
    assert resp.status_code == 400, resp.text
    assert resp.mimetype == "application/json"
    assert message in resp.json["message"]
    assert resp.headers["Cache-Control"] == "no-store"


def test_api_reports_every_bad_parameter(client):
    message = client.get("/api/routes/esentai/coverage?radius=0&segment=1").json["message"]
    assert "radius" in message and "segment" in message


def test_reports_follow_data_changes(client, store):
    before = client.get("/api/routes/esentai/coverage").json["works_total"]
    add_hostile_work(store)
    assert client.get("/api/routes/esentai/coverage").json["works_total"] == before + 1


# the CLI -------------------------------------------------------------------------------


def run_cli(*args):
    return CliRunner().invoke(cli, ["coverage", *args], catch_exceptions=False)


def test_cli_table(db_path, store):
    result = run_cli("--db", str(db_path), "--radius", "150")
    assert result.exit_code == 0, result.output
    rep = expected_report(store)
    assert "Coverage of the route by art works within 150 m" in result.output
    assert f"({rep.share * 100:.1f} %)" in result.output
    assert "Likely covered share, allowing for position errors (route ±200 m): " in result.output
    _kept, out = counted(store)
    assert f"Not counted, beyond the 1000 m corridor: {len(out)}" in result.output
    assert f"{out[0].offset_m / 1000:6.2f} km  {out[0].work['title']}" in result.output
    assert f"Gaps of 300 m or more, longest first: {len(rep.gaps)}" in result.output
    assert f"Segments of 100 m: {len(rep.segments)}" in result.output


def test_cli_csv_and_geojson(db_path, store):
    result = run_cli("--db", str(db_path), "--kind", "sculpture", "--format", "csv")
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(result.output)))
    rep = expected_report(store, kinds=["sculpture"])
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


@pytest.mark.parametrize(
    ("args", "kinds", "festivals"),
    [
        (["--kind", "art", "--kind", "venue"], (*ART_KINDS, "venue"), ()),
        (["--kind", "all"], ART_KINDS + CONTEXT_KINDS, ()),
        (["--kind", "mural,park"], ("mural", "park"), ()),
        (
            ["--festival", "artbat-fest-9", "--festival", "-", "--festival", "PARK FEST"],
            ART_KINDS,
            ("artbat-fest-9", "-", "PARK FEST"),
        ),
    ],
)
def test_cli_counts_several_kinds_and_festivals(db_path, store, args, kinds, festivals):
    result = run_cli("--db", str(db_path), "--format", "csv", "-k", "0", *args)
    assert result.exit_code == 0, result.output
    rep = expected_report(store, kinds=kinds, festivals=festivals, k=0)
    route = next(csv.DictReader(io.StringIO(result.output)))
    assert float(route["covered_m"]) == round(rep.covered_m, 1)
    assert int(route["works"]) == rep.works_near


def test_cli_without_a_database(tmp_path):
    result = run_cli("--db", str(tmp_path / "none.sqlite"))
    assert result.exit_code == 1
    assert "mapapp init-db" in result.output


def test_cli_help_has_an_example():
    result = CliRunner().invoke(cli, ["coverage", "--help"])
    assert result.exit_code == 0
    assert "mapapp coverage --radius 150" in result.output


# what is counted ---------------------------------------------------------------------------


def test_art_only_by_default_and_context_on_request(client, store):
    art = client.get("/api/routes/esentai/coverage").json
    everything = client.get("/api/routes/esentai/coverage?kind=all").json
    art_rep = expected_report(store)
    all_rep = expected_report(store, kinds=ART_KINDS + CONTEXT_KINDS)
    assert art["share"] == round(art_rep.share, 4) and art["parameters"]["kind"] == list(ART_KINDS)
    assert everything["share"] == round(all_rep.share, 4)
    assert everything["works_total"] > art["works_total"]
    walk = build_walk(store)
    art_ids = {w["id"] for w in walk.stops if w["kind"] in ART_KINDS}
    assert art["works_total"] + len(art["excluded"]) == len(art_ids)
    page = client.get("/esentai/planner?kind=art&kind=venue&kind=park").text
    assert '<input type="checkbox" name="kind" value="venue" checked>' in page
    assert '<input type="checkbox" name="kind" value="landmark">' in page


@pytest.mark.parametrize(
    "query",
    ["kind=mural&kind=sculpture", "kind=mural,sculpture", "kind=sculpture,mural&kind=mural"],
)
def test_kinds_repeated_or_comma_separated_are_the_same(client, store, query):
    doc = client.get(f"/api/routes/esentai/coverage?{query}").json
    rep = expected_report(store, kinds=["mural", "sculpture"])
    assert doc["parameters"]["kind"] == ["sculpture", "mural"]
    assert doc["covered_m"] == round(rep.covered_m, 1)


def test_festivals_and_editions_select_together(client, store):
    doc = client.get("/api/routes/esentai/coverage?festival=artbat-fest-9&festival=PARK+FEST").json
    rep = expected_report(store, festivals=["artbat-fest-9", "PARK FEST"])
    assert doc["covered_m"] == round(rep.covered_m, 1) and doc["works_total"] == rep.works_total
    assert doc["parameters"]["festival"] == ["artbat-fest-9", "park-fest"]  # names become keys
    by_key = client.get("/api/routes/esentai/coverage?festival=artbat-fest-9,park-fest").json
    assert by_key["covered_m"] == doc["covered_m"]
    none = client.get("/api/routes/esentai/coverage?festival=-").json
    assert none["works_total"] == expected_report(store, festivals=["-"]).works_total
    page = client.get("/esentai/planner").text
    for key in build_walk(store).edition_keys():
        assert f'name="festival" value="{key}"' in page
    assert 'value="artbat-fest"> ARTBAT FEST, every edition' in page


def test_works_too_far_are_listed_drawn_and_left_out(client, store):
    kept, out = counted(store)
    assert out and all(e.offset_m > 1000 for e in out)
    doc = client.get("/api/routes/esentai/coverage").json
    assert [e["title"] for e in doc["excluded"]] == [e.work["title"] for e in out]
    assert all(e["offset_m"] > 1000 and e["reason"] == "beyond_corridor" for e in doc["excluded"])
    html = client.get("/esentai/planner").text
    far = out[0]
    assert f"{far.offset_m / 1000:.2f} km from the route, beyond the 1.00 km corridor" in html
    blob = json.loads(re.search(r'id="planner-settings">(.*?)</script>', html, re.S).group(1))
    assert [w[2] for w in blob["excluded"]] == [e.work["title"] for e in out]
    assert len(blob["works"]) == len(kept)
    wide = client.get("/api/routes/esentai/coverage?corridor=3500").json
    assert wide["excluded"] == [] and wide["works_total"] == len(kept) + len(out)


# time and precision --------------------------------------------------------------------------


def test_coverage_over_time(client, store):
    doc = client.get("/api/routes/esentai/coverage").json["timeline"]
    works, _ = counted(store)
    assert doc["works"] == len(works) and doc["undated"] == sum(1 for w in works if not w["year"])
    years = {y["year"]: y for y in doc["years"]}
    first = min(w["year"] for w in works if w["year"])
    assert min(years) == first and years[first]["added"] >= 1
    assert years[max(years)]["standing"] == len(lifecycle.standing(works, max(years)))
    assert years[max(years)]["standing"] < len(works) - doc["undated"]  # temporary works ended
    svg = client.get("/esentai/planner/timeline.svg")
    assert svg.status_code == 200 and svg.mimetype == "image/svg+xml"
    assert "year" in "".join(ET.fromstring(svg.data).itertext())
    html = client.get("/esentai/planner?kind=all").text
    assert "have no date and are left out of the years" in html
    assert re.search(r'src="/esentai/planner/timeline.svg\?[^"]*kind=venue', html)


def test_the_report_states_precision_and_a_range(client):
    doc = client.get("/api/routes/esentai/coverage").json
    u = doc["uncertainty"]
    assert u["low"] <= doc["share"] <= u["high"] and u["bound_low"] <= u["low"]
    assert u["method"] == "monte-carlo" and u["draws"] == 200 and u["route_error_m"] == 200
    exact = client.get("/api/routes/esentai/coverage?route_error=0").json["uncertainty"]
    assert exact["route_error_m"] == 0 and exact["high"] - exact["low"] > 0  # the works' errors
    assert u["bound_high"] - u["bound_low"] > exact["bound_high"] - exact["bound_low"]
    html = client.get("/esentai/planner").text
    assert "may lie up to 200 m from the real river" in html
    assert "Method: Monte Carlo, 200 draws with a fixed seed" in html
    low, high = map(float, re.search(r'id="covered-range">([\d.]+)–([\d.]+) %', html).groups())
    assert low == pytest.approx(u["low"] * 100, abs=0.051)
    assert high == pytest.approx(u["high"] * 100, abs=0.051)


# suggestions with constraints -----------------------------------------------------------------


def test_suggestions_respect_the_planners_constraints(client, store):
    doc = client.get("/api/routes/esentai/coverage?k=5&avoid=0-2.5&spacing=800").json
    sites = doc["suggestions"]
    assert sites and all(s["chainage_m"] > 2500 for s in sites)
    walk = build_walk(store)
    from mapapp import geo

    x, y = geo.to_metric([s["lon"] for s in sites], [s["lat"] for s in sites])
    assert all(
        ((x[i] - x[j]) ** 2 + (y[i] - y[j]) ** 2) ** 0.5 >= 800 - 1
        for i in range(len(sites))
        for j in range(i)
    )
    near = client.get("/api/routes/esentai/coverage?k=5&access=60").json["suggestions"]
    assert near and all(s["access_m"] <= 60 and s["access_name"] for s in near)
    html = client.get("/esentai/planner?k=5&access=60").text
    assert "Only within 60 m of an access point." in html
    assert walk.route.length_m > 2500


# scenarios ------------------------------------------------------------------------------------

SITES = "43.2301,76.9254;43.2445,76.9195"


def test_a_scenario_against_today(client, store):
    from mapapp import scenarios

    doc = client.get(f"/api/routes/esentai/scenario?sites={SITES}&name=Two").json
    works, _ = counted(store)
    parsed, _problems = scenarios.parse_sites(SITES)
    expected = scenarios.compare(
        build_walk(store).route,
        [w["lon"] for w in works],
        [w["lat"] for w in works],
        parsed,
        radius_m=150,
        gap_m=300,
        segment_m=100,
    )
    assert doc["name"] == "Two"
    assert doc["today"] == expected.today.to_dict()
    assert doc["scenario"] == expected.scenario.to_dict()
    assert doc["gaps_closed"] == expected.gaps_closed
    assert [s["gain_unique_m"] for s in doc["sites"]] == [
        round(s.gain_unique_m, 1) for s in expected.sites
    ]
    u = doc["uncertainty"]
    assert u["low"] <= u["change"] <= u["high"]
    assert [r["metric"] for r in doc["display"]["rows"]] == list(scenarios.METRICS)
    geo_doc = client.get(f"/api/routes/esentai/scenario?sites={SITES}&format=geojson")
    assert geo_doc.mimetype == "application/geo+json"
    assert sum(f["properties"]["feature"] == "proposed_site" for f in geo_doc.json["features"]) == 2
    rows = list(
        csv.DictReader(
            io.StringIO(client.get(f"/api/routes/esentai/scenario?sites={SITES}&format=csv").text)
        )
    )
    assert [r["number"] for r in rows if r["feature"] == "proposed_site"] == ["1", "2"]


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("", "sites is required"),
        ("sites=x", "sites, site 1"),
        ("sites=43.2,76.9&format=kml", "format must be one of"),
        ("sites=43.2,76.9&radius=0", "radius must be more than 0"),
    ],
)
def test_scenario_api_rejects_bad_values(client, query, message):
    resp = client.get(f"/api/routes/esentai/scenario?{query}")
    assert resp.status_code == 400 and message in resp.json["message"]


def test_a_shared_link_reproduces_an_unsaved_scenario(client):
    html = client.get(f"/esentai/planner?sites={SITES}&name=Two&radius=200").text
    link = re.search(r'id="scenario-link" href="([^"]+)"', html).group(1).replace("&amp;", "&")
    assert "sites=43.230100,76.925400;43.244500,76.919500" in link and "radius=200" in link
    again = client.get(link).text
    cells = lambda page: re.findall(r'id="cmp-[a-z_]+-(?:scenario|change)">([^<]*)<', page)  # noqa: E731
    assert cells(again) == cells(html) and "—" not in cells(html)
    assert "Scenario “Two” against today" in again
    blob = json.loads(re.search(r'id="planner-settings">(.*?)</script>', again, re.S).group(1))
    assert blob["proposals"] == [[76.9254, 43.2301], [76.9195, 43.2445]]
    assert blob["newly"] and blob["query"]["name"] == "Two"


def test_suggested_sites_can_be_tried_as_a_scenario(client):
    html = client.get("/esentai/planner?k=3").text
    link = re.search(r'<a href="([^"]+)">Try these sites as a scenario</a>', html).group(1)
    page = client.get(link.replace("&amp;", "&")).text
    assert "Scenario “Suggested sites” against today" in page
    assert page.count("<tr><td>P") == 3


def test_text_in_a_scenario_name_is_escaped(client):
    html = client.get("/esentai/planner", query_string={"sites": SITES, "name": XSS}).text
    assert XSS not in html and "&lt;img src=x onerror=alert(1)&gt;" in html


def test_the_default_corridor_is_the_curators_limit(db_path):
    from mapapp.app import create_app

    app = create_app({"TESTING": True, "DB": str(db_path), "TILES": "", "MAX_OFFSET_M": 3500.0})
    doc = app.test_client().get("/api/routes/esentai/coverage").json
    assert doc["excluded"] == [] and doc["parameters"]["corridor"] == 3500.0
