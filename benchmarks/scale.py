"""What browsers get from the map with the shipped data and with 10,000 works. Prints only.

Run with ``.venv/bin/python benchmarks/scale.py`` (a few minutes) or ``--quick``
(fewer loads, 2,000 works instead of 10,000). See ``benchmarks/README.md``.

For each size:

1. The app as ``mapapp serve`` runs it (waitress, in its own process, behind a wrapper
   that counts the bytes it sends): its memory idle, and the time of the first page
   request (the walk, the encodings).
2. Cold loads of the map in headless Chromium (a fresh context each: no HTTP cache,
   no service worker; after one warm-up load of the browser) at phone size
   (390x844, touch, 2x) and desktop size (1280x800), on loopback and with
   Chromium's CPU throttled 4x and a 10 Mbit/s, 40 ms link (CDP). Medians of the
   loads: the first marker (or cluster) icon on the map, all markers clustered and
   drawn, usable (the list and popups ready, ``data-ready``), the bytes the page
   itself received until all were drawn (as Chromium counts them: compressed,
   headers included), DOM nodes and JS heap (CDP, after a garbage collection).
3. One first visit, phone size: every byte the server sent until the service worker
   had kept the visit (page, assets, data and the detail chunks fetched in the
   background), by kind; browser storage (``navigator.storage.estimate()``) after
   that visit and after opening 5 cards, against the size of the data itself.
4. Requests per second for the page and the GeoJSON with Chromium's
   ``Accept-Encoding``, and the same bytes from two static servers in the same run
   (waitress and the standard library's threaded ``http.server``), as a ratio.
5. The app's memory after serving everything (every language's page and data, the
   GeoJSON whole, filtered and by bbox, the plain list, a permalink, nearest) and its
   cache's size.

Other hosts are blocked with Chromium's ``--host-resolver-rules`` (request routing
would turn the HTTP cache off); tiles are off.
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from run import machine, seeded_db, synthetic_installations  # noqa: E402

from mapapp import geo  # noqa: E402
from mapapp.catalog import load_seed  # noqa: E402

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    # nothing but loopback: names resolve nowhere (no request routing: it would
    # turn the HTTP cache off and skew the figures)
    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
]
ENCODINGS = "gzip, deflate, br, zstd"  # what Chromium sends here
PHONE = {
    "viewport": {"width": 390, "height": 844},
    "is_mobile": True,
    "has_touch": True,
    "device_scale_factor": 2,
}
DESKTOP = {"viewport": {"width": 1280, "height": 800}}
SLOW = {"cpu": 4, "latency_ms": 40, "mbit": 10}
ROUNDS = 5  # of the requests-per-second measurements
PROFILES = {
    "phone": (PHONE, None),
    "desktop": (DESKTOP, None),
    "phone, throttled": (PHONE, SLOW),
    "desktop, throttled": (DESKTOP, SLOW),
}

# Targets of the issue (printed as met / MISSED; nothing fails).
TARGETS_10K = {
    "rps_ratio": 0.5,
    "first_visit_bytes": 1.5e6,
    "drawn_bytes": 600e3,
    "first_marker_ms": 800,
    "first_marker_slow_ms": 3000,
    "dom_nodes": 2000,
    "heap_bytes": 20e6,
    "storage_ratio": 1.3,
    "rss_bytes": 300e6,
}
TARGETS_16 = {"first_visit_bytes": 100e3, "first_marker_ms": 300}

#: Installed before any page script: when the first marker or cluster icon is put
#: on the map, when the map says data-ready, when every expected marker is in the
#: cluster (checked once per animation frame); on the page's clock.
PAGE_CLOCK = """
(() => {
  const want = %d;
  const t = (window.__bench = {});
  new MutationObserver((records, obs) => {
    if (document.querySelector('.leaflet-marker-icon')) {
      t.firstMarker = performance.now();
      obs.disconnect();
    }
  }).observe(document, {childList: true, subtree: true});
  const tick = () => {
    const map = document.querySelector('.folium-map[data-ready]');
    if (map && t.ready === undefined) t.ready = performance.now();
    const c = window.Terrenkur && window.Terrenkur.cluster;
    if (t.all === undefined && c && c.getLayers().length === want
        && document.querySelector('.leaflet-marker-icon')) t.all = performance.now();
    if (t.all === undefined || t.ready === undefined) requestAnimationFrame(tick);
  };
  requestAnimationFrame(tick);
})();
"""

#: What the page received until every marker was drawn, as Chromium counts it.
RECEIVED_UNTIL = """(until) => {
  const nav = performance.getEntriesByType('navigation')[0];
  let bytes = nav.transferSize, n = 1;
  for (const e of performance.getEntriesByType('resource')) {
    if (e.responseEnd <= until) { bytes += e.transferSize; n += 1; }
  }
  return {bytes, requests: n};
}"""


def heading(title: str) -> None:
    print()
    print(title)
    print("-" * len(title))


def met(ok: bool) -> str:
    return "met" if ok else "MISSED"


def kb(n: float) -> str:
    return f"{n / 1000:,.0f} KB" if n < 1e6 else f"{n / 1e6:,.2f} MB"


# servers -----------------------------------------------------------------------------


class Process:
    """A server from benchmarks/servers.py in its own process."""

    def __init__(self, *args: str) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, str(ROOT / "benchmarks" / "servers.py"), *args],
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
            env={**os.environ, "MAPAPP_SECRET_KEY": "benchmark"},
        )
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline()
        if not line.startswith("READY "):
            self.stop()
            raise RuntimeError(f"server did not start: {line!r}")
        self.port = int(line.split()[1])
        self.base = f"http://127.0.0.1:{self.port}"

    def memory(self) -> dict[str, int]:
        """VmRSS and VmHWM (peak) in bytes."""
        out = {}
        for line in Path(f"/proc/{self.proc.pid}/status").read_text().splitlines():
            key, _, value = line.partition(":")
            if key in ("VmRSS", "VmHWM"):
                out[key] = int(value.split()[0]) * 1024
        return out

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout=10)


@contextlib.contextmanager
def server(*args: str) -> Iterator[Process]:
    p = Process(*args)
    try:
        yield p
    finally:
        p.stop()


def get(base: str, path: str, encodings: str = ENCODINGS) -> tuple[int, dict[str, str], bytes]:
    req = urllib.request.Request(base + path, headers={"Accept-Encoding": encodings})
    try:
        with urllib.request.urlopen(req, timeout=120) as resp:  # noqa: S310 (loopback)
            return resp.status, dict(resp.headers.items()), resp.read()
    except urllib.error.HTTPError as err:
        return err.code, dict(err.headers.items()), err.read()


def counters(app: Process, reset: bool = True) -> list[dict[str, Any]]:
    _status, _headers, body = get(app.base, "/__bench__/counters" + ("?reset=1" if reset else ""))
    return json.loads(body)


def kind_of(path: str) -> str:
    p = urlsplit(path).path
    if p.startswith(("/static/", "/vendor/")):
        return "assets"
    if p.startswith(("/api/stops", "/api/route")):
        return "map data"
    if p.startswith("/api/details/"):
        return "details"
    if p in ("/sw.js", "/manifest.webmanifest"):
        return "worker, manifest"
    if p.startswith("/media/"):
        return "photos"
    if p.startswith("/api/"):
        return "other API"
    return "pages"


# the browser ---------------------------------------------------------------------------


class Browser:
    def __init__(self) -> None:
        from playwright.sync_api import sync_playwright

        self._pw = sync_playwright().start()
        self.browser = self._pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        self.version = self.browser.version

    def close(self) -> None:
        self.browser.close()
        self._pw.stop()

    @contextlib.contextmanager
    def page(self, profile: str, want: int) -> Iterator[tuple[Any, Any]]:
        """A page in a fresh context with the profile's size and throttling."""
        options, slow = PROFILES[profile]
        context = self.browser.new_context(**options)
        context.set_default_timeout(300_000)
        failed: list[str] = []
        context.on("requestfailed", lambda r: failed.append(r.url))
        page = context.new_page()
        page.add_init_script(PAGE_CLOCK % want)
        cdp = context.new_cdp_session(page)
        if slow:
            cdp.send("Emulation.setCPUThrottlingRate", {"rate": slow["cpu"]})
            cdp.send("Network.enable")
            rate = slow["mbit"] * 1e6 / 8
            cdp.send(
                "Network.emulateNetworkConditions",
                {
                    "offline": False,
                    "latency": slow["latency_ms"],
                    "downloadThroughput": rate,
                    "uploadThroughput": rate,
                },
            )
        try:
            yield page, cdp
        finally:
            context.close()
            foreign = [u for u in failed if urlsplit(u).hostname not in ("127.0.0.1",)]
            if foreign:
                print(f"    (blocked: {len(foreign)} requests to other hosts)")


