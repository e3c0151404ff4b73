"""Routes for admins (issue 16): the route pages, a line per route, renames, delete and
retire, overlapping corridors, a work in no corridor, curators limited to routes.

The second route is test data (:mod:`tests.routes_support`), never shipped.
"""

from __future__ import annotations

import csv
import io
import json
import re
from contextlib import closing

import pytest

from mapapp import geo
from mapapp.network import Network, may_manage, user_routes
from mapapp.store import Store

from .conftest import AuthActions
from .routes_support import TEST_LINE, TEST_ROUTE, TEST_WORKS, add_test_route
from .test_curator import NEW_WORK, edit_form


@pytest.fixture
def net(db_path, curator_app):
    """Esentai and the test route, with the curator ``cora`` and the admin ``ada``."""
    with closing(Store.open(db_path)) as store:
        add_test_route(store)
    return curator_app.test_client()


@pytest.fixture
def ada(net):
    AuthActions(net).login("ada")
    return net


@pytest.fixture
def cora(net):
    AuthActions(net).login("cora")
    return net


def _route(db_path, slug: str) -> dict:
    with closing(Store.open(db_path)) as store:
        return store.record_by_slug("route", slug)


def _work(db_path, slug: str) -> dict:
    with closing(Store.open(db_path)) as store:
        return next(r for r in store.all_installations() if r["slug"] == slug)


def _route_form(row: dict, **changes) -> dict:
    fields = {k: "" if v is None else v for k, v in row.items() if k not in ("id",)}
    return {**fields, "version": str(row["version"]), **changes}


NEW_ROUTE = {
    "slug": "test-astana",
    "name": "Esil test walk",
    "city": "Astana (test)",
    "country": "KZ",
    "languages": "kk;ru;en",
    "walking_speed_kmh": "4",
    "direction": "forward",
    "trigger_m": "30",
    "corridor_m": "400",
    "status": "active",
    "source_note": "Invented for the tests.",
}
#: A line along the Esil in Astana, drawn for the test.
ASTANA_LINE = [[71.4100, 51.1500], [71.4200, 51.1530], [71.4300, 51.1550]]


def _geojson(coords) -> bytes:
    feature = {
        "type": "Feature",
        "properties": {},
        "geometry": {"type": "LineString", "coordinates": coords},
    }
    return json.dumps({"type": "FeatureCollection", "features": [feature]}).encode()


def _upload_line(client, route_id: int, coords, **form):
    data = {"file": (io.BytesIO(_geojson(coords)), "line.geojson")}
    resp = client.post(
        f"/curator/routes/{route_id}/line", data=data, content_type="multipart/form-data"
    )
    assert resp.status_code == 200, resp.text
    token = re.search(r'name="token" value="([^"]+)"', resp.text).group(1)
    return resp, client.post(
        f"/curator/routes/{route_id}/line", data={"action": "apply", "token": token, **form}
    )


# the pure rules ------------------------------------------------------------------


def test_corridor_overlap_is_the_stretch_within_both_widths():
    a = geo.Route.from_coords([[76.90, 43.20], [76.90, 43.23]])  # about 3.3 km north
    beside = geo.Route.from_coords([[76.905, 43.21], [76.905, 43.22]])  # 400 m east, 1.1 km
    far = geo.Route.from_coords(TEST_LINE)
    # a's line is within 300 + 300 m of b's along b's 1.1 km and sqrt(600² - 406²) beyond
    # each of its ends
    expected = 1112 + 2 * (600**2 - 406**2) ** 0.5
    assert geo.corridor_overlap_m(a, 300, beside, 300) == pytest.approx(expected, rel=0.02)
    assert geo.corridor_overlap_m(a, 100, beside, 100) == 0.0
    assert geo.corridor_overlap_m(a, 1000, far, 1000) == 0.0


def test_may_manage_and_user_routes():
    assert may_manage((), ["esentai"]) and may_manage(("a", "b"), ["b"])
    assert not may_manage(("a",), ["b"]) and not may_manage(("a",), [])
    assert user_routes({"role": "admin", "routes": "a"}) == ()
    assert user_routes({"role": "curator", "routes": "a;b"}) == ("a", "b")


