"""Bounds on what a request may carry: its size, its numbers, JSON depth, CSV fields."""

from __future__ import annotations

import io

import pytest

from mapapp.app import create_app

from .conftest import AuthActions
from .test_curator import NEW_WORK


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
    """An app with small limits: 100 kB for any request, 200 kB photos and imports.

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
    data = {**NEW_WORK, "photo_file": (io.BytesIO(photo), "big.jpg")}
    resp = client.post("/curator/new", data=data, content_type="multipart/form-data")
    assert resp.status_code == 302, resp.text
    # an ordinary request is held to the global cap
    resp = client.post("/api/curator/installations", json={**NEW_WORK, "description": "x" * 200_000})
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
