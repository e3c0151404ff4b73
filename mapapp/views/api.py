"""The public read API: JSON and RFC 7946 GeoJSON, cacheable and compressed.

Everything that depends only on the data version, the language and the query is
encoded once (:func:`mapapp.web.params.encoded_data`): the route, the GeoJSON (each
filter or bbox joined from pre-encoded features), and the map's own tables: the slim
stops and the detail chunks (:mod:`mapapp.payloads`). With ``?v=<version>``, as the
map page asks for them, they are cached for good; without, for ``API_MAX_AGE``.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, request
from flask_babel import gettext as _

from .. import payloads
from ..catalog import localize_stop, stop_feature, stops_collection
from ..geo import DIRECTIONS
from ..records import KINDS, LANGUAGES
from ..web.cache import cached
from ..web.db import get_store
from ..web.i18n import current_language
from ..web.params import (
    GEOJSON,
    ParamError,
    bbox_arg,
    choice_arg,
    encoded_data,
    float_arg,
    int_arg,
    json_response,
)
from ..web.routing import API
from ..web.walk import content_order, current_walk

bp = Blueprint("api", __name__, url_prefix=API)

MAX_NEAREST = 50
MAX_SEARCH = 100
#: The longest search query taken, in characters.
MAX_QUERY = 200


def _localized(stops: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Stops with texts in ``?lang=`` (with fallbacks) when asked; else every translation."""
    order = content_order()
    lang = choice_arg("lang", LANGUAGES)
    return stops if lang is None else [localize_stop(s, lang, order) for s in stops]


def _table_language() -> tuple[str, str]:
    """The language of a map table (``?lang=``, else the browser's) and the Vary it needs."""
    lang = choice_arg("lang", LANGUAGES)
    return (lang, "") if lang else (current_language(), "Accept-Language")


@bp.get("/route.geojson")
def route():
    walk = current_walk()
    return encoded_data(
        "route",
        walk.version,
        lambda: payloads.route_collection(walk),
        payloads.data_token(walk),
        GEOJSON,
    )


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
    lang = choice_arg("lang", LANGUAGES)

    def build() -> bytes:
        fragments = cached(
            "fragments", (walk.version, lang), lambda: payloads.Fragments.of(walk, lang)
        )
        return fragments.select(kind, festival, bbox, edition, artist)

    return encoded_data(
        "geojson",
        (walk.version, lang, kind, festival, edition, artist, bbox),
        build,
        payloads.data_token(walk),
        GEOJSON,
    )


@bp.get("/stops.json")
def stops():
    """The slim table the map draws from: every stop in walking order, in one language."""
    lang, vary = _table_language()
    walk = current_walk()
    return encoded_data(
        "slim",
        (walk.version, lang),
        lambda: payloads.slim_table(walk, lang),
        payloads.data_token(walk),
        vary=vary,
    )


@bp.get("/details/<int:chunk>.json")
def details(chunk: int):
    """The card texts of one chunk of :data:`~mapapp.payloads.DETAILS_CHUNK` stops."""
    lang, vary = _table_language()
    walk = current_walk()
    if chunk >= payloads.chunk_count(len(walk.stops)):
        abort(404, description=_("There is no such part of the data."))
    return encoded_data(
        "details",
        (walk.version, lang, chunk),
        lambda: payloads.details_table(walk, lang, chunk),
        payloads.data_token(walk),
        vary=vary,
    )


@bp.get("/installations/<int:id>")
def installation(id: int):
    stop = current_walk().by_id(id)
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
    ids = get_store().search(q, statuses=("published",), limit=limit)
    found = [s for s in (walk.by_id(i) for i in ids) if s is not None]
    doc = stops_collection(_localized(found))
    doc["query"] = q
    return json_response(doc, GEOJSON)
