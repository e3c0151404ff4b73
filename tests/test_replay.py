"""The replay layer answers again, from the cache, what the app sent: same bytes, same
headers (but a fresh nonce), until the data changes; never for a signed-in curator."""

from __future__ import annotations

import re

import pytest

ENCODINGS = {"Accept-Encoding": "gzip, deflate, br, zstd"}


def replayed(app) -> int:
    return app.extensions["mapapp.replay"].replayed


def same_headers(a, b) -> None:
    skip = {"Content-Security-Policy", "Date"}
    assert {k: v for k, v in a.headers if k not in skip} == {
        k: v for k, v in b.headers if k not in skip
    }


@pytest.mark.parametrize(
    "url",
    [
        "/esentai/?lang=ru",
        "/api/routes/esentai/stops.json?lang=kk",
        "/api/routes/esentai/installations.geojson?kind=mural",
        "/api/routes/esentai/route.geojson",
        "/esentai/stops?lang=en",
    ],
)
def test_a_cached_answer_is_replayed_with_the_same_bytes_and_headers(app, client, url):
    first = client.get(url, headers=ENCODINGS)
    before = replayed(app)
    again = client.get(url, headers=ENCODINGS)
    assert replayed(app) == before + 1
    assert again.status_code == 200 and again.data == first.data
    same_headers(first, again)
    policies = [r.headers["Content-Security-Policy"] for r in (first, again)]
    assert policies[0] != policies[1]  # a fresh nonce
    assert len({re.sub(r"'nonce-[^']+'", "", p) for p in policies}) == 1
    not_modified = client.get(url, headers={"If-None-Match": again.headers["ETag"]})
    assert not_modified.status_code == 304 and replayed(app) == before + 2


def test_a_change_of_the_data_goes_through_the_app_again(app, client, store):
    client.get("/api/routes/esentai/stops.json?lang=en")
    old = client.get("/api/routes/esentai/stops.json?lang=en").get_json()
    store.update_installation(1, {"title": "Renamed by a curator"}, 1, "test")
    before = replayed(app)
    new = client.get("/api/routes/esentai/stops.json?lang=en").get_json()
    assert replayed(app) == before
    assert "Renamed by a curator" in new["title"] and new != old


def test_the_language_of_the_browser_is_part_of_the_question(app, client):
    for lang in ("ru", "kk", "ru", "kk", "en"):
        resp = client.get("/esentai/", headers={"Accept-Language": lang})
        assert f'<html lang="{lang}">' in resp.get_data(as_text=True)
    assert replayed(app) >= 2


def test_requests_with_cookies_always_go_through_the_app(app, client):
    client.get("/esentai/?lang=en")
    before = replayed(app)
    client.set_cookie("session", "anything")
    client.get("/esentai/?lang=en")
    assert replayed(app) == before
