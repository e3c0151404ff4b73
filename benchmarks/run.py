"""Speed and size figures for Cultural Terrenkur: prints them, asserts nothing.

Run with ``.venv/bin/python benchmarks/run.py`` (full size, a few minutes) or with
``--quick`` for a smoke run on smaller inputs. See ``benchmarks/README.md``.

1. Bytes the map page loads (no tiles), uncompressed, gzip and as Chromium gets them.
2. Time from navigation to all markers drawn in headless Chromium on loopback.
3. The page with 10,000 synthetic installations: size, build time, clustering.
4. Nearest-installation queries over 1,000,000 points.

What browsers get at 16 and 10,000 works (wire bytes, times at phone and desktop
size and throttled, DOM, heap, storage, requests per second against a static server,
server memory) is ``benchmarks/scale.py``.
"""

from __future__ import annotations

import argparse
import contextlib
import cProfile
import datetime as dt
import gzip
import logging
import os
import platform
import pstats
import random
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from flask import Flask  # noqa: E402
from werkzeug.serving import make_server  # noqa: E402

from mapapp import events, geo, lifecycle  # noqa: E402
from mapapp.app import create_app  # noqa: E402
from mapapp.catalog import build_walk, load_seed, seed  # noqa: E402
from mapapp.records import FESTIVALS, KINDS, PRECISIONS, Installation  # noqa: E402
from mapapp.store import Store  # noqa: E402

DATA_DIR = ROOT / "data"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    # only loopback: other names resolve nowhere (request routing would turn the
    # HTTP cache off and skew the figures)
    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
]
#: What Chromium sends here (brotli and zstd included, even over plain http on loopback).
BROWSER_ENCODINGS = "gzip, deflate, br, zstd"
LOOPBACK = {"127.0.0.1", "localhost", "::1"}
ALMATY = (76.945, 43.238)  # lon, lat

# Targets (printed as met / MISSED; nothing fails).
TARGET_PAGE_RAW = 350 * 1024
TARGET_PAGE_GZIP = 120 * 1024
TARGET_BUILD_S = 0.5
TARGET_NEAREST_S = 0.001

# Installed before any page script runs: records, on the page's own clock
# (performance.now(), zero at navigation start), when the map says data-ready and
# when the cluster holds every expected marker, checked once per animation frame.
TIMING_SCRIPT = """
(() => {
  const want = %d;
  const tick = () => {
    const map = document.querySelector('.folium-map[data-ready]');
    if (map && window.__tkReady === undefined) window.__tkReady = performance.now();
    const c = window.Terrenkur && window.Terrenkur.cluster;
    if (map && c && c.getLayers().length === want) {
      window.__tkAll = performance.now();
      return;
    }
    requestAnimationFrame(tick);
  };
  requestAnimationFrame(tick);
})();
"""

VOCABULARY = (
    "river walk bank bridge sculpture mural steel bronze light festival park summer "
    "artist city Almaty Esentai Vesnovka water stone garden children public art view "
    "installed during the first edition of restored painted wall pavilion square near "
    "street avenue museum opened works local young collective colour concrete mosaic"
)
WORDS = tuple(VOCABULARY.split(" "))


# helpers -------------------------------------------------------------------------


def heading(title: str) -> None:
    print()
    print(title)
    print("-" * len(title))


def kb(n: float) -> str:
    return f"{n / 1024:,.1f} KB"


def met(ok: bool) -> str:
    return "met" if ok else "MISSED"


def pct(values: list[float], q: float) -> float:
    return float(np.percentile(np.asarray(values, float), q))


def timed(fn: Callable[[], Any]) -> tuple[float, Any]:
    t0 = time.perf_counter()
    out = fn()
    return time.perf_counter() - t0, out


