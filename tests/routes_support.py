"""A second route for the tests, in another city: invented test data, never shipped.

``add_test_route`` stores the route "test-tbilisi" (city "Tbilisi (test)") with a
line drawn for the test along Rustaveli Avenue and works near it, through the same
store calls the curators' pages use. ``two_routes_app`` is an app on a database
holding the shipped route and that one; ``route_marks`` the texts that name a
route's works (to find them where they must not be).
"""

from __future__ import annotations

import json
from contextlib import closing
from pathlib import Path
from typing import Any

from flask import Flask

from mapapp.app import create_app
from mapapp.catalog import build_walk
from mapapp.records import Route, Tour
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


#: A point by Freedom Square at the start of the test line (lat, lon): a walker there
#: has the mural ahead going forward.
TEST_START = (41.6936, 44.7989)


def two_route_app(db_path: Path, tmp_path: Path, **config: Any) -> Flask:
    """An app over ``db_path`` with the test route added (``config`` overrides)."""
    with closing(Store.open(db_path)) as store:
        add_test_route(store)
    return test_app(db_path, tmp_path, **config)


def test_app(db_path: Path, tmp_path: Path, **config: Any) -> Flask:
    """An app over ``db_path`` as the tests make it (``config`` overrides)."""
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


def route_works(store: Store, slug: str) -> list[dict[str, Any]]:
    """Every work that belongs to route ``slug`` only: its published stops, and for the
    test route its draft too (which no public page may show anywhere)."""
    stops = [
        {"id": s["id"], "slug": s["slug"], "title": s["title"]}
        for s in build_walk(store, slug).stops
    ]
    if slug == TEST_ROUTE:
        drafts = [w for w in TEST_WORKS if w[4] != "published"]
        for work_slug, title, *_rest in drafts:
            row = store.installation_by_slug(work_slug, published_only=False)
            stops.append({"id": row["id"] if row else None, "slug": work_slug, "title": title})
    return stops


def route_marks(works: list[dict[str, Any]]) -> set[str]:
    """The slugs and titles of ``works``, as written and as JSON writes them."""
    marks: set[str] = set()
    for w in works:
        for text in (w["slug"], w["title"]):
            marks |= {text, json.dumps(text)[1:-1]}
    return marks


#: A tour on each route (test data): the old URL ``/api/tours/three`` names the first.
TEST_TOURS = {
    "esentai": ("three", "Three on the river (test)", "auezov-theatre;kazakh-state-circus"),
    TEST_ROUTE: (
        "rustaveli-two",
        "Two on Rustaveli (test)",
        "test-tbilisi-mural;test-tbilisi-sculpture",
    ),
}


def add_test_tours(store: Store) -> None:
    """Store :data:`TEST_TOURS`."""
    for slug, name, works in TEST_TOURS.values():
        record = Tour(slug=slug, name=name, works=works, duration_min=30).model_dump()
        record.pop("id", None)
        store.create_record("tour", record, "test")


def two_routes_app(db_path: Path, tmp_path: Path, **config: Any) -> Flask:
    """An app on ``db_path`` (the shipped data) once the test route and a tour on each
    route (:data:`TEST_TOURS`) are added to it."""
    with closing(Store.open(db_path)) as store:
        add_test_route(store)
        add_test_tours(store)
    return test_app(db_path, tmp_path, **config)
