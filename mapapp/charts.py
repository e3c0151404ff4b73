"""The planner's chart: works per kilometre along the route, as SVG (matplotlib).

No Flask, no SQL; matplotlib is imported when a chart is drawn, so the web app
pays for it only then.
"""

from __future__ import annotations

import io
import threading
from typing import Any

from .coverage_formats import COVERAGE_COLOURS

#: English defaults of the chart's labels; ``{r}`` is the radius in metres.
CHART_LABELS = {
    "title": "Works within {r} m of the route, per kilometre",
    "x": "km along the route",
    "y": "works per km",
    "works": "works per km",
    "average": "average {n} per km",
    "gap": "gap with no work within {r} m",
}
_CHART_LOCK = threading.Lock()


#: Chart sizes in inches: wide for tablets and up, narrow (larger text) for phones.
CHART_SIZES = {"wide": (8.0, 3.2), "narrow": (4.6, 3.6)}


def coverage_chart_svg(
    report: Any, labels: dict[str, str] | None = None, size: str = "wide"
) -> str:
    """Bar chart of works per kilometre along the route, with the gaps shaded, as SVG.

    Uses matplotlib's object API (no pyplot state), imported here so that the web
    app only pays for it when a chart is asked for. The SVG is deterministic for a
    given report, so it can carry an ETag. ``size`` is a key of :data:`CHART_SIZES`.
    """
    import matplotlib
    from matplotlib.figure import Figure

    text = {**CHART_LABELS, **(labels or {})}
    r = f"{report.radius_m:g}"
    fig = Figure(figsize=CHART_SIZES[size], layout="constrained")
    ax = fig.subplots()
    left = [b.start_m / 1000 for b in report.per_km]
    width = [(b.end_m - b.start_m) / 1000 for b in report.per_km]
    height = [b.works_per_km for b in report.per_km]
    for i, g in enumerate(report.gaps):
        ax.axvspan(
            g.start_m / 1000,
            g.end_m / 1000,
            color=COVERAGE_COLOURS[0],
            alpha=0.15,
            linewidth=0,
            label=text["gap"].format(r=r) if i == 0 else None,
        )
    ax.bar(
        left,
        height,
        width=width,
        align="edge",
        color=COVERAGE_COLOURS[3],
        edgecolor="white",
        label=text["works"],
    )
    if report.length_m > 0:
        mean = report.works_per_km
        ax.axhline(
            mean,
            color="#1b1f24",
            linestyle="--",
            linewidth=1,
            label=text["average"].format(n=f"{mean:.1f}"),
        )
    ax.set_xlim(0, report.length_m / 1000)
    ax.set_ylim(0, max([*height, 1.0]) * 1.15)
    ax.set_xlabel(text["x"])
    ax.set_ylabel(text["y"])
    ax.set_title(text["title"].format(r=r), loc="left", fontsize="medium")
    ax.spines[["top", "right"]].set_visible(False)
    ncols = 3 if size == "wide" else 1
    fig.legend(loc="outside lower center", ncols=ncols, fontsize="small", frameon=False)
    out = io.StringIO()
    with (
        _CHART_LOCK,
        matplotlib.rc_context({"svg.fonttype": "none", "svg.hashsalt": "terrenkur"}),
    ):
        fig.savefig(out, format="svg", metadata={"Date": None})
    return out.getvalue()


#: English defaults of the timeline chart's labels.
TIMELINE_LABELS = {
    "title": "Share of the route within {r} m of a work, year by year",
    "x": "year",
    "share": "covered share, %",
    "standing": "works standing",
}


