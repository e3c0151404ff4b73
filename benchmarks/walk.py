"""Walk mode's figures: bytes to save the route for offline use with its audio stories,
and the battery proxy (position callbacks and map redraws per minute while walking).

Run with ``.venv/bin/python benchmarks/walk.py`` (about a minute). Prints, and asserts
nothing:

1. Bytes "save this route for offline" keeps when every published work has an audio
   story in one language (English): the estimate the page shows before it starts, then
   what the service worker holds per cache afterwards. The stories are synthetic
   (a tone, Ogg Opus at libsndfile's default rate, STORY_S seconds each: the length of
   a typical audio-guide stop); real speech at the same rate is about as large. Tiles
   come from a loopback server of synthetic PNGs, far smaller than real map tiles, so
   an estimate with the assumed average OpenStreetMap tile is printed too.
2. The battery proxy: a walk of WALK_MIN minutes along the route at 4.5 km/h with one
   fix a second (what phones give with high accuracy), with GPS noise of a few metres,
   and then standing still for STAND_MIN minutes with the same noise. Counted per
   minute of walking: position callbacks (the page's watchPosition callback), redraws
   of the walker's dot, map moves walk mode makes (setView), and every Leaflet
   ``moveend`` (each one redraws the map panes). The page has no timers of its own.

Everything runs on 127.0.0.1: a temporary database seeded from ``data/``, the app
under werkzeug, Debian's Chromium at ``/usr/bin/chromium`` (never ``playwright install``),
positions handed in by a stand-in for ``navigator.geolocation`` (as in the browser tests).
"""

from __future__ import annotations

import io
import math
import random
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

import numpy as np  # noqa: E402
import soundfile as sf  # noqa: E402
from offline import (  # noqa: E402
    CHROMIUM,
    CHROMIUM_ARGS,
    app_server,
    cache_stats,
    new_page,
    open_ready,
    print_caches,
    tile_server,
)
from playwright.sync_api import sync_playwright  # noqa: E402

from mapapp import audio, editing, geo, tiles  # noqa: E402
from mapapp.catalog import build_walk, load_seed, seed  # noqa: E402
from mapapp.editing import Workspace  # noqa: E402
from mapapp.store import Store  # noqa: E402

STORY_S = 90.0
LANG = "en"
WALK_MIN = 10
STAND_MIN = 2
NOISE_M = 3.0
SPEED_MS = geo.WALKING_SPEED_KMH / 3.6

FAKE_GEOLOCATION = """
(() => {
  const watchers = {};
  let nextId = 1;
  const geo = window.__geo = { watchers };
  Object.defineProperty(navigator, "geolocation", { configurable: true, value: {
    getCurrentPosition() {},
    watchPosition(ok) { const id = nextId++; watchers[id] = ok; return id; },
    clearWatch(id) { delete watchers[id]; }
  }});
  navigator.vibrate = () => true;
  geo.emit = (points) => {
    for (const [lon, lat, t] of points) {
      const pos = { coords: { latitude: lat, longitude: lon, accuracy: 6, heading: null,
        speed: null, altitude: null, altitudeAccuracy: null }, timestamp: t };
      Object.values(watchers).forEach((ok) => ok(pos));
    }
  };
  geo.moves = 0;
  geo.count = () => { Terrenkur.map.on("moveend", () => { geo.moves += 1; }); };
})();
"""


def opus_story(seconds: float) -> bytes:
    rate = 48_000
    t = np.arange(int(seconds * rate)) / rate
    wave = 0.2 * np.sin(2 * np.pi * 220 * t) * (0.6 + 0.4 * np.sin(2 * np.pi * 3 * t))
    out = io.BytesIO()
    sf.write(out, wave.astype("float32"), rate, format="OGG", subtype="OPUS")
    return out.getvalue()


def give_every_work_a_story(db: Path, media: Path) -> tuple[int, int]:
    store = Store.open(db)
    try:
        route = geo.Route.from_coords(store.current_route()["coordinates"])
        ws = Workspace(store, route, "bench", 1000.0, media)
        data = opus_story(STORY_S)
        checked = audio.check_audio(data, 10**9, 3600)
        rows = store.installations()
        for row in rows:
            editing.attach_audio(ws, row["id"], LANG, checked)
        return len(rows), len(checked.data)
    finally:
        store.close()


def noisy(route: geo.Route, chainage: float, rng: random.Random) -> tuple[float, float]:
    lon, lat = route.point_at(chainage)
    x, y = geo.to_metric([lon], [lat])
    angle, r = rng.uniform(0, 2 * math.pi), abs(rng.gauss(0, NOISE_M))
    lon2, lat2 = geo.to_lonlat([x[0] + r * math.cos(angle)], [y[0] + r * math.sin(angle)])
    return float(lon2[0]), float(lat2[0])


def counters(page) -> dict[str, Any]:
    return page.evaluate("() => ({...TerrenkurWalk.stats(), moves: __geo.moves})")


