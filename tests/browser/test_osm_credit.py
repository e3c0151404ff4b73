"""A route line from OpenStreetMap credits its contributors on the map (ODbL)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from browser_support import LiveServer, serve
from playwright.sync_api import expect

from mapapp import osm
from mapapp.store import Store

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def osm_route_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    for server in serve(tmp_path_factory, "osm-route"):
        store = Store.open(server.db_path)
        try:
            current = store.current_route()
            props = {
                **current["properties"],
                "attribution": osm.ATTRIBUTION,
                "attribution_url": osm.COPYRIGHT_URL,
            }
            store.set_route(current["coordinates"], props)
        finally:
            store.close()
        yield server


def test_the_map_credits_openstreetmap_for_the_route(open_page, osm_route_server):
    g = open_page(osm_route_server)
    page = g.open_map()
    credit = page.locator(".leaflet-control-attribution a", has_text=osm.ATTRIBUTION)
    expect(credit).to_have_attribute("href", osm.COPYRIGHT_URL)
    expect(page.locator("p.route-credit")).to_contain_text("River line:")
