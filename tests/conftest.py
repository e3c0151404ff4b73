"""Shared fixtures: isolation from the environment and the checkout, an app on a fresh
seeded database, its client and CLI runner."""

from __future__ import annotations

import os
import sqlite3
import sys
import tempfile
import warnings
from collections.abc import Iterator
from pathlib import Path

import pytest

from mapapp import resources
from mapapp.app import create_app
from mapapp.catalog import load_seed, seed
from mapapp.store import Store

DATA_DIR = resources.data_dir()
CHECKOUT = Path(__file__).resolve().parent.parent
# Hypothesis keeps a cache of its own (".hypothesis/" in the working folder by default):
# keep it out of the checkout, as everything else the tests write.
os.environ.setdefault(
    "HYPOTHESIS_STORAGE_DIRECTORY", str(Path(tempfile.gettempdir()) / "terrenkur-hypothesis")
)

#: Folders that tools, not the tests, write in a checkout: not compared.
TOOL_FOLDERS = {".git", ".venv", "__pycache__", ".pytest_cache", ".mypy_cache", ".ruff_cache"}
#: Where screenshots of the browser tests go when set (else pytest's temporary folder).
ARTIFACTS_VARIABLE = "TERRENKUR_TEST_ARTIFACTS"


# isolation ------------------------------------------------------------------------


def checkout_files(skip: Path | None = None) -> dict[str, int]:
    """Every file of the checkout outside the tools' folders (and ``skip``), with its
    modification time."""
    files = {}
    for folder, subfolders, names in os.walk(CHECKOUT):
        subfolders[:] = [
            d
            for d in subfolders
            if d not in TOOL_FOLDERS and not d.endswith(".egg-info") and Path(folder, d) != skip
        ]
        for name in names:
            path = Path(folder, name)
            files[str(path.relative_to(CHECKOUT))] = path.stat().st_mtime_ns
    return files


def _without_mapapp_settings(mp: pytest.MonkeyPatch, instance: Path) -> None:
    for name in [n for n in os.environ if n.startswith("MAPAPP_")]:
        mp.delenv(name)
    mp.setenv("MAPAPP_INSTANCE", str(instance))


class _TrackedConnection(sqlite3.Connection):
    """A connection that warns when collected unclosed, as Python 3.13's do."""

    _closed = False

    def close(self) -> None:
        self._closed = True
        super().close()

    def __del__(self) -> None:
        if not self._closed:
            warnings.warn(f"unclosed database in {self!r}", ResourceWarning, stacklevel=1)


@pytest.fixture(scope="session")
def artifacts(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The folder for screenshots: ``TERRENKUR_TEST_ARTIFACTS``, else a temporary one."""
    configured = os.environ.get(ARTIFACTS_VARIABLE, "").strip()
    folder = Path(configured).absolute() if configured else tmp_path_factory.mktemp("artifacts")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.fixture(scope="session", autouse=True)
def isolated_run(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """For the whole run: no ``MAPAPP_*`` setting from outside, an instance folder in
    a temporary folder, unclosed databases reported on every Python, and at the end
    the checkout exactly as it was (no instance/, no compiled catalogue, no file)."""
    configured = os.environ.get(ARTIFACTS_VARIABLE, "").strip()
    skip = Path(configured).absolute() if configured else None
    before = checkout_files(skip)
    with pytest.MonkeyPatch.context() as mp:
        _without_mapapp_settings(mp, tmp_path_factory.mktemp("session-instance"))
        if sys.version_info < (3, 13):  # 3.13 warns about unclosed connections itself
            connect = sqlite3.connect

            def tracked_connect(*args, **kwargs):
                kwargs.setdefault("factory", _TrackedConnection)
                return connect(*args, **kwargs)

            mp.setattr(sqlite3, "connect", tracked_connect)
        yield
    after = checkout_files(skip)
    # new or removed files anywhere; changed ones in instance/, where `make run` keeps
    # its database (sources edited during a run are not the tests' doing)
    changed = sorted(
        k
        for k in before.keys() | after.keys()
        if (k in before) != (k in after)
        or (k.startswith("instance" + os.sep) and before[k] != after[k])
    )
    assert not changed, f"the tests wrote into the checkout: {changed[:20]}"


@pytest.fixture(autouse=True)
def isolated(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """For each test: no ``MAPAPP_*`` setting, and its own instance folder."""
    _without_mapapp_settings(monkeypatch, tmp_path / "instance")


# data and apps ----------------------------------------------------------------------


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
