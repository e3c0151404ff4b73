"""The planner: coverage of the route by art, its gaps, and where the next work could go.

``/planner`` is the page (map, form, tables, chart), ``/planner/chart.svg`` its chart
and ``/api/coverage`` the same report as JSON, GeoJSON, CSV or GeoPackage. The figures come
from :func:`mapapp.coverage.coverage_report`; this module only reads parameters,
filters the published works and shapes the responses.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Any

from flask import Blueprint, Response, current_app, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from .. import charts, coverage, coverage_formats, gis, maps
from ..catalog import Walk, route_credit
from ..numbers import NumberError, parse_float, parse_int
from ..records import KINDS
from ..web.assets import asset_url
from ..web.cache import cached
from ..web.labels import kind_labels
from ..web.params import GEOJSON, ParamError, cacheable
from ..web.params import json_response as _json
from ..web.walk import current_walk

bp = Blueprint("planner", __name__)

SETTINGS_ID = "planner-settings"
FORMATS = ("json", "geojson", "csv", "gpkg")
#: A raw value longer than this is cut short when quoted back in a message.
ECHO_MAX = 40


@dataclass(frozen=True)
class CoverageParams:
    """What a coverage report is asked for: radius, gap, segment, sites and filters."""

    radius: float = coverage.DEFAULT_RADIUS_M
    gap: float = coverage.DEFAULT_GAP_M
    segment: float = coverage.DEFAULT_SEGMENT_M
    k: int = coverage.DEFAULT_SUGGESTIONS
    kind: str | None = None
    festival: str | None = None

    def query(self) -> dict[str, Any]:
        """Query-string arguments that ask for this report again."""
        args: dict[str, Any] = {
            "radius": f"{self.radius:g}",
            "gap": f"{self.gap:g}",
            "segment": f"{self.segment:g}",
            "k": str(self.k),
        }
        if self.kind:
            args["kind"] = self.kind
        if self.festival:
            args["festival"] = self.festival
        return args


def _echo(raw: str) -> str:
    return raw if len(raw) <= ECHO_MAX else raw[: ECHO_MAX - 1] + "…"


def parse_params(
    args: Mapping[str, str],
    labels: Mapping[str, str] | None = None,
    festivals: tuple[str, ...] | None = None,
) -> tuple[CoverageParams, dict[str, str]]:
    """Read and check coverage parameters; return them and a message per bad field.

    Missing or empty fields take their defaults. ``labels`` names the fields in the
    messages (the page uses its form labels, the API the parameter names);
    ``festivals`` are the festival names allowed (those of the current walk's).
    """
    if festivals is None:
        festivals = festival_names(current_walk())
    names = {f: f for f in ("radius", "gap", "segment", "k", "kind", "festival")}
    names.update(labels or {})
    errors: dict[str, str] = {}
    values: dict[str, Any] = {}

    def number(field: str, low: float, high: float, low_open: bool) -> None:
        raw = (args.get(field) or "").strip()
        if not raw:
            return
        problem = None
        try:
            value = parse_float(raw, -1e12, 1e12)
        except NumberError as exc:
            value, problem = float("inf"), exc.code  # out of range: said below
        if problem == "not_number":
            errors[field] = _(
                "%(field)s must be a number of metres, got “%(raw)s”.",
                field=names[field],
                raw=_echo(raw),
            )
            return
        ok = value > low if low_open else value >= low
        if not ok or value > high:
            if low_open:
                message = _(
                    "%(field)s must be more than %(low)s and at most %(high)s metres.",
                    field=names[field],
                    low=f"{low:g}",
                    high=f"{high:g}",
                )
            else:
                message = _(
                    "%(field)s must be from %(low)s to %(high)s metres.",
                    field=names[field],
                    low=f"{low:g}",
                    high=f"{high:g}",
                )
            errors[field] = message
            return
        values[field] = value

    def choice(field: str, allowed: tuple[str, ...]) -> None:
        raw = args.get(field) or ""
        if not raw:
            return
        if raw not in allowed:
            errors[field] = _(
                "%(field)s must be one of: %(allowed)s.",
                field=names[field],
                allowed=", ".join(allowed),
            )
            return
        values[field] = raw

    number("radius", 0.0, coverage.MAX_RADIUS_M, low_open=True)
    number("gap", 0.0, coverage.MAX_GAP_M, low_open=True)
    number("segment", coverage.MIN_SEGMENT_M, coverage.MAX_SEGMENT_M, low_open=False)
    raw_k = (args.get("k") or "").strip()
    if raw_k:
        try:
            values["k"] = parse_int(raw_k, 0, coverage.MAX_SUGGESTIONS)
        except NumberError:
            errors["k"] = _(
                "%(field)s must be a whole number from 0 to %(high)s.",
                field=names["k"],
                high=coverage.MAX_SUGGESTIONS,
            )
    choice("kind", KINDS)
    choice("festival", festivals)
    return CoverageParams(**values), errors


def festival_names(walk: Walk) -> tuple[str, ...]:
    """The names of the festivals that published works belong to."""
    return tuple(f["name"] for f, _editions in walk.festival_choices())


# reports, cached per database version and parameters ------------------------------


def coverage_for(walk: Walk, params: CoverageParams) -> tuple[coverage.CoverageReport, list[dict]]:
    """The report for the published works matching the filters, and those works."""

    def build() -> tuple[coverage.CoverageReport, list[dict]]:
        works = walk.filtered(kind=params.kind, festival=params.festival)
        report = coverage.coverage_report(
            walk.route,
            [w["lon"] for w in works],
            [w["lat"] for w in works],
            radius_m=params.radius,
            gap_m=params.gap,
            segment_m=params.segment,
            k=params.k,
        )
        return report, works

    return cached("coverage", (walk.version, params), build)


# strings ------------------------------------------------------------------------------


def field_labels() -> dict[str, str]:
    return {
        "radius": _("Walking radius"),
        "gap": _("Shortest gap"),
        "segment": _("Segment length"),
        "k": _("Suggested sites"),
        "kind": _("Kind"),
        "festival": _("Festival"),
    }


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
        "legend": _("Coverage"),
        "none": _("No work within %(r)s m", r="{r}"),
        "one": _("1 work within %(r)s m", r="{r}"),
        "two": _("2 works"),
        "many": _("3 or more works"),
        "gaps": _("Gap of %(g)s or more", g="{g}"),
        "works": _("Work and its %(r)s m radius", r="{r}"),
        "sites": _("Suggested site"),
        "m": _("%(n)s m", n="{n}"),
        "km": _("%(n)s km", n="{n}"),
        "layerWorks": _("Works and their radius"),
        "layerGaps": _("Gap labels"),
        "layerSites": _("Suggested sites"),
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


def filename(params: CoverageParams, ext: str) -> str:
    parts = ["terrenkur-coverage", f"r{params.radius:g}"]
    parts += [p.lower().replace(" ", "-") for p in (params.kind, params.festival) if p]
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


# views ----------------------------------------------------------------------------------


@bp.get("/planner")
def page() -> ResponseReturnValue:
    labels = field_labels()
    params, errors = parse_params(request.args, labels)
    walk = current_walk()
    form = {**params.query(), "kind": params.kind or "", "festival": params.festival or ""}
    for name in errors:
        form[name] = request.args.get(name, "")
    kinds = kind_labels()
    context: dict[str, Any] = {
        "walk": walk,
        "labels": labels,
        "form": form,
        "errors": errors,
        "params": params,
        "kinds": [(k, kinds[k]) for k in KINDS],
        "kind_labels": kinds,
        "festivals": festival_names(walk),
        "limits": {
            "radius_max": coverage.MAX_RADIUS_M,
            "gap_max": coverage.MAX_GAP_M,
            "segment_min": coverage.MIN_SEGMENT_M,
            "segment_max": coverage.MAX_SEGMENT_M,
            "k_max": coverage.MAX_SUGGESTIONS,
        },
        "styles": [asset_url(p) for _n, p in maps.PLANNER_STYLES],
        "report": None,
        "route_credit": route_credit(walk.route_properties),
    }
    if errors:
        return render_template("planner.html", **context), 400
    report, works = coverage_for(walk, params)
    settings = maps.planner_settings(walk.route, report, works, planner_strings())
    config = current_app.config
    m = maps.planner_map(
        [list(c) for c in walk.route.line_lonlat.coords],
        SETTINGS_ID,
        tiles_url=config["TILES"] or None,
        tiles_attribution=config["TILES_ATTRIBUTION"],
        asset_url=asset_url,
    )
    query = params.query()
    context.update(
        report=report,
        works=works,
        neighbours=gap_neighbours(report, works),
        map_parts=maps.render_parts(m),
        settings=settings,
        settings_id=SETTINGS_ID,
        scripts=[asset_url(p) for _n, p in maps.PLANNER_SCRIPTS],
        chart_url=url_for("planner.chart", **query),
        chart_narrow_url=url_for("planner.chart", size="narrow", **query),
        csv_url=url_for("planner.api_coverage", format="csv", **query),
        geojson_url=url_for("planner.api_coverage", format="geojson", **query),
        gpkg_url=url_for("planner.api_coverage", format="gpkg", **query),
        gpkg_name=filename(params, "gpkg"),
        json_url=url_for("planner.api_coverage", **query),
        csv_name=filename(params, "csv"),
        geojson_name=filename(params, "geojson"),
        added_m=sum(s.gain_m for s in report.suggestions),
    )
    return render_template("planner.html", **context)


def _checked_params() -> CoverageParams:
    params, errors = parse_params(request.args)
    if errors:
        raise ParamError(" ".join(errors.values()))
    return params


@bp.get("/planner/chart.svg")
def chart() -> ResponseReturnValue:
    params = _checked_params()
    size = request.args.get("size") or "wide"
    if size not in charts.CHART_SIZES:
        raise ParamError(
            _("size must be one of: %(allowed)s.", allowed=", ".join(charts.CHART_SIZES))
        )
    report, _works = coverage_for(current_walk(), params)
    svg = charts.coverage_chart_svg(report, chart_labels(), size)
    resp = Response(svg, mimetype="image/svg+xml")
    # matplotlib styles its SVG inline; the image runs no script and loads nothing
    resp.headers["Content-Security-Policy"] = "default-src 'none'; style-src 'unsafe-inline'"
    return cacheable(resp)


@bp.get("/api/coverage")
def api_coverage() -> ResponseReturnValue:
    """The coverage report: ``format=json`` (default), ``geojson``, ``csv`` or ``gpkg``."""
    params, errors = parse_params(request.args)
    fmt = request.args.get("format") or "json"
    if fmt not in FORMATS:
        errors["format"] = _("format must be one of: %(allowed)s.", allowed=", ".join(FORMATS))
    if errors:
        raise ParamError(" ".join(errors.values()))
    walk = current_walk()
    report, _works = coverage_for(walk, params)
    if fmt == "geojson":
        return _json(coverage_formats.coverage_geojson(walk.route, report), GEOJSON)
    if fmt == "csv":
        resp = Response(coverage_formats.coverage_csv(walk.route, report), mimetype="text/csv")
        resp.headers["Content-Disposition"] = f'attachment; filename="{filename(params, "csv")}"'
        return cacheable(resp)
    if fmt == "gpkg":
        body = cached(
            "coverage-gpkg",
            (walk.version, tuple(sorted(params.query().items()))),
            lambda: gis.coverage_gpkg(walk.route, report),
        )
        resp = Response(body, mimetype=gis.GPKG_MIMETYPE)
        resp.headers["Content-Disposition"] = f'attachment; filename="{filename(params, "gpkg")}"'
        return cacheable(resp)
    return _json({"parameters": asdict(params), **report.to_dict()})