def load(browser: Browser, base: str, profile: str, want: int, path: str) -> dict[str, float]:
    """One cold load; times in ms on the page's clock, bytes as Chromium counted them."""
    with browser.page(profile, want) as (page, cdp):
        page.goto(base + path, wait_until="commit")
        page.wait_for_function(
            "() => window.__bench && window.__bench.all !== undefined"
            " && window.__bench.ready !== undefined",
            polling=50,
        )
        t = page.evaluate("() => window.__bench")
        marks = page.evaluate(
            "() => Object.fromEntries(performance.getEntriesByType('mark')"
            ".filter((m) => m.name.startsWith('terrenkur:')).map((m) => [m.name, m.startTime]))"
        )
        received = page.evaluate(RECEIVED_UNTIL, t["all"])
        cdp.send("HeapProfiler.collectGarbage")
        heap = cdp.send("Runtime.getHeapUsage")["usedSize"]
        nodes = cdp.send("Memory.getDOMCounters")["nodes"]
        elements = page.evaluate("() => document.getElementsByTagName('*').length")
    return {
        "first": t["firstMarker"],
        "all": t["all"],
        "ready": t["ready"],
        "mark_first": marks.get("terrenkur:first-marker", float("nan")),
        "bytes": received["bytes"],
        "requests": received["requests"],
        "heap": heap,
        "nodes": nodes,
        "elements": elements,
    }


