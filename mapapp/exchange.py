"""Files in and out: planning imports (CSV, GeoJSON, OpenStreetMap), exports (CSV,
GeoJSON, GPX) and reading an uploaded route (GeoJSON or GPX).

Nothing here writes: :func:`plan_import` says row by row what an upload would do,
and :func:`mapapp.editing.apply_import` applies a plan with no errors, all or
nothing. The rules for one installation are :mod:`mapapp.editing`'s.
"""

from __future__ import annotations

import csv
import io
import json
import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import gpxpy
import gpxpy.gpx
from slugify import slugify

from . import geo
from .editing import area_error
from .records import (
    COLUMNS,
    REQUIRED_COLUMNS,
    Installation,
    References,
    RowError,
    check_unique,
    row_error,
    validate_row,
    write_csv,
    write_records_csv,
)
from .records import (
    read_route_geojson as read_route_geojson,
)

#: OpenStreetMap ``artwork_type`` values and the kind we file them under.
OSM_ARTWORK_KINDS = {
    "mural": "mural",
    "graffiti": "mural",
    "mosaic": "mural",
    "painting": "mural",
    "sculpture": "sculpture",
    "statue": "sculpture",
    "bust": "sculpture",
    "relief": "sculpture",
    "stone": "sculpture",
    "installation": "installation",
    "fountain": "installation",
    "land_art": "installation",
    "architecture": "landmark",
}
OSM_NOTE = "Imported from OpenStreetMap (ODbL 1.0, © OpenStreetMap contributors)."
MAX_ROUTE_POINTS = 50_000


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


@dataclass
class ImportPlan:
    """What an import would do, row by row; applied only when it has no errors."""

    rows: list[RowReport]
    creates: list[dict[str, Any]]
    updates: list[tuple[int, dict[str, Any]]]
    errors: list[RowError]

    @property
    def ok(self) -> bool:
        return not self.errors

    def count(self, action: str) -> int:
        return sum(1 for r in self.rows if r.action == action)

    def summary(self) -> dict[str, int]:
        return {a: self.count(a) for a in ("add", "change", "unchanged", "reject")}


def parse_upload(content: bytes, filename: str) -> tuple[list[tuple[int, dict]], list[RowError]]:
    """Raw rows from an uploaded CSV or GeoJSON file, numbered as the user sees them.

    The file is decoded and parsed once; the rows are checked by :func:`plan_import`.
    """
    if not content.strip():
        return [], [row_error(1, "file", "file_empty", "the file is empty")]
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
    for raw in reader:
        if None in raw:
            reason = "more values than columns"
            errors.append(row_error(reader.line_num, "row", "extra_values", reason))
            continue
        if all(not (v or "").strip() for v in raw.values()):
            continue
        rows.append((reader.line_num, raw))
    return rows, errors


def geojson_rows(text: str) -> tuple[list[tuple[int, dict]], list[RowError]]:
    """Rows from a GeoJSON FeatureCollection of points (ours or an OSM export).

    Row numbers count features from 1. OpenStreetMap's ``tourism=artwork`` tags
    map to our fields: ``name``, ``artist_name``, ``artwork_type``, ``start_date``,
    ``website``.
    """
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        reason = f"not valid JSON: {exc.msg} (line {exc.lineno})"
        return [], [row_error(1, "file", "not_json", reason, line=exc.lineno)]
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
        row = _osm_to_fields(props, feature) if _is_osm(props) else dict(props)
        row["lon"], row["lat"] = coords[0], coords[1]
        rows.append((n, row))
    return rows, errors


def _is_osm(props: dict[str, Any]) -> bool:
    return "title" not in props and ("tourism" in props or "name" in props)


def _osm_to_fields(props: dict[str, Any], feature: dict[str, Any]) -> dict[str, Any]:
    osm_id = str(feature.get("id") or props.get("@id") or props.get("id") or "")
    source = props.get("website") or props.get("url") or ""
    if not source and "/" in osm_id:
        source = f"https://www.openstreetmap.org/{osm_id}"
    title = props.get("name") or props.get("name:en") or props.get("name:ru") or ""
    year = str(props.get("start_date") or "")[:4]
    return {
        "slug": slugify(str(title), max_length=80) if title else "",
        "title": title,
        "kind": OSM_ARTWORK_KINDS.get(str(props.get("artwork_type", "")), "installation"),
        "artist": props.get("artist_name") or "",
        "year": year if year.isdigit() else "",
        "description": props.get("description") or "",
        "address": " ".join(
            str(props[k]) for k in ("addr:street", "addr:housenumber") if props.get(k)
        ),
        "location_precision": "approximate",
        "source_url": source,
        "source_note": f"{OSM_NOTE} {osm_id}".strip(),
        "status": "draft",
    }


