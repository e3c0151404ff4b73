"""Scenarios against today, checked against an independent shapely computation.

The independent check is the textbook one: the length of the route's intersection
with the union of the discs, ``route.intersection(unary_union(points.buffer(r)))``,
with the discs drawn as 1024-gons (their area is within 0.001 % of a circle's, so
lengths agree to a few centimetres).
"""

from __future__ import annotations

import csv
import io

import numpy as np
import pytest
from shapely.geometry import Point
from shapely.ops import unary_union

from mapapp import coverage, scenarios
from mapapp.records import validate_row

from .test_coverage import L_SHAPE, STRAIGHT, U_SHAPE, X0, Y0, ZIGZAG, lonlat, make_route

QUAD_SEGS = 256


def shapely_length(route, points, radius):
    """Covered length by the textbook method, independent of our interval arithmetic."""
    if not points:
        return 0.0
    discs = unary_union([Point(x + X0, y + Y0).buffer(radius, QUAD_SEGS) for x, y in points])
    return route.line_m.intersection(discs).length


def compare(route, works, sites, radius=150.0, gap=100.0, segment=100.0):
    lon, lat = lonlat(works) if works else ([], [])
    slon, slat = lonlat(sites)
    return scenarios.compare(
        route,
        [float(v) for v in lon],
        [float(v) for v in lat],
        list(zip(slon.tolist(), slat.tolist(), strict=True)),
        name="test",
        radius_m=radius,
        gap_m=gap,
        segment_m=segment,
    )


CASES = [
    (STRAIGHT, [(500, 0)], [(150, 20), (850, -60)], 150),
    (L_SHAPE, [(100, 0)], [(550, 50)], 150),  # a site inside the corner reaches both legs
    (U_SHAPE, [(100, 0)], [(500, 100), (900, 200)], 150),  # between the legs of the U
    (U_SHAPE, [], [(500, 100)], 250),
    (ZIGZAG, [(100, 60), (490, 200)], [(250, 150), (700, 10), (880, 0)], 90),
    (ZIGZAG, [(100, 60)], [(100, 60)], 120),  # a site on a work adds nothing
]


@pytest.mark.parametrize(("shape", "works", "sites", "radius"), CASES)
def test_scenario_coverage_matches_shapely(shape, works, sites, radius):
    route = make_route(shape)
    cmp = compare(route, works, sites, radius)
    today = shapely_length(route, works, radius)
    together = shapely_length(route, [*works, *sites], radius)
    tol = 0.02 * len(sites + works) + 0.05
    assert cmp.today.covered_m == pytest.approx(today, abs=tol)
    assert cmp.scenario.covered_m == pytest.approx(together, abs=tol)
    assert cmp.scenario.share == pytest.approx(together / route.line_m.length, abs=1e-4)
    assert cmp.change("covered_m") == pytest.approx(together - today, abs=2 * tol)
    newly = sum(b - a for a, b in cmp.newly_covered)
    assert newly == pytest.approx(together - today, abs=2 * tol)
    for s in cmp.sites:
        others = [p for i, p in enumerate(sites) if i != s.number - 1]
        alone = shapely_length(route, [*works, sites[s.number - 1]], radius) - today
        unique = together - shapely_length(route, [*works, *others], radius)
        assert s.gain_alone_m == pytest.approx(alone, abs=2 * tol)
        assert s.gain_unique_m == pytest.approx(unique, abs=2 * tol)
        assert s.gain_unique_m <= s.gain_alone_m + 1e-6


def test_metrics_side_by_side_and_gaps_closed():
    route = make_route(STRAIGHT)
    # today: one work at 500 m, gaps [0, 350] and [650, 1000]; sites close the first
    cmp = compare(route, [(500, 0)], [(175, 0)], radius=150, gap=100)
    assert cmp.today.gaps == 2 and cmp.scenario.gaps == 1
    assert cmp.gaps_closed == 1
    assert cmp.today.longest_gap_m == pytest.approx(350)
    assert cmp.scenario.covered_m == pytest.approx(600)
    assert cmp.scenario.works_near == 2 and cmp.today.works_near == 1
    assert cmp.scenario.works_per_km == pytest.approx(2.0)
    assert cmp.change("share") == pytest.approx(0.3)
    assert cmp.to_dict()["change"]["gaps"] == -1
    # a site that only narrows a gap does not close it
    narrower = compare(route, [(500, 0)], [(75, 0)], radius=150, gap=100)
    assert narrower.gaps_closed == 0 and narrower.scenario.gaps == 2


