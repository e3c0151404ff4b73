"""The curator workspace: sign-in, installations, photos, history, import/export, admin."""

from __future__ import annotations

import secrets
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
    send_from_directory,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user

from .. import contract, editing, get_store, maps, photos
from ..auth import authenticate, hash_password, limiter, role_required
from ..catalog import place_stops
from ..records import FESTIVALS, KINDS, STATUSES
from ..store import ROLES, DuplicateSlug, NotFound, StaleEdit
from .assets import asset_url
from .public import current_walk, kind_labels, precision_labels

bp = Blueprint("curator", __name__)

EXPORT_TYPES = {
    "csv": "text/csv",
    "geojson": "application/geo+json",
    "gpx": "application/gpx+xml",
}


def _media_dir() -> Path:
    return Path(current_app.config["MEDIA_DIR"])


def _safe_next(target: str | None) -> str:
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return url_for("curator.index")


# sign-in -------------------------------------------------------------------------


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["LOGIN_RATE_LIMIT"], methods=["POST"])
def login():
    error = None
    if request.method == "POST":
        user = authenticate(
            get_store(), request.form.get("username", ""), request.form.get("password", "")
        )
        if user is not None:
            login_user(user)
            return redirect(_safe_next(request.args.get("next")))
        error = _("Wrong user name or password.")
    return render_template("curator/login.html", error=error), 401 if error else 200


@bp.post("/logout")
def logout():
    logout_user()
    flash(_("You are signed out."))
    return redirect(url_for("public.index"))


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


def status_labels() -> dict[str, str]:
    return {"draft": _("draft"), "published": _("published"), "retired": _("retired")}


def action_labels() -> dict[str, str]:
    return {
        "add": _("add"),
        "change": _("change"),
        "unchanged": _("unchanged"),
        "reject": _("reject"),
    }


def history_labels() -> dict[str, str]:
    return {
        "seed": _("loaded from the data files"),
        "create": _("created"),
        "update": _("edited"),
        "retire": _("retired"),
        "restore": _("restored an earlier version"),
        "import": _("imported"),
    }


@bp.app_context_processor
def _curator_labels() -> dict[str, Any]:
    return {
        "status_labels": status_labels,
        "action_labels": action_labels,
        "history_labels": history_labels,
    }


def _choices() -> dict[str, Any]:
    return {
        "kinds": kind_labels(),
        "festivals": FESTIVALS,
        "precisions": precision_labels(),
        "statuses": STATUSES,
    }


def _form_fields() -> dict[str, Any]:
    data = {k: request.form.get(k, "") for k in editing.COLUMNS if k not in ("id", "photo")}
    data["photo"] = ""
    return data


def _attach_photo(data: dict[str, Any], errors: dict[str, str]) -> None:
    upload = request.files.get("photo_file")
    if request.form.get("remove_photo"):
        data["photo"] = ""
    if upload is None or not upload.filename:
        return
    try:
        blob = upload.read(current_app.config["PHOTO_MAX_BYTES"] + 1)
        data["photo"] = photos.store_photo(
            blob, _media_dir(), current_app.config["PHOTO_MAX_BYTES"]
        )
    except photos.PhotoError as exc:
        errors["photo_file"] = str(exc)


PICKER_ID = "picker-settings"


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
        "contract": contract.browser_contract(
            {"locate": contract.url("locate", request.script_root)}
        ),
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
            picker_scripts=[asset_url(p) for _n, p in maps.PICKER_SCRIPTS],
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
    errors: dict[str, str] = {}
    _attach_photo(data, errors)
    rec, field_errors = editing.check_installation(
        data, current_walk().route, current_app.config["MAX_OFFSET_M"]
    )
    errors.update(field_errors)
    if rec is None or errors:
        return _edit_page(data, errors, None, 400)
    try:
        row = get_store().create_installation(rec.model_dump(), current_user.username)
    except DuplicateSlug:
        return _edit_page(data, {"slug": _("This slug is used by another work.")}, None, 400)
    flash(_("Added “%(title)s”.", title=row["title"]))
    return redirect(url_for("curator.edit", id=row["id"]))


