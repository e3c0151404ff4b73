"""The published walk: the route and its stops placed along it, and seeding.

Joins the store (rows) with the geometry (chainage, nearest) and shapes the result
as GeoJSON. No Flask here: the CLI, the notebooks and the views all use it.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import geo
from .records import (
    TRANSLATED_FIELDS,
    TRANSLATION_COLUMNS,
    RowError,
    localized,
    read_csv,
    read_route_geojson,
)
from .store import Store

#: Fields of an installation shown to the public (no drafts, no curator data).
PUBLIC_FIELDS = (
    "id",
    "slug",
    "title",
    "kind",
    "festival",
    "year",
    "artist",
    "description",
    "address",
    "location_precision",
    "source_url",
    "source_note",
    "photo",
)


class SeedError(Exception):
    """The data files cannot be loaded; ``errors`` says where and why."""

    def __init__(self, errors: list[RowError]):
        super().__init__("; ".join(str(e) for e in errors))
        self.errors = errors


@dataclass
class Walk:
    """The route and the published stops, sorted by chainage (forward)."""

    route: geo.Route
    route_properties: dict[str, Any]
    stops: list[dict[str, Any]]
    version: str
    _nearest: geo.NearestIndex | None = field(default=None, repr=False)

    @property
    def nearest_index(self) -> geo.NearestIndex:
        if self._nearest is None:
            self._nearest = geo.NearestIndex(
                [s["lon"] for s in self.stops], [s["lat"] for s in self.stops]
            )
        return self._nearest

    def filtered(self, kind: str | None = None, festival: str | None = None) -> list[dict]:
        return [
            s
            for s in self.stops
            if (kind is None or s["kind"] == kind)
            and (festival is None or s["festival"] == festival)
        ]

    def nearest(self, lon: float, lat: float, n: int = 1) -> list[dict[str, Any]]:
        """The ``n`` nearest stops with ``distance_m`` (straight line)."""
        return [
            {**self.stops[i], "distance_m": round(d, 1)}
            for i, d in self.nearest_index.query(lon, lat, n)
        ]

    def next_stop(self, lon: float, lat: float, direction: geo.Direction) -> dict[str, Any]:
        """Where the walker is on the route and the next stop ahead (``None`` at the end)."""
        found = geo.next_stop(
            self.route, [s["chainage_m"] for s in self.stops], lon, lat, direction
        )
        here, offset = self.route.locate([lon], [lat])
        result: dict[str, Any] = {
            "walker": {
                "chainage_m": round(float(here[0]), 1),
                "offset_m": round(float(offset[0]), 1),
            },
            "direction": direction,
            "next": None,
        }
        if found is not None:
            result["next"] = {
                **self.stops[found.index],
                "distance_m": round(found.distance_m, 1),
                "minutes": round(found.minutes, 1),
            }
        return result


def place_stops(route: geo.Route, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Rows with ``chainage_m`` and ``offset_m`` added, sorted in forward walk order."""
    if not rows:
        return []
    chainage, offset = route.locate([r["lon"] for r in rows], [r["lat"] for r in rows])
    placed = [
        {**r, "chainage_m": round(float(c), 1), "offset_m": round(float(o), 1)}
        for r, c, o in zip(rows, chainage, offset, strict=True)
    ]
    return [placed[i] for i in geo.walk_order([p["chainage_m"] for p in placed])]


def build_walk(store: Store) -> Walk:
    """Load the current route and published stops from ``store``."""
    version = store.data_version()
    route_row = store.current_route()
    if route_row is None:
        raise LookupError("no route stored: run `mapapp init-db`")
    route = geo.Route.from_coords(route_row["coordinates"])
    stops = place_stops(route, store.installations())
    return Walk(route, route_row["properties"], stops, version)


