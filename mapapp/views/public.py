"""The public pages: the walkable map and a permalink per installation."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable
from pathlib import Path
from typing import Any

from flask import Blueprint, Flask, abort, current_app, jsonify, render_template, request
from flask_babel import gettext as _
from jinja2.utils import htmlsafe_json_dumps
from markupsafe import Markup, escape
from werkzeug.exceptions import HTTPException

from .. import contract, geo, get_store, maps
from ..catalog import Walk, localize_stop, reference_layers, route_feature, stops_collection
from ..i18n import current_language
from ..records import FESTIVALS, KINDS, LANGUAGES
from .assets import asset_url

bp = Blueprint("public", __name__)

SETTINGS_ID = "terrenkur-settings"


def current_walk() -> Walk:
    """The published walk, rebuilt only when the data changes."""
    return current_app.extensions["mapapp.walks"].get(get_store(), current_app.config["DB"])


def kind_labels() -> dict[str, str]:
    return {
        "sculpture": _("Sculpture"),
        "mural": _("Mural"),
        "installation": _("Installation"),
        "pavilion": _("Pavilion"),
        "event": _("Art event"),
        "venue": _("Cultural venue"),
        "park": _("Park"),
        "landmark": _("Landmark"),
    }


def precision_labels() -> dict[str, str]:
    return {
        "surveyed": _("Surveyed on site"),
        "approximate": _("Approximate (within about 150 m)"),
        "estimated": _("Estimated: the exact spot is not published"),
    }


def js_strings() -> dict[str, str]:
    """Every string our script shows, translated on the server."""
    return {
        "kmAlong": _("km %(km)s along the route", km="{km}"),
        "offRoute": _("%(dist)s from the river walk", dist="{dist}"),
        "precision": _("Location"),
        "source": _("Source"),
        "by": _("by %(artist)s", artist="{artist}"),
        "festival": _("Festival"),
        "year": _("Year"),
        "address": _("Address"),
        "locating": _("Finding your position…"),
        "locateFailed": _("Could not get your position: %(reason)s", reason="{reason}"),
        "youAreHere": _("You are here"),
        "nextAhead": _(
            "Next heading %(dir)s: %(title)s, %(dist)s along the river, about %(min)s min",
            dir="{dir}",
            title="{title}",
            dist="{dist}",
            min="{min}",
        ),
        "noneAhead": _("No more stops heading %(dir)s.", dir="{dir}"),
        "nearest": _("Nearest: %(title)s, %(dist)s away", title="{title}", dist="{dist}"),
        "farFromRoute": _("You are %(dist)s from the river walk.", dist="{dist}"),
        "shown": _("%(n)s of %(total)s stops shown", n="{n}", total="{total}"),
        "permalink": _("Link to this work"),
        "showOnMap": _("Show on map"),
        "m": _("%(n)s m", n="{n}"),
        "km": _("%(n)s km", n="{n}"),
        "north": _("north"),
        "south": _("south"),
        "east": _("east"),
        "west": _("west"),
        "route": _("River walk"),
        "legend": _("Legend"),
        "photoOf": _("Photo of %(title)s", title="{title}"),
    }


def map_settings(walk: Walk, stops: list[dict[str, Any]], links: dict[str, str]) -> dict[str, Any]:
    """The one JSON blob the map script reads: route, stops, labels, strings, contract.

    The focused work is not in it (it is the ``data-focus`` attribute), so the blob is
    the same for every page of one language.
    """
    forward, backward = geo.compass_heading(walk.route)
    labels = kind_labels()
    present = {s["kind"] for s in stops}
    return {
        "lang": current_language(),
        "route": route_feature(walk),
        "stops": stops_collection(stops),
        "kinds": [
            {"id": k, "label": labels[k], "icon": asset_url(f"icons/{k}.svg")}
            for k in KINDS
            if k in present
        ],
        "precision": precision_labels(),
        "headings": {"forward": forward, "backward": backward},
        "strings": js_strings(),
        "layers": reference_layers(Path(current_app.config["DATA_DIR"]), current_language()),
        "layerLabels": {
            "crossings": _("Streets crossed"),
            "bike_stations": _("Almaty Bike stations"),
        },
        "contract": contract.browser_contract(links),
    }


def page_links() -> dict[str, str]:
    """URL templates for the map script, keeping the page's language choice."""
    lang = request.args.get("lang")
    suffix = f"?lang={lang}" if lang in LANGUAGES else ""
    return {"permalink": contract.url("permalink") + suffix, "photoUrl": contract.url("photoUrl")}


class PageCache:
    """A small LRU of built values; here, rendered parts of the map page per data
    version, language and link style.

    Everything but the CSP nonce and the focused work is the same for every visitor,
    so the folium map, the settings JSON and the stop list are built once per change.
    """

    def __init__(self, size: int = 16) -> None:
        self._lock = threading.Lock()
        self._parts: OrderedDict[tuple, dict[str, Any]] = OrderedDict()
        self._size = size

    def get(self, key: tuple, build: Callable[[], dict[str, Any]]) -> dict[str, Any]:
        with self._lock:
            if key in self._parts:
                self._parts.move_to_end(key)
                return self._parts[key]
        parts = build()
        with self._lock:
            self._parts[key] = parts
            while len(self._parts) > self._size:
                self._parts.popitem(last=False)
        return parts


