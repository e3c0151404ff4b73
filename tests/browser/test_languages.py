"""Each language in the browser: the right strings, ``lang``, and script texts."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.browser

EXPECTED = {
    "en": ("Cultural Terrenkur", "Locate me", "Next heading north"),
    "ru": ("Культурный терренкур", "Где я?", "Дальше на север"),
    "kk": ("Мәдени терренкур", "Мен қайдамын?", "солтүстік"),
}


@pytest.mark.parametrize("lang", list(EXPECTED))
def test_language_strings_and_lang_attribute(open_page, live_server, lang):
    title, locate, next_text = EXPECTED[lang]
    g = open_page(
        live_server,
        "phone",
        geolocation={"latitude": 43.2300, "longitude": 76.9215},
        permissions=["geolocation"],
    )
    g.page.goto(live_server.url(f"/esentai/?lang={lang}"))
    g.page.wait_for_selector(".folium-map[data-ready]")
    assert g.page.get_attribute("html", "lang") == lang
    assert g.page.text_content("h1").strip() == title
    assert locate in g.page.text_content("#locate")
    g.page.click("#locate")
    g.page.wait_for_function("() => document.querySelector('#status').dataset.nextId")
    assert next_text in g.page.text_content("#status")
    # switching language keeps the page and puts the language in the URL
    other = "ru" if lang != "ru" else "kk"
    g.page.click(f".lang-switch a[hreflang={other}]")
    g.page.wait_for_selector(".folium-map[data-ready]")
    assert f"lang={other}" in g.page.url
    assert g.page.get_attribute("html", "lang") == other
