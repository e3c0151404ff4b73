"""Routes as records: the home page and ``/api/routes``, a route's pages under its key,
the old URLs redirecting, and a second route (test data) that shares nothing."""

from __future__ import annotations

import json
from contextlib import closing

import pytest
from pydantic import ValidationError
from pyproj import Geod

from mapapp import geo
from mapapp.app import create_app
from mapapp.catalog import build_walk
from mapapp.records import RESERVED_ROUTE_SLUGS, Route
from mapapp.store import Store

from .conftest import make_installation
from .routes_support import TEST_LINE, TEST_ROUTE, TEST_WORKS, add_test_route, two_route_app


@pytest.fixture
def two_routes(db_path, tmp_path):
    return two_route_app(db_path, tmp_path).test_client()


# the shipped route ----------------------------------------------------------------


def test_the_shipped_route_is_a_record_with_its_line(store):
    route = store.default_route()
    assert route["slug"] == "esentai" and route["city"] == "Almaty" and route["country"] == "KZ"
    assert route["name_ru"] and route["name_kk"] and route["description"]
    line = store.current_route(route["id"])
    assert line["route_id"] == route["id"] and len(line["coordinates"]) >= 2
    walk = build_walk(store, "esentai")
    assert walk.record["slug"] == "esentai" and walk.route.crs == "EPSG:32643"
    published = store.installations()
    # every shipped work is a stop: in the corridor, or (one far work) placed by hand
    assert {s["id"] for s in walk.stops} == {r["id"] for r in published}
    far = [s for s in walk.stops if s["offset_m"] > walk.record["corridor_m"]]
    assert far and all("esentai" in s["routes"].split(";") for s in far)


def test_the_home_page_lists_the_routes_with_an_overview_map(client):
    page = client.get("/?lang=ru")
    assert page.status_code == 200
    html = page.text
    assert 'data-route="esentai"' in html and 'href="/esentai/?lang=ru"' in html
    assert "Алматы" in html and "Терренкуры" in html
    assert "folium-map" in html and "TerrenkurHome.mount" in html and "Алматы" in html


def test_the_routes_api_names_each_route_its_line_and_links(client):
    doc = client.get("/api/routes?lang=kk").json
    (route,) = doc["routes"]
    assert route["slug"] == "esentai" and route["city"] == "Алматы"
    assert route["works"] == 31 and sum(route["kinds"].values()) == 31
    assert route["line"]["geometry_precision"] == "estimated" and route["length_m"] > 5000
    assert route["links"]["stops"] == "/api/routes/esentai/stops.json"
    assert "username" not in route and "created_at" not in route
    one = client.get("/api/routes/esentai").json
    assert one["slug"] == "esentai" and one["works"] == 31
    missing = client.get("/api/routes/nowhere")
    assert missing.status_code == 404 and missing.is_json


#: A sample of every old URL form (before there were several routes) and where it now
#: lives: the same page of the default route.
OLD_URLS = [
    ("/installations/vodoskop?lang=kk", "/esentai/installations/vodoskop?lang=kk"),
    ("/installations/vodoskop/qr.svg", "/esentai/installations/vodoskop/qr.svg"),
    ("/stops?page=1", "/esentai/stops?page=1"),
    ("/planner?radius=200&kind=mural", "/esentai/planner?radius=200&kind=mural"),
    ("/tours", "/esentai/tours"),
    ("/events?lang=ru", "/esentai/events?lang=ru"),
    ("/calendar/route.ics", "/esentai/calendar/route.ics"),
    ("/plaques", "/esentai/plaques"),
    ("/manifest.webmanifest?lang=ru", "/esentai/manifest.webmanifest?lang=ru"),
    ("/api/stops.json?lang=ru&v=1", "/api/routes/esentai/stops.json?lang=ru&v=1"),
    ("/api/installations.geojson", "/api/routes/esentai/installations.geojson"),
    ("/api/next?lat=43.23&lon=76.92", "/api/routes/esentai/next?lat=43.23&lon=76.92"),
    ("/api/tours/three", "/api/routes/esentai/tours/three"),
]


