"""The planner: coverage of the route by art, its gaps, scenarios, time and precision.

``/planner`` is the page (map, form, tables, charts), ``/planner/report`` the same
as a printable report, ``/planner/chart.svg``, ``/planner/timeline.svg`` and
``/planner/map.svg`` its images, ``/api/coverage`` the report as JSON, GeoJSON, CSV
or GeoPackage and ``/api/scenario`` a scenario compared with today. The figures come from
:mod:`mapapp.coverage`, :mod:`mapapp.scenarios`, :mod:`mapapp.timeline` and
:mod:`mapapp.uncertainty`; this module reads parameters, picks the works and
shapes the responses. Saving scenarios is :mod:`mapapp.views.scenarios`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from flask import Blueprint, Response, current_app, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user

from .. import (
    charts,
    coverage,
    coverage_formats,
    geo,
    gis,
    lifecycle,
    scenarios,
    selection,
    timeline,
    uncertainty,
)
from ..catalog import Walk, place_stops, route_credit, walk_layers, with_references
from ..coverage_formats import route_parts_lonlat
from ..records import ART_KINDS, CONTEXT_KINDS, PRECISIONS, localized
from ..web.assets import asset_url
from ..web.cache import cached
from ..web.db import get_store
from ..web.i18n import current_language
from ..web.labels import kind_labels, precision_labels
from ..web.params import GEOJSON, ParamError, cacheable
from ..web.params import json_response as _json
from ..web.routing import API, PAGE
from ..web.walk import content_order, current_walk
from .planner_params import (
    PLANNER_STATUSES,
    CoverageParams,
    ScenarioParams,
    field_labels,
    format_avoid,
    parse_params,
)

bp = Blueprint("planner", __name__)

SETTINGS_ID = "planner-settings"
FORMATS = ("json", "geojson", "csv", "gpkg")
#: Formats of a scenario: no GeoPackage of its own (its layers are few).
SCENARIO_FORMATS = ("json", "geojson", "csv")


# the works counted ----------------------------------------------------------------------


def drafts_allowed() -> bool:
    """Drafts (planned works) are counted only for a signed-in curator."""
    return bool(current_user.is_authenticated)


@dataclass(frozen=True)
class Counted:
    """The works a report counts, those the corridor leaves out, and the corridor."""

    works: list[dict[str, Any]]
    excluded: list[selection.Excluded]
    corridor_m: float


def data_key(walk: Walk, params: CoverageParams) -> str:
    """What a cached figure depends on: the public data, and the drafts when counted.

    The walk's version counts public changes only, so a report with drafts also
    keys on the drafts' own state.
    """
    if not params.with_drafts:
        return walk.version
    return f"{walk.version}:{get_store().works_version(params.statuses)}"


def works_on_offer(walk: Walk, params: CoverageParams) -> list[dict[str, Any]]:
    """Published works (and drafts when asked for), placed along the route."""
    if params.statuses == ("published",):
        return walk.stops

    def build() -> list[dict[str, Any]]:
        store = get_store()
        life: dict[int, list[dict[str, Any]]] = {}
        for entry in store.life_entries():
            life.setdefault(entry["installation_id"], []).append(entry)
        rows = [
            {**r, "life": life.get(r["id"], [])}
            for r in store.installations(statuses=params.statuses)
        ]
        return place_stops(walk.route, with_references(rows, walk.references))

    return cached("planner-works", (data_key(walk, params), params.statuses), build)


def counted_works(walk: Walk, params: CoverageParams) -> Counted:
    chosen = params.selection.apply(works_on_offer(walk, params))
    if params.on:  # only the works standing then (mapapp.lifecycle; life history too)
        chosen = lifecycle.standing_when(chosen, params.on)
    kept, excluded = selection.split_by_corridor(chosen, params.corridor_m)
    return Counted(kept, excluded, params.corridor_m)


def access_points() -> tuple[coverage.AccessPoint, ...]:
    """Crossings and bike stations from ``data/geo`` (English names), for suggestions."""
    data_dir = Path(current_app.config["DATA_DIR"])

    def build() -> tuple[coverage.AccessPoint, ...]:
        out = []
        for layer in walk_layers(current_walk(), data_dir, "en").values():
            for f in layer["features"]:
                lon, lat = f["geometry"]["coordinates"][:2]
                out.append(coverage.AccessPoint(f["properties"]["name"], float(lon), float(lat)))
        return tuple(out)

    return cached("planner-access", str(data_dir), build)


def access_names() -> dict[str, str]:
    """Access points' names in the request's language, by their English names."""
    data_dir = Path(current_app.config["DATA_DIR"])
    walk = current_walk()
    base = walk_layers(walk, data_dir, "en")
    here = walk_layers(walk, data_dir, current_language())
    names: dict[str, str] = {}
    for key, layer in base.items():
        for a, b in zip(layer["features"], here.get(key, layer)["features"], strict=False):
            names[a["properties"]["name"]] = b["properties"]["name"]
    return names


def constraints_for(params: CoverageParams) -> coverage.SiteConstraints:
    return coverage.SiteConstraints(
        avoid=params.avoid,
        access_points=access_points(),
        access_within_m=params.access,
        spacing_m=params.spacing,
    )


def coverage_for(walk: Walk, params: CoverageParams) -> tuple[coverage.CoverageReport, Counted]:
    """The report for the works counted, and those works, cached per data version."""

    def build() -> tuple[coverage.CoverageReport, Counted]:
        counted = counted_works(walk, params)
        report = coverage.coverage_report(
            walk.route,
            [w["lon"] for w in counted.works],
            [w["lat"] for w in counted.works],
            radius_m=params.radius,
            gap_m=params.gap,
            segment_m=params.segment,
            k=params.k,
            constraints=constraints_for(params),
        )
        return report, counted

    return cached("coverage", (data_key(walk, params), params), build)


def route_error_for(walk: Walk, params: CoverageParams) -> float:
    if params.route_error is not None:
        return params.route_error
    return uncertainty.route_error_m(walk.route_properties)


def range_for(walk: Walk, params: CoverageParams) -> uncertainty.ShareRange:
    """The covered share's likely range and bounds (Monte Carlo, fixed seed)."""

    def build() -> uncertainty.ShareRange:
        _report, counted = coverage_for(walk, params)
        works = counted.works
        x, y = geo.to_metric([w["lon"] for w in works], [w["lat"] for w in works], walk.route.crs)
        return uncertainty.share_range(
            walk.route,
            np.atleast_1d(x),
            np.atleast_1d(y),
            params.radius,
            uncertainty.work_errors_m([w.get("location_precision") for w in works]),
            route_error_for(walk, params),
            draws=uncertainty.draws_for(len(works)),
        )

    return cached("coverage-range", (data_key(walk, params), params), build)


