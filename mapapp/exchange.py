"""Files in and out: planning imports (CSV, GeoJSON, OpenStreetMap, GIS files), exports
(CSV, GeoJSON, GPX, GeoPackage) and reading an uploaded route.

Nothing here writes: :func:`plan_import` says row by row what an upload would do,
:func:`plan_osm_pull` what an OpenStreetMap pull would do to the route and the
works, and :mod:`mapapp.editing` applies a plan with no errors, all or nothing.
The rules for one installation are :mod:`mapapp.editing`'s; OpenStreetMap data is
read by :mod:`mapapp.osm`, GIS files by :mod:`mapapp.gis`.
"""

from __future__ import annotations

import csv
import io
import json
import math
import re
import xml.etree.ElementTree as ET
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import gpxpy
import gpxpy.gpx
import numpy as np
from slugify import slugify

from . import geo, gis, osm
from .editing import area_error
from .inputs import InputError, csv_records, load_json
from .numbers import NumberError, parse_float
from .records import (
    COLUMNS,
    REQUIRED_COLUMNS,
    Installation,
    References,
    RowError,
    check_unique,
    field_too_long,
    from_spreadsheet,
    looks_like_text,
    route_geojson_positions,
    row_error,
    translation_keys,
    validate_row,
    write_csv,
    write_records_csv,
)

#: OpenStreetMap ``artwork_type`` values and the kind we file them under.
OSM_ARTWORK_KINDS = osm.ARTWORK_KINDS
OSM_NOTE = osm.NOTE
MAX_ROUTE_POINTS = 50_000
#: Fields compared when an import changes a work: the CSV's, and the OSM id when given.
COMPARED = (*COLUMNS, "osm_ref")
#: An OSM work with the slug of one of ours this close, and no OSM id, is that work.
OSM_MATCH_RADIUS_M = 250.0
#: Extensions the import page and ``mapapp import`` take.
IMPORT_TYPES = (
    ".csv",
    ".geojson",
    ".json",
    ".osm",
    ".pbf",
    ".gpkg",
    ".zip",
    ".kml",
    ".kmz",
)
#: Extensions the route page and ``mapapp import-route`` take.
ROUTE_TYPES = (".geojson", ".json", ".gpx", ".osm", ".pbf", ".gpkg", ".zip", ".kml", ".kmz")


# imports ---------------------------------------------------------------------------


@dataclass
class RowReport:
    row: int
    action: str  # add, change, unchanged, reject
    slug: str = ""
    title: str = ""
    id: int | None = None
    changed: list[str] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    ref: str = ""  # the OpenStreetMap id, for rows from OSM


@dataclass
class ImportPlan:
    """What an import would do, row by row; applied only when it has no errors.

    ``left_out`` counts OpenStreetMap works farther from the route than the
    corridor: an OSM file covers more than the walk, so they are not rejections.
    """

    rows: list[RowReport]
    creates: list[dict[str, Any]]
    updates: list[tuple[int, dict[str, Any]]]
    errors: list[RowError]
    left_out: int = 0

    @property
    def ok(self) -> bool:
        return not self.errors

    def count(self, action: str) -> int:
        return sum(1 for r in self.rows if r.action == action)

    def summary(self) -> dict[str, int]:
        return {a: self.count(a) for a in ("add", "change", "unchanged", "reject")}


def parse_upload(content: bytes, filename: str) -> tuple[list[tuple[int, dict]], list[RowError]]:
    """Raw rows from an uploaded file, numbered as the user sees them.

    CSV and GeoJSON are ours (or an OpenStreetMap GeoJSON export); Overpass JSON,
    ``.osm`` and ``.osm.pbf`` go to :mod:`mapapp.osm`; zipped Shapefiles,
    GeoPackages, KML, KMZ and GeoJSON in another CRS to :mod:`mapapp.gis`. The
    file is parsed once; the rows are checked by :func:`plan_import`.
    """
    if not content.strip():
        return [], [row_error(1, "file", "file_empty", "the file is empty")]
    if osm.is_osm_file(content, filename):
        return _osm_file_rows(content, filename)
    if gis.is_gis_file(content, filename):
        return gis.read_work_rows(content, filename)
    try:
        text = content.decode("utf-8")
    except UnicodeDecodeError as exc:
        reason = f"not UTF-8 text ({exc.reason} at byte {exc.start})"
        return [], [row_error(1, "file", "not_utf8", reason, byte=exc.start)]
    text = text.removeprefix("\ufeff")
    looks_json = filename.lower().endswith((".geojson", ".json")) or text.lstrip().startswith("{")
    if looks_json:
        return geojson_rows(text)
    return csv_rows(text)