@pytest.mark.parametrize(("old", "new"), OLD_URLS)
def test_old_urls_redirect_to_the_default_routes_page(client, old, new):
    """Printed plaques and QR codes name the URLs of before: they keep working."""
    resp = client.get(old)
    assert resp.status_code == 308 and resp.headers["Location"] == new


def test_old_urls_that_never_existed_stay_404(client):
    for url in ("/no-such-page", "/installations", "/api/nothing", "/nowhere/"):
        assert client.get(url).status_code == 404, url


def test_a_report_posted_to_the_old_url_is_redirected_with_its_method(client):
    resp = client.post("/suggest", data={"x": "1"})
    assert resp.status_code == 308 and resp.headers["Location"] == "/esentai/suggest"


def test_route_keys_may_not_be_page_names(app):
    """Every first part of the site's own URLs is reserved, so no route hides a page."""
    first = set()
    for rule in app.url_map.iter_rules():
        head = rule.rule.split("/")[1]
        if head and "<" not in head:
            first.add(head)
    assert first <= RESERVED_ROUTE_SLUGS, first - RESERVED_ROUTE_SLUGS
    with pytest.raises(ValidationError) as exc:
        Route(slug="planner", name="P", city="Almaty")
    assert exc.value.errors()[0]["type"] == "reserved_slug"


@pytest.mark.parametrize(
    ("fields", "error"),
    [
        ({"languages": "ka;english"}, "language_code"),
        ({"languages": "ka;ka"}, "repeated_language"),
        ({"country": "Georgia"}, "string_too_long"),
        ({"country": "1x"}, "country_code"),
        ({"walking_speed_kmh": 40}, "less_than_equal"),
        ({"corridor_m": 0}, "greater_than_equal"),
        ({"direction": "sideways"}, "literal_error"),
        ({"city": ""}, "string_too_short"),
    ],
)
def test_bad_route_fields_are_refused_with_a_reason(fields, error):
    with pytest.raises(ValidationError) as exc:
        Route(**{"slug": "a-walk", "name": "A walk", "city": "Tbilisi", **fields})
    assert exc.value.errors()[0]["type"] == error


def test_route_languages_are_kept_in_order_and_defaults_fill_blanks():
    route = Route(slug="a-walk", name="A", city="C", languages="KA, en ro", corridor_m="")
    assert route.languages == "ka;en;ro" and route.language_order == ("ka", "en", "ro")
    assert route.corridor_m == 1000 and route.walking_speed_kmh == 4.5


# geometry ---------------------------------------------------------------------------


def test_each_route_is_measured_in_its_own_utm_zone():
    assert geo.utm_crs(76.93, 43.24) == "EPSG:32643"  # Almaty
    assert geo.utm_crs(44.79, 41.70) == "EPSG:32638"  # Tbilisi
    assert geo.utm_crs(28.83, 47.02) == "EPSG:32635"  # Chisinau
    route = geo.Route.from_coords(TEST_LINE)
    assert route.crs == "EPSG:32638"
    # its length agrees with the geodesic one (WGS 84) to a metre per kilometre
    geodesic = Geod(ellps="WGS84").line_length(*zip(*TEST_LINE, strict=True))
    assert abs(route.length_m - geodesic) < geodesic / 1000
    west, south, east, north = route.bbox_within(300)
    assert west < 44.7897 and east > 44.7990 and south < 41.6935 and north > 41.7017


# a second route ----------------------------------------------------------------------


def test_a_second_route_has_its_own_stops_pages_and_data(two_routes):
    client = two_routes
    routes = {r["slug"]: r for r in client.get("/api/routes").json["routes"]}
    assert set(routes) == {"esentai", TEST_ROUTE}
    assert routes[TEST_ROUTE]["works"] == 2 and routes[TEST_ROUTE]["languages"] == ["ka", "en"]
    ours = {
        f["properties"]["slug"]
        for f in client.get(f"/api/routes/{TEST_ROUTE}/installations.geojson").json["features"]
    }
    assert ours == {w[0] for w in TEST_WORKS if w[4] == "published"}
    theirs = client.get("/api/routes/esentai/installations.geojson").text
    assert not any(w[0] in theirs for w in TEST_WORKS)
    page = client.get(f"/{TEST_ROUTE}/stops").text
    assert "Test mural on Rustaveli" in page and "Vodoskop" not in page
    assert "Test mural" not in client.get("/esentai/stops").text
    # a work of one route is not found on another
    assert client.get(f"/{TEST_ROUTE}/installations/vodoskop").status_code == 404
    assert client.get("/esentai/installations/test-tbilisi-mural").status_code == 404
    assert client.get(f"/{TEST_ROUTE}/installations/test-tbilisi-draft").status_code == 404