def timeline_chart_svg(line: Any, labels: dict[str, str] | None = None) -> str:
    """Covered share per year (a step line) over the works standing (bars), as SVG.

    ``line`` is a :class:`mapapp.timeline.Timeline`. With no dated work the chart
    says so instead of drawing an empty axis.
    """
    import matplotlib
    from matplotlib.figure import Figure

    text = {**TIMELINE_LABELS, **(labels or {})}
    fig = Figure(figsize=CHART_SIZES["wide"], layout="constrained")
    ax = fig.subplots()
    years = [y.year for y in line.years]
    shares = [y.share * 100 for y in line.years]
    standing = [y.standing for y in line.years]
    bars = ax.twinx()
    if years:
        bars.bar(years, standing, width=0.8, color="#c9d6e3", label=text["standing"], zorder=1)
        ax.step(
            years,
            shares,
            where="mid",
            color=COVERAGE_COLOURS[3],
            linewidth=2,
            label=text["share"],
            zorder=3,
        )
        ax.set_xlim(years[0] - 0.5, years[-1] + 0.5)
    ax.set_zorder(bars.get_zorder() + 1)
    ax.patch.set_visible(False)
    ax.set_ylim(0, max([*shares, 10.0]) * 1.15)
    bars.set_ylim(0, max([*standing, 1]) * 1.6)
    ax.set_xlabel(text["x"])
    ax.set_ylabel(text["share"])
    bars.set_ylabel(text["standing"])
    ax.set_title(text["title"].format(r=f"{line.radius_m:g}"), loc="left", fontsize="medium")
    ax.spines[["top"]].set_visible(False)
    bars.spines[["top"]].set_visible(False)
    handles = ax.get_legend_handles_labels()[0] + bars.get_legend_handles_labels()[0]
    if handles:
        fig.legend(
            handles=handles, loc="outside lower center", ncols=2, fontsize="small", frameon=False
        )
    return _svg(fig, matplotlib)


#: English defaults of the static map's labels.
MAP_LABELS = {
    "title": "Coverage within {r} m along the route",
    "none": "no work within {r} m",
    "one": "1 work",
    "two": "2 works",
    "many": "3 or more",
    "work": "work counted",
    "excluded": "work not counted (too far)",
    "proposal": "proposed site",
    "newly": "newly covered",
    "site": "suggested site",
    "north": "N",
    "scale": "{n} m",
}


