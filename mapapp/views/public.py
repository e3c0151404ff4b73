"""The public pages: the walkable map and a permalink per installation."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Flask, abort, current_app, jsonify, render_template, request
from flask_babel import gettext as _
from werkzeug.exceptions import HTTPException

from .. import geo, get_store, maps
from ..catalog import Walk, route_feature, stops_collection
from ..records import FESTIVALS, KINDS
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


def map_settings(walk: Walk, focus: str | None) -> dict[str, Any]:
    forward, backward = geo.compass_heading(walk.route)
    labels = kind_labels()
    present = {s["kind"] for s in walk.stops}
    return {
        "route": route_feature(walk),
        "stops": stops_collection(walk.stops),
        "kinds": [
            {"id": k, "label": labels[k], "icon": asset_url(f"icons/{k}.svg")}
            for k in KINDS
            if k in present
        ],
        "precision": precision_labels(),
        "headings": {"forward": forward, "backward": backward},
        "focus": focus,
        "strings": js_strings(),
        "permalink": "/installations/{slug}",
        "photoUrl": "/media/phone/{name}",
    }


def render_map_page(focus: dict[str, Any] | None = None, status: int = 200):
    walk = current_walk()
    config = current_app.config
    route_name = _("Esentai (Vesnovka) river walk")
    m = maps.walk_map(
        [list(c) for c in walk.route.line_lonlat.coords],
        tiles_url=config["TILES"] or None,
        tiles_attribution=config["TILES_ATTRIBUTION"],
        asset_url=asset_url,
        settings_id=SETTINGS_ID,
        route_name=route_name,
    )
    parts = maps.render_parts(m)
    labels = kind_labels()
    forward, backward = geo.compass_heading(walk.route)
    festivals = sorted({s["festival"] for s in walk.stops if s["festival"]}, key=FESTIVALS.index)
    return (
        render_template(
            "map.html",
            walk=walk,
            focus=focus,
            map_parts=parts,
            settings=map_settings(walk, focus["slug"] if focus else None),
            settings_id=SETTINGS_ID,
            scripts=[asset_url(p) for _n, p in maps.SCRIPTS],
            styles=[asset_url(p) for _n, p in maps.STYLES],
            kinds=[(k, labels[k]) for k in KINDS if any(s["kind"] == k for s in walk.stops)],
            kind_labels=labels,
            festivals=festivals,
            headings=(forward, backward),
            precision=precision_labels(),
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