def test_the_next_stop_is_on_the_walkers_route_at_its_speed(two_routes):
    doc = two_routes.get(
        f"/api/routes/{TEST_ROUTE}/next",
        query_string={"lat": 41.6936, "lon": 44.7989, "direction": "forward"},
    ).json
    nxt = doc["next"]
    assert nxt["properties"]["slug"] == "test-tbilisi-mural"
    # 4 km/h, the route's own speed: 66.7 m a minute
    assert nxt["properties"]["minutes"] == pytest.approx(nxt["properties"]["walk_m"] / 66.67, 0.02)


def test_cached_answers_are_kept_apart_per_route(two_routes):
    a = two_routes.get("/api/routes/esentai/stops.json?lang=en").data
    b = two_routes.get(f"/api/routes/{TEST_ROUTE}/stops.json?lang=en").data
    assert a != b and b"test-tbilisi-mural" in b and b"test-tbilisi-mural" not in a
    again = two_routes.get("/api/routes/esentai/stops.json?lang=en").data
    assert again == a


def test_a_renamed_routes_old_key_redirects(two_routes, db_path):
    with closing(Store.open(db_path)) as store, store.write():
        store.db["route_slugs"].insert({"slug": "old-rustaveli", "route_id": 2})
    resp = two_routes.get("/old-rustaveli/stops?page=1")
    assert resp.status_code == 308 and resp.headers["Location"] == f"/{TEST_ROUTE}/stops?page=1"
    api = two_routes.get("/api/routes/old-rustaveli/stops.json")
    assert api.status_code == 308
    assert api.headers["Location"] == f"/api/routes/{TEST_ROUTE}/stops.json"


def test_route_names_are_escaped_on_the_home_page(db_path, tmp_path):
    with closing(Store.open(db_path)) as store:
        add_test_route(store, name='<img src=x onerror="alert(1)">', city="<b>Tbilisi</b>")
    app = create_app({"TESTING": True, "DB": str(db_path), "SECRET_KEY": "t", "TILES": ""})
    html = app.test_client().get("/").text
    assert "<img src=x" not in html and "<b>Tbilisi</b>" not in html
    assert "&lt;img src=x" in html or "\\u003cimg" in html


# the migration -----------------------------------------------------------------------


def test_a_database_from_before_routes_migrates_without_loss(tmp_path):
    """The one route becomes the record ``esentai``, every work stays on it."""
    from mapapp.store import migrations

    store = Store.open(tmp_path / "old.sqlite")
    migrations.apply(store.db, stop_before="m019_route_records")
    now = "2026-11-01T00:00:00+00:00"
    props = {"name": "Esentai (Vesnovka)", "name_ru": "Весновка", "source": "notes"}
    store.db["routes"].insert(
        {
            "coordinates": json.dumps([[76.9543, 43.2096], [76.92, 43.2455]]),
            "properties": json.dumps(props),
            "is_current": 1,
            "created_at": now,
        }
    )
    store.db["installations"].insert(
        {
            "slug": "far-away",
            "title": "Far away",
            "kind": "mural",
            "lat": 43.30,
            "lon": 76.80,
            "status": "published",
            "version": 1,
            "location_precision": "estimated",
            "created_at": now,
            "updated_at": now,
        }
    )
    store.migrate()
    route = store.default_route()
    assert route["slug"] == "esentai" and route["name"] == "Esentai (Vesnovka)"
    assert route["name_ru"] == "Весновка" and route["city"] == "Almaty"
    assert store.current_route()["route_id"] == route["id"]
    walk = build_walk(store, "esentai")
    assert [s["slug"] for s in walk.stops] == ["far-away"]  # 11 km off, kept
    (entry,) = store.record_history("route", route["id"])
    assert entry["after"]["slug"] == "esentai" and entry["after"]["corridor_m"] == 1000
    store.close()


