"""The planner page in a real browser, on a tablet (820x1180) and a phone (390x844).

Every request that does not go to the live server is aborted and recorded; the
``open_page`` fixture fails the test if any was made or if the console showed an
error, and the test says so explicitly too.
"""

from __future__ import annotations

import re

import pytest
from browser_support import Guarded, LiveServer

pytestmark = pytest.mark.browser

#: Viewport preset of the fixtures, and the size to set before loading.
SIZES = {
    "tablet": ("desktop", {"width": 820, "height": 1180}),
    "phone": ("phone", {"width": 390, "height": 844}),
}


def open_planner(open_page, live_server: LiveServer, size: str, path: str = "/esentai/planner"):
    preset, viewport = SIZES[size]
    guarded: Guarded = open_page(live_server, preset)
    guarded.page.set_viewport_size(viewport)
    page = guarded.open_map(path)
    return guarded, page


@pytest.mark.parametrize("size", list(SIZES))
def test_planner_draws_coverage_without_leaving_the_machine(
    open_page, live_server: LiveServer, size: str, artifacts
):
    guarded, page = open_planner(open_page, live_server, size)
    report = live_server.get_json("/api/routes/esentai/coverage")

    segments = page.locator(".leaflet-overlay-pane path.tk-seg")
    assert segments.count() == len(report["segments"])
    assert all(
        len(d or "") > 5
        for d in segments.evaluate_all("(ps) => ps.map((p) => p.getAttribute('d'))")
    )
    empty = sum(1 for s in report["segments"] if s["works"] == 0)
    assert page.locator("path.tk-seg-0").count() == empty
    assert page.locator("path.tk-gap").count() == len(report["gaps"])

    labels = page.locator(".tk-gap-label").all_inner_texts()
    assert len(labels) == len(report["gaps"]) > 0
    for gap, label in zip(report["gaps"], labels, strict=True):
        assert re.fullmatch(rf"Gap {gap['rank']}: [\d.]+ k?m", label), label
    label_box = page.locator(".tk-gap-label").first.bounding_box()
    assert label_box and label_box["width"] > 30, "gap label not drawn"

    assert page.locator(".tk-site").count() == len(report["suggestions"])
    assert page.locator("path.tk-radius").count() == report["works_total"]
    assert page.locator(".tk-planner-legend summary").is_visible()

    # readable without sideways scrolling; the map is a usable size
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    box = page.locator(".planner-map").bounding_box()
    assert box and box["height"] >= 320 and box["width"] >= 350

    chart = page.locator(".planner-chart img")
    chart.scroll_into_view_if_needed()
    page.wait_for_function(
        "(img) => img.complete && img.naturalWidth > 0", arg=chart.element_handle()
    )

    page.screenshot(path=str(artifacts / f"planner-{size}.png"), full_page=True)
    assert guarded.blocked == [], guarded.blocked
    assert all(
        u.startswith(live_server.base_url) or u.startswith("data:") for u in guarded.requests
    )
    assert guarded.console_errors == [] and guarded.page_errors == []


def test_planner_form_updates_and_rejects_bad_values(open_page, live_server: LiveServer):
    guarded, page = open_planner(open_page, live_server, "phone")
    guarded.ignore_console(r"status of 400")
    page.fill("#f-radius", "400")
    for kind in ("mural", "installation", "pavilion", "event"):
        page.locator(f'input[name="kind"][value="{kind}"]').uncheck()
    page.get_by_role("button", name="Update").click()
    page.wait_for_selector(".folium-map[data-ready]", state="attached")
    assert "radius=400" in page.url and "kind=sculpture" in page.url
    expected = live_server.get_json("/api/routes/esentai/coverage", radius=400, kind="sculpture")
    assert f"({expected['share'] * 100:.1f} %)" in page.locator("#covered").inner_text()

    page.fill("#f-segment", "5")
    with page.expect_navigation() as nav:
        page.get_by_role("button", name="Update").click()
    assert nav.value is not None and nav.value.status == 400
    alert = page.get_by_role("alert")
    assert "Segment length must be from 10 to 10000 metres." in alert.inner_text()
    assert page.locator("#f-segment").get_attribute("aria-invalid") == "true"
    assert guarded.blocked == []


