"""Offline walking and the static export in a real browser.

After one visit the map reloads with the network cut (Playwright's offline mode):
markers, route, stop list and photos come from the service worker's cache and a
note says the map is offline and how old its data is. "Save this route for
offline" shows the tile count and size first, then fetches the corridor's tiles
from a loopback tile server. The exported static site, served by a plain
``http.server``, shows every marker in each language and works offline too.

Service workers fetch on their own, out of reach of ``page.route``: each context
here also gets a context-level guard, so their requests are held to loopback too.
"""

from __future__ import annotations

import functools
import io
import re
import threading
from collections.abc import Iterator
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from browser_support import (
    Guarded,
    LiveServer,
    QuietHandler,
    build_db,
    published_rows,
    standing_rows,
    timeout_ms,
    timeout_s,
)
from PIL import Image, ImageDraw
from playwright.sync_api import expect
from werkzeug.serving import make_server

from mapapp import geo, tiles
from mapapp.app import create_app
from mapapp.photos import store_photo
from mapapp.records import Installation
from mapapp.site import export_site
from mapapp.store import Store

pytestmark = pytest.mark.browser

READY_MS = timeout_ms(20_000)
#: The start of the offline note and of its data age, per language.
OFFLINE_NOTE = {"en": "You are offline", "ru": "Вы не в сети", "kk": "Сіз желіде емессіз"}
DATA_AGE = {"en": "Data last changed", "ru": "Данные последний раз", "kk": "Деректер соңғы рет"}
BACK_ONLINE = {"en": "You are back online", "ru": "Связь восстановлена", "kk": "Байланыс қалпына"}
#: A tile of the loopback tile server that could not load (offline, never seen).
TILE_FAILED = re.compile(r"net::ERR_FAILED \[http://127\.0\.0\.1:\d+/\d+/\d+/\d+\.png\]$")


# a loopback tile server -----------------------------------------------------------------


