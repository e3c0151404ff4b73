"""The network of routes: the home page that lists them (with an overview map of
their cities), ``/api/routes`` and ``/api/routes/<route>``, and the server's status.

Each route's own pages live at ``/<route>/...`` and its data at
``/api/routes/<route>/...`` (:mod:`mapapp.web.routing`); retired routes keep
their pages (old links keep working) but are not listed.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, render_template, url_for

from .. import payloads
from ..catalog import RouteOutline, build_outline, route_summary
from ..records import localized
from ..web.assets import asset_url
from ..web.cache import app_cache, cached
from ..web.db import data_version, get_store
from ..web.formats import km
from ..web.i18n import current_language
from ..web.params import json_response
from ..web.routing import API, in_route, route_index
from ..web.urls import current_urls
from ..web.walk import current_walk

bp = Blueprint("routes", __name__)

HOME_SETTINGS_ID = "home-settings"


def _summaries(lang: str, active_only: bool = True) -> list[dict[str, Any]]:
    """Every route's summary in ``lang``, with its links (built once per version)."""

    def build() -> list[dict[str, Any]]:
        index, outlines = route_index(), _outlines()
        rows = index.active if active_only else list(index.by_slug.values())
        return [route_summary(outlines[r["slug"]], lang) for r in rows if r["slug"] in outlines]

    found = cached("route-summaries", (data_version(), lang, active_only), build)
    return [_with_links(s) for s in found]


def _outlines() -> dict[str, RouteOutline]:
    """Every route's outline by key (those with a line), read once per data version:
    its line and its works by kind, without building its walk."""

    def build() -> dict[str, RouteOutline]:
        store = get_store()
        out = {}
        for record in route_index().by_slug.values():
            try:
                out[record["slug"]] = build_outline(store, record)
            except LookupError:  # no line yet: not listed
                continue
        return out

    return cached("route-outlines", data_version(), build)


def _with_links(summary: dict[str, Any]) -> dict[str, Any]:
    """A route's summary with the URLs of its pages (in the page's language, when the
    request's URL names one) and of its data (the same in every language)."""
    slug = summary["slug"]
    pages = {
        "page": "public.index",
        "planner": "planner.page",
        "tours": "tours.index",
        "events": "events.whats_on",
        "calendar": "events.route_calendar",
    }
    data = {
        "self": "routes.route_json",
        "line": "api.route",
        "works": "api.installations",
        "stops": "api.stops",
    }
    links = {k: url_for(e, route=slug) for k, e in pages.items()}
    links.update({k: url_for(e, route=slug, lang=None) for k, e in data.items()})
    return {**summary, "links": links}


def render_home() -> str:
    """The home page in the current language (also used by the static export, whose
    URL builder gives each route's map page; a static site has no tours or planner)."""
    from .. import maps  # folium: loaded by the first page that draws a map

    lang = current_language()
    urls = current_urls()
    routes = _summaries(lang)
    if urls.static:
        pages = {r["slug"]: urls.route_page(r["slug"]) for r in routes}
        routes = [
            {**r, "links": {"page": pages[r["slug"]], "events": pages[r["slug"]] + "events/"}}
            for r in routes
        ]
    config, outlines = current_app.config, _outlines()
    drawn = [
        {
            "name": r["name"],
            "city": r["city"],
            "url": r["links"]["page"],
            "coordinates": outlines[r["slug"]].route.line_lonlat.coords,
        }
        for r in routes
    ]
    m = maps.overview_map(
        drawn,
        tiles_url=config["TILES"] or None,
        tiles_attribution=config["TILES_ATTRIBUTION"],
        asset_url=asset_url,
        settings_id=HOME_SETTINGS_ID,
    )
    return render_template(
        "home.html",
        routes=[{**r, "km": km(r["length_m"])} for r in routes],
        map_parts=maps.render_parts(m),
        settings=maps.overview_settings(drawn),
        settings_id=HOME_SETTINGS_ID,
        scripts=[asset_url(p) for _n, p in maps.OVERVIEW_SCRIPTS],
    )


@bp.get("/")
def home():
    """The routes, each with its city, length and works, and a map of where they are."""
    return render_home()


def page_route() -> dict[str, str] | None:
    """The request's route as its pages name it (name and city in the page's language,
    with the languages they are in), or ``None`` on a page of no route (the home page)."""
    if not in_route():
        return None
    lang = current_language()
    record = current_walk().record
    out = {"slug": record["slug"]}
    for name in ("name", "city"):
        out[name], out[f"{name}_lang"] = localized(record, name, lang)
    return out


@bp.app_context_processor
def _route_in_templates() -> dict[str, Any]:
    return {"page_route": page_route}


@bp.get("/api/routes")
def routes_json():
    """Every active route: key, names, city, languages, length, works by kind, links."""
    lang = current_language()
    return json_response({"routes": _summaries(lang), "version": data_version()})


@bp.get(API)
def route_json():
    """One route (retired ones too), as in ``/api/routes``."""
    outline = RouteOutline.of_walk(current_walk())
    return json_response(_with_links(route_summary(outline, current_language())))


@bp.get("/api/status")
def status():
    """The data version, how full the server's cache is and how many answers it replayed
    (never cached)."""
    walk = current_walk()
    replay = current_app.extensions.get("mapapp.replay")
    doc = {
        "version": payloads.data_token(walk),
        "routes": len(route_index().by_slug),
        "stops": len(walk.stops),
        "cache": app_cache().stats(),
        "replay": replay.stats() if replay is not None else None,
    }
    return json_response(doc, public=False)
