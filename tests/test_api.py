"""The read API: GeoJSON shape, filters, errors, caching and compression."""

from __future__ import annotations

import gzip
import json

import pytest

from .conftest import make_installation


def get_json(client, url, status=200):
    resp = client.get(url)
    assert resp.status_code == status, resp.get_data(as_text=True)
    return resp, json.loads(resp.get_data(as_text=True))


def test_route_is_rfc7946(client):
    resp, doc = get_json(client, "/api/routes/esentai/route.geojson")
    assert resp.mimetype == "application/geo+json"
    [feature] = doc["features"]
    assert feature["geometry"]["type"] == "LineString"
    lon, lat = feature["geometry"]["coordinates"][0]
    assert 76 < lon < 78 and 43 < lat < 44  # lon/lat order
    assert feature["properties"]["length_m"] > 5000
    assert "crs" not in doc


def test_installations_in_walk_order_with_chainage(client, store):
    _, doc = get_json(client, "/api/routes/esentai/installations.geojson")
    published = store.installations()
    assert len(doc["features"]) == len(published)
    chainages = [f["properties"]["chainage_m"] for f in doc["features"]]
    assert chainages == sorted(chainages)
    f = doc["features"][0]
    assert f["geometry"]["type"] == "Point" and f["id"] == f["properties"]["id"]
    assert {"title", "location_precision", "source_url", "offset_m"} <= set(f["properties"])
    assert "status" not in f["properties"] and "version" not in f["properties"]


@pytest.mark.parametrize(
    ("query", "check"),
    [
        ("kind=mural", lambda p: p["kind"] == "mural"),
        ("festival=PARK%20FEST", lambda p: p["festival"] == "PARK FEST"),
        ("kind=sculpture&festival=PARK%20FEST", lambda p: p["kind"] == "sculpture"),
    ],
)
def test_filters(client, query, check):
    _, doc = get_json(client, f"/api/routes/esentai/installations.geojson?{query}")
    assert doc["features"] and all(check(f["properties"]) for f in doc["features"])


def test_bbox_filter(client):
    _, doc = get_json(
        client, "/api/routes/esentai/installations.geojson?bbox=76.91,43.235,76.93,43.245"
    )
    assert doc["features"]
    for f in doc["features"]:
        lon, lat = f["geometry"]["coordinates"]
        assert 76.91 <= lon <= 76.93 and 43.235 <= lat <= 43.245


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("/api/routes/esentai/installations.geojson?kind=spaceship", "kind must be one of"),
        ("/api/routes/esentai/installations.geojson?festival=x", "festival must be one of"),
        ("/api/routes/esentai/installations.geojson?bbox=1,2,3", "four numbers"),
        ("/api/routes/esentai/installations.geojson?bbox=10,0,5,1", "west <= east"),
        ("/api/routes/esentai/installations.geojson?bbox=a,b,c,d", "four numbers"),
        ("/api/routes/esentai/installations.geojson?bbox=0,0,nan,1", "four numbers"),
        ("/api/routes/esentai/nearest?lon=76.9", "lat is required"),
        ("/api/routes/esentai/nearest?lat=abc&lon=76.9", "lat must be a number"),
        ("/api/routes/esentai/nearest?lat=91&lon=76.9", "between -90 and 90"),
        ("/api/routes/esentai/nearest?lat=43.2&lon=inf", "lon must be a number"),
        ("/api/routes/esentai/nearest?lat=43.2&lon=²", "lon must be a number"),
        ("/api/routes/esentai/nearest?lat=43.2&lon=76.9&n=²", "n must be"),
        ("/api/routes/esentai/nearest?lat=43.2&lon=76.9&n=0", "n must be"),
        ("/api/routes/esentai/nearest?lat=43.2&lon=76.9&n=100000", "n must be"),
        ("/api/routes/esentai/nearest?lat=43.2&lon=76.9&n=-1", "n must be"),
        ("/api/routes/esentai/next?lat=43.2&lon=76.9&direction=up", "direction must be one of"),
    ],
)
def test_bad_parameters_give_400_json(client, url, message):
    resp, doc = get_json(client, url, status=400)
    assert resp.mimetype == "application/json"
    assert message in doc["message"]
    assert resp.headers["Cache-Control"] == "no-store"


def test_one_installation_and_unknown_ids(client):
    _, doc = get_json(client, "/api/routes/esentai/installations/1")
    assert doc["type"] == "Feature" and doc["id"] == 1
    _, err = get_json(client, "/api/routes/esentai/installations/99999", status=404)
    assert "99999" in err["message"]
    get_json(client, "/api/routes/esentai/installations/abc", status=404)
    get_json(client, "/api/routes/esentai/no-such-thing", status=404)


def test_drafts_are_not_exposed(client, store):
    store.insert_missing(
        [make_installation(id=901, slug="secret-draft", title="Secret", status="draft")]
    )
    get_json(client, "/api/routes/esentai/installations/901", status=404)
    _, doc = get_json(client, "/api/routes/esentai/installations.geojson")
    assert 901 not in {f["id"] for f in doc["features"]}
    assert client.get("/esentai/installations/secret-draft").status_code == 404
    assert b"Secret" not in client.get("/esentai/").data