def _osm_file_rows(content: bytes, filename: str) -> tuple[list[tuple[int, dict]], list[RowError]]:
    try:
        data = osm.parse(content, filename)
    except osm.OsmError as exc:
        return [], [exc.row_error()]
    return osm.work_rows(data)


def csv_rows(text: str) -> tuple[list[tuple[int, dict]], list[RowError]]:
    """Raw rows of installation CSV (comma or semicolon separated), by line number."""
    first = text.splitlines()[0] if text else ""
    delimiter = ";" if first.count(";") > first.count(",") else ","
    reader = csv.DictReader(io.StringIO(text, newline=""), delimiter=delimiter)
    reader.fieldnames = [h.strip() for h in (reader.fieldnames or [])]
    missing = [c for c in REQUIRED_COLUMNS if c not in reader.fieldnames]
    if missing:
        columns = ", ".join(missing)
        reason = f"missing column(s): {columns}"
        return [], [row_error(1, "header", "missing_columns", reason, columns=columns)]
    rows: list[tuple[int, dict]] = []
    errors: list[RowError] = []
    for line, raw in csv_records(reader):
        if raw is None:
            errors.append(field_too_long(line))
            continue
        if None in raw:
            reason = "more values than columns"
            errors.append(row_error(line, "row", "extra_values", reason))
            continue
        if all(not (v or "").strip() for v in raw.values()):
            continue
        rows.append((line, from_spreadsheet(raw)))
    return rows, errors


def geojson_rows(text: str) -> tuple[list[tuple[int, dict]], list[RowError]]:
    """Rows from a GeoJSON FeatureCollection of points (ours or an OSM export).

    Row numbers count features from 1. OpenStreetMap's ``tourism=artwork`` tags
    map to our fields (:func:`mapapp.osm.work_fields`). An Overpass JSON answer is
    read by :mod:`mapapp.osm`, a GeoJSON naming another CRS by :mod:`mapapp.gis`.
    """
    try:
        doc = load_json(text)
    except InputError as exc:
        return [], [row_error(1, "file", exc.code, str(exc), **exc.params)]
    if osm.is_overpass_json(doc):
        try:
            return osm.work_rows(osm.from_overpass_json(doc))
        except osm.OsmError as exc:
            return [], [exc.row_error()]
    if gis.has_foreign_crs(doc):
        return gis.read_work_rows(text.encode("utf-8"), "upload.geojson")
    if not isinstance(doc, dict) or doc.get("type") != "FeatureCollection":
        reason = "expected a GeoJSON FeatureCollection"
        return [], [row_error(1, "file", "not_feature_collection", reason)]
    features = doc.get("features")
    if not isinstance(features, list) or not features:
        return [], [row_error(1, "file", "no_features", "the FeatureCollection has no features")]
    rows: list[tuple[int, dict]] = []
    errors: list[RowError] = []
    for n, feature in enumerate(features, start=1):
        geom = feature.get("geometry") if isinstance(feature, dict) else None
        if not isinstance(geom, dict) or geom.get("type") != "Point":
            reason = "only Point features can be imported"
            errors.append(row_error(n, "geometry", "not_point", reason))
            continue
        coords = geom.get("coordinates")
        if not (
            isinstance(coords, list)
            and len(coords) >= 2
            and all(isinstance(c, int | float) and math.isfinite(c) for c in coords[:2])
        ):
            reason = "coordinates must be [lon, lat] numbers"
            errors.append(row_error(n, "geometry", "bad_coordinates", reason))
            continue
        props = feature.get("properties")
        props = props if isinstance(props, dict) else {}
        if _is_osm(props):
            row = _osm_feature_fields(props, feature, coords[0], coords[1])
        else:
            row = dict(props)
        row["lon"], row["lat"] = coords[0], coords[1]
        rows.append((n, row))
    return rows, errors


