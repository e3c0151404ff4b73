"""The walk map in a real browser, at phone and desktop size, on the shipped data."""

from __future__ import annotations

from collections import Counter

import pytest
from browser_support import (
    Guarded,
    LiveServer,
    data_rows,
    published_rows,
    standing_rows,
    timeout_ms,
)
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

#: How long a permalink's popup may take to open once the map is ready (zoom and
#: spiderfy animations).
POPUP_TIMEOUT_MS = timeout_ms(3000)

#: A point on the Esentai walk, between the KazNU campus and Satpaev Street.
WALKER = {"latitude": 43.2300, "longitude": 76.9215}

#: Zoom to each marker in turn and say whether its icon is then on the map.
SHOW_EVERY_MARKER = """
async (waitMs) => {
  const cluster = Terrenkur.cluster, map = Terrenkur.map;
  const pane = map.getPane("markerPane");
  const out = [];
  for (const marker of cluster.getLayers()) {
    const called = await new Promise((resolve) => {
      const timer = setTimeout(() => resolve(false), waitMs);
      cluster.zoomToShowLayer(marker, () => { clearTimeout(timer); resolve(true); });
    });
    const icon = marker.getElement();
    out.push({
      title: marker.options.title,
      called: called,
      shown: !!icon && icon.isConnected && pane.contains(icon),
      src: icon ? icon.getAttribute("src") : null,
    });
  }
  return out;
}
"""

CLUSTER_TITLES = "() => Terrenkur.cluster.getLayers().map((m) => m.options.title)"


def cluster_size(page) -> int:
    return page.evaluate("() => Terrenkur.cluster.getLayers().length")


def list_column(page, attr: str) -> list[str]:
    return page.eval_on_selector_all(
        "#stops li", f"(lis) => lis.map((li) => li.getAttribute({attr!r}))"
    )


def visible_list_ids(page) -> list[str]:
    return page.eval_on_selector_all(
        "#stops li", "(lis) => lis.filter((li) => !li.hidden).map((li) => li.dataset.id)"
    )


# 1. loads, draws the route, shows the river's names and every published stop ----------


def test_map_loads_with_route_names_and_every_stop(guarded: Guarded, viewport: str, artifacts):
    page = guarded.open_map()
    rows = published_rows()

    route = page.locator(".leaflet-overlay-pane svg path")
    assert route.count() >= 1, "the route polyline is not drawn"
    assert all(
        len(d or "") > 20 for d in route.evaluate_all("(ps) => ps.map((p) => p.getAttribute('d'))")
    )

    names = page.locator(".river-names").inner_text()
    for name in ("Esentai (Vesnovka) river walk", "Almaty"):  # the route and its city
        assert name in names

    page.screenshot(path=str(artifacts / f"map-{viewport}.png"))

    # by default the works standing today (and those of unknown date); then every one
    standing = standing_rows()
    assert 0 < len(standing) < len(rows)
    assert cluster_size(page) == len(standing)
    assert page.locator("#stop-count").inner_text() == str(len(standing))
    guarded.show_every_work()
    assert cluster_size(page) == len(rows)
    assert page.locator("#stops li").count() == len(rows)
    assert page.locator("#stop-count").inner_text() == str(len(rows))

    shown = page.evaluate(SHOW_EVERY_MARKER, timeout_ms(5000))
    assert sorted(m["title"] for m in shown) == sorted(r["title"] for r in rows)
    missing = [m["title"] for m in shown if not (m["called"] and m["shown"])]
    assert not missing, f"markers never shown on the map: {missing}"
    kinds = {r["title"]: r["kind"] for r in rows}
    icons = page.evaluate(  # the kinds' icons come in the page (data: URLs)
        "() => Object.fromEntries(JSON.parse(document.getElementById('terrenkur-settings')"
        ".textContent).kinds.map((k) => [k.id, k.icon]))"
    )
    for m in shown:
        assert m["src"] == icons[kinds[m["title"]]], m
        assert m["src"].startswith("data:image/svg+xml,")


