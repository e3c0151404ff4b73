"""Coverage reports as GeoJSON, CSV and text tables (pure functions, no Flask)."""

from __future__ import annotations

import csv
import io
from typing import Any

import numpy as np
import shapely

from .coverage import CoverageReport
from .geo import Route, to_lonlat

#: The planner's segment colours by the number of works within the radius: 0, 1, 2,
#: 3 or more (map and chart). A diverging red-yellow-blue scale (readable with the
#: common colour-vision deficiencies); segments with no work are also dashed.
COVERAGE_COLOURS = ("#d7301f", "#fdae61", "#74add1", "#313695")


def route_parts_lonlat(
    route: Route, starts: np.typing.ArrayLike, ends: np.typing.ArrayLike
) -> list[list[list[float]]]:
    """The parts of the route between chainages, as GeoJSON ``[[lon, lat], ...]`` lists.

    Vectorised: the vertices inside each part plus its two interpolated ends.
    """
    a = np.atleast_1d(np.asarray(starts, float))
    b = np.atleast_1d(np.asarray(ends, float))
    xy = np.asarray(route.line_m.coords, float)[:, :2]
    cum = np.concatenate([[0.0], np.cumsum(np.hypot(*np.diff(xy, axis=0).T))])
    lo = np.searchsorted(cum, a, side="right")
    hi = np.searchsorted(cum, b, side="left")
    pieces_x: list[np.ndarray] = []
    pieces_y: list[np.ndarray] = []
    sizes = []
    for i in range(a.size):
        inner = xy[lo[i] : hi[i]] if hi[i] > lo[i] else xy[:0]
        at = np.array([a[i], b[i]])
        ex, ey = np.interp(at, cum, xy[:, 0]), np.interp(at, cum, xy[:, 1])
        pieces_x.append(np.concatenate([[ex[0]], inner[:, 0], [ex[1]]]))
        pieces_y.append(np.concatenate([[ey[0]], inner[:, 1], [ey[1]]]))
        sizes.append(inner.shape[0] + 2)
    if not sizes:
        return []
    lon, lat = to_lonlat(np.concatenate(pieces_x), np.concatenate(pieces_y), route.crs)
    lon, lat = np.round(lon, 6), np.round(lat, 6)
    parts = []
    offset = 0
    for n in sizes:
        parts.append([[float(lon[j]), float(lat[j])] for j in range(offset, offset + n)])
        offset += n
    return parts


def coverage_geojson(route: Route, report: CoverageReport) -> dict[str, Any]:
    """The report as an RFC 7946 FeatureCollection.

    Segments and gaps are LineStrings (``properties.feature`` is ``"segment"`` or
    ``"gap"``), suggested sites Points (``"site"``). The headline figures go in a
    ``summary`` foreign member.
    """
    seg_lines = route_parts_lonlat(
        route, [s.start_m for s in report.segments], [s.end_m for s in report.segments]
    )
    gap_lines = route_parts_lonlat(
        route, [g.start_m for g in report.gaps], [g.end_m for g in report.gaps]
    )
    features: list[dict[str, Any]] = []
    for s, coords in zip(report.segments, seg_lines, strict=True):
        features.append(
            {
                "type": "Feature",
                "geometry": {"type": "LineString", "coordinates": coords},
                "properties": {
                    "feature": "segment",
                    "index": s.index,
                    "start_m": round(s.start_m, 1),
                    "end_m": round(s.end_m, 1),
                    "length_m": round(s.length_m, 1),
                    "works": s.works,
                    "covered_m": round(s.covered_m, 1),
                },
            }
        )
    for g, coords in zip(report.gaps, gap_lines, strict=True):
        features.append(
            {
                "type": "Feature",
                "geometry": {"type": "LineString", "coordinates": coords},
                "properties": {
                    "feature": "gap",
                    "rank": g.rank,
                    "start_m": round(g.start_m, 1),
                    "end_m": round(g.end_m, 1),
                    "length_m": round(g.length_m, 1),
                    "label_at": [round(v, 6) for v in g.middle_lonlat],
                },
            }
        )
    for site in report.suggestions:
        features.append(
            {
                "type": "Feature",
                "geometry": {
                    "type": "Point",
                    "coordinates": [round(site.lon, 6), round(site.lat, 6)],
                },
                "properties": {
                    "feature": "site",
                    "rank": site.rank,
                    "chainage_m": round(site.chainage_m, 1),
                    "gain_m": round(site.gain_m, 1),
                    "share_after": round(site.share_after, 4),
                },
            }
        )
    return {"type": "FeatureCollection", "summary": report.summary(), "features": features}


