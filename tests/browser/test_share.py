"""Directions, sharing, search (offline too), seen ticks and tours, in a real browser."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from browser_support import LiveServer, serve, show_card, timeout_ms, work_id
from playwright.sync_api import expect

from mapapp.folding import fold_word
from mapapp.store import Store

pytestmark = pytest.mark.browser

WALKER = {"latitude": 43.2300, "longitude": 76.9215}
TOUR_WORKS = ["auezov-theatre", "kasteyev-state-museum-of-arts", "kazakh-state-circus"]
SEARCH_INDEX_KEY = "terrenkur:search-index:v1"
#: A card with its details and the share part in.
CARD_READY = ".tk-popup:not([aria-busy]) .tk-card-more"


@pytest.fixture(scope="module")
def tour_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """The shipped walk with one tour of three works."""
    for server in serve(tmp_path_factory, "tours"):
        store = Store.open(server.db_path)
        try:
            store.create_record(
                "tour",
                {
                    "slug": "three-landmarks",
                    "name": "Three landmarks",
                    "name_ru": "Три ориентира",
                    "works": ";".join(TOUR_WORKS),
                    "duration_min": 45,
                    "start_note": "Metro Auezov.",
                },
                "test",
            )
        finally:
            store.close()
        yield server


def test_a_card_has_directions_to_every_map_app_and_along_the_river(open_page, tour_server):
    guarded = open_page(tour_server, "phone", geolocation=WALKER, permissions=["geolocation"])
    page = guarded.open_map()
    page.locator("#locate").click()
    page.wait_for_function("() => document.querySelector('#status').dataset.walkerChainage")
    page.wait_for_timeout(timeout_ms(800))  # the map has moved to the walker
    show_card(page, tour_server, "kazakh-state-circus", CARD_READY)
    page.locator(".tk-directions summary").click()
    links = page.eval_on_selector_all(
        ".tk-directions-links a", "(as) => as.map((a) => [a.dataset.app, a.href])"
    )
    apps = dict(links)
    assert set(apps) == {"geo", "osm", "2gis", "google", "organic"}
    assert apps["geo"].startswith("geo:43.") and "(Kazakh%20State%20Circus)" in apps["geo"]
    assert apps["organic"].startswith("om://map?v=1&ll=43.")
    assert apps["osm"].startswith("https://www.openstreetmap.org/?mlat=43.")
    along = page.locator(".tk-along").inner_text()
    assert re.search(r"along the river walk heading (north|south) from you, about \d+ min", along)


def test_share_copies_a_permalink_that_keeps_the_language(open_page, tour_server):
    guarded = open_page(tour_server, "phone", permissions=["clipboard-read", "clipboard-write"])
    guarded.page.add_init_script("delete Navigator.prototype.share")  # the copy fallback
    page = guarded.open_map("/esentai/?lang=kk")
    show_card(page, tour_server, "auezov-theatre", CARD_READY)
    page.locator(".tk-share").click()
    expect(page.locator(".tk-share-note")).to_have_text("Сілтеме көшірілді.")
    copied = page.evaluate("() => navigator.clipboard.readText()")
    assert copied == tour_server.url("/esentai/installations/auezov-theatre?lang=kk")
    # the link opens the same card in the same language
    page.goto(copied)
    page.wait_for_selector(".folium-map[data-ready]")
    assert page.get_attribute("html", "lang") == "kk"
    page.wait_for_selector(".leaflet-popup-content h2")


def test_share_uses_the_web_share_api_where_there_is_one(open_page, tour_server):
    guarded = open_page(tour_server, "phone")
    guarded.page.add_init_script(
        "navigator.share = (d) => { window.__shared = d; return Promise.resolve(); }"
    )
    page = guarded.open_map("/esentai/?lang=ru")
    show_card(page, tour_server, "auezov-theatre", CARD_READY)
    page.locator(".tk-share").click()
    shared = page.evaluate("() => window.__shared")
    assert shared["url"] == tour_server.url("/esentai/installations/auezov-theatre?lang=ru")
    assert shared["title"]
    qr = page.locator(".tk-qr").get_attribute("href")
    assert qr == "/esentai/installations/auezov-theatre/qr.svg?lang=ru"


def test_search_finds_works_in_any_script_with_no_signal(open_page, tour_server):
    guarded = open_page(tour_server, "phone")
    guarded.ignore_console(r"favicon\.svg")
    page = guarded.open_map("/esentai/?lang=ru")
    page.wait_for_function(f"() => localStorage.getItem({SEARCH_INDEX_KEY!r})")
    page.context.set_offline(True)
    guarded.open_panel()
    box = page.locator("#search-q")
    museum = work_id(tour_server, "kasteyev-state-museum-of-arts")
    for query in ("kasteyev", "Қастеев", "Кастеев музей"):
        box.fill(query)
        hit = page.locator(f"#search-results button[data-id='{museum}']")
        expect(hit).to_be_visible()
    box.fill("no such work anywhere")
    expect(page.locator("#search-note")).to_have_text("Ничего не найдено.")
    box.fill("Кастеев")
    page.locator(f"#search-results button[data-id='{museum}']").click()
    page.wait_for_selector(".leaflet-popup-content h2")


def test_the_browser_folds_words_as_the_server(open_page, tour_server):
    page = open_page(tour_server, "desktop").open_map()
    words = ["Кастеев", "Қастеев", "Kasteyev", "Әуезов", "Ауэзов", "Шоқан", "Şoqan", "Жамбыл"]
    folded = page.evaluate(
        """async (words) => {
          const S = JSON.parse(document.querySelector('#terrenkur-settings').textContent);
          const index = await (await fetch(S.share.urls.searchIndex)).json();
          return words.map((w) => TerrenkurSearch.foldWord(w, index.folding));
        }""",
        words,
    )
    assert folded == [fold_word(w) for w in words]


def test_seen_ticks_stay_on_the_phone_and_the_tour_shows_progress(open_page, tour_server):
    guarded = open_page(tour_server, "phone")
    page = guarded.open_map()
    show_card(page, tour_server, "auezov-theatre", CARD_READY)
    page.locator(".tk-seen input").check()
    assert page.evaluate("() => JSON.parse(localStorage.getItem('terrenkur:seen:v1'))") == [
        "auezov-theatre"
    ]
    guarded.goto("/esentai/tours/three-landmarks?lang=ru")
    progress = page.locator("#tour-progress")
    expect(progress).to_have_text("Осмотрено: 1 из 3")
    page.locator("input[name=seen][value='kazakh-state-circus']").check()
    expect(progress).to_have_text("Осмотрено: 2 из 3")
    assert page.locator("input[name=seen][value='auezov-theatre']").is_checked()
    # nothing of it went to the server
    assert not [u for u in guarded.requests if "seen" in u and ".js?" not in u]


def test_the_map_follows_a_tour_and_gives_walk_mode_its_order(open_page, tour_server):
    guarded = open_page(tour_server, "phone")
    guarded.page.add_init_script(
        "document.addEventListener('terrenkur:tour', (e) => { window.__tour = e.detail; })"
    )
    page = guarded.open_map("/esentai/?tour=three-landmarks&lang=ru")
    page.wait_for_function("() => window.Terrenkur.tour && window.__tour")
    ids = page.evaluate("() => Terrenkur.tour.ids")
    assert ids == [work_id(tour_server, s) for s in TOUR_WORKS]
    assert page.evaluate("() => window.__tour.slugs") == TOUR_WORKS
    guarded.open_panel()
    expect(page.locator("#tour-bar")).to_contain_text("Маршрут: Три ориентира")
    expect(page.locator("#tour-bar")).to_contain_text("Осмотрено: 0 из 3")
    # opening a card keeps the tour in the address, and one language
    show_card(page, tour_server, "auezov-theatre", CARD_READY)
    assert page.url == tour_server.url(
        "/esentai/installations/auezov-theatre?lang=ru&tour=three-landmarks"
    )


def test_the_tour_page_and_the_plaques_sheet(open_page, tour_server):
    guarded = open_page(tour_server, "phone")
    page = guarded.page
    guarded.goto("/esentai/tours")
    page.get_by_role("link", name="Three landmarks").click()
    expect(page.locator("h1")).to_have_text("Three landmarks")
    assert page.locator("#tour-works li").count() == 3
    page.get_by_role("link", name="Printable QR plaques").click()
    expect(page.locator("article.plaque")).to_have_count(3)
    assert page.locator("article.plaque svg.qr").count() == 3
    page.wait_for_load_state("load")  # plaques.css in: the links' click may beat it
    page.emulate_media(media="print")
    nine_cm = "Math.abs(document.querySelector('article.plaque').offsetWidth - 90 / 25.4 * 96) <= 2"
    page.wait_for_function(f"() => {nine_cm}", timeout=timeout_ms(5000))
    box = page.locator("article.plaque").first.bounding_box()
    assert box["width"] == pytest.approx(90 / 25.4 * 96, abs=2)  # 9 cm at 96 px an inch


@pytest.mark.parametrize("viewport", ["phone", "desktop"])
def test_tour_pages_and_a_card_with_its_actions_pass_the_audit(open_page, tour_server, viewport):
    from axe_playwright_python.sync_playwright import Axe
    from test_accessibility import serious

    guarded = open_page(tour_server, viewport, geolocation=WALKER, permissions=["geolocation"])
    page = guarded.page
    for path in ("/esentai/tours/three-landmarks?lang=kk", "/no/such/page?lang=ru"):
        guarded.ignore_console(r"status of 404")
        page.goto(tour_server.url(path))
        problems = serious(Axe().run(page))
        assert not problems, "\n".join(problems)
    guarded.open_map("/esentai/?tour=three-landmarks")
    page.locator("#locate").click()
    page.wait_for_function("() => document.querySelector('#status').dataset.walkerChainage")
    page.wait_for_timeout(timeout_ms(800))
    show_card(page, tour_server, "auezov-theatre", CARD_READY)
    page.locator(".tk-directions summary").click()
    problems = serious(Axe().run(page))
    assert not problems, "\n".join(problems)
