"""When a work stood: year, start and end dates, and works with no date."""

from __future__ import annotations

import datetime as dt

import pytest

from mapapp import lifecycle

D = dt.date


def test_year_alone_means_from_that_year_on():
    w = {"year": 2016}
    assert lifecycle.start_of(w) == D(2016, 1, 1)
    assert lifecycle.end_of(w) is None
    assert lifecycle.standing([w], 2015) == []
    assert lifecycle.standing([w], 2016) == [w]
    assert lifecycle.standing([w], 2030) == [w]
    assert lifecycle.standing_years(w) == (2016, None)


def test_a_temporary_work_stands_only_between_its_dates():
    w = {"year": 2018, "start_date": "2018-08-24", "end_date": "2018-09-30"}
    assert lifecycle.standing([w], 2018) == [w]
    assert lifecycle.standing([w], 2019) == []
    assert lifecycle.standing([w], D(2018, 8, 23)) == []
    assert lifecycle.standing([w], D(2018, 9, 1)) == [w]
    assert lifecycle.standing([w], D(2018, 9, 30)) == [w]
    assert lifecycle.standing([w], D(2018, 10, 1)) == []
    assert lifecycle.standing_years(w) == (2018, 2018)


@pytest.mark.parametrize(
    ("value", "start", "end"),
    [
        ("2015", D(2015, 1, 1), D(2015, 12, 31)),
        ("2015-07", D(2015, 7, 1), D(2015, 7, 31)),
        ("2016-02", D(2016, 2, 1), D(2016, 2, 29)),
        ("2015-12", D(2015, 12, 1), D(2015, 12, 31)),
        ("2015-07-04", D(2015, 7, 4), D(2015, 7, 4)),
        (2015, D(2015, 1, 1), D(2015, 12, 31)),
        (2015.0, D(2015, 1, 1), D(2015, 12, 31)),
        (D(2015, 7, 4), D(2015, 7, 4), D(2015, 7, 4)),
    ],
)
def test_partial_dates_widen(value, start, end):
    assert lifecycle.start_of({"start_date": value}) == start
    assert lifecycle.end_of({"end_date": value}) == end


@pytest.mark.parametrize("value", [None, "", "soon", "20x5", "2015-13", "2015-02-30", True, 2015.5])
def test_missing_or_unreadable_dates_are_unknown(value):
    w = {"start_date": value, "end_date": value}
    assert lifecycle.start_of(w) is None and lifecycle.end_of(w) is None
    assert not lifecycle.is_dated(w)
    assert lifecycle.standing([w], 2020) == []
    assert lifecycle.standing_years(w) is None


def test_a_reversed_range_stands_on_its_first_day():
    w = {"start_date": "2019-05-01", "end_date": "2018-01-01"}
    assert lifecycle.standing([w], D(2019, 5, 1)) == [w]
    assert lifecycle.standing([w], D(2019, 5, 2)) == []
    assert lifecycle.standing_years(w) == (2019, 2019)


def test_standing_by_year_agrees_with_standing_years():
    works = [
        {"year": 2014},
        {"year": 2018, "end_date": "2018-09"},
        {"start_date": "2016-09-03", "end_date": "2017-01-15"},
        {"year": None},
        {"start_date": "2020-12-31"},
    ]
    for year in range(2012, 2024):
        by_function = [i for i, w in enumerate(works) if w in lifecycle.standing(works, year)]
        by_years = []
        for i, w in enumerate(works):
            span = lifecycle.standing_years(w)
            if span and span[0] <= year and (span[1] is None or year <= span[1]):
                by_years.append(i)
        assert by_function == by_years, year


def test_editions():
    works = [
        {"festival": "ARTBAT FEST", "year": 2018},
        {"festival": "ARTBAT FEST", "year": 2016},
        {"festival": "PARK FEST", "year": 2018},
        {"festival": "PARK FEST"},  # year unknown: no edition
        {"festival": "", "year": 2018},
        {"festival": "ARTBAT FEST", "year": 2018, "edition": "ARTBAT FEST 9"},
    ]
    assert [lifecycle.edition(w) for w in works] == [
        "ARTBAT FEST 2018",
        "ARTBAT FEST 2016",
        "PARK FEST 2018",
        None,
        None,
        "ARTBAT FEST 9",
    ]
    assert lifecycle.editions(works) == [
        "ARTBAT FEST 2016",
        "ARTBAT FEST 2018",
        "ARTBAT FEST 9",
        "PARK FEST 2018",
    ]
