"""The only module that speaks SQL: the installations and the route in SQLite.

Built on sqlite-utils: a :class:`sqlite_utils.Database` is passed in (no global
state), the schema is a list of named migrations, and writes run in ``db.atomic()``.
"""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from sqlite_utils import Database
from sqlite_utils.migrations import Migrations

from .records import COLUMNS, Installation

migrations = Migrations("mapapp")


@migrations()
def m001_installations_and_routes(db: Database) -> None:
    db.table("installations").create(
        {
            "id": int,
            "slug": str,
            "title": str,
            "kind": str,
            "festival": str,
            "year": int,
            "artist": str,
            "description": str,
            "address": str,
            "lat": float,
            "lon": float,
            "location_precision": str,
            "source_url": str,
            "source_note": str,
            "status": str,
            "photo": str,
            "version": int,
            "created_at": str,
            "updated_at": str,
        },
        pk="id",
        not_null={"slug", "title", "kind", "lat", "lon", "status", "version"},
        defaults={"status": "draft", "version": 1, "festival": "", "photo": ""},
    )
    db.table("installations").create_index(["slug"], unique=True)
    db.table("installations").create_index(["status", "kind"])
    db.table("installations").create_index(["lat", "lon"])
    db.table("routes").create(
        {
            "id": int,
            "coordinates": str,  # JSON [[lon, lat], ...]
            "properties": str,  # JSON object
            "is_current": int,
            "created_at": str,
        },
        pk="id",
        not_null={"coordinates", "properties", "is_current"},
    )


@migrations()
def m002_change_counter(db: Database) -> None:
    """A counter bumped by triggers on every write, so caches see any change."""
    db.execute("CREATE TABLE data_changes (id INTEGER PRIMARY KEY CHECK (id = 1), n INTEGER)")
    db.execute("INSERT INTO data_changes (id, n) VALUES (1, 0)")
    for table in ("installations", "routes"):
        for event in ("INSERT", "UPDATE", "DELETE"):
            name = f"{table}_{event.lower()}_counts"
            body = "UPDATE data_changes SET n = n + 1 WHERE id = 1;"
            db.execute(f"CREATE TRIGGER {name} AFTER {event} ON {table} BEGIN {body} END")


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


class Store:
    """Reads and writes of installations and routes over one database."""

    def __init__(self, db: Database):
        self.db = db

    @classmethod
    def open(cls, path: str | Path) -> Store:
        """Open (creating if needed) the database file at ``path``."""
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        conn = sqlite3.connect(str(path), check_same_thread=False, timeout=10)
        db = Database(conn)
        db.execute("PRAGMA foreign_keys = ON")
        db.execute("PRAGMA busy_timeout = 10000")
        if str(path) != ":memory:":
            db.execute("PRAGMA journal_mode = WAL")
        return cls(db)

    def close(self) -> None:
        self.db.close()

    # schema -----------------------------------------------------------------
    def migrate(self) -> list[str]:
        """Apply pending migrations; return their names."""
        pending = [m.name for m in migrations.pending(self.db)]
        migrations.apply(self.db)
        return pending

    def needs_migration(self) -> bool:
        return bool(migrations.pending(self.db))

    # installations ----------------------------------------------------------
    def insert_missing(self, records: Iterable[Installation]) -> int:
        """Insert records whose id and slug are not stored yet; return how many.

        Existing rows are never touched, so seeding twice changes nothing and never
        overwrites a curator's edits.
        """
        table = self.db.table("installations")
        added = 0
        now = _now()
        with self.db.atomic():
            for rec in records:
                row = rec.model_dump()
                exists = self.db.execute(
                    "SELECT 1 FROM installations WHERE id = ? OR slug = ?",
                    [row["id"], row["slug"]],
                ).fetchone()
                if exists:
                    continue
                row.update(version=1, created_at=now, updated_at=now)
                table.insert(row)
                added += 1
        return added

    def installations(
        self,
        *,
        statuses: tuple[str, ...] = ("published",),
        kind: str | None = None,
        festival: str | None = None,
        bbox: tuple[float, float, float, float] | None = None,
    ) -> list[dict[str, Any]]:
        """Installations matching the filters, by id. ``bbox`` is (W, S, E, N)."""
        where = [f"status IN ({', '.join('?' for _ in statuses)})"]
        params: list[Any] = list(statuses)
        if kind is not None:
            where.append("kind = ?")
            params.append(kind)
        if festival is not None:
            where.append("festival = ?")
            params.append(festival)
        if bbox is not None:
            where.append("lon BETWEEN ? AND ? AND lat BETWEEN ? AND ?")
            params.extend([bbox[0], bbox[2], bbox[1], bbox[3]])
        sql = f"SELECT * FROM installations WHERE {' AND '.join(where)} ORDER BY id"  # noqa: S608
        return [dict(r) for r in self.db.query(sql, params)]

    def installation(self, id: int, *, published_only: bool = True) -> dict[str, Any] | None:
        """One installation by id, or ``None``."""
        sql = "SELECT * FROM installations WHERE id = ?"
        if published_only:
            sql += " AND status = 'published'"
        rows = list(self.db.query(sql, [id]))
        return rows[0] if rows else None

    def installation_by_slug(
        self, slug: str, *, published_only: bool = True
    ) -> dict[str, Any] | None:
        """One installation by slug, or ``None``."""
        sql = "SELECT * FROM installations WHERE slug = ?"
        if published_only:
            sql += " AND status = 'published'"
        rows = list(self.db.query(sql, [slug]))
        return rows[0] if rows else None

    def all_installations(self) -> list[dict[str, Any]]:
        """Every installation in every status, in the CSV's columns plus version."""
        cols = ", ".join([*COLUMNS, "version"])
        return [dict(r) for r in self.db.query(f"SELECT {cols} FROM installations ORDER BY id")]  # noqa: S608

    # route -----------------------------------------------------------------
    def current_route(self) -> dict[str, Any] | None:
        """The current route as ``{"id", "coordinates", "properties"}``, or ``None``."""
        rows = list(
            self.db.query("SELECT * FROM routes WHERE is_current = 1 ORDER BY id DESC LIMIT 1")
        )
        if not rows:
            return None
        row = rows[0]
        return {
            "id": row["id"],
            "coordinates": json.loads(row["coordinates"]),
            "properties": json.loads(row["properties"]),
            "created_at": row["created_at"],
        }

    def set_route(self, coordinates: list[list[float]], properties: dict[str, Any]) -> int:
        """Store a new current route; earlier ones stay as history. Returns its id."""
        with self.db.atomic():
            self.db.execute("UPDATE routes SET is_current = 0 WHERE is_current = 1")
            table = self.db.table("routes")
            table.insert(
                {
                    "coordinates": json.dumps(coordinates),
                    "properties": json.dumps(properties, ensure_ascii=False),
                    "is_current": 1,
                    "created_at": _now(),
                }
            )
            return int(table.last_pk or 0)

    # change detection ---------------------------------------------------------
    def data_version(self) -> str:
        """A token that changes whenever installations or the route change."""
        row = self.db.execute("SELECT n FROM data_changes WHERE id = 1").fetchone()
        return str(row[0])
