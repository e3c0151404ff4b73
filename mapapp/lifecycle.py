"""When a work stood along the route: the one place that reads a work's dates.

Today a record has ``year``, taken as the year it was installed (or held, for an
event). A record may also carry ``start_date`` and ``end_date`` (ISO 8601: a year,
a year and month, or a full date), as temporary works do; a missing or
unreadable field is simply not known. A work may also have a dated life history
(``life``: entries with a ``status`` of :data:`LIFE_STATUSES` and a ``date``):
``installed`` and ``restored`` start a period in which it stands, ``removed`` ends
one, ``damaged`` and ``proposed`` change nothing about standing. The record's own
dates are the first such entries, so a removed and restored work stands in two
periods (:func:`periods`). No Flask, no SQL.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from .records import LIFE_STATUSES

__all__ = [
    "LIFE_STATUSES",
    "edition",
    "editions",
    "end_of",
    "is_dated",
    "periods",
    "state_on",
    "standing",
    "standing_between",
    "standing_years",
    "standing_when",
    "start_of",
]

#: Entries that start a period in which the work stands, and the one that ends it.
_OPENS = ("installed", "restored")
_CLOSES = ("removed",)

_ISO = re.compile(r"^\s*(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?")


def _parse(value: Any, end: bool) -> dt.date | None:
    """A date from a year, ``YYYY-MM`` or ``YYYY-MM-DD``; a partial date is widened.

    ``end=True`` gives the last day a partial date covers (``2018`` -> 31 December).
    """
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, int | float):
        value = str(int(value)) if float(value).is_integer() else ""
    found = _ISO.match(str(value))
    if not found:
        return None
    year, month, day = (int(g) if g else None for g in found.groups())
    assert year is not None
    if month is not None and not 1 <= month <= 12:
        return None
    try:
        if month is None:
            return dt.date(year, 12, 31) if end else dt.date(year, 1, 1)
        if day is None:
            if not end:
                return dt.date(year, month, 1)
            following = dt.date(year + month // 12, month % 12 + 1, 1)
            return following - dt.timedelta(days=1)
        return dt.date(year, month, day)
    except ValueError:
        return None


def start_of(work: Mapping[str, Any]) -> dt.date | None:
    """The first day a work stood: ``start_date`` if readable, else 1 January of ``year``."""
    return _parse(work.get("start_date"), end=False) or _parse(work.get("year"), end=False)


def end_of(work: Mapping[str, Any]) -> dt.date | None:
    """The last day a work stood (``end_date``), or ``None`` when it stands still or is unknown."""
    return _parse(work.get("end_date"), end=True)


def is_dated(work: Mapping[str, Any]) -> bool:
    """Whether we know when the work first stood."""
    return start_of(work) is not None


def _changes(work: Mapping[str, Any]) -> list[tuple[dt.date, int]]:
    """The dated openings (0) and closings (1) of a work's periods, in order.

    On one day an opening comes first, so a one-day work stands on that day.
    """
    out: list[tuple[dt.date, int]] = []
    start, end = start_of(work), end_of(work)
    if start is not None:
        out.append((start, 0))
    if end is not None:
        # a reversed range in a record: it stood at least on its first day
        out.append((end if start is None else max(start, end), 1))
    for entry in work.get("life") or ():
        status = entry.get("status")
        if status in _OPENS and (day := _parse(entry.get("date"), end=False)):
            out.append((day, 0))
        elif status in _CLOSES and (day := _parse(entry.get("date"), end=True)):
            out.append((day, 1))
    return sorted(out)


def periods(work: Mapping[str, Any]) -> list[tuple[dt.date, dt.date | None]]:
    """Every period a work stood: first and last day (last ``None``: still standing).

    Built from ``start_date`` (or ``year``) and ``end_date`` and the ``life``
    entries. A closing with no opening before it is kept only when the work has
    no known start at all (it stood until then, from an unknown day: that period
    is left out, but the work is known to be gone). Empty when nothing is dated.
    """
    out: list[tuple[dt.date, dt.date | None]] = []
    opened: dt.date | None = None
    for day, kind in _changes(work):
        if kind == 0:
            if opened is None:
                opened = day
        elif opened is not None:
            out.append((opened, max(day, opened)))
            opened = None
    if opened is not None:
        out.append((opened, None))
    return out


def _span(work: Mapping[str, Any]) -> tuple[dt.date, dt.date | None] | None:
    """First and last day a work stood (last ``None``: still standing), or ``None``."""
    spans = periods(work)
    if not spans:
        return None
    return spans[0][0], spans[-1][1]


def _is_gone(work: Mapping[str, Any], day: dt.date) -> bool:
    """Whether the last dated closing of a work (on or before ``day``) is its last change."""
    changes = [c for c in _changes(work) if c[0] <= day]
    return bool(changes) and changes[-1][1] == 1 and changes[-1][0] < day


def state_on(work: Mapping[str, Any], day: dt.date) -> str:
    """What a work was on ``day``: ``standing``, ``gone``, ``not_yet`` or ``unknown``.

    ``unknown``: nothing dated says when it stood (the map shows it, with its
    undated siblings; the year slider and the planner's dated counts do not).
    ``gone``: it stood before and was removed or ended; ``not_yet``: its first
    period starts later (a proposed work with no installation date too).
    """
    spans = periods(work)
    if any(a <= day and (b is None or b >= day) for a, b in spans):
        return "standing"
    if spans and spans[0][0] > day:
        return "not_yet"
    if spans or _is_gone(work, day):
        return "gone"
    if any(e.get("status") == "proposed" for e in work.get("life") or ()):
        return "not_yet"
    return "unknown"


def standing_years(work: Mapping[str, Any]) -> tuple[int, int | None] | None:
    """The first and last year a work stood (last ``None``: still standing), or ``None``.

    A work stands in a year if it stood on any day of it, so a three-week festival
    installation stands in its year. This is :func:`standing` by years, for pages
    that show a year slider.
    """
    span = _span(work)
    if span is None:
        return None
    start, end = span
    return start.year, None if end is None else end.year


def standing(works: Iterable[Mapping[str, Any]], when: int | dt.date) -> list[Any]:
    """The works that stood at ``when``: a year (any day of it) or a date.

    Parameters
    ----------
    works : iterable of mapping
        Records with ``year`` and optionally ``start_date``, ``end_date`` and ``life``.
    when : int or datetime.date
        A year, or a day.

    Returns
    -------
    list
        The works, in the order given. Works with no known date are never
        standing: count them with :func:`is_dated` rather than guess.
    """
    if isinstance(when, dt.date):
        first, last = when, when
    else:
        first, last = dt.date(int(when), 1, 1), dt.date(int(when), 12, 31)
    return standing_between(works, first, last)


def standing_between(
    works: Iterable[Mapping[str, Any]], first: dt.date, last: dt.date
) -> list[Any]:
    """The works that stood on any day from ``first`` to ``last`` (both included)."""
    return [
        work
        for work in works
        if any(a <= last and (b is None or b >= first) for a, b in periods(work))
    ]


def standing_when(works: Iterable[Mapping[str, Any]], when: str) -> list[Any]:
    """The works that stood in ``when``: a year, a month (``2018-09``) or a day, as ISO 8601."""
    first, last = _parse(when, end=False), _parse(when, end=True)
    if first is None or last is None:
        raise ValueError(f"not a year, month or day: {when!r}")
    return standing_between(works, first, last)


def edition(work: Mapping[str, Any]) -> str | None:
    """The festival edition a work belongs to: its ``edition`` field, else festival and year.

    ``None`` for works outside a festival, or in one whose year is unknown.
    """
    named = str(work.get("edition") or "").strip()
    if named:
        return named
    festival = str(work.get("festival") or "").strip()
    start = start_of(work)
    if not festival or start is None:
        return None
    return f"{festival} {start.year}"


def editions(works: Sequence[Mapping[str, Any]]) -> list[str]:
    """The distinct editions of ``works``, sorted by festival, then year."""
    return sorted({e for w in works if (e := edition(w))})
