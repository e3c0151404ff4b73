"""Offline walking: the service worker, the web app manifest and the page's offline settings.

The worker (``static/sw.js``) is served from the site root so that its scope covers
every page. It learns the tile URL template and the interface languages from its own
URL (``/sw.js?tiles=...&langs=en,ru,kk``), so the same file works behind the app and
in a static export. The map page gets one JSON blob, ``#offline-settings``, read by
``static/js/offline.js``: where the worker is, the shell page and the data of this
language and data version to keep (each once: the route, the slim stops, the detail
chunks), the tiles of the route corridor, the strings and the browser contract
(:mod:`mapapp.contract`).
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_time, get_datetime_format
from flask import Blueprint, Response, current_app, request, url_for
from flask_babel import gettext as _
from jinja2.utils import htmlsafe_json_dumps

from .. import contract, payloads, tiles
from ..web.assets import asset_url
from ..web.cache import cached
from ..web.db import get_store
from ..web.encoded import REVALIDATE, cached_encoded, send
from ..web.i18n import RIVER_NAMES, current_language
from ..web.routing import PAGE
from ..web.security import tile_origin
from ..web.urls import current_urls
from ..web.walk import current_walk
from .public import SETTINGS_ID as MAP_SETTINGS_ID
from .public import page_holds_its_data

bp = Blueprint("offline", __name__)

SETTINGS_ID = "offline-settings"
#: Times shown to walkers are in the city's time zone.
CITY_TIME_ZONE = "Asia/Almaty"
THEME_COLOUR = "#0b5cad"
BACKGROUND_COLOUR = "#ffffff"
#: App icons: (asset path, sizes, purpose).
ICONS = (
    ("icons/app-192.png", "192x192", "any"),
    ("icons/app-512.png", "512x512", "any"),
    ("icons/app-maskable-512.png", "512x512", "maskable"),
)
#: Hosts whose usage policy limits how many tiles may be saved (OpenStreetMap's).
OSM_TILE_HOSTS = ("tile.openstreetmap.org",)


def _worker_file() -> Path:
    return Path(current_app.static_folder or "") / "sw.js"


def worker_csp(tiles_url: str | None) -> str:
    """The worker's own policy: it only fetches from us and from the tile server."""
    connect = " ".join(filter(None, ["'self'", tile_origin(tiles_url)]))
    return f"default-src 'none'; connect-src {connect}"


@bp.get("/sw.js")
def service_worker() -> Response:
    """The service worker, at the root so that its scope is the whole site (compressed
    once per version of the file, revalidated)."""
    file = _worker_file()
    stat = file.stat()
    enc = cached_encoded(
        "worker",
        (str(file), stat.st_mtime, stat.st_size),
        file.read_bytes,
        "text/javascript",
        best=True,
    )
    resp = send(enc, REVALIDATE)
    resp.headers["Service-Worker-Allowed"] = request.script_root + "/"
    resp.headers["Content-Security-Policy"] = worker_csp(current_app.config.get("TILES"))
    return resp


def manifest_doc(lang: str, start_url: str, scope: str, icon_url=asset_url) -> dict[str, Any]:
    """The web app manifest in ``lang`` (call within a request in that language)."""
    river = RIVER_NAMES[lang][0]
    return {
        "id": scope,
        "name": f"{_('Cultural Terrenkur')} · {river}",
        "short_name": _("Terrenkur"),
        "description": _(
            "A walkable map of public art along the Esentai (Vesnovka) river in Almaty."
        ),
        "lang": lang,
        "dir": "ltr",
        "start_url": start_url,
        "scope": scope,
        "display": "standalone",
        "background_color": BACKGROUND_COLOUR,
        "theme_color": THEME_COLOUR,
        "categories": ["travel", "navigation"],
        "icons": [
            {"src": icon_url(path), "sizes": sizes, "type": "image/png", "purpose": purpose}
            for path, sizes, purpose in ICONS
        ],
    }


def manifest_json(doc: dict[str, Any]) -> str:
    return json.dumps(doc, ensure_ascii=False, indent=1)


@bp.get(f"{PAGE}/manifest.webmanifest")
def manifest() -> Response:
    lang = current_language()
    scope = request.script_root + "/"
    doc = manifest_doc(lang, url_for("public.index"), scope)
    resp = Response(manifest_json(doc), mimetype="application/manifest+json")
    resp.headers["Cache-Control"] = "public, max-age=3600"
    return resp


# the page's offline settings ----------------------------------------------------------


def offline_strings() -> dict[str, str]:
    """Every string ``offline.js`` shows, translated."""
    return {
        "offlineShort": _("You are offline."),
        "offline": _("You are offline. The map, its stops and photos are from your last visit."),
        "dataAge": _("Data last changed %(date)s.", date="{date}"),
        "backOnline": _("You are back online."),
        "ready": _("Ready for offline use: this page, its stops and photos are kept."),
        "notReady": _("Offline use is being prepared…"),
        "unsupported": _(
            "This browser cannot keep the map for offline use (it needs HTTPS and service workers)."
        ),
        "offlineNow": _("You are offline: connect to the internet to save the route."),
        "estimate": _(
            "%(n)s map tiles along the route (zoom %(zooms)s), about %(size)s.",
            n="{n}",
            zooms="{zooms}",
            size="{size}",
        ),
        "alreadySaved": _("%(n)s of them are saved already.", n="{n}"),
        "progress": _("%(done)s of %(total)s map tiles saved…", done="{done}", total="{total}"),
        "saved": _(
            "Saved %(n)s map tiles (%(size)s): the base map along the route works with no signal.",
            n="{n}",
            size="{size}",
        ),
        "failed": _("%(n)s map tiles could not be saved. Try again with a better signal.", n="{n}"),
        "cancelled": _("Stopped. %(n)s map tiles were saved.", n="{n}"),
        "audio": _("Audio stories in this language: %(n)s, %(size)s.", n="{n}", size="{size}"),
        "total": _("About %(size)s in all.", size="{size}"),
        "kb": _("%(n)s KB", n="{n}"),
        "mb": _("%(n)s MB", n="{n}"),
    }