def _is_osm(props: dict[str, Any]) -> bool:
    return "title" not in props and ("tourism" in props or "name" in props)


def _osm_feature_fields(
    props: dict[str, Any], feature: dict[str, Any], lon: float, lat: float
) -> dict[str, Any]:
    """An OSM-tagged feature: ``node/1`` ids are OSM's, numbers ours (our OSM export)."""
    fid = feature.get("id") or props.get("@id") or props.get("id")
    ref = fid if isinstance(fid, str) and osm.REF_RE.match(fid) else ""
    our_id = fid if isinstance(fid, int) and not isinstance(fid, bool) and fid > 0 else None
    return osm.work_fields(props, ref, lon, lat, our_id=our_id)


def plan_import(
    content: bytes,
    filename: str,
    existing: list[dict[str, Any]],
    route: geo.Route,
    max_offset_m: float,
    refs: References | None = None,
) -> ImportPlan:
    """Check an upload against the stored rows: what would be added, changed, rejected.

    See :func:`plan_rows`; the file is read by :func:`parse_upload`.
    """
    raw_rows, file_errors = parse_upload(content, filename)
    return plan_rows(raw_rows, file_errors, existing, route, max_offset_m, refs=refs)


def plan_rows(
    raw_rows: list[tuple[int, dict[str, Any]]],
    file_errors: list[RowError],
    existing: list[dict[str, Any]],
    route: geo.Route,
    max_offset_m: float,
    *,
    osm_corridor_m: float | None = None,
    empty_ok: bool = False,
    refs: References | None = None,
) -> ImportPlan:
    """Check raw rows against the stored rows: what would be added, changed, rejected.

    A row with a known ``id`` (or, without an id, a known ``slug``) changes that
    installation; any other row adds one. Rows whose values equal the stored ones
    are unchanged. New rows without a status arrive as drafts. With ``refs`` (the
    stored festivals, editions and artists), a row naming one that does not exist
    is rejected; a festival may be given by its key or its name.
    are unchanged. New rows without a status arrive as drafts.

    Rows from OpenStreetMap find their work by OSM id, then by our id, then by
    slug (within :data:`OSM_MATCH_RADIUS_M`, for a work with no OSM id yet), and
    change only what OSM states (:func:`mapapp.osm.merge_update`), crediting
    OpenStreetMap in the source note. A new OSM work farther than
    ``osm_corridor_m`` (default ``max_offset_m``) from the route is left out, and
    one whose slug is taken gets its OSM id appended to it.
    """
    if file_errors and not raw_rows:
        return ImportPlan(
            [RowReport(e.row, "reject", errors=[e]) for e in file_errors], [], [], file_errors
        )
    by_id = {r["id"]: r for r in existing}
    by_slug = {r["slug"]: r for r in existing}
    by_osm = {r["osm_ref"]: r for r in existing if r.get("osm_ref")}
    corridor = max_offset_m if osm_corridor_m is None else osm_corridor_m
    # rows the reader refused (too many values, a field too long) are rejected rows too
    reports = [RowReport(e.row, "reject", errors=[e]) for e in file_errors]
    checked: list[tuple[int, Installation]] = []
    creates: list[dict[str, Any]] = []
    updates: list[tuple[int, dict[str, Any]]] = []
    errors = list(file_errors)
    osm_slugs: set[str] = set()
    left_out = 0
    for row, raw in raw_rows:
        raw = {k: v for k, v in raw.items() if k is not None}
        update = raw.pop(osm.UPDATE_KEY, None)
        matched = None
        if update is not None:
            matched = _osm_target(raw, by_osm, by_id, by_slug)
            if matched is None and _farther_than(route, raw, corridor):
                left_out += 1
                continue
            if matched is None:
                raw["slug"] = _free_slug(str(raw.get("slug") or ""), raw, by_slug, osm_slugs)
            else:
                current = {k: matched.get(k) for k in COMPARED}
                raw = osm.merge_update(current, update)
        if not raw.get("slug") and raw.get("title"):
            raw["slug"] = slugify(str(raw["title"]), max_length=80)
        if not raw.get("status"):
            raw["status"] = "draft"
        rec, row_errors = validate_row(raw, row, refs)
        report = RowReport(
            row,
            "reject",
            str(raw.get("slug") or ""),
            str(raw.get("title") or ""),
            ref=str(raw.get("osm_ref") or ""),
        )
        reports.append(report)
        if rec is None:
            report.errors = row_errors
            errors.extend(row_errors)
            continue
        if matched is not None:
            target: dict[str, Any] | None = matched
        else:
            target = by_id.get(rec.id) if rec.id is not None else by_slug.get(rec.slug)
        fields = rec.model_dump()
        if target is not None:
            fields["id"] = target["id"]
        row_errors = []
        if target is None or (rec.lat, rec.lon) != (target["lat"], target["lon"]):
            too_far = area_error(route, rec.lon, rec.lat, max_offset_m, row=row, field="lat/lon")
            if too_far:
                row_errors.append(too_far)
        owner = by_slug.get(rec.slug)
        if owner is not None and (target is None or owner["id"] != target["id"]):
            row_errors.append(
                row_error(
                    row,
                    "slug",
                    "slug_taken",
                    f"{rec.slug!r} is used by installation {owner['id']}",
                    slug=rec.slug,
                    owner=owner["id"],
                )
            )
        osm_owner = by_osm.get(rec.osm_ref) if rec.osm_ref else None
        if osm_owner is not None and (target is None or osm_owner["id"] != target["id"]):
            row_errors.append(
                row_error(
                    row,
                    "osm_ref",
                    "osm_ref_taken",
                    f"{rec.osm_ref} belongs to installation {osm_owner['id']}",
                    ref=rec.osm_ref,
                    owner=osm_owner["id"],
                )
            )
        if row_errors:
            report.errors = row_errors
            errors.extend(row_errors)
            continue
        checked.append((row, rec))
        report.id = fields.get("id")
        if target is None:
            report.action = "add"
            creates.append(fields)
            continue
        compared = [k for k in COMPARED if k != "id" and (k in COLUMNS or k in raw)]
        compared += [k for k in fields if k not in COMPARED and looks_like_text(k, "work")]
        changed = [k for k in compared if _differs(target, fields, k)]
        if update is not None and set(changed) - {"osm_ref"}:
            fields["source_note"] = osm.with_attribution(fields["source_note"])
            fields.update(osm.with_public_attribution(fields))
            if any(target.get(k) != fields.get(k) for k in ("source_note", *osm.PUBLIC_NOTES)):
                changed = [k for k in compared if _differs(target, fields, k)]
        report.changed = changed
        report.action = "change" if changed else "unchanged"
        if changed:
            updates.append((target["id"], {k: fields[k] for k in changed}))
    dupes = check_unique(checked)
    for err in dupes:
        for report in reports:
            if report.row == err.row:
                report.action = "reject"
                report.errors.append(err)
    errors.extend(dupes)
    if not raw_rows and not errors and not empty_ok:
        errors.append(row_error(1, "file", "no_rows", "no rows to import"))
    reports.sort(key=lambda r: r.row)
    plan = ImportPlan(reports, creates, updates, sorted(errors, key=lambda e: e.row), left_out)
    if not empty_ok and not reports and left_out and not errors:
        plan.errors.append(row_error(1, "file", "osm_all_left_out", "no work lies near the route"))
    return plan


