"""Shared fixtures: an app on a fresh seeded database, its client and CLI runner."""

from __future__ import annotations

from pathlib import Path

import pytest

from mapapp import PROJECT_ROOT, create_app
from mapapp.catalog import load_seed, seed
from mapapp.store import Store

DATA_DIR = PROJECT_ROOT / "data"


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
