"""Admin pages: curator accounts and the route."""

from __future__ import annotations

import secrets

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from .. import editing, exchange, geo, gis, osm
from ..accounts import hash_password
from ..numbers import int_or_none
from ..store import ROLES
from ..web.auth import role_required
from ..web.db import get_store
from ..web.labels import error_text
from ..web.limits import upload_limit
from ..web.walk import current_walk, workspace

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
                store.update_user(
                    user_id,
                    role=request.form.get("role"),
                    active=1 if request.form.get("active") else 0,
                )
                flash(_("Saved."))
            return redirect(url_for("admin.users")), 303
        else:
            abort(400)
    status = 400 if errors else 200
    return render_template(
        "curator/users.html", users=store.users(), errors=errors, roles=ROLES
    ), status


@bp.route("/curator/route", methods=["GET", "POST"])
@upload_limit("IMPORT_MAX_BYTES")
@role_required("admin")
def route():
    """The route: upload a new one (checked, then previewed), apply it, or go back to one."""
    store = get_store()
    if request.method == "GET":
        return _route_page()
    action = request.form.get("action")
    if action == "make-current":
        older = store.route(int_or_none(request.form.get("route_id")) or 0)
        if older is None:
            abort(404)
        try:
            exchange.check_route(older["coordinates"], service_area())
        except ValueError as exc:
            return _route_page(_("That route fails today's checks: %(why)s", why=str(exc)))
        store.make_route_current(older["id"])
        flash(_("The route is replaced; chainage of every work follows it."))
        return redirect(url_for("admin.route")), 303
    if action == "apply":
        pending = store.pending_import(
            request.form.get("token", ""), current_user.username, purpose="route"
        )
        if pending is None:
            abort(404, description=_("This preview has expired or was applied already."))
        try:
            coords, props = _read_route(pending["content"], pending["filename"])
        except ValueError as exc:  # the current route changed since the preview
            return _route_page(_route_error(exc))
        editing.replace_route(workspace(), coords, props)
        store.drop_pending_import(pending["token"])
        flash(_("The new route is in place; chainage of every work follows it."))
        return redirect(url_for("admin.route")), 303
    upload = request.files.get("file")
    limit = current_app.config["IMPORT_MAX_BYTES"]
    content = upload.read(limit + 1) if upload and upload.filename else b""
    filename = upload.filename if upload and upload.filename else ""
    if not content:
        return _route_page(_("Choose a route file."))
    if len(content) > limit:
        return _route_page(_("The file is larger than %(mb)s MB.", mb=f"{limit / 1e6:.0f}"))
    try:
        coords, props = _read_route(content, filename)
    except ValueError as exc:
        return _route_page(_route_error(exc))
    works = store.installations()
    current = current_walk().route
    preview = exchange.preview_route(
        current, coords, works, float(current_app.config["MAX_OFFSET_M"])
    )
    change = geo.compare_routes(
        current, geo.Route.from_coords(coords), [w["lon"] for w in works], [w["lat"] for w in works]
    )
    token = secrets.token_urlsafe(16)
    store.save_pending_import(token, current_user.username, filename, content, purpose="route")
    return _route_page(
        preview=preview, shift_m=change.max_shift_m, props=props, token=token, filename=filename
    )


def _read_route(content: bytes, filename: str) -> tuple[list[list[float]], dict]:
    """Any route file (GeoJSON, GPX, OpenStreetMap, GIS), checked as every route is."""
    coords, props = exchange.read_route_file(
        content, filename, current_walk().route, area=service_area()
    )
    props.setdefault("source", f"Upload {filename}")
    return coords, props


def _route_error(exc: ValueError) -> str:
    """The reason a route file was refused, translated where it has a code."""
    if isinstance(exc, osm.OsmError | gis.GisError):
        return error_text(exc.row_error())
    return str(exc)


def service_area() -> exchange.ServiceArea:
    """``MAPAPP_SERVICE_AREA_KM`` around the route the database was seeded with."""
    first = get_store().route()
    coords = first["coordinates"] if first else list(current_walk().route.line_lonlat.coords)
    return exchange.ServiceArea.around(coords, float(current_app.config["SERVICE_AREA_KM"]))


def _route_page(error: str | None = None, **preview):
    return render_template(
        "curator/route.html",
        routes=get_store().routes(),
        error=error,
        area=service_area(),
        max_offset_m=current_app.config["MAX_OFFSET_M"],
        chainage_change_m=exchange.CHAINAGE_CHANGE_M,
        max_step_km=exchange.MAX_ROUTE_STEP_M / 1000,
        route_types=",".join(exchange.ROUTE_TYPES),
        **preview,
    ), (400 if error else 200)