def timeline_for(walk: Walk, params: CoverageParams) -> timeline.Timeline:
    def build() -> timeline.Timeline:
        _report, counted = coverage_for(walk, params)
        return timeline.coverage_timeline(walk.route, counted.works, params.radius)

    return cached("coverage-timeline", (data_key(walk, params), params), build)


def comparison_for(
    walk: Walk, params: CoverageParams, scenario: ScenarioParams
) -> tuple[scenarios.Comparison, uncertainty.DifferenceRange] | None:
    """The scenario against today, and the likely range of what it adds."""
    if not scenario.sites:
        return None

    def build() -> tuple[scenarios.Comparison, uncertainty.DifferenceRange]:
        report, counted = coverage_for(walk, params)
        works = counted.works
        lon, lat = [w["lon"] for w in works], [w["lat"] for w in works]
        comparison = scenarios.compare(
            walk.route,
            lon,
            lat,
            scenario.sites,
            name=scenario.name,
            radius_m=params.radius,
            gap_m=params.gap,
            segment_m=params.segment,
            today=report,
        )
        x, y = geo.to_metric(lon, lat, walk.route.crs)
        sx, sy = geo.to_metric(
            [s[0] for s in scenario.sites], [s[1] for s in scenario.sites], walk.route.crs
        )
        difference = uncertainty.difference_range(
            walk.route,
            np.atleast_1d(x),
            np.atleast_1d(y),
            uncertainty.work_errors_m([w.get("location_precision") for w in works]),
            np.atleast_1d(sx),
            np.atleast_1d(sy),
            params.radius,
            route_error_for(walk, params),
            draws=uncertainty.draws_for(len(works) + len(scenario.sites)),
        )
        return comparison, difference

    key = (data_key(walk, params), params, scenario.name, scenario.sites)
    return cached("coverage-scenario", key, build)


# strings and figures as the page shows them -------------------------------------------------


def length_text(metres: float) -> str:
    """``120 m`` or ``1.25 km``, rounded as the page's script rounds."""
    v = round(metres, 1)
    if abs(v) < 1000:
        return _("%(n)s m", n=int(v + 0.5) if v >= 0 else -int(-v + 0.5))
    return _("%(n)s km", n=f"{v / 1000:.2f}")


def share_text(share: float) -> str:
    return f"{share * 100:.1f} %"


def _signed(text: str, value: float) -> str:
    if abs(value) < 1e-9:
        return "±0"
    return ("+" if value > 0 else "−") + text.lstrip("-")


