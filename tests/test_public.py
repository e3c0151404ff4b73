"""The public pages as HTML: content, escaping, assets and security headers."""

from __future__ import annotations

import gzip
import re

import pytest

from mapapp.app import create_app
from mapapp.web.security import content_security_policy, tile_origin

from .conftest import make_installation

XSS = "<img src=x onerror=alert(1)>"


def add_hostile(store):
    store.insert_missing(
        [
            make_installation(
                id=950,
                slug="hostile",
                title=XSS,
                artist="<b>bold</b>",
                description="</script><script>alert(2)</script>",
            )
        ]
    )


def test_map_page_lists_every_published_stop(client, store):
    html = client.get("/").get_data(as_text=True)
    for row in store.installations():
        assert f'data-id="{row["id"]}"' in html
    assert "Есентай" in html and "Весновка" in html and "Esentai" in html
    assert 'lang="en"' in html
    assert "user-scalable=no" not in html


def test_text_from_the_data_is_escaped_everywhere(client, store):
    add_hostile(store)
    html = client.get("/").get_data(as_text=True)
    assert XSS not in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html  # the stop list
    assert "</script><script>alert(2)" not in html  # the JSON settings blob
    assert "\\u003c/script\\u003e" in html
    permalink = client.get("/installations/hostile").get_data(as_text=True)
    assert "<title>&lt;img src=x" in permalink


def test_no_asset_comes_from_another_host(client):
    html = client.get("/").get_data(as_text=True)
    urls = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert urls
    for url in urls:
        assert url.startswith("/") or url.startswith("#"), url
    assets = [u for u in urls if u.startswith(("/vendor/", "/static/"))]
    assert {u.split("/")[1] for u in assets} == {"vendor", "static"}
    for url in assets:
        resp = client.get(url)
        assert resp.status_code == 200, url
        resp.close()


def test_inline_script_carries_the_csp_nonce(client):
    resp = client.get("/")
    nonce = re.search(r"'nonce-([^']+)'", resp.headers["Content-Security-Policy"]).group(1)
    html = resp.get_data(as_text=True)
    inline = re.findall(r"<script(?![^>]*\bsrc=)([^>]*)>", html)
    assert inline
    for attrs in inline:
        assert f'nonce="{nonce}"' in attrs or 'type="application/json"' in attrs


def test_security_headers(client):
    h = client.get("/").headers
    assert "script-src 'self' 'nonce-" in h["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in h["Content-Security-Policy"]
    assert h["X-Content-Type-Options"] == "nosniff"
    assert h["X-Frame-Options"] == "DENY"
    assert h["Referrer-Policy"] == "strict-origin-when-cross-origin"


def test_tile_host_is_allowed_for_images_only():
    assert tile_origin("https://tile.openstreetmap.org/{z}/{x}/{y}.png") == (
        "https://tile.openstreetmap.org"
    )
    assert tile_origin("https://{s}.tile.example.com/{z}/{x}/{y}.png") == (
        "https://*.tile.example.com"
    )
    assert tile_origin("/tiles/{z}/{x}/{y}.png") == ""
    csp = content_security_policy("n", "https://tile.openstreetmap.org/{z}/{x}/{y}.png")
    assert "img-src 'self' data: blob: https://tile.openstreetmap.org" in csp
    assert "connect-src 'self';" in csp


def test_tiles_are_configurable(db_path):
    app = create_app(
        {"TESTING": True, "DB": str(db_path), "TILES": "https://t.example/{z}/{x}/{y}.png"}
    )
    html = app.test_client().get("/").get_data(as_text=True)
    assert "https://t.example/{z}/{x}/{y}.png" in html
    assert "OpenStreetMap" in html  # attribution
    app = create_app({"TESTING": True, "DB": str(db_path), "TILES": ""})
    assert "tileLayer" not in app.test_client().get("/").get_data(as_text=True)


def test_default_tiles_are_openstreetmap_with_attribution(db_path):
    app = create_app({"TESTING": True, "DB": str(db_path)})
    html = app.test_client().get("/").get_data(as_text=True)
    assert "tile.openstreetmap.org" in html and "openstreetmap.org/copyright" in html


def test_permalink_opens_the_map_on_the_work(client, store):
    row = store.installations()[0]
    html = client.get(f"/installations/{row['slug']}").get_data(as_text=True)
    assert f'data-focus="{row["slug"]}"' in html


@pytest.mark.parametrize("url", ["/installations/nope", "/no-such-page"])
def test_unknown_pages_are_404_html(client, url):
    resp = client.get(url)
    assert resp.status_code == 404 and resp.mimetype == "text/html"
    assert "Back to the map" in resp.get_data(as_text=True)


def test_static_and_vendor_assets_are_compressed(client):
    resp = client.get("/vendor/leaflet/leaflet.js", headers={"Accept-Encoding": "gzip"})
    assert resp.status_code == 200 and resp.headers.get("Content-Encoding") == "gzip"
    assert gzip.decompress(resp.get_data()).startswith(b"/* @preserve")
    resp.close()
    resp = client.get("/static/js/terrenkur.js", headers={"Accept-Encoding": "gzip"})
    assert resp.headers.get("Content-Encoding") == "gzip"
    resp.close()
    assert client.get("/vendor/nothing/x.js").status_code == 404
    assert client.get("/vendor/leaflet/../../../etc/passwd").status_code == 404


def test_the_map_and_the_curators_link_to_the_planner(client, cclient, auth):
    html = client.get("/?lang=ru").text
    assert '<a class="planner-link" href="/planner?lang=ru">Планировщик</a>' in html
    assert html.count('href="/planner?lang=ru"') == 2  # the top bar and the foot of the panel
    auth.login()
    assert '<a href="/planner">Planner</a>' in cclient.get("/curator").text