def bench_loads(
    browser: Browser, base: str, want: int, loads: int, profiles: list[str]
) -> dict[str, dict[str, float]]:
    rows = [
        ("first marker on the map, ms", "first", "{:,.0f}"),
        ("all markers drawn, ms", "all", "{:,.0f}"),
        ("usable (list, popups), ms", "ready", "{:,.0f}"),
        ("bytes until all drawn", "bytes", "{:,.0f}"),
        ("requests until all drawn", "requests", "{:,.0f}"),
        ("DOM nodes", "nodes", "{:,.0f}"),
        ("elements", "elements", "{:,.0f}"),
        ("JS heap used, bytes", "heap", "{:,.0f}"),
    ]
    medians: dict[str, dict[str, float]] = {}
    load(browser, base, "phone", want, "/?lang=en")  # warm-up (the browser's own first load)
    # the profiles in turn, round after round: a burst of other load on the machine
    # falls on all of them alike
    runs: dict[str, list[dict[str, float]]] = {p: [] for p in profiles}
    for _ in range(loads):
        for profile in profiles:
            runs[profile].append(load(browser, base, profile, want, "/?lang=en"))
    for profile in profiles:
        medians[profile] = {
            k: statistics.median(r[k] for r in runs[profile]) for k in runs[profile][0]
        }
        medians[profile]["first_max"] = max(r["first"] for r in runs[profile])
    print(f"  medians of {loads} cold loads each   " + "".join(f"{p:>20}" for p in profiles))
    for label, key, form in rows:
        print(f"  {label:36}" + "".join(f"{form.format(medians[p][key]):>20}" for p in profiles))
    return medians


# one visit, for offline use --------------------------------------------------------------


def first_visit(browser: Browser, app: Process, want: int) -> dict[str, Any]:
    """Bytes the server sent for one first visit (page to offline-ready), storage after
    it and after opening 5 cards."""
    counters(app)
    with browser.page("phone", want) as (page, _cdp):
        page.goto(app.base + "/?lang=en", wait_until="commit")
        page.wait_for_selector(".folium-map[data-ready]", state="attached")
        page.wait_for_selector("html[data-offline-ready]", state="attached")
        page.evaluate("() => TerrenkurOffline.keepNow()")
        page.wait_for_timeout(1500)
        page.evaluate("() => TerrenkurOffline.keepNow()")
        sent = counters(app)
        storage_one = page.evaluate("() => navigator.storage.estimate()")["usage"]
        caches_one = page.evaluate("() => TerrenkurOffline.stats()")["caches"]
        page.locator("#panel-toggle").click()
        for i in range(5):
            if i:
                page.locator("#panel-toggle").click()
            stop = page.locator("#stops li button.stop").nth(i * 3)
            title = stop.locator(".stop-title").inner_text()
            stop.click()
            card = page.locator(
                ".leaflet-popup-content", has=page.get_by_role("heading", name=title)
            )
            card.locator(".precision").wait_for()
        page.evaluate("() => TerrenkurOffline.keepNow()")
        page.wait_for_timeout(1500)
        page.evaluate("() => TerrenkurOffline.keepNow()")
        sent_popups = counters(app)
        storage_five = page.evaluate("() => navigator.storage.estimate()")["usage"]
        data_urls = page.evaluate(
            "() => JSON.parse(document.getElementById('offline-settings').textContent).data"
        )
    data_size = sum(len(get(app.base, u, "identity")[2]) for u in data_urls)
    counters(app)
    return {
        "sent": sent,
        "sent_popups": sent_popups,
        "storage_one": storage_one,
        "storage_five": storage_five,
        "caches": caches_one,
        "data_size": data_size,
    }


