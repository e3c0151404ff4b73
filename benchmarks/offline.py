"""Offline walking figures: bytes kept for offline use and time to open the map offline.

Run with ``.venv/bin/python benchmarks/offline.py`` (about half a minute). Prints, and
asserts nothing:

1. Bytes the service worker keeps after one visit of the map with no tiles (the
   page shell, scripts, styles, icons, the data of that language: route, stops and
   detail chunks, phone photos), per cache; then after visiting all three languages.
2. The same with tiles for zooms 14-17 of the route corridor ("save this route for
   offline"): the tile count, the bytes actually kept when the tiles come from a
   loopback tile server (synthetic PNGs, far smaller than real map tiles), and an
   estimate for OpenStreetMap tiles as count x an assumed average, because this
   machine cannot reach a real tile server (the assumption is printed).
3. The time from reload to every marker drawn with the network cut (Playwright's
   offline mode, the page from the worker's cache): median, min and max of several
   runs, with the same figure online for comparison.

Everything runs on 127.0.0.1: a temporary database seeded from ``data/``, the app
under werkzeug, Debian's Chromium at ``/usr/bin/chromium`` (never ``playwright install``).
"""

from __future__ import annotations

import argparse
import io
import re
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from PIL import Image, ImageDraw  # noqa: E402
from playwright.sync_api import sync_playwright  # noqa: E402
from run import on_the_map  # noqa: E402
from werkzeug.serving import WSGIRequestHandler, make_server  # noqa: E402

from mapapp import tiles  # noqa: E402
from mapapp.app import create_app  # noqa: E402
from mapapp.catalog import build_walk, load_seed, seed  # noqa: E402
from mapapp.store import Store  # noqa: E402

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    # only loopback (the app and the tile server): other names resolve nowhere.
    # Request routing would turn the HTTP cache off, and the worker's requests with it.
    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
]
PHONE = {
    "viewport": {"width": 390, "height": 844},
    "is_mobile": True,
    "has_touch": True,
    "device_scale_factor": 2,
}
READY = ".folium-map[data-ready]"


class Quiet(WSGIRequestHandler):
    def log_request(self, *args: Any) -> None:
        pass


@contextmanager
def app_server(db: Path, tiles_url: str, **config: Any) -> Iterator[str]:
    """The app on ``db`` in a thread; ``config`` adds settings (``MEDIA_DIR=...``)."""
    settings = {"TESTING": True, "DB": str(db), "SECRET_KEY": "bench", "TILES": tiles_url}
    app = create_app({**settings, **config})
    server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=Quiet)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.port}"
    finally:
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()


def synthetic_tile(z: int, x: int, y: int) -> bytes:
    img = Image.new("RGB", (256, 256), (236, 240, 232))
    ImageDraw.Draw(img).text((8, 8), f"{z}/{x}/{y}", fill=(120, 128, 120))
    out = io.BytesIO()
    img.save(out, format="PNG")
    return out.getvalue()


@contextmanager
def tile_server() -> Iterator[str]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802
            m = re.fullmatch(r"/(\d+)/(\d+)/(\d+)\.png", self.path)
            if not m:
                self.send_error(404)
                return
            body = synthetic_tile(*(int(g) for g in m.groups()))
            self.send_response(200)
            self.send_header("Content-Type", "image/png")
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Access-Control-Allow-Origin", "*")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: Any) -> None:
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_port}"
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(timeout=10)


def new_page(browser, base: str, *allowed: str):
    """A phone-sized page; requests that leave ``base`` and ``allowed`` are recorded
    (the launch flags keep them from leaving the machine)."""
    context = browser.new_context(**PHONE)
    context.set_default_timeout(30_000)
    blocked: list[str] = []
    prefixes = (base + "/", *allowed)
    context.on("request", lambda r: None if r.url.startswith(prefixes) else blocked.append(r.url))
    return context, context.new_page(), blocked


def open_ready(page, url: str) -> None:
    page.goto(url, wait_until="load")
    page.wait_for_selector(READY, state="attached")
    page.wait_for_selector("html[data-offline-ready]", state="attached")
    page.evaluate("() => TerrenkurOffline.keepNow()")


def cache_stats(page) -> dict[str, dict[str, int]]:
    return page.evaluate("() => TerrenkurOffline.stats()")["caches"]


def print_caches(caches: dict[str, dict[str, int]]) -> int:
    total = 0
    for name, figures in sorted(caches.items()):
        print(f"    {name:<34} {figures['entries']:>5} entries {figures['bytes']:>11,} B")
        total += figures["bytes"]
    print(f"    {'total':<34} {'':>13} {total:>11,} B  ({total / 1e6:.2f} MB)")
    return total


