"""Curator pages for festivals, their editions, artists, events and tours: lists, forms, history.

The same rules as for works: sign-in, CSRF (on every form), a version check on
save (a stale form overwrites nothing), every change in the history with a way to
restore it. Every change goes through :mod:`mapapp.editing`.
"""

from __future__ import annotations

from functools import wraps
from typing import Any

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from .. import editing, exchange, geo
from ..numbers import MAX_ID, int_or_none
from ..records import EVENT_STATUSES, ROUTE_STATUSES, TEXT_STATUSES, row_error
from ..store import RECORD_EDITABLE, NotFound, StaleEdit
from ..web.auth import role_required
from ..web.db import get_store
from ..web.labels import field_errors
from ..web.walk import workspace

bp = Blueprint("curator_records", __name__)

#: Each kind of record and the path its pages live under.
PLURALS = {
    "festival": "festivals",
    "edition": "editions",
    "artist": "artists",
    "event": "events",
    "tour": "tours",
    "route": "routes",
}
#: Kinds only admins change (curators see their list, forms and history).
ADMIN_ONLY = ("route",)
#: Texts in three languages (``name``, ``name_ru``, ``name_kk``...).
_TEXTS = ("name", "bio", "description", "place", "start_note", "end_note", "city")
#: Fields written in a language other than English, with that language.
_FIELD_LANGS = {f"{f}_{lang}": lang for f in _TEXTS for lang in ("ru", "kk")}
#: Fields edited in a text area rather than a line.
_LONG_FIELDS = (
    *(
        f"{f}{s}"
        for f in ("bio", "description", "start_note", "end_note")
        for s in ("", "_ru", "_kk")
    ),
    "source_note",
    "works",
)


def field_labels(kind: str) -> dict[str, str]:
    """The form's label for each field of a festival, edition or artist."""
    return {
        "slug": _("Key (in links and files; made from the name when empty)"),
        "name": _("Name in English"),
        "name_ru": _("Name in Russian"),
        "name_kk": _("Name in Kazakh"),
        "organiser": _("Organiser"),
        "festival": _("Festival"),
        "number": _("Edition number"),
        "year": _("Year"),
        "start_date": _("First day (2018-08-24, or 2018-08, or 2018)"),
        "end_date": _("Last day"),
        "curator": _("Curator"),
        "bio": _("Biography in English"),
        "bio_ru": _("Biography in Russian"),
        "bio_kk": _("Biography in Kazakh"),
        "description": _("Description in English"),
        "description_ru": _("Description in Russian"),
        "description_kk": _("Description in Kazakh"),
        "start": _("Starts (2018-09-09 for the whole day, or 2018-09-09T12:00, Almaty time)"),
        "end": _("Ends (the last day, or the end time; empty: the same day)"),
        "status": _("Status"),
        "edition": _("Festival edition"),
        "venue": _("Venue: a work on the map"),
        "place": _("Place in words, in English"),
        "place_ru": _("Place in words, in Russian"),
        "place_kk": _("Place in words, in Kazakh"),
        "lat": _("Latitude of a point of its own (when the venue is not a work)"),
        "lon": _("Longitude of a point of its own"),
        "link": {"edition": _("Web page of the edition"), "event": _("Web page of the event")}.get(
            kind, _("Website")
        ),
        "source_url": _("Source (web address)"),
        "source_note": _("Source note: what was taken from the source"),
        "text_status_en": _("State of the English texts"),
        "text_status_ru": _("State of the Russian texts"),
        "text_status_kk": _("State of the Kazakh texts"),
        "works": _("Works in walking order: their keys, one a line"),
        "duration_min": _("Expected duration in minutes"),
        "start_note": _("Start: how to get there (metro, bus), in English"),
        "start_note_ru": _("Start, in Russian"),
        "start_note_kk": _("Start, in Kazakh"),
        "end_note": _("End: toilets, cafés, the way home, in English"),
        "end_note_ru": _("End, in Russian"),
        "end_note_kk": _("End, in Kazakh"),
        "city": _("City in English"),
        "city_ru": _("City in Russian"),
        "city_kk": _("City in Kazakh"),
        "country": _("Country (two-letter code: KZ, GE...)"),
        "languages": _("Content languages in fallback order (ka;en)"),
        "walking_speed_kmh": _("Walking speed (km/h)"),
        "direction": _("Default direction along the line"),
        "trigger_m": _("Walk mode's trigger radius (m)"),
        "corridor_m": _("Corridor: works within this many metres of the line are its stops"),
    }


def _confirmed() -> bool:
    return bool(request.form.get("confirm_overlap"))