def metric_labels(radius_m: float) -> dict[str, str]:
    r = f"{radius_m:g}"
    return {
        "covered_m": _("Route within %(r)s m of a work", r=r),
        "share": _("Share of the route covered"),
        "gaps": _("Gaps"),
        "gap_total_m": _("Length of the gaps"),
        "longest_gap_m": _("Longest gap"),
        "works_near": _("Works within %(r)s m (proposed sites count)", r=r),
        "works_per_km": _("Works per km of route"),
    }


def metric_text(metric: str, value: float) -> str:
    if metric == "share":
        return share_text(value)
    if metric in ("covered_m", "gap_total_m", "longest_gap_m"):
        return length_text(value)
    if metric == "works_per_km":
        return f"{value:.2f}"
    return str(int(value))


def change_text(metric: str, value: float) -> str:
    if metric == "share":
        return _signed(_("%(n)s pp", n=f"{abs(value) * 100:.1f}"), value)
    if metric in ("covered_m", "gap_total_m", "longest_gap_m"):
        return _signed(length_text(abs(value)), value)
    if metric == "works_per_km":
        return _signed(f"{abs(value):.2f}", value)
    return _signed(str(int(abs(value))), value)


def comparison_display(
    report: coverage.CoverageReport,
    found: tuple[scenarios.Comparison, uncertainty.DifferenceRange] | None,
) -> dict[str, Any]:
    """The comparison table's text (the page renders it, the script refreshes it)."""
    labels = metric_labels(report.radius_m)
    today = scenarios.Metrics.of(report)
    rows = []
    for metric in scenarios.METRICS:
        row = {
            "metric": metric,
            "label": labels[metric],
            "today": metric_text(metric, getattr(today, metric)),
            "scenario": "—",
            "change": "—",
        }
        if found:
            comparison = found[0]
            row["scenario"] = metric_text(metric, getattr(comparison.scenario, metric))
            row["change"] = change_text(metric, comparison.change(metric))
        rows.append(row)
    out: dict[str, Any] = {"rows": rows, "sites": [], "summary": "", "range": ""}
    if found:
        comparison, diff = found
        out["summary"] = _(
            "%(n)s proposed site(s) close %(closed)s of %(gaps)s gap(s) and add %(len)s "
            "of covered route.",
            n=len(comparison.sites),
            closed=comparison.gaps_closed,
            gaps=comparison.today.gaps,
            len=length_text(comparison.scenario.covered_m - comparison.today.covered_m),
        )
        out["range"] = _(
            "Allowing for the position errors, the scenario adds %(low)s to %(high)s "
            "percentage points (90 %% of the draws); it adds %(change)s as drawn.",
            low=f"{diff.low * 100:.1f}",
            high=f"{diff.high * 100:.1f}",
            change=f"{diff.change * 100:.1f}",
        )
        out["sites"] = [
            {
                "number": s.number,
                "where": _("km %(km)s", km=f"{round(s.chainage_m, 1) / 1000:.2f}"),
                "offset": _("%(d)s from the route", d=length_text(s.offset_m)),
                "coords": f"{s.lat:.5f}, {s.lon:.5f}",
                "alone": length_text(s.gain_alone_m),
                "unique": length_text(s.gain_unique_m),
            }
            for s in comparison.sites
        ]
    return out


def excluded_text(item: selection.Excluded) -> str:
    return _(
        "%(dist)s from the route, beyond the %(corridor)s corridor",
        dist=length_text(item.offset_m),
        corridor=length_text(item.corridor_m),
    )


