"""Scenarios: proposed sites for new works, compared with today's coverage.

A scenario is a name and a list of points. Its coverage is today's works plus the
proposed sites, measured exactly as :func:`mapapp.coverage.coverage_report`
measures today; the comparison gives both sets of headline figures side by side,
the gaps it closes, the stretches it newly covers, and what each site adds. The
sites travel in a URL (``sites=lat,lon;lat,lon``), so a shared link reproduces a
scenario nobody saved. No Flask, no SQL.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import shapely

from .coverage import (
    CoverageReport,
    coverage_report,
    disc_intervals,
    merge_intervals,
    nearest_chainage,
)
from .coverage_formats import route_parts_lonlat
from .geo import Route, to_metric
from .numbers import NumberError, parse_float

#: Most proposed sites in one scenario, and the longest name.
MAX_SITES = 50
MAX_NAME_CHARS = 80
_SEPARATORS = re.compile(r"[;\n\r]+")
_PAIR = re.compile(r"\s*,\s*|\s+")


@dataclass(frozen=True)
class SiteProblem:
    """A proposed site that cannot be read: its place in the list and a code to translate."""

    number: int  # 1-based
    text: str
    code: str  # "format", "range" or "too_many"


def parse_sites(text: str) -> tuple[tuple[tuple[float, float], ...], list[SiteProblem]]:
    """Sites from ``"lat, lon"`` pairs separated by ``;`` or new lines, as ``(lon, lat)``.

    ASCII digits only; a comma or a space between latitude and longitude.
    """
    sites: list[tuple[float, float]] = []
    problems: list[SiteProblem] = []
    parts = [p for p in _SEPARATORS.split(text or "") if p.strip()]
    for number, part in enumerate(parts, start=1):
        shown = part.strip()[:40]
        if number > MAX_SITES:
            problems.append(SiteProblem(number, shown, "too_many"))
            break
        pair = _PAIR.split(part.strip())
        try:
            if len(pair) != 2:
                raise NumberError("not_number", "two numbers")
            lat, lon = parse_float(pair[0], -90, 90), parse_float(pair[1], -180, 180)
        except NumberError as exc:
            problems.append(
                SiteProblem(number, shown, "range" if exc.code == "range" else "format")
            )
            continue
        sites.append((lon, lat))
    return tuple(sites), problems


def format_sites(sites: Sequence[tuple[float, float]]) -> str:
    """``(lon, lat)`` sites as the URL's ``lat,lon;lat,lon`` (six decimals, ~0.1 m)."""
    return ";".join(f"{lat:.6f},{lon:.6f}" for lon, lat in sites)


@dataclass(frozen=True)
class Metrics:
    """The headline figures the comparison puts side by side."""

    length_m: float
    covered_m: float
    share: float
    gaps: int
    gap_total_m: float
    longest_gap_m: float
    works_near: int
    works_per_km: float

    @classmethod
    def of(cls, report: CoverageReport) -> Metrics:
        return cls(
            length_m=report.length_m,
            covered_m=report.covered_m,
            share=report.share,
            gaps=len(report.gaps),
            gap_total_m=sum(g.length_m for g in report.gaps),
            longest_gap_m=max((g.length_m for g in report.gaps), default=0.0),
            works_near=report.works_near,
            works_per_km=report.works_per_km,
        )

    def to_dict(self) -> dict[str, float | int]:
        return {
            "covered_m": round(self.covered_m, 1),
            "share": round(self.share, 4),
            "gaps": self.gaps,
            "gap_total_m": round(self.gap_total_m, 1),
            "longest_gap_m": round(self.longest_gap_m, 1),
            "works_near": self.works_near,
            "works_per_km": round(self.works_per_km, 2),
        }


#: The figures compared, in table order.
METRICS = (
    "covered_m",
    "share",
    "gaps",
    "gap_total_m",
    "longest_gap_m",
    "works_near",
    "works_per_km",
)


@dataclass(frozen=True)
class ProposedSite:
    """One proposed site and what it adds."""

    number: int  # 1-based, as listed
    lon: float
    lat: float
    chainage_m: float
    offset_m: float
    gain_alone_m: float  # covered length it adds to today's works by itself
    gain_unique_m: float  # covered length lost if only this site were dropped


