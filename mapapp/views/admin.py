"""Admin pages: curator accounts and the route."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from .. import exchange
from ..accounts import hash_password
from ..numbers import int_or_none
from ..store import ROLES, NotFound
from ..web.auth import role_required
from ..web.db import get_store
from ..web.limits import upload_limit

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
        upload = request.files.get("file")
        limit = current_app.config["IMPORT_MAX_BYTES"]
        content = upload.read(limit + 1) if upload and upload.filename else b""
        try:
            if len(content) > limit:
                raise ValueError(_("The file is larger than %(mb)s MB.", mb=f"{limit / 1e6:.0f}"))
            coords, props = exchange.read_route_upload(content, upload.filename if upload else "")
        except ValueError as exc:
            error = str(exc) if content else _("Choose a GeoJSON or GPX file.")
        else:
            current = store.current_route()
            merged = {**(current["properties"] if current else {}), **props}
            merged["source"] = props.get("source") or f"Upload {upload.filename if upload else ''}"
            store.set_route(coords, merged, current_user.username)
            flash(_("The new route is in place; chainage of every work follows it."))
            return redirect(url_for("admin.route")), 303
    return render_template("curator/route.html", routes=store.routes(), error=error), (
        400 if error else 200
    )
