"""The curator workspace: the list of works, the edit form, photos, history, import/export.

Every change goes through :mod:`mapapp.editing` (the same functions as the write
API and the CLI); this module reads forms and renders pages.
"""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass, field
from pathlib import Path
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

from .. import contract, editing, exchange, photos
from ..catalog import place_stops
from ..credits import CREDIT_FIELDS
from ..numbers import int_or_none
from ..records import (
    COLUMNS,
    KEY_SEPARATOR,
    KINDS,
    STATUSES,
    TEXT_STATUSES,
    WORK_TEXTS,
    References,
    RowError,
    language_name,
    looks_like_text,
    row_error,
    translation_key,
)
from ..store import NotFound, StaleEdit
from ..web.assets import asset_url
from ..web.auth import role_required
from ..web.db import get_store
from ..web.i18n import LANGUAGE_NAMES
from ..web.labels import field_errors, kind_labels, near_work_text, precision_labels
from ..web.limits import upload_limit
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


#: The list's filter on the state of translations.
REVIEW_FILTERS = ("needs_review", "missing")


@bp.get("/curator")
@role_required("curator")
def index():
    """The works, filtered; ``q`` searches every language and script (full-text index)."""
    store = get_store()
    refs = store.references()
    q = request.args.get("q", "").strip()
    args = {k: request.args.get(k) or None for k in ("kind", "festival", "edition", "artist")}
    status = request.args.get("status") or None
    review = request.args.get("review") or None
    rows = store.installations(
        statuses=(status,) if status in STATUSES else STATUSES,
        kind=args["kind"] if args["kind"] in KINDS else None,
        festival=args["festival"] if args["festival"] in refs.festivals else None,
        edition=args["edition"] if args["edition"] in refs.editions else None,
        artist=args["artist"] if args["artist"] in refs.artists else None,
    )
    if q:
        ranked = store.search(q[:200], statuses=STATUSES, limit=10_000)
        order = {row_id: n for n, row_id in enumerate(ranked)}
        rows = sorted((r for r in rows if r["id"] in order), key=lambda r: order[r["id"]])
    if review in REVIEW_FILTERS:
        wanted = ("translated",) if review == "needs_review" else ("",)
        rows = [r for r in rows if any(r[f"text_status_{x}"] in wanted for x in ("ru", "kk"))]
    return render_template(
        "curator/index.html",
        rows=place_stops(current_walk().route, rows),
        q=q,
        filters={**args, "status": status, "review": review},
        **_choices(refs),
    )


def _choices(refs: References | None = None) -> dict[str, Any]:
    refs = refs or get_store().references()
    festivals = sorted(refs.festivals.values(), key=lambda f: f["name"].casefold())
    editions = {
        f["slug"]: [e for e in refs.editions.values() if e["festival"] == f["slug"]]
        for f in festivals
    }
    for group in editions.values():
        group.sort(key=lambda e: (e.get("year") or 0, e.get("number") or 0, e["name"]))
    return {
        "kinds": kind_labels(),
        "festivals": festivals,
        "editions": editions,
        "artists": sorted(refs.artists.values(), key=lambda a: a["name"].casefold()),
        "refs": refs,
        "precisions": precision_labels(),
        "statuses": STATUSES,
        "text_statuses": TEXT_STATUSES,
        "languages": LANGUAGE_NAMES,
    }


def _form_fields() -> dict[str, Any]:
    """The fields the form sent; those it did not send keep their stored values.

    The artists are a multiple choice, sent once per artist chosen; the form also
    sends an empty ``artists`` so that choosing none is told apart from not asking.
    """
    skip = ("id", "photo", "artists")
    fields = {k: request.form.get(k, "") for k in COLUMNS if k not in skip and k in request.form}
    fields.update(  # texts in further languages (title_ka...), checked when saved
        (k, v) for k, v in request.form.items() if k not in COLUMNS and looks_like_text(k, "work")
    )
    if "artists" in request.form:
        fields["artists"] = KEY_SEPARATOR.join(a for a in request.form.getlist("artists") if a)
    return fields


@dataclass
class FormPhoto:
    """The form's photo: a new file or the one kept from the form's last try."""

    checked: photos.CheckedPhoto | None = None
    errors: list[RowError] = field(default_factory=list)
    data: bytes = b""
    token: str | None = None  # the kept upload it came from

    def keep(self) -> str | None:
        """Keep a good photo while the form is shown again; the hidden field's token."""
        if self.checked is None:
            return None
        return self.token or photos.keep_pending(self.data, _media_dir())

    def done(self) -> None:
        """The work is saved with it: the kept copy is no longer needed."""
        if self.token:
            photos.drop_pending(self.token, _media_dir())


def _photo_credits() -> dict[str, Any]:
    """The credit the form gives its new photo (``photo_author``, ``photo_licence``...)."""
    return {k: request.form.get(f"photo_{k}") for k in CREDIT_FIELDS}


def _credit_values() -> dict[str, Any]:
    """The new photo's credit fields as typed, to show the form again."""
    return {f"photo_{k}": v for k, v in _photo_credits().items() if v}


def _media_dir() -> Path:
    return Path(current_app.config["MEDIA_DIR"])