@dataclass(frozen=True)
class Comparison:
    """A scenario against today: figures, closed gaps, new stretches, each site's gain."""

    name: str
    radius_m: float
    today: Metrics
    scenario: Metrics
    gaps_closed: int  # today's gaps with no gap left in them
    sites: tuple[ProposedSite, ...]
    newly_covered: tuple[tuple[float, float], ...]  # chainage intervals
    report: CoverageReport  # the scenario's full report (works and sites)

    def change(self, metric: str) -> float:
        return float(getattr(self.scenario, metric)) - float(getattr(self.today, metric))

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "radius_m": self.radius_m,
            "today": self.today.to_dict(),
            "scenario": self.scenario.to_dict(),
            "change": {m: round(self.change(m), 4 if m == "share" else 2) for m in METRICS},
            "gaps_closed": self.gaps_closed,
            "newly_covered": [[round(a, 1), round(b, 1)] for a, b in self.newly_covered],
            "sites": [
                {
                    "number": s.number,
                    "lat": round(s.lat, 6),
                    "lon": round(s.lon, 6),
                    "chainage_m": round(s.chainage_m, 1),
                    "offset_m": round(s.offset_m, 1),
                    "gain_alone_m": round(s.gain_alone_m, 1),
                    "gain_unique_m": round(s.gain_unique_m, 1),
                }
                for s in self.sites
            ],
        }


def _length(merged: np.ndarray) -> float:
    return float(np.sum(merged[:, 1] - merged[:, 0])) if merged.size else 0.0


def _union(*parts: np.ndarray) -> np.ndarray:
    stacked = np.concatenate([p.reshape(-1, 2) for p in parts]) if parts else np.empty((0, 2))
    return merge_intervals(stacked[:, 0], stacked[:, 1])


