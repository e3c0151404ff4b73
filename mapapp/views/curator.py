"""The curator workspace: the list of works, the edit form, photos, history, import/export.

Every change goes through :mod:`mapapp.editing` (the same functions as the write
API and the CLI); this module reads forms and renders pages.
"""

from __future__ import annotations

import json
import secrets
from typing import Any

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user

from .. import editing, exchange, maps, photos
from ..catalog import place_stops
from ..numbers import MAX_ID, int_or_none
from ..records import COLUMNS, FESTIVALS, KINDS, STATUSES, RowError, row_error
from ..store import NotFound, StaleEdit
from ..web.assets import asset_url
from ..web.auth import role_required
from ..web.db import get_store
from ..web.labels import field_errors, kind_labels, precision_labels
from ..web.walk import current_walk, workspace

bp = Blueprint("curator", __name__)

EXPORT_TYPES = {
    "csv": "text/csv",
    "geojson": "application/geo+json",
    "gpx": "application/gpx+xml",
    "gpkg": "application/geopackage+sqlite3",
}
PICKER_ID = "picker-settings"


# installations ---------------------------------------------------------------------


@bp.get("/curator")
@role_required("curator")
def index():
    q = request.args.get("q", "").strip().lower()
    kind = request.args.get("kind") or None
    festival = request.args.get("festival") or None
    status = request.args.get("status") or None
    rows = get_store().installations(
        statuses=(status,) if status in STATUSES else STATUSES,
        kind=kind if kind in KINDS else None,
        festival=festival if festival in (*FESTIVALS, "") else None,
    )
    if q:
        rows = [
            r
            for r in rows
            if q
            in " ".join(str(r.get(k) or "") for k in ("title", "artist", "slug", "address")).lower()
        ]
    return render_template(
        "curator/index.html",
        rows=place_stops(current_walk().route, rows),
        q=request.args.get("q", ""),
        filters={"kind": kind, "festival": festival, "status": status},
        **_choices(),
    )


def _choices() -> dict[str, Any]:
    return {
        "kinds": kind_labels(),
        "festivals": FESTIVALS,
        "precisions": precision_labels(),
        "statuses": STATUSES,
    }


def _form_fields() -> dict[str, Any]:
    return {k: request.form.get(k, "") for k in COLUMNS if k not in ("id", "photo")}


def _uploaded_photo() -> tuple[photos.CheckedPhoto | None, list[RowError]]:
    """The form's photo, checked (nothing stored yet), or the reason it was refused."""
    upload = request.files.get("photo_file")
    if upload is None or not upload.filename:
        return None, []
    limit = current_app.config["PHOTO_MAX_BYTES"]
    try:
        return photos.check_photo(upload.read(limit + 1), limit), []
    except photos.PhotoError as exc:
        return None, [row_error(0, "photo_file", exc.code, str(exc), **exc.params)]


def _messages(errors: list[RowError]) -> dict[str, str]:
    """Messages per form field; a distance error shows at both coordinates."""
    messages = field_errors(errors)
    if "lat" in messages and any(e.code.startswith("too_far") for e in errors):
        messages.setdefault("lon", messages["lat"])
    return messages


def _edit_page(values: dict[str, Any], errors: dict[str, str], row: dict | None, status: int):
    walk = current_walk()
    config = current_app.config
    m = maps.point_picker_map(
        [list(c) for c in walk.route.line_lonlat.coords],
        tiles_url=config["TILES"] or None,
        tiles_attribution=config["TILES_ATTRIBUTION"],
        asset_url=asset_url,
        settings_id=PICKER_ID,
    )
    settings = {
        "latInput": "field-lat",
        "lonInput": "field-lon",
        "readout": "point-readout",
        "locateUrl": url_for("curator_api.locate"),
        "strings": {
            "along": _("km %(km)s along the route, %(dist)s m from it", km="{km}", dist="{dist}"),
            "tooFar": _(
                "%(dist)s m from the route: works must be within %(max)s m",
                dist="{dist}",
                max="{max}",
            ),
            "hint": _("Click or tap the map to place the work, or drag its marker."),
        },
    }
    return (
        render_template(
            "curator/edit.html",
            values=values,
            errors=errors,
            row=row,
            map_parts=maps.render_parts(m),
            settings=settings,
            settings_id=PICKER_ID,
            picker_scripts=[asset_url("vendor/leaflet/leaflet.js"), asset_url("js/curator.js")],
            max_offset_m=config["MAX_OFFSET_M"],
            **_choices(),
        ),
        status,
    )