def test_nearest_sorted_with_distances(client):
    _, doc = get_json(client, "/api/routes/esentai/nearest?lat=43.2366&lon=76.9217&n=3")
    d = [f["properties"]["distance_m"] for f in doc["features"]]
    assert len(d) == 3 and d == sorted(d) and d[0] < 50


def test_next_stop_matches_walk_order(client):
    _, fwd = get_json(client, "/api/routes/esentai/next?lat=43.2300&lon=76.9215&direction=forward")
    _, back = get_json(
        client, "/api/routes/esentai/next?lat=43.2300&lon=76.9215&direction=backward"
    )
    here = fwd["walker"]["chainage_m"]
    assert fwd["next"]["properties"]["chainage_m"] > here > back["next"]["properties"]["chainage_m"]
    ahead = fwd["next"]["properties"]["distance_m"]
    assert ahead == pytest.approx(fwd["next"]["properties"]["chainage_m"] - here, abs=0.2)
    walk = fwd["walker"]["offset_m"] + ahead + fwd["next"]["properties"]["offset_m"]
    assert fwd["next"]["properties"]["walk_m"] == pytest.approx(walk, abs=0.2)
    assert fwd["next"]["properties"]["minutes"] == pytest.approx(walk / 75, abs=0.1)
    _, end = get_json(client, "/api/routes/esentai/next?lat=43.26&lon=76.918&direction=forward")
    assert end["next"] is None


def test_etag_and_cache_control(client):
    resp = client.get("/api/routes/esentai/installations.geojson")
    assert resp.headers["Cache-Control"].startswith("public, max-age=")
    etag = resp.headers["ETag"]
    again = client.get("/api/routes/esentai/installations.geojson", headers={"If-None-Match": etag})
    assert again.status_code == 304


def test_gzip_when_accepted(client):
    resp = client.get(
        "/api/routes/esentai/installations.geojson", headers={"Accept-Encoding": "gzip"}
    )
    assert resp.headers["Content-Encoding"] == "gzip"
    doc = json.loads(gzip.decompress(resp.data))
    assert doc["type"] == "FeatureCollection"
    plain = client.get("/api/routes/esentai/installations.geojson")
    assert "Content-Encoding" not in plain.headers


def test_data_changes_show_up_without_restart(client, store):
    _, before = get_json(client, "/api/routes/esentai/installations.geojson")
    store.db.execute("UPDATE installations SET status = 'retired' WHERE id = 1")
    store.db.conn.commit()
    _, after = get_json(client, "/api/routes/esentai/installations.geojson")
    assert len(after["features"]) == len(before["features"]) - 1


BROWSER_ENCODINGS = {"Accept-Encoding": "gzip, deflate, br, zstd"}


@pytest.mark.parametrize(
    "url",
    [
        "/api/routes/esentai/route.geojson",
        "/api/routes/esentai/stops.json?lang=ru",
        "/api/routes/esentai/details/0.json?lang=kk",
    ],
)
def test_versioned_data_is_cached_for_good_and_compressed_once(client, url):
    token = client.get("/api/status").json["version"]
    plain = client.get(url)
    assert plain.headers["Cache-Control"] == "public, max-age=60"
    versioned = client.get(f"{url}{'&' if '?' in url else '?'}v={token}", headers=BROWSER_ENCODINGS)
    assert versioned.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert versioned.headers["Content-Encoding"] == "br"
    assert "Accept-Encoding" in versioned.headers["Vary"]
    import brotli

    assert json.loads(brotli.decompress(versioned.data)) == json.loads(plain.data)
    etag = versioned.headers["ETag"]
    again = client.get(url, headers={**BROWSER_ENCODINGS, "If-None-Match": etag})
    assert again.status_code == 304 and again.headers["ETag"] == etag and not again.data


def test_map_tables_follow_the_language(client):
    ru = client.get("/api/routes/esentai/stops.json?lang=ru").json
    assert "Казахский государственный цирк" in ru["title"] and ru["lang"] == "ru"
    by_browser = client.get("/api/routes/esentai/stops.json", headers={"Accept-Language": "kk"})
    assert by_browser.json["lang"] == "kk" and "Accept-Language" in by_browser.headers["Vary"]
    details = client.get("/api/routes/esentai/details/0.json?lang=en").json
    assert details["id"] == ru["id"] and len(details["description"]) == len(ru["id"])
    get_json(client, "/api/routes/esentai/details/1.json", status=404)
    get_json(client, "/api/routes/esentai/stops.json?lang=fr", status=400)


def test_status_reports_the_version_and_the_cache(client):
    client.get("/api/routes/esentai/installations.geojson")
    doc = client.get("/api/status").json
    assert doc["stops"] > 10 and len(doc["version"]) == 12
    cache = doc["cache"]
    assert cache["entries"] >= 2 and 0 < cache["bytes"] <= cache["max_bytes"]
    assert client.get("/api/status").headers["Cache-Control"] == "no-store"