def test_network_places_points_by_corridor_and_by_hand():
    records = [
        {"id": 1, "slug": "one", "name": "One", "corridor_m": 300, "status": "active"},
        {"id": 2, "slug": "two", "name": "Two", "corridor_m": 300, "status": "retired"},
        {"id": 3, "slug": "new", "name": "New", "corridor_m": 300, "status": "active"},
    ]
    network = Network.of(records, {1: TEST_LINE, 2: TEST_LINE})
    lon, lat = TEST_LINE[1]
    assert network.in_corridors(lon, lat) == ["one"]
    assert network.routes_of(lon, lat, "new;ghost") == {"one", "two", "new"}
    assert network.unknown("new;ghost") == ["ghost"]
    route, distance = network.nearest(76.9, 43.2)
    assert route.slug == "one" and distance > 1_000_000
    assert [
        w["slug"]
        for w in network.works_on("new", [{"slug": "w", "lon": 1, "lat": 1, "routes": "new"}])
    ] == ["w"]


# route pages ---------------------------------------------------------------------


def test_curators_see_the_routes_and_only_admins_change_them(cora, db_path):
    resp = cora.get("/curator/routes")
    assert resp.status_code == 200
    assert 'data-slug="esentai"' in resp.text and f'data-slug="{TEST_ROUTE}"' in resp.text
    row = re.search(rf'<tr data-slug="{TEST_ROUTE}">(.*?)</tr>', resp.text, re.S).group(1)
    published_or_draft = len(TEST_WORKS)
    assert f"<td>{published_or_draft}</td>" in row and " km" in row
    test_id = _route(db_path, TEST_ROUTE)["id"]
    assert cora.get(f"/curator/routes/{test_id}/history").status_code == 200
    assert cora.get("/curator/routes/new").status_code == 403
    assert cora.post("/curator/routes/new", data=NEW_ROUTE).status_code == 403
    assert cora.get(f"/curator/routes/{test_id}").status_code == 403
    assert cora.post(f"/curator/routes/{test_id}/delete", data={"version": "1"}).status_code == 403
    assert cora.get(f"/curator/routes/{test_id}/line").status_code == 403
    csv_text = cora.get("/curator/export/routes.csv").text
    assert csv_text.startswith("id,slug,name") and TEST_ROUTE in csv_text


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("slug", "planner", "name of one of the site&#39;s pages"),
        ("languages", "en;en", "A language may appear only once."),
        ("languages", "english!", "Give language codes such as ka or ro"),
        ("country", "K1", "two-letter country code"),
        ("corridor_m", "2", "Must be from 10 to 5000."),
        ("walking_speed_kmh", "40", "Must be from 1 to 10."),
        ("trigger_m", "1", "Must be from 5 to 300."),
        ("direction", "sideways", "Unknown value"),
        ("city", "", "Required."),
    ],
)
def test_route_form_errors_are_clear(ada, field, value, message):
    resp = ada.post("/curator/routes/new", data={**NEW_ROUTE, field: value})
    assert resp.status_code == 400
    error = re.search(rf'id="error-{field}" role="alert">([^<]*)<', resp.text)
    assert error and message in error.group(1), resp.text[:0]


def test_route_form_errors_in_russian(ada):
    resp = ada.post("/curator/routes/new?lang=ru", data={**NEW_ROUTE, "languages": "en;en"})
    error = re.search(r'id="error-languages" role="alert">([^<]*)<', resp.text).group(1)
    assert error == "Каждый язык можно указать только один раз."