#: Columns of :func:`coverage_csv`.
COVERAGE_CSV_COLUMNS = (
    "feature",
    "rank",
    "start_m",
    "end_m",
    "length_m",
    "works",
    "covered_m",
    "covered_share",
    "gain_m",
    "start_lon",
    "start_lat",
    "end_lon",
    "end_lat",
)


def coverage_csv(route: Route, report: CoverageReport) -> str:
    """The report as CSV: one ``route`` row, then segments, gaps and suggested sites.

    A site's chainage is in ``start_m`` and ``end_m`` and its position in the
    ``start_*`` and ``end_*`` columns alike.
    """
    edges = np.array([[s.start_m, s.end_m] for s in report.segments]).reshape(-1, 2)
    at = shapely.line_interpolate_point(route.line_m, edges.ravel())
    elon, elat = to_lonlat(shapely.get_x(at), shapely.get_y(at), route.crs)
    (lon0, lon1), (lat0, lat1) = (
        (route.line_lonlat.coords[0][0], route.line_lonlat.coords[-1][0]),
        (route.line_lonlat.coords[0][1], route.line_lonlat.coords[-1][1]),
    )

    def row(feature, rank, a, b, works, covered, gain, start, end) -> list[Any]:
        length = b - a
        share = "" if covered == "" else (round(covered / length, 4) if length > 0 else 0.0)
        return [
            feature,
            rank,
            round(a, 1),
            round(b, 1),
            round(length, 1),
            works,
            "" if covered == "" else round(covered, 1),
            share,
            "" if gain == "" else round(gain, 1),
            round(start[0], 6),
            round(start[1], 6),
            round(end[0], 6),
            round(end[1], 6),
        ]

    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COVERAGE_CSV_COLUMNS)
    writer.writerow(
        row(
            "route",
            "",
            0.0,
            report.length_m,
            report.works_near,
            report.covered_m,
            "",
            (lon0, lat0),
            (lon1, lat1),
        )
    )
    for i, s in enumerate(report.segments):
        writer.writerow(
            row(
                "segment",
                s.index + 1,
                s.start_m,
                s.end_m,
                s.works,
                s.covered_m,
                "",
                (elon[2 * i], elat[2 * i]),
                (elon[2 * i + 1], elat[2 * i + 1]),
            )
        )
    for g in report.gaps:
        writer.writerow(
            row("gap", g.rank, g.start_m, g.end_m, 0, 0.0, "", g.start_lonlat, g.end_lonlat)
        )
    for site in report.suggestions:
        here = (site.lon, site.lat)
        writer.writerow(
            row(
                "site", site.rank, site.chainage_m, site.chainage_m, "", "", site.gain_m, here, here
            )
        )
    return out.getvalue()


def coverage_table(report: CoverageReport, works_name: str = "works") -> str:
    """The report as plain-text tables for a terminal: summary, gaps, sites, segments."""
    r = f"{report.radius_m:g}"
    lines = [
        f"Coverage of the route by {works_name} within {r} m",
        f"  route length        {report.length_m:10.1f} m",
        f"  covered             {report.covered_m:10.1f} m  ({report.share * 100:.1f} %)",
        f"  works counted       {report.works_total:10d}",
        f"  within {r} m{'':<{12 - len(r)}}{report.works_near:10d}",
        f"  works per km        {report.works_per_km:10.2f}",
        "",
        f"Gaps of {report.gap_m:g} m or more, longest first: {len(report.gaps)}",
    ]
    if report.gaps:
        lines.append(f"  {'gap':>4} {'from km':>8} {'to km':>8} {'length m':>9}")
        lines += [
            f"  {g.rank:>4} {g.start_m / 1000:>8.2f} {g.end_m / 1000:>8.2f} {g.length_m:>9.1f}"
            for g in report.gaps
        ]
    lines += ["", f"Suggested sites: {len(report.suggestions)}"]
    if report.suggestions:
        lines.append(
            f"  {'site':>4} {'at km':>7} {'lat':>10} {'lon':>10} {'adds m':>8} {'covered':>8}"
        )
        lines += [
            f"  {s.rank:>4} {s.chainage_m / 1000:>7.2f} {s.lat:>10.5f} {s.lon:>10.5f}"
            f" {s.gain_m:>8.1f} {s.share_after * 100:>7.1f}%"
            for s in report.suggestions
        ]
    lines += [
        "",
        f"Segments of {report.segment_m:g} m: {len(report.segments)}",
        f"  {'from km':>8} {'to km':>8} {'works':>6} {'covered':>8}",
    ]
    lines += [
        f"  {s.start_m / 1000:>8.2f} {s.end_m / 1000:>8.2f} {s.works:>6}"
        f" {(s.covered_m / s.length_m if s.length_m else 0.0) * 100:>7.0f}%"
        for s in report.segments
    ]
    return "\n".join(lines) + "\n"