def changed_text(iso: str | None, lang: str) -> str:
    """A stored UTC time as the page's language writes it, in Almaty's time zone.

    Formatted here with Babel's full CLDR data: browsers' own Intl data may lack
    Kazakh month names.
    """
    if not iso:
        return ""
    when = dt.datetime.fromisoformat(iso).astimezone(ZoneInfo(CITY_TIME_ZONE))
    date = format_date(when, "long", locale=lang)
    time = format_time(when, "short", locale=lang)
    pattern = str(get_datetime_format("long", locale=lang))
    return pattern.replace("{1}", date).replace("{0}", time)


def tiles_unavailable_reason(template: str, count: int, too_many: bool = False) -> str | None:
    """Why the route cannot be saved for offline use, or ``None`` when it can.

    ``too_many``: the corridor needs more than :data:`mapapp.tiles.MAX_TILES` tiles.
    """
    if not template:
        return _(
            "This map is set up without a base map, so there are no map tiles to save. "
            "The route, the stops and their photos are kept for offline use anyway."
        )
    if too_many:
        return _(
            "The route needs more than %(n)s map tiles: too many to save for offline use.",
            n=f"{tiles.MAX_TILES:,}",
        )
    host = urlsplit(template.replace("{s}.", "")).hostname or ""
    if host in OSM_TILE_HOSTS and count > tiles.OSM_BULK_LIMIT:
        return _(
            "The route needs %(n)s map tiles, more than OpenStreetMap's tile server "
            "allows anyone to save (%(limit)s).",
            n=count,
            limit=tiles.OSM_BULK_LIMIT,
        )
    return None


class OfflinePage:
    """What a map page template needs for offline use, computed only when asked."""

    @property
    def worker_url(self) -> str:
        template = current_app.config.get("TILES") or None
        langs = ",".join(contract.LANGUAGES)
        return url_for("offline.service_worker", lang=None, tiles=template, langs=langs)

    @property
    def scope(self) -> str:
        return request.script_root + "/"

    def _corridor(self) -> dict[str, Any]:
        walk = current_walk()
        config = current_app.config
        key = (walk.version, config.get("TILES") or "")

        def build() -> dict[str, Any]:
            try:
                found, too_many = tiles.corridor_tiles(walk.route), False
            except tiles.TooManyTiles:
                found, too_many = [], True
            return {
                "tiles": found,
                "too_many": too_many,
                "changed_at": get_store().data_changed_at(),
            }

        return cached("offline-corridor", key, build)

    @property
    def tiles_reason(self) -> str | None:
        corridor = self._corridor()
        return tiles_unavailable_reason(
            current_app.config.get("TILES") or "", len(corridor["tiles"]), corridor["too_many"]
        )

    @property
    def changed_at(self) -> str | None:
        return self._corridor()["changed_at"]

    def data_urls(self) -> list[str]:
        """This language's data at the current version to keep: route, stops, detail
        chunks (the route and stops only when the page does not hold them itself)."""
        walk = current_walk()
        urls = current_urls()
        version = payloads.data_token(walk)
        lang = current_language()
        details = urls.details_template(version, lang)
        chunks = range(payloads.chunk_count(len(walk.stops)))
        tables = (
            []
            if page_holds_its_data(walk, lang)
            else [
                urls.route_data(version),
                urls.stops_data(version, lang),
            ]
        )
        return [*tables, *(details.replace("{n}", str(n)) for n in chunks)]

    @property
    def settings_json(self) -> str:
        corridor = self._corridor()
        template = current_app.config.get("TILES") or ""
        settings: dict[str, Any] = {
            "worker": self.worker_url,
            "scope": self.scope,
            "mapSettings": MAP_SETTINGS_ID,
            "version": payloads.data_token(current_walk()),
            "shell": current_urls().home(),
            "data": self.data_urls(),
            "changedAt": corridor["changed_at"],
            "changedText": changed_text(corridor["changed_at"], current_language()),
            "tiles": None,
            "strings": offline_strings(),
            "contract": contract.browser_contract(
                speed_kmh=current_walk().speed_kmh, crs=current_walk().route.crs
            ),
        }
        if template and self.tiles_reason is None:
            settings["tiles"] = {
                "template": template,
                "subdomains": "abc",
                "zooms": list(tiles.WALK_ZOOMS),
                "corridorM": tiles.CORRIDOR_M,
                "list": [list(t) for t in corridor["tiles"]],
                "assumedBytes": tiles.ASSUMED_TILE_BYTES,
            }
        return htmlsafe_json_dumps(settings, separators=(",", ":"))


@bp.app_context_processor
def _offline_in_templates() -> dict[str, Any]:
    return {"offline": OfflinePage(), "offline_settings_id": SETTINGS_ID}
