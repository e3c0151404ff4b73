"""Serves front-end libraries from their installed xstatic packages (no CDN)."""

from __future__ import annotations

from flask import Blueprint, abort, send_from_directory

from ..web.assets import PACKAGES, VENDOR_MAX_AGE

bp = Blueprint("assets", __name__)


@bp.get("/vendor/<package>/<path:filename>")
def vendor(package: str, filename: str):
    if package not in PACKAGES:
        abort(404)
    return send_from_directory(PACKAGES[package][0], filename, max_age=VENDOR_MAX_AGE)
