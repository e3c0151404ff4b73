"""Two routes saved for offline in one browser: saving route B keeps route A's pack.

The app serves the shipped route and a second one built for the test (in Tbilisi,
``tests/routes_support.py``) with loopback tiles; on a phone and a desktop, route A's
map and its corridor are saved, then route B's; with the network cut, both maps open
with their own works. Every non-loopback request is blocked and reported.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import closing

import pytest
import test_offline
from browser_support import LiveServer, serve, serve_static, timeout_ms
from playwright.sync_api import expect
from test_offline import TileServer, open_guarded, wait_offline_ready

from mapapp import geo, tiles
from mapapp.app import create_app
from mapapp.site import export_site
from mapapp.store import Store
from tests.routes_support import TEST_LINE, TEST_ROUTE, add_test_route

pytestmark = pytest.mark.browser

#: The loopback tile server (test_offline's fixture, one per module).
tile_server = test_offline.tile_server


@pytest.fixture(scope="module")
def two_route_server(
    tmp_path_factory: pytest.TempPathFactory, tile_server: TileServer
) -> Iterator[LiveServer]:
    """The app on the shipped data plus the test route, with loopback tiles."""
    for server in serve(tmp_path_factory, "two-routes", tiles=tile_server.template):
        with closing(Store.open(server.db_path)) as store:
            add_test_route(store)
        yield server


@pytest.fixture(scope="module")
def two_route_site(
    two_route_server: LiveServer, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[LiveServer]:
    """Both routes exported (the home page at the top, each route in its folder) and
    served as plain files."""
    site = tmp_path_factory.mktemp("two-route-site") / "public"
    export_site(create_app(two_route_server.config), site)
    yield from serve_static(site, two_route_server.config)


def save_route(guarded, path: str) -> int:
    """Open a route's map, keep it and save its corridor's tiles; the tiles' count."""
    page = guarded.open_map(path)
    wait_offline_ready(page)
    listed = page.evaluate(
        "() => JSON.parse(document.getElementById('offline-settings').textContent).tiles.list"
    )
    guarded.open_panel()
    save = page.get_by_role("button", name="Save this route for offline")
    save.scroll_into_view_if_needed()
    expect(save).to_be_enabled()
    save.click()
    page.get_by_role("button", name="Download").click()
    progress = page.locator("#save-route-progress")
    expect(progress).to_have_attribute("data-state", "saved", timeout=timeout_ms(60_000))
    return len(listed)


def caches(page) -> dict[str, dict[str, int]]:
    return page.evaluate("() => TerrenkurOffline.stats()")["caches"]


def test_saving_route_b_keeps_route_a_and_both_open_offline(
    open_page, two_route_server, tile_server, viewport, artifacts
):
    guarded = open_guarded(open_page, two_route_server, viewport, tile_server.origin + "/")
    river = save_route(guarded, "/esentai/?lang=en")
    page = guarded.page
    river_works = page.locator("#stop-count").inner_text()
    city = save_route(guarded, f"/{TEST_ROUTE}/?lang=en")
    assert city == len(tiles.corridor_tiles(geo.Route.from_coords(TEST_LINE)))
    assert page.locator("#stop-count").inner_text() == "2"
    kept = caches(page)
    saved = {k: v["entries"] for k, v in kept.items() if "route-tiles" in k}
    assert sorted(saved.values()) == sorted([river, city]), saved
    assert any(k.endswith("-" + TEST_ROUTE) for k in saved)
    data = [k for k in kept if "-data-" in k]
    assert any("esentai~" in k for k in data) and any(f"{TEST_ROUTE}~" in k for k in data), data

    # no signal: both maps open, each with its own works and its saved tiles
    guarded.ignore_console(re.escape(tile_server.origin))  # tiles off the corridors fail
    page.context.set_offline(True)
    for path, count in (("/esentai/?lang=en", river_works), (f"/{TEST_ROUTE}/?lang=en", "2")):
        resp = page.goto(two_route_server.url(path), wait_until="load")
        assert resp is not None and resp.status == 200, path
        page.wait_for_selector(".folium-map[data-ready]", state="attached")
        expect(page.locator("#stop-count")).to_have_text(count)
        expect(page.locator("#offline-note")).to_be_visible()
    slugs = page.evaluate("() => Terrenkur.cluster.getLayers().map((m) => m.options.title)")
    assert len(slugs) == 2
    page.screenshot(path=str(artifacts / f"offline-two-routes-{viewport}.png"))
    assert not guarded.blocked


def test_an_export_of_both_routes_keeps_each_route_offline(
    open_page, two_route_site, tile_server, viewport
):
    guarded = open_guarded(open_page, two_route_site, viewport, tile_server.origin + "/")
    page = guarded.page
    guarded.goto("/ru/")  # the home page lists both routes
    expect(page.locator("ul.routes li")).to_have_count(2)
    page.locator(f"ul.routes li[data-route={TEST_ROUTE}] a").first.click()
    page.wait_for_url(two_route_site.url(f"/{TEST_ROUTE}/ru/"))
    page.wait_for_selector(".folium-map[data-ready]", state="attached")
    wait_offline_ready(page)
    guarded.open_map("/esentai/ru/")
    river_works = page.locator("#stop-count").inner_text()
    wait_offline_ready(page)
    kept = [k for k in caches(page) if "-data-" in k]
    assert any("esentai~" in k for k in kept) and any(f"{TEST_ROUTE}~" in k for k in kept)

    guarded.ignore_console(re.escape(tile_server.origin))
    page.context.set_offline(True)
    for path, count in ((f"/{TEST_ROUTE}/ru/", "2"), ("/esentai/ru/", river_works)):
        resp = page.goto(two_route_site.url(path), wait_until="load")
        assert resp is not None and resp.status == 200, path
        page.wait_for_selector(".folium-map[data-ready]", state="attached")
        expect(page.locator("#stop-count")).to_have_text(count)
        expect(page.locator("#offline-note")).to_be_visible()
    # a permalink of route B nobody opened: route B's shell, focused on the work
    page.goto(two_route_site.url(f"/{TEST_ROUTE}/ru/installations/test-tbilisi-mural/"))
    page.wait_for_selector(".folium-map[data-ready]", state="attached")
    expect(page.locator("#stop-count")).to_have_text("2")
    expect(page.locator(".leaflet-popup-content h2")).to_be_visible()
    assert not guarded.blocked
