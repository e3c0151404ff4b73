"""A new route is checked like any other input and previewed before it takes effect."""

from __future__ import annotations

import io
import json
import re
import time

import pytest

from mapapp import exchange, tiles
from mapapp.app import create_app
from mapapp.catalog import load_seed
from mapapp.geo import Route
from mapapp.store import Store

from .conftest import DATA_DIR, AuthActions

SHIPPED = load_seed(DATA_DIR).route_coordinates
AREA = exchange.ServiceArea.around(SHIPPED, 50)


def gpx(points: list[tuple[object, object]], extra: str = "") -> bytes:
    """A GPX track of ``(lon, lat)`` points written as given."""
    body = "".join(f'<trkpt lat="{lat}" lon="{lon}"/>' for lon, lat in points)
    return (
        f'<?xml version="1.0"?>{extra}<gpx version="1.1" creator="t" '
        'xmlns="http://www.topografix.com/GPX/1/1">'
        f"<trk><name>Walk</name><trkseg>{body}</trkseg></trk></gpx>"
    ).encode()


def linestring(coords: list) -> bytes:
    return json.dumps({"type": "LineString", "coordinates": coords}).encode()


def with_point(point: list, at: int = 5) -> list:
    return [*SHIPPED[:at], point, *SHIPPED[at:]]


# the checks ----------------------------------------------------------------------------


def test_the_shipped_route_passes():
    coords, props = exchange.read_route_upload(linestring(SHIPPED), "r.geojson", AREA)
    assert coords == SHIPPED
    coords, props = exchange.read_route_upload(gpx(SHIPPED), "r.gpx", AREA)
    assert coords == SHIPPED and props["name"] == "Walk"


@pytest.mark.parametrize(
    ("point", "message"),
    [
        ([0, 0], "point 6 is 8,"),  # thousands of km away: out of the service area
        ([500, 95], "point 6 is not a valid position"),
        (["nan", "nan"], "point 6 is not a valid position"),
        (["inf", 43.2], "point 6 is not a valid position"),
        (["٧٦.٩", "٤٣.٢"], "point 6 is not a valid position"),
        (["1" * 400, 43.2], "point 6 is not a valid position"),
        ([76.93, 43.8], "point 6 is 63"),  # 60-odd km north: outside 50 km
    ],
)
def test_a_stray_gpx_point_is_refused_with_its_number(point, message):
    with pytest.raises(ValueError, match=message):
        exchange.read_route_upload(gpx(with_point(point)), "r.gpx", AREA)


@pytest.mark.parametrize(
    ("point", "message"),
    [
        ([0, 0], "point 6 is 8,"),
        ([500, 95], "point 6 is not a valid position"),
        ([76.93, 43.8], "point 6 is 63"),
    ],
)
def test_a_stray_geojson_point_is_refused_with_its_number(point, message):
    with pytest.raises(ValueError, match=message):
        exchange.read_route_upload(linestring(with_point(point)), "r.geojson", AREA)


def test_nan_in_geojson_is_refused():
    text = linestring(SHIPPED).replace(b"76.9543", b"NaN", 1)
    with pytest.raises(ValueError, match="not a number JSON allows"):
        exchange.read_route_upload(text, "r.geojson", AREA)


def test_several_offenders_are_listed():
    coords = [*SHIPPED[:3], [0, 0], SHIPPED[3], [0.1, 0.1], *SHIPPED[4:]]
    with pytest.raises(ValueError, match=r"points 4 and 6 are"):
        exchange.read_route_upload(linestring(coords), "r.geojson", AREA)


def test_an_absurd_jump_between_points_is_refused():
    # 20 km east and back, within the service area: a glitch, not a walk
    coords = [*SHIPPED[:4], [SHIPPED[4][0] + 0.25, SHIPPED[4][1]], *SHIPPED[4:]]
    with pytest.raises(ValueError, match=r"points 4 and 5 are 2\d\.\d km apart"):
        exchange.read_route_upload(linestring(coords), "r.geojson", AREA)


def test_too_many_points_are_refused(monkeypatch):
    monkeypatch.setattr(exchange, "MAX_ROUTE_POINTS", 5)
    with pytest.raises(ValueError, match="9 points; at most 5"):
        exchange.read_route_upload(linestring(SHIPPED), "r.geojson", AREA)


@pytest.mark.parametrize(
    "extra",
    [
        '<!DOCTYPE gpx [<!ENTITY a "aaaaaaaaaa">]>',
        '<!DOCTYPE gpx SYSTEM "file:///etc/passwd">',
    ],
)
def test_gpx_with_a_doctype_is_refused(extra):
    with pytest.raises(ValueError, match="DOCTYPE"):
        exchange.read_route_upload(gpx(SHIPPED, extra), "r.gpx", AREA)


def test_the_service_area_is_configurable():
    small = exchange.ServiceArea.around(SHIPPED, 1)
    with pytest.raises(ValueError, match="more than 1 km from"):
        exchange.read_route_upload(linestring(SHIPPED), "r.geojson", small)