class TileServer:
    """Answers ``/{z}/{x}/{y}.png`` with a small labelled PNG, with CORS, and counts."""

    def __init__(self) -> None:
        self.paths: list[str] = []
        self._lock = threading.Lock()
        outer = self

        class Handler(SimpleHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 (http.server's name)
                m = re.fullmatch(r"/(\d+)/(\d+)/(\d+)\.png", self.path)
                if not m:
                    self.send_error(404)
                    return
                with outer._lock:
                    outer.paths.append(self.path)
                body = tile_png(*(int(g) for g in m.groups()))
                self.send_response(200)
                self.send_header("Content-Type", "image/png")
                self.send_header("Content-Length", str(len(body)))
                self.send_header("Access-Control-Allow-Origin", "*")
                self.send_header("Cache-Control", "max-age=3600")
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.origin = f"http://127.0.0.1:{self.httpd.server_port}"
        self.template = self.origin + "/{z}/{x}/{y}.png"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def requested(self) -> set[tuple[int, int, int]]:
        with self._lock:
            found = [re.fullmatch(r"/(\d+)/(\d+)/(\d+)\.png", p) for p in self.paths]
        return {(int(m[1]), int(m[2]), int(m[3])) for m in found if m}

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join(timeout=timeout_s(10))


@functools.lru_cache(maxsize=2048)
def tile_png(z: int, x: int, y: int) -> bytes:
    """A pale tile with a grid line and its address, so screenshots show the tiles."""
    shade = (236, 240, 232) if (x + y) % 2 else (228, 234, 226)
    img = Image.new("RGB", (256, 256), shade)
    d = ImageDraw.Draw(img)
    d.rectangle([0, 0, 255, 255], outline=(200, 208, 200))
    d.text((8, 8), f"{z}/{x}/{y}", fill=(120, 128, 120))
    out = io.BytesIO()
    img.save(out, format="PNG")
    return out.getvalue()


# servers --------------------------------------------------------------------------------


def photo_bytes() -> bytes:
    img = Image.new("RGB", (1200, 900), (40, 110, 170))
    ImageDraw.Draw(img).ellipse([300, 200, 900, 700], fill=(250, 200, 40))
    out = io.BytesIO()
    img.save(out, format="JPEG", quality=80)
    return out.getvalue()


def with_photo(media: Path) -> Installation:
    """A published work with a photo, alone on the walk's northern stretch."""
    name = store_photo(photo_bytes(), media, 8_000_000)
    return Installation(
        id=9101,
        slug="offline-photo-probe",
        title="Offline photo probe",
        kind="sculpture",
        description="A work whose photo must open with no signal.",
        lat=43.2490,
        lon=76.9195,
        location_precision="approximate",
        source_url="https://example.org/probe",
        status="published",
        photo=name,
    )


@pytest.fixture(scope="module")
def tile_server() -> Iterator[TileServer]:
    server = TileServer()
    yield server
    server.close()


@pytest.fixture(scope="module")
def offline_app(tmp_path_factory: pytest.TempPathFactory, tile_server: TileServer):
    root = tmp_path_factory.mktemp("offline")
    media = root / "media"
    probe = with_photo(media)
    db = build_db(root / "mapapp.sqlite", [probe])
    store = Store.open(db)
    try:  # a second photo in its gallery: only its detail chunk names it
        second = store_photo(photo_bytes(), media, 8_000_000)
        store.add_work_photo(probe.id, second, {"author": "A. S.", "licence": "CC0-1.0"}, "t")
    finally:
        store.close()
    config = {
        "TESTING": True,
        "DB": str(db),
        "SECRET_KEY": "test",
        "TILES": tile_server.template,
        "MEDIA_DIR": str(media),
    }
    return create_app(config), config, probe


@pytest.fixture(scope="module")
def offline_server(offline_app) -> Iterator[LiveServer]:
    """The app with loopback tiles and a work with a photo."""
    app, config, _probe = offline_app
    server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=QuietHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield LiveServer(f"http://127.0.0.1:{server.port}", server.port, Path(config["DB"]), config)
    server.shutdown()
    thread.join(timeout=timeout_s(10))
    server.server_close()


class StaticHandler(SimpleHTTPRequestHandler):
    def log_message(self, *args) -> None:
        pass


@pytest.fixture(scope="module")
def static_site(
    offline_app, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[LiveServer, Path]]:
    """The exported site served by the standard library's static file server."""
    app, config, _probe = offline_app
    site = tmp_path_factory.mktemp("site") / "public"
    export_site(app, site)
    handler = functools.partial(StaticHandler, directory=str(site))
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    port = httpd.server_port
    yield LiveServer(f"http://127.0.0.1:{port}", port, Path(config["DB"]), config), site
    httpd.shutdown()
    httpd.server_close()
    thread.join(timeout=timeout_s(10))


# helpers --------------------------------------------------------------------------------


def guard_workers(guarded: Guarded, *allowed: str) -> None:
    """Hold the service worker's own requests to loopback as well (``page.route`` does
    not see them); anything else is aborted and reported by the page's teardown."""
    prefixes = (guarded.server.base_url + "/", *allowed)

    def route(r) -> None:
        url = r.request.url
        if url.startswith(prefixes) or url.startswith("data:"):
            r.fallback()
        else:
            guarded.blocked.append(url)
            r.abort("blockedbyclient")

    guarded.page.context.route("**/*", route)


def open_guarded(open_page, server: LiveServer, viewport: str, *allow: str) -> Guarded:
    guarded: Guarded = open_page(server, viewport, allow=list(allow))
    guard_workers(guarded, *allow)
    return guarded


def wait_offline_ready(page) -> None:
    """Until the worker keeps this visit, including any tile that loaded late."""
    expect(page.locator("html")).to_have_attribute("data-offline-ready", "true", timeout=READY_MS)
    page.evaluate("() => TerrenkurOffline.keepNow()")


def marker_count(page) -> int:
    return page.evaluate("() => Terrenkur.cluster.getLayers().length")


def assert_map_complete(page, n_stops: int) -> None:
    """The markers and the list of the stops standing today (the default: the list is
    drawn from what the filters let through)."""
    page.wait_for_selector(".folium-map[data-ready]", state="attached")
    standing = n_stops - (len(published_rows()) - len(standing_rows()))
    assert marker_count(page) == standing
    assert page.locator(".leaflet-overlay-pane svg path").count() >= 1, "no route drawn"
    assert page.locator("#stops li").count() == standing


def reload_offline(page) -> None:
    page.context.set_offline(True)
    resp = page.reload(wait_until="load")
    assert resp is not None and resp.status == 200
    page.wait_for_selector(".folium-map[data-ready]", state="attached")


# 1. the map reloads and works with the network cut ---------------------------------------


#: The photos the worker keeps (covers and the galleries' other photos).
KEPT_PHOTOS = """async () => {
  const names = (await caches.keys()).filter((n) => n.indexOf("photos") >= 0);
  const out = [];
  for (const n of names) (await (await caches.open(n)).keys()).forEach((r) => out.push(r.url));
  return out;
}"""


def test_map_works_offline_after_one_visit(
    open_page, offline_server, offline_app, tile_server, viewport, artifacts
):
    _app, _config, probe = offline_app
    n_stops = len(published_rows()) + 1
    guarded = open_guarded(open_page, offline_server, viewport, tile_server.origin + "/")
    page = guarded.open_map("/esentai/?lang=kk")
    wait_offline_ready(page)
    expect(page.locator("#offline-note")).to_be_empty()
    kept_photos = [u for u in page.evaluate(KEPT_PHOTOS) if "/media/phone/" in u]
    assert any(u.endswith(probe.photo) for u in kept_photos)  # the cover (slim table)
    assert any(not u.endswith(probe.photo) for u in kept_photos)  # its gallery's second photo
    expect(page.locator("#offline-state")).to_contain_text(DATA_AGE["kk"])

    # offline, a tile this visit never loaded cannot load: not the map's failure
    guarded.ignore_console(r"net::ERR_FAILED \[" + re.escape(tile_server.origin) + "/")
    reload_offline(page)
    assert_map_complete(page, n_stops)
    expect(page.locator(".leaflet-tile-loaded").first).to_be_attached()  # the tiles it saw
    note = page.locator("#offline-note")
    expect(note).to_be_visible()
    expect(note).to_contain_text(OFFLINE_NOTE["kk"])
    expect(note).to_contain_text(DATA_AGE["kk"])
    assert page.locator("html").get_attribute("lang") == "kk"
    expect(page.locator("#save-route")).to_be_disabled()
    page.screenshot(path=str(artifacts / f"offline-map-{viewport}.png"))

    # a permalink nobody opened: the language's map, focused on the work, photo included;
    # its popup pans the map, and tiles never seen on the first visit cannot load offline
    guarded.ignore_console(re.escape(tile_server.origin))
    page.goto(offline_server.url(f"/esentai/installations/{probe.slug}?lang=kk"), wait_until="load")
    page.wait_for_selector(".folium-map[data-ready]", state="attached")
    photo = page.locator(".leaflet-popup-content img.photo").first  # the cover
    expect(photo).to_be_visible()
    page.wait_for_function(
        "(img) => img.complete && img.naturalWidth > 0", arg=photo.element_handle()
    )
    assert marker_count(page) == n_stops - (len(published_rows()) - len(standing_rows()))

    # back online: the note says so and offers the new data
    page.context.set_offline(False)
    expect(note).to_contain_text(BACK_ONLINE["kk"], timeout=READY_MS)
    expect(page.locator("#offline-reload")).to_be_visible()


def kept(page) -> dict[str, dict[str, int]]:
    """The worker's caches, but the tiles (which follow where the map was moved)."""
    return {k: v for k, v in cache_stats(page).items() if "tiles" not in k}


def cache_stats(page) -> dict[str, dict[str, int]]:
    return page.evaluate("() => TerrenkurOffline.stats()")["caches"]


def test_offline_copies_hold_each_thing_once_and_cards_add_nothing(
    open_page, offline_server, tile_server
):
    guarded = open_guarded(open_page, offline_server, "desktop", tile_server.origin + "/")
    page = guarded.open_map("/esentai/?lang=ru")
    wait_offline_ready(page)
    before = kept(page)
    shell = next(v for k, v in before.items() if "shell" in k)
    data = [v for k, v in before.items() if "-data-" in k]
    assert shell["entries"] == 2  # this language's page and its manifest
    assert [d["entries"] for d in data] == [1]  # the detail chunk (the page holds the rest)

    for i in range(3):  # each card puts its permalink in the address bar
        stop = page.locator("#stops li button.stop").nth(i)
        title = stop.locator(".stop-title").inner_text()
        stop.click()
        card = page.locator(".leaflet-popup-content", has=page.get_by_role("heading", name=title))
        expect(card.locator(".precision")).to_be_visible()  # its details are in
    assert "/esentai/installations/" in page.url
    page.evaluate("() => TerrenkurOffline.keepNow()")
    page.wait_for_timeout(timeout_ms(1500))  # late arrivals are kept a second after they load
    page.evaluate("() => TerrenkurOffline.keepNow()")
    assert kept(page) == before


# 2. save this route for offline -----------------------------------------------------------


def corridor(server: LiveServer) -> list[tuple[int, int, int]]:
    route = server.get_json("/api/routes/esentai/route.geojson")["features"][0]["geometry"][
        "coordinates"
    ]
    return tiles.corridor_tiles(geo.Route.from_coords(route))


def test_save_route_shows_count_and_size_then_saves_the_corridor(
    open_page, offline_server, tile_server, artifacts
):
    expected = corridor(offline_server)
    guarded = open_guarded(open_page, offline_server, "phone", tile_server.origin + "/")
    page = guarded.open_map("/esentai/?lang=en")
    wait_offline_ready(page)
    listed = page.evaluate(
        "() => JSON.parse(document.getElementById('offline-settings').textContent).tiles.list"
    )
    assert [tuple(t) for t in listed] == expected
    assert 0 < len(expected) <= tiles.OSM_BULK_LIMIT

    guarded.open_panel()
    save = page.get_by_role("button", name="Save this route for offline")
    save.scroll_into_view_if_needed()
    expect(save).to_be_enabled()
    save.click()
    estimate = page.locator("#save-route-estimate")
    expect(estimate).to_be_visible()
    text = estimate.inner_text()
    assert f"{len(expected)} map tiles along the route (zoom 14–17), about " in text
    assert re.search(r"about [\d.,]+ (KB|MB)\.", text), text
    missing = int(page.locator("#save-route-confirm").get_attribute("data-missing") or "-1")
    assert 0 < missing <= len(expected)  # the tiles seen on this visit are saved already
    expect(page.get_by_role("button", name="Download")).to_be_focused()
    page.screenshot(path=str(artifacts / "offline-save-confirm-phone.png"))

    page.get_by_role("button", name="Download").click()
    progress = page.locator("#save-route-progress")
    expect(progress).to_have_attribute("data-state", "saved", timeout=timeout_ms(60_000))
    expect(page.locator("#save-route-status")).to_contain_text(f"Saved {len(expected)} map tiles")
    assert page.locator("#save-route-bar").evaluate("(p) => p.value === p.max")
    assert set(expected) <= tile_server.requested()
    stats = page.evaluate("() => TerrenkurOffline.stats()")
    route_cache = next(v for k, v in stats["caches"].items() if "route-tiles" in k)
    assert route_cache["entries"] == len(expected)
    page.screenshot(path=str(artifacts / "offline-save-done-phone.png"))

    # no signal, zoomed in on the walk: the saved tiles draw
    page.context.set_offline(True)
    guarded.ignore_console(re.escape(tile_server.origin))  # tiles off the corridor fail
    line = offline_server.get_json("/api/routes/esentai/route.geojson")["features"][0]["geometry"][
        "coordinates"
    ]
    lon, lat = line[len(line) // 2]
    page.evaluate(f"() => Terrenkur.map.setView([{lat}, {lon}], 17, {{animate: false}})")
    x, y = tiles.lonlat_to_tile(lon, lat, 17)
    centre = tile_server.origin + f"/17/{int(x)}/{int(y)}.png"
    assert (17, int(x), int(y)) in expected
    expect(page.locator(f'img.leaflet-tile[src="{centre}"]')).to_have_class(
        re.compile(r"leaflet-tile-loaded")
    )


# 3. the static export ----------------------------------------------------------------------


@pytest.mark.parametrize("lang", ["en", "ru", "kk"])
def test_exported_site_shows_every_marker(open_page, static_site, tile_server, lang):
    server, _site = static_site
    n_stops = len(published_rows()) + 1
    guarded = open_guarded(open_page, server, "desktop", tile_server.origin + "/")
    page = guarded.open_map("/" if lang == "en" else f"/{lang}/")
    assert page.locator("html").get_attribute("lang") == lang
    assert_map_complete(page, n_stops)
    titles = page.evaluate("() => Terrenkur.cluster.getLayers().map((m) => m.options.title)")
    listed = page.locator("#stops li:not([hidden]) .stop-title").all_inner_texts()
    assert sorted(titles) == sorted(listed)  # the works standing today

    # a permalink is a real file: its page opens with the work's popup
    home = "/" if lang == "en" else f"/{lang}/"
    link = page.locator("#stops li a.permalink").first
    href = link.get_attribute("href") or ""
    assert re.fullmatch(home + r"installations/[\w-]+/", href)
    link.click()
    page.wait_for_url(server.url(href))
    page.wait_for_selector(".folium-map[data-ready]", state="attached")
    expect(page.locator(".leaflet-popup-content h2")).to_be_visible()

    # the language switcher leads to the exported page in the other language
    other = "ru" if lang != "ru" else "kk"
    page.locator(f'.lang-switch a[hreflang="{other}"]').click()
    page.wait_for_url(server.url(f"/{other}/" + href[len(home) :]))
    assert page.locator("html").get_attribute("lang") == other


def test_exported_site_works_offline(open_page, static_site, tile_server, artifacts):
    server, _site = static_site
    n_stops = len(published_rows()) + 1
    guarded = open_guarded(open_page, server, "phone", tile_server.origin + "/")
    page = guarded.open_map("/ru/")
    wait_offline_ready(page)
    guarded.ignore_console(r"net::ERR_FAILED \[" + re.escape(tile_server.origin) + "/")
    reload_offline(page)
    assert_map_complete(page, n_stops)
    expect(page.locator(".leaflet-tile-loaded").first).to_be_attached()  # the tiles it saw
    expect(page.locator("#offline-note")).to_contain_text(OFFLINE_NOTE["ru"])
    expect(page.locator("#offline-note")).to_contain_text(DATA_AGE["ru"])
    page.screenshot(path=str(artifacts / "offline-static-site-phone.png"))


# events, kept after one visit to the map ----------------------------------------------------


def test_whats_on_and_event_pages_open_offline_after_one_visit(
    open_page, offline_server, tile_server
):
    guarded = open_guarded(open_page, offline_server, "phone", tile_server.origin + "/")
    page = guarded.open_map("/esentai/?lang=ru")
    wait_offline_ready(page)
    page.wait_for_function(
        "async () => !!(await caches.match(new URL('/esentai/events/city-picnic-2018?lang=ru',"
        " location.href).href, { ignoreVary: true }))",
        timeout=READY_MS,
    )
    guarded.ignore_console(re.escape(tile_server.origin))
    page.context.set_offline(True)
    resp = page.goto(
        offline_server.url("/esentai/events/city-picnic-2018?lang=ru"), wait_until="load"
    )
    assert resp is not None and resp.status == 200
    expect(page.locator("h1")).to_have_text("Городской пикник со скульптурным пленэром")
    resp = page.goto(offline_server.url("/esentai/events?lang=ru"), wait_until="load")
    assert resp is not None and resp.status == 200
    expect(page.locator("h1")).to_have_text("Афиша")
