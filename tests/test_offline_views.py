"""Offline walking on the server side: worker, manifest, page settings, tile maths."""

from __future__ import annotations

import io
import json
import re
from pathlib import Path

import pytest
from PIL import Image
from shapely.geometry import Polygon

from mapapp import geo, tiles
from mapapp.app import create_app
from mapapp.views.offline import changed_text, tiles_unavailable_reason, worker_csp

TILES = "https://{s}.tile.example.org/{z}/{x}/{y}.png"


@pytest.fixture
def tiled_client(db_path: Path):
    app = create_app({"TESTING": True, "DB": str(db_path), "SECRET_KEY": "t", "TILES": TILES})
    return app.test_client()


def offline_settings(html: str) -> dict:
    m = re.search(
        r'<script type="application/json" id="offline-settings">(.*?)</script>', html, re.S
    )
    assert m, "no offline settings on the page"
    return json.loads(m.group(1))


def route(client) -> geo.Route:
    doc = client.get("/api/routes/esentai/route.geojson").get_json()
    return geo.Route.from_coords(doc["features"][0]["geometry"]["coordinates"])


# the worker and the manifest ----------------------------------------------------------


def test_worker_is_served_from_the_root_with_its_own_policy(tiled_client):
    resp = tiled_client.get("/sw.js?tiles=x")
    assert resp.status_code == 200
    assert resp.mimetype == "text/javascript"
    assert resp.headers["Service-Worker-Allowed"] == "/"
    assert resp.headers["Cache-Control"] == "no-cache"
    assert resp.headers["Content-Security-Policy"] == (
        "default-src 'none'; connect-src 'self' https://*.tile.example.org"
    )
    assert 'addEventListener("fetch"' in resp.get_data(as_text=True)
    again = tiled_client.get("/sw.js", headers={"If-None-Match": resp.headers["ETag"]})
    assert again.status_code == 304
    assert worker_csp("") == "default-src 'none'; connect-src 'self'"


@pytest.mark.parametrize(
    ("lang", "short", "start"),
    [
        ("en", "Terrenkur", "/esentai/?lang=en"),
        ("ru", "Терренкур", "/esentai/?lang=ru"),
        ("kk", "Терренкур", "/esentai/?lang=kk"),
    ],
)
def test_manifest_is_translated_and_its_icons_exist(client, lang, short, start):
    resp = client.get(f"/esentai/manifest.webmanifest?lang={lang}")
    assert resp.status_code == 200 and resp.mimetype == "application/manifest+json"
    doc = json.loads(resp.get_data(as_text=True))
    assert doc["short_name"] == short and doc["lang"] == lang
    assert doc["start_url"] == start and doc["scope"] == "/esentai/" and doc["id"] == "/esentai/"
    assert doc["name"].startswith({"en": "Esentai", "ru": "Терренкур", "kk": "Есентай"}[lang])
    assert doc["display"] == "standalone" and doc["theme_color"] == "#0b5cad"
    assert {i["purpose"] for i in doc["icons"]} == {"any", "maskable"}
    for icon in doc["icons"]:
        png = client.get(icon["src"])
        assert png.status_code == 200 and png.mimetype == "image/png"
        w, h = Image.open(io.BytesIO(png.data)).size
        assert f"{w}x{h}" == icon["sizes"]


# the map page --------------------------------------------------------------------------


def test_map_page_links_the_manifest_and_has_accessible_offline_controls(tiled_client):
    html = tiled_client.get("/esentai/?lang=ru").get_data(as_text=True)
    assert '<link rel="manifest" href="/esentai/manifest.webmanifest?lang=ru">' in html
    assert '<meta name="theme-color" content="#0b5cad">' in html
    assert re.search(
        r'<p id="offline-note" class="offline-note" role="status" aria-live="polite">', html
    )
    assert re.search(r'<button id="save-route" class="offline-button" type="button"', html)
    assert "Сохранить маршрут для работы без интернета" in html
    settings = offline_settings(html)
    assert settings["worker"].startswith("/sw.js?tiles=") and "lang=" not in settings["worker"]
    assert settings["scope"] == "/"
    v = settings["version"]
    assert settings["shell"] == "/esentai/?lang=ru"
    # the shipped walk is small: the page holds its stops and route, so only the
    # card texts are kept apart
    assert settings["data"] == [f"/api/routes/esentai/details/0.json?lang=ru&v={v}"]
    assert settings["strings"]["offline"].startswith("Вы не в сети")
    assert (
        "изменены" in settings["strings"]["dataAge"] and "{date}" in settings["strings"]["dataAge"]
    )
    assert settings["changedText"]  # formatted on the server, in Russian
    assert settings["tiles"]["template"] == TILES
    assert [tuple(t) for t in settings["tiles"]["list"]] == tiles.corridor_tiles(
        route(tiled_client)
    )