SITES = "43.2301,76.9254;43.2445,76.9195"


def cells(page) -> dict[str, str]:
    return page.evaluate(
        """() => Object.fromEntries(Array.from(document.querySelectorAll(
              '#comparison td[id]')).map((td) => [td.id, td.textContent]))"""
    )


def test_works_too_far_are_drawn_apart(open_page, live_server: LiveServer):
    guarded, page = open_planner(open_page, live_server, "tablet")
    report = live_server.get_json("/api/routes/esentai/coverage")
    assert len(report["excluded"]) > 0
    assert page.locator("path.tk-excluded").count() == len(report["excluded"])
    assert page.locator("path.tk-radius").count() == report["works_total"]
    assert guarded.blocked == []


def test_sites_added_and_dragged_on_the_map_update_the_comparison(
    open_page, live_server: LiveServer
):
    guarded, page = open_planner(open_page, live_server, "tablet")
    assert page.locator("#cmp-scenario-change, #cmp-share-change").count() == 1
    assert cells(page)["cmp-share-scenario"] == "—"
    page.locator(".planner-map").scroll_into_view_if_needed()
    add = page.get_by_role("button", name="Add a site")
    add.click()
    assert add.get_attribute("aria-pressed") == "true"
    # a site in the longest gap, a third of the way along (its label is in the middle)
    gap = live_server.get_json("/api/routes/esentai/coverage")["gaps"][0]
    middle = page.evaluate(
        """([a, b]) => { const m = window.TerrenkurPlanner.map;
            const at = [a[1] + (b[1] - a[1]) / 3, a[0] + (b[0] - a[0]) / 3];
            const p = m.latLngToContainerPoint(at);
            return [p.x, p.y]; }""",
        [gap["start"], gap["end"]],
    )
    box = page.locator(".folium-map").bounding_box()
    with page.expect_response(
        lambda r: "/api/routes/esentai/scenario?" in r.url and r.status == 200
    ):
        page.mouse.click(box["x"] + middle[0], box["y"] + middle[1])
    page.wait_for_function(
        "() => document.getElementById('cmp-summary').textContent.startsWith('1 proposed')"
    )
    assert page.locator(".tk-proposal").count() == 1
    typed = page.locator("#f-sites").input_value()
    assert typed.count(",") == 1 and "sites=" in page.url
    expected = live_server.get_json("/api/routes/esentai/scenario", sites=typed.replace("\n", ";"))
    shown = {r["metric"]: r["scenario"] for r in expected["display"]["rows"]}
    assert cells(page)["cmp-share-scenario"] == shown["share"]
    assert page.locator("path.tk-newly").count() >= 1
    before = cells(page)
    # drag the site 300 px to one side: it covers less of the route
    marker = page.locator(".tk-proposal").bounding_box()
    x, y = marker["x"] + marker["width"] / 2, marker["y"] + marker["height"] / 2
    with page.expect_response(
        lambda r: "/api/routes/esentai/scenario?" in r.url and r.status == 200
    ):
        page.mouse.move(x, y)
        page.mouse.down()
        page.mouse.move(x + 150, y, steps=5)
        page.mouse.move(x + 300, y, steps=5)
        page.mouse.up()
    page.wait_for_function(
        "(old) => document.getElementById('cmp-share-scenario').textContent !== old",
        arg=before["cmp-share-scenario"],
    )
    moved = page.locator("#f-sites").input_value()
    assert moved != typed
    again = live_server.get_json("/api/routes/esentai/scenario", sites=moved.replace("\n", ";"))
    shown = {r["metric"]: r["scenario"] for r in again["display"]["rows"]}
    assert cells(page)["cmp-covered_m-scenario"] == shown["covered_m"]
    link = page.locator("#scenario-link").get_attribute("href")
    assert "sites=" in link
    assert guarded.blocked == [] and guarded.console_errors == []


