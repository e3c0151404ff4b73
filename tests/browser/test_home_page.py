"""The home page: the list of routes over their overview map, on a phone and a desktop."""

from __future__ import annotations

import re

import pytest
from browser_support import Guarded, timeout_ms
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


def test_the_home_page_shows_the_overview_map_and_the_routes(guarded: Guarded, artifacts):
    page = guarded.page
    page.goto(guarded.server.url("/?lang=ru"), wait_until="load")
    overview = page.locator(".overview-map .folium-map")
    expect(overview).to_be_visible()
    box = overview.bounding_box()
    width = page.viewport_size["width"]
    assert box is not None and box["height"] >= 200 and box["width"] <= width
    # the line and the marker at its start (its popup links the walk), once fitted
    expect(page.locator(".overview-map .leaflet-overlay-pane path")).to_have_count(3)  # casing too
    # the casing is not a target: the line (its tooltip) and the marker (its popup) are
    expect(page.locator(".overview-map path.leaflet-interactive")).to_have_count(2)
    expect(overview).not_to_have_class(re.compile("leaflet-zoom-anim"))
    page.wait_for_timeout(timeout_ms(500))  # the fit's zoom animation settles
    start = page.locator(".overview-map path.leaflet-interactive").last
    marker = start.bounding_box()
    assert marker is not None and box["x"] <= marker["x"] <= box["x"] + box["width"]
    assert box["y"] <= marker["y"] <= box["y"] + box["height"]
    item = page.locator("ul.routes li[data-route=esentai]")
    expect(item).to_be_visible()
    link = item.get_by_role("link", name="Терренкур вдоль Весновки (Есентай)")
    expect(link).to_be_visible()
    overflow = page.evaluate("() => document.documentElement.scrollWidth - innerWidth")
    assert overflow <= 1, f"the page scrolls sideways by {overflow}px"
    page.screenshot(path=str(artifacts / f"home-{guarded.viewport}.png"), full_page=True)
    link.click()
    page.wait_for_selector(".folium-map[data-ready]", state="attached")
    assert page.url.endswith("/esentai/?lang=ru")
