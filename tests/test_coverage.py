"""Coverage of a route by works: checked against dense sampling on hand-made routes.

The independent calculation samples the route every metre (midpoints of 1 m
steps), measures each sample's distance to the nearest work and counts those within
the radius. Its error is at most half a step at each end of a covered stretch, so
the tolerance is a step per boundary.
"""

from __future__ import annotations

import csv
import io
import math

import numpy as np
import pytest
import shapely
from shapely.geometry import LineString
from shapely.ops import substring

from mapapp import coverage, coverage_formats, geo

#: An origin in UTM 43N inside Almaty, so that lon/lat round trips are realistic.
X0, Y0 = 655_000.0, 4_790_000.0
STEP = 1.0


def close(actual, expected, abs=1e-6):
    """Nested sequences of numbers are equal within ``abs``."""
    np.testing.assert_allclose(
        np.asarray(actual, float), np.asarray(expected, float), atol=abs, rtol=0
    )


def make_route(points) -> geo.Route:
    """A route through ``points`` given in metres relative to the origin."""
    xy = np.asarray(points, float) + [X0, Y0]
    lon, lat = geo.to_lonlat(xy[:, 0], xy[:, 1])
    return geo.Route(LineString(np.column_stack([lon, lat])), LineString(xy))


def lonlat(points):
    """Works at ``points`` in metres relative to the origin, as (lon, lat) arrays."""
    xy = np.asarray(points, float).reshape(-1, 2) + [X0, Y0]
    return geo.to_lonlat(xy[:, 0], xy[:, 1])


def report(route, points, **kwargs) -> coverage.CoverageReport:
    lon, lat = lonlat(points)
    kwargs.setdefault("k", 0)
    return coverage.coverage_report(route, lon, lat, **kwargs)


def sampled(route: geo.Route, points, radius: float, step: float = STEP):
    """Sample chainages and whether each is within ``radius`` of a work."""
    length = route.line_m.length
    at = np.arange(step / 2, length, step)
    xy = shapely.get_coordinates(shapely.line_interpolate_point(route.line_m, at))
    works = np.asarray(points, float).reshape(-1, 2) + [X0, Y0]
    if works.shape[0] == 0:
        return at, np.zeros(at.size, bool)
    dist = np.hypot(xy[:, None, 0] - works[None, :, 0], xy[:, None, 1] - works[None, :, 1])
    return at, dist.min(axis=1) <= radius


def sampled_runs(at, covered, step=STEP):
    """Runs of covered (or uncovered) samples as (start, end, covered) chainage."""
    runs = []
    start = 0
    for i in range(1, covered.size + 1):
        if i == covered.size or covered[i] != covered[start]:
            runs.append((at[start] - step / 2, at[i - 1] + step / 2, bool(covered[start])))
            start = i
    return runs


def assert_matches_sampling(route, points, radius, **kwargs):
    rep = report(route, points, radius_m=radius, **kwargs)
    at, covered = sampled(route, points, radius)
    boundaries = 2 * len(rep.covered) + 1
    assert rep.covered_m == pytest.approx(covered.sum() * STEP, abs=STEP * boundaries)
    assert rep.share == pytest.approx(rep.covered_m / route.length_m)
    return rep, at, covered


STRAIGHT = [(0, 0), (1000, 0)]
L_SHAPE = [(0, 0), (600, 0), (600, 400)]
# a U: two 1 km legs 200 m apart, so a 150 m disc between them reaches both
U_SHAPE = [(0, 0), (1000, 0), (1000, 200), (0, 200)]
ZIGZAG = [(0, 0), (120, 80), (240, -40), (250, 300), (500, 320), (480, 20), (900, 0)]


# covered length and share ----------------------------------------------------------


def test_straight_route_exact_values():
    route = make_route(STRAIGHT)
    rep = report(route, [(500, 0), (200, 90)], radius_m=150)
    # on the line: 300 m; 90 m off it: 2 * sqrt(150^2 - 90^2) = 240 m
    close(rep.covered, ((80, 320), (350, 650)))
    assert rep.covered_m == pytest.approx(540)
    assert rep.share == pytest.approx(0.54)
    close([s.works for s in rep.segments], [1, 1, 1, 2, 1, 1, 1, 0, 0, 0])
    assert rep.works_total == rep.works_near == 2
    assert rep.works_per_km == pytest.approx(2.0)