def _differs(stored: dict[str, Any], fields: dict[str, Any], key: str) -> bool:
    """Whether an imported field changes the stored work (a text in a further language
    not stored and one imported empty are the same)."""
    if key not in COMPARED:
        return (stored.get(key) or "") != (fields.get(key) or "")
    return bool(stored.get(key) != fields.get(key))


def _osm_target(
    raw: dict[str, Any],
    by_osm: dict[str, dict[str, Any]],
    by_id: dict[int, dict[str, Any]],
    by_slug: dict[str, dict[str, Any]],
) -> dict[str, Any] | None:
    """The stored work an OSM row is about, if any."""
    ref = raw.get("osm_ref")
    if ref and ref in by_osm:
        return by_osm[ref]
    if isinstance(raw.get("id"), int) and raw["id"] in by_id:
        return by_id[raw["id"]]
    same = by_slug.get(str(raw.get("slug") or ""))
    if same is not None and not same.get("osm_ref"):
        try:
            apart = geo.distance_m(same["lon"], same["lat"], float(raw["lon"]), float(raw["lat"]))
        except (KeyError, TypeError, ValueError):
            return None
        if apart <= OSM_MATCH_RADIUS_M:
            return same
    return None


def _farther_than(route: geo.Route, raw: dict[str, Any], metres: float) -> bool:
    try:
        _, offset = route.locate([float(raw["lon"])], [float(raw["lat"])])
    except (KeyError, TypeError, ValueError):
        return False  # validation reports it
    return bool(offset[0] > metres)