def planner_strings() -> dict[str, str]:
    """Every string the planner script shows, translated on the server."""
    return {
        "segment": _(
            "km %(start)s–%(end)s: %(n)s work(s) within %(r)s m, %(pct)s %% covered",
            start="{start}",
            end="{end}",
            n="{n}",
            r="{r}",
            pct="{pct}",
        ),
        "gap": _("Gap %(rank)s: %(len)s", rank="{rank}", len="{len}"),
        "gapTip": _(
            "Gap %(rank)s: km %(start)s–%(end)s, %(len)s with no work within %(r)s m",
            rank="{rank}",
            start="{start}",
            end="{end}",
            len="{len}",
            r="{r}",
        ),
        "site": _(
            "Suggested site %(rank)s: km %(km)s, adds %(gain)s of covered route",
            rank="{rank}",
            km="{km}",
            gain="{gain}",
        ),
        "work": _("%(title)s (km %(km)s)", title="{title}", km="{km}"),
        "excludedTip": _("%(title)s: not counted, %(why)s", title="{title}", why="{why}"),
        "legend": _("Coverage"),
        "none": _("No work within %(r)s m", r="{r}"),
        "one": _("1 work within %(r)s m", r="{r}"),
        "two": _("2 works"),
        "many": _("3 or more works"),
        "gaps": _("Gap of %(g)s or more", g="{g}"),
        "works": _("Work and its %(r)s m radius", r="{r}"),
        "excluded": _("Work too far from the route to count"),
        "sites": _("Suggested site"),
        "proposal": _("Proposed site and its radius"),
        "newly": _("Newly covered by the scenario"),
        "m": _("%(n)s m", n="{n}"),
        "km": _("%(n)s km", n="{n}"),
        "layerWorks": _("Works and their radius"),
        "layerExcluded": _("Works not counted"),
        "layerGaps": _("Gap labels"),
        "layerSites": _("Suggested sites"),
        "layerProposals": _("Scenario"),
        "addSite": _("Add a site"),
        "addSiteHelp": _("Click the map to add a proposed site; drag a site to move it."),
        "addSiteOn": _("Adding sites: click the map. Press again to stop."),
        "proposalTip": _("Proposed site %(n)s: drag to move", n="{n}"),
        "removeSite": _("Remove site %(n)s", n="{n}"),
        "noSites": _("No proposed sites yet."),
        "updating": _("Updating the comparison…"),
        "updated": _("Comparison updated for %(n)s proposed site(s).", n="{n}"),
        "failed": _("The comparison could not be updated; use the Update button."),
        "year": _("Year"),
        "yearNow": _("Today: every work counted, dated or not"),
        "yearText": _(
            "%(year)s: %(n)s work(s) standing, %(share)s %% of the route covered",
            year="{year}",
            n="{n}",
            share="{share}",
        ),
        "yearLayer": _("Covered in the chosen year"),
    }


def chart_labels() -> dict[str, str]:
    return {
        "title": _("Works within %(r)s m of the route, per kilometre", r="{r}"),
        "x": _("km along the route"),
        "y": _("works per km"),
        "works": _("works per km"),
        "average": _("average %(n)s per km", n="{n}"),
        "gap": _("gap with no work within %(r)s m", r="{r}"),
    }


def timeline_labels() -> dict[str, str]:
    return {
        "title": _("Share of the route within %(r)s m of a work, year by year", r="{r}"),
        "x": _("year"),
        "share": _("covered share, %"),
        "standing": _("works standing"),
    }


def map_labels() -> dict[str, str]:
    return {
        "title": _("Coverage within %(r)s m along the route", r="{r}"),
        "none": _("no work within %(r)s m", r="{r}"),
        "one": _("1 work"),
        "two": _("2 works"),
        "many": _("3 or more"),
        "work": _("work counted"),
        "excluded": _("work not counted (too far)"),
        "proposal": _("proposed site"),
        "newly": _("newly covered"),
        "site": _("suggested site"),
        "north": _("N"),
        "scale": _("%(n)s m", n="{n}"),
    }


def festival_choices(walk: Walk) -> list[dict[str, Any]]:
    """The festivals of the published works, each with its editions, named in this language."""
    order = content_order()
    lang = current_language()
    return [
        {
            "value": festival["slug"],
            "label": localized(festival, "name", lang, order)[0],
            "editions": [
                {"value": e["slug"], "label": localized(e, "name", lang, order)[0]}
                for e in editions
            ],
        }
        for festival, editions in walk.festival_choices()
    ]


def festival_label(walk: Walk, value: str) -> str:
    """A festival filter's value (a festival's name or key, an edition's key) as shown."""
    order = content_order()
    if value == selection.NO_FESTIVAL:
        return _("not part of a festival")
    lang = current_language()
    refs = walk.references
    key = refs.festival_key(value)
    if key is not None:
        return localized(refs.festivals[key], "name", lang, order)[0]
    if value in refs.editions:
        return localized(refs.editions[value], "name", lang, order)[0]
    return value


def selection_text(params: CoverageParams) -> str:
    """What is counted, in words: "Art works", or the kinds, and the festivals."""
    labels = kind_labels()
    if params.selection.is_art:
        what = _("Art works (sculptures, murals, installations, pavilions, art events)")
    elif set(params.kinds) == set(ART_KINDS) | set(CONTEXT_KINDS):
        what = _("Art works and context (venues, parks, landmarks)")
    else:
        what = ", ".join(labels[k] for k in params.kinds)
    if params.festivals:
        walk = current_walk()
        what += " · " + ", ".join(festival_label(walk, f) for f in params.festivals)
    if params.with_drafts:
        what += " · " + _("drafts included")
    return what


