"""The public pages as HTML: content, escaping, assets and security headers."""

from __future__ import annotations

import gzip
import json
import re

import pytest

from mapapp.app import create_app
from mapapp.web.security import content_security_policy, script_hash, tile_origin

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


def test_map_page_is_a_shell_and_the_plain_list_has_every_stop(client, store, monkeypatch):
    from mapapp.views import public

    monkeypatch.setattr(public, "INLINE_DATA_BYTES", 0)  # as for a large walk
    resp = client.get("/esentai/")
    html = resp.get_data(as_text=True)
    assert "Esentai (Vesnovka) river walk" in html and "Almaty" in html
    assert 'lang="en"' in html
    assert "user-scalable=no" not in html
    rows = store.installations()
    # the script fetches the stops (a work named as its festival edition is in the
    # filter; the events, "What's on" and their blob, name the works they are held at)
    filters = html[html.index('<form id="filters"') : html.index("</form>")]
    events = html[html.index('<section id="time-filters"') : html.index('<div class="direction"')]
    blob = re.search(
        r'<script type="application/json" id="terrenkur-events">.*?</script>', html, re.S
    )
    assert blob
    rest = html.replace(filters, "").replace(events, "").replace(blob.group(0), "")
    assert not any(row["title"] in rest for row in rows)
    assert f'<span id="stop-count" class="count">{len(rows)}</span>' in html
    assert 'rel="preload" href="/api/routes/esentai/stops.json?lang=en&amp;v=' in html
    plain = client.get("/esentai/stops").get_data(as_text=True)
    for row in rows:
        assert f'data-id="{row["id"]}"' in plain
    assert "<script" not in plain


def test_a_small_walk_comes_in_the_page(client):
    html = client.get("/esentai/?lang=ru").get_data(as_text=True)
    settings = json.loads(
        re.search(r'id="terrenkur-settings"[^>]*>(.*?)</script>', html, re.S).group(1)
    )
    table = client.get(settings["contract"]["urls"]["stops"]).get_json()
    assert settings["inline"]["stops"] == table  # the same table, not fetched again
    assert settings["inline"]["route"] == client.get("/api/routes/esentai/route.geojson").get_json()
    assert 'rel="preload"' not in html


def test_text_from_the_data_is_escaped_everywhere(client, store):
    add_hostile(store)
    html = client.get("/esentai/stops").get_data(as_text=True)
    assert XSS not in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html  # the plain list
    permalink = client.get("/esentai/installations/hostile").get_data(as_text=True)
    assert XSS not in permalink and "<b>bold" not in permalink
    assert "<title>&lt;img src=x" in permalink
    assert 'content="&lt;/script&gt;&lt;script&gt;alert(2)&lt;/script&gt;"' in permalink
    assert "</script><script>alert(2)" not in permalink  # the card for no script
    assert "&lt;/script&gt;&lt;script&gt;alert(2)" in permalink


def test_no_asset_comes_from_another_host(client):
    html = client.get("/esentai/").get_data(as_text=True)
    urls = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert urls
    for url in urls:  # ours, or an icon in the page itself
        assert url.startswith(("/", "#", "data:image/svg+xml,")), url
    assets = [u for u in urls if u.startswith(("/vendor/", "/static/"))]
    assert {u.split("/")[1] for u in assets} == {"vendor", "static"}
    for url in assets:
        resp = client.get(url)
        assert resp.status_code == 200, url
        resp.close()


@pytest.mark.parametrize(
    "url", ["/esentai/", "/esentai/?lang=kk", "/esentai/installations/kazakh-state-circus"]
)
def test_inline_scripts_are_allowed_by_their_hash_not_a_nonce(client, url):
    """The map page's one inline script is the same on every request: the policy names
    its SHA-256, so the page itself holds no per-request value and is compressed once."""
    resp = client.get(url)
    policy = resp.headers["Content-Security-Policy"]
    html = resp.get_data(as_text=True)
    inline = re.findall(r"<script(?![^>]*\bsrc=)([^>]*)>(.*?)</script>", html, re.S)
    assert inline
    for attrs, body in inline:
        if 'type="application/json"' in attrs:
            continue
        assert "nonce=" not in attrs
        assert script_hash(body) in policy
    again = client.get(url)
    assert again.get_data(as_text=True) == html  # the same bytes, whatever the nonce