def _free_slug(slug: str, raw: dict[str, Any], taken: dict[str, Any], used: set[str]) -> str:
    """``slug``, or ``slug-node-123`` when a stored work or an earlier OSM row has it."""
    ref = str(raw.get("osm_ref") or "")
    if slug and (slug in taken or slug in used) and ref:
        suffix = ref.replace("/", "-")
        slug = f"{slug[: 79 - len(suffix)].rstrip('-')}-{suffix}"
    used.add(slug)
    return slug


# exports ---------------------------------------------------------------------------


def export_csv(rows: Iterable[dict[str, Any]], *, raw: bool = False) -> str:
    """Rows as CSV in the columns of ``data/installations.csv``.

    Curators open exports in spreadsheet programs, so a text cell that would run
    as a formula (``=``, ``+``, ``-``, ``@``, tab, CR first) gets a leading ``'``
    unless ``raw``; importing the file takes it off again.
    """
    return write_csv(rows, raw=raw)


def export_records_csv(kind: str, rows: Iterable[dict[str, Any]], *, raw: bool = False) -> str:
    """Festivals, editions or artists as CSV in the columns of their seed file,
    spreadsheet-safe unless ``raw`` (as :func:`export_csv`)."""
    return write_records_csv(kind, rows, raw=raw)


def export_geojson(rows: Iterable[dict[str, Any]]) -> str:
    """Rows as an RFC 7946 FeatureCollection of points carrying every column."""
    features = []
    for r in rows:
        props = {k: r.get(k) for k in COMPARED if k not in ("lat", "lon")}
        props.update((k, r[k]) for k in translation_keys(r, "work") if k not in props)
        features.append(
            {
                "type": "Feature",
                "id": r.get("id"),
                "geometry": {
                    "type": "Point",
                    "coordinates": [round(r["lon"], 7), round(r["lat"], 7)],
                },
                "properties": props,
            }
        )
    doc = {"type": "FeatureCollection", "features": features}
    return json.dumps(doc, ensure_ascii=False, indent=1)


#: Characters XML 1.0 forbids or that are control characters: C0 but tab, LF and CR,
#: DEL and C1, lone surrogates, U+FFFE and U+FFFF.
_NOT_XML_TEXT = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")


def xml_text(text: Any) -> str:
    """``text`` as a string fit for an XML document: control characters taken out."""
    return _NOT_XML_TEXT.sub("", "" if text is None else str(text))


def export_gpkg(rows: list[dict[str, Any]]) -> bytes:
    """Rows as a GeoPackage point layer carrying every column (:mod:`mapapp.gis`)."""
    return gis.works_gpkg(rows)


def export_osm_geojson(rows: Iterable[dict[str, Any]]) -> str:
    """Our artworks as OSM-tagged GeoJSON for contributors (:func:`mapapp.osm.export_geojson`)."""
    return json.dumps(osm.export_geojson(rows), ensure_ascii=False, indent=1)


def export_gpx(route: geo.Route, stops: list[dict[str, Any]], name: str) -> str:
    """The route as a track and the stops, in walking order, as waypoints and a route.

    Every text passes through :func:`xml_text`, so the file is well-formed XML
    whatever a work's texts hold.
    """
    doc = gpxpy.gpx.GPX()
    name = xml_text(name)
    doc.name = name
    doc.creator = "Cultural Terrenkur"
    track = gpxpy.gpx.GPXTrack(name=name)
    segment = gpxpy.gpx.GPXTrackSegment()
    for lon, lat in route.line_lonlat.coords:
        segment.points.append(gpxpy.gpx.GPXTrackPoint(lat, lon))
    track.segments.append(segment)
    doc.tracks.append(track)
    walk = gpxpy.gpx.GPXRoute(name=f"{name}: stops in walking order")
    for n, s in enumerate(stops, start=1):
        label = xml_text(f"{n}. {s['title']}")
        desc = f"km {s['chainage_m'] / 1000:.1f}; {s['kind']}; {s.get('description') or ''}"
        doc.waypoints.append(
            gpxpy.gpx.GPXWaypoint(
                s["lat"], s["lon"], name=label, description=xml_text(desc).strip(), type=s["kind"]
            )
        )
        walk.points.append(gpxpy.gpx.GPXRoutePoint(s["lat"], s["lon"], name=label))
    doc.routes.append(walk)
    return doc.to_xml()