def filename(params: CoverageParams, ext: str, stem: str = "terrenkur-coverage") -> str:
    parts = [stem, f"r{params.radius:g}"]
    if not params.selection.is_art:
        parts.append("-".join(params.kinds) if len(params.kinds) <= 3 else "kinds")
    parts += [f.lower().replace(" ", "-") for f in params.festivals[:2] if f != "-"]
    return "-".join(parts) + f".{ext}"


def gap_neighbours(
    report: coverage.CoverageReport, works: list[dict[str, Any]]
) -> list[tuple[dict | None, dict | None]]:
    """For each gap, the nearest work within the radius before it and after it."""
    near = sorted(
        (w for w in works if w["offset_m"] <= report.radius_m), key=lambda w: w["chainage_m"]
    )
    out = []
    for g in report.gaps:
        before = [w for w in near if w["chainage_m"] <= g.start_m]
        after = [w for w in near if w["chainage_m"] >= g.end_m]
        out.append((before[-1] if before else None, after[0] if after else None))
    return out


def precision_summary(walk: Walk, params: CoverageParams, works: list[dict]) -> dict[str, Any]:
    """How precisely the route and the counted works are placed, for the report's text."""
    counts = {p: sum(1 for w in works if w.get("location_precision") == p) for p in PRECISIONS}
    return {
        "route_error_m": route_error_for(walk, params),
        "route_precision": walk.route_properties.get("geometry_precision") or "estimated",
        "route_note": walk.route_properties.get("precision_note") or "",
        "counts": counts,
        "errors": uncertainty.WORK_ERROR_M,
        "draws": uncertainty.draws_for(len(works)),
        "seed": uncertainty.SEED,
        "correlation_m": uncertainty.CORRELATION_M,
    }


# the page's settings for planner.js -------------------------------------------------------


def timeline_settings(walk: Walk, line: timeline.Timeline) -> dict[str, Any]:
    """Years, shares and, for each year the works standing changed, the covered parts."""
    changes = set(line.change_years)
    parts = {}
    for y in line.years:
        if y.year in changes:
            parts[str(y.year)] = route_parts_lonlat(
                walk.route, [a for a, _ in y.covered], [b for _, b in y.covered]
            )
    return {
        "years": [y.year for y in line.years],
        "shares": [round(y.share * 100, 1) for y in line.years],
        "standing": [y.standing for y in line.years],
        "parts": parts,
        "undated": line.undated,
    }


def page_settings(
    walk: Walk,
    params: CoverageParams,
    scenario: ScenarioParams,
    report: coverage.CoverageReport,
    counted: Counted,
    line: timeline.Timeline,
    found: tuple[scenarios.Comparison, uncertainty.DifferenceRange] | None,
) -> dict[str, Any]:
    from .. import maps  # folium: loaded by the first page that draws a map

    links = {
        "scenario": url_for("planner.api_scenario", lang=None),
        "page": url_for("planner.page", lang=None),
        "report": url_for("planner.report_page", lang=None),
    }
    settings = maps.planner_settings(walk.route, report, counted.works, planner_strings(), links)
    for row, span in zip(settings["works"], line.spans, strict=True):
        row.extend(list(span) if span else [None, None])
    settings["excluded"] = [
        [round(e.work["lon"], 6), round(e.work["lat"], 6), e.work["title"], excluded_text(e)]
        for e in counted.excluded
    ]
    settings["proposals"] = [[round(lon, 6), round(lat, 6)] for lon, lat in scenario.sites]
    newly = found[0].newly_covered if found else ()
    settings["newly"] = route_parts_lonlat(walk.route, [a for a, _ in newly], [b for _, b in newly])
    settings["timeline"] = timeline_settings(walk, line)
    settings["query"] = {**params.query(), **({"name": scenario.name} if scenario.name else {})}
    if scenario.saved is not None:
        settings["query"]["scenario"] = str(scenario.saved)
    settings["maxSites"] = scenarios.MAX_SITES
    settings["lang"] = current_language()
    return settings


# views -----------------------------------------------------------------------------------


def _form_values(params: CoverageParams, scenario: ScenarioParams, errors: dict) -> dict:
    form: dict[str, Any] = {
        **params.query(),
        "corridor": f"{params.corridor:g}" if params.corridor is not None else "",
        "access": f"{params.access:g}" if params.access is not None else "",
        "spacing": f"{params.spacing:g}" if params.spacing is not None else "",
        "route_error": f"{params.route_error:g}" if params.route_error is not None else "",
        "on": params.on,
        "avoid": format_avoid(params.avoid),
        "name": scenario.name,
        "sites": "\n".join(f"{lat:.6f}, {lon:.6f}" for lon, lat in scenario.sites),
        "kinds": set(params.kinds),
        "festivals": set(params.festivals),
        "statuses": set(params.statuses),
    }
    for name in errors:
        if name in ("kind", "festival", "status"):
            continue
        form[name] = request.args.get(name, "")
    return form


