"""Festival events in time: when one is on, what is on now, this week, later, before.

An event record (:class:`mapapp.records.Event`) gives its start and end as days
(all day, the last day included) or as local times in Almaty. This module turns
them into aware datetimes in :data:`ALMATY` (with ``zoneinfo``: Almaty moved from
UTC+6 to UTC+5 on 1 March 2024, so the offset depends on the day), sorts events into
"on now", "this week", "upcoming" and "past" at a given moment, finds a work's
events and a route's, and writes periods in words. ``now`` is always a parameter
(tests freeze it); :func:`now` reads the clock. No Flask, no SQL.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from typing import Any
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_interval, format_time

from .records import EVENT_TZ, localized, text_fields, translation_keys

__all__ = [
    "ALMATY",
    "BUCKETS",
    "bounds",
    "buckets",
    "effective_status",
    "is_all_day",
    "now",
    "period_text",
    "route_events",
    "work_events",
]

ALMATY = ZoneInfo(EVENT_TZ)
#: The groups of "What's on", in the order shown.
BUCKETS = ("on", "week", "upcoming", "past")
#: How far ahead "this week" looks.
WEEK = dt.timedelta(days=7)
#: Babel's locales for our languages' dates (day before month in English too).
_LOCALES = {"en": "en_GB", "ru": "ru", "kk": "kk"}


def now() -> dt.datetime:
    """The current moment in Almaty."""
    return dt.datetime.now(ALMATY)


def is_all_day(event: Mapping[str, Any]) -> bool:
    """Whether the event is given in days (no time of day)."""
    return "T" not in str(event.get("start") or "")


def _local(value: str) -> dt.datetime:
    return dt.datetime.fromisoformat(value).replace(tzinfo=ALMATY)


def bounds(event: Mapping[str, Any]) -> tuple[dt.datetime, dt.datetime]:
    """The event's first moment and the moment after its last, in Almaty time.

    An all-day event runs from midnight of its first day to midnight after its last
    (the end day is included); a timed event with no end runs to the end of its day.
    """
    start = str(event["start"])
    end = str(event.get("end") or "")
    if is_all_day(event):
        first = dt.date.fromisoformat(start)
        last = dt.date.fromisoformat(end) if end else first
        begin = dt.datetime.combine(first, dt.time(), ALMATY)
        return begin, dt.datetime.combine(last + dt.timedelta(days=1), dt.time(), ALMATY)
    begin = _local(start)
    if end:
        return begin, _local(end)
    return begin, dt.datetime.combine(begin.date() + dt.timedelta(days=1), dt.time(), ALMATY)


def effective_status(event: Mapping[str, Any], at: dt.datetime) -> str:
    """``cancelled`` as recorded, else ``announced``, ``on`` or ``past`` by the dates at ``at``.

    A record's ``on`` or ``past`` is what a curator saw when they wrote it; the dates
    say it better once time has moved on.
    """
    if event.get("status") == "cancelled":
        return "cancelled"
    begin, end = bounds(event)
    if at < begin:
        return "announced"
    return "on" if at < end else "past"


def buckets(
    events: Iterable[Mapping[str, Any]], at: dt.datetime
) -> dict[str, list[Mapping[str, Any]]]:
    """Events on now, starting within seven days, starting later, and over.

    On now and the coming ones by start (then end); the past ones newest first.
    A cancelled event stays in the group its dates put it in (pages say it is
    cancelled).
    """
    out: dict[str, list[Mapping[str, Any]]] = {b: [] for b in BUCKETS}
    for event in events:
        begin, end = bounds(event)
        if end <= at:
            out["past"].append(event)
        elif begin <= at:
            out["on"].append(event)
        elif begin < at + WEEK:
            out["week"].append(event)
        else:
            out["upcoming"].append(event)
    for name in ("on", "week", "upcoming"):
        out[name].sort(key=lambda e: (*bounds(e), str(e.get("slug"))))
    out["past"].sort(key=lambda e: (bounds(e)[1], bounds(e)[0]), reverse=True)
    return out


def period_text(event: Mapping[str, Any], lang: str) -> str:
    """The event's dates in words (see :func:`_period_text`), with plain spaces."""
    return _period_text(event, lang).replace("\u2009", " ").replace("\u202f", " ")