def stop_list_html(stops: list[dict[str, Any]], lang: str, links: dict[str, str]) -> Markup:
    """The ``<li>`` items of the stop list in walking order; every text is escaped.

    Built in Python rather than a template loop: the list has one item per stop and
    must stay fast with thousands of them.
    """
    labels = {k: escape(v) for k, v in kind_labels().items()}
    icons = {k: escape(asset_url(f"icons/{k}.svg")) for k in KINDS}
    km = _("km %(km)s", km="{km}")
    off = _("%(dist)s km from the river", dist="{dist}")
    link = escape(_("Link"))
    items = []
    for s in stops:
        meta = [escape(km.format(km=f"{s['chainage_m'] / 1000:.1f}")), labels[s["kind"]]]
        if s["festival"]:
            meta.append(escape(s["festival"]))
        if s["offset_m"] > contract.LIST_OFF_ROUTE_M:
            meta.append(escape(off.format(dist=f"{s['offset_m'] / 1000:.1f}")))
        title = escape(s["title"])
        title_lang = s["text_lang"]["title"]
        lang_attr = f' lang="{escape(title_lang)}"' if title_lang != lang else ""
        href = escape(links["permalink"].format(slug=s["slug"]))
        items.append(
            f'<li data-id="{s["id"]}" data-kind="{escape(s["kind"])}"'
            f' data-festival="{escape(s["festival"])}" data-chainage="{s["chainage_m"]}">'
            f'<button type="button" class="stop" data-id="{s["id"]}">'
            f'<img src="{icons[s["kind"]]}" alt="" width="20" height="25">'
            f'<span class="stop-title"{lang_attr}>{title}</span>'
            f'<span class="stop-meta">{" · ".join(meta)}</span></button>'
            f'<a class="permalink" href="{href}">{link}'
            f'<span class="visually-hidden">: {title}</span></a></li>'
        )
    return Markup("\n".join(items))  # noqa: S704 (every value above is escaped)


def _page_parts(walk: Walk, lang: str, links: dict[str, str]) -> dict[str, Any]:
    stops = [localize_stop(s, lang) for s in walk.stops]
    config = current_app.config
    m = maps.walk_map(
        [list(c) for c in walk.route.line_lonlat.coords],
        tiles_url=config["TILES"] or None,
        tiles_attribution=config["TILES_ATTRIBUTION"],
        asset_url=asset_url,
        settings_id=SETTINGS_ID,
        route_name=_("Esentai (Vesnovka) river walk"),
    )
    settings = map_settings(walk, stops, links)
    labels = kind_labels()
    return {
        "stops": stops,
        "map_parts": maps.render_parts(m),
        "settings_json": htmlsafe_json_dumps(settings, separators=(",", ":")),
        "stop_list": stop_list_html(stops, lang, links),
        "kinds": [(k, labels[k]) for k in KINDS if any(s["kind"] == k for s in stops)],
        "festivals": sorted({s["festival"] for s in stops if s["festival"]}, key=FESTIVALS.index),
        "headings": geo.compass_heading(walk.route),
    }


def render_map_page(
    focus: dict[str, Any] | None = None,
    status: int = 200,
    links: dict[str, str] | None = None,
):
    """The walk map page in the current language (also used by the static export)."""
    walk = current_walk()
    lang = current_language()
    links = links or page_links()
    config = current_app.config
    key = (config["DB"], walk.version, lang, tuple(sorted(links.items())), config["TILES"])
    parts = current_app.extensions["mapapp.pages"].get(key, lambda: _page_parts(walk, lang, links))
    if focus is not None:
        focus = next(s for s in parts["stops"] if s["id"] == focus["id"])
    return (
        render_template(
            "map.html",
            focus=focus,
            settings_id=SETTINGS_ID,
            scripts=[asset_url(p) for _n, p in maps.SCRIPTS],
            styles=[asset_url(p) for _n, p in maps.STYLES],
            **parts,
        ),
        status,
    )


@bp.get("/")
def index():
    return render_map_page()


@bp.get("/installations/<slug>")
def installation(slug: str):
    stop = next((s for s in current_walk().stops if s["slug"] == slug), None)
    if stop is None:
        abort(404, description=_("There is no published work at this address."))
    return render_map_page(focus=stop)


def register_error_pages(app: Flask) -> None:
    """HTML error pages, or JSON under ``/api/``; never a bare 500."""

    @app.errorhandler(HTTPException)
    def _http_error(exc: HTTPException):
        if request.path.startswith("/api/"):
            resp = jsonify(error=exc.name, message=exc.description, status=exc.code)
            resp.status_code = exc.code or 500
            resp.headers["Cache-Control"] = "no-store"
            return resp
        return render_template("error.html", error=exc), exc.code

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception):
        app.logger.exception("unhandled error on %s", request.path)
        if request.path.startswith("/api/"):
            message = _("Something went wrong on our side.")
            return jsonify(error="Internal Server Error", message=message, status=500), 500
        return render_template("error.html", error=None), 500