def _uploaded_photo() -> FormPhoto:
    """The form's photo, checked (nothing stored yet), or the reason it was refused.

    Without a new file, the photo kept from the form's last try (``pending_photo``).
    """
    upload = request.files.get("photo_file")
    token = request.form.get("pending_photo", "")
    limit = current_app.config["PHOTO_MAX_BYTES"]
    if upload is not None and upload.filename:
        data: bytes | None = upload.read(limit + 1)
        if token:
            photos.drop_pending(token, _media_dir())  # a new choice replaces the kept one
            token = ""
    else:
        data = photos.pending_upload(token, _media_dir()) if token else None
    if data is None:
        return FormPhoto()
    try:
        checked = photos.check_photo(data, limit)
    except photos.PhotoError as exc:
        return FormPhoto(errors=[row_error(0, "photo_file", exc.code, str(exc), **exc.params)])
    return FormPhoto(checked, [], data, token or None)


def _messages(errors: list[RowError]) -> dict[str, str]:
    """Messages per form field; a distance error shows at both coordinates."""
    messages = field_errors(errors)
    if "lat" in messages and any(e.code.startswith("too_far") for e in errors):
        messages.setdefault("lon", messages["lat"])
    return messages


def _further_languages(values: dict[str, Any]) -> list[tuple[str, str]]:
    """The content languages beyond ru and kk the form offers texts in: those texts
    are written in (:func:`mapapp.editing.content_languages`) and the work's own,
    as ``(code, name in that language)``, sorted."""
    codes = set(editing.content_languages(get_store()))
    codes.update(found[1] for k in values if (found := translation_key(k, WORK_TEXTS)))
    return [(c, language_name(c)) for c in sorted(codes - set(LANGUAGE_NAMES))]


def _edit_page(
    values: dict[str, Any],
    errors: dict[str, str],
    row: dict | None,
    status: int,
    pending_photo: str | None = None,
):
    from .. import maps  # folium: loaded by the first page that draws a map

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
        "near": "point-near",
        "workId": row["id"] if row else None,
        "contract": contract.browser_contract(
            {
                "locate": url_for("curator_api.locate"),
                "works": url_for("curator_api.list_installations"),
            }
        ),
        "strings": {
            "along": _("km %(km)s along the route, %(dist)s m from it", km="{km}", dist="{dist}"),
            "tooFar": _(
                "%(dist)s m from the route: works must be within %(max)s m",
                dist="{dist}",
                max="{max}",
            ),
            "hint": _("Click or tap the map to place the work, or drag its marker."),
            "near": near_work_text(),
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
            picker_scripts=[asset_url(p) for _n, p in maps.PICKER_SCRIPTS],
            max_offset_m=config["MAX_OFFSET_M"],
            pending_photo=pending_photo,
            photo_rows=get_store().work_photos(row["id"]) if row else [],
            further_languages=_further_languages(values),
            **_choices(),
        ),
        status,
    )


@bp.route("/curator/new", methods=["GET", "POST"])
@upload_limit("PHOTO_MAX_BYTES")
@role_required("curator")
def new():
    if request.method == "GET":
        # never "surveyed" by default: the point is yet to be placed (clicked or typed)
        return _edit_page({"status": "draft", "location_precision": "approximate"}, {}, None, 200)
    data = _form_fields()
    photo = _uploaded_photo()
    try:
        row = editing.create_work(
            workspace(), data, photo.checked, errors=photo.errors, credits=_photo_credits()
        )
    except editing.Invalid as exc:
        values = {**data, **_credit_values()}
        return _edit_page(values, _messages(exc.errors), None, 400, photo.keep())
    photo.done()
    flash(_("Added “%(title)s”.", title=row["title"]))
    return redirect(url_for("curator.edit", id=row["id"]))


def _row_or_404(id: int) -> dict[str, Any]:
    row = get_store().installation(id, published_only=False)
    if row is None:
        abort(404, description=_("There is no installation with this id."))
    return row


@bp.route("/curator/<int:id>", methods=["GET", "POST"])
@upload_limit("PHOTO_MAX_BYTES")
@role_required("curator")
def edit(id: int):
    row = _row_or_404(id)
    if request.method == "GET":
        return _edit_page(row, {}, row, 200)
    data = _form_fields()
    photo = _uploaded_photo()
    errors = list(photo.errors)
    version = int_or_none(request.form.get("version"), 1)
    if version is None:
        errors.append(row_error(0, "version", "version_missing", "the form is missing its version"))
    try:
        saved = editing.save_work(
            workspace(),
            id,
            data,
            version or 0,
            photo=photo.checked,
            remove_photo=bool(request.form.get("remove_photo")),
            errors=errors,
            credits=_photo_credits(),
        )
    except editing.Invalid as exc:
        values = {
            **row,
            **data,
            **_credit_values(),
            "photo": row["photo"],
            "version": row["version"],
        }
        return _edit_page(values, _messages(exc.errors), row, 400, photo.keep())
    except StaleEdit as exc:
        message = _(
            "Someone else saved this work (now version %(v)s) after you opened it. "
            "Nothing was overwritten: review their version below and apply your change again.",
            v=exc.current["version"],
        )
        return _edit_page(exc.current, {"version": message}, exc.current, 409, photo.keep())
    photo.done()
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
@upload_limit("IMPORT_MAX_BYTES")
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
    store = get_store()
    return exchange.plan_import(
        content,
        filename,
        store.all_installations(),
        current_walk().route,
        current_app.config["MAX_OFFSET_M"],
        store.references(),
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