def machine() -> None:
    cpu = platform.processor() or ""
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    print("Cultural Terrenkur benchmarks")
    print(f"date      {dt.datetime.now().astimezone().isoformat(timespec='seconds')}")
    print(f"machine   {platform.system()} {platform.release()} {platform.machine()}, {cpu}")
    print(f"cores     {os.cpu_count()} logical")
    print(f"python    {platform.python_version()} ({platform.python_implementation()})")
    try:
        rev = subprocess.run(
            ["git", "-C", str(ROOT), "describe", "--always", "--dirty"],
            capture_output=True,
            text=True,
            timeout=10,
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        rev = ""
    print(f"code      {rev or 'unknown'}")


def on_the_map(stops: list[dict]) -> int:
    """How many of the published ``stops`` (each with its ``life``) the map draws by
    default: those standing today in Almaty, and those of unknown date."""
    today = events.now().date()
    return sum(1 for s in stops if lifecycle.state_on(s, today) in ("standing", "unknown"))


def seeded_db(path: Path, extra: list[Installation] | None = None) -> tuple[int, float]:
    """Seed ``path`` from data/ plus ``extra``; return the stops the map draws by default
    (:func:`on_the_map`: the works gone are left out) and the insert seconds."""
    store = Store.open(path)
    try:
        seed(store, load_seed(DATA_DIR))
        took = 0.0
        if extra:
            took, _ = timed(lambda: store.insert_missing(extra))
        life = store.public_life()
        rows = [{**r, "life": life.get(r["id"], [])} for r in store.installations()]
        return on_the_map(rows), took
    finally:
        store.close()


def make_app(db: Path) -> Flask:
    return create_app({"DB": str(db), "SECRET_KEY": "benchmark", "TILES": ""})


@contextlib.contextmanager
def serving(app: Flask) -> Iterator[str]:
    """Serve ``app`` on 127.0.0.1 at a free port in a thread; yield its base URL."""
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.port}"
    finally:
        server.shutdown()
        thread.join(timeout=10)


def fetch(url: str, gzip_ok: bool, encodings: str | None = None) -> tuple[int, str]:
    """Body length as sent over the wire and its Content-Encoding."""
    headers = {"Accept-Encoding": encodings or ("gzip" if gzip_ok else "identity")}
    req = urllib.request.Request(url, headers=headers)
    with urllib.request.urlopen(req, timeout=60) as resp:
        body = resp.read()
        return len(body), resp.headers.get("Content-Encoding", "") or ""


# browser -------------------------------------------------------------------------


class Browser:
    """Headless Debian Chromium through Playwright, loopback only, fresh cache per load."""

    def __init__(self) -> None:
        from playwright.sync_api import sync_playwright

        self._pw = sync_playwright().start()
        self.browser = self._pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        self.version = self.browser.version
        self.blocked: list[str] = []

    def close(self) -> None:
        self.browser.close()
        self._pw.stop()

    def _failed(self, request: Any) -> None:
        if (urlsplit(request.url).hostname or "") not in LOOPBACK:
            self.blocked.append(request.url)

    @contextlib.contextmanager
    def page(self, want: int) -> Iterator[Any]:
        """A page in a new context (cold cache) that records when all ``want`` markers are in."""
        context = self.browser.new_context(viewport={"width": 1280, "height": 800})
        context.on("requestfailed", self._failed)
        context.add_init_script(TIMING_SCRIPT % want)
        page = context.new_page()
        try:
            yield page
        finally:
            context.close()

    def load(self, page: Any, url: str, timeout_s: float = 180) -> dict[str, float]:
        """Open ``url`` and wait until every marker is in the cluster; timings in ms."""
        t0 = time.perf_counter()
        page.goto(url, wait_until="load", timeout=timeout_s * 1000)
        page.wait_for_function(
            "() => window.__tkAll !== undefined", timeout=timeout_s * 1000, polling=20
        )
        wall = (time.perf_counter() - t0) * 1000
        t = page.evaluate(
            """() => {
              const n = performance.getEntriesByType('navigation')[0];
              return {response: n.responseEnd, dcl: n.domContentLoadedEventEnd,
                      load: n.loadEventEnd, ready: window.__tkReady, all: window.__tkAll};
            }"""
        )
        return {**t, "wall": wall}


def print_load_times(loads: list[dict[str, float]]) -> None:
    rows = [
        ("HTML received (responseEnd)", "response"),
        ("DOMContentLoaded (end)", "dcl"),
        ("load event (end)", "load"),
        (".folium-map[data-ready]", "ready"),
        ("all markers in the cluster", "all"),
        ("wall clock: goto() to all markers", "wall"),
    ]
    print(f"  {'from navigation start, ms':36} {'median':>8} {'min':>8} {'max':>8}")
    for label, key in rows:
        vals = [x[key] for x in loads]
        print(f"  {label:36} {statistics.median(vals):8.0f} {min(vals):8.0f} {max(vals):8.0f}")


# 1. page bytes -------------------------------------------------------------------


