"""Asset URLs with a version or content hash, and in-memory static responses.

Front-end libraries come from their installed xstatic packages (no CDN), served
by the ``vendor`` blueprint in :mod:`mapapp.views.assets`; our own files from
``static/``.
"""

from __future__ import annotations

import hashlib
from functools import lru_cache
from pathlib import Path

import xstatic.pkg.leaflet as leaflet
import xstatic.pkg.leaflet_markercluster as markercluster
from flask import Flask, Response, current_app, request, url_for

PACKAGES = {
    "leaflet": (leaflet.BASE_DIR, leaflet.VERSION),
    "leaflet-markercluster": (markercluster.BASE_DIR, markercluster.VERSION),
}
VENDOR_MAX_AGE = 7 * 24 * 3600


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


def init_app(app: Flask) -> None:
    """``asset_url`` in templates; static files read into memory before they go out.

    Our assets are small; held as bytes they get a real Content-Length, an ETag
    and gzip from Flask-Compress, which skips file streams (it would leave the
    file open).
    """
    app.jinja_env.globals["asset_url"] = asset_url

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