def test_a_shared_scenario_link_opens_the_same_comparison(open_page, live_server: LiveServer):
    guarded, page = open_planner(
        open_page, live_server, "phone", f"/esentai/planner?sites={SITES}&name=Two"
    )
    assert page.locator(".tk-proposal").count() == 2
    first = cells(page)
    assert "—" not in first.values()
    assert page.get_by_role("heading", name="Scenario “Two” against today").is_visible()
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    assert guarded.blocked == []


def test_the_year_slider_shows_coverage_in_each_year(open_page, live_server: LiveServer):
    guarded, page = open_planner(open_page, live_server, "tablet")
    years = live_server.get_json("/api/routes/esentai/coverage")["timeline"]["years"]
    slider = page.get_by_role("slider", name="Year")
    assert slider.get_attribute("max") == str(years[-1]["year"] + 1)
    assert page.locator("path.tk-seg").count() > 0
    first = years[0]
    slider.fill(str(first["year"]))
    text = page.locator("#tk-year-text").inner_text()
    assert text.startswith(f"{first['year']}: {first['standing']} work(s) standing")
    assert f"{first['share'] * 100:.1f} %" in text
    assert page.locator("path.tk-seg").count() == 0  # today's layers give way
    assert page.locator("path.tk-year-covered").count() >= 1
    assert page.locator("path.tk-year-work").count() == first["standing"]
    slider.fill(str(years[-1]["year"] + 1))
    assert page.locator("path.tk-seg").count() > 0
    assert page.locator("path.tk-year-covered").count() == 0
    assert guarded.blocked == []


def test_the_planner_switches_language_and_keeps_its_settings(open_page, live_server):
    guarded, page = open_planner(
        open_page, live_server, "tablet", "/esentai/planner?kind=mural&kind=park&radius=200"
    )
    page.get_by_role("link", name="Русский").click()
    page.wait_for_selector(".folium-map[data-ready]", state="attached")
    assert page.locator("html").get_attribute("lang") == "ru"
    assert "kind=mural&kind=park" in page.url and "radius=200" in page.url
    assert page.locator('input[name="kind"][value="park"]').is_checked()
    assert not page.locator('input[name="kind"][value="sculpture"]').is_checked()
    assert guarded.blocked == []


def test_the_public_map_links_to_the_planner(open_page, live_server: LiveServer):
    guarded = open_page(live_server, "desktop")
    page = guarded.open_map("/esentai/")
    link = page.locator(".top-bar .planner-link")
    assert link.is_visible()
    link.click()
    page.wait_for_selector(".folium-map[data-ready]", state="attached")
    assert page.url.endswith("/esentai/planner")
    assert guarded.blocked == []


A4_WIDTH_PX = 794  # 210 mm at 96 px per inch


def test_the_printable_report_fits_a4(open_page, live_server: LiveServer):
    guarded = open_page(live_server, "desktop")
    page = guarded.page
    page.set_viewport_size({"width": A4_WIDTH_PX, "height": 1123})
    page.emulate_media(media="print")
    guarded.goto(f"/esentai/planner/report?sites={SITES}&name=Two")
    page.wait_for_function(
        "() => Array.from(document.images).every((i) => i.complete && i.naturalWidth > 0)"
    )
    assert page.get_by_role("button", name="Print or save as PDF").is_hidden()
    assert page.get_by_role("heading", name="Scenario “Two” against today").is_visible()
    assert page.locator("#comparison").is_visible() and page.locator(".report-map img").is_visible()
    overflowing = page.evaluate(
        """() => { const w = document.documentElement.clientWidth;
            return Array.from(document.querySelectorAll('body *'))
              .filter((e) => { const r = e.getBoundingClientRect();
                return r.width > 0 && (r.right > w + 0.5 || r.left < -0.5); })
              .map((e) => e.tagName + '.' + e.className + ' '
                + Math.round(e.getBoundingClientRect().right)); }"""
    )
    assert overflowing == [], overflowing
    assert page.evaluate(
        "document.documentElement.scrollWidth <= document.documentElement.clientWidth"
    )
    pdf = page.pdf(format="A4", print_background=True)
    assert pdf.startswith(b"%PDF") and pdf.count(b"/Type /Page") >= 2
    assert guarded.blocked == []