def bench_page_bytes(browser: Browser, base: str, published: int) -> None:
    heading("1. Bytes the map page loads (tiles off, cold cache)")
    finished: list[Any] = []
    with browser.page(published) as page:
        page.on("requestfinished", lambda req: finished.append(req))
        browser.load(page, base + "/")
        page.wait_for_load_state("networkidle")
        resources = []
        for req in finished:
            if urlsplit(req.url).hostname not in LOOPBACK:
                continue
            sizes = req.sizes()
            resp = req.response()
            status = resp.status if resp else 0
            resources.append((req.url, req.resource_type, sizes["responseBodySize"], status))
    print(f"  {'resource':58} {'type':10} {'raw':>10} {'gzip':>10} {'browser':>10} {'as sent':>10}")
    total_raw = total_gz = total_seen = total_br = 0
    for url, kind, seen, status in resources:
        raw, _ = fetch(url, gzip_ok=False)
        gz, encoding = fetch(url, gzip_ok=True)
        br, chosen = fetch(url, gzip_ok=True, encodings=BROWSER_ENCODINGS)
        total_raw, total_gz, total_seen = total_raw + raw, total_gz + gz, total_seen + seen
        total_br += br
        path = urlsplit(url).path
        note = f" [{chosen or 'identity'}]"
        if status != 200:
            note += f" [HTTP {status}]"
        print(f"  {path:58} {kind:10} {raw:10,} {gz:10,} {seen:10,} {br:10,}{note}")
    label = f"total: {len(resources)} requests"
    print(f"  {label:69} {total_raw:10,} {total_gz:10,} {total_seen:10,} {total_br:10,}")
    print(
        f"  {'':69} {kb(total_raw):>10} {kb(total_gz):>10} {kb(total_seen):>10} {kb(total_br):>10}"
    )
    print(f"  blocked non-loopback requests: {len(browser.blocked)}")
    print(
        f"  target uncompressed <= {kb(TARGET_PAGE_RAW)}: {met(total_raw <= TARGET_PAGE_RAW)}"
        f" ({kb(total_raw)})"
    )
    print(
        f"  target gzip         <= {kb(TARGET_PAGE_GZIP)}: {met(total_gz <= TARGET_PAGE_GZIP)}"
        f" ({kb(total_gz)})"
    )
    print(
        "  (bodies only, no HTTP headers; 'browser' = encoded body size Chromium reported;"
        f" 'as sent' = with Chromium's Accept-Encoding: {BROWSER_ENCODINGS})"
    )


# 2. time to markers --------------------------------------------------------------


def bench_time_to_markers(browser: Browser, base: str, published: int, loads: int) -> None:
    heading(f"2. Navigation to all {published} markers drawn (Chromium, loopback, cold cache)")
    results = []
    for _ in range(loads + 1):
        with browser.page(published) as page:
            results.append(browser.load(page, base + "/"))
    print(f"  {loads} loads after one warm-up load, each in a fresh browser context")
    print_load_times(results[1:])


# 3. many installations -----------------------------------------------------------


def synthetic_installations(
    route: geo.Route,
    n: int,
    seed_: int = 20250601,
    prefix: str = "synthetic-work",
    first_id: int = 100_000,
) -> list[Installation]:
    """``n`` valid published records, each within 300 m of a random point on the route
    (in the route's own UTM zone); slugs ``<prefix>-<i>``, ids from ``first_id``."""
    rng = np.random.default_rng(seed_)
    words = random.Random(seed_)
    along = rng.uniform(0, route.length_m, n)
    angle = rng.uniform(0, 2 * np.pi, n)
    radius = 300.0 * np.sqrt(rng.uniform(0, 1, n))
    base = [route.line_m.interpolate(a) for a in along]
    x = np.array([p.x for p in base]) + radius * np.cos(angle)
    y = np.array([p.y for p in base]) + radius * np.sin(angle)
    lon, lat = geo.to_lonlat(x, y, route.crs)

    def text(lo: int, hi: int) -> str:
        out = []
        size, goal = 0, words.randint(lo, hi)
        while size < goal:
            out.append(words.choice(WORDS))
            size += len(out[-1]) + 1
        return " ".join(out).capitalize() + "."

    records = []
    festivals = ("", "", *FESTIVALS)
    for i in range(n):
        records.append(
            Installation(
                id=first_id + i,
                slug=f"{prefix}-{i}",
                title=f"{text(10, 50)[:-1]} {i}",
                kind=KINDS[i % len(KINDS)],
                festival=festivals[i % len(festivals)],
                year=2015 + i % 10,
                artist=text(8, 24)[:-1] if i % 4 == 0 else "",
                description=text(60, 470),
                address=f"{words.choice(WORDS).capitalize()} St {1 + i % 200}",
                lat=float(lat[i]),
                lon=float(lon[i]),
                location_precision=PRECISIONS[i % len(PRECISIONS)],
                source_url=f"https://example.org/works/{i}",
                source_note=text(0, 300) if i % 2 == 0 else "",
                status="published",
            )
        )
    return records


