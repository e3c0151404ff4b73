"""A route's public surfaces hold only that route: tours, events and feeds, search,
reference layers, walk mode's trigger zone, the browser contract (walking speed and
UTM zone) and the planner's geometry, with a second route built for the test."""

from __future__ import annotations

import json
import re
from contextlib import closing

import numpy as np
import pytest
import vobject

from mapapp import contract, coverage, geo
from mapapp.store import Store

from .routes_support import TEST_LINE, TEST_ROUTE, add_test_record, two_route_app

ESENTAI_WORKS = "auezov-theatre;kazakh-state-circus"


@pytest.fixture
def client(db_path, tmp_path):
    app = two_route_app(db_path, tmp_path)
    with closing(Store.open(db_path)) as store:
        store.db.execute("UPDATE route_records SET trigger_m = 45 WHERE slug = ?", [TEST_ROUTE])
        add_test_record(
            store,
            "tour",
            slug="rustaveli-tour",
            name="Rustaveli tour",
            works="test-tbilisi-mural;test-tbilisi-sculpture",
        )
        add_test_record(store, "tour", slug="river-tour", name="River tour", works=ESENTAI_WORKS)
        add_test_record(
            store,
            "tour",
            slug="both-cities",
            name="Both cities",
            works="test-tbilisi-mural;auezov-theatre",
        )
        add_test_record(
            store,
            "event",
            slug="rustaveli-opening",
            name="Rustaveli opening",
            start="2026-06-01",
            venue="test-tbilisi-mural",
        )
    return app.test_client()


def _blob(html: str, element_id: str) -> dict:
    found = re.search(
        rf'<script type="application/json" id="{element_id}"[^>]*>(.*?)</script>', html, re.S
    )
    assert found, element_id
    return json.loads(found.group(1))


def test_a_routes_tours_are_those_whose_works_are_all_on_it(client):
    tbilisi = client.get(f"/{TEST_ROUTE}/tours").text
    assert "Rustaveli tour" in tbilisi and "River tour" not in tbilisi
    assert "Both cities" not in tbilisi
    esentai = client.get("/esentai/tours").text
    assert "River tour" in esentai and "Rustaveli tour" not in esentai
    assert "Both cities" not in esentai
    assert client.get(f"/{TEST_ROUTE}/tours/rustaveli-tour").status_code == 200
    assert client.get("/esentai/tours/rustaveli-tour").status_code == 404
    assert client.get(f"/{TEST_ROUTE}/tours/river-tour").status_code == 404
    assert client.get(f"/api/routes/{TEST_ROUTE}/tours/river-tour").status_code == 404
    assert client.get("/esentai/tours/both-cities").status_code == 404


def test_a_routes_events_and_feeds_are_its_own_and_named_after_it(client):
    page = client.get(f"/{TEST_ROUTE}/events").text
    assert "Rustaveli opening" in page and "City Picnic" not in page
    assert "Rustaveli opening" not in client.get("/esentai/events").text
    assert client.get("/esentai/events/rustaveli-opening").status_code == 404
    cal = vobject.readOne(client.get(f"/{TEST_ROUTE}/calendar/route.ics").text)
    assert [v.summary.value for v in cal.vevent_list] == ["Rustaveli opening"]
    assert "Rustaveli test walk" in cal.contents["x-wr-calname"][0].value
    river = vobject.readOne(client.get("/esentai/calendar/route.ics?lang=ru").text)
    assert "Терренкур вдоль Весновки" in river.contents["x-wr-calname"][0].value
    assert all("rustaveli" not in v.uid.value for v in river.vevent_list)


def test_search_and_the_offline_index_hold_the_routes_works_only(client):
    found = client.get(f"/api/routes/{TEST_ROUTE}/search?q=test").get_json()
    assert {f["properties"]["slug"] for f in found["features"]} == {
        "test-tbilisi-mural",
        "test-tbilisi-sculpture",
    }
    assert client.get("/api/routes/esentai/search?q=rustaveli").get_json()["features"] == []
    index = client.get(f"/api/routes/{TEST_ROUTE}/search-index").get_json()
    assert len(index["ids"]) == 2


def test_the_page_contract_carries_the_routes_speed_trigger_and_utm_zone(client):
    html = client.get(f"/{TEST_ROUTE}/?lang=ru").text
    terms = _blob(html, "terrenkur-settings")["contract"]
    assert terms["walkingSpeedKmh"] == 4.0 and terms["triggerM"] == 45.0
    assert terms["projection"]["lon0"] == 45.0  # UTM 38N, Tbilisi's zone
    assert _blob(html, "offline-settings")["contract"]["projection"]["lon0"] == 45.0
    river = _blob(client.get("/esentai/").text, "terrenkur-settings")["contract"]
    assert river["projection"] == contract.metric_projection("EPSG:32643")
    assert river["walkingSpeedKmh"] == 4.5 and river["triggerM"] == 30.0


def test_reference_layers_only_on_the_route_whose_box_holds_them(client):
    tbilisi = _blob(client.get(f"/{TEST_ROUTE}/").text, "terrenkur-settings")
    assert tbilisi["layers"] == {}
    river = _blob(client.get("/esentai/").text, "terrenkur-settings")
    assert river["layers"]["crossings"]["features"]
    walk = client.get(f"/api/routes/{TEST_ROUTE}/walk.json").get_json()
    assert walk["access"] == []
    assert {w["trigger"] for w in walk["works"]} == {45.0}  # the route's trigger zone
    assert client.get("/api/routes/esentai/walk.json").get_json()["access"]


