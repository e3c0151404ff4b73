"""Geometry against hand-computed cases, in metres in UTM 43N."""

from __future__ import annotations

import math

import numpy as np
import pytest

from mapapp import geo

# A 1,000 m straight route going due north, built in UTM so the numbers are exact.
X0, Y0 = 700_000.0, 4_790_000.0


def lonlat(x: float, y: float) -> tuple[float, float]:
    lon, lat = geo.to_lonlat([x], [y])
    return float(lon[0]), float(lat[0])


@pytest.fixture
def straight() -> geo.Route:
    return geo.Route.from_coords([lonlat(X0, Y0), lonlat(X0, Y0 + 1000)])


@pytest.fixture
def elbow() -> geo.Route:
    """600 m north, then 400 m east: 1,000 m in all."""
    return geo.Route.from_coords([lonlat(X0, Y0), lonlat(X0, Y0 + 600), lonlat(X0 + 400, Y0 + 600)])


def test_route_length_is_metres(straight, elbow):
    assert straight.length_m == pytest.approx(1000, abs=0.01)
    assert elbow.length_m == pytest.approx(1000, abs=0.01)


def test_chainage_and_offset_of_points_beside_the_route(elbow):
    # 50 m west of the first leg at 250 m; 30 m south of the second leg at 600 + 100 m
    pts = [lonlat(X0 - 50, Y0 + 250), lonlat(X0 + 100, Y0 + 570)]
    chainage, offset = elbow.locate([p[0] for p in pts], [p[1] for p in pts])
    assert chainage == pytest.approx([250, 700], abs=0.01)
    assert offset == pytest.approx([50, 30], abs=0.01)


def test_chainage_clamps_at_the_ends_but_offset_tells(straight):
    lon, lat = lonlat(X0, Y0 - 200)
    chainage, offset = straight.locate([lon], [lat])
    assert chainage[0] == pytest.approx(0, abs=0.01)
    assert offset[0] == pytest.approx(200, abs=0.01)


def test_point_at_inverts_locate(elbow):
    lon, lat = elbow.point_at(800)
    chainage, offset = elbow.locate([lon], [lat])
    assert chainage[0] == pytest.approx(800, abs=0.01)
    assert offset[0] == pytest.approx(0, abs=0.01)


def test_walk_order_both_directions_keeps_ties_stable():
    chainage = [300.0, 100.0, 300.0, 0.0]
    assert geo.walk_order(chainage) == [3, 1, 0, 2]
    assert geo.walk_order(chainage, "backward") == [0, 2, 1, 3]
    with pytest.raises(ValueError, match="direction"):
        geo.walk_order(chainage, "sideways")  # type: ignore[arg-type]


def test_next_stop_ahead_in_each_direction(straight):
    stops = [100.0, 400.0, 900.0]
    lon, lat = lonlat(X0 + 20, Y0 + 250)  # 20 m off the route at chainage 250
    ahead = geo.next_stop(straight, stops, lon, lat, "forward")
    assert ahead is not None
    assert ahead.index == 1
    assert ahead.distance_m == pytest.approx(150, abs=0.01)
    assert ahead.walker_chainage_m == pytest.approx(250, abs=0.01)
    assert ahead.walker_offset_m == pytest.approx(20, abs=0.01)
    # 20 m to the route and 150 m along it at 4.5 km/h (75 m/min)
    assert ahead.walk_m == pytest.approx(170, abs=0.01)
    assert ahead.minutes == pytest.approx(170 / 75, abs=0.001)
    behind = geo.next_stop(straight, stops, lon, lat, "backward")
    assert behind is not None
    assert (behind.index, round(behind.distance_m, 2)) == (0, 150.0)