@bp.route("/curator/new", methods=["GET", "POST"])
@role_required("curator")
def new():
    if request.method == "GET":
        return _edit_page({"status": "draft", "location_precision": "surveyed"}, {}, None, 200)
    data = _form_fields()
    photo, upload_errors = _uploaded_photo()
    try:
        row = editing.create_work(workspace(), data, photo, errors=upload_errors)
    except editing.Invalid as exc:
        return _edit_page(data, _messages(exc.errors), None, 400)
    flash(_("Added “%(title)s”.", title=row["title"]))
    return redirect(url_for("curator.edit", id=row["id"]))


def _row_or_404(id: int) -> dict[str, Any]:
    row = get_store().installation(id, published_only=False) if id <= MAX_ID else None
    if row is None:
        abort(404, description=_("There is no installation with this id."))
    return row


@bp.route("/curator/<int:id>", methods=["GET", "POST"])
@role_required("curator")
def edit(id: int):
    row = _row_or_404(id)
    if request.method == "GET":
        return _edit_page(row, {}, row, 200)
    data = _form_fields()
    photo, upload_errors = _uploaded_photo()
    version = int_or_none(request.form.get("version"), 1)
    if version is None:
        upload_errors.append(
            row_error(0, "version", "version_missing", "the form is missing its version")
        )
    try:
        saved = editing.save_work(
            workspace(),
            id,
            data,
            version or 0,
            photo=photo,
            remove_photo=bool(request.form.get("remove_photo")),
            errors=upload_errors,
        )
    except editing.Invalid as exc:
        values = {**data, "photo": row["photo"], "version": row["version"]}
        return _edit_page(values, _messages(exc.errors), row, 400)
    except StaleEdit as exc:
        message = _(
            "Someone else saved this work (now version %(v)s) after you opened it. "
            "Nothing was overwritten: review their version below and apply your change again.",
            v=exc.current["version"],
        )
        return _edit_page(exc.current, {"version": message}, exc.current, 409)
    flash(_("Saved “%(title)s” (version %(v)s).", title=saved["title"], v=saved["version"]))
    return redirect(url_for("curator.edit", id=id))


@bp.get("/curator/<int:id>/history")
@role_required("curator")
def history(id: int):
    row = _row_or_404(id)
    return render_template("curator/history.html", row=row, entries=get_store().history(id))


@bp.post("/curator/<int:id>/restore/<int:entry>")
@role_required("curator")
def restore(id: int, entry: int):
    version = int_or_none(request.form.get("version"), 1)
    if version is None:
        abort(400, description=_("The form is missing its version; reload the page."))
    if id > MAX_ID or entry > MAX_ID:
        abort(404, description=_("There is no such version."))
    try:
        row = editing.restore_work(workspace(), id, entry, version)
    except NotFound:
        abort(404, description=_("There is no such version."))
    except StaleEdit:
        flash(_("This work changed since you opened its history; nothing was restored."), "error")
        return redirect(url_for("curator.history", id=id)), 303
    except editing.Invalid:
        flash(_("That version's slug is now used by another work; nothing was restored."), "error")
        return redirect(url_for("curator.history", id=id)), 303
    flash(_("Restored; this is now version %(v)s.", v=row["version"]))
    return redirect(url_for("curator.edit", id=id)), 303


# import and export -----------------------------------------------------------------