def test_a_new_route_is_walkable_once_it_has_a_line(ada, net, db_path):
    resp = ada.post("/curator/routes/new", data=NEW_ROUTE)
    assert resp.status_code == 302 and "/line" in resp.headers["Location"]
    route = _route(db_path, "test-astana")
    # no line yet: listed for admins, nowhere public, and never a 500
    assert "no line yet" in ada.get("/curator/routes").text
    assert ada.get(f"/curator/routes/{route['id']}").status_code == 200
    assert net.get("/test-astana/").status_code == 404
    assert net.get("/api/routes/test-astana").status_code == 404
    assert net.get("/api/routes/test-astana/stops.json").status_code == 404
    assert "test-astana" not in net.get("/api/routes").text
    assert net.get("/").status_code == 200
    page = ada.get(f"/curator/routes/{route['id']}/line")
    assert page.status_code == 200 and 'id="no-line"' in page.text
    _, applied = _upload_line(ada, route["id"], ASTANA_LINE)
    assert applied.status_code == 303
    assert net.get("/test-astana/").status_code == 200
    assert "test-astana" in net.get("/api/routes").text


def test_a_line_far_from_its_city_is_refused(ada, db_path):
    test_id = _route(db_path, TEST_ROUTE)["id"]
    data = {"file": (io.BytesIO(_geojson(ASTANA_LINE)), "line.geojson")}
    resp = ada.post(
        f"/curator/routes/{test_id}/line", data=data, content_type="multipart/form-data"
    )
    assert resp.status_code == 400 and 'id="route-error"' in resp.text


def test_each_route_has_its_own_line_history(ada, db_path):
    test_id = _route(db_path, TEST_ROUTE)["id"]
    shorter = TEST_LINE[:3]
    _upload_line(ada, test_id, shorter)
    with closing(Store.open(db_path)) as store:
        assert store.current_route(test_id)["coordinates"] == shorter
        assert len(store.routes(test_id)) == 2 and len(store.routes()) == 1
        first = store.routes(test_id)[-1]["id"]
        esentai_line = store.routes()[0]["id"]
    # a line of another route cannot be made current from this page
    other = ada.post(
        f"/curator/routes/{test_id}/line",
        data={"action": "make-current", "route_id": str(esentai_line)},
    )
    assert other.status_code == 404
    back = ada.post(
        f"/curator/routes/{test_id}/line", data={"action": "make-current", "route_id": str(first)}
    )
    assert back.status_code == 303
    with closing(Store.open(db_path)) as store:
        assert store.current_route(test_id)["coordinates"] == TEST_LINE
    assert ada.get("/curator/route").headers["Location"].endswith("/curator/routes/1/line")


# rename, retire, delete --------------------------------------------------------------


def test_a_renamed_route_redirects_its_old_urls(ada, net, db_path):
    hand = _work(db_path, "test-tbilisi-draft")
    with closing(Store.open(db_path)) as store:
        store.update_installation(hand["id"], {"routes": TEST_ROUTE}, hand["version"], "test")
        cora = store.user_by_name("cora")
        store.update_user(cora["id"], routes=f"esentai;{TEST_ROUTE}")
    row = _route(db_path, TEST_ROUTE)
    resp = ada.post(f"/curator/routes/{row['id']}", data=_route_form(row, slug="test-rustaveli"))
    assert resp.status_code == 302, resp.text
    old = net.get(f"/{TEST_ROUTE}/installations/test-tbilisi-mural")
    assert old.status_code == 308
    assert old.headers["Location"].endswith("/test-rustaveli/installations/test-tbilisi-mural")
    api = net.get(f"/api/routes/{TEST_ROUTE}/stops.json")
    assert (
        api.status_code == 308
        and "/api/routes/test-rustaveli/stops.json" in api.headers["Location"]
    )
    with closing(Store.open(db_path)) as store:
        assert store.installation(hand["id"], published_only=False)["routes"] == "test-rustaveli"
        assert store.user_by_name("cora")["routes"] == "esentai;test-rustaveli"
        history = store.history(hand["id"])
        kept = [h[side].get("routes") for h in history for side in ("before", "after") if h[side]]
        assert "test-rustaveli" in kept and TEST_ROUTE not in kept
        assert store.route_old_keys(row["id"]) == [TEST_ROUTE]
    page = ada.get(f"/curator/routes/{row['id']}")
    assert "Old keys" in page.text and TEST_ROUTE in page.text
    # a new route taking the old key ends the redirect
    taken = ada.post("/curator/routes/new", data={**NEW_ROUTE, "slug": TEST_ROUTE})
    assert taken.status_code == 302
    assert net.get(f"/api/routes/{TEST_ROUTE}/stops.json").status_code == 404  # no line yet