def test_next_stop_counts_the_walk_off_the_route(straight):
    # a work 2.5 km off the river, a little further along than one on it
    stops, offsets = [400.0, 600.0], [2500.0, 10.0]
    lon, lat = lonlat(X0, Y0 + 250)
    ahead = geo.next_stop(straight, stops, lon, lat, "forward", stop_offset_m=offsets)
    assert ahead is not None and ahead.index == 1  # the one on the river comes first
    assert ahead.walk_m == pytest.approx(360, abs=0.01)
    alone = geo.next_stop(straight, stops[:1], lon, lat, "forward", stop_offset_m=offsets[:1])
    assert alone is not None and alone.stop_offset_m == 2500.0
    assert alone.walk_m == pytest.approx(150 + 2500, abs=0.01)
    assert alone.minutes == pytest.approx(2650 / 75, abs=0.01)  # not "about 2 min"


def test_next_stop_minutes_count_the_way_to_a_far_route(straight):
    lon, lat = lonlat(X0 + 7700, Y0 + 250)  # 7.7 km from the route
    ahead = geo.next_stop(straight, [400.0], lon, lat, "forward", stop_offset_m=[0.0])
    assert ahead is not None
    assert ahead.minutes == pytest.approx((7700 + 150) / 75, abs=0.1)  # not 2 min


def test_next_stop_skips_a_stop_the_walker_is_standing_at(straight):
    lon, lat = lonlat(X0, Y0 + 405)  # 5 m past the stop at 400: counts as reached
    ahead = geo.next_stop(straight, [400.0, 900.0], lon, lat, "forward")
    assert ahead is not None and ahead.index == 1
    assert ahead.distance_m == pytest.approx(495, abs=0.01)


def test_next_stop_none_at_the_end(straight):
    lon, lat = lonlat(X0, Y0 + 950)
    assert geo.next_stop(straight, [100.0, 900.0], lon, lat, "forward") is None
    assert geo.next_stop(straight, [], lon, lat, "forward") is None


def test_nearest_index_orders_by_distance():
    pts = [lonlat(X0 + dx, Y0) for dx in (0, 100, 250, 1000)]
    index = geo.NearestIndex([p[0] for p in pts], [p[1] for p in pts])
    lon, lat = lonlat(X0 + 240, Y0 + 10)
    found = index.query(lon, lat, n=2)
    assert [i for i, _ in found] == [2, 1]
    assert found[0][1] == pytest.approx(math.hypot(10, 10), abs=0.01)
    assert found[1][1] == pytest.approx(math.hypot(140, 10), abs=0.01)
    assert len(index.query(lon, lat, n=10)) == 4
    assert geo.NearestIndex([], []).query(lon, lat) == []


def test_nearest_index_agrees_with_brute_force():
    rng = np.random.default_rng(7)
    lon = 76.92 + rng.normal(0, 0.01, 2000)
    lat = 43.23 + rng.normal(0, 0.01, 2000)
    index = geo.NearestIndex(lon, lat)
    x, y = geo.to_metric(lon, lat)
    for qlon, qlat in [(76.925, 43.231), (76.90, 43.22)]:
        qx, qy = geo.to_metric([qlon], [qlat])
        brute = np.argsort(np.hypot(x - qx[0], y - qy[0]))[:3]
        assert [i for i, _ in index.query(qlon, qlat, 3)] == list(brute)


def test_walking_minutes_and_distance():
    assert geo.walking_minutes(4500) == pytest.approx(60)
    a, b = lonlat(X0, Y0), lonlat(X0 + 300, Y0 + 400)
    assert geo.distance_m(*a, *b) == pytest.approx(500, abs=0.01)


def test_compass_heading(straight, elbow):
    assert geo.compass_heading(straight) == ("north", "south")
    east = geo.Route.from_coords([lonlat(X0, Y0), lonlat(X0 + 500, Y0 + 100)])
    assert geo.compass_heading(east) == ("east", "west")


@pytest.mark.parametrize(
    "coords",
    [[], [[76.9, 43.2]], [[76.9, 43.2], [76.9, 43.2]]],
)
def test_degenerate_routes_are_refused(coords):
    with pytest.raises(ValueError):
        geo.Route.from_coords(coords)