class WalkCache:
    """Keeps the last :class:`Walk` per database until its data version changes."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._walks: dict[str, Walk] = {}

    def get(self, store: Store, key: str) -> Walk:
        version = store.data_version()
        with self._lock:
            walk = self._walks.get(key)
        if walk is not None and walk.version == version:
            return walk
        walk = build_walk(store)
        with self._lock:
            self._walks[key] = walk
        return walk


# GeoJSON -----------------------------------------------------------------------


def localize_stop(stop: dict[str, Any], lang: str) -> dict[str, Any]:
    """A stop whose title, description and address are in ``lang`` where translated.

    ``text_lang`` tells, per field, which language the text is really in (a
    fallback), so pages can mark it with ``lang`` for screen readers.
    """
    out = dict(stop)
    for column in TRANSLATION_COLUMNS:
        out.pop(column, None)
    out["text_lang"] = {}
    for field_name in TRANSLATED_FIELDS:
        text, text_lang = localized(stop, field_name, lang)
        out[field_name] = text
        out["text_lang"][field_name] = text_lang
    return out


#: Public fields a stop may carry: its place on the route, a distance, its texts.
_OPTIONAL_PUBLIC_FIELDS = (
    "chainage_m",
    "offset_m",
    "distance_m",
    "minutes",
    "text_lang",
    *TRANSLATION_COLUMNS,
)


def stop_feature(stop: dict[str, Any]) -> dict[str, Any]:
    """An RFC 7946 Feature for one published stop."""
    props = {k: stop.get(k) for k in PUBLIC_FIELDS}
    props.update((k, stop[k]) for k in _OPTIONAL_PUBLIC_FIELDS if k in stop)
    return {
        "type": "Feature",
        "id": stop["id"],
        "geometry": {
            "type": "Point",
            "coordinates": [round(stop["lon"], 6), round(stop["lat"], 6)],
        },
        "properties": props,
    }


def stops_collection(stops: list[dict[str, Any]]) -> dict[str, Any]:
    return {"type": "FeatureCollection", "features": [stop_feature(s) for s in stops]}


def route_feature(walk: Walk) -> dict[str, Any]:
    coords = [[round(x, 6), round(y, 6)] for x, y in walk.route.line_lonlat.coords]
    return {
        "type": "Feature",
        "geometry": {"type": "LineString", "coordinates": coords},
        "properties": {**walk.route_properties, "length_m": round(walk.route.length_m, 1)},
    }


def route_credit(props: dict[str, Any]) -> dict[str, str] | None:
    """Whom the route line credits (a line from OpenStreetMap: its contributors, ODbL)."""
    text = str(props.get("attribution") or "").strip()
    if not text:
        return None
    url = str(props.get("attribution_url") or "")
    return {"text": text, "url": url if url.startswith(("https://", "http://")) else ""}


# reference layers ------------------------------------------------------------------

#: Point layers shipped in ``data/geo/`` that help a walker find their way.
REFERENCE_LAYERS = ("crossings", "bike_stations")


def reference_layers(data_dir: Path, lang: str) -> dict[str, dict[str, Any]]:
    """The shipped wayfinding layers as GeoJSON, each name in ``lang`` where known.

    A layer file that is missing or unreadable is left out rather than breaking the map.
    """
    layers = {}
    for name in REFERENCE_LAYERS:
        try:
            doc = json.loads((data_dir / "geo" / f"{name}.geojson").read_text(encoding="utf-8"))
            features = [f for f in doc["features"] if f["geometry"]["type"] == "Point"]
        except (OSError, ValueError, KeyError, TypeError):
            continue
        out = []
        for f in features:
            props = f.get("properties") or {}
            label = props.get(f"name_{lang}") or props.get("name") or ""
            out.append(
                {
                    "type": "Feature",
                    "geometry": f["geometry"],
                    "properties": {
                        "name": label,
                        "location_precision": props.get("location_precision", ""),
                    },
                }
            )
        layers[name] = {"type": "FeatureCollection", "features": out}
    return layers


# seeding ------------------------------------------------------------------------

#: How far from the route a seeded point may lie before it is taken for a typo.
SEED_AREA_M = 5000.0


def load_seed(data_dir: Path) -> tuple[list[list[float]], dict[str, Any], list]:
    """Read and check ``data/``: route coordinates, route properties, records.

    Raises :class:`SeedError` listing every bad row; nothing is returned half-read.
    """
    route_path = data_dir / "geo" / "vesnovka_route.geojson"
    try:
        coords, props = read_route_geojson(route_path.read_text(encoding="utf-8"))
        route = geo.Route.from_coords(coords)
    except (OSError, ValueError) as exc:
        raise SeedError([RowError(1, str(route_path), str(exc))]) from None
    good, errors = read_csv(data_dir / "installations.csv")
    errors = list(errors)
    if good:
        _, offsets = route.locate([r.lon for _, r in good], [r.lat for _, r in good])
        for (row, rec), off in zip(good, offsets, strict=True):
            if off > SEED_AREA_M:
                hint = ""
                _, swapped = route.locate([rec.lat], [rec.lon])
                if swapped[0] <= SEED_AREA_M:
                    hint = " (lat and lon look swapped)"
                errors.append(RowError(row, "lat/lon", f"{off / 1000:.1f} km from the route{hint}"))
        for row, rec in good:
            if rec.id is None:
                errors.append(RowError(row, "id", "required in the seed file"))
    if errors:
        raise SeedError(sorted(errors, key=lambda e: e.row))
    return coords, props, [rec for _, rec in good]


def seed(store: Store, loaded: tuple[list[list[float]], dict[str, Any], list]) -> dict[str, int]:
    """Migrate and fill ``store`` with what :func:`load_seed` read; idempotent.

    Returns how many migrations, routes and installations were added.
    """
    coords, props, records = loaded
    applied = store.migrate()
    route_added = 0
    if store.current_route() is None:
        store.set_route(coords, props)
        route_added = 1
    added = store.insert_missing(records)
    return {"migrations": len(applied), "route": route_added, "installations": added}


def dumps_geojson(doc: dict[str, Any]) -> str:
    return json.dumps(doc, ensure_ascii=False, separators=(",", ":"))
