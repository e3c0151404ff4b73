"""The published walk: the route and its stops placed along it, and seeding.

Joins the store (rows) with the geometry (chainage, nearest) and shapes the result
as GeoJSON. No Flask here: the CLI, the notebooks and the views all use it.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import json
import math
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple

from babel.dates import format_date

from . import contract, geo
from .credits import public_photo
from .inputs import csv_records
from .network import corridor_m, is_on
from .provenance import HOW_WE_KNOW
from .records import (
    LANGUAGES,
    TEXT_STATUS_COLUMNS,
    TRANSLATED_FIELDS,
    TRANSLATION_COLUMNS,
    Installation,
    References,
    Route,
    RowError,
    localized,
    read_csv_text,
    read_records_text,
    read_route_geojson,
    read_text_file,
    route_languages,
    split_keys,
    translation_key,
    translation_keys,
)
from .store import Store

#: Fields of an installation shown to the public (no drafts, no curator data: never
#: ``source_note`` nor the other fields of :data:`mapapp.provenance.CURATOR_ONLY`).
#: ``festival`` is the festival's name as before festivals became records (``PARK
#: FEST``), ``festival_slug`` its key; ``edition`` is the edition's key; ``artists``
#: the artist records (key and name), ``artist`` the credit as written.
PUBLIC_FIELDS = (
    "id",
    "slug",
    "title",
    "kind",
    "festival",
    "festival_slug",
    "festival_name",
    "edition",
    "edition_name",
    "year",
    "start_date",
    "end_date",
    "artist",
    "artists",
    "description",
    "address",
    "location_precision",
    "source_url",
    "how_we_know",
    "surveyed_on",
    "photo",
)
#: Names of a stop's festival and edition in the other languages (until localized).
_NAME_TRANSLATIONS = tuple(
    f"{f}_{lang}" for f in ("festival_name", "edition_name") for lang in LANGUAGES[1:]
)


class SeedError(Exception):
    """The data files cannot be loaded; ``errors`` says where and why."""

    def __init__(self, errors: list[RowError]):
        super().__init__("; ".join(str(e) for e in errors))
        self.errors = errors


@dataclass
class Walk:
    """One route and its published stops, sorted by chainage (forward).

    ``version`` is the store's change counter (for cache keys); ``digest`` names the
    content itself (every stop's id and version, the route, the records they refer
    to), so it differs between two databases at the same counter: URLs that carry it
    can be cached for good. ``references`` holds the festivals, editions and artists
    the stops refer to; ``events`` every event as stored (by start), and each stop's
    ``life`` its dated life (published entries).
    """

    route: geo.Route
    route_properties: dict[str, Any]
    stops: list[dict[str, Any]]
    version: str
    digest: str = ""
    references: References = field(default_factory=References)
    events: list[dict[str, Any]] = field(default_factory=list)
    #: The route's record (its key, names, city, speed, corridor...).
    record: dict[str, Any] = field(default_factory=dict)
    _nearest: geo.NearestIndex | None = field(default=None, repr=False)
    _by_slug: dict[str, int] | None = field(default=None, repr=False)
    _by_id: dict[int, int] | None = field(default=None, repr=False)

    @property
    def slug(self) -> str:
        return str(self.record.get("slug") or "")

    @property
    def speed_kmh(self) -> float:
        return float(self.record.get("walking_speed_kmh") or geo.WALKING_SPEED_KMH)

    @property
    def direction(self) -> geo.Direction:
        return "backward" if self.record.get("direction") == "backward" else "forward"

    @property
    def languages(self) -> tuple[str, ...]:
        """The route's content languages, in its fallback order."""
        return route_languages(self.record)

    @property
    def contract_args(self) -> dict[str, Any]:
        """The route's values the browser contract carries
        (:func:`mapapp.contract.browser_contract`): walking speed, trigger zone, UTM zone."""
        return {
            "walking_speed_kmh": self.speed_kmh,
            "trigger_m": float(self.record.get("trigger_m") or contract.TRIGGER_M),
            "crs": self.route.crs,
        }

    def by_slug(self, slug: str) -> dict[str, Any] | None:
        """The stop with ``slug``, or ``None``."""
        if self._by_slug is None:
            self._by_slug = {s["slug"]: i for i, s in enumerate(self.stops)}
        i = self._by_slug.get(slug)
        return None if i is None else self.stops[i]

    def by_id(self, id: int) -> dict[str, Any] | None:
        """The stop with ``id``, or ``None``."""
        if self._by_id is None:
            self._by_id = {s["id"]: i for i, s in enumerate(self.stops)}
        i = self._by_id.get(id)
        return None if i is None else self.stops[i]

    @property
    def nearest_index(self) -> geo.NearestIndex:
        if self._nearest is None:
            self._nearest = geo.NearestIndex(
                [s["lon"] for s in self.stops], [s["lat"] for s in self.stops], self.route.crs
            )
        return self._nearest

    def filtered(
        self,
        kind: str | None = None,
        festival: str | None = None,
        edition: str | None = None,
        artist: str | None = None,
    ) -> list[dict]:
        """Stops of a kind, a festival (by name or key), an edition or an artist (keys)."""
        return [
            s
            for s in self.stops
            if (kind is None or s["kind"] == kind)
            and (festival is None or festival in (s["festival"], s["festival_slug"]))
            and (edition is None or s["edition"] == edition)
            and (artist is None or any(a["slug"] == artist for a in s["artists"]))
        ]

    def festival_choices(self) -> list[tuple[dict[str, Any], list[dict[str, Any]]]]:
        """The festivals the stops belong to, each with those of its editions they do."""
        refs = self.references
        festivals = {s["festival_slug"] for s in self.stops if s["festival_slug"] in refs.festivals}
        editions = {s["edition"] for s in self.stops if s["edition"]}
        out = []
        for key in sorted(festivals, key=lambda k: refs.festivals[k]["name"].casefold()):
            own = [e for e in refs.editions.values() if e["festival"] == key]
            own = [e for e in own if e["slug"] in editions]
            own.sort(key=lambda e: (e.get("year") or 0, e.get("number") or 0, e["name"]))
            out.append((refs.festivals[key], own))
        return out

    def festival_names(self) -> tuple[str, ...]:
        """Every name and key the festival filter accepts, for its error message."""
        return tuple(x for f, _e in self.festival_choices() for x in (f["name"], f["slug"]) if x)

    def edition_keys(self) -> tuple[str, ...]:
        return tuple(e["slug"] for _f, eds in self.festival_choices() for e in eds)

    def artist_keys(self) -> tuple[str, ...]:
        return tuple(sorted({a["slug"] for s in self.stops for a in s["artists"]}))

    def nearest(self, lon: float, lat: float, n: int = 1) -> list[dict[str, Any]]:
        """The ``n`` nearest stops with ``distance_m`` (straight line)."""
        return [
            {**self.stops[i], "distance_m": round(d, 1)}
            for i, d in self.nearest_index.query(lon, lat, n)
        ]

    def next_stop(self, lon: float, lat: float, direction: geo.Direction) -> dict[str, Any]:
        """Where the walker is on the route and the next stop ahead (``None`` at the end)."""
        found = geo.next_stop(
            self.route,
            [s["chainage_m"] for s in self.stops],
            lon,
            lat,
            direction,
            stop_offset_m=[s["offset_m"] for s in self.stops],
            speed_kmh=self.speed_kmh,
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
                "walk_m": round(found.walk_m, 1),
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


def with_references(rows: list[dict[str, Any]], refs: References) -> list[dict[str, Any]]:
    """Rows with their festival, edition and artists as the public sees them.

    ``festival`` becomes the festival's name (the value the public filters and API
    always had) and ``festival_slug`` its key; the festival's and edition's names come
    in every language (``festival_name``, ``festival_name_ru``...), and ``artists``
    becomes a list of ``{"slug", "name", "name_ru", "name_kk"}`` (and the artist's
    name in further languages where written: ``name_ka``).
    """
    out = []
    for row in rows:
        festival = refs.festivals.get(row.get("festival") or "") or {}
        edition = refs.editions.get(row.get("edition") or "") or {}
        placed = {
            **row,
            "festival_slug": row.get("festival") or "",
            "festival": festival.get("name", row.get("festival") or ""),
            "edition": row.get("edition") or "",
            "artists": [
                _artist_names(refs.artists[key])
                for key in split_keys(row.get("artists"))
                if key in refs.artists
            ],
        }
        for name, source in (("festival_name", festival), ("edition_name", edition)):
            placed[name] = source.get("name", "")
            for lang in LANGUAGES[1:]:
                placed[f"{name}_{lang}"] = source.get(f"name_{lang}", "")
            for key in _further_names(source):
                placed[f"{name}{key.removeprefix('name')}"] = source[key]
        out.append(placed)
    return out


def _further_names(record: dict[str, Any]) -> list[str]:
    """The keys of a record's name in languages beyond the fixed ones (``name_ka``)."""
    return [
        k for k in record if translation_key(k, ("name",)) and k not in _FIXED_NAMES and record[k]
    ]


_FIXED_NAMES = tuple(f"name_{lang}" for lang in LANGUAGES[1:])


def _artist_names(artist: dict[str, Any]) -> dict[str, Any]:
    names = {k: artist.get(k) or "" for k in ("slug", "name", *_FIXED_NAMES)}
    names.update((k, artist[k]) for k in _further_names(artist))
    return names


def with_photos(rows: list[dict[str, Any]], store: Store) -> list[dict[str, Any]]:
    """Rows with their ``photos`` (public fields, cover first), for works that have any."""
    by_work = store.photos_by_work()
    return [
        {**r, "photos": [public_photo(p) for p in by_work[r["id"]]]} if r["id"] in by_work else r
        for r in rows
    ]


def build_walk(store: Store, slug: str | None = None) -> Walk:
    """Load route ``slug`` (the default route when ``None``) and its published stops:
    the works within its corridor, and those placed on it by hand."""
    version = store.data_version()
    record = store.default_route() if slug is None else store.record_by_slug("route", slug)
    if record is None:
        raise LookupError(f"no route {slug!r} stored" if slug else "no route stored")
    route_row = store.current_route(record["id"])
    if route_row is None:
        raise LookupError(f"route {record['slug']!r} has no line: run `mapapp init-db`")
    route = geo.Route.from_coords(route_row["coordinates"])
    refs = store.references()
    life = store.public_life()
    near = store.installations(route=(record["slug"], route.bbox_within(corridor_m(record))))
    published = with_photos(with_references(near, refs), store)
    rows = [{**r, "life": life.get(r["id"], [])} for r in published]
    stops = on_route(place_stops(route, rows), record)
    event_rows = route_events(store.records("event"), stops, route, record)
    digest = content_digest({**route_row, "record": record}, stops, refs, event_rows)
    return Walk(route, route_row["properties"], stops, version, digest, refs, event_rows, record)


def on_route(placed: list[dict[str, Any]], record: dict[str, Any]) -> list[dict[str, Any]]:
    """The placed works that are stops of route ``record``: within its corridor, or
    placed on it by hand (their ``routes`` name its key)."""
    width, slug = corridor_m(record), str(record.get("slug"))
    return [s for s in placed if is_on(s, slug, s["offset_m"], width)]


def route_events(
    events: list[dict[str, Any]],
    stops: list[dict[str, Any]],
    route: geo.Route,
    record: dict[str, Any],
) -> list[dict[str, Any]]:
    """The events of a route: at one of its stops, at a point of their own within its
    corridor, or (with no place at all) of an edition that has works on it."""
    slugs = {s["slug"] for s in stops}
    editions = {s["edition"] for s in stops if s.get("edition")}
    pointed = [e for e in events if not e.get("venue") and _has_point(e)]
    near: set[int] = set()
    if pointed:
        _, offsets = route.locate([e["lon"] for e in pointed], [e["lat"] for e in pointed])
        width = corridor_m(record)
        near = {id(e) for e, off in zip(pointed, offsets, strict=True) if off <= width}
    return [
        e
        for e in events
        if (e.get("venue") and e["venue"] in slugs)
        or id(e) in near
        or (not e.get("venue") and not _has_point(e) and e.get("edition") in editions)
    ]


def _has_point(event: dict[str, Any]) -> bool:
    return event.get("lat") not in (None, "") and event.get("lon") not in (None, "")


def content_digest(
    route_row: dict[str, Any],
    stops: list[dict[str, Any]],
    refs: References | None = None,
    event_rows: list[dict[str, Any]] | None = None,
) -> str:
    """A short hash of what the public sees: the route row, each stop's id and version,
    its dated life and its photos with their credits (adding a photo makes no new
    version), the festivals, editions and artists (their names show on the stops) and
    the events (the stops' cards list theirs)."""
    h = hashlib.blake2b(digest_size=9)
    h.update(f"{route_row.get('id')}|{route_row.get('created_at')}\n".encode())
    for s in stops:
        h.update(f"{s['id']}|{s.get('version')}|{s.get('updated_at')}\n".encode())
        for extra in ("life", "photos"):
            if s.get(extra):
                h.update(json.dumps(s[extra], sort_keys=True, default=str).encode())
    if refs is not None:
        for group in (refs.festivals, refs.editions, refs.artists):
            h.update(json.dumps(group, sort_keys=True, default=str).encode())
    if event_rows:
        h.update(json.dumps(event_rows, sort_keys=True, default=str).encode())
    return h.hexdigest()


#: How many routes' walks a process keeps per database, about.
MAX_CACHED_ROUTES = 64


class WalkCache:
    """Keeps the last :class:`Walk` per database until its data version changes."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._walks: dict[str, Walk] = {}

    def get(
        self,
        store: Store | Callable[[], Store],
        key: str,
        version: str | None = None,
        route: str | None = None,
    ) -> Walk:
        """The walk of route ``route`` (the default route when ``None``) of ``key``'s
        database at ``version`` (read from the store if not given).

        ``store`` may be a function that opens it: it is called only to build a walk.
        """
        if version is None:
            version = (store() if callable(store) else store).data_version()
        cache_key = f"{key}\x00{route or ''}"
        with self._lock:
            walk = self._walks.get(cache_key)
        if walk is not None and walk.version == version:
            return walk
        walk = build_walk(store() if callable(store) else store, route)
        with self._lock:
            if len(self._walks) > 4 * MAX_CACHED_ROUTES:
                self._walks.clear()
            self._walks[cache_key] = walk
        return walk


# GeoJSON -----------------------------------------------------------------------


def _date_text(value: str, lang: str) -> str:
    parts = [int(p) for p in value.split("-")]
    if len(parts) == 1:
        return str(parts[0])
    day = dt.date(parts[0], parts[1], parts[2] if len(parts) == 3 else 1)
    return format_date(day, "d MMMM y" if len(parts) == 3 else "LLLL y", locale=lang)


def period_text(start: str, end: str, lang: str) -> str:
    """A period in words for readers of ``lang`` (``24 August 2018 – 12 September
    2018``, ``October 2022``); either end may be missing."""
    shown = [_date_text(d, lang) for d in (start, end) if d]
    if len(shown) == 2 and shown[0] == shown[1]:
        shown = shown[:1]
    return " – ".join(shown)


def localize_stop(stop: dict[str, Any], lang: str, order: tuple[str, ...] = ()) -> dict[str, Any]:
    """A stop whose texts, festival, edition and artists are in ``lang`` where translated.

    ``order`` is the route's own order of content languages to fall back on
    (:func:`mapapp.records.fallback_order`); without one, the interface languages.

    ``text_lang`` tells, per field, which language the text is really in (a
    fallback), so pages can mark it with ``lang`` for screen readers; ``text_status``
    says whether the description (or the title, without one) in that language is the
    original, the project's translation or a reviewed one. ``dates`` is the period
    in words.
    """
    out = dict(stop)
    for column in (*TRANSLATION_COLUMNS, *_NAME_TRANSLATIONS, *TEXT_STATUS_COLUMNS):
        out.pop(column, None)
    for column in (*HOW_WE_KNOW[1:], *translation_keys(stop, "work")):
        out.pop(column, None)
    for name in ("festival_name", "edition_name"):  # their texts in further languages
        for column in [k for k in out if translation_key(k, (name,))]:
            out.pop(column)
    out["how_we_know"] = localized(stop, "how_we_know", lang, order)[0]
    if stop.get("photos"):
        out["photos"] = [
            {
                **{k: v for k, v in p.items() if k not in ("caption_ru", "caption_kk")},
                "caption": localized(p, "caption", lang, order)[0],
            }
            for p in stop["photos"]
        ]
    out["text_lang"] = {}
    for field_name in TRANSLATED_FIELDS:
        text, text_lang = localized(stop, field_name, lang, order)
        out[field_name] = text
        out["text_lang"][field_name] = text_lang
    main = out["text_lang"]["description" if out["description"] else "title"]
    out["text_status"] = stop.get(f"text_status_{main}") or ""
    for name in ("festival_name", "edition_name"):
        out[name] = localized(stop, name, lang, order)[0]
    artists = [
        {"slug": a["slug"], "name": localized(a, "name", lang, order)[0]}
        for a in stop.get("artists", [])
    ]
    out["artists"] = artists
    if not stop.get("artist") and artists:
        out["artist"] = ", ".join(a["name"] for a in artists)
    out["dates"] = period_text(stop.get("start_date") or "", stop.get("end_date") or "", lang)
    return out


#: Public fields a stop may carry: its place on the route, a distance, its texts.
_OPTIONAL_PUBLIC_FIELDS = (
    "chainage_m",
    "offset_m",
    "distance_m",
    "walk_m",
    "minutes",
    "text_lang",
    "text_status",
    "dates",
    "photos",
    *HOW_WE_KNOW[1:],
    *TRANSLATION_COLUMNS,
    *_NAME_TRANSLATIONS,
    *TEXT_STATUS_COLUMNS,
)


def stop_feature(stop: dict[str, Any]) -> dict[str, Any]:
    """An RFC 7946 Feature for one published stop."""
    props = {k: stop.get(k) for k in PUBLIC_FIELDS}
    props.update((k, stop[k]) for k in _OPTIONAL_PUBLIC_FIELDS if k in stop)
    props.update((k, stop[k]) for k in translation_keys(stop, "work") if k not in props)
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


def walk_layers(walk: Walk, data_dir: Path, lang: str) -> dict[str, dict[str, Any]]:
    """The reference layers' points within ``walk``'s corridor box (the line's bounds
    widened by its ``corridor_m``): Almaty's crossings on an Almaty route, none
    elsewhere. Layers left empty are dropped."""
    corridor = float(walk.record.get("corridor_m") or 0) if walk.record else 0.0
    west, south, east, north = walk.route.bbox_within(max(corridor, 1.0))
    out = {}
    for name, layer in reference_layers(data_dir, lang).items():
        features = [
            f
            for f in layer["features"]
            if west <= f["geometry"]["coordinates"][0] <= east
            and south <= f["geometry"]["coordinates"][1] <= north
        ]
        if features:
            out[name] = {**layer, "features": features}
    return out


# seeding ------------------------------------------------------------------------

#: How far from the route a seeded point may lie before it is taken for a typo.
SEED_AREA_M = 5000.0


#: The seed files of festivals, editions and artists, read in this order (an
#: edition refers to a festival). Each is optional; a missing one holds no records.
RECORD_FILES = (
    ("festival", "festivals.csv"),
    ("edition", "editions.csv"),
    ("artist", "artists.csv"),
)


#: The seed file of routes: a route record per row, and its line's GeoJSON file.
ROUTES_FILE = "routes.csv"


class SeedRoute(NamedTuple):
    """A route of the seed: its record, and its line's positions and properties."""

    record: Route
    coordinates: list[list[float]]
    properties: dict[str, Any]


class Seed(NamedTuple):
    """What ``data/`` holds, read and checked: the routes, the records, the works."""

    routes: list[SeedRoute]
    installations: list[Installation]
    records: dict[str, list[Any]]

    @property
    def route_coordinates(self) -> list[list[float]]:
        """The first route's line (the route the old URLs mean)."""
        return self.routes[0].coordinates

    @property
    def route_properties(self) -> dict[str, Any]:
        return self.routes[0].properties


def load_seed(data_dir: Path) -> Seed:
    """Read and check ``data/``: the route, festivals, editions, artists, works, events.

    Every work's festival, edition and artists must be in the seed files, and every
    work near a route. Raises :class:`SeedError` listing every bad row of every file
    (with the file's name); nothing is returned half-read.
    """
    routes, errors = _seed_routes(data_dir)
    if not routes:
        raise SeedError(errors or [RowError(1, ROUTES_FILE, "no route")])
    records: dict[str, list[Any]] = {}
    for kind, name in RECORD_FILES:
        path = data_dir / name
        good: list = []
        if path.exists():
            text, file_errors = read_text_file(path)
            refs = _seed_references(records)
            if not file_errors:
                good, file_errors = read_records_text(kind, text, refs)
            errors.extend(_in_file(e, name) for e in file_errors)
        records[kind] = [rec for _, rec in good]
    text, file_errors = read_text_file(data_dir / "installations.csv")
    works: list[tuple[int, Installation]] = []
    if not file_errors:
        works, file_errors = read_csv_text(text, _seed_references(records))
    work_errors = list(file_errors)
    lines = [geo.Route.from_coords(r.coordinates) for r in routes]
    if works:
        offsets = _nearest_offsets(lines, [r.lon for _, r in works], [r.lat for _, r in works])
        for (row, rec), off in zip(works, offsets, strict=True):
            if off > SEED_AREA_M:
                hint = ""
                if _nearest_offsets(lines, [rec.lat], [rec.lon])[0] <= SEED_AREA_M:
                    hint = " (lat and lon look swapped)"
                work_errors.append(
                    RowError(row, "lat/lon", f"{off / 1000:.1f} km from the route{hint}")
                )
        for row, rec in works:
            if rec.id is None:
                work_errors.append(RowError(row, "id", "required in the seed file"))
    errors.extend(_in_file(e, "installations.csv") for e in work_errors)
    records["event"], event_errors = _seed_events(data_dir, records, [r for _, r in works])
    errors.extend(event_errors)
    if errors:
        raise SeedError(
            sorted(errors, key=lambda e: (e.file != "installations.csv", e.file, e.row))
        )
    return Seed(routes, [rec for _, rec in works], records)


def _nearest_offsets(lines: list[geo.Route], lons: list[float], lats: list[float]) -> list[float]:
    """Each point's distance from the nearest of ``lines`` (metres)."""
    best = [math.inf] * len(lons)
    for line in lines:
        _, offsets = line.locate(lons, lats)
        best = [min(b, float(o)) for b, o in zip(best, offsets, strict=True)]
    return best


def _seed_routes(data_dir: Path) -> tuple[list[SeedRoute], list[RowError]]:
    """The seed's routes: each row of ``routes.csv`` and the line file it names."""
    text, errors = read_text_file(data_dir / ROUTES_FILE)
    if errors:
        return [], [_in_file(e, ROUTES_FILE) for e in errors]
    good, errors = read_records_text("route", text)
    reader = csv.DictReader(io.StringIO(text, newline=""))
    files = {row: (raw or {}).get("geometry") or "" for row, raw in csv_records(reader)}
    routes = []
    for row, rec in good:
        assert isinstance(rec, Route)
        name = files.get(row, "")
        path = data_dir / name
        try:
            if not name or path.resolve().parent != (data_dir / "geo").resolve():
                raise ValueError(f"name a GeoJSON file in geo/, not {name!r}")
            coords, props = read_route_geojson(path.read_text(encoding="utf-8"))
            geo.Route.from_coords(coords)
        except (OSError, ValueError) as exc:
            errors.append(RowError(row, "geometry", str(exc)))
            continue
        routes.append(SeedRoute(rec, coords, props))
    return routes, [_in_file(e, ROUTES_FILE) for e in errors]


#: The seed file of events, read after the works (an event's venue is a work).
EVENTS_FILE = "events.csv"


def _seed_events(
    data_dir: Path, records: dict[str, list[Any]], works: list[Installation]
) -> tuple[list[Any], list[RowError]]:
    """The seed's events, each venue a published work of the seed (optional file)."""
    path = data_dir / EVENTS_FILE
    if not path.exists():
        return [], []
    text, errors = read_text_file(path)
    good: list = []
    if not errors:
        good, errors = read_records_text("event", text, _seed_references(records))
    published = {w.slug for w in works if w.status == "published"}
    for row, rec in good:
        if rec.venue and rec.venue not in published:
            errors.append(RowError(row, "venue", f"{rec.venue!r} is not a published work"))
    return [rec for _, rec in good], [_in_file(e, EVENTS_FILE) for e in errors]


def _in_file(error: RowError, name: str) -> RowError:
    return RowError(error.row, error.field, error.reason, error.code, error.params, name)


def _seed_references(records: dict[str, list[Any]]) -> References:
    return References.from_rows(
        *(
            [r.model_dump() for r in records.get(kind, [])]
            for kind in ("festival", "edition", "artist")
        )
    )


def seed(store: Store, loaded: Seed) -> dict[str, int]:
    """Migrate and fill ``store`` with what :func:`load_seed` read; idempotent.

    Returns how many migrations, routes, festivals, editions, artists,
    installations and events were added. Stored rows are never changed.
    """
    with store.write():  # one transaction: two first starts at once seed once
        applied = store.migrate()
        counts = {"migrations": len(applied)}
        counts["route_records"] = store.insert_missing_records(
            "route", [r.record for r in loaded.routes]
        )
        route_added = 0
        for seeded in loaded.routes:
            record = store.record_by_slug("route", seeded.record.slug)
            assert record is not None
            if store.current_route(record["id"]) is None:
                store.set_route(seeded.coordinates, seeded.properties, None, record["id"])
                route_added += 1
        counts["route"] = route_added
        for kind, _name in RECORD_FILES:
            counts[f"{kind}s"] = store.insert_missing_records(kind, loaded.records.get(kind, []))
        counts["installations"] = store.insert_missing(loaded.installations)
        counts["events"] = store.insert_missing_records("event", loaded.records.get("event", []))
    return counts


def dumps_geojson(doc: dict[str, Any]) -> str:
    return json.dumps(doc, ensure_ascii=False, separators=(",", ":"))


# routes -----------------------------------------------------------------------------

#: What a route's record says in public (not who changed it, nor when).
ROUTE_PUBLIC_FIELDS = (
    "slug",
    "status",
    "country",
    "languages",
    "walking_speed_kmh",
    "direction",
    "trigger_m",
    "corridor_m",
    "link",
    "source_url",
    "source_note",
)
#: What a route's line says of itself in public.
LINE_PUBLIC_FIELDS = (
    "geometry_precision",
    "precision_note",
    "source",
    "source_urls",
    "licence",
    "attribution",
    "attribution_url",
)


@dataclass(frozen=True)
class RouteOutline:
    """What the list of routes says of a route: its record, its line (with the line's
    properties) and how many published works it has, by kind. Cheaper than its
    :class:`Walk`: no texts, photos or dates of the works are read."""

    record: dict[str, Any]
    route: geo.Route
    properties: dict[str, Any]
    kinds: dict[str, int]

    @classmethod
    def of_walk(cls, walk: Walk) -> RouteOutline:
        kinds: dict[str, int] = {}
        for s in walk.stops:
            kinds[s["kind"]] = kinds.get(s["kind"], 0) + 1
        return cls(walk.record, walk.route, walk.route_properties, kinds)


def build_outline(store: Store, record: dict[str, Any]) -> RouteOutline:
    """Route ``record``'s outline: its current line and its published works by kind
    (those within its corridor or placed on it by hand, as :func:`build_walk` finds
    them, from their kind and position only). Raises ``LookupError`` with no line."""
    line = store.current_route(record["id"])
    if line is None:
        raise LookupError(f"route {record['slug']!r} has no line yet")
    route = geo.Route.from_coords(line["coordinates"])
    points = store.work_points((record["slug"], route.bbox_within(corridor_m(record))))
    kinds: dict[str, int] = {}
    if points:
        _, offsets = route.locate([p["lon"] for p in points], [p["lat"] for p in points])
        placed = [{**p, "offset_m": float(o)} for p, o in zip(points, offsets, strict=True)]
        for p in on_route(placed, record):
            kinds[p["kind"]] = kinds.get(p["kind"], 0) + 1
    return RouteOutline(record, route, line["properties"], kinds)


def route_summary(outline: RouteOutline, lang: str) -> dict[str, Any]:
    """A route as the list of routes gives it: its record's public fields, its texts in
    ``lang`` (with fallbacks) and in every language, its line's size and provenance,
    and how many works it has by kind."""
    record, route, props = outline.record, outline.route, outline.properties
    out: dict[str, Any] = {k: record.get(k) for k in ROUTE_PUBLIC_FIELDS}
    out["languages"] = list(route_languages(record))
    for name in ("name", "description", "city"):
        out[name], out[f"{name}_lang"] = localized(record, name, lang)
        out[f"{name}s"] = {
            code: record.get(name if code == LANGUAGES[0] else f"{name}_{code}") or ""
            for code in LANGUAGES
        }
    west, south, east, north = route.line_lonlat.bounds
    out.update(
        length_m=round(route.length_m, 1),
        bbox=[round(v, 6) for v in (west, south, east, north)],
        start=[round(v, 6) for v in route.line_lonlat.coords[0]],
        works=sum(outline.kinds.values()),
        kinds=dict(outline.kinds),
        line={k: props[k] for k in LINE_PUBLIC_FIELDS if k in props},
    )
    return out
