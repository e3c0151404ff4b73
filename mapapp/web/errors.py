"""Error pages: HTML for pages, JSON under ``/api/``; never a bare 500."""

from __future__ import annotations

from flask import Flask, jsonify, render_template, request
from flask_babel import gettext as _
from werkzeug.exceptions import HTTPException


def wants_json() -> bool:
    return request.path.startswith("/api/")


def init_app(app: Flask) -> None:
    @app.errorhandler(HTTPException)
    def _http_error(exc: HTTPException):
        if wants_json():
            resp = jsonify(error=exc.name, message=exc.description, status=exc.code)
            resp.status_code = exc.code or 500
            resp.headers["Cache-Control"] = "no-store"
            return resp
        return render_template("error.html", error=exc), exc.code

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception):
        app.logger.exception("unhandled error on %s", request.path)
        if wants_json():
            message = _("Something went wrong on our side.")
            return jsonify(error="Internal Server Error", message=message, status=500), 500
        return render_template("error.html", error=None), 500