def test_a_route_with_works_cannot_be_deleted_but_retired(ada, net, db_path):
    row = _route(db_path, TEST_ROUTE)
    resp = ada.post(
        f"/curator/routes/{row['id']}/delete",
        data={"version": row["version"]},
        follow_redirects=True,
    )
    assert f"{len(TEST_WORKS)} works are on this route: retire it instead." in resp.text
    assert _route(db_path, TEST_ROUTE) is not None
    resp = ada.post(f"/curator/routes/{row['id']}", data=_route_form(row, status="retired"))
    assert resp.status_code == 302
    assert TEST_ROUTE not in net.get("/api/routes").text
    assert TEST_ROUTE not in net.get("/").text
    assert net.get(f"/{TEST_ROUTE}/installations/test-tbilisi-mural").status_code == 200


def test_a_route_without_works_is_deleted_with_a_history_entry(ada, net, db_path):
    assert ada.post("/curator/routes/new", data=NEW_ROUTE).status_code == 302
    row = _route(db_path, "test-astana")
    _upload_line(ada, row["id"], ASTANA_LINE)
    resp = ada.post(f"/curator/routes/{row['id']}/delete", data={"version": row["version"]})
    assert resp.status_code == 303
    with closing(Store.open(db_path)) as store:
        assert store.record("route", row["id"]) is None
        assert store.routes(row["id"]) == []
        assert store.record_history("route", row["id"])[0]["action"] == "delete"
    assert net.get("/test-astana/").status_code == 404
    assert ada.post(f"/curator/routes/{row['id']}/delete", data={"version": "1"}).status_code == 404


def test_a_route_a_curator_is_limited_to_is_not_deleted(ada, db_path):
    assert ada.post("/curator/routes/new", data=NEW_ROUTE).status_code == 302
    row = _route(db_path, "test-astana")
    with closing(Store.open(db_path)) as store:
        store.update_user(store.user_by_name("cora")["id"], routes="test-astana")
    resp = ada.post(
        f"/curator/routes/{row['id']}/delete",
        data={"version": row["version"]},
        follow_redirects=True,
    )
    assert "cora" in resp.text and _route(db_path, "test-astana") is not None


# overlapping corridors -------------------------------------------------------------