# routes ----------------------------------------------------------------------------

#: Most points a route may have (a GPS track of a long walk at one point a second).
MAX_ROUTE_POINTS = 50_000
#: Longest step between consecutive points; a longer one is a glitch, not a walk.
#: (The shipped route's longest is 2.5 km.)
MAX_ROUTE_STEP_M = 5_000.0
#: How many offending point numbers a message names.
_NAMED = 10


@dataclass(frozen=True)
class ServiceArea:
    """Where a route may run: within ``radius_m`` of a centre point (lon/lat)."""

    lon: float
    lat: float
    radius_m: float

    @classmethod
    def around(cls, coords: list[list[float]], radius_km: float) -> ServiceArea:
        """The area of ``radius_km`` around the centre of a route's bounding box."""
        lons, lats = [c[0] for c in coords], [c[1] for c in coords]
        centre = ((min(lons) + max(lons)) / 2, (min(lats) + max(lats)) / 2)
        return cls(round(centre[0], 5), round(centre[1], 5), float(radius_km) * 1000.0)

    def describe(self) -> str:
        return f"{self.radius_m / 1000:g} km from the city centre ({self.lon:g}, {self.lat:g})"


def _numbers(points: list[int]) -> str:
    """``point 6``, ``points 4 and 6``, ``points 1, 2, 3 and 9 more``."""
    named = [str(n) for n in points[:_NAMED]]
    more = len(points) - len(named)
    if len(named) == 1:
        return f"point {named[0]}"
    if more:
        return f"points {', '.join(named)} and {more} more"
    return f"points {', '.join(named[:-1])} and {named[-1]}"


def check_route(raw: list[list[Any]], area: ServiceArea | None = None) -> list[list[float]]:
    """A route's positions as numbers, once they pass every check; ``ValueError`` if not.

    Each position must be two numbers (ASCII digits, :mod:`mapapp.numbers`), a
    longitude within ±180 and a latitude within ±90, inside ``area`` when given;
    consecutive points at most :data:`MAX_ROUTE_STEP_M` apart; at most
    :data:`MAX_ROUTE_POINTS` of them. Messages name the offending points (from 1).
    """
    if len(raw) > MAX_ROUTE_POINTS:
        raise ValueError(f"the route has {len(raw):,} points; at most {MAX_ROUTE_POINTS:,}")
    if len(raw) < 2:
        raise ValueError("a route needs at least two points")
    coords: list[list[float]] = []
    invalid: list[int] = []
    for n, position in enumerate(raw, start=1):
        try:
            if not isinstance(position, list | tuple) or len(position) < 2:
                raise NumberError("not_number", "not a position")
            coords.append([parse_float(position[0], -180, 180), parse_float(position[1], -90, 90)])
        except NumberError:
            invalid.append(n)
    if invalid:
        verb = "is not a valid position" if len(invalid) == 1 else "are not valid positions"
        first = raw[invalid[0] - 1]
        shown = repr(first)[:60]
        raise ValueError(f"{_numbers(invalid)} {verb} (lon, lat numbers): {shown}")
    lons = np.array([c[0] for c in coords])
    lats = np.array([c[1] for c in coords])
    if area is not None:
        away = geo.great_circle_m(area.lon, area.lat, lons, lats)
        outside = [int(i) + 1 for i in np.flatnonzero(away > area.radius_m)]
        if len(outside) == 1:
            km = f"{away[outside[0] - 1] / 1000:,.1f}"
            raise ValueError(
                f"point {outside[0]} is {km} km from the city centre ({area.lon:g}, {area.lat:g});"
                f" a route must stay within {area.radius_m / 1000:g} km of it"
            )
        if outside:
            raise ValueError(f"{_numbers(outside)} are more than {area.describe()}")
    steps = geo.great_circle_m(lons[:-1], lats[:-1], lons[1:], lats[1:])
    jumps = [int(i) for i in np.flatnonzero(steps > MAX_ROUTE_STEP_M)]
    if jumps:
        named = [f"points {i + 1} and {i + 2} are {steps[i] / 1000:,.1f} km apart" for i in jumps]
        shown = ", ".join(named[:_NAMED]) + (
            f" and {len(named) - _NAMED} more" if len(named) > _NAMED else ""
        )
        raise ValueError(
            f"{shown}; consecutive points must be within {MAX_ROUTE_STEP_M / 1000:g} km"
        )
    geo.Route.from_coords(coords)  # raises ValueError for a degenerate line
    return coords


