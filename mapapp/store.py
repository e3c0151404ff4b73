"""The only module that speaks SQL: the installations and the route in SQLite.

Built on sqlite-utils: a :class:`sqlite_utils.Database` is passed in (no global
state) and the schema is a list of named migrations. The database runs in WAL mode
(readers never wait for a writer) and every write runs in :meth:`Store.write`, a
transaction that takes SQLite's write lock up front (``BEGIN IMMEDIATE``): a
second writer then waits for the lock, up to the busy timeout, instead of failing
when its read turns into a write. A write that still cannot get the lock raises
:class:`DatabaseBusy` and has written nothing.
"""

from __future__ import annotations

import datetime as dt
import errno
import json
import os
import shutil
import sqlite3
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
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


#: When each trigger counts a change: only writes the public can see (published
#: works, the current route), so a curator's drafts neither move "data last changed"
#: nor invalidate the public caches.
_PUBLIC_CHANGE = {
    ("installations", "INSERT"): "NEW.status = 'published'",
    ("installations", "UPDATE"): "OLD.status = 'published' OR NEW.status = 'published'",
    ("installations", "DELETE"): "OLD.status = 'published'",
    ("routes", "INSERT"): "NEW.is_current = 1",
    ("routes", "UPDATE"): "OLD.is_current = 1 OR NEW.is_current = 1",
    ("routes", "DELETE"): "OLD.is_current = 1",
}


@migrations()
def m005_public_changes_only(db: Database) -> None:
    """The change counter counts public changes only, and says when the last one was."""
    db.execute("ALTER TABLE data_changes ADD COLUMN changed_at TEXT")
    db.execute(
        "UPDATE data_changes SET changed_at = (SELECT max(t) FROM ("
        " SELECT max(updated_at) AS t FROM installations WHERE status = 'published'"
        " UNION ALL SELECT max(created_at) FROM routes WHERE is_current = 1))"
    )
    body = (
        "UPDATE data_changes SET n = n + 1,"
        " changed_at = strftime('%Y-%m-%dT%H:%M:%S+00:00', 'now') WHERE id = 1;"
    )
    for (table, event), when in _PUBLIC_CHANGE.items():
        name = f"{table}_{event.lower()}_counts"
        db.execute(f"DROP TRIGGER IF EXISTS {name}")
        db.execute(f"CREATE TRIGGER {name} AFTER {event} ON {table} WHEN {when} BEGIN {body} END")


@migrations()
def m006_sessions(db: Database) -> None:
    """Sign-in sessions kept on the server, so that signing out ends one for good."""
    db.table("sessions").create(
        {"token_hash": str, "user_id": int, "created_at": str},
        pk="token_hash",
        not_null={"user_id", "created_at"},
        foreign_keys=[("user_id", "users", "id")],
    )
    db.table("sessions").create_index(["user_id"])


@migrations()
def m007_pending_purpose(db: Database) -> None:
    """A pending upload says what it is for (an import or a new route)."""
    db.table("pending_imports").add_column("purpose", str, not_null_default="import")


#: Fields a curator edits (everything but the id and bookkeeping).
EDITABLE = tuple(c for c in COLUMNS if c != "id")
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


class DatabaseBusy(Exception):
    """Another writer held the database past the busy timeout; nothing was written."""


#: How long a write waits for another writer's lock by default, in seconds.
DEFAULT_TIMEOUT = 10.0
_BUSY = ("database is locked", "database is busy", "database table is locked")


class DatabaseUnusable(Exception):
    """The database file cannot serve the app as it is; the message says why and what to do."""


#: Below this much free space the disk holding the database counts as full.
MIN_FREE_BYTES = 1_000_000
_SQLITE_HEADER = b"SQLite format 3\x00"
_FULL = ("database or disk is full", "disk I/O error")  # a full tmpfs gives the latter
_READ_ONLY = ("attempt to write a readonly database", "unable to open database file")