def _esentai_beside(db_path) -> list[list[float]]:
    with closing(Store.open(db_path)) as store:
        coords = store.current_route()["coordinates"]
    return [[lon + 0.004, lat] for lon, lat in coords[: len(coords) // 3]]


def test_an_overlapping_line_needs_a_confirmation(ada, db_path):
    assert (
        ada.post(
            "/curator/routes/new",
            data={**NEW_ROUTE, "slug": "test-beside", "city": "Almaty (test)"},
        ).status_code
        == 302
    )
    row = _route(db_path, "test-beside")
    preview, applied = _upload_line(ada, row["id"], _esentai_beside(db_path))
    assert 'id="overlap-warning"' in preview.text  # the preview warns already
    # the line is taken only once confirmed
    assert applied.status_code == 200 and 'id="overlap-warning"' in applied.text
    assert "Esentai" in applied.text and " m)" in applied.text
    assert "stops of both routes" in applied.text
    with closing(Store.open(db_path)) as store:
        assert store.current_route(row["id"]) is None
    token = re.search(r'name="token" value="([^"]+)"', applied.text).group(1)
    done = ada.post(
        f"/curator/routes/{row['id']}/line",
        data={"action": "apply", "token": token, "confirm_overlap": "1"},
    )
    assert done.status_code == 303
    # widening its corridor warns again, and saves once confirmed
    row = _route(db_path, "test-beside")
    resp = ada.post(f"/curator/routes/{row['id']}", data=_route_form(row, corridor_m="900"))
    assert resp.status_code == 400 and 'id="error-confirm_overlap"' in resp.text
    assert "Esentai" in resp.text
    ok = ada.post(
        f"/curator/routes/{row['id']}", data=_route_form(row, corridor_m="900", confirm_overlap="1")
    )
    assert ok.status_code == 302


# a work in no corridor ---------------------------------------------------------------


def test_a_work_in_no_corridor_names_the_nearest_route(ada):
    resp = ada.post("/curator/new", data={**NEW_WORK, "lat": "43.30", "lon": "76.93"})
    assert resp.status_code == 400
    error = re.search(r'id="error-lat" role="alert">([^<]*)<', resp.text).group(1)
    assert "km from the nearest route, Esentai" in error and "place it on a route by hand" in error
    placed = ada.post(
        "/curator/new", data={**NEW_WORK, "lat": "43.30", "lon": "76.93", "routes": "esentai"}
    )
    assert placed.status_code == 302


def test_a_work_in_the_other_routes_corridor_is_accepted(ada):
    lon, lat = TEST_LINE[2]
    resp = ada.post("/curator/new", data={**NEW_WORK, "lat": str(lat), "lon": str(lon)})
    assert resp.status_code == 302


def test_unknown_route_keys_are_refused(ada):
    resp = ada.post("/curator/new", data={**NEW_WORK, "routes": "nowhere"})
    assert resp.status_code == 400
    assert "There is no route “nowhere”." in resp.text.replace("&#34;", '"')


def _csv(*rows: dict) -> bytes:
    columns = ["slug", "title", "kind", "lat", "lon", "location_precision", "source_url", "routes"]
    out = io.StringIO()
    writer = csv.DictWriter(out, columns)
    writer.writeheader()
    for row in rows:
        writer.writerow(row)
    return out.getvalue().encode()


def _row(slug: str, lat: float, lon: float, routes: str = "") -> dict:
    return {
        "slug": slug,
        "title": slug.title(),
        "kind": "mural",
        "lat": lat,
        "lon": lon,
        "location_precision": "approximate",
        "source_url": "https://example.org/test",
        "routes": routes,
    }


def _import(client, content: bytes):
    data = {"file": (io.BytesIO(content), "works.csv")}
    return client.post("/curator/import", data=data, content_type="multipart/form-data")


def test_an_import_reports_unknown_routes_per_row(ada):
    lon, lat = TEST_LINE[2]
    resp = _import(ada, _csv(_row("good-one", lat, lon), _row("bad-one", lat, lon, "nowhere")))
    assert resp.status_code == 400
    assert "There is no route “nowhere”." in resp.text


# curators limited to routes ----------------------------------------------------------


def test_admin_sets_a_curators_routes(ada, db_path):
    with closing(Store.open(db_path)) as store:
        cora_id = store.user_by_name("cora")["id"]
    page = ada.get("/curator/users")
    assert f'name="routes" value="{TEST_ROUTE}"' in page.text
    resp = ada.post(
        "/curator/users",
        data={
            "action": "update",
            "user_id": cora_id,
            "role": "curator",
            "active": "1",
            "routes_sent": "1",
            "routes": [TEST_ROUTE, "ghost"],
        },
    )
    assert resp.status_code == 303
    with closing(Store.open(db_path)) as store:
        assert store.user_by_name("cora")["routes"] == TEST_ROUTE


@pytest.fixture
def limited(db_path, curator_app):
    """``cora`` limited to the test route, signed in."""
    with closing(Store.open(db_path)) as store:
        add_test_route(store)
        store.update_user(store.user_by_name("cora")["id"], routes=TEST_ROUTE)
    client = curator_app.test_client()
    AuthActions(client).login("cora")
    return client


def test_a_limited_curator_cannot_touch_another_routes_work(limited, db_path):
    esentai_work = 1
    page = limited.get(f"/curator/{esentai_work}")
    assert page.status_code == 403 and "not on your routes" in page.text
    assert limited.get(f"/curator/{esentai_work}/history").status_code == 403
    api = limited.get(f"/api/curator/installations/{esentai_work}")
    assert api.status_code == 403 and "not on your routes" in api.json["message"]
    row = _work(db_path, "test-tbilisi-mural")
    row1 = _work(db_path, row["slug"])
    put = limited.post(f"/curator/{esentai_work}", data=edit_form(_work_by_id(db_path, 1)))
    assert put.status_code == 403
    # their own route's work: editable
    mine = limited.post(f"/curator/{row1['id']}", data=edit_form(row1, description="Edited"))
    assert mine.status_code == 302
    listing = limited.get("/curator").text
    assert "Test mural on Rustaveli" in listing and _work_by_id(db_path, 1)["title"] not in listing


def _work_by_id(db_path, work_id: int) -> dict:
    with closing(Store.open(db_path)) as store:
        return store.installation(work_id, published_only=False)


def test_a_limited_curator_places_new_works_only_on_their_routes(limited):
    resp = limited.post("/curator/new", data=NEW_WORK)  # on Esentai
    assert resp.status_code == 400 and "only on your routes" in resp.text
    lon, lat = TEST_LINE[1]
    ok = limited.post("/curator/new", data={**NEW_WORK, "lat": str(lat), "lon": str(lon)})
    assert ok.status_code == 302


def test_a_limited_curator_cannot_import_a_row_on_another_route(limited):
    lon, lat = TEST_LINE[1]
    content = _csv(_row("mine-one", lat, lon), _row("theirs-one", 43.2399, 76.9203))
    resp = _import(limited, content)
    assert resp.status_code == 400 and "only on your routes" in resp.text
    ok = _import(limited, _csv(_row("mine-one", lat, lon)))
    assert ok.status_code == 200


def test_a_limited_curator_makes_tours_of_their_routes_works_only(limited, db_path):
    tour = {"slug": "test-tour", "name": "Test tour", "works": "test-tbilisi-mural"}
    assert limited.post("/curator/tours/new", data=tour).status_code == 302
    foreign = _work_by_id(db_path, 1)["slug"]
    resp = limited.post(
        "/curator/tours/new", data={**tour, "slug": "test-tour-2", "works": foreign}
    )
    assert resp.status_code == 400 and "not on your routes" in resp.text


def test_no_page_of_a_route_without_a_line_answers_500(ada, net, db_path):
    """Every page and data URL of a route still waiting for its line: 404, never 500."""
    assert ada.post("/curator/routes/new", data=NEW_ROUTE).status_code == 302
    app = net.application
    failures = []
    for rule in app.url_map.iter_rules():
        if "<route:route>" not in rule.rule or "GET" not in (rule.methods or ()):
            continue
        path = re.sub(r"<route:route>", "test-astana", rule.rule)
        path = re.sub(r"<(?:[a-z]+:)?[a-z_]+>", "1", path)
        resp = net.get(path)
        if resp.status_code != 404:
            failures.append(f"{path} -> {resp.status_code}")
    assert not failures, failures
    assert ada.get("/curator").status_code == 200 and ada.get("/").status_code == 200


def test_the_default_route_is_one_with_a_line(ada, net, db_path):
    """Esentai retired and a new route without a line: the old URLs still find a walk."""
    assert ada.post("/curator/routes/new", data=NEW_ROUTE).status_code == 302
    for slug in ("esentai", TEST_ROUTE):
        row = _route(db_path, slug)
        resp = ada.post(f"/curator/routes/{row['id']}", data=_route_form(row, status="retired"))
        assert resp.status_code == 302
    with closing(Store.open(db_path)) as store:
        assert store.default_route()["slug"] == "esentai"
    assert net.get("/api/status").status_code == 200
    assert net.get("/installations/1").status_code == 308
    assert ada.get("/curator").status_code == 200
