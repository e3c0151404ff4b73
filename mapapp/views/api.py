"""The public read API: JSON and RFC 7946 GeoJSON, cacheable and compressed."""

from __future__ import annotations

import json
import math
from typing import Any

from flask import Blueprint, Response, abort, current_app, request

from ..catalog import localize_stop, route_feature, stop_feature, stops_collection
from ..geo import DIRECTIONS
from ..records import FESTIVALS, KINDS, LANGUAGES
from .public import current_walk

bp = Blueprint("api", __name__, url_prefix="/api")

GEOJSON = "application/geo+json"
MAX_NEAREST = 50


class ParamError(Exception):
    """A query parameter is missing or wrong; becomes a 400 with this message."""


@bp.errorhandler(ParamError)
def _param_error(exc: ParamError):
    return _json({"error": "Bad Request", "message": str(exc), "status": 400}, status=400)


def _json(
    doc: Any, mimetype: str = "application/json", status: int = 200, public: bool = True
) -> Response:
    """A JSON response; public 200s are cacheable with an ETag, the rest never cached."""
    body = json.dumps(doc, ensure_ascii=False, separators=(",", ":"))
    resp = Response(body, status=status, mimetype=mimetype)
    if status == 200 and public:
        resp.headers["Cache-Control"] = f"public, max-age={current_app.config['API_MAX_AGE']}"
        resp.add_etag()
        resp.make_conditional(request)
    else:
        resp.headers["Cache-Control"] = "no-store"
    return resp


def _float(name: str, low: float, high: float) -> float:
    raw = request.args.get(name)
    if raw is None or not raw.strip():
        raise ParamError(f"{name} is required")
    try:
        value = float(raw)
    except ValueError:
        raise ParamError(f"{name} must be a number, got {raw!r}") from None
    if not math.isfinite(value) or not low <= value <= high:
        raise ParamError(f"{name} must be between {low:g} and {high:g}")
    return value


def _choice(name: str, allowed: tuple[str, ...]) -> str | None:
    raw = request.args.get(name)
    if raw is None or raw == "":
        return None
    if raw not in allowed:
        raise ParamError(f"{name} must be one of: {', '.join(allowed)}")
    return raw


def _bbox() -> tuple[float, float, float, float] | None:
    raw = request.args.get("bbox")
    if not raw:
        return None
    parts = raw.split(",")
    try:
        w, s, e, n = (float(p) for p in parts)
    except ValueError:
        raise ParamError("bbox must be four numbers: west,south,east,north") from None
    ok = all(math.isfinite(v) for v in (w, s, e, n))
    if not ok or not (-180 <= w <= e <= 180 and -90 <= s <= n <= 90):
        raise ParamError("bbox must be west,south,east,north with west <= east and south <= north")
    return w, s, e, n


def _localized(stops: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Stops with texts in ``?lang=`` (with fallbacks) when asked; else every translation."""
    lang = _choice("lang", LANGUAGES)
    return stops if lang is None else [localize_stop(s, lang) for s in stops]


@bp.get("/route.geojson")
def route():
    walk = current_walk()
    return _json({"type": "FeatureCollection", "features": [route_feature(walk)]}, GEOJSON)


@bp.get("/installations.geojson")
def installations():
    kind = _choice("kind", KINDS)
    festival = _choice("festival", FESTIVALS)
    bbox = _bbox()
    stops = current_walk().filtered(kind=kind, festival=festival)
    if bbox is not None:
        w, s, e, n = bbox
        stops = [x for x in stops if w <= x["lon"] <= e and s <= x["lat"] <= n]
    return _json(stops_collection(_localized(stops)), GEOJSON)


@bp.get("/installations/<int:id>")
def installation(id: int):
    stop = next((s for s in current_walk().stops if s["id"] == id), None)
    if stop is None:
        abort(404, description=f"no published installation with id {id}")
    return _json(stop_feature(_localized([stop])[0]), GEOJSON)


@bp.get("/nearest")
def nearest():
    lat = _float("lat", -90, 90)
    lon = _float("lon", -180, 180)
    raw_n = request.args.get("n", "5")
    if not raw_n.isdigit() or not 1 <= int(raw_n) <= MAX_NEAREST:
        raise ParamError(f"n must be a whole number from 1 to {MAX_NEAREST}")
    found = current_walk().nearest(lon, lat, int(raw_n))
    return _json(stops_collection(_localized(found)), GEOJSON)


@bp.get("/next")
def next_stop():
    lat = _float("lat", -90, 90)
    lon = _float("lon", -180, 180)
    direction = _choice("direction", DIRECTIONS) or "forward"
    result = current_walk().next_stop(lon, lat, direction)  # type: ignore[arg-type]
    if result["next"] is not None:
        result["next"] = stop_feature(result["next"])
    return _json(result)
