"""iCalendar (RFC 5545) feeds of events, written with the ``icalendar`` library.

One VCALENDAR per feed (a route's events, a festival's), with a VTIMEZONE for
Asia/Almaty built from the zone database (so the 2024 change from UTC+6 to UTC+5
is in it), and one VEVENT per event: a stable UID (the event's key), DTSTAMP and
LAST-MODIFIED (when the record last changed, so the feed is the same until it
changes), SEQUENCE (the record's version), DTSTART/DTEND with TZID=Asia/Almaty for
timed events or VALUE=DATE for all-day ones (DTEND the day after the last, as RFC
5545 says), STATUS, SUMMARY, DESCRIPTION, LOCATION, GEO and URL. No Flask, no SQL.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping
from typing import Any

import icalendar

from .events import ALMATY, bounds, is_all_day

__all__ = ["PRODID", "feed"]

PRODID = "-//Cultural Terrenkur//Events//EN"
#: RFC 5545 STATUS of a VEVENT by our event status.
_STATUS = {
    "announced": "CONFIRMED",
    "on": "CONFIRMED",
    "past": "CONFIRMED",
    "cancelled": "CANCELLED",
}


def _stamp(value: Any) -> dt.datetime:
    """A stored UTC timestamp (ISO 8601) as an aware datetime; the epoch if unreadable."""
    try:
        when = dt.datetime.fromisoformat(str(value))
    except ValueError:
        return dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
    return when if when.tzinfo else when.replace(tzinfo=dt.UTC)


def feed(
    name: str,
    events: Iterable[Mapping[str, Any]],
    *,
    url: Callable[[Mapping[str, Any]], str],
    uid_domain: str = "cultural-terrenkur",
    lang: str = "en",
) -> bytes:
    """The iCalendar text of ``events`` (already localized: ``name``, ``place``...).

    ``url(event)`` gives each event's page (absolute; empty: no URL); events carry
    ``lat``/``lon`` (their venue's or their own) when known.
    """
    cal = icalendar.Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    cal.add("x-wr-calname", name)
    cal.add("x-wr-timezone", str(ALMATY))
    for event in events:
        cal.add_component(_vevent(event, url(event), uid_domain, lang))
    cal.add_missing_timezones()
    return cal.to_ical()


def _vevent(event: Mapping[str, Any], url: str, uid_domain: str, lang: str) -> icalendar.Event:
    ve = icalendar.Event()
    ve.add("uid", f"event-{event['slug']}@{uid_domain}")
    changed = _stamp(event.get("updated_at") or event.get("created_at"))
    ve.add("dtstamp", changed)
    ve.add("last-modified", changed)
    ve.add("sequence", max(0, int(event.get("version") or 1) - 1))
    begin, end = bounds(event)
    if is_all_day(event):
        ve.add("dtstart", begin.date())
        ve.add("dtend", end.date())
    else:
        ve.add("dtstart", begin)
        ve.add("dtend", end)
    ve.add("summary", event["name"], parameters={"language": lang})
    if event.get("description"):
        ve.add("description", event["description"], parameters={"language": lang})
    if event.get("place"):
        ve.add("location", event["place"], parameters={"language": lang})
    if event.get("lat") is not None and event.get("lon") is not None:
        ve.add("geo", (float(event["lat"]), float(event["lon"])))
    ve.add("status", _STATUS.get(str(event.get("status")), "CONFIRMED"))
    if url:
        ve.add("url", url)
    return ve
