"""Bounds on what a request may carry: its size, its numbers, JSON depth, CSV fields."""

from __future__ import annotations

import io
import json
from urllib.parse import quote

import pytest

from mapapp.app import create_app

from .conftest import AuthActions
from .test_curator import NEW_WORK
from .test_curator_data import PHOTO_CREDIT


class CountingStream(io.RawIOBase):
    """A request body of ``size`` bytes that counts how much of it was read."""

    def __init__(self, size: int) -> None:
        self.size = size
        self.position = 0
        self.read_bytes = 0

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self.position

    def seek(self, offset: int, whence: int = 0) -> int:
        self.position = {0: 0, 1: self.position, 2: self.size}[whence] + offset
        return self.position

    def readinto(self, buffer) -> int:
        n = max(0, min(len(buffer), self.size - self.position))
        buffer[:n] = b"x" * n
        self.position += n
        self.read_bytes += n
        return n


@pytest.mark.parametrize("path", ["/login", "/api/curator/installations", "/curator/import"])
def test_a_huge_anonymous_post_is_refused_unread(app, path):
    body = CountingStream(100_000_000)
    resp = app.test_client().post(
        path,
        input_stream=body,
        content_length=body.size,
        content_type="application/x-www-form-urlencoded",
    )
    assert resp.status_code in (302, 401, 413)  # signed out: refused before anything is read
    assert body.read_bytes < 2_000_000


def test_a_huge_form_is_a_413_page(app):
    resp = app.test_client().post("/login", data={"username": "x" * 3_000_000, "password": "y"})
    assert resp.status_code == 413
    assert "text/html" in resp.content_type
    assert "larger than" in resp.text and "MB" in resp.text


@pytest.fixture
def small_app(db_path, users, tmp_path):
    """An app with small limits: 100 kB for any request, 200 kB photos, audio and imports.

    (Multipart bodies stay under 500 kB: above that the test client spools them to
    a temporary file that it never closes.)
    """
    return create_app(
        {
            "TESTING": True,
            "DB": str(db_path),
            "SECRET_KEY": "test",
            "TILES": "",
            "WTF_CSRF_ENABLED": False,
            "RATELIMIT_ENABLED": False,
            "MEDIA_DIR": str(tmp_path / "media"),
            "MAX_REQUEST_BYTES": 100_000,
            "PHOTO_MAX_BYTES": 200_000,
            "IMPORT_MAX_BYTES": 200_000,
            "AUDIO_MAX_BYTES": 200_000,
        }
    )


def _noisy_jpeg(min_bytes: int) -> bytes:
    """A JPEG of ``min_bytes`` or a little more (noise compresses badly)."""
    from PIL import Image

    side = 100
    while True:
        image = Image.effect_noise((side, side), 80).convert("RGB")
        out = io.BytesIO()
        image.save(out, "JPEG", quality=95)
        if out.tell() >= min_bytes:
            return out.getvalue()
        side = int(side * 1.1)


def test_upload_endpoints_take_their_own_larger_limits(small_app):
    client = small_app.test_client()
    AuthActions(client).login()
    photo = _noisy_jpeg(120_000)
    assert 100_000 < len(photo) < 200_000
    data = {**NEW_WORK, **PHOTO_CREDIT, "photo_file": (io.BytesIO(photo), "big.jpg")}
    resp = client.post("/curator/new", data=data, content_type="multipart/form-data")
    assert resp.status_code == 302, resp.text
    # an ordinary request is held to the global cap
    body = {**NEW_WORK, "description": "x" * 200_000}
    resp = client.post("/api/curator/installations", json=body)
    assert resp.status_code == 413
    assert resp.json["status"] == 413 and "larger than" in resp.json["message"]
    # and an upload endpoint to its own
    huge = {**NEW_WORK, "photo_file": (io.BytesIO(b"x" * 450_000), "huge.jpg")}
    resp = client.post("/curator/new", data=huge, content_type="multipart/form-data")
    assert resp.status_code == 413 and "text/html" in resp.content_type
    assert "larger than" in resp.text


def test_serve_tells_waitress_the_largest_request(small_app):
    from mapapp.web.limits import largest_request

    assert 200_000 < largest_request(small_app.config) < 500_000


def test_a_photo_over_its_limit_is_explained_on_the_form(small_app):
    client = small_app.test_client()
    AuthActions(client).login()
    photo = _noisy_jpeg(250_000)  # over the photo limit, within the request's
    data = {**NEW_WORK, "photo_file": (io.BytesIO(photo), "big.jpg")}
    resp = client.post("/curator/new", data=data, content_type="multipart/form-data")
    assert resp.status_code == 400
    assert "photos may be at most" in resp.text


# numbers ------------------------------------------------------------------------------

INT_PATHS = [
    "/api/routes/esentai/installations/{n}",
    "/curator/{n}",
    "/curator/{n}/history",
    "/api/curator/installations/{n}",
    "/api/curator/installations/{n}/history",
]


@pytest.mark.parametrize("path", INT_PATHS)
@pytest.mark.parametrize(
    "n", [str(2**63), str(2**64), "9" * 5000, "٣", "³", "1_0", "+1", "-1", "0x1"]
)
def test_odd_ids_in_paths_are_404(cclient, auth, path, n):
    auth.login("cora")
    resp = cclient.get(path.format(n=n))
    assert resp.status_code == 404
    if path.startswith("/api/routes/esentai/"):
        assert resp.json["status"] == 404


def test_the_largest_id_is_still_an_id(cclient, auth):
    auth.login("cora")
    assert cclient.get(f"/curator/{2**63 - 1}").status_code == 404
    assert cclient.get("/curator/1").status_code == 200
    assert cclient.get("/api/routes/esentai/installations/1").status_code in (200, 404)