def _record_or_404(kind: str, id: int) -> dict[str, Any]:
    row = get_store().record(kind, id) if id <= MAX_ID else None
    if row is None:
        abort(404, description=_("There is no such record."))
    return row


def _form_fields(kind: str) -> dict[str, Any]:
    return {k: request.form.get(k, "") for k in RECORD_EDITABLE[kind]}


def _edit_page(
    kind: str, values: dict[str, Any], errors: dict[str, str], row: dict | None, status: int
):
    store = get_store()
    uses = store.uses_of(kind, row["slug"]) if row and kind != "route" else 0
    return (
        render_template(
            "curator/record_edit.html",
            kind=kind,
            plural=PLURALS[kind],
            fields=RECORD_EDITABLE[kind],
            labels=field_labels(kind),
            field_langs=_FIELD_LANGS,
            long_fields=_LONG_FIELDS,
            values=values,
            errors=errors,
            row=row,
            uses=uses,
            festivals=store.records("festival"),
            editions=store.records("edition") if kind == "event" else [],
            venues=store.installations() if kind == "event" else [],
            event_statuses=EVENT_STATUSES,
            works=store.all_installations() if kind == "tour" else [],
            text_statuses=TEXT_STATUSES,
            route_statuses=ROUTE_STATUSES,
            directions=geo.DIRECTIONS,
            number_fields=_NUMBER_FIELDS,
            line=store.current_route(row["id"]) if kind == "route" and row else None,
            old_keys=store.route_old_keys(row["id"]) if kind == "route" and row else [],
        ),
        status,
    )


#: Number fields (a decimal keyboard on phones).
_NUMBER_FIELDS = ("number", "year", "lat", "lon", "walking_speed_kmh", "trigger_m", "corridor_m")


# lists ------------------------------------------------------------------------------------


def index(kind: str):
    store = get_store()
    if kind == "edition":
        return redirect(url_for("curator_records.index", kind="festival"))
    if kind == "festival":
        editions = store.records("edition")
        festivals = [
            {**f, "editions": [e for e in editions if e["festival"] == f["slug"]]}
            for f in store.records("festival")
        ]
        for f in festivals:
            f["uses"] = len(store.installations(statuses=_ALL, festival=f["slug"]))
            for e in f["editions"]:
                e["uses"] = store.uses_of("edition", e["slug"])
        return render_template("curator/records.html", kind=kind, festivals=festivals)
    if kind == "event":
        return render_template("curator/events.html", kind=kind, rows=store.records("event"))
    if kind == "tour":
        return render_template("curator/records.html", kind=kind, tours=store.records(kind))
    if kind == "route":
        return render_template("curator/routes.html", kind=kind, routes=route_rows())
    artists = [{**a, "uses": store.uses_of("artist", a["slug"])} for a in store.records(kind)]
    return render_template("curator/records.html", kind=kind, artists=artists)


_ALL = ("draft", "published", "retired")


def route_rows() -> list[dict[str, Any]]:
    """Every route with how many works are on it and its line's length (metres)."""
    ws = workspace()
    out = []
    for r in ws.net().routes:
        works = editing.route_works(ws, r.slug)
        length = r.line.length_m if r.line is not None else None
        out.append({**r.record, "works": len(works), "length_m": length})
    return out


# forms ------------------------------------------------------------------------------------


def new(kind: str):
    if request.method == "GET":
        values: dict[str, Any] = {}
        if kind == "edition":
            values["festival"] = request.args.get("festival", "")
        if kind == "event":
            values["edition"] = request.args.get("edition", "")
            values["venue"] = request.args.get("venue", "")
        return _edit_page(kind, values, {}, None, 200)
    data = _form_fields(kind)
    try:
        row = editing.create_record(workspace(), kind, data, _confirmed())
    except editing.Invalid as exc:
        return _edit_page(kind, data, field_errors(exc.errors), None, 400)
    flash(_("Added “%(name)s”.", name=row["name"]))
    if kind == "route":  # a route needs its line before it is listed or walked
        return redirect(url_for("admin.route_line", id=row["id"]))
    return redirect(url_for("curator_records.edit", kind=kind, id=row["id"]))


def edit(kind: str, id: int):
    row = _record_or_404(kind, id)
    if request.method == "GET":
        return _edit_page(kind, row, {}, row, 200)
    data = _form_fields(kind)
    version = int_or_none(request.form.get("version"), 1)
    if version is None:
        errors = [row_error(0, "version", "version_missing", "the form is missing its version")]
        return _edit_page(kind, {**data, "version": row["version"]}, field_errors(errors), row, 400)
    try:
        saved = editing.save_record(workspace(), kind, id, data, version, _confirmed())
    except editing.Invalid as exc:
        values = {**data, "version": row["version"]}
        return _edit_page(kind, values, field_errors(exc.errors), row, 400)
    except StaleEdit as exc:
        message = _(
            "Someone else saved this record (now version %(v)s) after you opened it. "
            "Nothing was overwritten: review their version below and apply your change again.",
            v=exc.current["version"],
        )
        return _edit_page(kind, exc.current, {"version": message}, exc.current, 409)
    flash(_("Saved “%(name)s” (version %(v)s).", name=saved["name"], v=saved["version"]))
    return redirect(url_for("curator_records.edit", kind=kind, id=id))


