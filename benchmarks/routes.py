"""A network of routes: 10 routes in 10 cities, 10,000 works on each. Prints only.

Run with ``.venv/bin/python benchmarks/routes.py`` (several minutes: most of it
storing 100,000 works) or ``--works 1000`` for a smoke run. See
``benchmarks/README.md``.

The database is the shipped data (the route ``esentai`` in Almaty) plus 9 routes
invented for the benchmark, each a generated wavy line of 6 to 8 km through a real
city's centre (clearly synthetic: keys ``bench-<city>``), and ``--works`` synthetic
works within 300 m of each route's line (``run.synthetic_installations`` in the
route's own UTM zone), stored in bulk with ``Store.insert_missing``.

The app runs as ``mapapp serve`` runs it (``servers.py app``: waitress in its own
process). Printed, with Chromium's ``Accept-Encoding``:

1. the home page ``/`` (every route listed over the overview map): the first
   request after the server started (cold), the median of warm ones, its bytes raw
   (identity), gzip and as sent (the server's choice: brotli);
2. one route's map page ``/<route>/`` and its data (``stops.json``,
   ``installations.geojson``, the first ``details`` chunk), each cold (first
   request of a freshly started server for the page; the data right after it) and
   warm, with their bytes;
3. requests per second for that route's API from 2 keep-alive client threads:
   ``stops.json`` revalidated (``If-None-Match``: 304) and in full (200), ``next``
   and ``nearest`` at points along the line;
4. the server's RSS (and peak) after all of it.

If the home page's first request takes more than 2 s, a cProfile of it (in-process,
a fresh app) says where the time goes.
"""

from __future__ import annotations

import argparse
import gzip
import math
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from run import heading, machine, make_app, profile, seeded_db, synthetic_installations  # noqa: E402
from scale import ENCODINGS, get, hammer, kb, server  # noqa: E402

from mapapp import geo  # noqa: E402
from mapapp.records import Route  # noqa: E402
from mapapp.store import Store  # noqa: E402

#: Real city centres (lon, lat) the synthetic lines go through; the shipped route
#: (Almaty) is the tenth.
CITIES = (
    ("astana", "Astana", "KZ", 71.4306, 51.1283),
    ("bishkek", "Bishkek", "KG", 74.6122, 42.8746),
    ("tashkent", "Tashkent", "UZ", 69.2797, 41.3111),
    ("dushanbe", "Dushanbe", "TJ", 68.7739, 38.5598),
    ("tbilisi", "Tbilisi", "GE", 44.7930, 41.6970),
    ("yerevan", "Yerevan", "AM", 44.5152, 40.1811),
    ("baku", "Baku", "AZ", 49.8671, 40.3777),
    ("chisinau", "Chisinau", "MD", 28.8323, 47.0245),
    ("minsk", "Minsk", "BY", 27.5615, 53.9023),
)
MEASURED = "esentai"  # the route whose page, data and API are measured
WARM = 5  # warm requests per figure (median)
SECONDS = 4.0  # per requests-per-second figure
THREADS = 2  # client threads
SLOW_HOME_S = 2.0  # profile the home page's first request above this


def synthetic_line(lon: float, lat: float, length_m: float, turn: float) -> list[list[float]]:
    """A wavy line of about ``length_m`` through (lon, lat), turned by ``turn`` radians;
    [[lon, lat], ...]. Invented for the benchmark."""
    crs = geo.utm_crs(lon, lat)
    (cx,), (cy,) = geo.to_metric([lon], [lat], crs)
    t = np.linspace(-0.5, 0.5, 40) * length_m * 0.93  # the waves add about 7 %
    wave = 250.0 * np.sin(t / length_m * 6 * math.pi)
    x = cx + t * math.cos(turn) - wave * math.sin(turn)
    y = cy + t * math.sin(turn) + wave * math.cos(turn)
    lons, lats = geo.to_lonlat(x, y, crs)
    return [[round(float(a), 6), round(float(b), 6)] for a, b in zip(lons, lats, strict=True)]


def build_db(path: Path, works: int) -> None:
    """The shipped data, 9 synthetic routes and ``works`` synthetic works on each of
    the 10; prints how long each part took."""
    seeded_db(path)
    store = Store.open(path)
    try:
        shipped = store.current_route(store.default_route()["id"])
        lines = {MEASURED: shipped["coordinates"]}
        t0 = time.perf_counter()
        for i, (key, city, country, lon, lat) in enumerate(CITIES):
            slug = f"bench-{key}"
            record = Route(
                slug=slug,
                name=f"Benchmark walk {i + 1} (synthetic)",
                city=city,
                country=country,
                languages="en",
                source_note="Invented for benchmarks/routes.py: not a real route.",
            ).model_dump()
            record.pop("id", None)
            row = store.create_record("route", record, "benchmark")
            lines[slug] = synthetic_line(lon, lat, 6000 + 200 * i, turn=0.6 * i)
            store.set_route(
                lines[slug],
                {"name": f"{city} (synthetic)", "geometry_precision": "estimated"},
                "benchmark",
                row["id"],
            )
        made = stored = 0.0
        for i, (slug, coords) in enumerate(lines.items()):
            route = geo.Route.from_coords(coords)
            t1 = time.perf_counter()
            records = synthetic_installations(
                route, works, seed_=i, prefix=f"{slug}-work", first_id=100_000 + i * works
            )
            t2 = time.perf_counter()
            store.insert_missing(records)
            made, stored = made + t2 - t1, stored + time.perf_counter() - t2
            print(f"  {slug:16} {route.length_m / 1000:5.2f} km  {route.crs}")
        print(
            f"  10 routes ({time.perf_counter() - t0 - made - stored:.1f} s for the 9 new ones),"
            f" {10 * works:,} works: made in {made:.1f} s, stored in {stored:.1f} s"
            f" (Store.insert_missing)"
        )
    finally:
        store.close()


