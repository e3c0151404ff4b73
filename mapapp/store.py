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

from .records import COLUMNS, TRANSLATION_COLUMNS, Installation

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


@migrations()
def m003_users_history_imports(db: Database) -> None:
    db.table("users").create(
        {
            "id": int,
            "username": str,
            "password_hash": str,
            "role": str,
            "active": int,
            "created_at": str,
        },
        pk="id",
        not_null={"username", "password_hash", "role", "active"},
        defaults={"active": 1},
    )
    db.table("users").create_index(["username"], unique=True)
    db.table("history").create(
        {
            "id": int,
            "installation_id": int,
            "version": int,
            "action": str,
            "username": str,
            "at": str,
            "changed": str,  # JSON list of field names
            "before": str,  # JSON object, or null for a creation
            "after": str,  # JSON object
        },
        pk="id",
        not_null={"installation_id", "version", "action", "at", "after"},
    )
    db.table("history").create_index(["installation_id", "version"])
    db.table("routes").add_column("username", str)
    db.table("pending_imports").create(
        {"token": str, "username": str, "filename": str, "content": bytes, "created_at": str},
        pk="token",
    )


@migrations()
def m004_translations(db: Database) -> None:
    for column in TRANSLATION_COLUMNS:
        db.table("installations").add_column(column, str, not_null_default="")


@migrations()
def m005_osm_ref(db: Database) -> None:
    """The OpenStreetMap element a work came from (``node/123``), for the next pull."""
    db.table("installations").add_column("osm_ref", str, not_null_default="")
    db.execute("CREATE INDEX installations_osm_ref ON installations (osm_ref) WHERE osm_ref != ''")


#: Fields a curator edits (everything but the id and bookkeeping), and the OSM id.
EDITABLE = (*(c for c in COLUMNS if c != "id"), "osm_ref")
ROLES = ("curator", "admin")


class NotFound(LookupError):
    """No row with that id."""


class StaleEdit(Exception):
    """The row changed since the editor loaded it; nothing was written."""

    def __init__(self, current: dict[str, Any]):
        super().__init__(f"installation {current['id']} is at version {current['version']}")
        self.current = current