def _base_context(params: CoverageParams, scenario: ScenarioParams, errors: dict) -> dict:
    from .. import maps  # folium: loaded by the first page that draws a map

    kinds = kind_labels()
    walk = current_walk()
    return {
        "walk": walk,
        "labels": field_labels(),
        "form": _form_values(params, scenario, errors),
        "errors": errors,
        "params": params,
        "scenario": scenario,
        "art_kinds": [(k, kinds[k]) for k in ART_KINDS],
        "context_kinds": [(k, kinds[k]) for k in CONTEXT_KINDS],
        "kind_labels": kinds,
        "festival_choices": festival_choices(walk),
        "no_festival": selection.NO_FESTIVAL,
        "statuses": PLANNER_STATUSES if drafts_allowed() else (),
        "limits": {
            "radius_max": coverage.MAX_RADIUS_M,
            "gap_max": coverage.MAX_GAP_M,
            "segment_min": coverage.MIN_SEGMENT_M,
            "segment_max": coverage.MAX_SEGMENT_M,
            "k_max": coverage.MAX_SUGGESTIONS,
            "corridor_max": selection.MAX_CORRIDOR_M,
        },
        "styles": [asset_url(p) for _n, p in maps.PLANNER_STYLES],
        "report": None,
        "route_credit": route_credit(walk.route_properties),
    }


def analysis_context(
    walk: Walk, params: CoverageParams, scenario: ScenarioParams
) -> dict[str, Any]:
    """Everything the page and the printable report show for these parameters."""
    report, counted = coverage_for(walk, params)
    found = comparison_for(walk, params, scenario)
    line = timeline_for(walk, params)
    query = params.query()
    full = {**query, **scenario.query()}
    suggested = tuple((s.lon, s.lat) for s in report.suggestions)
    return {
        "report": report,
        "counted": counted,
        "excluded": [(e, excluded_text(e)) for e in counted.excluded],
        "neighbours": gap_neighbours(report, counted.works),
        "share_range": range_for(walk, params),
        "precision": precision_summary(walk, params, counted.works),
        "precision_labels": precision_labels(),
        "timeline": line,
        "comparison": found[0] if found else None,
        "difference": found[1] if found else None,
        "display": comparison_display(report, found),
        "selection_text": selection_text(params),
        "access_names": access_names(),
        "added_m": sum(s.gain_m for s in report.suggestions),
        "chart_url": url_for("planner.chart", **query),
        "chart_narrow_url": url_for("planner.chart", size="narrow", **query),
        "timeline_url": url_for("planner.timeline_chart", **query),
        "map_url": url_for("planner.map_image", **full),
        "csv_url": url_for("planner.api_coverage", format="csv", **query),
        "geojson_url": url_for("planner.api_coverage", format="geojson", **query),
        "gpkg_url": url_for("planner.api_coverage", format="gpkg", **query),
        "gpkg_name": filename(params, "gpkg"),
        "json_url": url_for("planner.api_coverage", **query),
        "csv_name": filename(params, "csv"),
        "geojson_name": filename(params, "geojson"),
        "report_url": url_for("planner.report_page", **full),
        "page_url": url_for("planner.page", **full),
        "share_url": url_for("planner.page", **{**query, **scenario.query(), "scenario": None}),
        "scenario_csv_url": url_for("planner.api_scenario", format="csv", **full),
        "scenario_geojson_url": url_for("planner.api_scenario", format="geojson", **full),
        "scenario_csv_name": filename(params, "csv", "terrenkur-scenario"),
        "scenario_geojson_name": filename(params, "geojson", "terrenkur-scenario"),
        "take_suggested_url": url_for(
            "planner.page",
            **query,
            sites=scenarios.format_sites(suggested),
            name=_("Suggested sites"),
        )
        if suggested
        else None,
    }


def _scenario_context(scenario: ScenarioParams) -> dict[str, Any]:
    """Saved scenarios, and the one named in the URL, for signed-in curators."""
    if not drafts_allowed():
        return {"saved_scenarios": [], "saved": None}
    store = get_store()
    saved = route_scenario(scenario.saved) if scenario.saved is not None else None
    listed = [
        {
            **s,
            "open_url": url_for(
                "planner.page",
                **s["settings"],
                scenario=s["id"],
                name=s["name"],
                sites=scenarios.format_sites(s["sites"]),
            ),
        }
        for s in store.route_scenarios(current_walk().record["id"])
    ]
    return {"saved_scenarios": listed, "saved": saved}