@pytest.mark.parametrize(
    ("shape", "points", "radius"),
    [
        (STRAIGHT, [(500, 0), (200, 90), (990, -140)], 150),
        (L_SHAPE, [(550, 50)], 150),  # inside the corner: both legs at once
        (L_SHAPE, [(650, -50), (100, 120), (600, 390)], 150),
        (U_SHAPE, [(500, 100)], 150),  # between the legs of the U
        (U_SHAPE, [(500, 100), (520, 100), (1100, 100)], 150),
        (U_SHAPE, [(200, 0), (950, 190)], 250),
        (ZIGZAG, [(100, 60), (300, 100), (490, 200), (700, 10)], 120),
        (ZIGZAG, [(250, 150)], 400),
    ],
)
def test_covered_length_matches_dense_sampling(shape, points, radius):
    assert_matches_sampling(make_route(shape), points, radius)


def test_random_routes_match_dense_sampling():
    rng = np.random.default_rng(4)
    for _ in range(6):
        vertices = np.cumsum(rng.uniform(-150, 250, size=(12, 2)), axis=0)
        works = vertices[rng.integers(0, 12, 8)] + rng.normal(0, 120, size=(8, 2))
        assert_matches_sampling(make_route(vertices), works, float(rng.uniform(40, 300)))


def test_no_works_is_zero_percent():
    route = make_route(STRAIGHT)
    rep = report(route, [], radius_m=150, k=3)
    assert rep.covered_m == 0 and rep.share == 0 and rep.covered == ()
    assert rep.works_total == rep.works_near == 0 and rep.works_per_km == 0
    assert all(s.works == 0 and s.covered_m == 0 for s in rep.segments)
    [gap] = rep.gaps
    assert (gap.start_m, gap.end_m) == (0, pytest.approx(1000))
    assert [s.gain_m for s in rep.suggestions] == pytest.approx([300, 300, 300])


def test_work_at_a_route_end_covers_only_the_radius():
    route = make_route(STRAIGHT)
    start = report(route, [(0, 0)], radius_m=150)
    end = report(route, [(1000, 0)], radius_m=150)
    beyond = report(route, [(1100, 0)], radius_m=150)  # 100 m past the end
    close(start.covered, ((0, 150),))
    close(end.covered, ((850, 1000),))
    close(beyond.covered, ((950, 1000),))
    assert end.segments[-1].works == 1 and end.segments[0].works == 0


def test_works_far_from_the_route_cover_nothing():
    route = make_route(U_SHAPE)
    rep = report(route, [(500, 600), (-400, 100), (3000, 3000)], radius_m=150)
    assert rep.covered_m == 0
    assert rep.works_total == 3 and rep.works_near == 0
    assert rep.works_per_km == 0 and sum(b.works for b in rep.per_km) == 0


def test_a_route_folding_back_is_covered_on_both_legs():
    route = make_route(U_SHAPE)
    rep, at, covered = assert_matches_sampling(route, [(500, 100)], 150)
    half = 2 * math.sqrt(150**2 - 100**2) / 2
    # the same disc covers chainage around 500 and around 1200 + 500
    close(rep.covered, ((500 - half, 500 + half), (1700 - half, 1700 + half)))
    assert rep.covered_m == pytest.approx(4 * half)
    assert rep.works_near == 1
    counted = [s.index for s in rep.segments if s.works]
    assert counted == [3, 4, 5, 6, 15, 16, 17, 18]


def test_radius_larger_than_the_route():
    route = make_route(L_SHAPE)
    rep = report(route, [(300, 0)], radius_m=5000, k=3)
    assert rep.covered_m == pytest.approx(1000) and rep.share == pytest.approx(1)
    assert rep.gaps == ()
    assert all(s.works == 1 for s in rep.segments)
    assert rep.suggestions == ()  # nothing left to cover


def test_repeated_vertices_are_harmless():
    route = make_route([(0, 0), (500, 0), (500, 0), (1000, 0)])
    rep = report(route, [(500, 0)], radius_m=150)
    close(rep.covered, ((350, 650),))


# segments -----------------------------------------------------------------------