class DuplicateSlug(ValueError):
    """Another installation already uses this slug."""


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

    def atomic(self):
        """One transaction around several writes (the writes inside use savepoints)."""
        return self.db.atomic()

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
        added = 0
        with self.db.atomic():
            for rec in records:
                row = rec.model_dump()
                exists = self.db.execute(
                    "SELECT 1 FROM installations WHERE id = ? OR slug = ?",
                    [row["id"], row["slug"]],
                ).fetchone()
                if exists:
                    continue
                self._create(row, None, "seed")
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
        return list(self.db.query(sql, params))

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
        cols = ", ".join([*COLUMNS, "osm_ref", "version"])
        return [dict(r) for r in self.db.query(f"SELECT {cols} FROM installations ORDER BY id")]  # noqa: S608

    # editing ---------------------------------------------------------------
    def _record(
        self,
        row_id: int,
        version: int,
        action: str,
        username: str | None,
        before: dict[str, Any] | None,
        after: dict[str, Any],
    ) -> None:
        changed = [k for k in EDITABLE if before is None or before.get(k) != after.get(k)]
        self.db.table("history").insert(
            {
                "installation_id": row_id,
                "version": version,
                "action": action,
                "username": username,
                "at": _now(),
                "changed": json.dumps(changed),
                "before": None if before is None else json.dumps(before, ensure_ascii=False),
                "after": json.dumps(after, ensure_ascii=False),
            }
        )

    def _snapshot(self, row_id: int) -> dict[str, Any] | None:
        rows = list(self.db.query("SELECT * FROM installations WHERE id = ?", [row_id]))
        return rows[0] if rows else None

    def _slug_taken(self, slug: str, other_than: int | None) -> bool:
        row = self.db.execute(
            "SELECT id FROM installations WHERE slug = ? AND id IS NOT ?", [slug, other_than]
        ).fetchone()
        return row is not None

    def create_installation(
        self, fields: dict[str, Any], username: str | None, action: str = "create"
    ) -> dict[str, Any]:
        """Insert a new installation (id given or assigned) and record it in history."""
        with self.db.atomic():
            return self._create(fields, username, action)

    def _create(self, fields: dict[str, Any], username: str | None, action: str) -> dict[str, Any]:
        if self._slug_taken(fields["slug"], None):
            raise DuplicateSlug(fields["slug"])
        now = _now()
        row = {k: fields.get(k) for k in EDITABLE}
        row.update(version=1, created_at=now, updated_at=now)
        if fields.get("id") is not None:
            row["id"] = fields["id"]
        table = self.db.table("installations")
        table.insert(row)
        row_id = int(row.get("id") or table.last_pk or 0)
        after = self._snapshot(row_id)
        assert after is not None
        self._record(row_id, 1, action, username, None, _public_fields(after))
        return after

    def update_installation(
        self,
        row_id: int,
        fields: dict[str, Any],
        expected_version: int,
        username: str | None,
        action: str = "update",
    ) -> dict[str, Any]:
        """Change fields of an installation if it is still at ``expected_version``.

        Raises :class:`NotFound`, :class:`StaleEdit` (nothing written) or
        :class:`DuplicateSlug`. Returns the new row; a change to nothing is no new
        version.
        """
        with self.db.atomic():
            return self._update(row_id, fields, expected_version, username, action)

    def _update(
        self,
        row_id: int,
        fields: dict[str, Any],
        expected_version: int | None,
        username: str | None,
        action: str,
    ) -> dict[str, Any]:
        before = self._snapshot(row_id)
        if before is None:
            raise NotFound(row_id)
        if expected_version is not None and before["version"] != expected_version:
            raise StaleEdit(before)
        changes = {k: v for k, v in fields.items() if k in EDITABLE and before.get(k) != v}
        if not changes:
            return before
        if "slug" in changes and self._slug_taken(changes["slug"], row_id):
            raise DuplicateSlug(changes["slug"])
        version = before["version"] + 1
        sets = ", ".join(f"[{k}] = ?" for k in changes)
        cur = self.db.execute(
            f"UPDATE installations SET {sets}, version = ?, updated_at = ?"  # noqa: S608
            " WHERE id = ? AND version = ?",
            [*changes.values(), version, _now(), row_id, before["version"]],
        )
        if cur.rowcount != 1:  # changed between our read and write
            current = self._snapshot(row_id)
            assert current is not None
            raise StaleEdit(current)
        after = self._snapshot(row_id)
        assert after is not None
        self._record(
            row_id, version, action, username, _public_fields(before), _public_fields(after)
        )
        return after

    def history(self, row_id: int) -> list[dict[str, Any]]:
        """Every recorded change of one installation, newest first."""
        rows = self.db.query(
            "SELECT * FROM history WHERE installation_id = ? ORDER BY id DESC", [row_id]
        )
        out = []
        for r in rows:
            r = dict(r)
            r["changed"] = json.loads(r["changed"] or "[]")
            r["before"] = json.loads(r["before"]) if r["before"] else None
            r["after"] = json.loads(r["after"])
            out.append(r)
        return out

    def restore_version(
        self, row_id: int, history_id: int, expected_version: int, username: str | None
    ) -> dict[str, Any]:
        """Make the state recorded in history entry ``history_id`` current again."""
        with self.db.atomic():
            entry = self.db.execute(
                "SELECT after FROM history WHERE id = ? AND installation_id = ?",
                [history_id, row_id],
            ).fetchone()
            if entry is None:
                raise NotFound(history_id)
            snapshot = json.loads(entry[0])
            return self._update(
                row_id,
                # an entry older than a field's migration leaves that field as it is
                {k: snapshot[k] for k in EDITABLE if k in snapshot},
                expected_version,
                username,
                "restore",
            )

    def apply_changes(
        self,
        creates: list[dict[str, Any]],
        updates: list[tuple[int, dict[str, Any]]],
        username: str,
    ) -> None:
        """Create and update many installations in one transaction (all or nothing)."""
        with self.db.atomic():
            for fields in creates:
                self._create(fields, username, "import")
            for row_id, fields in updates:
                self._update(row_id, fields, None, username, "import")

    def photo_is_public(self, name: str) -> bool:
        """Whether a stored photo belongs to a published installation."""
        row = self.db.execute(
            "SELECT 1 FROM installations WHERE photo = ? AND status = 'published'", [name]
        ).fetchone()
        return row is not None

    # users -------------------------------------------------------------------
    def create_user(self, username: str, password_hash: str, role: str) -> dict[str, Any]:
        if role not in ROLES:
            raise ValueError(f"role must be one of {', '.join(ROLES)}")
        with self.db.atomic():
            if self.user_by_name(username) is not None:
                raise ValueError(f"user {username!r} exists already")
            table = self.db.table("users")
            table.insert(
                {
                    "username": username,
                    "password_hash": password_hash,
                    "role": role,
                    "active": 1,
                    "created_at": _now(),
                }
            )
            return self.user(int(table.last_pk or 0)) or {}

    def user(self, user_id: int) -> dict[str, Any] | None:
        rows = list(self.db.query("SELECT * FROM users WHERE id = ?", [user_id]))
        return rows[0] if rows else None

    def user_by_name(self, username: str) -> dict[str, Any] | None:
        rows = list(self.db.query("SELECT * FROM users WHERE username = ?", [username]))
        return rows[0] if rows else None

    def users(self) -> list[dict[str, Any]]:
        return [
            dict(r)
            for r in self.db.query(
                "SELECT id, username, role, active, created_at FROM users ORDER BY username"
            )
        ]

    def update_user(self, user_id: int, **fields: Any) -> None:
        allowed = {k: v for k, v in fields.items() if k in ("role", "active", "password_hash")}
        if "role" in allowed and allowed["role"] not in ROLES:
            raise ValueError(f"role must be one of {', '.join(ROLES)}")
        if allowed:
            self.db.table("users").update(user_id, allowed)

    # pending imports -----------------------------------------------------------
    def save_pending_import(self, token: str, username: str, filename: str, content: bytes) -> None:
        with self.db.atomic():
            cutoff = (dt.datetime.now(dt.UTC) - dt.timedelta(days=1)).isoformat(timespec="seconds")
            self.db.execute("DELETE FROM pending_imports WHERE created_at < ?", [cutoff])
            self.db.table("pending_imports").insert(
                {
                    "token": token,
                    "username": username,
                    "filename": filename,
                    "content": content,
                    "created_at": _now(),
                }
            )

    def pending_import(self, token: str, username: str) -> dict[str, Any] | None:
        rows = list(
            self.db.query(
                "SELECT * FROM pending_imports WHERE token = ? AND username = ?", [token, username]
            )
        )
        return rows[0] if rows else None

    def drop_pending_import(self, token: str) -> None:
        self.db.execute("DELETE FROM pending_imports WHERE token = ?", [token])

    # backup --------------------------------------------------------------------
    def backup(self, path: str | Path) -> None:
        """A consistent copy of the live database (SQLite's online backup API)."""
        dest = sqlite3.connect(str(path))
        try:
            self.db.conn.backup(dest)
        finally:
            dest.close()

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

    def set_route(
        self,
        coordinates: list[list[float]],
        properties: dict[str, Any],
        username: str | None = None,
    ) -> int:
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
                    "username": username,
                }
            )
            return int(table.last_pk or 0)

    def routes(self) -> list[dict[str, Any]]:
        """Every stored route, newest first, without coordinates."""
        return [
            dict(r)
            for r in self.db.query(
                "SELECT id, is_current, created_at, username, properties,"
                " length(coordinates) AS size FROM routes ORDER BY id DESC"
            )
        ]

    def make_route_current(self, route_id: int) -> None:
        with self.db.atomic():
            if self.db.execute("SELECT 1 FROM routes WHERE id = ?", [route_id]).fetchone() is None:
                raise NotFound(route_id)
            self.db.execute("UPDATE routes SET is_current = (id = ?)", [route_id])

    # change detection ---------------------------------------------------------
    def data_version(self) -> str:
        """A token that changes whenever installations or the route change."""
        row = self.db.execute("SELECT n FROM data_changes WHERE id = 1").fetchone()
        return str(row[0])

    def data_changed_at(self) -> str | None:
        """When a work or the route was last written (ISO 8601, UTC), or ``None``.

        Shown to walkers as the age of the data a map saved for offline use holds.
        """
        row = self.db.execute(
            "SELECT max(t) FROM (SELECT max(updated_at) AS t FROM installations"
            " UNION ALL SELECT max(created_at) FROM routes)"
        ).fetchone()
        return row[0] if row and row[0] else None


def _public_fields(row: dict[str, Any]) -> dict[str, Any]:
    return {k: row.get(k) for k in ("id", *EDITABLE)}