def history(kind: str, id: int):
    row = _record_or_404(kind, id)
    return render_template(
        "curator/record_history.html",
        kind=kind,
        row=row,
        entries=get_store().record_history(kind, id),
        labels=field_labels(kind),
    )


def restore(kind: str, id: int, entry: int):
    version = int_or_none(request.form.get("version"), 1)
    if version is None:
        abort(400, description=_("The form is missing its version; reload the page."))
    if id > MAX_ID or entry > MAX_ID:
        abort(404, description=_("There is no such version."))
    try:
        row = editing.restore_record(workspace(), kind, id, entry, version)
    except NotFound:
        abort(404, description=_("There is no such version."))
    except StaleEdit:
        flash(_("This record changed since you opened its history; nothing was restored."), "error")
        return redirect(url_for("curator_records.history", kind=kind, id=id)), 303
    except editing.Invalid as exc:
        flash(" ".join(field_errors(exc.errors).values()), "error")
        return redirect(url_for("curator_records.history", kind=kind, id=id)), 303
    flash(_("Restored; this is now version %(v)s.", v=row["version"]))
    return redirect(url_for("curator_records.edit", kind=kind, id=id)), 303


def delete(kind: str, id: int):
    """Remove a route that no work is on; one with works is refused (retire it)."""
    _record_or_404(kind, id)
    version = int_or_none(request.form.get("version"), 1)
    if version is None:
        abort(400, description=_("The form is missing its version; reload the page."))
    try:
        row = editing.delete_route(workspace(), id, version)
    except StaleEdit:
        flash(_("This record changed since you opened it; nothing was deleted."), "error")
        return redirect(url_for("curator_records.edit", kind=kind, id=id)), 303
    except editing.Invalid as exc:
        flash(" ".join(field_errors(exc.errors).values()), "error")
        return redirect(url_for("curator_records.edit", kind=kind, id=id)), 303
    flash(_("Deleted “%(name)s”.", name=row["name"]))
    return redirect(url_for("curator_records.index", kind=kind)), 303


def export(kind: str):
    """The records as CSV in the columns of their seed file (``data/<kind>s.csv``)."""
    body = exchange.export_records_csv(kind, get_store().records(kind))
    resp = Response(body, mimetype="text/csv")
    resp.headers["Content-Disposition"] = f'attachment; filename="{PLURALS[kind]}.csv"'
    resp.headers["Cache-Control"] = "no-store"
    return resp


def _admin_for(view: Any) -> Any:
    """``view``, refused (403) to curators for the kinds only admins change."""

    @wraps(view)
    def wrapped(kind: str, **kwargs: Any):
        if kind in ADMIN_ONLY and current_user.role != "admin":
            abort(403, description=_("This needs an admin account."))
        return view(kind, **kwargs)

    return wrapped


def _register() -> None:
    """One set of URLs per kind: ``/curator/festivals``, ``/curator/artists/3``..."""
    views = {
        "index": (index, "", ["GET"]),
        "new": (new, "/new", ["GET", "POST"]),
        "edit": (edit, "/<int:id>", ["GET", "POST"]),
        "history": (history, "/<int:id>/history", ["GET"]),
        "restore": (restore, "/<int:id>/restore/<int:entry>", ["POST"]),
    }
    writes = ("new", "edit", "restore")
    for endpoint, (view, path, methods) in views.items():
        # curators see a route's list and history; only admins change routes
        guarded = role_required("curator")(_admin_for(view) if endpoint in writes else view)
        for kind, plural in PLURALS.items():
            bp.add_url_rule(
                f"/curator/{plural}{path}",
                endpoint,
                guarded,
                methods=methods,
                defaults={"kind": kind},
            )
    for kind in ADMIN_ONLY:
        bp.add_url_rule(
            f"/curator/{PLURALS[kind]}/<int:id>/delete",
            "delete",
            role_required("admin")(delete),
            methods=["POST"],
            defaults={"kind": kind},
        )
    guarded_export = role_required("curator")(export)
    for kind, plural in PLURALS.items():
        bp.add_url_rule(
            f"/curator/export/{plural}.csv", "export", guarded_export, defaults={"kind": kind}
        )


_register()
