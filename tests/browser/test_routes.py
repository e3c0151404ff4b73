"""Two routes in Chromium: the home page (its list and overview map, phone and desktop),
the test route's map page (test data: "test-tbilisi"), its stop list and permalinks,
"next stop" from a position in Tbilisi, and an old permalink landing on the work.

Every request that is not to the live server is blocked and reported by the guard
(``open_page``); the tests also check it themselves where it is the point.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from browser_support import LiveServer, published_rows, serve, timeout_ms
from playwright.sync_api import expect

from mapapp.store import Store
from tests.routes_support import (
    TEST_ROUTE,
    TEST_START,
    TEST_WORKS,
    add_test_route,
    add_test_tours,
)

pytestmark = pytest.mark.browser

ROUTES = ("esentai", TEST_ROUTE)
#: The test route's published works in walking order (forward, from Freedom Square).
OURS = [w[1] for w in TEST_WORKS if w[4] == "published"]


def two_routes(store: Store) -> None:
    add_test_route(store)
    add_test_tours(store)


@pytest.fixture(scope="module")
def network_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """The shipped data plus the test route, tiles off."""
    yield from serve(tmp_path_factory, "network", prepare=two_routes)


def only_loopback(guarded, server: LiveServer) -> None:
    assert not guarded.blocked, guarded.blocked
    assert all(u.startswith((server.base_url + "/", "data:")) for u in guarded.requests)


def test_the_home_page_lists_the_routes_over_their_lines(open_page, network_server, viewport):
    guarded = open_page(network_server, viewport)
    page = guarded.page
    guarded.goto("/")
    items = page.locator("ul.routes li[data-route]")
    expect(items).to_have_count(2)
    assert items.evaluate_all("(lis) => lis.map((li) => li.dataset.route)") == list(ROUTES)
    for slug in ROUTES:
        link = page.locator(f'li[data-route="{slug}"] > a')
        assert link.get_attribute("href") == f"/{slug}/"
    expect(page.locator('li[data-route="test-tbilisi"]')).to_contain_text("Tbilisi (test)")
    # the overview map draws each route (its casing, its line, a dot at its start) with
    # no tiles at all; the whole script runs (its popups once needed jQuery: page error)
    lines = page.locator(".overview-map .leaflet-overlay-pane path")
    expect(lines).to_have_count(3 * len(ROUTES))
    assert all(
        len(d or "") > 10 for d in lines.evaluate_all("(ps) => ps.map((p) => p.getAttribute('d'))")
    )
    box = page.locator(".overview-map .folium-map").bounding_box()
    assert box and box["width"] > 200 and box["height"] > 150
    assert box["width"] <= (390 if guarded.is_phone else 1280)
    # a route's link leads to its walk
    page.locator(f'li[data-route="{TEST_ROUTE}"] > a').click()
    page.wait_for_selector(".folium-map[data-ready]", state="attached")
    assert page.url == network_server.url(f"/{TEST_ROUTE}/")
    only_loopback(guarded, network_server)


def test_the_second_routes_map_shows_its_works_and_none_of_the_first(
    open_page, network_server, viewport
):
    guarded = open_page(network_server, viewport)
    page = guarded.open_map(f"/{TEST_ROUTE}/")
    assert page.evaluate("() => Terrenkur.cluster.getLayers().length") == len(OURS)
    markers = page.evaluate(
        "() => Terrenkur.cluster.getLayers().map((m) => m.options.title || m.options.alt || '')"
    )
    assert len(markers) == len(OURS)
    guarded.open_panel()
    titles = page.locator("#stops li .stop-title").all_inner_texts()
    assert titles == OURS  # in walking order
    text = page.content()
    theirs = [r["title"] for r in published_rows() if r["title"] in text or r["slug"] in text]
    assert not theirs, f"the first route's works on the second's map: {theirs}"
    assert not any("/api/routes/esentai/" in u or "/esentai/" in u for u in guarded.requests)
    # a card opened from the list is the test route's work
    page.locator("#stops li button.stop").first.click()
    heading = page.locator(".leaflet-popup-content h2")
    expect(heading).to_have_text(OURS[0])
    only_loopback(guarded, network_server)


def test_a_permalink_on_the_second_route_opens_its_card(open_page, network_server):
    guarded = open_page(network_server, "phone")
    page = guarded.open_map(f"/{TEST_ROUTE}/installations/test-tbilisi-sculpture")
    expect(page.locator(".leaflet-popup-content h2")).to_have_text("Test sculpture by the metro")
    assert page.title().startswith("Test sculpture by the metro")
    assert page.url == network_server.url(f"/{TEST_ROUTE}/installations/test-tbilisi-sculpture")


def test_next_stop_in_tbilisi_is_the_routes_work_at_its_speed(open_page, network_server):
    lat, lon = TEST_START
    guarded = open_page(
        network_server,
        "phone",
        geolocation={"latitude": lat, "longitude": lon},
        permissions=["geolocation"],
    )
    page = guarded.open_map(f"/{TEST_ROUTE}/")
    page.locator("#locate").click()
    status = page.locator("#status")
    page.wait_for_selector("#status[data-next-id]", state="attached")
    answer = network_server.get_json(
        f"/api/routes/{TEST_ROUTE}/next", lat=lat, lon=lon, direction="forward"
    )
    nxt = answer["next"]
    assert nxt["properties"]["slug"] == "test-tbilisi-mural"
    expect(status).to_have_attribute("data-next-id", str(nxt["id"]))
    assert nxt["properties"]["title"] in status.inner_text()
    chainage = float(status.get_attribute("data-walker-chainage") or "nan")
    assert chainage == pytest.approx(answer["walker"]["chainage_m"], abs=10)
    # minutes at the route's 4 km/h: the walk to the line, along it and off it to the work
    metres = answer["walker"]["offset_m"] + nxt["properties"]["walk_m"]
    minutes = max(1, round(metres / (4.0 * 1000 / 60)))
    assert f"{minutes} min" in status.inner_text(), status.inner_text()


def test_an_old_permalink_lands_on_the_works_card(open_page, network_server, viewport):
    """A printed QR code of before the routes opens the work on the default route."""
    row = next(r for r in published_rows() if r["slug"] == "vodoskop")
    guarded = open_page(network_server, viewport)
    resp = guarded.page.goto(network_server.url("/installations/vodoskop"), wait_until="load")
    assert resp is not None and resp.status == 200
    assert resp.request.redirected_from is not None
    assert resp.request.redirected_from.url == network_server.url("/installations/vodoskop")
    page = guarded.page
    assert page.url == network_server.url("/esentai/installations/vodoskop")
    page.wait_for_selector(".folium-map[data-ready]", state="attached")
    heading = page.locator(".leaflet-popup-content h2")
    heading.wait_for(state="visible", timeout=timeout_ms(5000))
    assert heading.inner_text() == row["title"]