#: A work "moves" when its distance along the route changes by more than this.
CHAINAGE_CHANGE_M = 10.0


@dataclass(frozen=True)
class RoutePreview:
    """What replacing the route would do, shown before it takes effect."""

    points: int
    length_m: float
    current_length_m: float
    bounds: tuple[float, float, float, float]  # west, south, east, north
    works: int  # published works
    moved: int  # of them, how many change chainage by more than CHAINAGE_CHANGE_M
    far: int  # of them, how many would be farther than the allowed offset


def preview_route(
    current: geo.Route,
    coords: list[list[float]],
    works: list[dict[str, Any]],
    max_offset_m: float,
) -> RoutePreview:
    """Length, bounding box and effect on ``works`` of a checked route ``coords``."""
    new = geo.Route.from_coords(coords)
    moved = far = 0
    if works:
        lons, lats = [w["lon"] for w in works], [w["lat"] for w in works]
        before, _ = current.locate(lons, lats)
        after, offset = new.locate(lons, lats)
        moved = int(np.sum(np.abs(after - before) > CHAINAGE_CHANGE_M))
        far = int(np.sum(offset > max_offset_m))
    west, south, east, north = new.line_lonlat.bounds
    return RoutePreview(
        points=len(coords),
        length_m=new.length_m,
        current_length_m=current.length_m,
        bounds=(west, south, east, north),
        works=len(works),
        moved=moved,
        far=far,
    )


def read_route_upload(
    content: bytes, filename: str, area: ServiceArea | None = None
) -> tuple[list[list[float]], dict[str, Any]]:
    """A route from an uploaded GeoJSON LineString or GPX track; ``ValueError`` if bad.

    The positions are checked by :func:`check_route` (inside ``area`` when given).
    """
    try:
        text = content.decode("utf-8").removeprefix("\ufeff")
    except UnicodeDecodeError:
        raise ValueError("the file is not UTF-8 text") from None
    if not text.strip():
        raise ValueError("the file is empty")
    if text.lstrip().startswith("<") or filename.lower().endswith(".gpx"):
        raw, props = _gpx_route(text)
    else:
        raw, props = route_geojson_positions(text)
    return check_route(raw, area), props


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _gpx_route(text: str) -> tuple[list[list[Any]], dict[str, Any]]:
    """The points (unchecked) of the first track, else route, of a GPX text.

    Read with the standard library's XML parser; a document type declaration
    (entities, external files) is refused outright.
    """
    if "<!DOCTYPE" in text or "<!ENTITY" in text:
        raise ValueError("not a readable GPX file: a DOCTYPE or ENTITY declaration is not allowed")
    try:
        root = ET.fromstring(text)  # noqa: S314 (no DOCTYPE, so no entities to expand)
    except ET.ParseError as exc:
        raise ValueError(f"not a readable GPX file: {exc}") from None
    if _local(root.tag) != "gpx":
        raise ValueError("not a readable GPX file: the document is not <gpx>")
    doc_name = _child_text(root, "metadata", "name") or _child_text(root, "name")
    for kind, point in (("trk", "trkpt"), ("rte", "rtept")):
        for part in (e for e in root if _local(e.tag) == kind):
            points = [[p.get("lon"), p.get("lat")] for p in part.iter() if _local(p.tag) == point]
            if len(points) >= 2:
                name = _child_text(part, "name") or doc_name or "Route"
                return points, {"name": name, "source": "GPX upload"}
    raise ValueError("the GPX file has no track or route with at least two points")


