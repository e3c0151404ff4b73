"""Two routes end to end (the shipped one and the test route "test-tbilisi", test data):
nothing of one route leaks into the other's pages or API, swept over the app's URL map
so that new endpoints are covered without being listed; the home page leads to each
route's walk; old URLs still reach the default route's pages with a second route in."""

from __future__ import annotations

import json
import re
from contextlib import closing
from itertools import product
from typing import Any
from urllib.parse import quote, unquote

import pytest
from flask import Flask

from mapapp.store import Store

from .routes_support import (
    TEST_LINE,
    TEST_ROUTE,
    TEST_START,
    TEST_TOURS,
    route_marks,
    route_works,
    two_routes_app,
)
from .test_routes import OLD_URLS

ROUTES = ("esentai", TEST_ROUTE)
#: A rule's variables: ``<name>`` or ``<converter:name>``.
VARIABLE = re.compile(r"<(?:[a-z]+:)?([a-z_]+)>")
#: Record kinds whose slugs public URLs take (a few of each are tried).
RECORD_KINDS = ("tour", "event", "artist", "festival")


@pytest.fixture
def network(db_path, tmp_path) -> dict[str, Any]:
    """The app with both routes, each route's works, a point on its line, and a few
    records' slugs."""
    app = two_routes_app(db_path, tmp_path)
    with closing(Store.open(db_path)) as store:
        works = {r: route_works(store, r) for r in ROUTES}
        lines = {
            r: store.current_route(store.record_by_slug("route", r)["id"])["coordinates"]
            for r in ROUTES
        }
        records = [
            s
            for kind in RECORD_KINDS
            for s in [r["slug"] for r in store.records(kind)][: 2 if kind == "tour" else 1]
        ]
    return {"app": app, "works": works, "lines": lines, "records": records}


def bbox(coords: list[list[float]]) -> str:
    lons, lats = [c[0] for c in coords], [c[1] for c in coords]
    return f"{min(lons) - 0.01},{min(lats) - 0.01},{max(lons) + 0.01},{max(lats) + 0.01}"


def fill(rule: str, values: dict[str, Any]) -> str:
    """``rule`` with each variable replaced by its value."""
    return VARIABLE.sub(lambda m: str(values[m.group(1)]), rule)