def is_disk_problem(exc: BaseException) -> bool:
    """Whether ``exc`` is SQLite (or the OS) unable to write: a full, read-only or failing disk."""
    if isinstance(exc, sqlite3.OperationalError):
        return str(exc).startswith(_FULL + _READ_ONLY)
    return isinstance(exc, OSError) and exc.errno in (errno.ENOSPC, errno.EROFS, errno.EDQUOT)


def _check_disk(folder: Path, path: Path) -> None:
    if not os.access(folder, os.W_OK):
        raise DatabaseUnusable(
            f"{path} cannot be written: its folder {folder} is read-only (a read-only disk,"
            " or no permission); the database needs a writable folder for its journal"
        )
    free = shutil.disk_usage(folder).free
    if free < MIN_FREE_BYTES:
        raise DatabaseUnusable(
            f"the disk holding {path} is full ({free // 1000:,} kB free); free some space"
            " and start again"
        )


def check_database(path: str | Path, *, new_ok: bool = False) -> None:
    """Refuse, with a message saying what to do, a database file that cannot be used.

    A missing file is refused unless ``new_ok`` (it will be created and seeded); an
    empty (0-byte) file always is, so a file someone expected to hold data is never
    seeded over. Also refused: a file that is not SQLite, a damaged database, one
    holding someone else's tables, a read-only disk or folder, a full disk.
    """
    path = Path(path)
    if not path.exists():
        if not new_ok:
            raise DatabaseUnusable(f"there is no database at {path}: run `mapapp init-db`")
        folder = path.parent
        while not folder.exists():
            folder = folder.parent
        _check_disk(folder, path)
        return
    wal = path.with_name(path.name + "-wal")
    if path.stat().st_size == 0 and not (wal.exists() and wal.stat().st_size > 0):
        raise DatabaseUnusable(
            f"{path} is empty (0 bytes). If it should hold the map's data, restore it from a"
            " backup (made with `mapapp backup`); to start afresh, delete the file and run"
            " `mapapp init-db`. Nothing was written."
        )
    with path.open("rb") as f:
        if f.read(16) != _SQLITE_HEADER:
            raise DatabaseUnusable(
                f"{path} is not an SQLite database (it is damaged, or another kind of file);"
                " restore it from a backup"
            )
    _check_disk(path.parent, path)
    conn = sqlite3.connect(str(path), timeout=DEFAULT_TIMEOUT, isolation_level=None)
    try:
        problem = conn.execute("PRAGMA quick_check(1)").fetchone()[0]
        if problem != "ok":
            raise DatabaseUnusable(
                f"{path} is damaged ({problem}); restore it from a backup (`mapapp backup`)"
            )
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        if tables and "_sqlite_migrations" not in tables:
            raise DatabaseUnusable(
                f"{path} is not a Cultural Terrenkur database (it holds other tables:"
                f" {', '.join(sorted(tables)[:5])}); check MAPAPP_DB or --db"
            )
        conn.execute("PRAGMA busy_timeout = 100")  # busy is fine: someone is writing
        conn.execute("BEGIN IMMEDIATE")  # can we take the write lock at all?
        conn.execute("ROLLBACK")
    except sqlite3.DatabaseError as exc:
        if is_disk_problem(exc):
            raise DatabaseUnusable(
                f"{path} cannot be written ({exc}): the disk is read-only or full"
            ) from None
        if is_busy(exc):
            return  # another process is writing: the database is in use, and fine
        raise DatabaseUnusable(
            f"{path} is damaged ({exc}); restore it from a backup (`mapapp backup`)"
        ) from None
    finally:
        conn.close()


def is_busy(exc: BaseException) -> bool:
    """Whether ``exc`` is SQLite giving up on a lock held by another connection."""
    return isinstance(exc, DatabaseBusy) or (
        isinstance(exc, sqlite3.OperationalError) and str(exc).startswith(_BUSY)
    )


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


