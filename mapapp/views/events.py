"""Events and each work's life: "What's on", event pages, calendar feeds, the map's part.

Public: ``/events`` ("What's on": on now, this week, upcoming, past),
``/events/<slug>`` (an event's permalink), ``/calendar/route.ics`` and
``/calendar/festivals/<slug>.ics`` (iCalendar feeds, :mod:`mapapp.calendar_feed`),
``/api/events.json``; and, for the map page, the events layer, the "works that are
gone" switch and the month slider (``events_map()``, read by
``templates/events/_map.html`` and ``static/js/events.js``).

Curators: events are records (``/curator/events``, in
:mod:`mapapp.views.curator_records`); a work's dated life is at
``/curator/<id>/life``; the JSON API is ``/api/curator/events`` and
``/api/curator/installations/<id>/life``. Every change goes through
:mod:`mapapp.editing`. The time is :func:`mapapp.events.now` (tests freeze it).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from jinja2.utils import htmlsafe_json_dumps
from markupsafe import Markup

from .. import calendar_feed, editing, events, lifecycle
from ..catalog import localize_stop, period_text
from ..numbers import MAX_ID
from ..records import EVENT_STATUSES, LIFE_STATUSES, localized
from ..store import NotFound, StaleEdit
from ..web.assets import asset_url
from ..web.auth import role_required
from ..web.cache import cached
from ..web.db import get_store
from ..web.i18n import current_language
from ..web.labels import event_status_labels, field_errors, life_labels
from ..web.limits import upload_limit
from ..web.params import ParamError, choice_arg, json_body, json_error, json_response
from ..web.routing import API, PAGE
from ..web.urls import current_urls
from ..web.walk import content_order, current_walk, workspace
from .curator import _uploaded_photo  # the work form's photo rules, shared

bp = Blueprint("events", __name__)

EVENTS_SETTINGS_ID = "terrenkur-events"
#: How near the route an event's own point must be to be in the route's feed.
ROUTE_FEED_M = 1000.0


# what the public sees ------------------------------------------------------------------


def public_events(lang: str) -> list[dict[str, Any]]:
    """Every event in ``lang``, with its venue (a published work) and edition named.

    ``lat``/``lon`` are the event's own point, else its venue's; ``venue`` is empty
    when the venue is not a published work (the event keeps its place in words).
    """
    order = content_order()
    walk = current_walk()

    def build() -> list[dict[str, Any]]:
        stops = {s["slug"]: s for s in walk.stops}
        out = []
        for row in walk.events:  # the route's own events only
            event = events.localize_event(row, lang, order)
            venue = stops.get(row["venue"]) if row["venue"] else None
            event["venue"] = venue["slug"] if venue else ""
            event["venue_title"] = localize_stop(venue, lang, order)["title"] if venue else ""
            if event.get("lat") is None and venue is not None:
                event["lat"], event["lon"] = venue["lat"], venue["lon"]
            edition = walk.references.editions.get(row["edition"] or "") or {}
            event["edition_name"] = localized(edition, "name", lang, order)[0] if edition else ""
            event["festival"] = edition.get("festival", "")
            out.append(event)
        return out

    return cached("public-events", (walk.version, lang), build)


def _event_or_404(slug: str, lang: str) -> dict[str, Any]:
    found = next((e for e in public_events(lang) if e["slug"] == slug), None)
    if found is None:
        abort(404, description=_("There is no event at this address."))
    return found


def _with_state(event: dict[str, Any], at: dt.datetime) -> dict[str, Any]:
    begin, end = events.bounds(event)
    return {
        **event,
        "effective": events.effective_status(event, at),
        "begin": begin.isoformat(),
        "end_at": end.isoformat(),
    }


def render_whats_on(at: dt.datetime | None = None):
    """The "What's on" page in the current language (also used by the static export)."""
    at = at or events.now()
    lang = current_language()
    groups = events.buckets(public_events(lang), at)
    walk = current_walk()
    festivals = [
        (slug, localized(f, "name", lang, walk.languages)[0])
        for slug, f in walk.references.festivals.items()
    ]
    return render_template(
        "events/whats_on.html",
        groups={k: [_with_state(dict(e), at) for e in v] for k, v in groups.items()},
        headings=bucket_headings(),
        festivals=sorted(festivals, key=lambda f: f[1].casefold()),
        at=at,
        static_page=current_urls().static,
    )


def bucket_headings() -> dict[str, str]:
    return {
        "on": _("On now"),
        "week": _("This week"),
        "upcoming": _("Upcoming"),
        "past": _("Past"),
    }


def render_event_page(slug: str, at: dt.datetime | None = None):
    """An event's page in the current language (also used by the static export)."""
    lang = current_language()
    event = _with_state(_event_or_404(slug, lang), at or events.now())
    return render_template("events/event.html", event=event)