def print_visit(v: dict[str, Any]) -> None:
    by_kind: dict[str, list[int]] = {}
    for r in v["sent"]:
        k = by_kind.setdefault(kind_of(r["path"]), [0, 0, 0])
        k[0] += 1
        k[1] += r["bytes"] + r["headers"]
        k[2] += r["status"] == 304
    total = sum(k[1] for k in by_kind.values())
    headers = sum(r["headers"] for r in v["sent"])
    print("  bytes the server sent for one first visit (bodies as sent + headers):")
    for kind, (n, size, not_modified) in sorted(by_kind.items(), key=lambda x: -x[1][1]):
        extra = f" ({not_modified} x 304)" if not_modified else ""
        print(f"    {kind:20} {n:4} requests{extra:12} {size:>12,} B")
    print(f"    {'total':20} {len(v['sent']):4} requests{'':12} {total:>12,} B  ({kb(total)})")
    print(f"    of which HTTP headers {headers:,} B")
    encodings = sorted({r["encoding"] for r in v["sent"] if r["bytes"] > 500})
    print(f"    encodings chosen for bodies over 500 B: {', '.join(encodings)}")
    again = sum(r["bytes"] + r["headers"] for r in v["sent_popups"])
    paths = sorted({urlsplit(r["path"]).path for r in v["sent_popups"]})
    print(
        f"  then 5 cards opened: {len(v['sent_popups'])} requests, {again:,} B ({', '.join(paths)})"
    )
    print(f"  the data itself (route, stops, details, uncompressed): {v['data_size']:,} B")
    print("  browser storage (navigator.storage.estimate):")
    ratio_one = v["storage_one"] / v["data_size"]
    ratio_five = v["storage_five"] / v["data_size"]
    print(f"    after one visit      {v['storage_one']:>12,} B  ({ratio_one:.2f} x the data)")
    print(f"    after 5 cards opened {v['storage_five']:>12,} B  ({ratio_five:.2f} x the data)")
    for name, figures in sorted(v["caches"].items()):
        print(f"      {name:32} {figures['entries']:5} entries {figures['bytes']:>12,} B")
    v["total"] = total


# requests per second --------------------------------------------------------------------


