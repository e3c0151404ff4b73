"""Admin pages: curator accounts and the route."""

from __future__ import annotations

import secrets

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from .. import editing, exchange, geo, gis, osm
from ..accounts import hash_password
from ..catalog import corridor_m
from ..numbers import MAX_ID, int_or_none
from ..records import KEY_SEPARATOR
from ..store import ROLES
from ..web.auth import role_required
from ..web.db import get_store
from ..web.labels import error_text
from ..web.limits import upload_limit
from ..web.walk import workspace

bp = Blueprint("admin", __name__)


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
                return redirect(url_for("admin.users")), 303
        elif action == "update":
            user_id = int_or_none(request.form.get("user_id"))
            if user_id is None or store.user(user_id) is None:
                abort(404)
            if user_id == current_user.id:
                flash(_("You cannot change your own account here."), "error")
            else:
                known = {r["slug"] for r in store.route_records()}
                chosen = [k for k in request.form.getlist("routes") if k in known]
                store.update_user(
                    user_id,
                    role=request.form.get("role"),
                    active=1 if request.form.get("active") else 0,
                    routes=KEY_SEPARATOR.join(chosen) if request.form.get("routes_sent") else None,
                )
                flash(_("Saved."))
            return redirect(url_for("admin.users")), 303
        else:
            abort(400)
    status = 400 if errors else 200
    return render_template(
        "curator/users.html",
        users=store.users(),
        errors=errors,
        roles=ROLES,
        route_choices=store.route_records(),
    ), status


@bp.route("/curator/route", methods=["GET", "POST"])
@upload_limit("IMPORT_MAX_BYTES")
@role_required("admin")
def route():
    """The page of before several routes: the default route's line (a form posted to
    it still works on that line)."""
    default = get_store().default_route()
    if default is None:
        abort(404)
    if request.method == "GET":
        return redirect(url_for("admin.route_line", id=default["id"]))
    return _line_page(default["id"])


def _route_or_404(id: int) -> dict:
    row = get_store().record("route", id) if id <= MAX_ID else None
    if row is None:
        abort(404, description=_("There is no such route."))
    return row


@bp.route("/curator/routes/<int:id>/line", methods=["GET", "POST"])
@upload_limit("IMPORT_MAX_BYTES")
@role_required("admin")
def route_line(id: int):
    """A route's line: upload a new one (checked, then previewed), apply it, or go back
    to an earlier one."""
    return _line_page(id)


def _line_page(id: int):
    record = _route_or_404(id)
    store = get_store()
    if request.method == "GET":
        return _route_page(record)
    action = request.form.get("action")
    if action == "make-current":
        older = store.route(int_or_none(request.form.get("route_id")) or 0)
        if older is None or older["route_id"] != id:
            abort(404)
        try:
            exchange.check_route(older["coordinates"], service_area(record))
        except ValueError as exc:
            return _route_page(record, _("That route fails today's checks: %(why)s", why=str(exc)))
        store.make_route_current(older["id"])
        flash(_("The route is replaced; chainage of every work follows it."))
        return redirect(url_for("admin.route_line", id=id)), 303
    if action == "apply":
        pending = store.pending_import(
            request.form.get("token", ""), current_user.username, purpose="route"
        )
        if pending is None:
            abort(404, description=_("This preview has expired or was applied already."))
        try:
            coords, props = _read_route(record, pending["content"], pending["filename"])
        except ValueError as exc:  # the current route changed since the preview
            return _route_page(record, _route_error(exc))
        ws = workspace()
        if _overlap(ws, record, coords) and not request.form.get("confirm_overlap"):
            return _preview(record, coords, props, pending["content"], pending["filename"])
        editing.replace_route(ws, coords, props, id)
        store.drop_pending_import(pending["token"])
        flash(_("The new route is in place; chainage of every work follows it."))
        return redirect(url_for("admin.route_line", id=id)), 303
    upload = request.files.get("file")
    limit = current_app.config["IMPORT_MAX_BYTES"]
    content = upload.read(limit + 1) if upload and upload.filename else b""
    filename = upload.filename if upload and upload.filename else ""
    if not content:
        return _route_page(record, _("Choose a route file."))
    if len(content) > limit:
        return _route_page(record, _("The file is larger than %(mb)s MB.", mb=f"{limit / 1e6:.0f}"))
    try:
        coords, props = _read_route(record, content, filename)
    except ValueError as exc:
        return _route_page(record, _route_error(exc))
    return _preview(record, coords, props, content, filename)


def _overlap(ws: editing.Workspace, record: dict, coords: list[list[float]]) -> str:
    """The warning when the new line's corridor overlaps another active route's."""
    if record["status"] != "active":
        return ""
    line = geo.Route.from_coords(coords)
    found = editing.overlap_errors(ws, record["slug"], line, corridor_m(record))
    return error_text(found[0]) if found else ""


def _preview(record: dict, coords: list[list[float]], props: dict, content: bytes, filename: str):
    """What the new line changes, kept for the admin to apply."""
    store = get_store()
    ws = workspace()
    works = editing.route_works(ws, record["slug"]) if store.current_route(record["id"]) else []
    works = [w for w in works if w["status"] == "published"]
    new = geo.Route.from_coords(coords)
    current = ws.net().get(record["slug"])
    old = current.line if current is not None and current.line is not None else new
    preview = exchange.preview_route(old, coords, works, corridor_m(record))
    change = geo.compare_routes(old, new, [w["lon"] for w in works], [w["lat"] for w in works])
    token = secrets.token_urlsafe(16)
    store.save_pending_import(token, current_user.username, filename, content, purpose="route")
    return _route_page(
        record,
        preview=preview,
        shift_m=change.max_shift_m if old is not new else None,
        props=props,
        token=token,
        filename=filename,
        overlap=_overlap(ws, record, coords),
    )


def _read_route(record: dict, content: bytes, filename: str) -> tuple[list[list[float]], dict]:
    """Any route file (GeoJSON, GPX, OpenStreetMap, GIS), checked as every route is."""
    current = get_store().current_route(record["id"])
    reference = geo.Route.from_coords(current["coordinates"]) if current else None
    coords, props = exchange.read_route_file(
        content, filename, reference, area=service_area(record)
    )
    props.setdefault("source", f"Upload {filename}")
    return coords, props


def _route_error(exc: ValueError) -> str:
    """The reason a route file was refused, translated where it has a code."""
    if isinstance(exc, osm.OsmError | gis.GisError):
        return error_text(exc.row_error())
    return str(exc)


def service_area(record: dict | None = None) -> exchange.ServiceArea | None:
    """``MAPAPP_SERVICE_AREA_KM`` around the first line stored for the route (the
    default route when ``None``): a route's city does not move, line after line.
    A route's first line has no area yet (``None``): it sets its city's."""
    store = get_store()
    route_id = None if record is None else record["id"]
    lines = store.routes(route_id)
    first = store.route(lines[-1]["id"]) if lines else None
    if first is None:
        return None
    radius = float(current_app.config["SERVICE_AREA_KM"])
    return exchange.ServiceArea.around(first["coordinates"], radius)


def _route_page(record: dict, error: str | None = None, **preview):
    return render_template(
        "curator/route.html",
        record=record,
        routes=get_store().routes(record["id"]),
        error=error,
        area=service_area(record),
        max_offset_m=corridor_m(record),
        chainage_change_m=exchange.CHAINAGE_CHANGE_M,
        max_step_km=exchange.MAX_ROUTE_STEP_M / 1000,
        route_types=",".join(exchange.ROUTE_TYPES),
        **preview,
    ), (400 if error else 200)