def plan_import(
    content: bytes,
    filename: str,
    existing: list[dict[str, Any]],
    route: geo.Route,
    max_offset_m: float,
    refs: References | None = None,
) -> ImportPlan:
    """Check an upload against the stored rows: what would be added, changed, rejected.

    A row with a known ``id`` (or, without an id, a known ``slug``) changes that
    installation; any other row adds one. Rows whose values equal the stored ones
    are unchanged. New rows without a status arrive as drafts. With ``refs`` (the
    stored festivals, editions and artists), a row naming one that does not exist
    is rejected; a festival may be given by its key or its name.
    """
    raw_rows, file_errors = parse_upload(content, filename)
    if file_errors and not raw_rows:
        return ImportPlan(
            [RowReport(e.row, "reject", errors=[e]) for e in file_errors], [], [], file_errors
        )
    by_id = {r["id"]: r for r in existing}
    by_slug = {r["slug"]: r for r in existing}
    reports: list[RowReport] = []
    checked: list[tuple[int, Installation]] = []
    creates: list[dict[str, Any]] = []
    updates: list[tuple[int, dict[str, Any]]] = []
    errors = list(file_errors)
    for row, raw in raw_rows:
        raw = {k: v for k, v in raw.items() if k is not None}
        if not raw.get("slug") and raw.get("title"):
            raw["slug"] = slugify(str(raw["title"]), max_length=80)
        if not raw.get("status"):
            raw["status"] = "draft"
        rec, row_errors = validate_row(raw, row, refs)
        report = RowReport(row, "reject", str(raw.get("slug") or ""), str(raw.get("title") or ""))
        reports.append(report)
        if rec is None:
            report.errors = row_errors
            errors.extend(row_errors)
            continue
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
        if row_errors:
            report.errors = row_errors
            errors.extend(row_errors)
            continue
        checked.append((row, rec))
        report.id = fields.get("id")
        if target is None:
            report.action = "add"
            creates.append(fields)
        else:
            changed = [k for k in COLUMNS if k != "id" and target.get(k) != fields.get(k)]
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
    if not raw_rows and not errors:
        errors.append(row_error(1, "file", "no_rows", "no rows to import"))
    return ImportPlan(reports, creates, updates, sorted(errors, key=lambda e: e.row))


# exports ---------------------------------------------------------------------------


def export_csv(rows: Iterable[dict[str, Any]]) -> str:
    """Rows as CSV in the columns of ``data/installations.csv``."""
    return write_csv(rows)


def export_records_csv(kind: str, rows: Iterable[dict[str, Any]]) -> str:
    """Festivals, editions or artists as CSV in the columns of their seed file."""
    return write_records_csv(kind, rows)


def export_geojson(rows: Iterable[dict[str, Any]]) -> str:
    """Rows as an RFC 7946 FeatureCollection of points carrying every column."""
    features = []
    for r in rows:
        props = {k: r.get(k) for k in COLUMNS if k not in ("lat", "lon")}
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


def export_gpx(route: geo.Route, stops: list[dict[str, Any]], name: str) -> str:
    """The route as a track and the stops, in walking order, as waypoints and a route."""
    doc = gpxpy.gpx.GPX()
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
        label = f"{n}. {s['title']}"
        desc = f"km {s['chainage_m'] / 1000:.1f}; {s['kind']}; {s.get('description') or ''}".strip()
        doc.waypoints.append(
            gpxpy.gpx.GPXWaypoint(s["lat"], s["lon"], name=label, description=desc, type=s["kind"])
        )
        walk.points.append(gpxpy.gpx.GPXRoutePoint(s["lat"], s["lon"], name=label))
    doc.routes.append(walk)
    return doc.to_xml()


# routes ----------------------------------------------------------------------------


def read_route_upload(content: bytes, filename: str) -> tuple[list[list[float]], dict[str, Any]]:
    """A route from an uploaded GeoJSON LineString or GPX track; ``ValueError`` if bad."""
    try:
        text = content.decode("utf-8").removeprefix("\ufeff")
    except UnicodeDecodeError:
        raise ValueError("the file is not UTF-8 text") from None
    if not text.strip():
        raise ValueError("the file is empty")
    if text.lstrip().startswith("<") or filename.lower().endswith(".gpx"):
        coords, props = _gpx_route(text)
    else:
        coords, props = read_route_geojson(text)
    if len(coords) > MAX_ROUTE_POINTS:
        raise ValueError(f"the route has {len(coords):,} points; at most {MAX_ROUTE_POINTS:,}")
    geo.Route.from_coords(coords)  # raises ValueError for a degenerate line
    return coords, props


def _gpx_route(text: str) -> tuple[list[list[float]], dict[str, Any]]:
    try:
        doc = gpxpy.parse(text)
    except Exception as exc:  # gpxpy raises several error types for bad XML
        raise ValueError(f"not a readable GPX file: {exc}") from None
    for track in doc.tracks:
        coords = [[p.longitude, p.latitude] for seg in track.segments for p in seg.points]
        if len(coords) >= 2:
            return coords, {"name": track.name or doc.name or "Route", "source": "GPX upload"}
    for rte in doc.routes:
        coords = [[p.longitude, p.latitude] for p in rte.points]
        if len(coords) >= 2:
            return coords, {"name": rte.name or doc.name or "Route", "source": "GPX upload"}
    raise ValueError("the GPX file has no track or route with at least two points")