@bp.route("/curator/<int:id>", methods=["GET", "POST"])
@role_required("curator")
def edit(id: int):
    store = get_store()
    row = store.installation(id, published_only=False)
    if row is None:
        abort(404, description=_("There is no installation with this id."))
    if request.method == "GET":
        return _edit_page(row, {}, row, 200)
    data = _form_fields()
    data["photo"] = row["photo"]
    errors: dict[str, str] = {}
    _attach_photo(data, errors)
    rec, field_errors = editing.check_installation(
        data, current_walk().route, current_app.config["MAX_OFFSET_M"], previous=row
    )
    errors.update(field_errors)
    version = _int(request.form.get("version"))
    if rec is None or errors or version is None:
        if version is None:
            errors["version"] = _("The form is missing its version; reload the page.")
        return _edit_page({**data, "version": row["version"]}, errors, row, 400)
    try:
        saved = store.update_installation(id, rec.model_dump(), version, current_user.username)
    except StaleEdit as exc:
        message = _(
            "Someone else saved this work (now version %(v)s) after you opened it. "
            "Nothing was overwritten: review their version below and apply your change again.",
            v=exc.current["version"],
        )
        return _edit_page(exc.current, {"version": message}, exc.current, 409)
    except DuplicateSlug:
        return _edit_page(data, {"slug": _("This slug is used by another work.")}, row, 400)
    flash(_("Saved “%(title)s” (version %(v)s).", title=saved["title"], v=saved["version"]))
    return redirect(url_for("curator.edit", id=id))


@bp.get("/curator/<int:id>/history")
@role_required("curator")
def history(id: int):
    store = get_store()
    row = store.installation(id, published_only=False)
    if row is None:
        abort(404, description=_("There is no installation with this id."))
    return render_template("curator/history.html", row=row, entries=store.history(id))


@bp.post("/curator/<int:id>/restore/<int:entry>")
@role_required("curator")
def restore(id: int, entry: int):
    version = _int(request.form.get("version"))
    if version is None:
        abort(400, description=_("The form is missing its version; reload the page."))
    try:
        row = get_store().restore_version(id, entry, version, current_user.username)
    except NotFound:
        abort(404, description=_("There is no such version."))
    except StaleEdit:
        flash(_("This work changed since you opened its history; nothing was restored."), "error")
        return redirect(url_for("curator.history", id=id)), 303
    except DuplicateSlug:
        flash(_("That version's slug is now used by another work; nothing was restored."), "error")
        return redirect(url_for("curator.history", id=id)), 303
    flash(_("Restored; this is now version %(v)s.", v=row["version"]))
    return redirect(url_for("curator.edit", id=id)), 303


@bp.get("/media/<path:name>")
def media(name: str):
    """Photos, full size or ``phone/<name>``; only those of published works are public."""
    file_name = name.removeprefix("phone/")
    if not current_user.is_authenticated and not get_store().photo_is_public(file_name):
        abort(404)
    resp = send_from_directory(_media_dir(), name, max_age=7 * 24 * 3600)
    return resp


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


def _plan(content: bytes, filename: str) -> editing.ImportPlan:
    store = get_store()
    return editing.plan_import(
        content,
        filename,
        store.all_installations(),
        current_walk().route,
        current_app.config["MAX_OFFSET_M"],
    )


@bp.post("/curator/import/<token>")
@role_required("curator")
def import_apply(token: str):
    store = get_store()
    pending = store.pending_import(token, current_user.username)
    if pending is None:
        abort(404, description=_("This import has expired or was applied already."))
    plan = _plan(pending["content"], pending["filename"])
    if not plan.ok:  # the data changed since the dry run
        return render_template(
            "curator/import.html", plan=plan, token=None, filename=pending["filename"]
        ), 409
    try:
        store.apply_changes(plan.creates, plan.updates, current_user.username)
    except (DuplicateSlug, NotFound, StaleEdit):
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
    store = get_store()
    status = request.args.get("status")
    rows = store.all_installations()
    if status in STATUSES:
        rows = [r for r in rows if r["status"] == status]
    body = export_document(fmt, rows)
    resp = Response(body, mimetype=EXPORT_TYPES[fmt])
    resp.headers["Content-Disposition"] = f'attachment; filename="installations.{fmt}"'
    resp.headers["Cache-Control"] = "no-store"
    return resp