@bp.get(f"{PAGE}/events")
def whats_on():
    return render_whats_on()


@bp.get(f"{PAGE}/events/<slug>")
def event_page(slug: str):
    return render_event_page(slug)


# calendar feeds ------------------------------------------------------------------------


def _feed_url(event: Any) -> str:
    return url_for("events.event_page", slug=event["slug"], _external=True)


def route_feed_events(lang: str) -> list[dict[str, Any]]:
    walk = current_walk()
    route = walk.route

    def near(lon: float, lat: float) -> bool:
        return bool(route.locate([lon], [lat])[1][0] <= ROUTE_FEED_M)

    return [dict(e) for e in events.route_events(public_events(lang), walk.stops, near)]


def festival_feed_events(slug: str, lang: str) -> list[dict[str, Any]] | None:
    if slug not in current_walk().references.festivals:
        return None
    return [e for e in public_events(lang) if e["festival"] == slug]


def calendar_body(
    name: str, chosen: list[dict[str, Any]], lang: str, url: Callable[[Any], str] | None = None
) -> bytes:
    """A feed's iCalendar text; ``url`` gives each event's absolute address."""
    return calendar_feed.feed(name, chosen, url=url or _feed_url, lang=lang)


def _calendar_response(body: bytes, filename: str) -> Response:
    resp = Response(body, mimetype="text/calendar")
    resp.headers["Content-Disposition"] = f'inline; filename="{filename}"'
    resp.headers["Cache-Control"] = "public, max-age=3600"
    return resp


def route_calendar_name() -> str:
    """The route feed's name: the route's, in the page's language."""
    name = localized(current_walk().record, "name", current_language())[0]
    return _("Cultural Terrenkur: events on %(route)s", route=name)


def _feed_key(name: str, lang: str) -> tuple[str, ...]:
    return (current_walk().version, name, lang, request.host_url)


@bp.get(f"{PAGE}/calendar/route.ics")
def route_calendar():
    lang = current_language()
    body = cached(
        "route-calendar",
        _feed_key("route", lang),
        lambda: calendar_body(route_calendar_name(), route_feed_events(lang), lang),
    )
    return _calendar_response(body, "terrenkur-route.ics")


def festival_calendar_name(slug: str, lang: str) -> str:
    festival = current_walk().references.festivals[slug]
    return _(
        "Cultural Terrenkur: %(festival)s",
        festival=localized(festival, "name", lang, content_order())[0],
    )


@bp.get(f"{PAGE}/calendar/festivals/<slug>.ics")
def festival_calendar(slug: str):
    lang = current_language()
    chosen = festival_feed_events(slug, lang)
    if chosen is None:
        abort(404, description=_("There is no festival at this address."))
    body = cached(
        "festival-calendar",
        _feed_key(slug, lang),
        lambda: calendar_body(festival_calendar_name(slug, lang), chosen, lang),
    )
    return _calendar_response(body, f"{slug}.ics")


# the JSON API --------------------------------------------------------------------------


def _at_arg() -> dt.datetime:
    """``?at=`` (a day or a local time in Almaty), else now."""
    raw = request.args.get("at")
    if raw is None or raw == "":
        return events.now()
    try:
        when = dt.datetime.fromisoformat(raw.strip())
    except ValueError:
        raise ParamError(
            _("at must be a day (2018-09-09) or a time (2018-09-09T12:00) that exists")
        ) from None
    return when.replace(tzinfo=events.ALMATY) if when.tzinfo is None else when


@bp.get(f"{API}/events.json")
def api_events():
    """Every event with its effective status and group at ``at``; ``bucket`` and
    ``festival`` (a key) filter."""
    lang = choice_arg("lang", ("en", "ru", "kk")) or current_language()
    bucket = choice_arg("bucket", events.BUCKETS)
    walk = current_walk()
    festival = choice_arg("festival", tuple(walk.references.festivals))
    at = _at_arg()
    groups = events.buckets(public_events(lang), at)
    out = []
    for name in events.BUCKETS:
        if bucket is not None and name != bucket:
            continue
        for event in groups[name]:
            if festival is not None and event["festival"] != festival:
                continue
            out.append({**_public_json(dict(event), at), "bucket": name})
    return json_response({"at": at.isoformat(), "time_zone": str(events.ALMATY), "events": out})


