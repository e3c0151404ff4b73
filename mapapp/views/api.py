"""The public read API: JSON and RFC 7946 GeoJSON, cacheable and compressed."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort
from flask_babel import gettext as _

from ..catalog import localize_stop, route_feature, stop_feature, stops_collection
from ..geo import DIRECTIONS
from ..records import FESTIVALS, KINDS, LANGUAGES
from ..web.params import (
    GEOJSON,
    bbox_arg,
    choice_arg,
    float_arg,
    int_arg,
    json_response,
)
from ..web.walk import current_walk

bp = Blueprint("api", __name__, url_prefix="/api")

MAX_NEAREST = 50


def _localized(stops: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Stops with texts in ``?lang=`` (with fallbacks) when asked; else every translation."""
    lang = choice_arg("lang", LANGUAGES)
    return stops if lang is None else [localize_stop(s, lang) for s in stops]


@bp.get("/route.geojson")
def route():
    walk = current_walk()
    return json_response({"type": "FeatureCollection", "features": [route_feature(walk)]}, GEOJSON)


@bp.get("/installations.geojson")
def installations():
    kind = choice_arg("kind", KINDS)
    festival = choice_arg("festival", FESTIVALS)
    bbox = bbox_arg()
    stops = current_walk().filtered(kind=kind, festival=festival)
    if bbox is not None:
        w, s, e, n = bbox
        stops = [x for x in stops if w <= x["lon"] <= e and s <= x["lat"] <= n]
    return json_response(stops_collection(_localized(stops)), GEOJSON)


@bp.get("/installations/<int:id>")
def installation(id: int):
    stop = next((s for s in current_walk().stops if s["id"] == id), None)
    if stop is None:
        abort(404, description=_("There is no published work with id %(id)s.", id=id))
    return json_response(stop_feature(_localized([stop])[0]), GEOJSON)


@bp.get("/nearest")
def nearest():
    lat = float_arg("lat", -90, 90)
    lon = float_arg("lon", -180, 180)
    n = int_arg("n", 1, MAX_NEAREST, default=5)
    found = current_walk().nearest(lon, lat, n)
    return json_response(stops_collection(_localized(found)), GEOJSON)


@bp.get("/next")
def next_stop():
    lat = float_arg("lat", -90, 90)
    lon = float_arg("lon", -180, 180)
    direction = choice_arg("direction", DIRECTIONS) or "forward"
    result = current_walk().next_stop(lon, lat, direction)  # type: ignore[arg-type]
    if result["next"] is not None:
        result["next"] = stop_feature(result["next"])
    return json_response(result)