def test_the_shell_is_compressed_once_and_revalidated(client):
    first = client.get("/esentai/?lang=ru", headers={"Accept-Encoding": "gzip, br"})
    assert first.headers["Content-Encoding"] == "br"
    assert first.headers["Cache-Control"] == "no-cache"
    etag = first.headers["ETag"]
    again = client.get("/esentai/?lang=ru", headers={"If-None-Match": etag})
    assert again.status_code == 304
    assert client.get("/esentai/?lang=kk").headers["ETag"] != etag
    assert "Accept-Language" in client.get("/esentai/").headers["Vary"]


def test_security_headers(client):
    h = client.get("/esentai/").headers
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
    html = app.test_client().get("/esentai/").get_data(as_text=True)
    assert "https://t.example/{z}/{x}/{y}.png" in html
    assert "OpenStreetMap" in html  # attribution
    app = create_app({"TESTING": True, "DB": str(db_path), "TILES": ""})
    assert "tileLayer" not in app.test_client().get("/esentai/").get_data(as_text=True)


def test_default_tiles_are_openstreetmap_with_attribution(db_path):
    app = create_app({"TESTING": True, "DB": str(db_path)})
    html = app.test_client().get("/esentai/").get_data(as_text=True)
    assert "tile.openstreetmap.org" in html and "openstreetmap.org/copyright" in html


def test_permalink_opens_the_map_on_the_work(client, store):
    row = store.installations()[0]
    resp = client.get(f"/esentai/installations/{row['slug']}")
    html = resp.get_data(as_text=True)
    assert f'data-focus="{row["slug"]}"' in html
    assert resp.headers["Cache-Control"] == "no-cache"
    again = client.get(
        f"/esentai/installations/{row['slug']}", headers={"If-None-Match": resp.headers["ETag"]}
    )
    assert again.status_code == 304


@pytest.mark.parametrize("url", ["/esentai/installations/nope", "/no-such-page"])
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


def test_versioned_assets_are_immutable_and_compressed_once(client):
    html = client.get("/esentai/").get_data(as_text=True)
    versioned = re.findall(r'(?:src|href)="(/(?:static|vendor)/[^"]+\?v=[^"]+)"', html)
    assert any("leaflet.js" in u for u in versioned) and any(
        "terrenkur.css" in u for u in versioned
    )
    for url in versioned:
        resp = client.get(url.replace("&amp;", "&"), headers={"Accept-Encoding": "gzip, br"})
        assert resp.status_code == 200, url
        assert resp.headers["Cache-Control"] == "public, max-age=31536000, immutable", url
        again = client.get(url, headers={"If-None-Match": resp.headers["ETag"]})
        assert again.status_code == 304, url
    stale = client.get("/static/js/terrenkur.js?v=0000000000")
    assert stale.headers["Cache-Control"] == "no-cache"  # not the file's version: ask again
    assert client.get("/static/js/terrenkur.js").headers["Cache-Control"] == "no-cache"


def test_the_map_and_the_curators_link_to_the_planner(client, cclient, auth):
    html = client.get("/esentai/?lang=ru").text
    assert '<a class="planner-link" href="/esentai/planner?lang=ru">Планировщик</a>' in html
    assert (
        html.count('href="/esentai/planner?lang=ru"') == 2
    )  # the top bar and the foot of the panel
    auth.login()
    assert '<a href="/esentai/planner">Planner</a>' in cclient.get("/curator").text


def test_the_page_is_cached_apart_when_its_url_names_the_language(client):
    """Its links keep ``?lang=`` only when the URL has it, also when built once."""
    for _ in range(2):
        assert (
            'class="planner-link" href="/esentai/planner?lang=en"'
            in client.get("/esentai/?lang=en").text
        )
        assert 'class="planner-link" href="/esentai/planner"' in client.get("/esentai/").text
        assert (
            'href="/esentai/?lang=en"'
            in client.get("/esentai/stops?lang=en").text.split("Back to the map")[0]
        )
        assert 'href="/esentai/"' in client.get("/esentai/stops").text.split("Back to the map")[0]