def route_scenario(scenario_id: int) -> dict[str, Any] | None:
    """The saved scenario ``scenario_id`` if it was made on the request's route."""
    found = get_store().scenario(scenario_id)
    if found is None or found.get("route_id") != current_walk().record.get("id"):
        return None
    return found


def _request_params() -> tuple[CoverageParams, ScenarioParams, dict[str, str]]:
    """The page's parameters; a curator's ``scenario=<id>`` alone opens that saved scenario."""
    params, scenario, errors = parse_params(
        request.args, field_labels(), drafts_allowed=drafts_allowed()
    )
    if not errors and scenario.saved is not None and not scenario.sites and drafts_allowed():
        found = route_scenario(scenario.saved)
        if found is not None:
            scenario = ScenarioParams(
                name=scenario.name or found["name"],
                sites=tuple(found["sites"]),
                saved=scenario.saved,
            )
    return params, scenario, errors


def _context(params: CoverageParams, scenario: ScenarioParams, errors: dict) -> dict[str, Any]:
    context = _base_context(params, scenario, errors)
    context.update(_scenario_context(scenario))
    context["precision"] = None
    if not errors:
        context.update(analysis_context(context["walk"], params, scenario))
    return context


def _private_if_needed(resp: Response, params: CoverageParams) -> Response:
    """A page showing drafts or a curator's forms is never kept by a shared cache."""
    if params.with_drafts or drafts_allowed():
        resp.headers["Cache-Control"] = "private, no-store"
    return resp


@bp.get(f"{PAGE}/planner")
def page() -> ResponseReturnValue:
    from .. import maps  # folium: loaded by the first page that draws a map

    params, scenario, errors = _request_params()
    context = _context(params, scenario, errors)
    if errors:
        return render_template("planner.html", **context), 400
    walk = context["walk"]
    found = (context["comparison"], context["difference"]) if context["comparison"] else None
    settings = page_settings(
        walk, params, scenario, context["report"], context["counted"], context["timeline"], found
    )
    config = current_app.config
    m = maps.planner_map(
        [list(c) for c in walk.route.line_lonlat.coords],
        SETTINGS_ID,
        tiles_url=config["TILES"] or None,
        tiles_attribution=config["TILES_ATTRIBUTION"],
        asset_url=asset_url,
    )
    context.update(
        map_parts=maps.render_parts(m),
        settings=settings,
        settings_id=SETTINGS_ID,
        scripts=[asset_url(p) for _n, p in maps.PLANNER_SCRIPTS],
    )
    return _private_if_needed(Response(render_template("planner.html", **context)), params)


@bp.get(f"{PAGE}/planner/report")
def report_page() -> ResponseReturnValue:
    """The report to hand on: map, figures, charts and the scenario, ready to print (A4)."""
    params, scenario, errors = _request_params()
    context = _context(params, scenario, errors)
    context["report_styles"] = [asset_url("css/planner.css"), asset_url("css/planner_report.css")]
    context["report_script"] = asset_url("js/planner_report.js")
    context["today"] = dt.date.today().isoformat()
    context["data_changed"] = (get_store().data_changed_at() or "")[:10]
    if not errors:
        context["share_report_url"] = url_for(
            "planner.report_page", _external=True, **{**params.query(), **scenario.query()}
        )
    if errors:
        return render_template("planner_report.html", **context), 400
    html = render_template("planner_report.html", **context)
    return _private_if_needed(Response(html), params)


def _checked_params() -> tuple[CoverageParams, ScenarioParams]:
    params, scenario, errors = parse_params(request.args, drafts_allowed=drafts_allowed())
    if errors:
        raise ParamError(" ".join(errors.values()))
    return params, scenario


def _image(svg: str, params: CoverageParams) -> Response:
    resp = Response(svg, mimetype="image/svg+xml")
    # matplotlib styles its SVG inline; the image runs no script and loads nothing
    resp.headers["Content-Security-Policy"] = "default-src 'none'; style-src 'unsafe-inline'"
    if params.with_drafts:
        resp.headers["Cache-Control"] = "private, no-store"
        return resp
    return cacheable(resp)


@bp.get(f"{PAGE}/planner/chart.svg")
def chart() -> ResponseReturnValue:
    params, _scenario = _checked_params()
    size = request.args.get("size") or "wide"
    if size not in charts.CHART_SIZES:
        raise ParamError(
            _("size must be one of: %(allowed)s.", allowed=", ".join(charts.CHART_SIZES))
        )
    report, _counted = coverage_for(current_walk(), params)
    return _image(charts.coverage_chart_svg(report, chart_labels(), size), params)


@bp.get(f"{PAGE}/planner/timeline.svg")
def timeline_chart() -> ResponseReturnValue:
    params, _scenario = _checked_params()
    line = timeline_for(current_walk(), params)
    return _image(charts.timeline_chart_svg(line, timeline_labels()), params)