def test_coverage_measures_in_the_routes_own_zone():
    route = geo.Route.from_coords(TEST_LINE)
    assert route.crs == "EPSG:32638"
    lon, lat = route.point_at(route.length_m / 2)
    report = coverage.coverage_report(route, [lon], [lat], radius_m=150.0)
    # a work on the line covers 300 m of it: right within a metre in UTM 38N (UTM 43N,
    # 30 degrees off its meridian, would stretch it by over 10 %)
    assert report.covered_m == pytest.approx(300.0, abs=1.0)
    x, y = geo.to_metric([lon], [lat], route.crs)
    assert (
        float(
            np.hypot(
                *(np.array([x[0], y[0]]) - route.line_m.interpolate(route.length_m / 2).coords[0])
            )
        )
        < 0.01
    )


def test_the_planner_answers_for_the_test_route(client):
    resp = client.get(f"/api/routes/{TEST_ROUTE}/coverage?radius=150")
    assert resp.status_code == 200, resp.text
    doc = resp.get_json()
    assert doc
    page = client.get(f"/{TEST_ROUTE}/planner")
    assert page.status_code == 200
    assert "Rustaveli test walk" in page.text


def test_the_routes_name_is_escaped_on_its_pages(db_path, tmp_path):
    from mapapp.app import create_app

    from .routes_support import add_test_route

    with closing(Store.open(db_path)) as store:
        add_test_route(store, name='<img src=x onerror="alert(1)">', city="<b>Tbilisi</b>")
    app = create_app({"TESTING": True, "DB": str(db_path), "SECRET_KEY": "t", "TILES": ""})
    client = app.test_client()
    for path in ("/", "/stops", "/planner", "/tours", "/events", "/artists/no-one"):
        html = client.get(f"/{TEST_ROUTE}{path}").text
        assert "<img src=x" not in html and "<b>Tbilisi</b>" not in html, path
    assert "&lt;img src=x" in client.get(f"/{TEST_ROUTE}/planner").text
    doc = client.get(f"/{TEST_ROUTE}/manifest.webmanifest").get_json(force=True)
    assert doc["name"] == '<img src=x onerror="alert(1)"> · <b>Tbilisi</b>'  # JSON, not HTML


def test_every_text_page_of_a_route_names_it_and_links_all_routes(client):
    for path in ("/stops", "/tours", "/events", "/planner", "/tours/rustaveli-tour"):
        html = client.get(f"/{TEST_ROUTE}{path}?lang=ru").text
        assert "Тестовая прогулка по Руставели" in html, path
        assert "Tbilisi (test)" in html, path
        assert 'class="all-routes" href="/?lang=ru"' in html, path
        if path != "/stops":  # the plain list has no language switch
            # the language switch stays on the route
            assert f'href="/{TEST_ROUTE}{path}?lang=kk"' in html, path
    home = client.get("/?lang=ru").text
    assert "all-routes" not in home  # the home page is the list of routes itself


def test_saved_scenarios_belong_to_the_route_they_were_made_on(cclient, auth, db_path):
    with closing(Store.open(db_path)) as store:
        from .routes_support import add_test_route

        add_test_route(store)
    auth.login()
    river = cclient.post(
        "/esentai/planner/scenarios",
        data={"name": "River plan", "sites": "43.2301,76.9254", "query": "radius=200"},
    )
    city = cclient.post(
        f"/{TEST_ROUTE}/planner/scenarios",
        data={"name": "Rustaveli plan", "sites": "41.6962,44.7965", "query": "radius=200"},
    )
    assert river.status_code == city.status_code == 303
    for resp in (river, city):  # read the flashed "saved" message
        cclient.get(resp.headers["Location"])
    with closing(Store.open(db_path)) as store:
        rows = {r["name"]: r for r in store.scenarios()}
        routes = {r["slug"]: r["id"] for r in store.route_records()}
    assert rows["River plan"]["route_id"] == routes["esentai"]
    assert rows["Rustaveli plan"]["route_id"] == routes[TEST_ROUTE]
    esentai = cclient.get("/esentai/planner").text
    assert "River plan" in esentai and "Rustaveli plan" not in esentai
    tbilisi = cclient.get(f"/{TEST_ROUTE}/planner").text
    assert "Rustaveli plan" in tbilisi and "River plan" not in tbilisi
    other = rows["River plan"]["id"]
    assert "River plan" not in cclient.get(f"/{TEST_ROUTE}/planner?scenario={other}").text
    gone = cclient.post(f"/{TEST_ROUTE}/planner/scenarios/{other}/delete")
    assert gone.status_code == 404
    assert cclient.post(f"/esentai/planner/scenarios/{other}/delete").status_code == 303


def test_scenarios_saved_before_routes_migrate_to_the_first_route(tmp_path):
    from mapapp.store import migrations

    now = "2026-11-01T00:00:00+00:00"
    with closing(Store.open(tmp_path / "old.sqlite")) as store:
        migrations.apply(store.db, stop_before="m022_scenario_routes")
        store.db["route_records"].insert(
            {
                "slug": "esentai",
                "name": "Esentai",
                "status": "active",
                "created_at": now,
                "updated_at": now,
            }
        )
        store.db["plan_scenarios"].insert(
            {
                "name": "Old plan",
                "sites": "[[76.92, 43.23]]",
                "settings": "{}",
                "drafts": "{}",
                "created_at": now,
                "updated_at": now,
            }
        )
        migrations.apply(store.db)
        [row] = store.scenarios()
        assert row["route_id"] == store.record_by_slug("route", "esentai")["id"]
        assert store.route_scenarios(row["route_id"]) == [row]
