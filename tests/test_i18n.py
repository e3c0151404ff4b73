"""Kazakh, Russian and English: choice, persistence in links, fallbacks."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from mapapp.records import localized
from mapapp.web.i18n import compile_catalogs

from .conftest import make_installation

NAMES = {"en": "Cultural Terrenkur", "ru": "Культурный терренкур", "kk": "Мәдени терренкур"}


@pytest.mark.parametrize("lang", ["en", "ru", "kk"])
def test_each_language_renders_with_its_lang_attribute(client, lang):
    html = client.get(f"/esentai/?lang={lang}").text
    assert f'<html lang="{lang}">' in html
    assert NAMES[lang] in html
    assert 'aria-current="true">' in html


def test_browser_language_is_the_default_and_the_url_wins(client):
    assert (
        '<html lang="ru">'
        in client.get("/esentai/", headers={"Accept-Language": "ru-RU,ru;q=0.9"}).text
    )
    assert '<html lang="kk">' in client.get("/esentai/", headers={"Accept-Language": "kk"}).text
    assert '<html lang="en">' in client.get("/esentai/", headers={"Accept-Language": "de"}).text
    html = client.get("/esentai/?lang=kk", headers={"Accept-Language": "ru"}).text
    assert '<html lang="kk">' in html


def test_links_keep_the_language(client):
    html = client.get("/esentai/?lang=ru").text
    plain = client.get("/esentai/stops?lang=ru").text
    links = re.findall(r'href="(/esentai/installations/[^"]+)"', plain)
    assert links and all(link.endswith("?lang=ru") for link in links)
    assert 'href="/esentai/stops?lang=ru"' in html and 'href="/esentai/?lang=ru"' in plain
    assert '"permalink":"/esentai/installations/{slug}?lang=ru"' in html.replace(" ", "")
    assert 'href="/esentai/?lang=kk"' in html  # the switcher
    assert 'href="/vendor/leaflet/leaflet.css?v=' in html  # assets carry no language


def test_the_routes_name_and_city_follow_the_language(client):
    ru = client.get("/esentai/?lang=ru").text
    assert "Терренкур вдоль Весновки (Есентай)</span> · <span>Алматы" in ru.split("</h1>")[1][:200]
    assert "<title>Терренкур вдоль Весновки (Есентай) · Алматы · " in ru
    kk = client.get("/esentai/?lang=kk").text.split("</h1>")[1][:200]
    assert "Есентай өзені бойындағы терренкур" in kk and "Алматы" in kk
    en = client.get("/esentai/?lang=en").text.split("</h1>")[1][:200]
    assert "Esentai (Vesnovka) river walk</span> · <span>Almaty" in en


def test_installation_texts_fall_back_and_are_marked(client, store):
    store.insert_missing([make_installation(id=900, slug="only-english", title="Only English")])
    html = client.get("/esentai/stops?lang=ru").text
    # translated in the data
    assert "Казахский государственный цирк" in html
    # not translated: English text marked as English for screen readers
    assert re.search(r'<a href="[^"]+" lang="en">Only English</a>', html)
    table = client.get("/api/routes/esentai/stops.json?lang=ru").json  # what the map page lists
    i = table["title"].index("Only English")
    assert table["titleLang"][i] == "en"


def test_fallback_order():
    row = {"title": "Base", "title_ru": "Рус", "title_kk": ""}
    assert localized(row, "title", "ru") == ("Рус", "ru")
    assert localized(row, "title", "kk") == ("Base", "en")
    assert localized({"title": "", "title_ru": "Рус"}, "title", "kk") == ("Рус", "ru")


def test_api_localizes_on_request(client):
    plain = client.get("/api/routes/esentai/installations/5").json["properties"]
    assert "title_ru" in plain
    ru = client.get("/api/routes/esentai/installations/5?lang=ru").json["properties"]
    assert ru["title"] == "Казахский государственный цирк" and ru["text_lang"]["title"] == "ru"


def test_curators_edit_each_language(cclient, auth, client):
    auth.login()
    row = cclient.get("/api/curator/installations/7").json
    resp = cclient.patch(
        "/api/curator/installations/7",
        json={
            "version": row["version"],
            "title_kk": "Винокуров муралы",
            "description_ru": "Мурал.",
        },
    )
    assert resp.status_code == 200
    assert "Винокуров муралы" in client.get("/api/routes/esentai/stops.json?lang=kk").json["title"]
    assert "Винокуров муралы" in client.get("/esentai/stops?lang=kk").text
    form = cclient.get("/curator/7").text
    assert 'name="title_kk" value="Винокуров муралы"' in form


def test_catalogs_compile_into_the_given_folder_and_are_complete(tmp_path):
    from babel.messages.pofile import read_po

    from mapapp.web.i18n import TRANSLATIONS

    built = compile_catalogs(tmp_path)
    assert sorted(p.relative_to(tmp_path).as_posix() for p in built) == [
        "kk/LC_MESSAGES/messages.mo",
        "ru/LC_MESSAGES/messages.mo",
    ]
    assert compile_catalogs(tmp_path) == []  # unchanged: nothing rewritten
    assert not list(TRANSLATIONS.rglob("*.mo"))  # nothing beside the sources
    for lang in ("ru", "kk"):
        with (TRANSLATIONS / lang / "LC_MESSAGES" / "messages.po").open("rb") as f:
            catalog = read_po(f)
        missing = [
            m.id
            for m in catalog
            if m.id and not (m.string if isinstance(m.string, str) else all(m.string))
        ]
        assert not missing, f"{lang}: {missing[:5]}"
        problems = [(m.id, errs) for m, errs in catalog.check()]
        assert not problems, problems[:3]


def test_every_string_in_the_code_is_in_each_catalogue():
    """Extract the messages from the source as pybabel does; each needs a translation."""
    from babel.messages.extract import extract_from_dir
    from babel.messages.frontend import parse_mapping_cfg
    from babel.messages.pofile import read_po

    root = Path(__file__).resolve().parents[1]
    from mapapp.web.i18n import TRANSLATIONS

    with (root / "babel.cfg").open() as f:
        method_map, options_map = parse_mapping_cfg(f)
    found = {
        msg if isinstance(msg, str) else msg[0]
        for _file, _line, msg, _comments, _context in extract_from_dir(
            str(root), method_map, options_map
        )
    }
    assert len(found) > 200  # the extraction really ran over the code and templates
    for lang in ("ru", "kk"):
        with (TRANSLATIONS / lang / "LC_MESSAGES" / "messages.po").open("rb") as f:
            translated = {
                m.id if isinstance(m.id, str) else m.id[0] for m in read_po(f) if m.string
            }
        missing = sorted(found - translated)
        assert not missing, f"{lang} lacks {len(missing)}: {missing[:5]}"


def test_language_links_keep_repeated_arguments(app):
    from mapapp.web.urls import AppUrls

    with app.test_request_context("/esentai/planner?kind=mural&kind=park&lang=ru&radius=200"):
        assert (
            AppUrls().in_language("kk")
            == "/esentai/planner?kind=mural&kind=park&radius=200&lang=kk"
        )
