"""The map over time in a real browser: what stands today, works that are gone, the
month slider, the events layer and "What's on", at a frozen clock."""

from __future__ import annotations

import datetime as dt

import pytest
from browser_support import Guarded, published_rows
from playwright.sync_api import expect

from mapapp import lifecycle

pytestmark = pytest.mark.browser

UTC = dt.UTC


def cluster_slugs(page) -> set[str]:
    return set(page.evaluate("() => Terrenkur.cluster.getLayers().map((m) => m.options.title)"))


def titles(rows) -> set[str]:
    return {r["title"] for r in rows}


def freeze(guarded: Guarded, when: dt.datetime) -> None:
    """The page's clock (Date) set to ``when``; timers run as usual."""
    guarded.page.clock.set_system_time(when)


def test_at_the_city_picnic_the_river_works_stand(guarded: Guarded):
    freeze(guarded, dt.datetime(2018, 9, 9, 9, 0, tzinfo=UTC))  # 15:00 in Almaty
    page = guarded.open_map()
    assert page.evaluate("() => TerrenkurEvents.today") == "2018-09-09"
    day = dt.date(2018, 9, 9)
    shown = {
        r["title"]
        for r in published_rows()
        if lifecycle.state_on(r, day) in ("standing", "unknown")
    }
    assert cluster_slugs(page) == shown
    assert "VODOSKOP" in shown
    guarded.open_panel()
    on_now = page.locator('#whats-on-groups ul[data-bucket="on"]')
    expect(on_now).to_contain_text("City Picnic")
    expect(on_now).to_contain_text("installations on the river")


def test_a_temporary_work_disappears_after_its_end_and_the_slider_brings_it_back(
    guarded: Guarded,
):
    freeze(guarded, dt.datetime(2026, 5, 10, 6, 0, tzinfo=UTC))
    page = guarded.open_map()
    assert "VODOSKOP" not in cluster_slugs(page)  # ended 12 Sep 2018
    guarded.open_panel()
    page.locator("#show-gone").check()
    assert "VODOSKOP" in cluster_slugs(page)
    page.locator("#show-gone").uncheck()
    page.evaluate("() => TerrenkurEvents.setMonth('2018-09')")
    in_sept = cluster_slugs(page)
    expected = titles(lifecycle.standing_when(published_rows(), "2018-09"))
    assert in_sept == expected and "VODOSKOP" in in_sept
    expect(page.locator("#stood-text")).to_contain_text("September 2018")
    page.evaluate("() => TerrenkurEvents.setMonth('2019-01')")
    assert "VODOSKOP" not in cluster_slugs(page)
    page.evaluate("() => TerrenkurEvents.setMonth('')")  # back to now
    assert "VODOSKOP" not in cluster_slugs(page)
    expect(page.locator("#stood-text")).to_have_text("Works standing now")


def test_a_gone_works_page_shows_it_with_its_events(guarded: Guarded):
    freeze(guarded, dt.datetime(2026, 5, 10, 6, 0, tzinfo=UTC))
    page = guarded.open_map("/esentai/installations/vodoskop")
    expect(page.locator("#show-gone")).to_be_checked()
    popup = page.locator(".leaflet-popup-content")
    expect(popup).to_contain_text("VODOSKOP")
    expect(popup).to_contain_text("Made for ARTBAT FEST 9: installations on the river")
    expect(popup).to_contain_text("This work is gone")


def test_events_layer_and_permalink(guarded: Guarded):
    freeze(guarded, dt.datetime(2026, 5, 10, 6, 0, tzinfo=UTC))
    page = guarded.open_map()
    markers = page.locator("path.event-marker")
    assert markers.count() >= 3
    guarded.open_panel()
    page.locator("#events-layer").uncheck()
    assert page.locator("path.event-marker").count() == 0
    page.locator("#events-layer").check()
    assert page.locator("path.event-marker").count() >= 3
    page.goto(page.url.split("#")[0].rstrip("/") + "/events/city-picnic-2018")
    expect(page.locator("h1")).to_have_text("City Picnic with a sculpture plein-air")
    expect(page.locator(".event-when")).to_contain_text("12:00–21:00")


def test_an_events_popup_fits_below_the_notes_and_escape_closes_it(guarded: Guarded):
    """The walker's defect fixes hold for the events layer too (issue 13 with issue 14)."""
    freeze(guarded, dt.datetime(2026, 5, 10, 6, 0, tzinfo=UTC))
    page = guarded.open_map()
    page.evaluate(
        "() => document.querySelector('path.event-marker')"
        ".dispatchEvent(new MouseEvent('click', { bubbles: true }))"
    )
    popup = page.locator(".leaflet-popup:has(.event-popup)")
    expect(popup).to_be_visible()
    page.wait_for_function(
        "() => { const p = document.querySelector('.leaflet-popup');"
        " return p !== null && getComputedStyle(p).opacity === '1'; }"
    )
    box = popup.bounding_box()
    size = page.viewport_size
    assert box and size
    assert box["y"] >= 0 and box["x"] >= 0
    assert box["x"] + box["width"] <= size["width"] and box["y"] + box["height"] <= size["height"]
    # its title is on top (not under the notes or the controls)
    assert page.evaluate(
        "() => { const h = document.querySelector('.event-popup h2').getBoundingClientRect();"
        " const e = document.elementFromPoint(h.left + 4, h.top + h.height / 2);"
        " return !!(e && e.closest('.event-popup')); }"
    )
    page.keyboard.press("Escape")
    expect(popup).to_have_count(0)