@bp.route("/curator/import", methods=["GET", "POST"])
@role_required("curator")
def import_upload():
    if request.method == "GET":
        return render_template("curator/import.html", plan=None, token=None)
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        return render_template(
            "curator/import.html", plan=None, token=None, error=_("Choose a file to import.")
        ), 400
    limit = current_app.config["IMPORT_MAX_BYTES"]
    content = upload.read(limit + 1)
    if len(content) > limit:
        message = _("The file is larger than %(mb)s MB.", mb=f"{limit / 1e6:.0f}")
        return render_template("curator/import.html", plan=None, token=None, error=message), 413
    plan = _plan(content, upload.filename)
    token = None
    if plan.ok:
        token = secrets.token_urlsafe(16)
        get_store().save_pending_import(token, current_user.username, upload.filename, content)
    return render_template(
        "curator/import.html", plan=plan, token=token, filename=upload.filename
    ), 200 if plan.ok else 400


@bp.context_processor
def _import_types() -> dict[str, Any]:
    return {
        "import_types": ",".join(exchange.IMPORT_TYPES),
        "import_corridor_m": f"{current_app.config['MAX_OFFSET_M']:,.0f}",
    }


def _plan(content: bytes, filename: str) -> exchange.ImportPlan:
    return exchange.plan_import(
        content,
        filename,
        get_store().all_installations(),
        current_walk().route,
        current_app.config["MAX_OFFSET_M"],
    )


@bp.post("/curator/import/<token>")
@role_required("curator")
def import_apply(token: str):
    store = get_store()
    pending = store.pending_import(token, current_user.username)
    if pending is None or pending["filename"].startswith("route:"):  # see admin.PENDING_ROUTE
        abort(404, description=_("This import has expired or was applied already."))
    plan = _plan(pending["content"], pending["filename"])
    if not plan.ok:  # the data changed since the dry run
        return render_template(
            "curator/import.html", plan=plan, token=None, filename=pending["filename"]
        ), 409
    try:
        editing.apply_import(workspace(), plan.creates, plan.updates)
    except (editing.Invalid, NotFound, StaleEdit):
        flash(_("The data changed while importing; nothing was imported. Try again."), "error")
        return redirect(url_for("curator.import_upload")), 303
    store.drop_pending_import(token)
    summary = plan.summary()
    flash(
        _(
            "Imported %(file)s: %(add)s added, %(change)s changed, %(same)s unchanged.",
            file=pending["filename"],
            add=summary["add"],
            change=summary["change"],
            same=summary["unchanged"],
        )
    )
    return redirect(url_for("curator.index")), 303


@bp.get("/curator/export.<fmt>")
@role_required("curator")
def export(fmt: str):
    if fmt not in EXPORT_TYPES:
        abort(404)
    status = request.args.get("status")
    rows = get_store().all_installations()
    if status in STATUSES:
        rows = [r for r in rows if r["status"] == status]
    body = export_document(fmt, rows)
    resp = Response(body, mimetype=EXPORT_TYPES[fmt])
    resp.headers["Content-Disposition"] = f'attachment; filename="installations.{fmt}"'
    resp.headers["Cache-Control"] = "no-store"
    return resp


def export_document(fmt: str, rows: list[dict[str, Any]]) -> str | bytes:
    walk = current_walk()
    if fmt == "csv":
        return exchange.export_csv(rows)
    if fmt == "geojson":
        return exchange.export_geojson(rows)
    if fmt == "gpkg":
        return exchange.export_gpkg(rows)
    published = place_stops(walk.route, [r for r in rows if r["status"] == "published"])
    return exchange.export_gpx(walk.route, published, "Cultural Terrenkur: Esentai (Vesnovka)")


@bp.app_template_filter("fromjson")
def _fromjson(value: str | None) -> Any:
    return json.loads(value) if value else {}


@bp.app_template_filter("display")
def _display(value: Any) -> str:
    return "" if value is None else str(value)