def test_without_tiles_saving_is_off_and_says_why(client):
    html = client.get("/esentai/").get_data(as_text=True)
    assert offline_settings(html)["tiles"] is None
    assert re.search(
        r'<p id="save-route-reason" class="offline-reason">This map is set up without a base map',
        html,
    )
    assert "disabled>Save this route for offline</button>" in html


def test_saving_from_openstreetmap_keeps_to_its_tile_limit():
    osm = "https://tile.openstreetmap.org/{z}/{x}/{y}.png"
    assert tiles_unavailable_reason(osm, tiles.OSM_BULK_LIMIT) is None
    reason = tiles_unavailable_reason(osm, tiles.OSM_BULK_LIMIT + 1)
    assert reason and "251" in reason and "250" in reason
    assert tiles_unavailable_reason(TILES, 10_000) is None
    assert tiles_unavailable_reason("", 0)


def test_data_age_is_the_last_change_in_the_page_language(store):
    long_ago = "2020-01-01T00:00:00+00:00"
    store.db.execute("UPDATE installations SET updated_at = ?", [long_ago])
    store.db.execute("UPDATE routes SET created_at = ?", [long_ago])
    store.db.execute("UPDATE data_changes SET changed_at = ?", [long_ago])
    store.db.conn.commit()
    assert store.data_changed_at() == long_ago
    store.update_installation(1, {"title": "Renamed"}, 1, "test")
    changed = store.data_changed_at()
    assert changed > long_ago
    assert changed == store.installation(1, published_only=False)["updated_at"]
    when = "2026-03-05T09:30:00+00:00"  # 14:30 in Almaty

    def text(lang: str) -> str:  # CLDR puts narrow no-break spaces in places
        return re.sub(r"[\u00a0\u202f]", " ", changed_text(when, lang))

    assert text("en") == "March 5, 2026, 2:30 PM"
    assert text("ru") == "5 марта 2026 г., 14:30"
    assert text("kk") == "2026 ж. 5 наурыз, 14:30"
    assert changed_text(None, "en") == ""


# tile maths -------------------------------------------------------------------------------


def test_tile_numbers_round_trip():
    x, y = tiles.lonlat_to_tile(76.9286, 43.2389, 14)
    assert (int(x), int(y)) == (11693, 6005)
    w, s, e, n = tiles.tile_bounds(int(x), int(y), 14)
    assert w <= 76.9286 <= e and s <= 43.2389 <= n
    assert tiles.lonlat_to_tile(-180, 85.0511287798, 0) == pytest.approx((0, 0), abs=1e-6)


def test_tile_urls_pick_the_subdomain_as_leaflet_does():
    template = "https://{s}.tiles.example/{z}/{x}/{y}{r}.png?key={key}"
    assert tiles.tile_url(template, 17, 1, 1) == "https://c.tiles.example/17/1/1.png?key={key}"
    assert (
        tiles.tile_url(template, 17, 1, 2, r="@2x")
        == "https://a.tiles.example/17/1/2@2x.png?key={key}"
    )


def test_corridor_covers_the_route_and_nothing_far_from_it(client):
    walk = route(client)
    found = tiles.corridor_tiles(walk)
    assert found == sorted(found, key=lambda t: t[0]) and len(set(found)) == len(found)
    assert {z for z, _, _ in found} == set(tiles.WALK_ZOOMS)
    lon, lat = walk.line_lonlat.xy
    for z in tiles.WALK_ZOOMS:  # every tile the line passes through
        for x, y in (tiles.lonlat_to_tile(a, b, z) for a, b in zip(lon, lat, strict=True)):
            assert (z, int(x), int(y)) in found
    for z, x, y in found:  # and each tile comes within 300 m of it
        w, s, e, n = tiles.tile_bounds(x, y, z)
        xs, ys = geo.to_metric([w, e, e, w], [s, s, n, n])
        tile = Polygon(list(zip(xs, ys, strict=True)))
        assert tile.distance(walk.line_m) <= tiles.CORRIDOR_M + 1e-6
    wider = tiles.corridor_tiles(walk, buffer_m=600)
    assert set(found) < set(wider)
    assert len(found) <= tiles.OSM_BULK_LIMIT  # the shipped walk can be saved from OSM
