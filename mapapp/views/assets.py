"""Serves front-end libraries from their installed xstatic packages (no CDN)."""

from __future__ import annotations

import hashlib
from functools import lru_cache
from pathlib import Path

import xstatic.pkg.leaflet as leaflet
import xstatic.pkg.leaflet_markercluster as markercluster
from flask import (
    Blueprint,
    Flask,
    Response,
    abort,
    current_app,
    request,
    send_from_directory,
    url_for,
)

bp = Blueprint("assets", __name__)


@bp.app_context_processor
def _asset_url_in_templates() -> dict:
    return {"asset_url": asset_url}


PACKAGES = {
    "leaflet": (leaflet.BASE_DIR, leaflet.VERSION),
    "leaflet-markercluster": (markercluster.BASE_DIR, markercluster.VERSION),
}
VENDOR_MAX_AGE = 7 * 24 * 3600


@bp.get("/vendor/<package>/<path:filename>")
def vendor(package: str, filename: str):
    if package not in PACKAGES:
        abort(404)
    return send_from_directory(PACKAGES[package][0], filename, max_age=VENDOR_MAX_AGE)


def init_app(app: Flask) -> None:
    """Read static files into memory before the response goes out.

    Our assets are small; held as bytes they get a real Content-Length, an ETag
    and gzip from Flask-Compress, which skips file streams (it would leave the
    file open).
    """

    @app.after_request
    def _buffer_static(resp: Response) -> Response:
        if request.endpoint in ("static", "assets.vendor") and resp.direct_passthrough:
            stream = resp.response
            resp.direct_passthrough = False
            resp.make_sequence()
            # the bytes are in memory: close the file now, not when the response is
            # closed (a client that drops the connection can skip that close)
            close = getattr(stream, "close", None)
            if close is not None:
                close()
        return resp


@lru_cache(maxsize=256)
def _fingerprint(path: str, mtime: float) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()[:10]


def asset_url(path: str) -> str:
    """URL of an asset: ``vendor/<package>/<file>`` or a file under ``static/``.

    A version or content hash is appended so that browsers never keep a stale copy.
    """
    if path.startswith("vendor/"):
        _, package, filename = path.split("/", 2)
        return url_for("assets.vendor", package=package, filename=filename, v=PACKAGES[package][1])
    file = Path(current_app.static_folder or "") / path
    version = _fingerprint(str(file), file.stat().st_mtime)
    return url_for("static", filename=path, v=version)