@bp.get(f"{PAGE}/planner/map.svg")
def map_image() -> ResponseReturnValue:
    """The route and its coverage as a static map (for the printable report)."""
    params, scenario = _checked_params()
    walk = current_walk()
    report, counted = coverage_for(walk, params)
    found = comparison_for(walk, params, scenario)
    svg = charts.coverage_map_svg(
        walk.route,
        report,
        [(w["lon"], w["lat"]) for w in counted.works],
        [(e.work["lon"], e.work["lat"]) for e in counted.excluded],
        found[0] if found else None,
        map_labels(),
    )
    return _image(svg, params)


def _data_response(resp: Response, params: CoverageParams) -> Response:
    if params.with_drafts:
        resp.headers["Cache-Control"] = "private, no-store"
        return resp
    return cacheable(resp)


@bp.get(f"{API}/coverage")
def api_coverage() -> ResponseReturnValue:
    """The coverage report: ``format=json`` (default), ``geojson``, ``csv`` or ``gpkg``."""
    params, _scenario, errors = parse_params(request.args, drafts_allowed=drafts_allowed())
    fmt = request.args.get("format") or "json"
    if fmt not in FORMATS:
        errors["format"] = _("format must be one of: %(allowed)s.", allowed=", ".join(FORMATS))
    if errors:
        raise ParamError(" ".join(errors.values()))
    walk = current_walk()
    report, counted = coverage_for(walk, params)
    public = not params.with_drafts
    if fmt == "geojson":
        return _json(coverage_formats.coverage_geojson(walk.route, report), GEOJSON, public=public)
    if fmt == "csv":
        resp = Response(coverage_formats.coverage_csv(walk.route, report), mimetype="text/csv")
        resp.headers["Content-Disposition"] = f'attachment; filename="{filename(params, "csv")}"'
        return _data_response(resp, params)
    if fmt == "gpkg":
        body = cached(
            "coverage-gpkg",
            (data_key(walk, params), params),
            lambda: gis.coverage_gpkg(walk.route, report),
        )
        resp = Response(body, mimetype=gis.GPKG_MIMETYPE)
        resp.headers["Content-Disposition"] = f'attachment; filename="{filename(params, "gpkg")}"'
        return _data_response(resp, params)
    doc = {
        "parameters": params.to_json(),
        **report.to_dict(),
        "uncertainty": range_for(walk, params).to_dict(),
        "excluded": [
            {
                "id": e.work["id"],
                "title": e.work["title"],
                "kind": e.work["kind"],
                "offset_m": round(e.offset_m, 1),
                "reason": e.reason,
            }
            for e in counted.excluded
        ],
        "timeline": timeline_for(walk, params).to_dict(),
    }
    return _json(doc, public=public)


@bp.get(f"{API}/scenario")
def api_scenario() -> ResponseReturnValue:
    """A scenario (``sites=lat,lon;...``) against today: ``json``, ``geojson`` or ``csv``."""
    params, scenario, errors = parse_params(request.args, drafts_allowed=drafts_allowed())
    fmt = request.args.get("format") or "json"
    if fmt not in SCENARIO_FORMATS:
        errors["format"] = _(
            "format must be one of: %(allowed)s.", allowed=", ".join(SCENARIO_FORMATS)
        )
    if not scenario.sites and "sites" not in errors:
        errors["sites"] = _("sites is required: lat,lon pairs separated by “;”.")
    if errors:
        raise ParamError(" ".join(errors.values()))
    walk = current_walk()
    report, _counted = coverage_for(walk, params)
    found = comparison_for(walk, params, scenario)
    assert found is not None
    comparison, diff = found
    public = not params.with_drafts
    if fmt == "geojson":
        doc = scenarios.comparison_geojson(walk.route, comparison)
        doc["scenario"]["uncertainty"] = diff.to_dict()
        return _json(doc, GEOJSON, public=public)
    if fmt == "csv":
        resp = Response(scenarios.comparison_csv(comparison), mimetype="text/csv")
        name = filename(params, "csv", "terrenkur-scenario")
        resp.headers["Content-Disposition"] = f'attachment; filename="{name}"'
        return _data_response(resp, params)
    newly = comparison.newly_covered
    doc = {
        "parameters": {**params.to_json(), "sites": scenarios.format_sites(scenario.sites)},
        **comparison.to_dict(),
        "uncertainty": diff.to_dict(),
        "display": comparison_display(report, found),
        "newly_covered_lines": route_parts_lonlat(
            walk.route, [a for a, _ in newly], [b for _, b in newly]
        ),
    }
    return _json(doc, public=public)