@pytest.mark.parametrize("n", ["²", "٣", "9" * 5000, "1e3", "nan", "1_0", "0x3", "3.0"])
def test_odd_numbers_in_queries_are_400(client, n):
    resp = client.get(f"/api/routes/esentai/nearest?lat=43.24&lon=76.92&n={quote(n)}")
    assert resp.status_code == 400 and resp.json["status"] == 400


@pytest.mark.parametrize("user_id", [str(2**64), "٣", "9" * 5000])
def test_odd_ids_in_forms_are_404(cclient, auth, user_id):
    auth.login("ada")
    resp = cclient.post("/curator/users", data={"action": "update", "user_id": user_id})
    assert resp.status_code == 404


@pytest.mark.parametrize(
    "lat", ["4" * 400, "4" + "0" * 400 + ".5", "1e400", '"٤٣.٢٤"', '"43.24\\u0000"']
)
def test_odd_coordinates_in_the_write_api_are_400(cclient, auth, lat):
    auth.login("cora")
    body = (
        '{"title": "x", "kind": "mural", "lon": 76.92, "location_precision": "estimated",'
        f' "source_url": "https://example.org/", "lat": {lat}}}'
    )
    resp = cclient.post("/api/curator/installations", data=body, content_type="application/json")
    assert resp.status_code == 400
    assert resp.json["status"] == 400


# JSON ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "body",
    [
        "[" * 100_000 + "]" * 100_000,
        '{"title": ' + "[" * 100_000 + "]" * 100_000 + "}",
        '{"a": ' + '{"a": ' * 200 + "1" + "}" * 201,
        '{"version": 1, "lat": NaN}',
        '{"version": 1, "lat": Infinity}',
        '{"version": 1, "year": ' + "9" * 5000 + "}",
    ],
    ids=["deep-array", "deep-field", "200-deep", "nan", "infinity", "5000-digits"],
)
@pytest.mark.parametrize("method", ["POST", "PUT"])
def test_hostile_json_bodies_are_400(cclient, auth, body, method):
    auth.login("cora")
    path = "/api/curator/installations" + ("/1" if method == "PUT" else "")
    resp = cclient.open(path, method=method, data=body, content_type="application/json")
    assert resp.status_code == 400
    assert resp.json["status"] == 400 and resp.json["message"]


def geojson_points(props: dict) -> str:
    feature = {"type": "Feature", "geometry": {"type": "Point", "coordinates": [76.92, 43.24]}}
    return json.dumps({"type": "FeatureCollection", "features": [{**feature, "properties": props}]})


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ('{"type": "FeatureCollection", "features": ' + "[" * 100_000, "nested"),
        ('{"type": "FeatureCollection", "features": [' + "[" * 50 + "]" * 50 + "]}", "nested"),
        ('{"type": "FeatureCollection", "features": [], "n": ' + "9" * 5000 + "}", "number"),
        ('{"type": "FeatureCollection", "features": [NaN]}', "number"),
    ],
)
def test_hostile_geojson_imports_are_explained(cclient, auth, content, message):
    auth.login("cora")
    data = {"file": (io.BytesIO(content.encode()), "x.geojson")}
    resp = cclient.post("/curator/import", data=data, content_type="multipart/form-data")
    assert resp.status_code == 400
    assert message in resp.text


# CSV ----------------------------------------------------------------------------------

HEADER = "slug,title,kind,lat,lon,location_precision,source_url\n"
GOOD_ROW = "a-work,A work,mural,43.24,76.92,estimated,https://example.org/\n"


def test_a_csv_field_over_the_csv_limit_is_a_row_error(cclient, auth):
    auth.login("cora")
    text = HEADER + GOOD_ROW + "b-work," + "x" * 200_000 + ",mural,43.24,76.92,x,y\n" + GOOD_ROW
    data = {"file": (io.BytesIO(text.encode()), "x.csv")}
    resp = cclient.post("/curator/import", data=data, content_type="multipart/form-data")
    assert resp.status_code == 400
    assert '<tr class="reject"><td>3</td>' in resp.text
    assert "A field is too long: more than 131072 characters." in resp.text


def test_a_csv_field_over_the_limit_in_the_seed_reader(tmp_path):
    from mapapp.records import read_csv_text

    good, errors = read_csv_text(HEADER + GOOD_ROW + "b," + "x" * 200_000 + ",mural\n")
    assert len(good) == 1
    assert [(e.row, e.code) for e in errors] == [(3, "field_too_long")]


@pytest.mark.parametrize("id_value", ["1e30", "1_000", "٣", str(2**63), "-1", "0"])
def test_odd_import_ids_are_rejected_in_the_dry_run(cclient, auth, id_value):
    auth.login("cora")
    text = "id," + HEADER + f"{id_value}," + GOOD_ROW
    data = {"file": (io.BytesIO(text.encode()), "x.csv")}
    resp = cclient.post("/curator/import", data=data, content_type="multipart/form-data")
    assert resp.status_code == 400
    assert "action=" not in resp.text or "/curator/import/" not in resp.text


@pytest.mark.parametrize("id_value", [1e30, 3.5, True, 2**63, "1_0"])
def test_odd_geojson_import_ids_are_rejected_in_the_dry_run(cclient, auth, id_value):
    auth.login("cora")
    props = {
        "id": id_value,
        "slug": "x-work",
        "title": "X",
        "kind": "mural",
        "location_precision": "estimated",
        "source_url": "https://example.org/",
    }
    data = {"file": (io.BytesIO(geojson_points(props).encode()), "x.geojson")}
    resp = cclient.post("/curator/import", data=data, content_type="multipart/form-data")
    assert resp.status_code == 400
