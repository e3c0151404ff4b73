"""Coverage over time: how much of the route had art within the radius, year by year.

Which works stood in a year is :mod:`mapapp.lifecycle`'s to say; this module only
measures. Works with no known date are left out and counted, never guessed. No
Flask, no SQL.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from . import lifecycle
from .coverage import CHUNK_POINTS, disc_intervals, merge_intervals
from .geo import Route, to_metric


@dataclass(frozen=True)
class YearCoverage:
    """The route's coverage by the works that stood in one year."""

    year: int
    standing: int
    added: int  # first stood this year
    ended: int  # stood last year but no longer
    covered_m: float
    share: float
    covered: tuple[tuple[float, float], ...]  # merged chainage intervals


@dataclass(frozen=True)
class Timeline:
    """Coverage per year from the first dated work to ``until``."""

    radius_m: float
    length_m: float
    years: tuple[YearCoverage, ...]
    works: int  # works given
    undated: int  # of them with no known date, left out
    open_ended: int  # dated works with no end date: counted as standing ever since
    spans: tuple[tuple[int, int | None] | None, ...]  # each work's first and last year

    @property
    def change_years(self) -> tuple[int, ...]:
        """Years in which the works standing changed (the first year included)."""
        return tuple(y.year for y in self.years if y.added or y.ended or y is self.years[0])

    @property
    def milestones(self) -> tuple[YearCoverage, ...]:
        """The years in which something changed, and the last year."""
        changes = set(self.change_years)
        return tuple(
            y for i, y in enumerate(self.years) if y.year in changes or i == len(self.years) - 1
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "radius_m": self.radius_m,
            "works": self.works,
            "undated": self.undated,
            "open_ended": self.open_ended,
            "years": [
                {
                    "year": y.year,
                    "standing": y.standing,
                    "added": y.added,
                    "ended": y.ended,
                    "covered_m": round(y.covered_m, 1),
                    "share": round(y.share, 4),
                }
                for y in self.years
            ],
        }


def coverage_timeline(
    route: Route,
    works: Sequence[Mapping[str, Any]],
    radius_m: float,
    *,
    until: int | None = None,
) -> Timeline:
    """The covered share of ``route`` in each year, by the works standing that year.

    Parameters
    ----------
    route : Route
        The route.
    works : sequence of mapping
        Works with ``lon``, ``lat``, ``year`` and, when known, ``start_date`` and
        ``end_date`` (see :mod:`mapapp.lifecycle`).
    radius_m : float
        The walking radius.
    until : int, optional
        The last year shown (default: this year, or the latest start if later).

    Returns
    -------
    Timeline
        No years at all when no work is dated.
    """
    spans = tuple(lifecycle.standing_years(w) for w in works)
    # a work removed and restored (its life history) has more than one period: the
    # years between them are not counted
    gapped = {
        i: [(a.year, b.year if b else 10_000) for a, b in periods]
        for i, w in enumerate(works)
        if len(periods := lifecycle.periods(w)) > 1
    }
    dated = np.array([s is not None for s in spans], bool)
    first = np.array([s[0] if s else 0 for s in spans], int)
    last = np.array([s[1] if s and s[1] is not None else 10_000 for s in spans], int)
    open_ended = int(sum(1 for s in spans if s is not None and s[1] is None))
    length = route.length_m
    if not dated.any():
        return Timeline(radius_m, length, (), len(works), len(works), 0, spans)
    start_year = int(first[dated].min())
    end_year = max(until or dt.date.today().year, int(first[dated].max()))
    x, y = to_metric([w["lon"] for w in works], [w["lat"] for w in works], route.crs)
    x, y = np.atleast_1d(x), np.atleast_1d(y)
    owners, starts, ends = [], [], []
    for lo in range(0, x.size, CHUNK_POINTS):
        o, a, b = disc_intervals(
            route.line_m, x[lo : lo + CHUNK_POINTS], y[lo : lo + CHUNK_POINTS], radius_m
        )
        owners.append(o + lo)
        starts.append(a)
        ends.append(b)
    owner, start, end = np.concatenate(owners), np.concatenate(starts), np.concatenate(ends)
    years = []
    before = np.zeros(x.size, bool)
    for year in range(start_year, end_year + 1):
        now = dated & (first <= year) & (year <= last)
        for i, years_stood in gapped.items():
            now[i] = any(a <= year <= b for a, b in years_stood)
        pick = now[owner]
        merged = merge_intervals(start[pick], end[pick])
        covered = float(np.sum(merged[:, 1] - merged[:, 0]))
        years.append(
            YearCoverage(
                year=year,
                standing=int(now.sum()),
                added=int(np.sum(now & ~before)),
                ended=int(np.sum(before & ~now)),
                covered_m=min(covered, length),
                share=min(1.0, covered / length),
                covered=tuple((float(a), float(b)) for a, b in merged),
            )
        )
        before = now
    return Timeline(
        radius_m=float(radius_m),
        length_m=length,
        years=tuple(years),
        works=len(works),
        undated=int((~dated).sum()),
        open_ended=open_ended,
        spans=spans,
    )