def hammer(
    port: int,
    path: str,
    seconds: float,
    threads: int = 4,
    extra: dict[str, str] | None = None,
    status: int = 200,
) -> tuple[float, int]:
    """Requests per second from ``threads`` keep-alive clients, and the body size;
    ``extra`` headers (``If-None-Match``...), each answer must have ``status``."""
    stop = time.perf_counter() + seconds
    counts = [0] * threads
    sizes = set()
    headers = {"Accept-Encoding": ENCODINGS, **(extra or {})}

    def client(i: int) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        while time.perf_counter() < stop:
            conn.request("GET", path, headers=headers)
            resp = conn.getresponse()
            body = resp.read()
            if resp.status != status:
                raise RuntimeError(f"{path}: HTTP {resp.status}")
            sizes.add(len(body))
            counts[i] += 1
        conn.close()

    started = time.perf_counter()
    workers = [threading.Thread(target=client, args=(i,)) for i in range(threads)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    return sum(counts) / (time.perf_counter() - started), max(sizes)


def bench_rps(app: Process, paths: list[str], seconds: float) -> dict[str, float]:
    keep = ("Content-Type", "Content-Encoding", "ETag", "Cache-Control", "Vary")
    with tempfile.TemporaryDirectory(prefix="terrenkur-static-") as tmp:
        for i, path in enumerate(paths):
            status, headers, body = get(app.base, path)
            kept = [(k, v) for k, v in headers.items() if k in keep]
            Path(tmp, f"{i}.body").write_bytes(body)
            Path(tmp, f"{i}.json").write_text(
                json.dumps({"path": path, "status": status, "headers": kept})
            )
        ratios = {}
        with (
            server("static", "--dir", tmp, "--kind", "waitress") as w,
            server("static", "--dir", tmp, "--kind", "stdlib") as s,
        ):
            print(
                f"  {'path (Accept-Encoding: ' + ENCODINGS + ')':58} {'bytes':>10}"
                f" {'app /s':>8} {'waitress /s':>12} {'http.server /s':>15} {'ratio':>14}"
            )
            for path in paths:
                for port in (app.port, w.port, s.port):
                    hammer(port, path, 0.3)  # warm-up
                # rounds taken in turn, so that other load on the machine falls on all
                rounds = [
                    [hammer(port, path, seconds / ROUNDS) for port in (app.port, w.port, s.port)]
                    for _ in range(ROUNDS)
                ]
                ours, theirs_w, theirs_s = (
                    statistics.median(r[i][0] for r in rounds) for i in range(3)
                )
                size = rounds[0][0][1]
                best = max(theirs_w, theirs_s)
                ratios[path] = ours / best
                print(
                    f"  {path[:58]:58} {size:>10,} {ours:8.0f} {theirs_w:12.0f} {theirs_s:15.0f}"
                    f" {ours / theirs_w:6.2f} {ours / theirs_s:6.2f}"
                )
            print(
                f"  (medians of {ROUNDS} rounds taken in turn; ratio: the app's requests/s over"
                " each static server's, same bytes, same run)"
            )
    counters(app)
    return ratios


# serving everything ----------------------------------------------------------------------


def status(app: Process) -> dict[str, Any]:
    """The app's /api/status (empty for a version of the app without it)."""
    code, _headers, body = get(app.base, "/api/status")
    return json.loads(body) if code == 200 else {}


def serve_everything(app: Process) -> None:
    version = status(app).get("version")
    paths = ["/api/route.geojson", "/api/installations.geojson", "/stops?page=2"]
    for lang in ("en", "ru", "kk"):
        paths += [
            f"/?lang={lang}",
            f"/api/installations.geojson?lang={lang}",
            f"/api/installations.geojson?lang={lang}&kind=mural",
            f"/stops?lang={lang}",
        ]
        if version:
            paths.append(f"/api/stops.json?lang={lang}&v={version}")
            chunks = json.loads(get(app.base, f"/api/stops.json?lang={lang}", "identity")[2])
            n = -(-chunks["count"] // chunks["chunk"])
            paths += [f"/api/details/{c}.json?lang={lang}&v={version}" for c in range(n)]
    paths += [
        "/api/installations.geojson?bbox=76.91,43.235,76.93,43.245",
        "/api/installations.geojson?festival=PARK%20FEST",
        "/api/nearest?lat=43.23&lon=76.92&n=5",
        "/api/next?lat=43.23&lon=76.92",
        "/installations/synthetic-work-5",
    ]
    for path in paths:
        get(app.base, path)
    counters(app)


# main ------------------------------------------------------------------------------------


def database(tmp: Path, n: int) -> tuple[Path, int]:
    db = tmp / f"works-{n}.sqlite"
    extra = None
    if n > 100:
        coords = load_seed(ROOT / "data").route_coordinates
        extra = synthetic_installations(geo.Route.from_coords(coords), n)
    published, _ = seeded_db(db, extra)
    return db, published


def bench_size(browser: Browser, tmp: Path, n: int, loads: int, seconds: float) -> None:
    db, published = database(tmp, n)
    what = "the shipped data" if n < 100 else f"{n:,} synthetic + the shipped"
    heading(f"{published:,} works on the map, standing today ({what})")
    with server("app", "--db", str(db)) as app:
        idle = app.memory()
        t0 = time.perf_counter()
        get(app.base, "/?lang=en")
        cold_page = time.perf_counter() - t0
        t0 = time.perf_counter()
        get(app.base, "/api/stops.json?lang=en")
        cold_data = time.perf_counter() - t0
        counters(app)
        print(f"  app (waitress, own process): idle RSS {kb(idle['VmRSS'])}")
        print(
            f"  first request after start: page {cold_page:.2f} s (the walk, folium, encodings),"
            f" then the stop table {cold_data:.2f} s"
        )

        print("\n  cold loads in Chromium:")
        medians = bench_loads(browser, app.base, published, loads, list(PROFILES))

        print()
        visit = first_visit(browser, app, published)
        print_visit(visit)

        print()
        version = status(app).get("version")
        paths = ["/?lang=en", "/api/installations.geojson"]
        if version:
            paths.append(f"/api/stops.json?lang=en&v={version}")
        rps = bench_rps(app, paths, seconds)

        serve_everything(app)
        after = app.memory()
        cache = status(app).get("cache")
        print(
            f"\n  app RSS after serving everything: {kb(after['VmRSS'])}"
            f" (peak {kb(after['VmHWM'])}; idle {kb(idle['VmRSS'])})"
        )
        if cache:
            print(
                f"  its cache: {cache['entries']} entries, {kb(cache['bytes'])} of"
                f" {kb(cache['max_bytes'])}, {cache['evictions']} evicted,"
                f" {cache['too_large']} too large to keep"
            )

    print("\n  targets:")
    phone, desk = medians["phone"], medians["desktop"]
    slow = medians["phone, throttled"]
    storage_ratio = visit["storage_five"] / visit["data_size"]
    nodes = max(m["nodes"] for m in medians.values())
    heap = max(m["heap"] for m in medians.values())
    geojson, shell = rps["/api/installations.geojson"], rps["/?lang=en"]
    fm, fm_slow, fm_desk = phone["first"] / 1000, slow["first"] / 1000, desk["first"] / 1000
    rows: list[tuple[str, bool]]
    if n < 100:
        t = TARGETS_16
        rows = [
            (
                f"first visit on the wire <= 100 KB: {kb(visit['total'])}",
                visit["total"] <= t["first_visit_bytes"],
            ),
            (f"first marker (phone) <= 0.3 s: {fm:.2f} s", phone["first"] <= t["first_marker_ms"]),
        ]
    else:
        t = TARGETS_10K
        rows = [
            (f"GeoJSON >= 50 % of a static server: {geojson:.0%}", geojson >= t["rps_ratio"]),
            (f"page shell >= 50 % of a static server: {shell:.0%}", shell >= t["rps_ratio"]),
            (
                f"first visit on the wire <= 1.5 MB: {kb(visit['total'])}",
                visit["total"] <= t["first_visit_bytes"],
            ),
            (f"map drawn from <= 600 KB: {kb(phone['bytes'])}", phone["bytes"] <= t["drawn_bytes"]),
            (
                f"first marker, phone, loopback <= 0.8 s: {fm:.2f} s",
                phone["first"] <= t["first_marker_ms"],
            ),
            (
                f"first marker, phone, throttled <= 3 s: {fm_slow:.2f} s",
                slow["first"] <= t["first_marker_slow_ms"],
            ),
            (
                f"desktop no slower than phone: {fm_desk:.2f} s vs {fm:.2f} s",
                desk["first"] <= phone["first"] * 1.1,
            ),
            (f"DOM nodes <= 2,000: {nodes:,.0f} (most of any profile)", nodes <= t["dom_nodes"]),
            (f"JS heap <= 20 MB: {kb(heap)} (most of any profile)", heap <= t["heap_bytes"]),
            (
                f"storage after one visit and 5 cards <= 1.3 x the data: {storage_ratio:.2f}",
                storage_ratio <= t["storage_ratio"],
            ),
            (
                f"server RSS after serving everything <= 300 MB: {kb(after['VmRSS'])}",
                after["VmRSS"] <= t["rss_bytes"],
            ),
        ]
    for text, ok in rows:
        print(f"    {met(ok):6} {text}")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="2,000 works, fewer loads")
    parser.add_argument("--loads", type=int, default=None, help="cold loads per profile")
    parser.add_argument(
        "--works",
        default=None,
        help="comma-separated sizes; under 100: the shipped data"
        " (default 16,10000; --quick 16,2000)",
    )
    args = parser.parse_args(argv)
    big, loads, seconds = (2_000, 2, 2.0) if args.quick else (10_000, 5, 4.0)
    loads = args.loads or loads
    sizes = [int(n) for n in args.works.split(",")] if args.works else [16, big]
    started = time.perf_counter()
    machine()
    browser = Browser()
    print(f"browser   Chromium {browser.version} (headless, {CHROMIUM})")
    print(
        f"throttled {SLOW['cpu']}x CPU, {SLOW['mbit']} Mbit/s, {SLOW['latency_ms']} ms (CDP);"
        f" other hosts blocked by --host-resolver-rules; tiles off"
    )
    try:
        with tempfile.TemporaryDirectory(prefix="terrenkur-scale-") as tmpdir:
            for n in sizes:
                bench_size(browser, Path(tmpdir), n, loads, seconds)
    finally:
        browser.close()
    print(f"\nfinished in {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
