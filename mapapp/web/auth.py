"""Sign-in sessions, roles, CSRF and the sign-in rate limit (Flask-Login, Flask-WTF,
Flask-Limiter). Password rules and the server-side sessions live in
:mod:`mapapp.accounts`: the cookie holds a session token, not a user id.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from flask import Flask, Response, abort, jsonify, redirect, request, session, url_for
from flask_babel import gettext as _
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager, UserMixin, current_user
from flask_wtf.csrf import CSRFProtect

from ..accounts import session_account
from .db import get_store

csrf = CSRFProtect()
#: Storage comes from the app's ``RATELIMIT_STORAGE_URI`` (``MAPAPP_RATELIMIT_STORAGE``):
#: memory (each process counts alone) by default, Redis to share the counts.
limiter = Limiter(key_func=get_remote_address, default_limits=[])
login_manager = LoginManager()
#: Endpoints whose responses are the same for everyone, signed in or not.
PUBLIC_FILES = ("static", "assets.vendor", "offline.service_worker", "offline.manifest")


class User(UserMixin):
    """The signed-in account of one session; Flask-Login keeps the session's token."""

    def __init__(self, row: dict[str, Any], session_token: str):
        self.id = row["id"]
        self.username = row["username"]
        self.role = row["role"]
        self.active = bool(row["active"])
        #: The routes this account may change works on (``;``-separated; empty: all).
        self.routes = str(row.get("routes") or "")
        self.session_token = session_token

    def get_id(self) -> str:
        return self.session_token

    @property
    def is_active(self) -> bool:  # type: ignore[override]
        return self.active

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"


def init_app(app: Flask) -> None:
    csrf.init_app(app)
    limiter.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "account.login"
    login_manager.session_protection = "strong"

    @login_manager.user_loader
    def _load(session_token: str) -> User | None:
        row = session_account(get_store(), session_token)
        return User(row, session_token) if row else None

    @app.after_request
    def _private_when_signed_in(resp: Response) -> Response:
        """What a signed-in curator gets is for that browser alone: never kept by a
        proxy or by our service worker (which skips private responses).

        Decided from the session cookie alone, without loading the account: this
        also runs for error pages, when the database may be what failed.
        """
        if request.endpoint not in PUBLIC_FILES and "_user_id" in session:
            resp.headers["Cache-Control"] = "private, no-store"
            resp.headers.pop("Expires", None)
        return resp

    @login_manager.unauthorized_handler
    def _unauthorized():
        if request.path.startswith("/api/"):
            resp = jsonify(error="Unauthorized", message=_("sign in first"), status=401)
            resp.status_code = 401
            return resp
        return redirect(url_for("account.login", next=request.full_path.rstrip("?")))


def limit_storage_reachable() -> bool:
    """Whether the rate limit's storage answers (always, for memory)."""
    try:
        return bool(limiter.storage.check())
    except Exception:  # a storage client raises its own errors when it cannot connect
        return False


def role_required(role: str) -> Callable:
    """Allow signed-in users with ``role`` (an admin may do what a curator may)."""

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def wrapped(*args: Any, **kwargs: Any):
            if not current_user.is_authenticated:
                return login_manager.unauthorized()
            if role == "admin" and current_user.role != "admin":
                abort(403, description=_("This needs an admin account."))
            return view(*args, **kwargs)

        return wrapped

    return decorator
