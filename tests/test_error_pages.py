"""Error pages speak the reader's language and look like the rest of the site."""

from __future__ import annotations

import pytest


@pytest.mark.parametrize(
    ("lang", "title"),
    [("en", "This page does not exist"), ("ru", "Такой страницы нет"), ("kk", "Мұндай бет жоқ")],
)
def test_the_404_page_is_translated_and_styled(client, lang, title):
    resp = client.get(f"/no/such/page?lang={lang}")
    assert resp.status_code == 404
    page = resp.text
    assert f'<html lang="{lang}">' in page
    assert title in page
    assert "The requested URL was not found" not in page  # Werkzeug's English text
    assert "Not Found" not in page
    assert "css/pages.css" in page and 'class="text-page"' in page
    assert 'class="lang-switch"' in page  # the reader can change the language


def test_a_missing_work_says_so_in_the_language(client):
    page = client.get("/esentai/installations/no-such-work?lang=ru").text
    assert "Такой страницы нет" in page
    assert "There is no published work" not in page