def subtract_intervals(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Merged intervals ``a`` minus merged intervals ``b`` (pieces of zero length dropped)."""
    out: list[tuple[float, float]] = []
    for start, end in a:
        pieces = [(float(start), float(end))]
        for bs, be in b:
            if be <= start or bs >= end:
                continue
            nxt = []
            for s, e in pieces:
                if bs > s:
                    nxt.append((s, min(e, bs)))
                if be < e:
                    nxt.append((max(s, be), e))
            pieces = nxt
        out.extend(p for p in pieces if p[1] - p[0] > 1e-9)
    return np.asarray(out, dtype=float).reshape(-1, 2)


def compare(
    route: Route,
    lon: Sequence[float],
    lat: Sequence[float],
    sites: Sequence[tuple[float, float]],
    *,
    name: str = "",
    radius_m: float,
    gap_m: float,
    segment_m: float,
    today: CoverageReport | None = None,
) -> Comparison:
    """Coverage with proposed ``sites`` (``(lon, lat)``) added to the works at ``lon, lat``.

    ``today`` is the works' own report when it is at hand (same radius, gap and
    segment); it is computed otherwise.
    """
    kwargs = {"radius_m": radius_m, "gap_m": gap_m, "segment_m": segment_m, "k": 0}
    if today is None:
        today = coverage_report(route, lon, lat, **kwargs)  # type: ignore[arg-type]
    site_lon = [s[0] for s in sites]
    site_lat = [s[1] for s in sites]
    with_sites = coverage_report(
        route,
        [*lon, *site_lon],
        [*lat, *site_lat],
        **kwargs,  # type: ignore[arg-type]
    )
    base = np.array(today.covered, float).reshape(-1, 2)
    sx, sy = to_metric(site_lon, site_lat, route.crs)
    sx, sy = np.atleast_1d(sx), np.atleast_1d(sy)
    owner, start, end = disc_intervals(route.line_m, sx, sy, radius_m)
    own = [np.column_stack([start[owner == i], end[owner == i]]) for i in range(sx.size)]
    everything = _union(base, *own)
    total = _length(everything)
    proposed = []
    if sx.size:
        chainage = nearest_chainage(route.line_m, sx, sy)
        offset = shapely.distance(route.line_m, shapely.points(sx, sy))
        for i in range(sx.size):
            others = _union(base, *(own[j] for j in range(sx.size) if j != i))
            proposed.append(
                ProposedSite(
                    number=i + 1,
                    lon=float(site_lon[i]),
                    lat=float(site_lat[i]),
                    chainage_m=float(chainage[i]),
                    offset_m=float(offset[i]),
                    gain_alone_m=_length(_union(base, own[i])) - _length(base),
                    gain_unique_m=total - _length(others),
                )
            )
    closed = 0
    for g in today.gaps:
        if not any(h.start_m < g.end_m and h.end_m > g.start_m for h in with_sites.gaps):
            closed += 1
    newly = subtract_intervals(np.array(with_sites.covered, float).reshape(-1, 2), base)
    return Comparison(
        name=name,
        radius_m=float(radius_m),
        today=Metrics.of(today),
        scenario=Metrics.of(with_sites),
        gaps_closed=closed,
        sites=tuple(proposed),
        newly_covered=tuple((float(a), float(b)) for a, b in newly),
        report=with_sites,
    )


# exports ----------------------------------------------------------------------------


def comparison_geojson(route: Route, comparison: Comparison) -> dict[str, Any]:
    """The scenario as an RFC 7946 FeatureCollection.

    Proposed sites are Points (``properties.feature`` ``"proposed_site"``), the
    stretches they newly cover LineStrings (``"newly_covered"``); the comparison's
    figures go in a ``scenario`` foreign member.
    """
    features: list[dict[str, Any]] = []
    for s in comparison.sites:
        features.append(
            {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [round(s.lon, 6), round(s.lat, 6)]},
                "properties": {
                    "feature": "proposed_site",
                    "number": s.number,
                    "chainage_m": round(s.chainage_m, 1),
                    "offset_m": round(s.offset_m, 1),
                    "gain_alone_m": round(s.gain_alone_m, 1),
                    "gain_unique_m": round(s.gain_unique_m, 1),
                },
            }
        )
    parts = route_parts_lonlat(
        route, [a for a, _ in comparison.newly_covered], [b for _, b in comparison.newly_covered]
    )
    for (a, b), coords in zip(comparison.newly_covered, parts, strict=True):
        features.append(
            {
                "type": "Feature",
                "geometry": {"type": "LineString", "coordinates": coords},
                "properties": {
                    "feature": "newly_covered",
                    "start_m": round(a, 1),
                    "end_m": round(b, 1),
                    "length_m": round(b - a, 1),
                },
            }
        )
    doc = comparison.to_dict()
    doc.pop("sites")
    doc.pop("newly_covered")
    return {"type": "FeatureCollection", "scenario": doc, "features": features}


#: Columns of :func:`comparison_csv`.
COMPARISON_CSV_COLUMNS = (
    "feature",
    "number",
    "metric",
    "today",
    "scenario",
    "change",
    "lat",
    "lon",
    "chainage_m",
    "offset_m",
    "gain_alone_m",
    "gain_unique_m",
)


def comparison_csv(comparison: Comparison) -> str:
    """The scenario as CSV: a ``metric`` row per figure, then a ``proposed_site`` row per site."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COMPARISON_CSV_COLUMNS)
    today, scenario = comparison.today.to_dict(), comparison.scenario.to_dict()
    changes = comparison.to_dict()["change"]
    for metric in METRICS:
        writer.writerow(
            ["metric", "", metric, today[metric], scenario[metric], changes[metric]] + [""] * 6
        )
    writer.writerow(["metric", "", "gaps_closed", "", comparison.gaps_closed, ""] + [""] * 6)
    for s in comparison.sites:
        writer.writerow(
            [
                "proposed_site",
                s.number,
                "",
                "",
                "",
                "",
                round(s.lat, 6),
                round(s.lon, 6),
                round(s.chainage_m, 1),
                round(s.offset_m, 1),
                round(s.gain_alone_m, 1),
                round(s.gain_unique_m, 1),
            ]
        )
    return out.getvalue()


# from a proposal to a draft work --------------------------------------------------


def draft_fields(
    *,
    scenario_id: int,
    scenario_name: str,
    number: int,
    site: tuple[float, float],
    kind: str,
    source_url: str,
    username: str,
    day: str,
) -> dict[str, Any]:
    """The fields of a draft work for proposed site ``number`` of a saved scenario.

    For :func:`mapapp.editing.create_work`: a draft (never published by this), its
    position estimated, its source note saying which scenario it came from.
    """
    lon, lat = site
    name = scenario_name.strip() or f"#{scenario_id}"
    return {
        "slug": f"scenario-{scenario_id}-site-{number}",
        "title": f"Proposed site {number}: {name}"[:200],
        "kind": kind,
        "lat": round(lat, 6),
        "lon": round(lon, 6),
        "location_precision": "estimated",
        "source_url": source_url,
        "source_note": (
            f"Proposed site {number} of planner scenario “{name}” (#{scenario_id}), made a "
            f"draft by {username} on {day}. The position was chosen on the planner's map, "
            "not surveyed; nothing is installed yet."
        )[:1000],
        "status": "draft",
    }
