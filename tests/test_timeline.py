"""Coverage over time, checked against the coverage of the works standing each year."""

from __future__ import annotations

import pytest

from mapapp import coverage, lifecycle, timeline

from .test_coverage import STRAIGHT, U_SHAPE, lonlat, make_route


def works_at(points, **dates):
    lon, lat = lonlat([p for p, _ in points])
    return [
        {"lon": float(x), "lat": float(y), **d, **dates}
        for x, y, (_, d) in zip(lon, lat, points, strict=True)
    ]


def test_each_year_is_the_coverage_of_the_works_standing():
    route = make_route(U_SHAPE)
    works = works_at(
        [
            ((100, 0), {"year": 2014}),
            ((500, 100), {"year": 2016, "end_date": "2017-06"}),
            ((900, 200), {"start_date": "2018-08-24", "end_date": "2018-09-30"}),
            ((300, 0), {"year": None}),
        ]
    )
    line = timeline.coverage_timeline(route, works, 150, until=2020)
    assert [y.year for y in line.years] == list(range(2014, 2021))
    for y in line.years:
        standing = lifecycle.standing(works, y.year)
        expected = coverage.coverage_report(
            route, [w["lon"] for w in standing], [w["lat"] for w in standing], k=0
        )
        assert y.standing == len(standing)
        assert y.covered_m == pytest.approx(expected.covered_m, abs=1e-6)
        assert y.share == pytest.approx(expected.share, abs=1e-9)
    by_year = {y.year: y for y in line.years}
    assert (by_year[2016].added, by_year[2018].ended, by_year[2018].added) == (1, 1, 1)
    assert by_year[2019].ended == 1 and by_year[2019].standing == 1
    assert line.undated == 1 and line.open_ended == 1 and line.works == 4
    assert line.change_years == (2014, 2016, 2018, 2019)
    assert [y.year for y in line.milestones] == [2014, 2016, 2018, 2019, 2020]
    assert line.spans[1] == (2016, 2017) and line.spans[3] is None


def test_no_dated_work_gives_no_years_and_says_how_many():
    route = make_route(STRAIGHT)
    line = timeline.coverage_timeline(route, works_at([((500, 0), {})]), 150)
    assert line.years == () and line.undated == 1 and line.to_dict()["years"] == []
    assert timeline.coverage_timeline(route, [], 150).years == ()


def test_the_timeline_runs_to_this_year_or_the_latest_start():
    route = make_route(STRAIGHT)
    line = timeline.coverage_timeline(route, works_at([((500, 0), {"year": 2020})]), 150)
    assert line.years[0].year == 2020 and line.years[-1].year >= 2026
    later = timeline.coverage_timeline(
        route, works_at([((500, 0), {"year": 2020})]), 150, until=2010
    )
    assert [y.year for y in later.years] == [2020]