def _period_text(event: Mapping[str, Any], lang: str) -> str:
    """The event's dates in words: ``24 Aug 2018 – 12 Sep 2018``, ``9 Sep 2018, 12:00–21:00``.

    Times are Almaty's, as the event gives them.
    """
    locale = _LOCALES.get(lang, lang)
    if is_all_day(event):
        first = dt.date.fromisoformat(str(event["start"]))
        end = str(event.get("end") or "")
        last = dt.date.fromisoformat(end) if end else first
        if last == first:
            return format_date(first, "medium", locale=locale)
        return format_interval(first, last, "yMMMd", locale=locale)
    begin, end_at = bounds(event)

    def day(when: dt.datetime) -> str:
        return format_date(when.date(), "medium", locale=locale)

    def clock(when: dt.datetime) -> str:
        return format_time(when, "HH:mm", tzinfo=ALMATY, locale=locale)

    if not event.get("end"):
        return f"{day(begin)}, {clock(begin)}"
    if begin.date() == end_at.date():
        return f"{day(begin)}, {clock(begin)}–{clock(end_at)}"
    return f"{day(begin)}, {clock(begin)} – {day(end_at)}, {clock(end_at)}"


def work_events(
    work: Mapping[str, Any], events: Sequence[Mapping[str, Any]]
) -> list[tuple[str, Mapping[str, Any]]]:
    """The events of a work, each with how it is the work's: ``venue`` or ``edition``.

    A work is the venue of the events held at it, and was made for the events of its
    festival edition ("made for ARTBAT FEST 9, 24 Aug – 12 Sep 2018"). By start.
    """
    slug, edition = work.get("slug"), work.get("edition")
    out: list[tuple[str, Mapping[str, Any]]] = []
    for event in events:
        if slug and event.get("venue") == slug:
            out.append(("venue", event))
        elif edition and event.get("edition") == edition:
            out.append(("edition", event))
    out.sort(key=lambda pair: bounds(pair[1]))
    return out


def route_events(
    events: Iterable[Mapping[str, Any]],
    works: Sequence[Mapping[str, Any]],
    near: Any = None,
) -> list[Mapping[str, Any]]:
    """The events of a route: at one of its works, of an edition its works belong to,
    or at a point of their own that ``near(lon, lat)`` says is by the route."""
    slugs = {w["slug"] for w in works}
    editions = {w.get("edition") for w in works if w.get("edition")}
    out = []
    for event in events:
        own_point = event.get("lat") is not None and event.get("lon") is not None
        if (
            event.get("venue") in slugs
            or event.get("edition") in editions
            or (own_point and near is not None and near(event["lon"], event["lat"]))
        ):
            out.append(event)
    return sorted(out, key=bounds)


def localize_event(
    event: Mapping[str, Any], lang: str, order: tuple[str, ...] = ()
) -> dict[str, Any]:
    """An event's texts in ``lang`` where translated (``text_lang`` says which), its
    period in words, and whether it is all day. ``order`` is the route's order of
    content languages to fall back on (:func:`mapapp.records.fallback_order`)."""
    translations = set(translation_keys(dict(event), "event"))
    out: dict[str, Any] = {k: v for k, v in event.items() if k not in translations}
    out["text_lang"] = {}
    for field in text_fields("event"):
        text, text_lang = localized(dict(event), field, lang, order)
        out[field] = text
        out["text_lang"][field] = text_lang
    out["period"] = period_text(event, lang)
    out["all_day"] = is_all_day(event)
    return out
