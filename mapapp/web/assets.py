"""Asset URLs with a version or content hash, and in-memory static responses.

Front-end libraries come from their installed xstatic packages (no CDN), served
by the ``vendor`` blueprint in :mod:`mapapp.views.assets`; our own files from
``static/``.
"""

from __future__ import annotations

import hashlib
from functools import lru_cache
from pathlib import Path
from urllib.parse import quote

import xstatic.pkg.leaflet as leaflet
import xstatic.pkg.leaflet_markercluster as markercluster
from flask import Flask, Response, current_app, request, url_for

from .cache import full_key
from .encoded import IMMUTABLE, REVALIDATE, cached_encoded, send

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


@lru_cache(maxsize=64)
def _data_url(path: str, mtime: float) -> str:
    svg = " ".join(Path(path).read_text(encoding="utf-8").split())
    return "data:image/svg+xml," + quote(svg, safe=" /:=;,.-_'()!*~")


def inline_icon_url(path: str) -> str:
    """A small SVG under ``static/`` as a ``data:`` URL: in the page, not one more request
    (the map page's icons: eight kinds and "locate me", a few hundred bytes each)."""
    file = Path(current_app.static_folder or "") / path
    return _data_url(str(file), file.stat().st_mtime)


def _requested_file() -> tuple[Path, str]:
    """The file a static or vendor request names, and the version its URL should carry."""
    args = request.view_args or {}
    if request.endpoint == "assets.vendor":
        folder, version = PACKAGES[args["package"]]
        return Path(folder) / args["filename"], version
    file = Path(current_app.static_folder or "") / args["filename"]
    return file, _fingerprint(str(file), file.stat().st_mtime)


def init_app(app: Flask) -> None:
    """``asset_url`` in templates; static files sent from memory, compressed once.

    A file is read, gzipped and brotli-compressed once per content (path, mtime,
    size) and sent with an ETag; a URL carrying the file's current version
    (``?v=``, as :func:`asset_url` makes them) is ``immutable`` for a year, any other
    is revalidated. Flask-Compress leaves these alone (they carry their encoding).
    """
    app.jinja_env.globals["asset_url"] = asset_url
    app.jinja_env.globals["inline_icon_url"] = inline_icon_url
    compressible = set(app.config.get("COMPRESS_MIMETYPES") or ())

    @app.after_request
    def _static_encoded(resp: Response) -> Response:
        if request.endpoint not in ("static", "assets.vendor") or resp.status_code != 200:
            return resp
        # the checked file's path is ours now: close the stream send_file opened
        close = getattr(resp.response, "close", None)
        if close is not None:
            close()
        file, version = _requested_file()
        stat = file.stat()
        key = (str(file), stat.st_mtime, stat.st_size)
        enc = cached_encoded(
            "static",
            key,
            file.read_bytes,
            resp.mimetype or "application/octet-stream",
            compress=resp.mimetype in compressible,
            best=True,
        )
        control = IMMUTABLE if request.args.get("v") == version else REVALIDATE
        return send(enc, control, replay=full_key("static", key), source=str(file))