def test_a_routes_texts_fall_back_on_its_own_languages(db_path, tmp_path):
    """On a Tbilisi route (ka, en) a reader in Kazakh gets the Georgian title, not the
    English one that the other routes would fall back on."""
    with closing(Store.open(db_path)) as store:
        add_test_route(store)
        store.create_installation(
            {
                **make_installation(
                    slug="test-tbilisi-georgian",
                    title="Test fountain",
                    title_ka="სატესტო შადრევანი",
                    lat=41.6985,
                    lon=44.7935,
                    status="published",
                ).model_dump(exclude={"id"}),
            },
            "test",
        )
    app = create_app({"TESTING": True, "DB": str(db_path), "SECRET_KEY": "t", "TILES": ""})
    client = app.test_client()
    table = client.get(f"/api/routes/{TEST_ROUTE}/stops.json?lang=kk").json
    i = table["slug"].index("test-tbilisi-georgian")
    assert table["title"][i] == "სატესტო შადრევანი" and table["titleLang"][i] == "ka"
    feature = client.get(f"/api/routes/{TEST_ROUTE}/installations.geojson?lang=kk&kind=mural").json[
        "features"
    ]
    titles = {f["properties"]["slug"]: f["properties"]["title"] for f in feature}
    assert titles["test-tbilisi-georgian"] == "სატესტო შადრევანი"
    page = client.get(f"/{TEST_ROUTE}/installations/test-tbilisi-georgian?lang=kk").text
    assert 'lang="ka"' in page and "სატესტო შადრევანი" in page


# the command line ----------------------------------------------------------------------


def test_the_command_line_exports_and_measures_one_route(db_path, tmp_path):
    from click.testing import CliRunner

    from mapapp.cli import cli

    with closing(Store.open(db_path)) as store:
        add_test_route(store)
    runner = CliRunner()
    out = tmp_path / "tbilisi.gpx"
    args = ["export", "--db", str(db_path), "--format", "gpx", "--route", TEST_ROUTE]
    result = runner.invoke(cli, [*args, "-o", str(out)])
    assert result.exit_code == 0, result.output
    gpx = out.read_text()
    assert "Rustaveli test walk" in gpx and "Test mural on Rustaveli" in gpx
    assert "Vodoskop" not in gpx and "Test draft" not in gpx
    table = runner.invoke(cli, ["coverage", "--db", str(db_path), "--route", TEST_ROUTE])
    assert table.exit_code == 0, table.output
    wrong = runner.invoke(cli, ["coverage", "--db", str(db_path), "--route", "nowhere"])
    assert wrong.exit_code != 0 and "esentai" in wrong.output and TEST_ROUTE in wrong.output
    # a new line for the test route only
    line = tmp_path / "line.geojson"
    moved = [[lon + 0.0005, lat] for lon, lat in TEST_LINE]
    geometry = {"type": "LineString", "coordinates": moved}
    line.write_text(json.dumps({"type": "Feature", "geometry": geometry, "properties": {}}))
    done = runner.invoke(
        cli, ["import-route", str(line), "--db", str(db_path), "--route", TEST_ROUTE]
    )
    assert done.exit_code == 0, done.output
    with closing(Store.open(db_path)) as store:
        test_route = store.record_by_slug("route", TEST_ROUTE)
        assert store.current_route(test_route["id"])["coordinates"] == moved
        assert store.current_route()["coordinates"][0][0] > 76  # esentai's line unchanged


def test_a_route_walked_backward_by_default_opens_so(db_path, tmp_path):
    with closing(Store.open(db_path)) as store:
        add_test_route(store, direction="backward")
    app = create_app({"TESTING": True, "DB": str(db_path), "SECRET_KEY": "t", "TILES": ""})
    html = app.test_client().get(f"/{TEST_ROUTE}/").text
    assert '"direction":"backward"' in html
    assert 'data-direction="backward" aria-pressed="true"' in html
    assert 'data-direction="forward" aria-pressed="false"' in html
    shipped = app.test_client().get("/esentai/").text
    assert 'data-direction="forward" aria-pressed="true"' in shipped
