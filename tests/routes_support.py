"""A second route for the tests, in another city: invented test data, never shipped.

``add_test_route`` stores the route "test-tbilisi" (city "Tbilisi (test)") with a
line drawn for the test along Rustaveli Avenue and works near it, through the same
store calls the curators' pages use.
"""

from __future__ import annotations

from contextlib import closing
from pathlib import Path
from typing import Any

from flask import Flask

from mapapp.app import create_app
from mapapp.records import Route
from mapapp.store import Store

from .conftest import make_installation

TEST_ROUTE = "test-tbilisi"
#: Freedom Square to Rustaveli metro, roughly: drawn for the test, not surveyed.
TEST_LINE = [[44.7990, 41.6935], [44.7960, 41.6960], [44.7930, 41.6990], [44.7897, 41.7017]]
#: Works of the test route: (slug, title, lat, lon, status).
TEST_WORKS = (
    ("test-tbilisi-mural", "Test mural on Rustaveli", 41.6962, 44.7965, "published"),
    ("test-tbilisi-sculpture", "Test sculpture by the metro", 41.7012, 44.7903, "published"),
    ("test-tbilisi-draft", "Test draft near the square", 41.6940, 44.7985, "draft"),
)


def add_test_route(
    store: Store, *, line: bool = True, works: bool = True, **fields: Any
) -> dict[str, Any]:
    """Store the test route (``fields`` override its record) with its line (unless
    ``line`` is false: a new route) and its works (unless ``works`` is false)."""
    record = Route(
        **{
            "slug": TEST_ROUTE,
            "name": "Rustaveli test walk",
            "name_ru": "Тестовая прогулка по Руставели",
            "city": "Tbilisi (test)",
            "country": "GE",
            "languages": "ka;en",
            "walking_speed_kmh": 4.0,
            "corridor_m": 300,
            "source_note": "Invented for the tests.",
            **fields,
        }
    ).model_dump()
    record.pop("id", None)
    row = store.create_record("route", record, "test")
    if line:
        store.set_route(
            TEST_LINE,
            {"name": "Rustaveli (test)", "geometry_precision": "estimated", "source": "test"},
            "test",
            row["id"],
        )
    for slug, title, lat, lon, status in TEST_WORKS if works else ():
        work = make_installation(slug=slug, title=title, lat=lat, lon=lon, status=status)
        values = work.model_dump()
        values.pop("id", None)
        store.create_installation(values, "test")
    return row


def two_route_app(db_path: Path, tmp_path: Path, **config: Any) -> Flask:
    """An app over ``db_path`` with the test route added (``config`` overrides)."""
    with closing(Store.open(db_path)) as store:
        add_test_route(store)
    return create_app(
        {
            "TESTING": True,
            "DB": str(db_path),
            "SECRET_KEY": "test",
            "TILES": "",
            "MEDIA_DIR": str(tmp_path / "media"),
            "RATELIMIT_ENABLED": False,
            **config,
        }
    )


def add_test_record(store: Store, kind: str, **fields: Any) -> dict[str, Any]:
    """Store a record of ``kind`` (``"tour"``, ``"event"``...) made for a test."""
    from mapapp.records import RECORD_TYPES

    values = RECORD_TYPES[kind].model(**fields).model_dump()
    values.pop("id", None)
    return store.create_record(kind, values, "test")