def test_river_names_are_not_clipped(guarded: Guarded):
    """All three names of the river are readable in the top bar, not cut off."""
    page = guarded.open_map()
    names = page.locator(".river-names")
    expect(names).to_be_visible()
    box = page.evaluate(
        """() => {
          const p = document.querySelector(".river-names");
          const r = p.getBoundingClientRect();
          const bar = document.querySelector(".top-bar").getBoundingClientRect();
          return {
            scrollHeight: p.scrollHeight, clientHeight: p.clientHeight,
            scrollWidth: p.scrollWidth, clientWidth: p.clientWidth,
            top: r.top, bottom: r.bottom, barTop: bar.top, barBottom: bar.bottom,
          };
        }"""
    )
    assert box["scrollWidth"] <= box["clientWidth"] + 1, f"names cut off at the side: {box}"
    assert box["scrollHeight"] <= box["clientHeight"] + 1, f"names cut off below: {box}"
    assert box["barTop"] <= box["top"] and box["bottom"] <= box["barBottom"], box


# 3. the stop list in walking order, both directions --------------------------------------


def test_stop_list_follows_walking_direction(guarded: Guarded, live_server: LiveServer):
    page = guarded.open_map()
    guarded.show_every_work()
    api = live_server.get_json("/api/routes/esentai/installations.geojson")["features"]

    chainage = [float(c) for c in list_column(page, "data-chainage")]
    assert len(chainage) == len(published_rows())
    assert chainage == sorted(chainage), "forward list is not in ascending chainage"
    forward = sorted(api, key=lambda f: f["properties"]["chainage_m"])
    assert page.locator("#stops li .stop-title").all_inner_texts() == [
        f["properties"]["title"] for f in forward
    ]
    assert list_column(page, "data-id") == [str(f["id"]) for f in forward]

    north = page.locator(".direction button[data-direction=forward]")
    south = page.locator(".direction button[data-direction=backward]")
    assert north.get_attribute("aria-pressed") == "true"
    assert south.get_attribute("aria-pressed") == "false"
    assert "south" in south.inner_text().lower()
    south.click()
    assert south.get_attribute("aria-pressed") == "true"
    assert north.get_attribute("aria-pressed") == "false"

    chainage = [float(c) for c in list_column(page, "data-chainage")]
    assert chainage == sorted(chainage, reverse=True), "backward list is not descending"
    backward = sorted(api, key=lambda f: f["properties"]["chainage_m"], reverse=True)
    assert page.locator("#stops li .stop-title").all_inner_texts() == [
        f["properties"]["title"] for f in backward
    ]

    north.click()
    assert north.get_attribute("aria-pressed") == "true"
    assert [float(c) for c in list_column(page, "data-chainage")] == sorted(chainage)


# 4. locate me -------------------------------------------------------------------------------


def test_locate_me_names_next_and_nearest_stop(open_page, live_server: LiveServer, viewport):
    guarded = open_page(live_server, viewport, geolocation=WALKER, permissions=["geolocation"])
    page = guarded.open_map()
    lat, lon = WALKER["latitude"], WALKER["longitude"]
    status = page.locator("#status")

    page.locator("#locate").click()
    page.wait_for_selector("#status[data-next-id]", state="attached")

    for direction in ("forward", "backward"):
        if direction == "backward":
            guarded.open_panel()
            page.locator(".direction button[data-direction=backward]").click()
        answer = live_server.get_json(
            "/api/routes/esentai/next", lat=lat, lon=lon, direction=direction
        )
        assert answer["next"] is not None, f"the API has no stop ahead {direction}"
        expect(status).to_have_attribute("data-next-id", str(answer["next"]["id"]))
        assert answer["next"]["properties"]["title"] in status.inner_text()
        chainage = float(status.get_attribute("data-walker-chainage") or "nan")
        assert chainage == pytest.approx(answer["walker"]["chainage_m"], abs=25)

        nearest = live_server.get_json("/api/routes/esentai/nearest", lat=lat, lon=lon, n=1)[
            "features"
        ][0]
        assert status.get_attribute("data-nearest-id") == str(nearest["id"])
        assert nearest["properties"]["title"] in status.inner_text()

    assert page.locator(".walker-dot").count() == 1


# 5. permalinks --------------------------------------------------------------------------------


def _rows_by_slug(*slugs: str) -> list[dict[str, str]]:
    rows = {r["slug"]: r for r in published_rows()}
    missing = [s for s in slugs if s not in rows]
    assert not missing, f"permalink test slugs no longer in data/installations.csv: {missing}"
    return [rows[s] for s in slugs]


#: Permalinks that need different moves to show their marker: one shares its point
#: with another work (the cluster must spiderfy), one sits in the dense middle of the
#: walk (deep cluster), one stands alone at the northern end.
PERMALINK_ROWS = _rows_by_slug(
    "kasteyev-museum-sculpture-park", "kazakh-state-circus", "vinokurov-mural"
)