def per_minute(before: dict[str, Any], after: dict[str, Any], minutes: float) -> str:
    keys = (
        ("positions", "position callbacks"),
        ("redraws", "dot redraws"),
        ("pans", "map moves by walk mode"),
        ("moves", "Leaflet moveend"),
    )
    return ", ".join(f"{label} {(after[k] - before[k]) / minutes:.1f}" for k, label in keys)


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp, sync_playwright() as pw:
        db = Path(tmp) / "bench.sqlite"
        media = Path(tmp) / "media"
        store = Store.open(db)
        seed(store, load_seed(ROOT / "data"))
        store.close()
        works, story_bytes = give_every_work_a_story(db, media)
        store = Store.open(db)
        walk = build_walk(store)
        store.close()
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        print(
            f"Chromium {browser.version}; route {walk.route.length_m:,.0f} m, {works} published"
            f" works, each with a {STORY_S:.0f} s Opus story in '{LANG}' of {story_bytes:,} B"
            f" ({story_bytes * 8 / STORY_S / 1000:.0f} kbit/s)"
        )

        # 1. the route saved for offline with its stories --------------------------------
        corridor = tiles.corridor_tiles(walk.route)
        print(f"\n1. Save this route for offline, stories in '{LANG}': {len(corridor)} tiles")
        with (
            tile_server() as tile_origin,
            app_server(db, tile_origin + "/{z}/{x}/{y}.png", MEDIA_DIR=str(media)) as base,
        ):
            context, page, blocked = new_page(browser, base, tile_origin + "/")
            open_ready(page, f"{base}/?lang={LANG}")
            page.evaluate("() => TerrenkurWalk.ready")
            page.locator("#panel-toggle").click()
            page.locator("#save-route").click()
            page.wait_for_selector("#save-route-confirm:not([hidden])")
            estimate = page.locator("#save-route-estimate").inner_text()
            page.locator("#save-route-start").click()
            page.wait_for_selector(
                '#save-route-progress[data-state="saved"]', state="attached", timeout=120_000
            )
            print(f'   the page said before saving: "{estimate}"')
            caches = cache_stats(page)
            total = print_caches(caches)
            kept_audio = next(v for k, v in caches.items() if "audio" in k)
            route_tiles = next(v for k, v in caches.items() if "route-tiles" in k)
            print(
                f"   stories: {kept_audio['entries']} files, {kept_audio['bytes']:,} B "
                f"({kept_audio['bytes'] / max(1, total):.0%} of what is kept)"
            )
            real_tiles = len(corridor) * tiles.ASSUMED_TILE_BYTES
            print(
                f"   with OpenStreetMap tiles at the assumed {tiles.ASSUMED_TILE_BYTES:,} B each"
                f" (NOT measured: no network here) instead of the synthetic ones: about "
                f"{(total - route_tiles['bytes'] + real_tiles) / 1e6:.1f} MB in all"
            )
            context.close()
            assert not blocked, blocked

        # 2. the battery proxy --------------------------------------------------------------
        print(
            f"\n2. Walking {WALK_MIN} min at {geo.WALKING_SPEED_KMH} km/h, one fix a second,"
            f" GPS noise ~{NOISE_M:.0f} m; then standing {STAND_MIN} min"
        )
        rng = random.Random(13)
        with app_server(db, "", MEDIA_DIR=str(media)) as base:
            context, page, blocked = new_page(browser, base)
            page.add_init_script(FAKE_GEOLOCATION)
            page.goto(f"{base}/?lang={LANG}", wait_until="load")
            page.wait_for_selector(".folium-map[data-ready]", state="attached")
            page.evaluate("() => TerrenkurWalk.ready")
            page.evaluate("() => __geo.count()")
            page.locator("#walk-open").click()
            page.locator('#walk-direction input[value="forward"]').check()
            page.locator("#walk-start").click()
            start_m, t0 = 500.0, 1_700_000_000_000
            fixes = [
                (*noisy(walk.route, start_m + SPEED_MS * s, rng), t0 + s * 1000)
                for s in range(WALK_MIN * 60)
            ]
            before = counters(page)
            for i in range(0, len(fixes), 30):
                page.evaluate("(pts) => __geo.emit(pts)", fixes[i : i + 30])
                page.wait_for_timeout(50)
            walking = counters(page)
            print(f"   walking, per minute: {per_minute(before, walking, WALK_MIN)}")
            end_m = start_m + SPEED_MS * WALK_MIN * 60
            still = [
                (*noisy(walk.route, end_m, rng), t0 + (WALK_MIN * 60 + s) * 1000)
                for s in range(STAND_MIN * 60)
            ]
            for i in range(0, len(still), 30):
                page.evaluate("(pts) => __geo.emit(pts)", still[i : i + 30])
                page.wait_for_timeout(50)
            standing = counters(page)
            print(f"   standing, per minute: {per_minute(walking, standing, STAND_MIN)}")
            print(
                f"   nudges and announcements on the way: "
                f"{len(page.evaluate('() => TerrenkurWalk.log()'))}"
            )
            context.close()
            assert not blocked, blocked
        browser.close()


if __name__ == "__main__":
    main()
