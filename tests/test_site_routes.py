"""The static export of every route (the home page at the root, each route in its
folder) and of one route (``--route``), with a second route built for the test."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from mapapp.cli import cli
from mapapp.records import LANGUAGES
from mapapp.site import ExportError, check_site, export_site, local_urls

from .routes_support import TEST_ROUTE, TEST_WORKS, two_route_app

TILES = "https://{s}.tile.example.org/{z}/{x}/{y}.png"
TEST_SLUGS = {w[0] for w in TEST_WORKS}


@pytest.fixture
def app(db_path: Path, tmp_path: Path):
    return two_route_app(db_path, tmp_path, TILES=TILES)


@pytest.fixture
def site(app, tmp_path: Path) -> Path:
    out = tmp_path / "site"
    export_site(app, out, base_url="https://example.org/walks/")
    return out


def _settings(page: str, blob: str) -> dict:
    found = re.search(rf'id="{blob}"[^>]*>(.*?)</script>', page, re.S)
    assert found is not None
    return json.loads(found.group(1))


def test_every_route_has_its_folder_and_the_home_page_lists_them(site: Path):
    assert check_site(site, "/walks/") == []
    for lang in LANGUAGES:
        top = "" if lang == "en" else f"{lang}/"
        home = (site / top / "index.html").read_text(encoding="utf-8")
        assert f'href="/walks/esentai/{top}"' in home
        assert f'href="/walks/{TEST_ROUTE}/{top}"' in home
        assert f'href="/walks/esentai/{top}events/"' in home
        assert "/planner" not in home and "/tours" not in home  # not on a static host
        for route in ("esentai", TEST_ROUTE):
            page = (site / route / top / "index.html").read_text(encoding="utf-8")
            assert f'<html lang="{lang}">' in page
            manifest = json.loads((site / route / top / "manifest.webmanifest").read_text("utf-8"))
            assert manifest["start_url"] == f"/walks/{route}/{top}"
            assert manifest["scope"] == manifest["id"] == f"/walks/{route}/"
            assert (site / route / "api" / "installations.geojson").is_file()
            assert (site / route / top / "calendar" / "route.ics").is_file()
    assert (site / "sw.js").is_file() and (site / "404.html").is_file()
    assert not (site / "installations").exists()  # the works are in their route's folder
    marker = json.loads((site / ".terrenkur-export.json").read_text())
    assert len(marker["files"]) == len(set(marker["files"]))  # nothing written twice


def test_no_page_of_one_route_names_another_routes_works(site: Path):
    esentai = {
        f["properties"]["slug"]
        for f in json.loads((site / "esentai/api/installations.geojson").read_text())["features"]
    }
    tbilisi = {
        f["properties"]["slug"]
        for f in json.loads((site / TEST_ROUTE / "api/installations.geojson").read_text())[
            "features"
        ]
    }
    assert tbilisi == TEST_SLUGS - {"test-tbilisi-draft"} and len(esentai) > 10
    assert not esentai & tbilisi
    for route, others in (("esentai", tbilisi), (TEST_ROUTE, esentai)):
        folder = site / route
        assert {p.name for p in (folder / "installations").iterdir()} & others == set()
        for file in folder.rglob("*"):
            if file.suffix in (".html", ".json", ".geojson", ".ics"):
                text = file.read_text(encoding="utf-8")
                leaked = [s for s in others if f"/installations/{s}/" in text or f'"{s}"' in text]
                assert not leaked, (file, leaked[:3])
        page = (folder / "ru" / "index.html").read_text(encoding="utf-8")
        urls = local_urls(page, "/walks/", site)
        assert all(not u.startswith("/walks/installations/") for u in urls)
        other = TEST_ROUTE if route == "esentai" else "esentai"
        assert not any(u.startswith(f"/walks/{other}/") for u in urls)
    assert "test-tbilisi-draft" not in json.dumps(sorted(str(p) for p in site.rglob("*")))


def test_a_routes_pages_link_their_own_folder_the_home_page_and_shared_files(site: Path):
    page = site / TEST_ROUTE / "ru" / "installations" / "test-tbilisi-mural" / "index.html"
    text = page.read_text(encoding="utf-8")
    assert f'href="/walks/{TEST_ROUTE}/installations/test-tbilisi-mural/" lang="en"' in text
    assert 'class="all-routes" href="/walks/ru/"' in text
    map_settings = _settings(text, "terrenkur-settings")
    assert (
        map_settings["contract"]["urls"]["permalink"]
        == f"/walks/{TEST_ROUTE}/ru/installations/{{slug}}/"
    )
    assert map_settings["contract"]["urls"]["photoUrl"] == "/walks/media/phone/{name}"
    offline = _settings(text, "offline-settings")
    assert offline["shell"] == f"/walks/{TEST_ROUTE}/ru/"
    assert offline["worker"].startswith("/walks/sw.js?") and offline["scope"] == "/walks/"
    assert all(u.startswith(f"/walks/{TEST_ROUTE}/data/") for u in offline["data"])
    # the test route's corridor tiles are in Tbilisi (zoom 15: x about 20460, y 12120)
    tiles = offline["tiles"]["list"]
    assert tiles and all(20_000 < x < 21_000 for z, x, _y in tiles if z == 15)


def test_one_route_is_exported_at_the_root_with_no_home_page(app, tmp_path: Path):
    out = tmp_path / "one"
    export_site(app, out, route=TEST_ROUTE)
    assert check_site(out) == []
    page = (out / "index.html").read_text(encoding="utf-8")
    assert "data-route" not in page and "all-routes" not in page
    assert {p.name for p in (out / "installations").iterdir()} == TEST_SLUGS - {
        "test-tbilisi-draft"
    }
    assert not (out / "esentai").exists() and not (out / TEST_ROUTE).exists()
    with pytest.raises(ExportError, match="no route 'nowhere'"):
        export_site(app, tmp_path / "none", route="nowhere")
    assert not (tmp_path / "none").exists()


def test_the_cli_exports_one_route_or_every_route(app, db_path: Path, tmp_path: Path, monkeypatch):
    monkeypatch.setenv("MAPAPP_TILES", "")
    monkeypatch.setenv("MAPAPP_MEDIA_DIR", str(tmp_path / "media"))
    runner = CliRunner()
    every = runner.invoke(cli, ["export-site", str(tmp_path / "all"), "--db", str(db_path)])
    assert every.exit_code == 0, every.output
    assert "2 routes" in every.output
    assert (tmp_path / "all" / TEST_ROUTE / "index.html").is_file()
    one = runner.invoke(
        cli, ["export-site", str(tmp_path / "one"), "--db", str(db_path), "--route", "esentai"]
    )
    assert one.exit_code == 0, one.output
    assert (tmp_path / "one" / "installations").is_dir()
    bad = runner.invoke(
        cli, ["export-site", str(tmp_path / "x"), "--db", str(db_path), "--route", "nope"]
    )
    assert bad.exit_code == 1 and "no route 'nope'" in bad.output
    assert "--route" in runner.invoke(cli, ["export-site", "--help"]).output