def test_segments_cut_the_route_with_a_shorter_last_one():
    route = make_route(L_SHAPE)
    rep = report(route, [(550, 50)], radius_m=150, segment_m=300)
    close(
        [(s.start_m, s.end_m) for s in rep.segments],
        [(0, 300), (300, 600), (600, 900), (900, 1000)],
    )
    assert sum(s.covered_m for s in rep.segments) == pytest.approx(rep.covered_m)
    whole = report(route, [], segment_m=5000)
    close([(s.start_m, s.end_m) for s in whole.segments], [(0, 1000)])


@pytest.mark.parametrize(("shape", "seed"), [(ZIGZAG, 1), (U_SHAPE, 2), (L_SHAPE, 3)])
def test_segment_counts_match_distances(shape, seed):
    """Count per segment = works whose distance to that piece of the route is <= R."""
    route = make_route(shape)
    rng = np.random.default_rng(seed)
    lo, hi = np.min(shape, axis=0) - 200, np.max(shape, axis=0) + 200
    works = rng.uniform(lo, hi, size=(40, 2))
    radius = 120.0
    rep = report(route, works, radius_m=radius, segment_m=70)
    points = shapely.points(works + [X0, Y0])
    for s in rep.segments:
        piece = substring(route.line_m, s.start_m, s.end_m)
        expected = int(np.sum(shapely.distance(piece, points) <= radius))
        assert s.works == expected, s
        at, covered = sampled(route, works, radius)
        inside = (at > s.start_m) & (at < s.end_m)
        assert s.covered_m == pytest.approx(covered[inside].sum() * STEP, abs=2 * STEP + 1e-6)


def test_a_work_counts_once_per_segment_however_often_it_reaches_it():
    # a tight zigzag inside one 500 m segment: one disc meets several pieces
    route = make_route([(0, 0), (100, 0), (100, 20), (0, 20), (0, 40), (100, 40)])
    rep = report(route, [(50, 20)], radius_m=60, segment_m=500)
    assert [s.works for s in rep.segments] == [1]


# gaps ----------------------------------------------------------------------------


def test_gaps_match_uncovered_runs_longest_first():
    route = make_route(ZIGZAG)
    works = [(100, 60), (490, 200)]
    rep = report(route, works, radius_m=60, gap_m=100)
    at, covered = sampled(route, works, 60)
    runs = [(a, b) for a, b, c in sampled_runs(at, covered) if not c and b - a >= 100]
    runs.sort(key=lambda r: r[0] - r[1])
    assert len(rep.gaps) == len(runs)
    for gap, (a, b) in zip(rep.gaps, runs, strict=True):
        assert gap.start_m == pytest.approx(a, abs=STEP) and gap.end_m == pytest.approx(b, abs=STEP)
    lengths = [g.length_m for g in rep.gaps]
    assert lengths == sorted(lengths, reverse=True)
    assert [g.rank for g in rep.gaps] == list(range(1, len(lengths) + 1))


def test_gap_threshold_and_coordinates():
    route = make_route(STRAIGHT)
    rep = report(route, [(500, 0)], radius_m=150, gap_m=350)
    # uncovered: [0, 350] and [650, 1000], both exactly 350 m
    close([(g.start_m, g.end_m) for g in rep.gaps], [(0, 350), (650, 1000)])
    assert report(route, [(500, 0)], radius_m=150, gap_m=351).gaps == ()
    gap = rep.gaps[1]
    lon, lat = lonlat([(650, 0), (1000, 0), (825, 0)])
    assert gap.start_lonlat == pytest.approx((lon[0], lat[0]))
    assert gap.end_lonlat == pytest.approx((lon[1], lat[1]))
    assert gap.middle_lonlat == pytest.approx((lon[2], lat[2]))


# works per km --------------------------------------------------------------------


def test_works_per_km_and_kilometre_bins():
    route = make_route([(0, 0), (3300, 0)])
    works = [(100, 10), (200, -10), (1500, 50), (2900, 0), (3200, 0), (1000, 900)]
    rep = report(route, works, radius_m=150)
    assert rep.works_near == 5 and rep.works_total == 6
    assert rep.works_per_km == pytest.approx(5 / 3.3)
    # the 300 m tail joins the last kilometre
    close(
        [(b.start_m, b.end_m, b.works) for b in rep.per_km],
        [(0, 1000, 2), (1000, 2000, 1), (2000, 3300, 2)],
    )
    assert rep.per_km[-1].works_per_km == pytest.approx(2 / 1.3)