@pytest.mark.parametrize("row", PERMALINK_ROWS, ids=lambda r: r["slug"])
def test_permalink_opens_its_popup(guarded: Guarded, row: dict[str, str]):
    page = guarded.open_map(f"/esentai/installations/{row['slug']}")
    assert page.title().startswith(row["title"])
    heading = page.locator(".leaflet-popup-content h2")
    try:
        heading.wait_for(state="visible", timeout=POPUP_TIMEOUT_MS)
    except PlaywrightTimeoutError:
        zoom = page.evaluate("() => Terrenkur.map.getZoom()")
        message = f"{row['slug']}: no popup after load; the map was left at zoom {zoom}"
        raise AssertionError(message) from None
    assert heading.inner_text() == row["title"]
    assert page.url == guarded.server.url(f"/esentai/installations/{row['slug']}")


def test_unknown_permalink_is_a_readable_404(guarded: Guarded):
    guarded.ignore_console(r"status of 404")
    guarded.goto("/esentai/installations/no-such-work", expect_status=404)
    page = guarded.page
    assert page.locator("h1").inner_text() == "This page does not exist"
    assert "404" in page.locator("main").inner_text()
    assert "no published work" in page.locator("main").inner_text()
    back = page.get_by_role("link", name="Back to the map")
    expect(back).to_be_visible()
    back.click()
    page.wait_for_selector(".folium-map[data-ready]", state="attached")
    assert page.url == guarded.server.url("/esentai/")


# 6. keyboard and the phone panel ------------------------------------------------------------


def test_keyboard_reaches_a_popup(open_page, live_server: LiveServer):
    guarded = open_page(live_server, "desktop")
    page = guarded.open_map()
    active = "() => document.activeElement"

    page.keyboard.press("Tab")
    assert page.evaluate(f"({active})().classList.contains('skip-link')"), "skip link not first"
    page.keyboard.press("Enter")
    assert page.evaluate(f"({active})().id") == "stops"
    page.keyboard.press("Tab")
    assert page.evaluate(f"({active})().matches('#stops li button.stop')")
    title = page.evaluate(f"({active})().querySelector('.stop-title').textContent")

    page.keyboard.press("Enter")
    page.wait_for_function("() => document.activeElement.matches('.leaflet-popup-content h2')")
    assert page.evaluate(f"({active})().textContent") == title

    # a stop that shares its spot with another: the cluster must spiderfy first
    rows = published_rows()
    coords = Counter((r["lat"], r["lon"]) for r in rows)
    shared = next(r for r in rows if coords[(r["lat"], r["lon"])] > 1)
    page.locator(f"#stops button.stop[data-id='{shared['id']}']").focus()
    page.keyboard.press("Enter")
    page.wait_for_function(
        "(t) => document.activeElement.matches('.leaflet-popup-content h2')"
        " && document.activeElement.textContent === t",
        arg=shared["title"],
    )


def test_phone_panel_toggle_opens_the_list(open_page, live_server: LiveServer):
    guarded = open_page(live_server, "phone")
    page = guarded.open_map()
    toggle = page.locator("#panel-toggle")
    body = page.locator("#panel-body")
    assert toggle.get_attribute("aria-expanded") == "false"
    expect(body).to_be_hidden()

    toggle.tap()
    expect(toggle).to_have_attribute("aria-expanded", "true")
    expect(body).to_be_visible()

    stop = page.locator("#stops li button.stop").nth(2)
    title = stop.locator(".stop-title").inner_text()
    stop.tap()
    expect(page.locator(".leaflet-popup-content h2")).to_have_text(title)
    expect(toggle).to_have_attribute("aria-expanded", "false")  # the map is visible again


# 7. filters ---------------------------------------------------------------------------------


def test_kind_filter_hides_markers_and_list_items(guarded: Guarded):
    page = guarded.open_map()
    guarded.show_every_work()
    rows = published_rows()
    kind, n_kind = Counter(r["kind"] for r in rows).most_common(1)[0]
    kind_titles = {r["title"] for r in rows if r["kind"] == kind}
    box = page.locator(f"#filters input[name=kind][value={kind}]")

    box.uncheck()
    assert cluster_size(page) == len(rows) - n_kind
    assert not kind_titles & set(page.evaluate(CLUSTER_TITLES))
    # the list shows only the stops the filters let through (the others are not listed)
    assert page.locator(f"#stops li[data-kind={kind}]").count() == 0
    assert len(visible_list_ids(page)) == len(rows) - n_kind
    expect(page.locator(f"#stops li[data-kind={kind}]").first).to_be_hidden()
    assert page.locator("#stop-count").inner_text() == str(len(rows) - n_kind)

    box.check()
    assert cluster_size(page) == len(rows)
    assert len(visible_list_ids(page)) == len(rows)


