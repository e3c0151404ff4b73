"""Hostile data and a dead tile server: the map stays safe and usable."""

from __future__ import annotations

import re
import socket
from collections.abc import Iterator

import pytest
from browser_support import Guarded, LiveServer, serve, standing_rows
from playwright.sync_api import expect

from mapapp.records import Installation

pytestmark = pytest.mark.browser

HOSTILE_TITLE = "<img src=x onerror=alert(1)>"
HOSTILE_DESCRIPTION = "<script>window.pwned=1</script>"
HOSTILE = Installation(
    id=9001,
    slug="hostile-markup-probe",
    title=HOSTILE_TITLE,
    kind="sculpture",
    artist='<b onmouseover="window.pwned=2">bold</b>',
    description=HOSTILE_DESCRIPTION,
    address='"><svg onload=alert(2)>',
    # on the walk's northern stretch, alone, so the permalink needs no spiderfy
    lat=43.2490,
    lon=76.9195,
    location_precision="approximate",
    source_url="https://example.org/probe",
    source_note="<iframe src=javascript:alert(3)></iframe> never shown to the public",
    how_we_know="<iframe src=javascript:alert(4)></iframe>",
    status="published",
)


def _closed_port() -> int:
    """A loopback port nobody listens on (bound once, then released)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


#: A tile server that is down: connections are refused. (Not port 9: Chromium
#: refuses "unsafe" ports itself, without trying to connect.)
DEAD_TILES_ORIGIN = f"http://127.0.0.1:{_closed_port()}"


@pytest.fixture(scope="module")
def hostile_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    yield from serve(tmp_path_factory, "hostile", extra=[HOSTILE])


@pytest.fixture(scope="module")
def dead_tiles_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    yield from serve(tmp_path_factory, "dead-tiles", tiles=DEAD_TILES_ORIGIN + "/{z}/{x}/{y}.png")


# 2. markup in the data is text, never HTML --------------------------------------------------


def test_popup_and_list_show_markup_as_text(open_page, hostile_server: LiveServer, viewport):
    guarded: Guarded = open_page(hostile_server, viewport)
    page = guarded.open_map(f"/esentai/installations/{HOSTILE.slug}")

    popup = page.locator(".leaflet-popup-content")
    heading = popup.locator("h2")
    expect(heading).to_be_visible()
    assert heading.inner_text() == HOSTILE_TITLE
    assert heading.evaluate("(h) => h.children.length") == 0
    assert popup.locator("img[src=x], script, svg, iframe, b").count() == 0
    assert HOSTILE_DESCRIPTION in popup.locator(".description").inner_text()
    assert HOSTILE.address in popup.locator(".address").inner_text()
    assert HOSTILE.how_we_know in popup.inner_text()
    assert "never shown to the public" not in page.content()  # the research note is private
    assert page.locator("img[src=x]").count() == 0
    assert page.title().startswith(HOSTILE_TITLE)

    item = page.locator(f"#stops li[data-id='{HOSTILE.id}']")
    title = item.locator(".stop-title")
    assert title.text_content() == HOSTILE_TITLE
    assert title.evaluate("(t) => t.children.length") == 0
    assert item.locator("img[src=x]").count() == 0

    popup.locator("p.artist").hover()
    assert page.evaluate("() => typeof window.pwned") == "undefined"
    assert page.evaluate("() => Terrenkur.cluster.getLayers().length") == len(standing_rows()) + 1
    assert not guarded.dialogs  # also checked at teardown


# 8. the map works without tiles -------------------------------------------------------------


def test_route_and_markers_draw_when_tiles_fail(open_page, dead_tiles_server: LiveServer, viewport):
    guarded: Guarded = open_page(dead_tiles_server, viewport, allow=[DEAD_TILES_ORIGIN + "/"])
    guarded.ignore_console(r"net::ERR_CONNECTION_REFUSED \[" + re.escape(DEAD_TILES_ORIGIN) + "/")
    page = guarded.open_map()

    assert page.locator(".leaflet-overlay-pane svg path").count() >= 1
    assert page.evaluate("() => Terrenkur.cluster.getLayers().length") == len(standing_rows())
    expect(page.locator(".folium-map")).to_have_attribute("data-tiles-failed", "true")
    tiles = [u for u in guarded.requests if u.startswith(DEAD_TILES_ORIGIN + "/")]
    assert tiles, "no tile was even requested"
    assert page.locator(".leaflet-tile-loaded").count() == 0