def profile(fn: Callable[[], Any], top: int = 20) -> None:
    """Run ``fn`` under cProfile; print the hottest functions below the request wrappers."""
    prof = cProfile.Profile()
    prof.enable()
    fn()
    prof.disable()
    stats = pstats.Stats(prof).stats  # type: ignore[attr-defined]
    total = max(ct for _cc, _nc, _tt, ct, _callers in stats.values())
    rows = [
        (ct, tt, nc, f"{name} ({Path(file).name}:{line})")
        for (file, line, name), (_cc, nc, tt, ct, _callers) in stats.items()
    ]
    print(f"    {'cum s':>7} {'own s':>7} {'calls':>8}  function (total {total:.3f} s profiled)")
    below = [r for r in rows if r[0] < 0.97 * total]  # skip the WSGI/Flask call chain
    for ct, tt, nc, where in sorted(below, reverse=True)[:top]:
        print(f"    {ct:7.3f} {tt:7.3f} {nc:8,}  {where}")
    print("    by own time:")
    for ct, tt, nc, where in sorted(rows, key=lambda r: r[1], reverse=True)[: top // 2]:
        print(f"    {ct:7.3f} {tt:7.3f} {nc:8,}  {where}")


def bench_many(browser: Browser, tmp: Path, n: int, builds: int) -> None:
    heading(f"3. The map page with {n:,} synthetic installations")
    coords = load_seed(DATA_DIR).route_coordinates
    route = geo.Route.from_coords(coords)
    took, records = timed(lambda: synthetic_installations(route, n))
    print(f"  made {n:,} Installation records in {took:.2f} s (within 300 m of the route)")
    db = tmp / f"many-{n}.sqlite"
    published, inserted = seeded_db(db, records)
    print(
        f"  Store.insert_missing stored them in {inserted:.2f} s;"
        f" {published:,} stops on the map (standing today)"
    )

    store = Store.open(db)
    walk_times = [timed(lambda: build_walk(store))[0] for _ in range(3)]
    store.close()
    print(f"  build_walk (read rows, chainage, sort): median {statistics.median(walk_times):.3f} s")

    app = make_app(db)
    client = app.test_client()
    browser_like = {"Accept-Encoding": BROWSER_ENCODINGS}
    cold, resp = timed(lambda: client.get("/", headers=browser_like))
    sent = resp.data
    encoding = resp.headers.get("Content-Encoding", "")
    html = client.get("/").data
    print(f"  GET / status {resp.status_code}: HTML {len(html):,} B ({kb(len(html))}) raw,")
    print(f"    {len(sent):,} B ({kb(len(sent))}) as Chromium gets it [{encoding}]")
    print(f"    size of gzip -6 of the same HTML: {len(gzip.compress(html, 6)):,} B")
    warm = [timed(lambda: client.get("/", headers=browser_like))[0] for _ in range(builds)]
    median = statistics.median(warm)
    print(
        f"  page build, first request, as Chromium asks (walk, chainage, folium,"
        f" templates, encoding): {cold:.3f} s"
    )
    print(
        f"  page, warm, median of {builds}: {median * 1000:.2f} ms"
        f" (min {min(warm) * 1000:.2f}, max {max(warm) * 1000:.2f}; answered from the cache)"
    )
    print(
        f"  target page build < {TARGET_BUILD_S} s: warm {met(median < TARGET_BUILD_S)},"
        f" first request {met(cold < TARGET_BUILD_S)}"
    )
    if median >= TARGET_BUILD_S or cold >= TARGET_BUILD_S:
        print("  cProfile of the first GET / of a fresh app (as Chromium asks for it):")
        fresh = make_app(db).test_client()
        profile(lambda: fresh.get("/", headers=browser_like))

    with serving(app) as base, browser.page(published) as page:
        over_http = [timed(lambda: fetch(base + "/", gzip_ok=True))[0] for _ in range(3)]
        print(
            f"  GET / over loopback HTTP (urllib, gzip), median of 3: "
            f"{statistics.median(over_http):.3f} s"
        )
        t = browser.load(page, base + "/", timeout_s=300)
        page.wait_for_timeout(500)  # let the last zoom and cluster redraw settle
        counts = page.evaluate(
            """() => ({
              clusters: document.querySelectorAll('.marker-cluster').length,
              single: document.querySelectorAll(
                '.leaflet-marker-icon:not(.marker-cluster)').length,
              inCluster: window.Terrenkur.cluster.getLayers().length,
              listed: document.querySelectorAll('#stops li[data-id]').length,
              nodes: document.getElementsByTagName('*').length,
              zoom: window.Terrenkur.map.getZoom(),
            })"""
        )
    opened = counts["inCluster"] == published and counts["clusters"] > 0
    print(f"  in Chromium (cold cache, 1 load), at zoom {counts['zoom']}:")
    print(f"    opens and clusters:                    {'yes' if opened else 'NO'}")
    print(f"    .marker-cluster elements on the map:   {counts['clusters']:,}")
    print(f"    single markers on the map:             {counts['single']:,}")
    print(f"    markers in the cluster group:          {counts['inCluster']:,} of {published:,}")
    print(f"    stops on the list's page:              {counts['listed']:,}")
    print(f"    elements in the page:                  {counts['nodes']:,}")
    print_load_times([t])


# 4. nearest ----------------------------------------------------------------------


def bench_nearest(points: int, queries: int) -> None:
    heading(f"4. Nearest installation among {points:,} points (NearestIndex, in-process)")
    rng = np.random.default_rng(7)
    lon = ALMATY[0] + rng.uniform(-0.12, 0.12, points)
    lat = ALMATY[1] + rng.uniform(-0.08, 0.08, points)
    took, index = timed(lambda: geo.NearestIndex(lon, lat))
    print(f"  build (project to UTM + k-d tree): {took:.2f} s")
    qlon = ALMATY[0] + rng.uniform(-0.12, 0.12, queries)
    qlat = ALMATY[1] + rng.uniform(-0.08, 0.08, queries)
    for i in range(50):  # warm-up
        index.query(float(qlon[i]), float(qlat[i]), 5)
    print(f"  {queries:,} queries at random points    {'median':>10} {'p95':>10} {'max':>10}")
    worst = 0.0
    for n in (1, 5):
        times = []
        for x, y in zip(qlon.tolist(), qlat.tolist(), strict=True):
            t0 = time.perf_counter_ns()
            index.query(x, y, n)
            times.append((time.perf_counter_ns() - t0) / 1000)
        worst = max(worst, pct(times, 95))
        print(
            f"  query n={n} (µs)                       {statistics.median(times):10.1f}"
            f" {pct(times, 95):10.1f} {max(times):10.1f}"
        )
    proj = []
    for x, y in zip(qlon.tolist(), qlat.tolist(), strict=True):
        t0 = time.perf_counter_ns()
        geo.to_metric([x], [y])
        proj.append((time.perf_counter_ns() - t0) / 1000)
    print(f"  of which to_metric, one point (µs)     {statistics.median(proj):10.1f}")
    ok = worst < TARGET_NEAREST_S * 1e6
    print(f"  target < 1 ms per query: {met(ok)} (p95 {worst / 1000:.3f} ms)")


# main ----------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smaller sizes for a smoke run")
    args = parser.parse_args(argv)
    synthetic, points, loads = (1_000, 100_000, 3) if args.quick else (10_000, 1_000_000, 5)

    started = time.perf_counter()
    machine()
    print(f"mode      {'quick' if args.quick else 'full'}: {synthetic:,} synthetic installations,")
    print(f"          {points:,} nearest points, {loads} page loads")
    browser = Browser()
    print(f"browser   Chromium {browser.version} (headless, {CHROMIUM})")
    try:
        with tempfile.TemporaryDirectory(prefix="terrenkur-bench-") as tmpdir:
            tmp = Path(tmpdir)
            db = tmp / "seeded.sqlite"
            published, _ = seeded_db(db)
            with serving(make_app(db)) as base:
                bench_page_bytes(browser, base, published)
                bench_time_to_markers(browser, base, published, loads)
            bench_many(browser, tmp, synthetic, builds=5)
    finally:
        browser.close()
    bench_nearest(points, 2_000)
    print()
    print(f"finished in {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