def test_festival_filter_keeps_only_that_festival(guarded: Guarded):
    page = guarded.open_map()
    guarded.show_every_work()
    rows = published_rows()
    names = {r["slug"]: r["name"] for r in data_rows("festivals.csv")}
    festivals = Counter(names[r["festival"]] for r in rows if r["festival"])
    assert festivals, "the data has no festival stops to filter"
    select = page.locator("#filters select[name=festival]")

    for festival in sorted(festivals):
        select.select_option(festival)
        expected = {r["id"] for r in rows if r["festival"] and names[r["festival"]] == festival}
        assert set(visible_list_ids(page)) == expected
        assert sorted(page.evaluate(CLUSTER_TITLES)) == sorted(
            r["title"] for r in rows if r["id"] in expected
        )
        assert page.locator("#stop-count").inner_text() == str(len(expected))

    select.select_option("-")
    assert set(visible_list_ids(page)) == {r["id"] for r in rows if not r["festival"]}
    select.select_option("")
    assert cluster_size(page) == len(rows)


def test_edition_filter_keeps_only_that_edition(guarded: Guarded):
    page = guarded.open_map()
    guarded.show_every_work()
    rows = published_rows()
    editions = Counter(r["edition"] for r in rows if r["edition"])
    assert len(editions) >= 3, "the data has too few editions to filter"
    select = page.locator("#filters select[name=festival]")
    for edition in sorted(editions):
        select.select_option(f"edition:{edition}")
        expected = {r["id"] for r in rows if r["edition"] == edition}
        assert set(visible_list_ids(page)) == expected
        assert cluster_size(page) == len(expected)
    select.select_option("")
    assert cluster_size(page) == len(rows)


def test_popup_and_stop_list_link_to_the_artist(guarded: Guarded):
    rows = published_rows()
    row = next(r for r in rows if ";" in r["artists"])  # a work by several artists
    artists = {r["slug"]: r["name"] for r in data_rows("artists.csv")}
    page = guarded.open_map(f"/esentai/installations/{row['slug']}")
    popup = page.locator(".leaflet-popup-content")
    expect(popup.locator("h2")).to_have_text(row["title"])
    links = popup.locator("p.artist a")
    keys = row["artists"].split(";")
    expect(links).to_have_count(len(keys))
    assert links.all_inner_texts() == [artists[k] for k in keys]
    item = page.locator(f"#stops li[data-id='{row['id']}'] .stop-artists a")
    expect(item).to_have_count(len(keys))
    links.first.click()
    page.wait_for_url(guarded.server.url(f"/esentai/artists/{keys[0]}"))
    expect(page.locator("h1")).to_have_text(artists[keys[0]])
    page.get_by_role("link", name=row["title"]).first.click()
    page.wait_for_selector(".folium-map[data-ready]", state="attached")
    assert page.url == guarded.server.url(f"/esentai/installations/{row['slug']}")


# 9. nothing but our own server -----------------------------------------------------------------


def test_every_request_goes_to_our_server(guarded: Guarded):
    page = guarded.open_map()
    base = guarded.server.base_url + "/"

    assets = page.evaluate(
        """() => [
          ...[...document.scripts].filter((s) => s.src).map((s) => s.src),
          ...[...document.querySelectorAll('link[rel~=stylesheet], link[rel~=icon]')]
              .map((l) => l.href),
          ...[...document.images].map((i) => i.currentSrc || i.src),
          ...performance.getEntriesByType('resource').map((e) => e.name),
        ]"""
    )
    assert any("/leaflet.js" in u for u in assets)
    assert any("leaflet.markercluster.js" in u for u in assets)
    assert any("/static/css/terrenkur.css" in u for u in assets)
    foreign = [u for u in assets if not (u.startswith(base) or u.startswith("data:"))]
    assert not foreign, f"assets from elsewhere: {foreign}"

    requested = [u for u in guarded.requests if not u.startswith("data:")]
    assert requested and all(u.startswith(base) for u in requested), requested
    assert not guarded.blocked