def kib(n: float) -> str:
    return f"{n / 1024:,.0f} KiB"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=7, help="offline opens to time")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp, sync_playwright() as pw:
        db = Path(tmp) / "bench.sqlite"
        store = Store.open(db)
        seed(store, load_seed(ROOT / "data"))
        walk = build_walk(store)
        store.close()
        n_stops = on_the_map(walk.stops)  # the map's default: the works standing today
        photos = sum(1 for s in walk.stops if s.get("photo"))
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        print(
            f"Chromium {browser.version}; route {walk.route.length_m:,.0f} m, "
            f"{n_stops} stops on the map (standing today), {photos} with photos"
        )

        # 1. without tiles ----------------------------------------------------------------
        print("\n1. Kept for offline use after one visit, no tiles (TILES='')")
        with app_server(db, "") as base:
            context, page, blocked = new_page(browser, base)
            open_ready(page, base + "/?lang=en")
            one = print_caches(cache_stats(page))
            for lang in ("ru", "kk"):
                open_ready(page, f"{base}/?lang={lang}")
            print("   after visiting the three languages:")
            three = print_caches(cache_stats(page))
            print(
                f"   each further language adds about {kib((three - one) / 2)}"
                " (its shell and its data: stops and details)"
            )
            context.close()
            assert not blocked, blocked

        # 2. with the corridor's tiles ----------------------------------------------------------
        corridor = tiles.corridor_tiles(walk.route)
        by_zoom = {z: sum(1 for t in corridor if t[0] == z) for z in tiles.WALK_ZOOMS}
        print(
            f"\n2. Route corridor ({tiles.CORRIDOR_M:.0f} m either side), zooms 14-17: "
            f"{len(corridor)} tiles " + ", ".join(f"z{z}: {n}" for z, n in by_zoom.items())
        )
        w, s, e, n = walk.route.line_lonlat.bounds
        pad = tiles.CORRIDOR_M / 110_000
        box = 0
        for z in tiles.WALK_ZOOMS:
            x0, y0 = tiles.lonlat_to_tile(w - pad / 0.73, n + pad, z)
            x1, y1 = tiles.lonlat_to_tile(e + pad / 0.73, s - pad, z)
            box += (int(x1) - int(x0) + 1) * (int(y1) - int(y0) + 1)
        print(f"   (the route's bounding box + 300 m would be {box} tiles)")
        with tile_server() as tile_origin, app_server(db, tile_origin + "/{z}/{x}/{y}.png") as base:
            context, page, blocked = new_page(browser, base, tile_origin + "/")
            open_ready(page, base + "/?lang=en")
            page.locator("#panel-toggle").click()
            page.locator("#save-route").click()
            page.wait_for_selector("#save-route-confirm:not([hidden])")
            estimate = page.locator("#save-route-estimate").inner_text()
            started = time.perf_counter()
            page.locator("#save-route-start").click()
            page.wait_for_selector('#save-route-progress[data-state="saved"]', state="attached")
            took = time.perf_counter() - started
            print(f'   the page said before saving: "{estimate}"')
            print(f"   saved in {took:.1f} s from the loopback tile server; kept now:")
            caches = cache_stats(page)
            with_tiles = print_caches(caches)
            route_tiles = next(v for k, v in caches.items() if "route-tiles" in k)
            mean = route_tiles["bytes"] / max(1, route_tiles["entries"])
            print(
                f"   loopback tiles are synthetic PNGs of {mean:,.0f} B on average: real map "
                "tiles are far larger"
            )
            estimate_osm = len(corridor) * tiles.ASSUMED_TILE_BYTES
            print(
                f"   estimate for OpenStreetMap tiles: {len(corridor)} tiles x "
                f"{tiles.ASSUMED_TILE_BYTES:,} B (assumed average, NOT measured: no network "
                f"here) = {estimate_osm / 1e6:.1f} MB, so about "
                f"{(with_tiles - route_tiles['bytes'] + estimate_osm) / 1e6:.1f} MB in all"
            )
            context.close()
            assert not blocked, blocked

        # 3. time to open offline ------------------------------------------------------------
        print(f"\n3. Reload to all {n_stops} markers drawn, phone size, {args.runs} runs")
        with app_server(db, "") as base:
            context, page, blocked = new_page(browser, base)
            open_ready(page, base + "/?lang=en")
            marker_js = f"() => Terrenkur.cluster.getLayers().length === {n_stops}"

            def timed() -> tuple[float, float]:
                started = time.perf_counter()
                page.reload(wait_until="commit")
                page.wait_for_selector(READY, state="attached")
                page.wait_for_function(marker_js, polling="raf")
                in_page = page.evaluate("() => performance.now()")
                return (time.perf_counter() - started) * 1000, in_page

            results: dict[str, list[tuple[float, float]]] = {}
            for label, offline in (("online ", False), ("offline", True)):
                context.set_offline(offline)
                timed()  # warm-up
                results[label] = [timed() for _ in range(args.runs)]
            for label, runs in results.items():
                wall = [r[0] for r in runs]
                nav = [r[1] for r in runs]
                print(
                    f"   {label}: median {statistics.median(wall):6.0f} ms wall "
                    f"(min {min(wall):.0f}, max {max(wall):.0f}); "
                    f"{statistics.median(nav):.0f} ms on the page's clock"
                )
            note = page.locator("#offline-note").inner_text()
            print(f'   the offline note said: "{note}"')
            context.close()
            assert not blocked, blocked
        browser.close()


if __name__ == "__main__":
    main()
