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