def coverage_map_svg(
    route: Any,
    report: Any,
    works: list[tuple[float, float]],
    excluded: list[tuple[float, float]],
    comparison: Any = None,
    labels: dict[str, str] | None = None,
) -> str:
    """The route coloured by coverage, the works, the scenario and the gaps, as an SVG map.

    Drawn in metres (UTM 43N, north up) without tiles, so a printed report needs no
    tile server. ``works`` and ``excluded`` are ``(lon, lat)``; ``comparison`` is a
    :class:`mapapp.scenarios.Comparison` or ``None``.
    """
    import matplotlib
    import numpy as np
    import shapely
    from matplotlib.figure import Figure

    from .geo import to_metric

    text = {**MAP_LABELS, **(labels or {})}
    r = f"{report.radius_m:g}"
    fig = Figure(figsize=(7.0, 7.6), layout="constrained")
    ax = fig.subplots()
    ax.set_aspect("equal")
    line = route.line_m

    def part(a: float, b: float) -> np.ndarray:
        at = np.linspace(a, b, max(2, int((b - a) / 20) + 2))
        return shapely.get_coordinates(shapely.line_interpolate_point(line, at))

    names = ["none", "one", "two", "many"]
    seen: set[int] = set()
    xy = np.asarray(line.coords)
    ax.plot(xy[:, 0], xy[:, 1], color="white", linewidth=7, solid_capstyle="round", zorder=1)
    for s in report.segments:
        level = min(s.works, 3)
        pts = part(s.start_m, s.end_m)
        ax.plot(
            pts[:, 0],
            pts[:, 1],
            color=COVERAGE_COLOURS[level],
            linewidth=4 if level else 3,
            linestyle="--" if level == 0 else "-",
            solid_capstyle="butt",
            label=text[names[level]].format(r=r) if level not in seen else None,
            zorder=2,
        )
        seen.add(level)
    if comparison is not None:
        for i, (a, b) in enumerate(comparison.newly_covered):
            pts = part(a, b)
            ax.plot(
                pts[:, 0],
                pts[:, 1],
                color="#6a1b9a",
                linewidth=9,
                alpha=0.35,
                solid_capstyle="butt",
                label=text["newly"] if i == 0 else None,
                zorder=1.5,
            )
    if works:
        x, y = to_metric([p[0] for p in works], [p[1] for p in works], route.crs)
        ax.scatter(x, y, color=COVERAGE_COLOURS[3], s=22, label=text["work"], zorder=4)
    if excluded:
        x, y = to_metric([p[0] for p in excluded], [p[1] for p in excluded], route.crs)
        ax.scatter(
            x, y, facecolor="none", edgecolor="#6b7785", s=28, label=text["excluded"], zorder=4
        )
    if report.suggestions:
        x, y = to_metric(
            [s.lon for s in report.suggestions], [s.lat for s in report.suggestions], route.crs
        )
        ax.scatter(x, y, marker="D", color="#6a1b9a", s=30, label=text["site"], zorder=5)
        for s, sx, sy in zip(report.suggestions, x, y, strict=True):
            ax.annotate(
                str(s.rank), (sx, sy), xytext=(4, 4), textcoords="offset points", fontsize=7
            )
    if comparison is not None and comparison.sites:
        x, y = to_metric(
            [s.lon for s in comparison.sites], [s.lat for s in comparison.sites], route.crs
        )
        ax.scatter(
            x,
            y,
            marker="o",
            facecolor="white",
            edgecolor="#6a1b9a",
            linewidth=2,
            s=60,
            label=text["proposal"],
            zorder=6,
        )
        for s, sx, sy in zip(comparison.sites, x, y, strict=True):
            ax.annotate(
                f"P{s.number}",
                (sx, sy),
                xytext=(5, -9),
                textcoords="offset points",
                fontsize=7,
                color="#6a1b9a",
            )
    for g in report.gaps[:5]:
        mx, my = to_metric([g.middle_lonlat[0]], [g.middle_lonlat[1]], route.crs)
        ax.annotate(
            str(g.rank),
            (mx[0], my[0]),
            xytext=(8, 0),
            textcoords="offset points",
            fontsize=7,
            color="#8c1a10",
            bbox={"boxstyle": "round", "fc": "white", "ec": "#d7301f"},
        )
    x0, y0, x1, y1 = line.bounds
    pad = max(x1 - x0, y1 - y0) * 0.08 + report.radius_m
    ax.set_xlim(x0 - pad, x1 + pad)
    ax.set_ylim(y0 - pad, y1 + pad)
    bar = _scale_length((x1 - x0 + 2 * pad) / 4)
    bx, by = x0 - pad * 0.6, y0 - pad * 0.6
    ax.plot([bx, bx + bar], [by, by], color="#1b1f24", linewidth=3)
    ax.annotate(
        text["scale"].format(n=f"{bar:g}"),
        (bx, by),
        xytext=(0, 4),
        textcoords="offset points",
        fontsize=7,
    )
    ax.annotate(
        text["north"],
        (0.96, 0.96),
        xycoords="axes fraction",
        ha="center",
        fontsize=9,
        fontweight="bold",
    )
    ax.annotate(
        "",
        (0.96, 0.95),
        xytext=(0.96, 0.86),
        xycoords="axes fraction",
        arrowprops={"arrowstyle": "-|>", "color": "#1b1f24"},
    )
    ax.set_xticks([])
    ax.set_yticks([])
    ax.set_title(text["title"].format(r=r), loc="left", fontsize="medium")
    fig.legend(loc="outside lower center", ncols=3, fontsize="small", frameon=False)
    return _svg(fig, matplotlib)


def _scale_length(span_m: float) -> float:
    """A round length for a scale bar of about ``span_m``."""
    for step in (5000, 2000, 1000, 500, 200, 100, 50):
        if span_m >= step:
            return float(step)
    return 20.0


def _svg(fig: Any, matplotlib: Any) -> str:
    out = io.StringIO()
    with (
        _CHART_LOCK,
        matplotlib.rc_context({"svg.fonttype": "none", "svg.hashsalt": "terrenkur"}),
    ):
        fig.savefig(out, format="svg", metadata={"Date": None})
    return out.getvalue()
