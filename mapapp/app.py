"""The Flask app factory: configuration, the web seam, blueprints."""

from __future__ import annotations

import contextlib
import os
import secrets
from pathlib import Path
from typing import Any

from flask import Flask
from flask_compress import Compress
from limits import parse_many
from werkzeug.middleware.proxy_fix import ProxyFix

from . import DEFAULT_ATTRIBUTION, DEFAULT_TILES, resources, web
from .numbers import NumberError, parse_float, parse_int
from .store import DEFAULT_TIMEOUT, DatabaseUnusable, Store, check_database
from .web import assets, auth, i18n, security
from .web.cache import DEFAULT_MAX_BYTES
from .web.replay import Replay


def settings(instance: Path) -> dict[str, Any]:
    """Our settings and their defaults: each is ``MAPAPP_<name>`` in the environment and
    a row of the README's Configuration table (a test checks that it is there).
    """
    return {
        "DB": str(instance / "mapapp.sqlite"),
        "DB_TIMEOUT": DEFAULT_TIMEOUT,
        "DATA_DIR": str(resources.data_dir()),
        "TILES": DEFAULT_TILES,
        "TILES_ATTRIBUTION": DEFAULT_ATTRIBUTION,
        "SECRET_KEY": None,
        "MEDIA_DIR": str(instance / "media"),
        "PHOTO_MAX_BYTES": 8 * 1000 * 1000,
        "AUDIO_MAX_BYTES": 20 * 1000 * 1000,
        "AUDIO_MAX_SECONDS": 15 * 60,
        "IMPORT_MAX_BYTES": 5 * 1000 * 1000,
        "MAX_REQUEST_BYTES": 1000 * 1000,
        "MAX_OFFSET_M": 1000.0,
        "SERVICE_AREA_KM": 50.0,
        "LOGIN_RATE_LIMIT": "5 per minute; 30 per hour",
        "RATELIMIT_STORAGE": "memory://",
        "PROXY_COUNT": 0,
        "API_MAX_AGE": 60,
        "CACHE_MAX_BYTES": DEFAULT_MAX_BYTES,
        "REPORT_RATE_LIMIT": "5 per hour; 20 per day",
        "SMTP_HOST": "",
        "SMTP_PORT": 587,
        "SMTP_USER": "",
        "SMTP_PASSWORD": "",
        "SMTP_FROM": "",
        "SESSION_COOKIE_SECURE": False,  # True outside debug and tests, unless set
    }


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    """Build the Flask app.

    Configuration comes from :func:`settings` (and the extensions' settings below),
    then ``MAPAPP_*`` environment variables (``MAPAPP_DB``, ``MAPAPP_TILES``,
    ``MAPAPP_SECRET_KEY``, ...), then ``test_config``. A bad number setting or an
    unreachable rate-limit storage is a :class:`ConfigError`; a database that
    cannot be used (missing, empty, damaged, read-only, full disk) a
    :class:`~mapapp.store.DatabaseUnusable`; pending migrations are applied. The
    instance folder is ``MAPAPP_INSTANCE`` or ``./instance``
    (:func:`mapapp.resources.instance_dir`), never inside an installed package.
    """
    instance = resources.instance_dir()
    app = Flask(
        __name__,
        instance_path=str(instance),
        static_folder=str(resources.static_dir()),
        static_url_path="/static",
    )
    app.config.from_mapping(settings(Path(app.instance_path)))
    app.config.from_mapping(
        RATELIMIT_ENABLED=True,  # explicit: the limiter object outlives one app
        # Redis unreachable while running: each process limits on its own meanwhile
        RATELIMIT_IN_MEMORY_FALLBACK_ENABLED=True,
        RATELIMIT_HEADERS_ENABLED=True,
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
    _check_settings(app.config)
    _check_database(app.config["DB"])
    app.config["RATELIMIT_STORAGE_URI"] = app.config["RATELIMIT_STORAGE"]
    if app.config["PROXY_COUNT"]:  # behind a proxy: the client's address, for the limit
        n = app.config["PROXY_COUNT"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=n, x_proto=n)  # type: ignore[method-assign]
    if not app.debug and not app.testing and "MAPAPP_SESSION_COOKIE_SECURE" not in os.environ:
        app.config["SESSION_COOKIE_SECURE"] = True  # browsers accept it on http://localhost
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = _instance_secret(Path(app.instance_path))

    i18n.init_app(app)
    Compress(app)
    web.init_app(app)
    security.init_app(app)
    auth.init_app(app)
    if app.config["RATELIMIT_ENABLED"] and not auth.limit_storage_reachable():
        raise ConfigError(
            f"MAPAPP_RATELIMIT_STORAGE: cannot reach {app.config['RATELIMIT_STORAGE']}"
            " (is the Redis server running?)"
        )
    assets.init_app(app)  # after Compress: its hook must run before compression

    from .views import (
        account,
        admin,
        api,
        curator,
        curator_api,
        curator_gallery,
        curator_photos,
        curator_records,
        curator_review,
        curator_survey,
        events,
        finder,
        offline,
        planner,
        public,
        reports,
        routes,
        scenarios,
        tours,
        walk,
    )
    from .views import assets as vendor

    for module in (
        vendor,
        routes,
        public,
        api,
        events,
        offline,
        planner,
        scenarios,
        account,
        curator,
        curator_records,
        curator_survey,
        admin,
        curator_api,
        curator_photos,
        curator_gallery,
        reports,
        curator_review,
        walk,
        tours,
        finder,
    ):
        app.register_blueprint(module.bp)
    app.extensions["mapapp.replay"] = replay = Replay(app)
    app.wsgi_app = replay  # type: ignore[method-assign]
    return app


class ConfigError(ValueError):
    """A setting is wrong; the message names it and says what it must be."""


#: Number settings: (lowest, highest, whole number?). Read with mapapp.numbers, so
#: ``MAPAPP_PHOTO_MAX_BYTES=lots`` stops the start with a message, not a traceback later.
NUMBER_SETTINGS: dict[str, tuple[float, float, bool]] = {
    "DB_TIMEOUT": (0.0, 600.0, False),
    "PHOTO_MAX_BYTES": (1, 10**9, True),
    "AUDIO_MAX_BYTES": (1, 10**9, True),
    "AUDIO_MAX_SECONDS": (1.0, 24 * 3600.0, False),
    "IMPORT_MAX_BYTES": (1, 10**9, True),
    "MAX_REQUEST_BYTES": (1000, 10**9, True),
    "MAX_OFFSET_M": (0.0, 100_000.0, False),
    "SERVICE_AREA_KM": (1.0, 20_000.0, False),
    "API_MAX_AGE": (0, 31_536_000, True),
    "CACHE_MAX_BYTES": (0, 10**12, True),
    "PROXY_COUNT": (0, 10, True),
    "SMTP_PORT": (1, 65535, True),
}


def _check_settings(config: Any) -> None:
    for name, (low, high, whole) in NUMBER_SETTINGS.items():
        value = config[name]
        if whole and isinstance(value, float) and value.is_integer():
            value = int(value)
        try:
            if whole:
                config[name] = parse_int(value, int(low), int(high))
            else:
                config[name] = parse_float(value, low, high)
        except NumberError:
            kind = "a whole number" if whole else "a number"
            raise ConfigError(
                f"MAPAPP_{name} must be {kind} from {low:g} to {high:g}, not {value!r}"
            ) from None
    for name in ("LOGIN_RATE_LIMIT", "REPORT_RATE_LIMIT"):
        try:
            parse_many(str(config[name]))
        except ValueError:
            raise ConfigError(
                f"MAPAPP_{name} must read like '5 per minute; 30 per hour', not {config[name]!r}"
            ) from None


def _check_database(path: str) -> None:
    """Start only on a usable, migrated database with a route (see ``check_database``)."""
    check_database(path)
    store = Store.open(path)
    try:
        if store.needs_migration():
            store.migrate()  # under the write lock: several workers starting at once are fine
        if store.current_route() is None:
            raise DatabaseUnusable(f"{path} has no route yet: run `mapapp init-db`")
    finally:
        store.close()


def _instance_secret(instance: Path) -> str:
    """A secret key kept in the instance folder, so sessions survive restarts.

    Written atomically (a complete temporary file hard-linked into place, which
    fails if the key exists), so processes starting at once all read one key.
    """
    path = instance / "secret_key"
    try:
        if not path.exists():
            instance.mkdir(parents=True, exist_ok=True)
            tmp = instance / f".secret_key.{os.getpid()}.{secrets.token_hex(4)}"
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            try:
                with os.fdopen(fd, "w") as f:
                    f.write(secrets.token_hex(32))
                    f.flush()
                    os.fsync(f.fileno())
                with contextlib.suppress(FileExistsError):  # another process was first
                    os.link(tmp, path)
            finally:
                tmp.unlink(missing_ok=True)
        key = path.read_text().strip()
    except OSError as exc:
        raise ConfigError(
            f"cannot keep the secret key in {path} ({exc.strerror}): make {instance} writable"
            " or set MAPAPP_SECRET_KEY"
        ) from None
    if len(key) < 32:
        raise ConfigError(
            f"{path} is empty or too short: delete it (everyone is signed out) or set"
            " MAPAPP_SECRET_KEY"
        )
    return key
