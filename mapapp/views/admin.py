"""Admin pages: curator accounts and the route."""

from __future__ import annotations

import secrets

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from .. import editing, exchange, gis, osm
from ..accounts import hash_password
from ..numbers import int_or_none
from ..store import ROLES, NotFound
from ..web.auth import role_required
from ..web.db import get_store
from ..web.labels import error_text
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
@role_required("admin")
def route():
    store = get_store()
    error = None
    if request.method == "POST":
        if request.form.get("action") == "make-current":
            route_id = int_or_none(request.form.get("route_id"))
            try:
                store.make_route_current(route_id or 0)
            except NotFound:
                abort(404)
            flash(_("The route is replaced; chainage of every work follows it."))
            return redirect(url_for("admin.route")), 303
        if request.form.get("action") == "apply-checked":
            return _apply_checked_route(request.form.get("token", ""))
        upload = request.files.get("file")
        limit = current_app.config["IMPORT_MAX_BYTES"]
        content = upload.read(limit + 1) if upload and upload.filename else b""
        filename = (upload.filename or "") if upload else ""
        try:
            if len(content) > limit:
                raise ValueError(_("The file is larger than %(mb)s MB.", mb=f"{limit / 1e6:.0f}"))
            coords, props = _read_route(content, filename)
        except ValueError as exc:
            error = _route_error(exc) if content else _("Choose a route file.")
        else:
            if request.form.get("action") == "check":
                return _route_dry_run(content, filename, coords, props)
            editing.replace_route(workspace(), coords, props)
            flash(_("The new route is in place; chainage of every work follows it."))
            return redirect(url_for("admin.route")), 303
    return _route_page(error=error), (400 if error else 200)


#: Marks a route waiting in the pending uploads, so an import cannot take it.
PENDING_ROUTE = "route:"


def _route_page(**context):
    return render_template(
        "curator/route.html",
        routes=get_store().routes(),
        route_types=",".join(exchange.ROUTE_TYPES),
        **context,
    )


def _read_route(content: bytes, filename: str) -> tuple[list[list[float]], dict]:
    """Any route file (GeoJSON, GPX, OpenStreetMap, GIS), checked as every route is."""
    coords, props = exchange.read_route_file(content, filename, current_walk().route)
    props.setdefault("source", f"Upload {filename}")
    return coords, props


def _route_error(exc: ValueError) -> str:
    """The reason a route file was refused, translated where it has a code."""
    if isinstance(exc, osm.OsmError | gis.GisError):
        return error_text(exc.row_error())
    return str(exc)


def _route_dry_run(content: bytes, filename: str, coords, props):
    """What replacing the route would change; the file waits for the admin's go-ahead."""
    store = get_store()
    replacement = exchange.route_replacement(
        current_walk().route, coords, props, store.all_installations()
    )
    token = secrets.token_urlsafe(16)
    store.save_pending_import(token, current_user.username, PENDING_ROUTE + filename, content)
    return _route_page(error=None, check=replacement, token=token, filename=filename)


def _apply_checked_route(token: str):
    store = get_store()
    pending = store.pending_import(token, current_user.username) if token else None
    if pending is None or not pending["filename"].startswith(PENDING_ROUTE):
        abort(404, description=_("This route has expired or was applied already."))
    filename = pending["filename"].removeprefix(PENDING_ROUTE)
    try:
        coords, props = _read_route(pending["content"], filename)
    except ValueError as exc:  # the current route changed since the dry run
        return _route_page(error=_route_error(exc)), 409
    editing.replace_route(workspace(), coords, props)
    store.drop_pending_import(token)
    flash(_("The new route is in place; chainage of every work follows it."))
    return redirect(url_for("admin.route")), 303
