"""Coverage figures for the planner: prints them, asserts nothing.

Run with ``.venv/bin/python benchmarks/coverage.py`` (``--quick`` for a smoke run).

1. The full coverage report (covered length, segments, gaps, works per km) for
   10,000 synthetic installations along a 50 km synthetic route (target < 1 s).
2. Suggested sites, k = 10, on the same data (target < 5 s).
3. Peak Python memory of both (tracemalloc).
4. Build time of ``/planner`` through the Flask test client: the shipped data, and
   the shipped route with 10,000 synthetic installations added (also the printable
   report and ``/api/scenario``).
5. A scenario of 20 proposed sites compared with today, and the range of what it adds.
6. Suggested sites under constraints (stretches kept clear, near one of 200 access
   points, spacing).
7. The covered share's range: Monte Carlo with 200 draws, and with the draws the
   page uses for 10,000 works.
8. Coverage year by year (10,000 works dated 1990 to this year, a tenth temporary).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from mapapp import coverage, coverage_formats, geo, scenarios, timeline, uncertainty  # noqa: E402
from mapapp.app import create_app  # noqa: E402
from mapapp.catalog import build_walk, load_seed, seed  # noqa: E402
from mapapp.records import KINDS, Installation  # noqa: E402
from mapapp.store import Store  # noqa: E402
from mapapp.web.cache import VersionedCache  # noqa: E402

ALMATY_UTM = (655_000.0, 4_790_000.0)
TARGET_REPORT_S = 1.0
TARGET_SITES_S = 5.0


def met(ok: bool) -> str:
    return "met" if ok else "MISSED"


def timed(fn: Callable[[], Any], repeat: int = 1) -> tuple[float, float, Any]:
    """Median and minimum seconds over ``repeat`` runs, and the last result."""
    times, out = [], None
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), min(times), out


def synthetic_route(length_m: float, seed: int = 7) -> geo.Route:
    """A meandering route about ``length_m`` long, a vertex every ~50 m."""
    rng = np.random.default_rng(seed)
    n = int(length_m / 50) + 1
    heading = np.cumsum(rng.normal(0, 0.15, n))
    x = ALMATY_UTM[0] + np.concatenate([[0], np.cumsum(50 * np.cos(heading[1:]))])
    y = ALMATY_UTM[1] + np.concatenate([[0], np.cumsum(50 * np.sin(heading[1:]))])
    lon, lat = geo.to_lonlat(x, y)
    return geo.Route.from_coords(np.column_stack([lon, lat]).tolist())


def works_near(route: geo.Route, n: int, spread_m: float = 300.0, seed: int = 11):
    """``n`` points within ``spread_m`` of the route, as lon/lat arrays.

    Works come in clusters (one per 2 km of route, each about 600 m long), as
    festivals place them, so the route has covered stretches and gaps.
    """
    import shapely

    rng = np.random.default_rng(seed)
    centres = rng.uniform(0, route.length_m, max(1, int(route.length_m / 2000)))
    along = np.clip(rng.choice(centres, n) + rng.normal(0, 300, n), 0, route.length_m)
    at = shapely.line_interpolate_point(route.line_m, along)
    angle = rng.uniform(0, 2 * np.pi, n)
    r = spread_m * np.sqrt(rng.uniform(0, 1, n))
    x = shapely.get_x(at) + r * np.cos(angle)
    y = shapely.get_y(at) + r * np.sin(angle)
    return geo.to_lonlat(x, y)


def bench_geometry(n_works: int, length_m: float) -> None:
    print(f"\n1-3. {n_works:,} works along a {length_m / 1000:g} km route (R = 150 m)")
    route = synthetic_route(length_m)
    lon, lat = works_near(route, n_works)
    print(f"  route           {route.length_m:,.0f} m, {len(route.line_m.coords):,} vertices")
    coverage.coverage_report(route, lon[:10], lat[:10], k=0)  # warm-up (imports, transformers)

    med, best, rep = timed(lambda: coverage.coverage_report(route, lon, lat, k=0), repeat=5)
    print(
        f"  full report     median {med:.3f} s, min {best:.3f} s  "
        f"(target < {TARGET_REPORT_S:g} s: {met(med < TARGET_REPORT_S)})"
    )
    print(
        f"                  covered {rep.share * 100:.1f} %, {len(rep.segments):,} segments, "
        f"{len(rep.gaps)} gaps, {rep.works_per_km:.1f} works/km"
    )
    x, y = geo.to_metric(lon, lat)
    med, best, sites = timed(lambda: coverage.suggest_sites(route, x, y, 150.0, 10), repeat=3)
    print(
        f"  sites, k = 10   median {med:.3f} s, min {best:.3f} s  "
        f"(target < {TARGET_SITES_S:g} s: {met(med < TARGET_SITES_S)}); "
        f"step {coverage.candidate_step(route.length_m):g} m, first adds {sites[0].gain_m:.0f} m"
    )
    med, _, _ = timed(lambda: coverage.coverage_report(route, lon, lat, k=10), repeat=3)
    print(f"  report + sites  median {med:.3f} s")
    med, _, _ = timed(lambda: coverage_formats.coverage_geojson(route, rep), repeat=3)
    print(f"  GeoJSON export  median {med:.3f} s")

    tracemalloc.start()
    coverage.coverage_report(route, lon, lat, k=10)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    print(f"  peak memory     {peak / 1e6:.1f} MB (tracemalloc, report with k = 10)")

    # the largest radius and the shortest segments the API accepts
    tracemalloc.start()
    med, _, worst = timed(
        lambda: coverage.coverage_report(route, lon, lat, radius_m=5000, segment_m=10, k=10)
    )
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    print(
        f"  worst case      R = 5000 m, 10 m segments, k = 10: {med:.3f} s, "
        f"peak {peak / 1e6:.0f} MB, {len(worst.segments):,} segments"
    )


def bench_planning(n_works: int, length_m: float) -> None:
    import shapely

    print(
        f"\n5-8. Scenarios, constraints, precision and time: {n_works:,} works, "
        f"{length_m / 1000:g} km"
    )
    route = synthetic_route(length_m)
    lon, lat = works_near(route, n_works)
    x, y = geo.to_metric(lon, lat)
    rng = np.random.default_rng(5)
    today = coverage.coverage_report(route, lon, lat, k=20)
    sites = [(s.lon, s.lat) for s in today.suggestions]
    med, _, cmp = timed(
        lambda: scenarios.compare(
            route, lon, lat, sites, radius_m=150, gap_m=300, segment_m=100, today=today
        ),
        repeat=3,
    )
    print(
        f"  scenario, 20 sites  median {med:.3f} s; covered {cmp.today.share * 100:.1f} % -> "
        f"{cmp.scenario.share * 100:.1f} %, {cmp.gaps_closed} gaps closed"
    )
    sx, sy = geo.to_metric([s[0] for s in sites], [s[1] for s in sites])
    errors = uncertainty.work_errors_m(["estimated"] * n_works)
    draws = uncertainty.draws_for(n_works + len(sites))
    med, _, diff = timed(
        lambda: uncertainty.difference_range(route, x, y, errors, sx, sy, 150.0, 200.0, draws=draws)
    )
    print(
        f"  what it adds, range ({draws} paired draws)  {med:.3f} s; "
        f"{diff.low * 100:.1f} to {diff.high * 100:.1f} points"
    )

    at = shapely.line_interpolate_point(route.line_m, rng.uniform(0, route.length_m, 200))
    ax = shapely.get_x(at) + rng.normal(0, 60, 200)
    ay = shapely.get_y(at) + rng.normal(0, 60, 200)
    alon, alat = geo.to_lonlat(ax, ay)
    access = tuple(
        coverage.AccessPoint(f"a{i}", float(a), float(b))
        for i, (a, b) in enumerate(zip(alon, alat, strict=True))
    )
    rules = coverage.SiteConstraints(
        avoid=((5000.0, 8000.0), (20_000.0, 22_000.0), (40_000.0, 41_000.0)),
        access_points=access,
        access_within_m=300.0,
        spacing_m=500.0,
    )
    med, _, found = timed(
        lambda: coverage.suggest_sites(route, x, y, 150.0, 10, constraints=rules), repeat=3
    )
    plain, _, _ = timed(lambda: coverage.suggest_sites(route, x, y, 150.0, 10), repeat=3)
    print(
        f"  sites under constraints, k = 10  median {med:.3f} s (unconstrained {plain:.3f} s); "
        f"{len(found)} sites, first adds {found[0].gain_m:.0f} m, "
        f"{found[0].access_m:.0f} m from an access point"
    )

    for n_draws in (uncertainty.DRAWS, uncertainty.draws_for(n_works)):
        med, _, rng_ = timed(
            lambda n_draws=n_draws: uncertainty.share_range(
                route, x, y, 150.0, errors, 200.0, draws=n_draws
            )
        )
        print(
            f"  share range, {n_draws} draws  {med:.3f} s; {rng_.share * 100:.1f} % as drawn, "
            f"likely {rng_.low * 100:.1f}-{rng_.high * 100:.1f} %, "
            f"bounds {rng_.bound_low * 100:.1f}-{rng_.bound_high * 100:.1f} %"
        )

    years = rng.integers(1990, 2027, n_works)
    works = [
        {
            "lon": float(a),
            "lat": float(b),
            "year": int(yr),
            **({"end_date": f"{int(yr) + 1}-06"} if i % 10 == 0 else {}),
        }
        for i, (a, b, yr) in enumerate(zip(lon, lat, years, strict=True))
    ]
    med, _, line = timed(lambda: timeline.coverage_timeline(route, works, 150.0), repeat=3)
    print(
        f"  timeline  median {med:.3f} s; {len(line.years)} years, "
        f"{line.years[-1].share * 100:.1f} % in {line.years[-1].year}"
    )


def synthetic_records(route: geo.Route, n: int) -> list[Installation]:
    lon, lat = works_near(route, n)
    return [
        Installation(
            id=200_000 + i,
            slug=f"bench-work-{i}",
            title=f"Synthetic work {i}",
            kind=KINDS[i % len(KINDS)],
            lat=float(lat[i]),
            lon=float(lon[i]),
            location_precision="estimated",
            source_url="https://example.org/bench",
            status="published",
        )
        for i in range(n)
    ]


def bench_page(label: str, db: Path, repeat: int) -> None:
    app = create_app({"TESTING": True, "DB": str(db), "SECRET_KEY": "bench", "TILES": ""})
    client = app.test_client()

    def cold() -> Any:
        app.extensions["mapapp.cache"] = VersionedCache()  # drop cached reports and pages
        resp = client.get("/planner")
        assert resp.status_code == 200
        return resp

    t0 = time.perf_counter()
    first = cold()
    first_s = time.perf_counter() - t0
    med, best, resp = timed(cold, repeat=repeat)
    cached, _, _ = timed(lambda: client.get("/planner"), repeat=repeat)
    chart, _, _ = timed(lambda: client.get("/planner/chart.svg"), repeat=repeat)
    print(
        f"  {label:<22} first {first_s:.3f} s; warm median {med:.3f} s (min {best:.3f}); "
        f"report cached {cached:.3f} s; chart {chart:.3f} s; HTML {len(first.data) / 1024:,.0f} KB"
    )
    sites = "43.2301,76.9254;43.2445,76.9195;43.2200,76.9320"

    def scenario() -> Any:
        app.extensions["mapapp.cache"] = VersionedCache()
        resp = client.get(f"/api/scenario?sites={sites}")
        assert resp.status_code == 200
        return resp

    def printable() -> Any:
        resp = client.get(f"/planner/report?sites={sites}")
        assert resp.status_code == 200
        return resp

    api, _, _ = timed(scenario, repeat=max(1, repeat // 2))
    report, _, _ = timed(printable, repeat=max(1, repeat // 2))
    svg, _, _ = timed(lambda: client.get(f"/planner/map.svg?sites={sites}"), repeat=1)
    print(
        f"  {'':<22} /api/scenario (3 sites) cold {api:.3f} s; report page cached {report:.3f} s; "
        f"map.svg {svg:.3f} s"
    )


def bench_pages(n_works: int, repeat: int) -> None:
    print("\n4. /planner page build (Flask test client, tiles off)")
    with tempfile.TemporaryDirectory() as tmp:
        shipped = Path(tmp) / "shipped.sqlite"
        store = Store.open(shipped)
        seed(store, load_seed(ROOT / "data"))
        walk = build_walk(store)
        store.close()
        bench_page(f"shipped ({len(walk.stops)} works)", shipped, repeat)

        big = Path(tmp) / "big.sqlite"
        store = Store.open(big)
        seed(store, load_seed(ROOT / "data"))
        t0 = time.perf_counter()
        store.insert_missing(synthetic_records(walk.route, n_works))
        print(f"  ({n_works:,} synthetic works inserted in {time.perf_counter() - t0:.1f} s)")
        store.close()
        bench_page(f"+{n_works:,} works", big, repeat)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="1,000 works, fewer repeats")
    args = parser.parse_args()
    n = 1_000 if args.quick else 10_000
    print("Cultural Terrenkur: coverage benchmarks")
    bench_geometry(n, 50_000.0)
    bench_planning(n, 50_000.0)
    bench_pages(n, repeat=2 if args.quick else 5)


if __name__ == "__main__":
    main()