# suggested sites -----------------------------------------------------------------


def brute_force_gains(route, works, radius, step):
    """New covered length for each candidate site, by dense sampling."""
    length = route.line_m.length
    candidates = np.append(np.arange(0.0, length, step), length)
    at, covered = sampled(route, works, radius)
    xy = shapely.get_coordinates(shapely.line_interpolate_point(route.line_m, at))
    cxy = shapely.get_coordinates(shapely.line_interpolate_point(route.line_m, candidates))
    gains = []
    for cx, cy in cxy:
        near = np.hypot(xy[:, 0] - cx, xy[:, 1] - cy) <= radius
        gains.append(np.sum(near & ~covered) * STEP)
    return candidates, np.array(gains)


@pytest.mark.parametrize(
    ("shape", "works", "radius"),
    [
        (STRAIGHT, [(500, 0)], 150),
        (U_SHAPE, [(100, 0)], 150),  # the best site sits between the legs' far ends
        (ZIGZAG, [(100, 60), (490, 200)], 90),
        (L_SHAPE, [], 200),
    ],
)
def test_first_suggestion_is_the_best_single_site(shape, works, radius):
    route = make_route(shape)
    x, y = geo.to_metric(*lonlat(works)) if works else ([], [])
    step = 10.0
    [site] = coverage.suggest_sites(route, x, y, radius, k=1, step_m=step)
    candidates, gains = brute_force_gains(route, works, radius, step)
    assert site.gain_m == pytest.approx(gains.max(), abs=4 * STEP)
    assert site.chainage_m in candidates
    # and the gain is exactly what the site adds to the report's covered length
    with_site = report(
        route, [*works, tuple(np.subtract(site_xy(route, site), (X0, Y0)))], radius_m=radius
    )
    base = report(route, works, radius_m=radius)
    assert with_site.covered_m - base.covered_m == pytest.approx(site.gain_m, abs=1e-6)


def site_xy(route, site):
    p = route.line_m.interpolate(site.chainage_m)
    return (p.x, p.y)


def test_greedy_gains_do_not_grow_and_shares_add_up():
    route = make_route(ZIGZAG)
    works = [(100, 60)]
    rep = report(route, works, radius_m=80, k=6)
    gains = [s.gain_m for s in rep.suggestions]
    assert len(gains) == 6
    assert all(a >= b - 1e-6 for a, b in zip(gains, gains[1:], strict=False))
    chosen = [tuple(np.subtract(site_xy(route, s), (X0, Y0))) for s in rep.suggestions]
    together = report(route, [*works, *chosen], radius_m=80)
    assert together.covered_m == pytest.approx(rep.covered_m + sum(gains), abs=1e-6)
    assert rep.suggestions[-1].share_after == pytest.approx(together.share)
    lon, lat = geo.to_lonlat(*zip(*[site_xy(route, s) for s in rep.suggestions], strict=True))
    close([(s.lon, s.lat) for s in rep.suggestions], np.column_stack([lon, lat]), abs=1e-9)


def test_suggestions_stop_when_nothing_is_left_to_cover():
    route = make_route(STRAIGHT)
    rep = report(route, [], radius_m=300, k=10)
    assert 1 <= len(rep.suggestions) <= 3
    assert rep.suggestions[-1].share_after == pytest.approx(1)
    assert report(route, [], radius_m=300, k=0).suggestions == ()


def test_candidate_spacing():
    assert coverage.candidate_step(500) == 10
    assert coverage.candidate_step(30_000) == 15
    assert coverage.candidate_step(50_000) == 25
    assert coverage.candidate_step(500_000) == 25


# building blocks and arguments -------------------------------------------------------


def test_merge_intervals():
    merged = coverage.merge_intervals([5, 0, 2, 10, 12], [6, 3, 4, 12, 13])
    assert merged.tolist() == [[0, 4], [5, 6], [10, 13]]
    assert coverage.merge_intervals([], []).shape == (0, 2)
    assert coverage.covered_upto(merged, [0, 2, 4.5, 5.5, 20]).tolist() == [0, 2, 4, 4.5, 8]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"radius_m": 0}, "radius"),
        ({"radius_m": -5}, "radius"),
        ({"radius_m": 5001}, "radius"),
        ({"radius_m": math.nan}, "radius"),
        ({"gap_m": 0}, "gap"),
        ({"gap_m": math.inf}, "gap"),
        ({"segment_m": 9.9}, "segment"),
        ({"segment_m": 20_000}, "segment"),
        ({"k": -1}, "suggested"),
        ({"k": 51}, "suggested"),
    ],
)
def test_bad_arguments_raise(kwargs, message):
    with pytest.raises(ValueError, match=message):
        report(make_route(STRAIGHT), [(0, 0)], **kwargs)