def timed_get(base: str, path: str, encodings: str = ENCODINGS) -> tuple[float, int, bytes]:
    t0 = time.perf_counter()
    status, _headers, body = get(base, path, encodings)
    return time.perf_counter() - t0, status, body


def measure(base: str, path: str, label: str) -> dict[str, float]:
    """The first request for ``path`` now, warm ones, and its bytes."""
    cold, status, sent = timed_get(base, path)
    if status != 200:
        raise RuntimeError(f"{path}: HTTP {status}")
    warm = statistics.median(timed_get(base, path)[0] for _ in range(WARM))
    raw = get(base, path, "identity")[2]
    gz = get(base, path, "gzip")[2]
    _s, headers, _b = get(base, path)
    row = {
        "cold": cold,
        "warm": warm,
        "raw": len(raw),
        "gzip": len(gz),
        "sent": len(sent),
        "encoding": next(
            (v for k, v in headers.items() if k.lower() == "content-encoding"), "identity"
        ),
        "gzip6": len(gzip.compress(raw, 6)),
    }
    print(
        f"  {label:42} {cold * 1000:9,.0f} {warm * 1000:9.1f} {row['raw']:>11,}"
        f" {row['gzip']:>10,} {row['sent']:>10,} {row['encoding']:>5}"
    )
    return row


TABLE_HEAD = f"  {'':42} {'cold ms':>9} {'warm ms':>9} {'raw B':>11} {'gzip B':>10}" + (
    f" {'sent B':>10} {'enc':>5}"
)


def bench(db: Path, works: int) -> None:
    heading("1. Home page: 10 routes listed over the overview map")
    print(TABLE_HEAD)
    with server("app", "--db", str(db)) as app:
        idle = app.memory()["VmRSS"]
        home = measure(app.base, "/?lang=en", "/ (first request after start)")
        after_home = app.memory()
        print(f"  server RSS idle {kb(idle)}, after the home page {kb(after_home['VmRSS'])}")
    if home["cold"] > SLOW_HOME_S:
        print(
            f"  the first request took over {SLOW_HOME_S:.0f} s: cProfile of it"
            " (in-process, a fresh app, modules already imported):"
        )
        browser_like = {"Accept-Encoding": ENCODINGS}
        make_app(db).test_client().get("/?lang=en", headers=browser_like)  # the imports
        client = make_app(db).test_client()
        profile(lambda: client.get("/?lang=en", headers=browser_like))

    route = f"/{MEASURED}/"
    api = f"/api/routes/{MEASURED}"
    heading(f"2. One route ({MEASURED}, {works + 31:,} works): its page and data")
    print(TABLE_HEAD)
    with server("app", "--db", str(db)) as app:
        measure(app.base, route + "?lang=en", f"{route} (first after start)")
        for path in ("/stops.json?lang=en", "/installations.geojson?lang=en", "/details/0.json"):
            measure(app.base, api + path, api.removeprefix("/api/routes") + path)
        measure(app.base, api + "/installations.geojson?kind=mural", "  .geojson?kind=mural")
        measure(app.base, "/?lang=en", "/ (after the route's page)")

        heading(f"3. API requests per second for {MEASURED}, {THREADS} keep-alive clients")
        _s, headers, _b = get(app.base, api + "/stops.json?lang=en")
        etag = next(v for k, v in headers.items() if k.lower() == "etag")
        store = Store.open(db)
        coords = store.current_route(store.default_route()["id"])["coordinates"]
        store.close()
        lon, lat = coords[len(coords) // 2]
        here = f"lat={lat}&lon={lon}"
        revalidate = {"If-None-Match": etag}
        cases = [
            ("stops.json, If-None-Match (304)", "/stops.json?lang=en", revalidate, 304),
            ("stops.json in full (200)", "/stops.json?lang=en", None, 200),
            ("next", f"/next?{here}&direction=forward", None, 200),
            ("nearest (n=5)", f"/nearest?{here}&n=5", None, 200),
        ]
        print(f"  {'':42} {'req/s':>9} {'body B':>10}")
        for label, path, extra, status in cases:
            hammer(app.port, api + path, 0.3, THREADS, extra, status)  # warm-up
            rps, size = hammer(app.port, api + path, SECONDS, THREADS, extra, status)
            print(f"  {label:42} {rps:9,.0f} {size:>10,}")
        mem = app.memory()
        heading("4. Server memory")
        print(f"  RSS after all of it {kb(mem['VmRSS'])}, peak {kb(mem['VmHWM'])}")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--works", type=int, default=10_000, help="works per route")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    machine()
    with tempfile.TemporaryDirectory(prefix="terrenkur-routes-") as tmpdir:
        db = Path(tmpdir) / "routes.sqlite"
        heading(f"0. The database: 10 routes, {args.works:,} synthetic works on each")
        build_db(db, args.works)
        print(f"  database file {kb(db.stat().st_size)}")
        bench(db, args.works)
    print(f"\nfinished in {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