def _child_text(element: ET.Element, *path: str) -> str:
    for step in path:
        found = next((e for e in element if _local(e.tag) == step), None)
        if found is None:
            return ""
        element = found
    return (element.text or "").strip()


def read_route_file(
    content: bytes,
    filename: str,
    reference: geo.Route | None = None,
    *,
    river_name: str = osm.DEFAULT_RIVER_NAME,
    clip: bool = True,
    area: ServiceArea | None = None,
) -> tuple[list[list[float]], dict[str, Any]]:
    """A route from any file the route page takes; ``ValueError`` with a reason if bad.

    GeoJSON and GPX as :func:`read_route_upload` reads them; Overpass JSON,
    ``.osm`` and ``.osm.pbf``: the river's ways (named ``river_name``) joined in
    walking order and, with ``clip``, cut to the ends of ``reference`` (the current
    route); zipped Shapefile, GeoPackage, KML, KMZ and GeoJSON in another CRS:
    their lines joined, reprojected to EPSG:4326. All pass :func:`check_route`
    (inside ``area`` when given).
    """
    if osm.is_osm_file(content, filename) or _looks_overpass(content):
        data = osm.parse(content, filename)
        river = osm.river_line(data, reference, name_pattern=river_name, clip=clip)
        coords, props = river.coords, river.properties
    elif gis.is_gis_file(content, filename) or _looks_crs_geojson(content):
        coords, props = gis.read_route(content, filename, reference)
    else:
        return read_route_upload(content, filename, area)
    return check_route(coords, area), props


def _looks_overpass(content: bytes) -> bool:
    head = content[:4096].lstrip(b"\xef\xbb\xbf \t\r\n")
    return head.startswith(b"{") and b'"elements"' in head and b'"FeatureCollection"' not in head


def _looks_crs_geojson(content: bytes) -> bool:
    if b'"crs"' not in content[:4096]:
        return False
    try:
        return gis.has_foreign_crs(json.loads(content.decode("utf-8").removeprefix("\ufeff")))
    except (UnicodeDecodeError, json.JSONDecodeError):
        return False


@dataclass
class RouteReplacement:
    """A new route and what replacing the current one with it would change."""

    coords: list[list[float]]
    properties: dict[str, Any]
    change: geo.RouteComparison
    dropped: int = 0  # pieces of the river left out as side channels
    clipped: bool = False


def route_replacement(
    current: geo.Route,
    coords: list[list[float]],
    properties: dict[str, Any],
    works: list[dict[str, Any]],
) -> RouteReplacement:
    """The dry run of a route replacement: lengths, the largest shift, works moved."""
    new = geo.Route.from_coords(coords)
    change = geo.compare_routes(current, new, [w["lon"] for w in works], [w["lat"] for w in works])
    return RouteReplacement(coords, properties, change)


@dataclass
class OsmPull:
    """What an OpenStreetMap pull would do: the new route and the works' import plan."""

    route: RouteReplacement | None
    works: ImportPlan | None
    errors: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors and (self.works is None or self.works.ok)


def plan_osm_pull(
    data: osm.OsmData,
    existing: list[dict[str, Any]],
    current: geo.Route,
    max_offset_m: float,
    *,
    river_name: str = osm.DEFAULT_RIVER_NAME,
    with_route: bool = True,
    with_works: bool = True,
    clip: bool = True,
    corridor_m: float = 300.0,
) -> OsmPull:
    """Plan a pull: the river's line as the new route, the works as an import.

    The works are checked against the new route when there is one. Nothing is
    written; :func:`mapapp.editing.apply_pull` applies a plan that is ``ok``.
    """
    errors: list[str] = []
    replacement = None
    route = current
    if with_route:
        try:
            river = osm.river_line(data, current, name_pattern=river_name, clip=clip)
            check_route(river.coords)
            replacement = route_replacement(current, river.coords, river.properties, existing)
            replacement.dropped, replacement.clipped = river.dropped, river.clipped
            route = geo.Route.from_coords(river.coords)
        except ValueError as exc:
            errors.append(f"route: {exc}")
    plan = None
    if with_works:
        rows, row_errors = osm.work_rows(data)
        plan = plan_rows(
            rows,
            row_errors,
            existing,
            route,
            max_offset_m,
            osm_corridor_m=corridor_m,
            empty_ok=True,
        )
    return OsmPull(replacement, plan, errors)