_PUBLIC_EVENT_FIELDS = (
    "slug",
    "name",
    "description",
    "place",
    "start",
    "end",
    "all_day",
    "status",
    "period",
    "edition",
    "edition_name",
    "festival",
    "venue",
    "venue_title",
    "lat",
    "lon",
    "link",
    "source_url",
    "source_note",
    "text_lang",
)


def _public_json(event: dict[str, Any], at: dt.datetime) -> dict[str, Any]:
    state = _with_state(event, at)
    out = {k: event.get(k) for k in _PUBLIC_EVENT_FIELDS}
    out.update(effective=state["effective"], begin=state["begin"], end_at=state["end_at"])
    out["url"] = current_urls().event(event["slug"])
    return out


# the map's part: events layer, works that are gone, the month slider ------------------


def _life_json(life: list[dict[str, Any]], lang: str) -> list[dict[str, Any]]:
    labels = life_labels()
    return [
        {
            "status": e["status"],
            "label": labels.get(e["status"], e["status"]),
            "date": e["date"],
            "when": period_text(e["date"], "", lang),
            "note": e.get("note") or "",
            "photo": e.get("photo") or "",
        }
        for e in life
    ]


def _map_settings_json(lang: str) -> str:
    """The events part's JSON blob for the map in ``lang``: the same for every map page
    of one language and URL builder until the data change, so it is cached. It holds
    the events, not the works: when each work stood is in the map's stop table, its
    events (by key) and life in its detail chunk (:mod:`mapapp.payloads`)."""
    walk = current_walk()
    urls = current_urls()

    def build() -> str:
        all_events = public_events(lang)
        dated = [lifecycle.start_of(s) for s in walk.stops]
        first = min((d for d in dated if d is not None), default=events.now().date())
        settings = {
            "first": first.isoformat()[:7],
            "events": [
                {
                    "slug": e["slug"],
                    "name": e["name"],
                    "period": e["period"],
                    "place": e["venue_title"] or e["place"],
                    "b": events.bounds(e)[0].isoformat(),
                    "e": events.bounds(e)[1].isoformat(),
                    "cancelled": e["status"] == "cancelled",
                    "lat": e.get("lat"),
                    "lon": e.get("lon"),
                    "url": urls.event(e["slug"]),
                }
                for e in all_events
            ],
            # what the event pages need offline besides what the map loaded itself
            "keep": [
                asset_url("css/pages.css"),
                urls.whats_on(),
                *(urls.event(e["slug"]) for e in all_events),
            ],
            "strings": map_strings(),
            "headings": bucket_headings(),
            "statuses": event_status_labels(),
            "lifeLabels": life_labels(),
            "lang": lang,
        }
        return str(htmlsafe_json_dumps(settings, separators=(",", ":"), ensure_ascii=False))

    key = (walk.version, lang, urls.whats_on(), urls.event("-"), asset_url("css/pages.css"))
    return cached("events-map", key, build)


def events_map(focus: dict[str, Any] | None = None) -> dict[str, Any]:
    """The map page's events part: the list, the switch, the slider, and their JSON."""
    lang = current_language()
    at = events.now()
    all_events = public_events(lang)
    focus_gone = False
    if focus is not None:
        focus_gone = lifecycle.state_on(focus, at.date()) == "gone"
    return {
        "settings_id": EVENTS_SETTINGS_ID,
        "settings_json": Markup(_map_settings_json(lang)),  # noqa: S704 (JSON made safe)
        "groups": events.buckets(all_events, at),
        "headings": bucket_headings(),
        "focus_gone": focus_gone,
        "focus_events": events.work_events(focus, all_events) if focus else [],
        "focus_life": _life_json(focus.get("life") or [], lang) if focus else [],
    }


def map_strings() -> dict[str, str]:
    return {
        "now": _("Now"),
        "standingIn": _("What stood here in %(month)s: %(n)s work(s)", month="{month}", n="{n}"),
        "standingNow": _("Works standing now"),
        "undated": _("%(n)s work(s) of unknown date not shown", n="{n}"),
        "madeFor": _("Made for %(event)s, %(period)s", event="{event}", period="{period}"),
        "heldHere": _("%(event)s, %(period)s", event="{event}", period="{period}"),
        "events": _("Events"),
        "life": _("Its life"),
        "gone": _("This work is gone; it stays here with its history."),
        "cancelled": _("cancelled"),
        "eventPage": _("Event page"),
        "none": _("None."),
    }


@bp.app_context_processor
def _events_in_templates() -> dict[str, Any]:
    return {"events_map": events_map}


# curators: a work's life ---------------------------------------------------------------