class Store:
    """Reads and writes of installations and routes over one database."""

    def __init__(self, db: Database):
        self.db = db

    @classmethod
    def open(cls, path: str | Path, timeout: float = DEFAULT_TIMEOUT) -> Store:
        """Open (creating if needed) the database file at ``path``.

        ``timeout`` is how long, in seconds, a write waits for another writer.
        """
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        conn = sqlite3.connect(str(path), check_same_thread=False, timeout=timeout)
        try:
            db = Database(conn)
            db.execute("PRAGMA foreign_keys = ON")
            db.execute(f"PRAGMA busy_timeout = {int(timeout * 1000)}")
            if str(path) != ":memory:":
                db.execute("PRAGMA journal_mode = WAL")
        except BaseException:
            conn.close()  # e.g. a full disk: never leave the connection open
            raise
        return cls(db)

    def close(self) -> None:
        self.db.close()

    @contextmanager
    def write(self) -> Iterator[None]:
        """A write transaction holding the write lock from its start (``BEGIN IMMEDIATE``).

        Everything in the ``with`` block is committed together or not at all. Nested
        blocks join the outer transaction (as a savepoint). Raises
        :class:`DatabaseBusy` when another writer keeps the lock past the timeout.
        """
        conn = self.db.conn
        if conn.in_transaction:
            with self.db.atomic():  # a savepoint inside the outer transaction
                yield
            return
        try:
            conn.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as exc:
            if is_busy(exc):
                raise DatabaseBusy(str(exc)) from exc
            raise
        try:
            yield
            conn.execute("COMMIT")
        except BaseException as exc:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            if is_busy(exc) and not isinstance(exc, DatabaseBusy):
                raise DatabaseBusy(str(exc)) from exc
            raise

    # schema -----------------------------------------------------------------
    def migrate(self) -> list[str]:
        """Apply pending migrations; return their names.

        Runs under the write lock, so two processes starting at once apply each
        migration once.
        """
        with self.write():
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
        with self.write():
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
        cols = ", ".join([*COLUMNS, "version"])
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
        with self.write():
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
        with self.write():
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
        with self.write():
            entry = self.db.execute(
                "SELECT after FROM history WHERE id = ? AND installation_id = ?",
                [history_id, row_id],
            ).fetchone()
            if entry is None:
                raise NotFound(history_id)
            snapshot = json.loads(entry[0])
            return self._update(
                row_id,
                {k: snapshot.get(k) for k in EDITABLE},
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
        with self.write():
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
        with self.write():
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

    def update_user(self, user_id: int, **fields: Any) -> int:
        """Change an account's role, ``active`` flag or password hash (``None``: unchanged).

        A new password or switching the account off ends all its sessions; returns
        how many were ended.
        """
        allowed = {
            k: v
            for k, v in fields.items()
            if k in ("role", "active", "password_hash") and v is not None
        }
        if "role" in allowed and allowed["role"] not in ROLES:
            raise ValueError(f"role must be one of {', '.join(ROLES)}")
        if not allowed:
            return 0
        with self.write():
            self.db.table("users").update(user_id, allowed)
            if "password_hash" in allowed or not allowed.get("active", 1):
                return self.end_sessions(user_id)
        return 0

    # sessions ------------------------------------------------------------------
    def start_session(self, user_id: int, token_hash: str, max_age_days: int) -> None:
        """Record a new sign-in; sessions older than ``max_age_days`` are dropped."""
        cutoff = (dt.datetime.now(dt.UTC) - dt.timedelta(days=max_age_days)).isoformat(
            timespec="seconds"
        )
        with self.write():
            self.db.execute("DELETE FROM sessions WHERE created_at < ?", [cutoff])
            self.db.table("sessions").insert(
                {"token_hash": token_hash, "user_id": user_id, "created_at": _now()}
            )

    def session_user(self, token_hash: str, max_age_days: int) -> dict[str, Any] | None:
        """The active account signed in with this session, or ``None``."""
        cutoff = (dt.datetime.now(dt.UTC) - dt.timedelta(days=max_age_days)).isoformat(
            timespec="seconds"
        )
        rows = list(
            self.db.query(
                "SELECT users.* FROM sessions JOIN users ON users.id = sessions.user_id"
                " WHERE sessions.token_hash = ? AND sessions.created_at >= ?"
                " AND users.active = 1",
                [token_hash, cutoff],
            )
        )
        return rows[0] if rows else None

    def end_session(self, token_hash: str) -> None:
        with self.write():
            self.db.execute("DELETE FROM sessions WHERE token_hash = ?", [token_hash])

    def end_sessions(self, user_id: int) -> int:
        """End every session of an account; return how many there were."""
        with self.write():
            cur = self.db.execute("DELETE FROM sessions WHERE user_id = ?", [user_id])
            return cur.rowcount

    # pending imports -----------------------------------------------------------
    def save_pending_import(
        self, token: str, username: str, filename: str, content: bytes, purpose: str = "import"
    ) -> None:
        """Keep an upload between its dry run or preview and its applying (a day at most)."""
        with self.write():
            cutoff = (dt.datetime.now(dt.UTC) - dt.timedelta(days=1)).isoformat(timespec="seconds")
            self.db.execute("DELETE FROM pending_imports WHERE created_at < ?", [cutoff])
            self.db.table("pending_imports").insert(
                {
                    "token": token,
                    "username": username,
                    "filename": filename,
                    "content": content,
                    "created_at": _now(),
                    "purpose": purpose,
                }
            )

    def pending_import(
        self, token: str, username: str, purpose: str = "import"
    ) -> dict[str, Any] | None:
        """The upload kept under ``token`` for this user and purpose, or ``None``."""
        rows = list(
            self.db.query(
                "SELECT * FROM pending_imports WHERE token = ? AND username = ? AND purpose = ?",
                [token, username, purpose],
            )
        )
        return rows[0] if rows else None

    def drop_pending_import(self, token: str) -> None:
        with self.write():
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
        with self.write():
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

    def route(self, route_id: int | None = None) -> dict[str, Any] | None:
        """A stored route with its coordinates: ``route_id``, or the first one stored
        (the route the database was seeded with) when ``None``.
        """
        if route_id is None:
            rows = list(self.db.query("SELECT * FROM routes ORDER BY id LIMIT 1"))
        else:
            rows = list(self.db.query("SELECT * FROM routes WHERE id = ?", [route_id]))
        if not rows:
            return None
        row = rows[0]
        return {
            "id": row["id"],
            "coordinates": json.loads(row["coordinates"]),
            "properties": json.loads(row["properties"]),
            "created_at": row["created_at"],
        }

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
        with self.write():
            if self.db.execute("SELECT 1 FROM routes WHERE id = ?", [route_id]).fetchone() is None:
                raise NotFound(route_id)
            self.db.execute("UPDATE routes SET is_current = (id = ?)", [route_id])

    # change detection ---------------------------------------------------------
    def data_version(self) -> str:
        """A token that changes whenever public data (published works, the route) changes.

        Drafts and retired works can change without moving it, so caches of public
        pages keyed by it stay valid while curators work on drafts.
        """
        row = self.db.execute("SELECT n FROM data_changes WHERE id = 1").fetchone()
        return str(row[0])

    def data_changed_at(self) -> str | None:
        """When public data last changed (ISO 8601, UTC), or ``None``.

        Shown to walkers as the age of the data a map saved for offline use holds.
        """
        row = self.db.execute("SELECT changed_at FROM data_changes WHERE id = 1").fetchone()
        return row[0] if row and row[0] else None


def _public_fields(row: dict[str, Any]) -> dict[str, Any]:
    return {k: row.get(k) for k in ("id", *EDITABLE)}
