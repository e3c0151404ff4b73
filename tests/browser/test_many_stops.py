"""The map with more stops than a page of its list: paging, focus, details on demand,
and the plain list for browsers without JavaScript."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from browser_support import DATA_DIR, Guarded, LiveServer, published_rows, serve
from playwright.sync_api import expect

from mapapp import geo
from mapapp.records import Installation, read_route_geojson

pytestmark = pytest.mark.browser

#: Extra works along the route: with the shipped ones, three pages of 50 in the list.
EXTRA = 134
PAGE = 50


def along_the_route(n: int) -> list[Installation]:
    text = (DATA_DIR / "geo" / "vesnovka_route.geojson").read_text(encoding="utf-8")
    route = geo.Route.from_coords(read_route_geojson(text)[0])
    out = []
    for i in range(n):
        p = route.line_m.interpolate(route.length_m * (i + 0.5) / n)
        lon, lat = geo.to_lonlat([p.x + 40.0], [p.y])
        out.append(
            Installation(
                id=20_000 + i,
                slug=f"paging-probe-{i}",
                title=f"Paging probe {i}",
                kind=("mural", "sculpture", "installation")[i % 3],
                description=f"The description of paging probe {i}.",
                lat=float(lat[0]),
                lon=float(lon[0]),
                location_precision="estimated",
                source_url=f"https://example.org/probe/{i}",
                status="published",
            )
        )
    return out


@pytest.fixture(scope="module")
def many_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    yield from serve(tmp_path_factory, "many", extra=along_the_route(EXTRA))


def total() -> int:
    return len(published_rows()) + EXTRA


def listed_ids(page) -> list[str]:
    return page.eval_on_selector_all("#stops li", "(lis) => lis.map((li) => li.dataset.id)")


def test_the_list_shows_a_page_at_a_time_and_every_stop_in_walking_order(
    open_page, many_server: LiveServer, viewport: str
):
    guarded: Guarded = open_page(many_server, viewport)
    page = guarded.open_map()
    guarded.show_every_work()
    n = total()
    assert page.evaluate("() => Terrenkur.cluster.getLayers().length") == n
    assert page.locator("#stop-count").inner_text() == str(n)
    expect(page.locator("#stops-range")).to_have_text(f"Stops 1–{PAGE} of {n}")
    prev, nxt = page.locator("#stops-prev"), page.locator("#stops-next")
    expect(page.locator("#stops-pager")).to_be_visible()
    expect(prev).to_have_attribute("aria-disabled", "true")

    features = many_server.get_json("/api/routes/esentai/installations.geojson")["features"]
    forward = [str(f["id"]) for f in features]
    # backward: by chainage, descending; works at the same chainage keep their order
    by_chainage = sorted(features, key=lambda f: -f["properties"]["chainage_m"])
    backward = [str(f["id"]) for f in by_chainage]
    seen = []
    for first in range(0, n, PAGE):
        ids = listed_ids(page)
        assert len(ids) == min(PAGE, n - first)
        assert page.locator("#stops").evaluate("(ol) => ol.start") == first + 1
        seen += ids
        if first + PAGE < n:
            nxt.click()
            assert page.evaluate("() => document.activeElement.id") == "stops-next"
            last = min(first + 2 * PAGE, n)
            expect(page.locator("#stops-range")).to_have_text(
                f"Stops {first + PAGE + 1}–{last} of {n}"
            )
    assert seen == forward
    expect(nxt).to_have_attribute("aria-disabled", "true")
    nodes = page.evaluate("() => document.querySelectorAll('#stops *').length")
    assert nodes <= 10 * PAGE, nodes

    # the other direction keeps the list where it was along the river
    anchor = listed_ids(page)[0]
    page.locator(".direction button[data-direction=backward]").click()
    ids = listed_ids(page)
    assert anchor in ids
    start = backward.index(ids[0])
    assert start % PAGE == 0 and ids == backward[start : start + len(ids)]
    nxt.click()
    assert listed_ids(page) == backward[start + PAGE : start + 2 * PAGE]


def test_a_card_shows_its_details_from_one_chunk_and_gives_focus_back(
    open_page, many_server: LiveServer
):
    guarded: Guarded = open_page(many_server, "desktop")
    page = guarded.open_map()
    page.locator("#stops-next").click()
    stop = page.locator("#stops li button.stop").nth(3)
    title = stop.locator(".stop-title").inner_text()
    number = int(title.rsplit(" ", 1)[1])
    stop.focus()
    page.keyboard.press("Enter")
    heading = page.locator(".leaflet-popup-content h2")
    expect(heading).to_have_text(title)
    page.wait_for_function("() => document.activeElement.matches('.leaflet-popup-content h2')")
    description = page.locator(".leaflet-popup-content .description")
    expect(description).to_have_text(f"The description of paging probe {number}.")
    assert page.evaluate("() => document.activeElement.textContent") == title  # focus kept
    expect(page.locator(".leaflet-popup-content a", has_text="Source")).to_have_attribute(
        "href", f"https://example.org/probe/{number}"
    )
    expect(page.locator("#stops li[aria-current=true] .stop-title")).to_have_text(title)

    page.keyboard.press("Escape")
    expect(heading).to_have_count(0)
    page.wait_for_function(
        "(t) => document.activeElement.matches('#stops button.stop')"
        " && document.activeElement.querySelector('.stop-title').textContent === t",
        arg=title,
    )

    # another card of the same chunk: no second download
    page.locator("#stops li button.stop").nth(5).click()
    expect(page.locator(".leaflet-popup-content .description")).to_be_visible()
    chunks = [u for u in guarded.requests if "/api/routes/esentai/details/" in u]
    assert len(chunks) == 1, chunks
    assert not any("/api/routes/esentai/installations" in u for u in guarded.requests)


def test_without_javascript_every_stop_is_in_a_plain_list(open_page, many_server: LiveServer):
    guarded: Guarded = open_page(many_server, "phone", java_script_enabled=False)
    page = guarded.page
    guarded.goto("/esentai/installations/paging-probe-7")
    assert page.title().startswith("Paging probe 7")
    card = page.locator(".noscript-card")
    expect(card.locator("h2")).to_have_text("Paging probe 7")
    expect(card).to_contain_text("The description of paging probe 7.")
    card.get_by_role("link", name="Stops in walking order").click()
    n = total()
    expect(page.locator(".plain-stops li")).to_have_count(100)
    page.get_by_role("link", name="Next stops").click()
    expect(page.locator(".plain-stops li")).to_have_count(n - 100)
    assert page.locator(".plain-stops").get_attribute("start") == "101"
    page.get_by_role("link", name="Paging probe 100").click()
    assert page.url.endswith("/esentai/installations/paging-probe-100")


def test_the_paged_list_and_an_open_card_pass_the_audit(open_page, many_server: LiveServer):
    from axe_playwright_python.sync_playwright import Axe

    guarded: Guarded = open_page(many_server, "phone")
    page = guarded.open_map()
    guarded.open_panel()
    page.locator("#stops-next").click()
    results = Axe().run(page)
    serious = [
        f"{v['id']}: {v['help']}"
        for v in results.response["violations"]
        if v["impact"] in ("serious", "critical")
    ]
    assert not serious, serious