def export_document(fmt: str, rows: list[dict[str, Any]]) -> str:
    walk = current_walk()
    if fmt == "csv":
        return editing.export_csv(rows)
    if fmt == "geojson":
        return editing.export_geojson(rows)
    published = place_stops(walk.route, [r for r in rows if r["status"] == "published"])
    return editing.export_gpx(walk.route, published, "Cultural Terrenkur: Esentai (Vesnovka)")


# admin: users and route ---------------------------------------------------------------


@bp.route("/curator/users", methods=["GET", "POST"])
@role_required("admin")
def users():
    store = get_store()
    errors: dict[str, str] = {}
    if request.method == "POST":
        action = request.form.get("action")
        if action == "create":
            username = request.form.get("username", "").strip()
            role = request.form.get("role", "")
            if not username or not username.replace("-", "").replace("_", "").isalnum():
                errors["username"] = _("Use letters, digits, - and _ only.")
            if role not in ROLES:
                errors["role"] = _("Choose a role.")
            try:
                password_hash = hash_password(request.form.get("password", ""))
            except ValueError as exc:
                errors["password"] = str(exc)
            if not errors:
                try:
                    store.create_user(username, password_hash, role)
                except ValueError as exc:
                    errors["username"] = str(exc)
            if not errors:
                flash(_("Added %(name)s.", name=username))
                return redirect(url_for("curator.users")), 303
        elif action == "update":
            user_id = _int(request.form.get("user_id"))
            if user_id is None or store.user(user_id) is None:
                abort(404)
            if user_id == current_user.id:
                flash(_("You cannot change your own account here."), "error")
            else:
                store.update_user(
                    user_id,
                    role=request.form.get("role"),
                    active=1 if request.form.get("active") else 0,
                )
                flash(_("Saved."))
            return redirect(url_for("curator.users")), 303
        else:
            abort(400)
    status = 400 if errors else 200
    return render_template(
        "curator/users.html", users=store.users(), errors=errors, roles=ROLES
    ), status


@bp.route("/curator/route", methods=["GET", "POST"])
@role_required("admin")
def route():
    store = get_store()
    error = None
    if request.method == "POST":
        if request.form.get("action") == "make-current":
            route_id = _int(request.form.get("route_id"))
            try:
                store.make_route_current(route_id or 0)
            except NotFound:
                abort(404)
            flash(_("The route is replaced; chainage of every work follows it."))
            return redirect(url_for("curator.route")), 303
        upload = request.files.get("file")
        limit = current_app.config["IMPORT_MAX_BYTES"]
        content = upload.read(limit + 1) if upload and upload.filename else b""
        try:
            if len(content) > limit:
                raise ValueError(_("The file is larger than %(mb)s MB.", mb=f"{limit / 1e6:.0f}"))
            coords, props = editing.read_route_upload(content, upload.filename if upload else "")
        except ValueError as exc:
            error = str(exc) if content else _("Choose a GeoJSON or GPX file.")
        else:
            current = store.current_route()
            merged = {**(current["properties"] if current else {}), **props}
            merged["source"] = props.get("source") or f"Upload {upload.filename if upload else ''}"
            store.set_route(coords, merged, current_user.username)
            flash(_("The new route is in place; chainage of every work follows it."))
            return redirect(url_for("curator.route")), 303
    return render_template("curator/route.html", routes=store.routes(), error=error), (
        400 if error else 200
    )


@bp.app_template_filter("fromjson")
def _fromjson(value: str | None) -> Any:
    import json

    return json.loads(value) if value else {}


@bp.app_template_filter("display")
def _display(value: Any) -> str:
    return "" if value is None else str(value)


def _int(raw: str | None) -> int | None:
    return int(raw) if raw and raw.isdigit() else None
