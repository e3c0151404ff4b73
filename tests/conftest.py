"""Shared fixtures: an app on a fresh seeded database, its client and CLI runner."""

from __future__ import annotations

from pathlib import Path

import pytest

from mapapp import resources
from mapapp.app import create_app
from mapapp.catalog import load_seed, seed
from mapapp.store import Store

DATA_DIR = resources.data_dir()


def make_installation(**fields):
    """A valid installation near the route; ``fields`` override the defaults."""
    from mapapp.records import Installation

    defaults = {
        "slug": "test-work",
        "title": "Test work",
        "kind": "mural",
        "lat": 43.24,
        "lon": 76.92,
        "location_precision": "estimated",
        "source_url": "https://example.org/",
    }
    return Installation(**{**defaults, **fields})


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    """A database seeded from the shipped ``data/``."""
    path = tmp_path / "mapapp.sqlite"
    store = Store.open(path)
    seed(store, load_seed(DATA_DIR))
    store.close()
    return path


@pytest.fixture
def app(db_path: Path, tmp_path: Path):
    return create_app(
        {
            "TESTING": True,
            "DB": str(db_path),
            "SECRET_KEY": "test",
            "TILES": "",
        }
    )


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def store(db_path: Path):
    s = Store.open(db_path)
    yield s
    s.close()


PASSWORDS = {"cora": "curator-pass-1", "ada": "admin-pass-12"}


@pytest.fixture
def users(db_path: Path):
    """A curator ``cora`` and an admin ``ada``."""
    from werkzeug.security import generate_password_hash

    s = Store.open(db_path)
    fast = "pbkdf2:sha256:1000"  # the app's default (scrypt) is slow on purpose; tests need speed
    s.create_user("cora", generate_password_hash(PASSWORDS["cora"], method=fast), "curator")
    s.create_user("ada", generate_password_hash(PASSWORDS["ada"], method=fast), "admin")
    s.close()
    return PASSWORDS


class AuthActions:
    def __init__(self, client):
        self._client = client

    def login(self, username: str = "cora"):
        return self._client.post(
            "/login", data={"username": username, "password": PASSWORDS[username]}
        )

    def logout(self):
        return self._client.post("/logout")


@pytest.fixture
def curator_app(db_path: Path, tmp_path: Path, users):
    """The app with CSRF and rate limits off, for exercising the curator pages."""
    return create_app(
        {
            "TESTING": True,
            "DB": str(db_path),
            "SECRET_KEY": "test",
            "TILES": "",
            "WTF_CSRF_ENABLED": False,
            "RATELIMIT_ENABLED": False,
            "MEDIA_DIR": str(tmp_path / "media"),
        }
    )


@pytest.fixture
def cclient(curator_app):
    return curator_app.test_client()


@pytest.fixture
def auth(cclient):
    return AuthActions(cclient)
