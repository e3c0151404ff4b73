"""When a work stood along the route: the one place that reads a work's dates.

Today a record has ``year``, taken as the year it was installed (or held, for an
event). A record may also carry ``start_date`` and ``end_date`` (ISO 8601: a year,
a year and month, or a full date), as temporary works will; a missing or
unreadable field is simply not known. A dated life history (installed, moved,
removed) will extend :func:`standing_years` and nothing else. No Flask, no SQL.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

__all__ = [
    "edition",
    "editions",
    "end_of",
    "is_dated",
    "standing",
    "standing_years",
    "start_of",
]

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


def _span(work: Mapping[str, Any]) -> tuple[dt.date, dt.date | None] | None:
    """First and last day a work stood (last ``None``: still standing), or ``None``."""
    start = start_of(work)
    if start is None:
        return None
    end = end_of(work)
    if end is not None and end < start:
        end = start  # a reversed range in a record: it stood at least on its first day
    return start, end


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
        Records with ``year`` and optionally ``start_date`` and ``end_date``.
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
    out = []
    for work in works:
        span = _span(work)
        if span is None:
            continue
        start, end = span
        if start <= last and (end is None or end >= first):
            out.append(work)
    return out


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