def public_urls(app: Flask, net: dict[str, Any], ours: str, theirs: str) -> list[str]:
    """Every GET URL of route ``ours`` in the URL map, its variables filled with our
    works and records (and the other route's works: those must be 404s), with
    queries that aim at the other route (its bounding box, its point, its titles)."""
    mine, other = net["works"][ours], net["works"][theirs]
    here = net["lines"][ours][len(net["lines"][ours]) // 2]
    there = net["lines"][theirs][0]
    values = {
        "slug": [w["slug"] for w in mine[:2]] + [w["slug"] for w in other[:2]] + net["records"],
        "id": [w["id"] for w in mine[:2]] + [w["id"] for w in other[:2] if w["id"]],
        "chunk": [0, 1],
        "scenario_id": [1],
    }
    queries = [
        "",
        "?lang=ru",
        f"?lat={here[1]}&lon={here[0]}&n=50&direction=forward&q={quote(other[0]['title'])}",
        f"?bbox={bbox(net['lines'][theirs])}&lat={there[1]}&lon={there[0]}&radius=500&kind=mural",
    ]
    urls = []
    for rule in app.url_map.iter_rules():
        if "route" not in rule.arguments or "GET" not in (rule.methods or ()):
            continue
        names = [n for n in VARIABLE.findall(rule.rule) if n != "route"]
        assert all(n in values for n in names), f"no test values for {rule.rule}: add them"
        for combo in product(*(values[n] for n in names)):
            path = fill(rule.rule, {"route": ours, **dict(zip(names, combo, strict=True))})
            urls += [path + q for q in (queries if not names else queries[:2])]
    return urls


@pytest.mark.parametrize(("ours", "theirs"), [ROUTES, ROUTES[::-1]], ids=["esentai", "tbilisi"])
def test_no_public_url_of_a_route_names_the_other_routes_works(network, ours, theirs):
    """Map page (and its settings), data, details, GeoJSON with filters, line, next and
    nearest, search and its index, tours, events, feeds, planner and its API, manifest,
    stop list, plaques: not one of the other route's works' slugs or titles, nor its
    tour's name, in any answer."""
    app = network["app"]
    client = app.test_client()
    marks = route_marks(network["works"][theirs]) | {TEST_TOURS[theirs][1]}
    titles = {w["title"] for w in network["works"][theirs]} | {TEST_TOURS[theirs][1]}
    leaks, failures, answered = [], [], 0
    for url in public_urls(app, network, ours, theirs):
        resp = client.get(url)
        body = resp.get_data().decode("utf-8", "replace")
        resp.close()
        if resp.status_code >= 500:
            failures.append(f"{url} -> {resp.status_code}")
        # an answer may repeat what it was asked (a search its query, an error page the
        # slug it has no work for); nothing else
        asked = unquote(url)
        found = [
            m
            for m in (marks if resp.status_code == 200 else titles)
            if m in body and m not in asked
        ]
        if found:
            leaks.append(f"{url} ({resp.status_code}): {sorted(found)[:3]}")
        answered += resp.status_code == 200
    assert not failures, "\n".join(failures[:20])
    assert answered > 60  # the sweep reached real pages, not only 404s
    assert not leaks, "the other route's works leak into:\n" + "\n".join(leaks[:20])


def test_a_routes_data_holds_only_its_works(network):
    client = network["app"].test_client()
    for ours, theirs in (ROUTES, ROUTES[::-1]):
        mine = {w["id"] for w in network["works"][ours]}
        api = f"/api/routes/{ours}"
        stops = client.get(f"{api}/stops.json").json
        features = client.get(f"{api}/installations.geojson").json["features"]
        assert {f["id"] for f in features} <= mine and len(features) > 1
        there = network["lines"][theirs][0]
        near = client.get(f"{api}/nearest?lat={there[1]}&lon={there[0]}&n=50").json["features"]
        assert near and {f["id"] for f in near} <= mine
        nothing = client.get(f"{api}/installations.geojson?bbox={bbox(network['lines'][theirs])}")
        assert nothing.json["features"] == []
        title = network["works"][theirs][0]["title"]
        found = client.get(f"{api}/search", query_string={"q": title}).json
        assert not {f["id"] for f in found.get("features", found.get("results", []))} - mine
        assert set(stops["id"]) <= mine and stops["count"] == len(stops["id"]) > 1


def test_a_routes_map_page_asks_only_for_its_own_data(network):
    """The settings blob of ``/<route>/`` names its own API, never another route's."""
    client = network["app"].test_client()
    for ours, theirs in (ROUTES, ROUTES[::-1]):
        html = client.get(f"/{ours}/").text
        blob = re.search(r'id="terrenkur-settings"[^>]*>(.*?)</script>', html, re.S)
        assert blob, "the map page has no settings blob"
        settings = json.dumps(json.loads(blob.group(1)))
        urls = re.findall(r"/api/routes/([a-z0-9-]+)", settings)
        assert urls and set(urls) == {ours}, urls
        assert f"/{theirs}/" not in settings


def test_a_routes_page_walks_at_its_speed_in_its_utm_zone(network):
    """The page's locator and minutes use the route's own speed and projection, so the
    stop and minutes it announces are the API's (UTM 38N and 4 km/h in Tbilisi)."""
    client = network["app"].test_client()
    for slug, speed, lon0 in (("esentai", 4.5, 75.0), (TEST_ROUTE, 4.0, 45.0)):
        html = client.get(f"/{slug}/").text
        blob = re.search(r'id="terrenkur-settings"[^>]*>(.*?)</script>', html, re.S)
        assert blob
        found = json.loads(blob.group(1))["contract"]
        assert found["walkingSpeedKmh"] == speed and found["projection"]["lon0"] == lon0, slug


def test_the_home_page_leads_to_each_routes_walk(network):
    client = network["app"].test_client()
    html = client.get("/").text
    for slug in ROUTES:
        assert f'data-route="{slug}"' in html
        assert f'href="/{slug}/"' in html
        page = client.get(f"/{slug}/")
        assert page.status_code == 200 and f"/api/routes/{slug}/" in page.text
    # the overview map's settings (home.js draws them) hold each route's line and link
    blob = re.search(r'<script type="application/json" id="[^"]+">(.*?)</script>', html, re.S)
    assert blob, "the home page has no settings for its map"
    drawn = {r["url"]: r["coordinates"] for r in json.loads(blob.group(1))["routes"]}
    assert set(drawn) == {f"/{slug}/" for slug in ROUTES}
    assert drawn[f"/{TEST_ROUTE}/"] == [[round(x, 5), round(y, 5)] for x, y in TEST_LINE]
    routes = {r["slug"]: r for r in client.get("/api/routes").json["routes"]}
    assert routes[TEST_ROUTE]["links"]["page"] == f"/{TEST_ROUTE}/"
    assert routes[TEST_ROUTE]["city"] == "Tbilisi (test)"


@pytest.mark.parametrize(("old", "new"), OLD_URLS)
def test_old_urls_still_reach_the_default_route_with_a_second_route(network, old, new):
    """Printed QR codes keep working once there are several routes: the redirect goes
    to the default (oldest) route, and the page it leads to answers."""
    client = network["app"].test_client()
    resp = client.get(old)
    assert resp.status_code == 308 and resp.headers["Location"] == new
    assert client.get(new).status_code == 200, new


def test_the_next_stop_from_tbilisi_is_the_test_routes(network):
    lat, lon = TEST_START
    client = network["app"].test_client()
    doc = client.get(f"/api/routes/{TEST_ROUTE}/next?lat={lat}&lon={lon}").json
    assert doc["next"]["properties"]["slug"] == "test-tbilisi-mural"
    # the default route, asked from Tbilisi, still answers with its own works only
    other = client.get(f"/api/routes/esentai/next?lat={lat}&lon={lon}").json
    ids = {w["id"] for w in network["works"]["esentai"]}
    assert other["next"] is None or other["next"]["id"] in ids