def _work_or_404(id: int) -> dict[str, Any]:
    row = get_store().installation(id, published_only=False) if id <= MAX_ID else None
    if row is None:
        abort(404, description=_("There is no installation with this id."))
    return row


def _life_page(row: dict[str, Any], values: dict[str, Any], errors: dict[str, str], status: int):
    return (
        render_template(
            "curator/life.html",
            row=row,
            entries=get_store().life_entries(row["id"], withdrawn=True),
            statuses=LIFE_STATUSES,
            values=values,
            errors=errors,
            standing=lifecycle.periods({**row, "life": get_store().life_entries(row["id"])}),
        ),
        status,
    )


@bp.route("/curator/<int:id>/life", methods=["GET", "POST"])
@upload_limit("PHOTO_MAX_BYTES")
@role_required("curator")
def work_life(id: int):
    row = _work_or_404(id)
    if request.method == "GET":
        return _life_page(row, {}, {}, 200)
    data = {k: request.form.get(k, "") for k in ("status", "date", "note", "source_url")}
    photo = _uploaded_photo()
    if photo.errors:
        return _life_page(row, data, field_errors(photo.errors), 400)
    try:
        editing.add_life_entry(workspace(), id, data, photo.checked)
    except editing.Invalid as exc:
        return _life_page(row, data, field_errors(exc.errors), 400)
    photo.done()
    flash(_("Added to the life of “%(title)s”.", title=row["title"]))
    return redirect(url_for("events.work_life", id=id), 303)


@bp.post("/curator/<int:id>/life/<int:entry>/withdraw")
@role_required("curator")
def withdraw_life(id: int, entry: int):
    _work_or_404(id)
    try:
        editing.withdraw_life_entry(workspace(), id, entry)
    except NotFound:
        abort(404, description=_("There is no such entry."))
    flash(_("The entry is withdrawn; it stays listed as withdrawn."))
    return redirect(url_for("events.work_life", id=id), 303)


# curators: the JSON API for events and a work's life ------------------------------------


def _invalid_json(exc: editing.Invalid) -> Response:
    return json_error(
        400,
        _("validation failed"),
        fields=field_errors(exc.errors),
        codes={field: e.code for field, e in exc.by_field.items()},
    )


def _private(doc: Any, status: int = 200) -> Response:
    return json_response(doc, status=status, public=False)


def _version(data: dict[str, Any]) -> int:
    value = data.get("version")
    if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= MAX_ID:
        raise ParamError(_("version is required: the version you last read"))
    return value


@bp.get("/api/curator/events")
@role_required("curator")
def api_list_events():
    return _private(get_store().records("event"))


@bp.post("/api/curator/events")
@role_required("curator")
def api_create_event():
    try:
        row = editing.create_record(workspace(), "event", json_body())
    except editing.Invalid as exc:
        return _invalid_json(exc)
    resp = _private(row, 201)
    resp.headers["Location"] = f"/api/curator/events/{row['id']}"
    return resp


@bp.get("/api/curator/events/<int:id>")
@role_required("curator")
def api_get_event(id: int):
    row = get_store().record("event", id) if id <= MAX_ID else None
    if row is None:
        return json_error(404, _("There is no such record."))
    return _private(row)


@bp.route("/api/curator/events/<int:id>", methods=["PUT", "PATCH"])
@role_required("curator")
def api_update_event(id: int):
    data = json_body()
    version = _version(data)
    if id > MAX_ID or get_store().record("event", id) is None:
        return json_error(404, _("There is no such record."))
    try:
        row = editing.save_record(workspace(), "event", id, data, version)
    except editing.Invalid as exc:
        return _invalid_json(exc)
    except StaleEdit as exc:
        message = _(
            "The event changed since the version you sent; it is now at version %(v)s. "
            "Nothing was written.",
            v=exc.current["version"],
        )
        return json_error(409, message, current=exc.current)
    return _private(row)


@bp.post("/api/curator/installations/<int:id>/life")
@role_required("curator")
def api_add_life(id: int):
    data = json_body()
    try:
        entry = editing.add_life_entry(workspace(), id, data)
    except NotFound:
        return json_error(404, _("There is no installation with id %(id)s.", id=id))
    except editing.Invalid as exc:
        return _invalid_json(exc)
    return _private(entry, 201)


@bp.get("/api/curator/installations/<int:id>/life")
@role_required("curator")
def api_life(id: int):
    if id > MAX_ID or get_store().installation(id, published_only=False) is None:
        return json_error(404, _("There is no installation with id %(id)s.", id=id))
    return _private(get_store().life_entries(id, withdrawn=True))


__all__ = ["EVENT_STATUSES", "bp", "events_map", "public_events"]