def test_a_route_rejects_positions_it_cannot_project():
    for bad in ([500, 95], [float("nan"), 43.2], [float("inf"), 43.2]):
        with pytest.raises(ValueError):
            Route.from_coords(with_point(bad))


# anything that lists tiles is bounded -------------------------------------------------------


def test_corridor_tiles_are_bounded_for_a_continent_sized_route():
    route = Route.from_coords([[0.0, 0.0], *SHIPPED])  # from the Gulf of Guinea to Almaty
    start = time.perf_counter()
    with pytest.raises(tiles.TooManyTiles):
        tiles.corridor_tiles(route)
    assert time.perf_counter() - start < 5


def test_corridor_tiles_of_a_long_route_stop_at_the_bound():
    # 40 km straight across the city: a real corridor, but more tiles than allowed
    route = Route.from_coords([[76.70, 43.24], [77.20, 43.24]])
    with pytest.raises(tiles.TooManyTiles, match="more than 500 map tiles"):
        tiles.corridor_tiles(route, max_tiles=500)
    assert len(tiles.corridor_tiles(route, zooms=(14,), max_tiles=500)) < 500


def test_the_map_page_stands_a_route_too_large_to_save(db_path):
    store = Store.open(db_path)
    store.set_route([[0.0, 0.0], *SHIPPED], {"name": "stored before the checks"})
    store.close()
    app = create_app({"TESTING": True, "DB": str(db_path), "SECRET_KEY": "t", "TILES": "/t/{z}"})
    resp = app.test_client().get("/esentai/")
    assert resp.status_code == 200
    assert "too many to save" in resp.text


# the admin page: preview, then replace ---------------------------------------------------------


@pytest.fixture
def admin(cclient):
    AuthActions(cclient).login("ada")
    return cclient


def upload_route(client, content: bytes, name: str):
    data = {"file": (io.BytesIO(content), name)}
    return client.post("/curator/route", data=data, content_type="multipart/form-data")


def reversed_route() -> bytes:
    return linestring(list(reversed(SHIPPED)))


def test_a_route_upload_is_previewed_before_it_takes_effect(admin, db_path, client, store):
    before = store.current_route()
    resp = upload_route(admin, reversed_route(), "r.geojson")
    assert resp.status_code == 200
    preview = resp.text
    assert store.current_route() == before  # nothing changed yet
    assert "6.2 km" in preview  # its length
    assert "9 points" in preview
    assert re.search(r"76\.91\d*, 43\.20\d*, 76\.95\d*, 43\.25\d*", preview)  # bounding box
    n = len(client.get("/api/routes/esentai/installations.geojson").json["features"])
    assert re.search(rf"{n} of {n} published works", preview)  # reversed: every chainage moves
    token = re.search(r'name="token" value="([^"]+)"', preview).group(1)
    resp = admin.post("/curator/route", data={"action": "apply", "token": token})
    assert resp.status_code == 303
    current = store.current_route()
    assert current["coordinates"] == list(reversed(SHIPPED))
    assert current["id"] != before["id"]
    # a preview is applied once
    resp = admin.post("/curator/route", data={"action": "apply", "token": token})
    assert resp.status_code == 404


def test_a_preview_is_only_for_the_admin_who_made_it(admin, curator_app, db_path):
    resp = upload_route(admin, reversed_route(), "r.geojson")
    token = re.search(r'name="token" value="([^"]+)"', resp.text).group(1)
    store = Store.open(db_path)
    from werkzeug.security import generate_password_hash

    fast = generate_password_hash("admin-pass-99", method="pbkdf2:sha256:1")
    store.create_user("bo", fast, "admin")
    store.close()
    other = curator_app.test_client()
    other.post("/login", data={"username": "bo", "password": "admin-pass-99"})
    assert other.post("/curator/route", data={"action": "apply", "token": token}).status_code == 404


def test_a_route_import_token_cannot_be_applied_as_an_import(admin, db_path):
    resp = upload_route(admin, reversed_route(), "r.geojson")
    token = re.search(r'name="token" value="([^"]+)"', resp.text).group(1)
    assert admin.post(f"/curator/import/{token}").status_code == 404


@pytest.mark.parametrize(
    ("content", "name", "message"),
    [
        (gpx(with_point([0, 0])), "r.gpx", "point 6 is"),
        (gpx(with_point([500, 95])), "r.gpx", "point 6 is not a valid position"),
        (gpx(with_point(["nan", "nan"])), "r.gpx", "point 6 is not a valid position"),
    ],
)
def test_a_bad_route_leaves_the_map_standing(admin, db_path, client, content, name, message, store):
    before = store.current_route()
    resp = upload_route(admin, content, name)
    assert resp.status_code == 400 and message in resp.text
    assert store.current_route() == before
    assert client.get("/esentai/").status_code == 200


def test_an_older_route_that_fails_the_checks_is_not_made_current(admin, store):
    first = store.current_route()["id"]
    bad = store.set_route([[0.0, 0.0], *SHIPPED], {"name": "stored before the checks"})
    store.make_route_current(first)
    resp = admin.post("/curator/route", data={"action": "make-current", "route_id": str(bad)})
    assert resp.status_code == 400 and "point 1 is" in resp.text
    assert store.current_route()["id"] == first
