"""The Flask app factory: configuration, the web seam, blueprints."""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Any

from flask import Flask
from flask_compress import Compress

from . import DEFAULT_ATTRIBUTION, DEFAULT_TILES, PROJECT_ROOT, web
from .web import assets, auth, i18n, security


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    """Build the Flask app.

    Configuration comes from the defaults below, then ``MAPAPP_*`` environment
    variables (``MAPAPP_DB``, ``MAPAPP_TILES``, ``MAPAPP_SECRET_KEY``, ...), then
    ``test_config``.
    """
    app = Flask(
        __name__,
        instance_path=str(PROJECT_ROOT / "instance"),
        static_folder=str(PROJECT_ROOT / "static"),
        static_url_path="/static",
    )
    app.config.from_mapping(
        DB=str(Path(app.instance_path) / "mapapp.sqlite"),
        DATA_DIR=str(PROJECT_ROOT / "data"),
        TILES=DEFAULT_TILES,
        TILES_ATTRIBUTION=DEFAULT_ATTRIBUTION,
        SECRET_KEY=None,
        MEDIA_DIR=str(Path(app.instance_path) / "media"),
        PHOTO_MAX_BYTES=8 * 1000 * 1000,
        IMPORT_MAX_BYTES=5 * 1000 * 1000,
        MAX_OFFSET_M=1000.0,
        LOGIN_RATE_LIMIT="5 per minute; 30 per hour",
        RATELIMIT_ENABLED=True,  # explicit: the limiter object outlives one app
        RATELIMIT_HEADERS_ENABLED=True,
        API_MAX_AGE=60,
        BABEL_DEFAULT_LOCALE="en",
        COMPRESS_MIMETYPES=[
            "text/html",
            "text/css",
            "text/javascript",
            "application/javascript",
            "application/json",
            "application/geo+json",
            "image/svg+xml",
        ],
        COMPRESS_ALGORITHM=["gzip"],
        COMPRESS_MIN_SIZE=500,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
    )
    app.config.from_prefixed_env("MAPAPP")
    if test_config:
        app.config.update(test_config)
    # every upload limit is checked with a clear message below this hard cap
    app.config.setdefault(
        "MAX_CONTENT_LENGTH",
        max(app.config["PHOTO_MAX_BYTES"], app.config["IMPORT_MAX_BYTES"]) + 2_000_000,
    )
    if not app.debug and not app.testing and "MAPAPP_SESSION_COOKIE_SECURE" not in os.environ:
        app.config["SESSION_COOKIE_SECURE"] = True  # browsers accept it on http://localhost
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = _instance_secret(Path(app.instance_path))

    i18n.init_app(app)
    Compress(app)
    web.init_app(app)
    security.init_app(app)
    auth.init_app(app)
    assets.init_app(app)  # after Compress: its hook must run before compression

    from .views import (
        account,
        admin,
        api,
        curator,
        curator_api,
        curator_records,
        offline,
        planner,
        public,
    )
    from .views import assets as vendor

    for module in (
        vendor,
        public,
        api,
        offline,
        planner,
        account,
        curator,
        curator_records,
        admin,
        curator_api,
    ):
        app.register_blueprint(module.bp)
    return app


def _instance_secret(instance: Path) -> str:
    """A secret key kept in the instance folder, so sessions survive restarts."""
    path = instance / "secret_key"
    if path.exists():
        return path.read_text().strip()
    instance.mkdir(parents=True, exist_ok=True)
    key = secrets.token_hex(32)
    path.write_text(key)
    path.chmod(0o600)
    return key
