"""Signing in and out (curators and admins)."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user

from ..accounts import authenticate, end_session, start_session
from ..web.auth import User, limiter
from ..web.db import get_store

bp = Blueprint("account", __name__)


#: A path on this site: one leading ``/``, then printable ASCII but no backslash.
#: No whitespace or control characters: browsers drop tabs and newlines from a
#: Location, so ``/<tab>/evil.example`` would lead to ``//evil.example``.
_LOCAL_PATH = re.compile(r"/(?![/\\])[!-\[\]-~]*")


def _safe_next(target: str | None) -> str:
    """``target`` when it is a relative path on this site, else the curators' start page."""
    if target and _LOCAL_PATH.fullmatch(target):
        parts = urlsplit(target)
        if not parts.scheme and not parts.netloc:
            return target
    return url_for("curator.index")


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["LOGIN_RATE_LIMIT"], methods=["POST"])
def login():
    error = None
    if request.method == "POST":
        row = authenticate(
            get_store(), request.form.get("username", ""), request.form.get("password", "")
        )
        if row is not None:
            login_user(User(row, start_session(get_store(), row["id"])))
            return redirect(_safe_next(request.args.get("next")))
        error = _("Wrong user name or password.")
    return render_template("curator/login.html", error=error), 401 if error else 200


@bp.post("/logout")
def logout():
    if current_user.is_authenticated:
        end_session(get_store(), current_user.session_token)
    logout_user()
    flash(_("You are signed out."))
    return redirect(url_for("public.index"))
