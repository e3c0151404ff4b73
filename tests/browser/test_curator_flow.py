"""A curator signs in, places a new work by clicking on the map, publishes it, and a
second browser sees it on the public map with its popup."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from browser_support import LiveServer, serve
from werkzeug.security import generate_password_hash

from mapapp.store import Store

pytestmark = pytest.mark.browser

PASSWORD = "a long curator passphrase"


@pytest.fixture(scope="module")
def curator_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    for server in serve(tmp_path_factory, "curator"):
        store = Store.open(server.db_path)
        store.create_user("aigerim", generate_password_hash(PASSWORD), "curator")
        store.close()
        yield server


@pytest.mark.parametrize("viewport_name", ["desktop", "phone"])
def test_add_by_clicking_publish_and_see_it_in_another_browser(
    open_page, curator_server, viewport_name
):
    title = f"Mirror pool ({viewport_name})"
    g = open_page(curator_server, viewport_name)
    page = g.page
    page.goto(curator_server.url("/curator/new"))
    assert "/login" in page.url  # signing in first
    page.fill("input[name=username]", "aigerim")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_selector(".folium-map[data-ready]")
    assert page.url.endswith("/curator/new")

    # click on the map right on the route: its vertex at Satpaev St
    path_point = page.evaluate(
        """() => { const m = TerrenkurCurator.map;
                   const p = m.latLngToContainerPoint([43.2366, 76.9217]);
                   const r = m.getContainer().getBoundingClientRect();
                   return [r.left + p.x, r.top + p.y]; }"""
    )
    page.mouse.click(path_point[0], path_point[1])
    page.wait_for_function("() => document.querySelector('#field-lat').value !== ''")
    page.wait_for_function(
        "() => /\\d m/.test(document.querySelector('#point-readout').textContent)"
    )
    lat = float(page.input_value("#field-lat"))
    assert abs(lat - 43.2366) < 0.002
    readout = page.text_content("#point-readout")
    assert "works must be within" not in readout, readout

    page.fill("input[name=title]", title)
    page.select_option("select[name=kind]", "installation")
    page.fill("input[name=source_url]", "https://artbatfest.cultura.kz/")
    page.fill("textarea[name=description]", "Placed on the map by a curator <b>test</b>.")
    page.select_option("select[name=status]", "published")
    page.click("form.edit-form button[type=submit]")
    page.wait_for_selector(".flash")
    assert "Added" in page.text_content(".flash")
    slug = page.input_value("input[name=slug]")

    # a second, anonymous browser sees it on the public map with its popup
    other = open_page(curator_server, viewport_name)
    other.page.goto(curator_server.url("/esentai/"))
    other.page.wait_for_selector(".folium-map[data-ready]")
    assert title in other.page.text_content("#stops")
    other.page.goto(curator_server.url(f"/esentai/installations/{slug}"))
    other.page.wait_for_selector(".leaflet-popup-content h2")
    assert other.page.text_content(".leaflet-popup-content h2") == title
    assert "<b>test</b>" in other.page.text_content(".leaflet-popup-content .description")