def test_a_gap_split_into_short_pieces_counts_as_closed():
    route = make_route(STRAIGHT)
    cmp = compare(route, [(500, 0)], [(180, 0)], radius=150, gap=340)
    assert cmp.today.gaps == 2  # [0, 350] and [650, 1000]
    assert cmp.gaps_closed == 1  # [0, 30] is left, shorter than 340 m


def test_sites_in_and_out_of_the_url():
    sites, problems = scenarios.parse_sites("43.238, 76.921; 43.2401 76.9205\n\n 43.2,76.9 ")
    assert problems == []
    assert sites == ((76.921, 43.238), (76.9205, 43.2401), (76.9, 43.2))
    text = scenarios.format_sites(sites)
    assert text == "43.238000,76.921000;43.240100,76.920500;43.200000,76.900000"
    assert scenarios.parse_sites(text) == (sites, [])
    _sites, problems = scenarios.parse_sites("43.2;1,2,3;91,10;abc;٤٣.٢,76.9;1e999,1")
    assert [(p.number, p.code) for p in problems] == [
        (1, "format"),
        (2, "format"),
        (3, "range"),
        (4, "format"),
        (5, "format"),
        (6, "range"),
    ]
    many = ";".join(["43.2,76.9"] * (scenarios.MAX_SITES + 3))
    found, problems = scenarios.parse_sites(many)
    assert len(found) == scenarios.MAX_SITES and problems[-1].code == "too_many"


def test_exports_carry_the_comparison():
    route = make_route(U_SHAPE)
    cmp = compare(route, [(100, 0)], [(500, 100), (900, 200)])
    doc = scenarios.comparison_geojson(route, cmp)
    assert doc["type"] == "FeatureCollection"
    assert doc["scenario"]["today"]["covered_m"] == round(cmp.today.covered_m, 1)
    kinds = [f["properties"]["feature"] for f in doc["features"]]
    assert kinds.count("proposed_site") == 2
    assert kinds.count("newly_covered") == len(cmp.newly_covered) > 0
    for f in doc["features"]:
        if f["geometry"]["type"] == "Point":
            lon, lat = f["geometry"]["coordinates"]
            assert 76 < lon < 78 and 43 < lat < 44
    rows = list(csv.DictReader(io.StringIO(scenarios.comparison_csv(cmp))))
    assert tuple(rows[0]) == scenarios.COMPARISON_CSV_COLUMNS
    metrics = {r["metric"]: r for r in rows if r["feature"] == "metric"}
    assert set(scenarios.METRICS) | {"gaps_closed"} == set(metrics)
    assert float(metrics["covered_m"]["scenario"]) == round(cmp.scenario.covered_m, 1)
    sites = [r for r in rows if r["feature"] == "proposed_site"]
    assert [int(r["number"]) for r in sites] == [1, 2]
    assert float(sites[0]["gain_alone_m"]) == round(cmp.sites[0].gain_alone_m, 1)


def test_intervals_subtract():
    a = np.array([(0.0, 10.0), (20.0, 30.0)])
    b = np.array([(5.0, 8.0), (25.0, 40.0)])
    assert scenarios.subtract_intervals(a, b).tolist() == [[0, 5], [8, 10], [20, 25]]
    assert scenarios.subtract_intervals(a, a).shape == (0, 2)


def test_a_proposal_becomes_a_valid_draft():
    fields = scenarios.draft_fields(
        scenario_id=7,
        scenario_name="Bridges first",
        number=2,
        site=(76.92, 43.24),
        kind="sculpture",
        source_url="https://planner.example.org/planner?scenario=7",
        username="cora",
        day="2026-12-01",
    )
    rec, errors = validate_row(fields, 0)
    assert errors == [] and rec is not None
    assert (rec.status, rec.location_precision) == ("draft", "estimated")
    assert rec.slug == "scenario-7-site-2"
    assert "“Bridges first” (#7)" in rec.source_note and "cora" in rec.source_note


def test_suggested_sites_as_a_scenario_add_what_they_promised():
    route = make_route(ZIGZAG)
    lon, lat = lonlat([(100, 60)])
    report = coverage.coverage_report(route, lon, lat, radius_m=80, k=4)
    sites = [(s.lon, s.lat) for s in report.suggestions]
    cmp = scenarios.compare(
        route, list(lon), list(lat), sites, radius_m=80, gap_m=300, segment_m=100
    )
    assert cmp.scenario.covered_m == pytest.approx(
        report.covered_m + sum(s.gain_m for s in report.suggestions), abs=1e-6
    )
