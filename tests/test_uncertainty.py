"""The covered share's range: holds the share as drawn, widens with the error, repeats."""

from __future__ import annotations

import numpy as np
import pytest

from mapapp import geo, uncertainty

from .test_coverage import ZIGZAG, lonlat, make_route

WORKS = [(100, 60), (300, 100), (490, 200), (700, 10), (850, 40)]


def share_range(route_error, work_error, works=WORKS, **kwargs):
    route = make_route(ZIGZAG)
    x, y = geo.to_metric(*lonlat(works))
    return uncertainty.share_range(route, x, y, 120.0, work_error, route_error, **kwargs)


def test_no_error_means_no_range():
    r = share_range(0.0, 0.0)
    assert r.low == r.high == r.share == r.bound_low == r.bound_high
    assert r.draws == 0 and r.width == 0


@pytest.mark.parametrize(("route_error", "work_error"), [(50, 0), (0, 80), (100, 150), (200, 300)])
def test_the_range_holds_the_share_as_drawn_and_lies_within_the_bounds(route_error, work_error):
    r = share_range(route_error, work_error)
    assert r.bound_low <= r.low <= r.share <= r.high <= r.bound_high
    assert r.bound_low >= 0 and r.bound_high <= 1
    assert r.draws == uncertainty.DRAWS


def test_the_range_widens_with_the_stated_error():
    widths = [share_range(e, e).width for e in (0, 10, 30, 60)]
    assert widths[0] == 0
    assert widths[1] > 0
    assert widths == sorted(widths), widths
    bounds = [share_range(e, e) for e in (0, 10, 30, 60)]
    spans = [b.bound_high - b.bound_low for b in bounds]
    assert spans == sorted(spans) and spans[-1] > spans[1]


def test_the_same_seed_gives_the_same_range_and_another_seed_another():
    a, b = share_range(100, 150), share_range(100, 150)
    assert a == b
    c = share_range(100, 150, seed=uncertainty.SEED + 1)
    assert (c.low, c.high) != (a.low, a.high)


def test_per_work_errors_by_precision():
    errors = uncertainty.work_errors_m(["surveyed", "approximate", "estimated", None, "odd"])
    assert errors.tolist() == [10.0, 150.0, 300.0, 300.0, 300.0]
    # only precise works: a narrower range than the same works estimated
    precise = share_range(0, uncertainty.work_errors_m(["surveyed"] * len(WORKS)))
    rough = share_range(0, uncertainty.work_errors_m(["estimated"] * len(WORKS)))
    assert precise.width < rough.width


@pytest.mark.parametrize(
    ("properties", "error"),
    [
        ({"precision_m": 120}, 120.0),
        ({"precision_m": "120", "geometry_precision": "approximate"}, 100.0),
        ({"geometry_precision": "surveyed"}, 10.0),
        ({"geometry_precision": "estimated"}, 200.0),
        ({}, 200.0),
        ({"precision_m": True}, 200.0),
    ],
)
def test_route_error_from_its_properties(properties, error):
    assert uncertainty.route_error_m(properties) == error


def test_what_a_scenario_adds_has_a_range_around_it():
    route = make_route(ZIGZAG)
    x, y = geo.to_metric(*lonlat(WORKS[:2]))
    sx, sy = geo.to_metric(*lonlat([(700, 10), (250, 300)]))
    errors = np.full(2, 150.0)
    diff = uncertainty.difference_range(route, x, y, errors, sx, sy, 120.0, 100.0)
    assert diff.low <= diff.change <= diff.high
    assert diff.high > diff.low
    exact = uncertainty.difference_range(route, x, y, 0.0, sx, sy, 120.0, 0.0)
    assert exact.low == exact.change == exact.high > 0


def test_fewer_draws_for_very_many_works():
    assert uncertainty.draws_for(16) == uncertainty.DRAWS
    assert uncertainty.draws_for(10_000) == 40
    assert uncertainty.draws_for(10**7) == uncertainty.MIN_DRAWS
