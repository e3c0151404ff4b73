"""Error pages: HTML for pages, JSON under ``/api/``; never a bare 500.

A write that cannot get the database's lock in time (another writer held it) is a
503 with ``Retry-After``: nothing was written, and the same request can be sent
again.
"""

from __future__ import annotations

import sqlite3

from flask import Flask, Response, jsonify, render_template, request
from flask_babel import gettext as _
from werkzeug.exceptions import (
    Forbidden,
    HTTPException,
    RequestEntityTooLarge,
    ServiceUnavailable,
)

from .. import editing
from ..store import DatabaseBusy, is_busy, is_disk_problem

#: Seconds a client is asked to wait before sending a refused write again.
RETRY_AFTER_S = 2


def wants_json() -> bool:
    return request.path.startswith("/api/")


def error_response(exc: HTTPException) -> Response:
    """``exc`` as JSON under ``/api/`` or as the error page, never cached."""
    if wants_json():
        resp = jsonify(error=exc.name, message=exc.description, status=exc.code)
        resp.status_code = exc.code or 500
    else:
        # Werkzeug's own descriptions are English: the page says its own instead
        own = exc.description if exc.description != type(exc).description else ""
        page = render_template("error.html", error=exc, message=own)
        resp = Response(page, status=exc.code or 500)
    for name, value in exc.get_headers():  # Allow on a 405, Retry-After on a 429, ...
        if name.lower() != "content-type":
            resp.headers[name] = value
    resp.headers["Cache-Control"] = "no-store"
    return resp


def busy_response() -> Response:
    message = _(
        "The database is busy with other changes, so nothing was saved. "
        "Please try again in a moment."
    )
    resp = error_response(ServiceUnavailable(description=message))
    resp.headers["Retry-After"] = str(RETRY_AFTER_S)
    return resp


def init_app(app: Flask) -> None:
    @app.errorhandler(HTTPException)
    def _http_error(exc: HTTPException):
        return error_response(exc)

    @app.errorhandler(RequestEntityTooLarge)
    def _too_large(exc: RequestEntityTooLarge):
        limit = request.max_content_length or 0
        message = _(
            "This request is larger than %(mb)s MB, the most this page accepts. Nothing was saved.",
            mb=f"{limit / 1e6:.1f}".removesuffix(".0"),
        )
        return error_response(RequestEntityTooLarge(description=message))

    @app.errorhandler(editing.Forbidden)
    def _not_your_route(exc: editing.Forbidden):
        message = _(
            "“%(work)s” is not on your routes (%(routes)s), so you cannot change it. "
            "An admin can add its route to your account.",
            work=exc.slug,
            routes=", ".join(exc.routes),
        )
        return error_response(Forbidden(description=message))

    @app.errorhandler(DatabaseBusy)
    def _busy(exc: DatabaseBusy):
        app.logger.warning("database busy on %s: %s", request.path, exc)
        return busy_response()

    @app.errorhandler(sqlite3.OperationalError)
    def _operational(exc: sqlite3.OperationalError):
        if is_busy(exc):
            return _busy(DatabaseBusy(str(exc)))
        if is_disk_problem(exc):
            return _disk(exc)
        return _unexpected(exc)

    @app.errorhandler(OSError)
    def _os_error(exc: OSError):
        return _disk(exc) if is_disk_problem(exc) else _unexpected(exc)

    def _disk(exc: Exception):
        app.logger.error("cannot write on %s: %s", request.path, exc)
        message = _(
            "The server cannot store anything right now (its disk is full, read-only or failing), "
            "so nothing was saved. Please tell the site's administrator."
        )
        return error_response(ServiceUnavailable(description=message))

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception):
        app.logger.exception("unhandled error on %s", request.path)
        if wants_json():
            message = _("Something went wrong on our side.")
            return jsonify(error="Internal Server Error", message=message, status=500), 500
        return render_template("error.html", error=None), 500