# exports -----------------------------------------------------------------------------


def test_geojson_and_csv_exports():
    route = make_route(L_SHAPE)
    rep = report(route, [(550, 50)], radius_m=150, segment_m=250, k=2)
    doc = coverage_formats.coverage_geojson(route, rep)
    kinds = [f["properties"]["feature"] for f in doc["features"]]
    assert kinds == ["segment"] * 4 + ["gap"] * len(rep.gaps) + ["site"] * 2
    assert doc["summary"]["share"] == pytest.approx(rep.share, abs=1e-4)
    for f in doc["features"]:
        geom = f["geometry"]
        if f["properties"]["feature"] == "site":
            assert geom["type"] == "Point"
            continue
        assert geom["type"] == "LineString"
        lon, lat = np.array(geom["coordinates"]).T
        assert np.all((lon > 76) & (lon < 78)) and np.all((lat > 43) & (lat < 44))
        x, y = geo.to_metric(lon, lat)
        measured = LineString(np.column_stack([x, y])).length
        assert measured == pytest.approx(f["properties"]["length_m"], abs=0.2)
    # the segment across the corner keeps the corner vertex
    corner = doc["features"][2]["geometry"]["coordinates"]
    assert len(corner) == 3

    rows = list(csv.DictReader(io.StringIO(coverage_formats.coverage_csv(route, rep))))
    assert tuple(rows[0]) == coverage_formats.COVERAGE_CSV_COLUMNS
    assert [r["feature"] for r in rows] == ["route"] + kinds
    assert float(rows[0]["covered_m"]) == pytest.approx(rep.covered_m, abs=0.05)
    assert [int(r["works"]) for r in rows[1:5]] == [s.works for s in rep.segments]
    site = rows[-1]
    assert float(site["gain_m"]) == pytest.approx(rep.suggestions[-1].gain_m, abs=0.05)


def test_report_as_plain_data_and_table():
    route = make_route(STRAIGHT)
    rep = report(route, [(500, 0)], radius_m=150, k=1)
    data = rep.to_dict()
    assert data["covered_m"] == 300 and data["share"] == 0.3 and data["gap_count"] == 2
    assert {"segments", "gaps", "suggestions", "per_km", "works_per_km"} <= set(data)
    text = coverage_formats.coverage_table(rep, "sculptures")
    assert "Coverage of the route by sculptures within 150 m" in text
    assert "(30.0 %)" in text and "Gaps of 300 m or more, longest first: 2" in text


def test_disc_intervals_of_a_point_on_a_vertex():
    route = make_route(L_SHAPE)
    x, y = geo.to_metric(*lonlat([(600, 0)]))
    owner, start, end = coverage.disc_intervals(route.line_m, x, y, 50)
    assert owner.tolist() == [0, 0]
    close(sorted(zip(start, end, strict=True)), [(550, 600), (600, 650)])


def test_works_taken_in_chunks_give_the_same_report(monkeypatch):
    route = make_route(ZIGZAG)
    rng = np.random.default_rng(9)
    works = rng.uniform((-100, -150), (1000, 450), size=(50, 2))
    whole = report(route, works, radius_m=90, segment_m=60, k=3)
    monkeypatch.setattr(coverage, "CHUNK_POINTS", 7)
    chunked = report(route, works, radius_m=90, segment_m=60, k=3)
    close(chunked.covered, whole.covered)
    assert [s.works for s in chunked.segments] == [s.works for s in whole.segments]
    assert chunked.works_near == whole.works_near
    assert [s.chainage_m for s in chunked.suggestions] == [s.chainage_m for s in whole.suggestions]


# a radius per work, and chainage by the pieces' index ------------------------------------


