"""Automated accessibility audit (axe-core) of the public pages, phone and desktop.

axe-core comes from the ``axe-playwright-python`` wheel (no CDN, no npm). Serious and
critical violations fail the test; the report names the rule and the elements.
"""

from __future__ import annotations

import pytest
from axe_playwright_python.sync_playwright import Axe
from browser_support import published_rows

pytestmark = pytest.mark.browser

AXE = Axe()
PAGES = [
    "/?lang=kk",  # the routes
    "/esentai/?lang=en",
    "/esentai/?lang=ru",
    "/esentai/?lang=kk",
    "/esentai/installations/{slug}",
    "/esentai/artists/pavel-shorokhov?lang=kk",
    "/esentai/planner",
    "/esentai/planner?sites=43.2301,76.9254;43.2445,76.9195&name=Two&lang=ru",
    "/esentai/planner/report?sites=43.2301,76.9254&name=One",
    "/login",
    "/esentai/events?lang=ru",
    "/esentai/events/city-picnic-2018?lang=kk",
    "/esentai/installations/vodoskop",
    "/esentai/installations/{slug}/report",
    "/esentai/suggest?lat=43.24&lon=76.92&lang=kk",
    "/esentai/tours",
    "/esentai/plaques?lang=ru",
]


def serious(results) -> list[str]:
    out = []
    for v in results.response["violations"]:
        if v["impact"] in ("serious", "critical"):
            targets = [", ".join(n["target"]) for n in v["nodes"][:4]]
            out.append(f"{v['id']} ({v['impact']}): {v['help']} -> {targets}")
    return out


@pytest.mark.parametrize("path", PAGES)
def test_no_serious_accessibility_violations(open_page, live_server, viewport, path):
    slug = published_rows()[0]["slug"]
    g = open_page(live_server, viewport)
    g.page.goto(live_server.url(path.format(slug=slug)))
    text_pages = (
        "/login",
        "/esentai/artists/",
        "/report",
        "/esentai/events",
        "/esentai/suggest",
        "/esentai/tours",
        "/esentai/plaques",
    )
    if not any(p in path for p in text_pages):
        g.page.wait_for_selector(".folium-map[data-ready]")
    if path.startswith("/esentai/installations/") and not path.endswith("/report"):
        # audit the popup once faded in, not half-way
        g.page.wait_for_function(
            "() => { const p = document.querySelector('.leaflet-popup');"
            " return p !== null && getComputedStyle(p).opacity === '1'; }"
        )
    problems = serious(AXE.run(g.page))
    assert not problems, "\n".join(problems)


def test_map_controls_have_touch_sized_targets(open_page, live_server):
    g = open_page(live_server, "phone")
    g.page.goto(live_server.url("/esentai/"))
    g.page.wait_for_selector(".folium-map[data-ready]")
    shown, small = g.page.evaluate(
        """() => {
          const shown = Array.from(document.querySelectorAll(
              '.leaflet-control-zoom a, .leaflet-control-layers-toggle, #locate, #panel-toggle,'
              + ' .direction button, .lang-switch a, .tk-legend summary'))
            .map(e => [e.className || e.id || e.tagName, e.getBoundingClientRect()])
            .filter(([, r]) => r.width * r.height > 0);  // hidden (closed panel)
          const small = shown.filter(([, r]) => r.width < 44 || r.height < 44)
            .map(([n, r]) => n + ' ' + Math.round(r.width) + 'x' + Math.round(r.height));
          return [shown.length, small];
        }"""
    )
    assert shown >= 6, f"only {shown} controls found: the selectors no longer match the page"
    assert not small, small


def test_focus_is_visible_on_keyboard_navigation(open_page, live_server):
    g = open_page(live_server, "desktop")
    g.page.goto(live_server.url("/esentai/"))
    g.page.wait_for_selector(".folium-map[data-ready]")
    g.page.keyboard.press("Tab")
    outline = g.page.evaluate(
        "() => { const s = getComputedStyle(document.activeElement);"
        " return [document.activeElement.className, s.outlineStyle, s.outlineWidth]; }"
    )
    assert outline[1] != "none" and outline[2] != "0px", outline


def test_open_panel_and_popup_pass_the_audit(open_page, live_server):
    g = open_page(live_server, "phone")
    g.page.goto(live_server.url("/esentai/"))
    g.page.wait_for_selector(".folium-map[data-ready]")
    g.page.click("#panel-toggle")
    assert g.page.get_attribute("#panel-toggle", "aria-expanded") == "true"
    assert not serious(AXE.run(g.page))
    g.page.locator("#stops button.stop").first.click()
    g.page.wait_for_selector(".leaflet-popup-content h2")
    g.page.wait_for_function(
        "() => getComputedStyle(document.querySelector('.leaflet-popup')).opacity === '1'"
    )
    problems = serious(AXE.run(g.page))
    assert not problems, "\n".join(problems)
