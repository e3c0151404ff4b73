"""The public read API: JSON and RFC 7946 GeoJSON, cacheable and compressed."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, request
from flask_babel import gettext as _

from ..catalog import localize_stop, route_feature, stop_feature, stops_collection
from ..geo import DIRECTIONS
from ..records import KINDS, LANGUAGES
from ..web.db import get_store
from ..web.params import (
    GEOJSON,
    ParamError,
    bbox_arg,
    choice_arg,
    float_arg,
    int_arg,
    json_response,
)
from ..web.walk import current_walk

bp = Blueprint("api", __name__, url_prefix="/api")

MAX_NEAREST = 50
MAX_SEARCH = 100
#: The longest search query taken, in characters.
MAX_QUERY = 200


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
    """Published works; ``festival`` by name (``PARK FEST``) or key, ``edition`` and
    ``artist`` by key."""
    walk = current_walk()
    kind = choice_arg("kind", KINDS)
    festival = choice_arg("festival", walk.festival_names())
    edition = choice_arg("edition", walk.edition_keys())
    artist = choice_arg("artist", walk.artist_keys())
    bbox = bbox_arg()
    stops = walk.filtered(kind=kind, festival=festival, edition=edition, artist=artist)
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


@bp.get("/search")
def search():
    """Published works matching ``q`` in any language and script, best first.

    Each word of ``q`` must match a title, description, address, credit, artist's
    or festival's name, as written or as the start of a word; ``kasteyev`` finds
    Кастеев and Қастеев. ``lang`` localizes the texts as elsewhere.
    """
    q = (request.args.get("q") or "").strip()
    if not q:
        raise ParamError(_("q is required"))
    if len(q) > MAX_QUERY:
        raise ParamError(_("q may be at most %(n)s characters", n=MAX_QUERY))
    limit = int_arg("limit", 1, MAX_SEARCH, default=20)
    walk = current_walk()
    by_id = {s["id"]: s for s in walk.stops}
    ids = get_store().search(q, statuses=("published",), limit=limit)
    found = [by_id[i] for i in ids if i in by_id]
    doc = stops_collection(_localized(found))
    doc["query"] = q
    return json_response(doc, GEOJSON)