def test_a_radius_per_work_matches_sampling_of_each_disc():
    route = make_route(ZIGZAG)
    works = [(100, 60), (300, 100), (490, 200), (700, 10)]
    radii = np.array([60.0, 0.0, 150.0, 90.0])  # a radius of 0 covers nothing
    x, y = geo.to_metric(*lonlat(works))
    merged, _, near = coverage.covered_by(route.line_m, x, y, radii)
    at = np.arange(STEP / 2, route.length_m, STEP)
    xy = shapely.get_coordinates(shapely.line_interpolate_point(route.line_m, at))
    pts = np.asarray(works, float) + [X0, Y0]
    dist = np.hypot(xy[:, None, 0] - pts[None, :, 0], xy[:, None, 1] - pts[None, :, 1])
    covered = (dist <= radii[None, :]).any(axis=1)
    total = float(np.sum(merged[:, 1] - merged[:, 0]))
    assert total == pytest.approx(covered.sum() * STEP, abs=STEP * (2 * len(merged) + 1))
    assert 1 not in near.tolist()


def test_nearest_chainage_is_line_locate_point():
    route = make_route(ZIGZAG)
    rng = np.random.default_rng(3)
    pts = rng.uniform((-200, -200), (1100, 500), size=(200, 2)) + [X0, Y0]
    fast = coverage.nearest_chainage(route.line_m, pts[:, 0], pts[:, 1])
    slow = shapely.line_locate_point(route.line_m, shapely.points(pts))
    close(fast, slow, abs=1e-6)
    assert coverage.nearest_chainage(route.line_m, [], []).size == 0


# suggested sites that respect constraints -------------------------------------------------


def sites(route, works=(), radius=150.0, k=3, **constraints):
    x, y = geo.to_metric(*lonlat(works)) if works else ([], [])
    rules = coverage.SiteConstraints(**constraints)
    return coverage.suggest_sites(route, x, y, radius, k, step_m=10.0, constraints=rules)


def test_a_long_gap_is_filled_from_its_middle_not_from_one_end():
    found = sites(make_route(STRAIGHT), k=3)
    assert [s.gain_m for s in found] == pytest.approx([300, 300, 300])
    assert found[0].chainage_m == pytest.approx(500)
    assert sorted(s.chainage_m for s in found[1:]) == pytest.approx([170, 820])


def test_no_site_goes_in_a_stretch_kept_clear():
    found = sites(make_route(STRAIGHT), k=4, avoid=((300.0, 700.0),))
    assert found and all(not 300 <= s.chainage_m <= 700 for s in found)
    # a site beside the stretch may still cover part of it
    assert sum(s.gain_m for s in found) > 600


def test_access_points_break_ties_and_can_be_required():
    route = make_route(STRAIGHT)
    lon, lat = lonlat([(300, 40), (950, -30)])
    points = (
        coverage.AccessPoint("Bridge A", float(lon[0]), float(lat[0])),
        coverage.AccessPoint("Bike B", float(lon[1]), float(lat[1])),
    )
    [tie] = sites(route, k=1, access_points=points)
    assert tie.chainage_m == pytest.approx(300) and tie.gain_m == pytest.approx(300)
    assert tie.access_name == "Bridge A" and tie.access_m == pytest.approx(40, abs=0.01)
    near = sites(route, k=5, access_points=points, access_within_m=100.0)
    assert near and all(s.access_m <= 100 for s in near)
    assert {s.access_name for s in near} == {"Bridge A", "Bike B"}


def test_suggested_sites_keep_their_spacing():
    found = sites(make_route(U_SHAPE), k=6, radius=100.0, spacing_m=400.0)
    assert len(found) >= 3
    x, y = geo.to_metric([s.lon for s in found], [s.lat for s in found])
    d = np.hypot(x[:, None] - x[None, :], y[:, None] - y[None, :])
    assert d[np.triu_indices(len(found), 1)].min() >= 400 - 1e-6


def test_constraints_that_rule_every_site_out_give_none():
    route = make_route(STRAIGHT)
    assert sites(route, avoid=((0.0, 1000.0),)) == []
    lon, lat = lonlat([(500, 5000)])
    far = (coverage.AccessPoint("Far", float(lon[0]), float(lat[0])),)
    assert sites(route, access_points=far, access_within_m=200.0) == []
    assert coverage.SiteConstraints(access_points=far).active is False
    assert coverage.SiteConstraints(spacing_m=100.0).active is True
