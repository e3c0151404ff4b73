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


def open_planner(open_page, live_server: LiveServer, size: str, path: str = "/planner"):
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
    report = live_server.get_json("/api/coverage")

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
    page.select_option("#f-kind", "sculpture")
    page.get_by_role("button", name="Update").click()
    page.wait_for_selector(".folium-map[data-ready]", state="attached")
    assert "radius=400" in page.url and "kind=sculpture" in page.url
    expected = live_server.get_json("/api/coverage", radius=400, kind="sculpture")
    assert f"({expected['share'] * 100:.1f} %)" in page.locator("#covered").inner_text()

    page.fill("#f-segment", "5")
    with page.expect_navigation() as nav:
        page.get_by_role("button", name="Update").click()
    assert nav.value is not None and nav.value.status == 400
    alert = page.get_by_role("alert")
    assert "Segment length must be from 10 to 10000 metres." in alert.inner_text()
    assert page.locator("#f-segment").get_attribute("aria-invalid") == "true"
    assert guarded.blocked == []
