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

from slugify import slugify

from . import without
from .folding import fold, fold_word, words
from .provenance import HOW_WE_KNOW, OSM_PUBLIC_NOTES
from .records import (
    COLUMNS,
    FIXED_CONTENT_LANGUAGES,
    KEY_SEPARATOR,
    RECORD_TYPES,
    ROUTE_DEFAULTS,
    TRANSLATION_COLUMNS,
    Installation,
    References,
    split_keys,
    text_fields,
    translation_key,
    translation_keys,
)

with without("pandas"):
    from sqlite_utils import Database
    from sqlite_utils.migrations import Migrations

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


#: What a trigger does when a public change happens: count it, and say when.
_COUNT_PUBLIC_CHANGE = (
    "UPDATE data_changes SET n = n + 1,"
    " changed_at = strftime('%Y-%m-%dT%H:%M:%S+00:00', 'now') WHERE id = 1;"
)


@migrations()
def m005_public_changes_only(db: Database) -> None:
    """The change counter counts public changes only, and says when the last one was."""
    db.execute("ALTER TABLE data_changes ADD COLUMN changed_at TEXT")
    db.execute(
        "UPDATE data_changes SET changed_at = (SELECT max(t) FROM ("
        " SELECT max(updated_at) AS t FROM installations WHERE status = 'published'"
        " UNION ALL SELECT max(created_at) FROM routes WHERE is_current = 1))"
    )
    body = _COUNT_PUBLIC_CHANGE
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


def _table_of_texts(
    db: Database, name: str, texts: tuple[str, ...], numbers: tuple[str, ...] = ()
) -> None:
    """A table of text columns (never NULL, empty by default) with a key and a version."""
    columns: dict[str, Any] = {"id": int, "slug": str}
    columns.update((c, str) for c in texts)
    columns.update((c, int) for c in numbers)
    columns.update(version=int, created_at=str, updated_at=str)
    db.table(name).create(
        columns,
        pk="id",
        not_null={"slug", "version", *texts},
        defaults={"version": 1, **{c: "" for c in texts}},
    )
    db.table(name).create_index(["slug"], unique=True)


_STATUS_COLUMNS = ("text_status_en", "text_status_ru", "text_status_kk")
_SOURCE_COLUMNS = ("link", "source_url", "source_note", *_STATUS_COLUMNS)


def _free_slug(db: Database, table: str, wanted: str) -> str:
    slug, n = wanted, 1
    while db.execute(f"SELECT 1 FROM {table} WHERE slug = ?", [slug]).fetchone():  # noqa: S608
        n += 1
        slug = f"{wanted[:76]}-{n}"
    return slug


@migrations()
def m008_data_festivals_editions_artists(db: Database) -> None:
    """Festivals, their editions and artists as records that works refer to by key.

    Today's values move over without loss: each festival name becomes a festival
    record and the works' ``festival`` its key; each artist text becomes an artist
    record linked from its works (``artists``), the text staying as the credit. The
    history's snapshots are rewritten to the festival keys, so a restored version
    refers to a festival that exists. Works also gain dates and, per language, the
    status of their texts.
    """
    now = _now()
    names = ("name", "name_ru", "name_kk")
    _table_of_texts(db, "festivals", (*names, "organiser", *_SOURCE_COLUMNS))
    _table_of_texts(
        db,
        "editions",
        ("festival", *names, "start_date", "end_date", "curator", *_SOURCE_COLUMNS),
        ("number", "year"),
    )
    db.table("editions").create_index(["festival"])
    _table_of_texts(db, "artists", (*names, "bio", "bio_ru", "bio_kk", *_SOURCE_COLUMNS))
    db.table("record_history").create(
        {
            "id": int,
            "record_type": str,  # festival, edition, artist
            "record_id": int,
            "version": int,
            "action": str,
            "username": str,
            "at": str,
            "changed": str,
            "before": str,
            "after": str,
        },
        pk="id",
        not_null={"record_type", "record_id", "version", "action", "at", "after"},
    )
    db.table("record_history").create_index(["record_type", "record_id", "version"])
    for column in ("edition", "artists", "start_date", "end_date", *_STATUS_COLUMNS):
        db.table("installations").add_column(column, str, not_null_default="")
    body = _COUNT_PUBLIC_CHANGE  # festivals, editions and artists are public: all count
    for table in ("festivals", "editions", "artists"):
        for event in ("INSERT", "UPDATE", "DELETE"):
            name = f"{table}_{event.lower()}_counts"
            db.execute(f"CREATE TRIGGER {name} AFTER {event} ON {table} BEGIN {body} END")

    festival_keys: dict[str, str] = {}
    rows = db.execute("SELECT DISTINCT festival FROM installations WHERE festival != ''")
    for (name,) in rows.fetchall():
        slug = _free_slug(db, "festivals", slugify(name, max_length=80) or "festival")
        db.table("festivals").insert(
            {
                "slug": slug,
                "name": name,
                "text_status_en": "original",
                "created_at": now,
                "updated_at": now,
            }
        )
        festival_keys[name] = slug
        db.execute("UPDATE installations SET festival = ? WHERE festival = ?", [slug, name])
    rows = db.execute("SELECT DISTINCT artist FROM installations WHERE artist != ''")
    for (credit,) in rows.fetchall():
        slug = _free_slug(db, "artists", slugify(credit, max_length=80) or "artist")
        db.table("artists").insert(
            {
                "slug": slug,
                "name": credit[:200],
                "text_status_en": "original",
                "created_at": now,
                "updated_at": now,
            }
        )
        db.execute("UPDATE installations SET artists = ? WHERE artist = ?", [slug, credit])
    for lang, suffix in (("en", ""), ("ru", "_ru"), ("kk", "_kk")):
        status = "original" if lang == "en" else "translated"
        has_text = " OR ".join(f"[{f}{suffix}] != ''" for f in ("title", "description", "address"))
        db.execute(
            f"UPDATE installations SET text_status_{lang} = ? WHERE {has_text}",  # noqa: S608
            [status],
        )
    for entry_id, before, after in db.execute("SELECT id, before, after FROM history").fetchall():
        snapshots = [json.loads(x) if x else None for x in (before, after)]
        for snap in snapshots:
            if snap and snap.get("festival") in festival_keys:
                snap["festival"] = festival_keys[snap["festival"]]
        db.execute(
            "UPDATE history SET before = ?, after = ? WHERE id = ?",
            [
                None if snapshots[0] is None else json.dumps(snapshots[0], ensure_ascii=False),
                json.dumps(snapshots[1], ensure_ascii=False),
                entry_id,
            ],
        )


@migrations()
def m009_data_search_index(db: Database) -> None:
    """A full-text index of the works in every language (SQLite FTS5, unicode61).

    ``title`` holds the titles, credits, artists' and festivals' names as written,
    ``body`` the descriptions and addresses; the ``_latin`` columns hold the same
    words folded by :func:`mapapp.folding.fold`, so Cyrillic and Latin spellings meet.
    """
    db.execute(
        "CREATE VIRTUAL TABLE installation_search USING fts5("
        "title, title_latin, body, body_latin, tokenize = 'unicode61 remove_diacritics 2')"
    )
    Store(db).rebuild_search_index()


@migrations()
def m010_osm_ref(db: Database) -> None:
    """The OpenStreetMap element a work came from (``node/123``), for the next pull."""
    db.table("installations").add_column("osm_ref", str, not_null_default="")
    db.execute("CREATE INDEX installations_osm_ref ON installations (osm_ref) WHERE osm_ref != ''")


@migrations()
def m011_plan_scenarios(db: Database) -> None:
    """The planner's saved scenarios: proposed sites, and drafts made from them."""
    db.table("plan_scenarios").create(
        {
            "id": int,
            "name": str,
            "sites": str,  # JSON [[lon, lat], ...]
            "settings": str,  # JSON object: the report's parameters when saved
            "drafts": str,  # JSON object: site number -> installation id
            "username": str,
            "created_at": str,
            "updated_at": str,
        },
        pk="id",
        not_null={"name", "sites", "settings", "drafts", "created_at"},
        defaults={"settings": "{}", "drafts": "{}"},
    )


@migrations()
def m012_events(db: Database) -> None:
    """Dated events (openings, performances, plein-airs) as records with a history.

    Texts in three languages, a start and an end (days, or times in Almaty), a status,
    the edition's key, and a place: a work's key, a point of its own and/or words.
    """
    texts = tuple(c for c in RECORD_TYPES["event"].columns if c not in ("id", "slug", "lat", "lon"))
    _table_of_texts(db, "events", texts)
    db.table("events").add_column("lat", float)
    db.table("events").add_column("lon", float)
    db.table("events").create_index(["start"])
    db.table("events").create_index(["edition"])
    db.table("events").create_index(["venue"])
    body = (
        "UPDATE data_changes SET n = n + 1,"
        " changed_at = strftime('%Y-%m-%dT%H:%M:%S+00:00', 'now') WHERE id = 1;"
    )
    for event in ("INSERT", "UPDATE", "DELETE"):
        db.execute(
            f"CREATE TRIGGER events_{event.lower()}_counts AFTER {event} ON events BEGIN {body} END"
        )


@migrations()
def m013_work_status_history(db: Database) -> None:
    """Each work's dated life: proposed, installed, damaged, restored, removed.

    An entry is never deleted: a wrong one is withdrawn (who and when is kept), so
    the life shown is the entries not withdrawn, by date.
    """
    db.table("work_status_history").create(
        {
            "id": int,
            "installation_id": int,
            "status": str,
            "date": str,  # ISO 8601: a year, a year and month, or a day
            "note": str,
            "source_url": str,
            "photo": str,  # a stored photo of the work on that date, or ""
            "username": str,
            "at": str,
            "withdrawn_by": str,
            "withdrawn_at": str,
        },
        pk="id",
        not_null={"installation_id", "status", "date", "note", "source_url", "photo", "at"},
        defaults={"note": "", "source_url": "", "photo": ""},
        foreign_keys=[("installation_id", "installations", "id")],
    )
    db.table("work_status_history").create_index(["installation_id", "date"])
    body = (  # a work's life is public only as far as the work is published
        "UPDATE data_changes SET n = n + 1,"
        " changed_at = strftime('%Y-%m-%dT%H:%M:%S+00:00', 'now') WHERE id = 1;"
    )
    for event in ("INSERT", "UPDATE", "DELETE"):
        db.execute(
            f"CREATE TRIGGER work_status_history_{event.lower()}_counts AFTER {event}"
            f" ON work_status_history BEGIN {body} END"
        )


@migrations()
def m014_work_photos(db: Database) -> None:
    """Several photos per work, in order (the first is the cover), each with its credit.

    Every work's single photo moves over as its first photo, so nothing is lost; its
    credit is empty (not recorded then) until a curator fills it in. The work's
    ``photo`` stays as the name of its cover, kept by the store, so what reads it
    (the map's popups, the offline pack, exports) keeps working.
    """
    db.table("work_photos").create(
        {
            "id": int,
            "installation_id": int,
            "name": str,
            "position": int,
            "author": str,
            "licence": str,
            "taken_on": str,
            "caption": str,
            "caption_ru": str,
            "caption_kk": str,
            "idempotency_key": str,
            "username": str,
            "created_at": str,
        },
        pk="id",
        not_null={"installation_id", "name", "position", "created_at"},
        defaults={
            **{c: "" for c in ("author", "licence", "taken_on", "idempotency_key")},
            **{c: "" for c in ("caption", "caption_ru", "caption_kk")},
        },
        foreign_keys=[("installation_id", "installations", "id")],
    )
    db.execute("CREATE INDEX work_photos_order ON work_photos (installation_id, position, id)")
    db.execute("CREATE INDEX work_photos_name ON work_photos (name)")
    db.execute(
        "CREATE UNIQUE INDEX work_photos_replay ON work_photos (username, idempotency_key)"
        " WHERE idempotency_key != ''"
    )
    db.execute(
        "INSERT INTO work_photos (installation_id, name, position, created_at)"
        " SELECT id, photo, 0, coalesce(updated_at, created_at, '') FROM installations"
        " WHERE photo != ''"
    )
    body = _COUNT_PUBLIC_CHANGE
    for event, row in (("INSERT", "NEW"), ("UPDATE", "NEW"), ("DELETE", "OLD")):
        when = (
            f"EXISTS (SELECT 1 FROM installations WHERE id = {row}.installation_id"  # noqa: S608
            " AND status = 'published')"
        )
        db.execute(
            f"CREATE TRIGGER work_photos_{event.lower()}_counts AFTER {event} ON work_photos"
            f" WHEN {when} BEGIN {body} END"
        )


@migrations()
def m015_provenance_and_reports(db: Database) -> None:
    """Provenance that fits fieldwork, and walkers' reports with their review.

    Works gain a public "how we know" line in three languages, a survey as a source
    (who and when; curator data) and how their point was fixed (method, accuracy,
    time; see :mod:`mapapp.provenance`). ``reports`` holds what walkers send (a
    problem with a work, or a suggested work) until a curator accepts or rejects
    it; ``notifications`` the messages to reporters who left an address (sent by
    SMTP, or kept here as the outbox when no SMTP server is configured).
    """
    for column in (*HOW_WE_KNOW, "surveyed_by", "surveyed_on", "position_method"):
        db.table("installations").add_column(column, str, not_null_default="")
    db.table("installations").add_column("position_accuracy_m", float)
    db.table("installations").add_column("position_fixed_at", str, not_null_default="")
    for column, note in OSM_PUBLIC_NOTES.items():  # the ODbL credit was in source_note
        db.execute(
            f"UPDATE installations SET [{column}] = ? WHERE osm_ref != '' AND [{column}] = ''",  # noqa: S608
            [note],
        )
    texts = ("kind", "problem", "title", "message", "photo", "contact", "lang", "status", "reason")
    db.table("reports").create(
        {
            "id": int,
            **{c: str for c in texts},
            "installation_id": int,
            "lat": float,
            "lon": float,
            "outcome_work_id": int,
            "reviewed_by": str,
            "reviewed_at": str,
            "created_at": str,
        },
        pk="id",
        not_null={*texts, "created_at"},
        defaults={**{c: "" for c in texts}, "status": "new"},
    )
    db.execute("CREATE INDEX reports_queue ON reports (status, id)")
    db.table("notifications").create(
        {
            "id": int,
            "report_id": int,
            "to_address": str,
            "subject": str,
            "body": str,
            "transport": str,
            "created_at": str,
            "sent_at": str,
            "error": str,
        },
        pk="id",
        not_null={"to_address", "subject", "body", "transport", "created_at"},
        defaults={"sent_at": "", "error": ""},
    )


@migrations()
def m018_write_replays(db: Database) -> None:
    """Replayed writes: each curator's ``Idempotency-Key`` with what its write produced,
    so an offline queue sent twice (the field survey page's) changes nothing the
    second time."""
    db.table("write_replays").create(
        {
            "username": str,
            "key": str,
            "action": str,
            "fingerprint": str,  # a hash of the request: a key reused for another is refused
            "installation_id": int,
            "version": int,
            "created_at": str,
        },
        pk=("username", "key"),
        not_null={"action", "fingerprint", "installation_id", "version", "created_at"},
    )


@migrations()
def m016_work_audio(db: Database) -> None:
    """Walk mode: an audio story per work and language, and a work's own trigger zone.

    A change to either counts as a public change when its work is published.
    """
    db.table("work_audio").create(
        {
            "installation_id": int,
            "lang": str,
            "file": str,  # a random stored name, as photos have
            "format": str,  # mp3, m4a, ogg, opus
            "bytes": int,
            "seconds": float,
            "username": str,
            "uploaded_at": str,
        },
        pk=("installation_id", "lang"),
        not_null={"file", "format", "bytes", "seconds", "uploaded_at"},
        foreign_keys=[("installation_id", "installations", "id")],
    )
    db.table("work_audio").create_index(["file"], unique=True)
    db.table("work_triggers").create(
        {"installation_id": int, "trigger_m": float},
        pk="installation_id",
        not_null={"trigger_m"},
        foreign_keys=[("installation_id", "installations", "id")],
    )
    body = (
        "UPDATE data_changes SET n = n + 1,"
        " changed_at = strftime('%Y-%m-%dT%H:%M:%S+00:00', 'now') WHERE id = 1;"
    )
    published = "(SELECT status FROM installations WHERE id = {row}.installation_id) = 'published'"
    for table in ("work_audio", "work_triggers"):
        for event, row in (("INSERT", "NEW"), ("UPDATE", "NEW"), ("DELETE", "OLD")):
            when = published.format(row=row)
            db.execute(
                f"CREATE TRIGGER {table}_{event.lower()}_counts AFTER {event} ON {table}"
                f" WHEN {when} BEGIN {body} END"
            )


@migrations()
def m017_tours(db: Database) -> None:
    """Curated tours: an ordered selection of works with texts in three languages.

    Tours are public, so every change counts as a data change (as for festivals).
    """
    langs = ("", "_ru", "_kk")
    texts = tuple(
        f"{f}{s}" for f in ("name", "description", "start_note", "end_note") for s in langs
    )
    _table_of_texts(db, "tours", (*texts, "works", *_SOURCE_COLUMNS), ("duration_min",))
    body = (
        "UPDATE data_changes SET n = n + 1,"
        " changed_at = strftime('%Y-%m-%dT%H:%M:%S+00:00', 'now') WHERE id = 1;"
    )
    for event in ("INSERT", "UPDATE", "DELETE"):
        name = f"tours_{event.lower()}_counts"
        db.execute(f"CREATE TRIGGER {name} AFTER {event} ON tours BEGIN {body} END")


@migrations()
def m019_route_records(db: Database) -> None:
    """Routes as records: a key, names in their languages, a city, how they are walked.

    Each stored line (``routes``) now belongs to a route record (``route_id``) and is
    current for that route only. The route stored so far becomes the first record,
    ``esentai``, with its names and description from the line's properties, so
    nothing is lost. Works may be placed on routes by hand (``installations.routes``),
    curators limited to routes (``users.routes``; empty: every route), and a renamed
    route's old keys are kept (``route_slugs``) so its old URLs redirect.
    """
    texts = tuple(f"{f}{s}" for f in ("name", "description", "city") for s in ("", "_ru", "_kk"))
    _table_of_texts(
        db,
        "route_records",
        (*texts, "country", "languages", "direction", "status", *_SOURCE_COLUMNS),
    )
    for column in ("walking_speed_kmh", "trigger_m", "corridor_m"):
        db.table("route_records").add_column(column, float)
    db.table("route_slugs").create(
        {"slug": str, "route_id": int, "created_at": str}, pk="slug", not_null={"route_id"}
    )
    db.table("routes").add_column("route_id", int)
    db.table("installations").add_column("routes", str, not_null_default="")
    db.table("users").add_column("routes", str, not_null_default="")
    body = _COUNT_PUBLIC_CHANGE  # routes are public: every change counts
    for event in ("INSERT", "UPDATE", "DELETE"):
        name = f"route_records_{event.lower()}_counts"
        db.execute(f"CREATE TRIGGER {name} AFTER {event} ON route_records BEGIN {body} END")
    row = db.execute(
        "SELECT properties, created_at FROM routes WHERE is_current = 1 ORDER BY id DESC LIMIT 1"
    ).fetchone()
    if row is None:  # a new database: the seed adds its routes
        return
    props = json.loads(row[0])
    now = _now()
    db.table("route_records").insert(
        {
            "slug": "esentai",
            "name": props.get("name_en") or props.get("name") or "Esentai",
            "name_ru": props.get("name_ru", ""),
            "name_kk": props.get("name_kk", ""),
            "description": props.get("description", ""),
            "city": "Almaty",
            "city_ru": "Алматы",
            "city_kk": "Алматы",
            "country": "KZ",
            "languages": "",
            "direction": "forward",
            "status": "active",
            "walking_speed_kmh": ROUTE_DEFAULTS["walking_speed_kmh"],
            "trigger_m": ROUTE_DEFAULTS["trigger_m"],
            "corridor_m": ROUTE_DEFAULTS["corridor_m"],
            "source_note": props.get("source", ""),
            "text_status_en": "original",
            "created_at": row[1] or now,
            "updated_at": now,
        }
    )
    route_id = db.execute("SELECT id FROM route_records WHERE slug = 'esentai'").fetchone()[0]
    db.execute("UPDATE routes SET route_id = ?", [route_id])
    # Until now every work was a stop of the one route, however far: it stays one.
    db.execute("UPDATE installations SET routes = 'esentai'")
    _record_migrated(db, "route", "route_records", route_id, now)


def _record_migrated(db: Database, kind: str, table: str, record_id: int, at: str) -> None:
    """Start a record's history with the state a migration made, so it can be restored."""
    cur = db.execute(f"SELECT * FROM {table} WHERE id = ?", [record_id])  # noqa: S608
    names = [d[0] for d in cur.description]
    row = dict(zip(names, cur.fetchone(), strict=True))
    snapshot = {k: row.get(k) for k in ("id", *RECORD_EDITABLE[kind])}
    db.table("record_history").insert(
        {
            "record_type": kind,
            "record_id": record_id,
            "version": 1,
            "action": "migrate",
            "at": at,
            "changed": json.dumps(list(snapshot)[1:]),
            "before": None,
            "after": json.dumps(snapshot, ensure_ascii=False),
        }
    )


@migrations()
def m020_content_translations(db: Database) -> None:
    """Content translations move from ``<field>_<lang>`` columns to one table.

    ``translations`` holds one text per entity (``work``, or a record kind), row,
    field and language, so a text may be written in any language (a route in
    Tbilisi carries Georgian) and not only in the columns there were. Every
    non-empty translation of the works and of every record table moves over and
    its column is dropped (``ALTER TABLE ... DROP COLUMN``: the tables' triggers,
    indexes and the works' foreign keys stay as they are). The store gives rows
    back with the same keys as before (:meth:`Store._with_texts`), so the history's
    snapshots restore as they did; the search index holds the same texts.
    """
    db.execute(
        "CREATE TABLE translations (entity TEXT NOT NULL, entity_id INTEGER NOT NULL,"
        " field TEXT NOT NULL, lang TEXT NOT NULL, text TEXT NOT NULL,"
        " PRIMARY KEY (entity, entity_id, field, lang))"
    )
    for entity, table in (("work", "installations"), *RECORD_TABLES.items()):
        fields = text_fields(entity)
        for column in list(db.table(table).columns_dict):
            found = translation_key(column, fields)
            if found is None:
                continue
            db.execute(
                "INSERT INTO translations (entity, entity_id, field, lang, text)"  # noqa: S608
                f" SELECT ?, id, ?, ?, [{column}] FROM [{table}]"
                f" WHERE [{column}] IS NOT NULL AND [{column}] != ''",
                [entity, *found],
            )
            db.execute(f"ALTER TABLE [{table}] DROP COLUMN [{column}]")


@migrations()
def m022_scenario_routes(db: Database) -> None:
    """A saved planner scenario belongs to the route it was made on (``route_id``); the
    scenarios saved before there were several routes belong to the first route."""
    db.table("plan_scenarios").add_column("route_id", int)
    first = db.execute("SELECT id FROM route_records ORDER BY id LIMIT 1").fetchone()
    if first is not None:
        db.execute("UPDATE plan_scenarios SET route_id = ?", [first[0]])


#: Fields a curator edits (everything but the id and bookkeeping), and the OSM id.
EDITABLE = (*(c for c in COLUMNS if c != "id"), "osm_ref")
#: Each record type's table, and the fields a curator edits.
RECORD_TABLES = {
    "festival": "festivals",
    "edition": "editions",
    "artist": "artists",
    "event": "events",
    "tour": "tours",
    "route": "route_records",
}
RECORD_EDITABLE = {k: tuple(c for c in t.columns if c != "id") for k, t in RECORD_TYPES.items()}
#: The columns of each entity's table that a write sets (its translations are kept
#: in the ``translations`` table: see m020).
_ROW_COLUMNS = {
    entity: tuple(c for c in editable if translation_key(c, text_fields(entity)) is None)
    for entity, editable in (("work", EDITABLE), *RECORD_EDITABLE.items())
}
#: The texts of a work that the search index holds besides its names.
_BODY_FIELDS = ("description", "address")
#: Up to how many rows the translations of a list are read by their ids; beyond,
#: all of the entity's translations are read in one go.
_TEXTS_BY_ID = 500
#: The credit columns of a work's photo (see :mod:`mapapp.credits`).
_PHOTO_CREDIT_COLUMNS = ("author", "licence", "taken_on", "caption", "caption_ru", "caption_kk")
#: What a walker's report holds (see m015).
_REPORT_COLUMNS = (
    "kind", "problem", "title", "message", "photo", "contact", "lang",
    "installation_id", "lat", "lon",
)  # fmt: skip
#: The most words of a query that the search looks at.
MAX_SEARCH_WORDS = 12
ROLES = ("curator", "admin")
#: How long an Idempotency-Key of a work's write is remembered (see m018).
REPLAY_DAYS = 90


class NotFound(LookupError):
    """No row with that id."""


class StaleEdit(Exception):
    """The row changed since the editor loaded it; nothing was written."""

    def __init__(self, current: dict[str, Any]):
        super().__init__(f"installation {current['id']} is at version {current['version']}")
        self.current = current


class DuplicateSlug(ValueError):
    """Another installation (or record of the same type) already uses this slug."""


class KeyInUse(ValueError):
    """Works or editions refer to this record's key, so the key cannot change."""


class ReportClosed(Exception):
    """The report was accepted or rejected already; nothing was changed."""


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


#: How long a brand-new, still empty database file may take to get its first page:
#: another process starting at the same moment may have just created it.
_CREATION_GRACE_S = 5.0


def _wait_while_created(path: Path, wal: Path) -> None:
    """Give a just-created empty file (another first start) time to get written."""
    import time

    deadline = time.monotonic() + _CREATION_GRACE_S
    while time.monotonic() < deadline:
        if path.stat().st_size > 0 or (wal.exists() and wal.stat().st_size > 0):
            return
        if time.time() - path.stat().st_mtime > _CREATION_GRACE_S:
            return  # an old empty file: someone expected it to hold data
        time.sleep(0.05)


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
    if new_ok and path.stat().st_size == 0:
        _wait_while_created(path, wal)
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


def _journal_in_wal(db: Database, timeout: float) -> None:
    """Put the database in WAL mode, waiting up to ``timeout`` while another process
    holds it: changing the journal mode does not wait on the busy timeout, and a
    first start finds the other first start migrating the new file."""
    import time

    deadline = time.monotonic() + timeout
    while True:
        try:
            db.execute("PRAGMA journal_mode = WAL")
            return
        except sqlite3.OperationalError as exc:
            if not is_busy(exc) or time.monotonic() > deadline:
                raise
            time.sleep(0.05)


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


class Store:
    """Reads and writes of installations and routes over one database."""

    def __init__(self, db: Database):
        self.db = db
        self._texts_table = False  # whether the translations table exists (m020)

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
                _journal_in_wal(db, timeout)
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
        edition: str | None = None,
        artist: str | None = None,
        route: tuple[str, tuple[float, float, float, float]] | None = None,
    ) -> list[dict[str, Any]]:
        """Installations matching the filters, by id. ``bbox`` is (W, S, E, N).

        ``festival``, ``edition`` and ``artist`` are keys of those records; ``route``
        is a route's key and the box around its corridor: the works in the box or
        placed on that route by hand.
        """
        where = [f"status IN ({', '.join('?' for _ in statuses)})"]
        params: list[Any] = list(statuses)
        if kind is not None:
            where.append("kind = ?")
            params.append(kind)
        if festival is not None:
            where.append("festival = ?")
            params.append(festival)
        if edition is not None:
            where.append("edition = ?")
            params.append(edition)
        if artist is not None:
            where.append("(';' || artists || ';') LIKE ?")
            params.append(f"%;{artist};%")
        if bbox is not None:
            where.append("lon BETWEEN ? AND ? AND lat BETWEEN ? AND ?")
            params.extend([bbox[0], bbox[2], bbox[1], bbox[3]])
        if route is not None:
            slug, (west, south, east, north) = route
            where.append(
                "((lon BETWEEN ? AND ? AND lat BETWEEN ? AND ?)"
                " OR (routes != '' AND (';' || routes || ';') LIKE ?))"
            )
            params.extend([west, east, south, north, f"%;{slug};%"])
        sql = f"SELECT * FROM installations WHERE {' AND '.join(where)} ORDER BY id"  # noqa: S608
        return self._with_texts("work", self.db.query(sql, params))

    def installation(self, id: int, *, published_only: bool = True) -> dict[str, Any] | None:
        """One installation by id, or ``None``."""
        sql = "SELECT * FROM installations WHERE id = ?"
        if published_only:
            sql += " AND status = 'published'"
        rows = self._with_texts("work", self.db.query(sql, [id]))
        return rows[0] if rows else None

    def installation_by_slug(
        self, slug: str, *, published_only: bool = True
    ) -> dict[str, Any] | None:
        """One installation by slug, or ``None``."""
        sql = "SELECT * FROM installations WHERE slug = ?"
        if published_only:
            sql += " AND status = 'published'"
        rows = self._with_texts("work", self.db.query(sql, [slug]))
        return rows[0] if rows else None

    def all_installations(self) -> list[dict[str, Any]]:
        """Every installation in every status, in the CSV's columns plus version."""
        wanted = (*COLUMNS, "osm_ref", "version")
        cols = ", ".join(c for c in wanted if c not in _fixed_keys("work"))
        sql = f"SELECT {cols} FROM installations ORDER BY id"  # noqa: S608
        rows = self._with_texts("work", self.db.query(sql))
        return [
            {**{k: r.get(k, "") for k in wanted}, **{k: r[k] for k in r if k not in wanted}}
            for r in rows
        ]

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
        keys = _with_extras(EDITABLE, "work", before or {}, after)
        changed = [k for k in keys if before is None or before.get(k) != after.get(k)]
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
        rows = self._with_texts(
            "work", self.db.query("SELECT * FROM installations WHERE id = ?", [row_id])
        )
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
        row = {k: fields.get(k) for k in _ROW_COLUMNS["work"]}
        row.update(version=1, created_at=now, updated_at=now)
        if fields.get("id") is not None:
            row["id"] = fields["id"]
        table = self.db.table("installations")
        table.insert(row)
        row_id = int(row.get("id") or table.last_pk or 0)
        self._write_texts("work", row_id, {k: v for k, v in fields.items() if v})
        if row.get("photo"):
            self._set_cover(row_id, "", str(row["photo"]))
        after = self._snapshot(row_id)
        assert after is not None
        self._record(row_id, 1, action, username, None, _public_fields(after))
        self._index_works([after])
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
        changes = _changes("work", EDITABLE, before, fields)
        if not changes:
            return before
        if "slug" in changes and self._slug_taken(changes["slug"], row_id):
            raise DuplicateSlug(changes["slug"])
        version = before["version"] + 1
        row_changes = {k: v for k, v in changes.items() if k in _ROW_COLUMNS["work"]}
        sets = "".join(f"[{k}] = ?, " for k in row_changes)
        cur = self.db.execute(
            f"UPDATE installations SET {sets}version = ?, updated_at = ?"  # noqa: S608
            " WHERE id = ? AND version = ?",
            [*row_changes.values(), version, _now(), row_id, before["version"]],
        )
        if cur.rowcount != 1:  # changed between our read and write
            current = self._snapshot(row_id)
            assert current is not None
            raise StaleEdit(current)
        self._write_texts("work", row_id, changes)
        if "photo" in changes:
            self._set_cover(row_id, before.get("photo") or "", changes["photo"] or "")
        after = self._snapshot(row_id)
        assert after is not None
        self._record(
            row_id, version, action, username, _public_fields(before), _public_fields(after)
        )
        self._index_works([after])
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
            # fields added since that version keep their current values; the
            # photos are kept apart (their own rows), so a restore keeps them
            fields = {k: snapshot[k] for k in EDITABLE if k in snapshot and k != "photo"}
            fields.update(self._restored_extras("work", self._snapshot(row_id), snapshot))
            return self._update(
                row_id,
                fields,
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

    # festivals, editions and artists ---------------------------------------------------
    def records(self, kind: str) -> list[dict[str, Any]]:
        """Every festival, edition or artist (``kind``), in a reading order."""
        order = {
            "festival": "name COLLATE NOCASE",
            "edition": "festival, year, number, name COLLATE NOCASE",
            "artist": "name COLLATE NOCASE",
            "event": "start, name COLLATE NOCASE",
            "tour": "name COLLATE NOCASE",
            "route": "status, id",
        }[kind]
        sql = f"SELECT * FROM {RECORD_TABLES[kind]} ORDER BY {order}, id"  # noqa: S608
        return self._with_texts(kind, self.db.query(sql))

    def record(self, kind: str, id: int) -> dict[str, Any] | None:
        sql = f"SELECT * FROM {RECORD_TABLES[kind]} WHERE id = ?"  # noqa: S608
        rows = self._with_texts(kind, self.db.query(sql, [id]))
        return rows[0] if rows else None

    def record_by_slug(self, kind: str, slug: str) -> dict[str, Any] | None:
        sql = f"SELECT * FROM {RECORD_TABLES[kind]} WHERE slug = ?"  # noqa: S608
        rows = self._with_texts(kind, self.db.query(sql, [slug]))
        return rows[0] if rows else None

    def references(self) -> References:
        """Every festival, edition and artist by key, for checking what works refer to."""
        return References.from_rows(
            self.records("festival"), self.records("edition"), self.records("artist")
        )

    def uses_of(self, kind: str, slug: str) -> int:
        """How many works (and, for a festival, editions; for an edition, events) refer to
        a record's key. Nothing refers to an event or a tour."""
        count = len(self._works_referring(kind, slug))
        if kind == "festival":
            row = self.db.execute("SELECT count(*) FROM editions WHERE festival = ?", [slug])
            count += row.fetchone()[0]
        if kind == "edition":
            row = self.db.execute("SELECT count(*) FROM events WHERE edition = ?", [slug])
            count += row.fetchone()[0]
        return count

    def _works_referring(self, kind: str, slug: str) -> list[dict[str, Any]]:
        if kind in ("event", "tour", "route"):  # works do not refer to these by column
            return []
        if kind == "artist":
            sql = "SELECT * FROM installations WHERE (';' || artists || ';') LIKE ?"
            return self._with_texts("work", self.db.query(sql, [f"%;{slug};%"]))
        sql = f"SELECT * FROM installations WHERE [{kind}] = ?"  # noqa: S608
        return self._with_texts("work", self.db.query(sql, [slug]))

    def insert_missing_records(self, kind: str, records: Iterable[Any]) -> int:
        """Insert festivals, editions or artists whose key is not stored yet; how many.

        As :meth:`insert_missing`: a stored record is never touched.
        """
        added = 0
        with self.write():
            for rec in records:
                row = rec.model_dump()
                if self.record_by_slug(kind, row["slug"]) is not None:
                    continue
                row.pop("id", None)
                self._create_record(kind, row, None, "seed")
                added += 1
        return added

    def create_record(
        self, kind: str, fields: dict[str, Any], username: str | None, action: str = "create"
    ) -> dict[str, Any]:
        """Insert a festival, edition or artist and record it in history."""
        with self.write():
            return self._create_record(kind, fields, username, action)

    def _create_record(
        self, kind: str, fields: dict[str, Any], username: str | None, action: str
    ) -> dict[str, Any]:
        if self.record_by_slug(kind, fields["slug"]) is not None:
            raise DuplicateSlug(fields["slug"])
        if kind == "route":  # a new route takes the key: the old one's URLs are its
            self.db.execute("DELETE FROM route_slugs WHERE slug = ?", [fields["slug"]])
        now = _now()
        # fields not given take the table's defaults
        row = {k: fields[k] for k in _ROW_COLUMNS[kind] if k in fields}
        row.update(version=1, created_at=now, updated_at=now)
        table = self.db.table(RECORD_TABLES[kind])
        table.insert(row)
        self._write_texts(kind, int(table.last_pk or 0), {k: v for k, v in fields.items() if v})
        after = self.record(kind, int(table.last_pk or 0))
        assert after is not None
        self._record_change(kind, after["id"], 1, action, username, None, after)
        return after

    def update_record(
        self,
        kind: str,
        record_id: int,
        fields: dict[str, Any],
        expected_version: int,
        username: str | None,
        action: str = "update",
    ) -> dict[str, Any]:
        """Change a festival, edition or artist still at ``expected_version``.

        Raises :class:`NotFound`, :class:`StaleEdit` (nothing written),
        :class:`DuplicateSlug`, or :class:`KeyInUse` when the key would change while
        works refer to it. The works that show its name are indexed again.
        """
        with self.write():
            return self._update_record(kind, record_id, fields, expected_version, username, action)

    def _update_record(
        self,
        kind: str,
        record_id: int,
        fields: dict[str, Any],
        expected_version: int | None,
        username: str | None,
        action: str,
    ) -> dict[str, Any]:
        table = RECORD_TABLES[kind]
        before = self.record(kind, record_id)
        if before is None:
            raise NotFound(record_id)
        if expected_version is not None and before["version"] != expected_version:
            raise StaleEdit(before)
        changes = _changes(kind, RECORD_EDITABLE[kind], before, fields)
        if not changes:
            return before
        if "slug" in changes:
            taken = self.record_by_slug(kind, changes["slug"])
            if taken is not None and taken["id"] != record_id:
                raise DuplicateSlug(changes["slug"])
            if kind == "route":  # a route may be renamed: its old URLs redirect
                self._rename_route(record_id, before["slug"], changes["slug"])
            elif self.uses_of(kind, before["slug"]):
                raise KeyInUse(before["slug"])
        version = before["version"] + 1
        row_changes = {k: v for k, v in changes.items() if k in _ROW_COLUMNS[kind]}
        sets = "".join(f"[{k}] = ?, " for k in row_changes)
        cur = self.db.execute(
            f"UPDATE {table} SET {sets}version = ?, updated_at = ?"  # noqa: S608
            " WHERE id = ? AND version = ?",
            [*row_changes.values(), version, _now(), record_id, before["version"]],
        )
        if cur.rowcount != 1:
            current = self.record(kind, record_id)
            assert current is not None
            raise StaleEdit(current)
        self._write_texts(kind, record_id, changes)
        after = self.record(kind, record_id)
        assert after is not None
        self._record_change(kind, record_id, version, action, username, before, after)
        if any(c.startswith("name") for c in changes):
            self._index_works(self._works_referring(kind, after["slug"]))
        return after

    def _record_change(
        self,
        kind: str,
        record_id: int,
        version: int,
        action: str,
        username: str | None,
        before: dict[str, Any] | None,
        after: dict[str, Any],
    ) -> None:
        fixed = RECORD_EDITABLE[kind]
        editable = _with_extras(fixed, kind, before or {}, after)
        snap_before = (
            None
            if before is None
            else {k: before.get(k) for k in ("id", *_with_extras(fixed, kind, before))}
        )
        snap_after = {k: after.get(k) for k in ("id", *_with_extras(fixed, kind, after))}
        changed = [k for k in editable if before is None or before.get(k) != after.get(k)]
        self.db.table("record_history").insert(
            {
                "record_type": kind,
                "record_id": record_id,
                "version": version,
                "action": action,
                "username": username,
                "at": _now(),
                "changed": json.dumps(changed),
                "before": None
                if snap_before is None
                else json.dumps(snap_before, ensure_ascii=False),
                "after": json.dumps(snap_after, ensure_ascii=False),
            }
        )

    def record_history(self, kind: str, record_id: int) -> list[dict[str, Any]]:
        """Every recorded change of one festival, edition or artist, newest first."""
        rows = self.db.query(
            "SELECT * FROM record_history WHERE record_type = ? AND record_id = ? ORDER BY id DESC",
            [kind, record_id],
        )
        out = []
        for r in rows:
            r = dict(r)
            r["changed"] = json.loads(r["changed"] or "[]")
            r["before"] = json.loads(r["before"]) if r["before"] else None
            r["after"] = json.loads(r["after"])
            out.append(r)
        return out

    def restore_record(
        self,
        kind: str,
        record_id: int,
        history_id: int,
        expected_version: int,
        username: str | None,
    ) -> dict[str, Any]:
        """Make the state recorded in history entry ``history_id`` current again."""
        with self.write():
            entry = self.db.execute(
                "SELECT after FROM record_history WHERE id = ? AND record_type = ?"
                " AND record_id = ?",
                [history_id, kind, record_id],
            ).fetchone()
            if entry is None:
                raise NotFound(history_id)
            snapshot = json.loads(entry[0])
            fields = {k: snapshot[k] for k in RECORD_EDITABLE[kind] if k in snapshot}
            fields.update(self._restored_extras(kind, self.record(kind, record_id), snapshot))
            return self._update_record(
                kind, record_id, fields, expected_version, username, "restore"
            )

    # search ------------------------------------------------------------------------
    def _record_names(self, rows: list[dict[str, Any]]) -> dict[tuple[str, str], list[str]]:
        """The names in every language of the festivals, editions and artists that
        works refer to, by kind and key (one query per kind)."""
        wanted: dict[str, set[str]] = {"festival": set(), "edition": set(), "artist": set()}
        for row in rows:
            wanted["festival"].add(row.get("festival") or "")
            wanted["edition"].add(row.get("edition") or "")
            wanted["artist"].update(split_keys(row.get("artists")))
        names: dict[tuple[str, str], list[str]] = {}
        for kind, keys in wanted.items():
            keys.discard("")
            if not keys:
                continue
            marks = ", ".join("?" for _ in keys)
            sql = f"SELECT * FROM {RECORD_TABLES[kind]} WHERE slug IN ({marks})"  # noqa: S608
            for found in self._with_texts(kind, self.db.query(sql, sorted(keys))):
                names[(kind, found["slug"])] = _texts_of(found, "name", kind)
        return names

    def _search_document(
        self, row: dict[str, Any], names: dict[tuple[str, str], list[str]]
    ) -> dict[str, str]:
        """What the search index holds for one work: its names, and its other texts."""
        texts = [*_texts_of(row, "title", "work"), row.get("artist") or ""]
        keys = [
            ("festival", row.get("festival") or ""),
            ("edition", row.get("edition") or ""),
            *(("artist", k) for k in split_keys(row.get("artists"))),
        ]
        for key in keys:
            texts.extend(names.get(key, []))
        title_text = " ".join(n for n in texts if n)
        body_text = " ".join(t for f in _BODY_FIELDS for t in _texts_of(row, f, "work"))
        return {
            "title": title_text,
            "title_latin": fold(title_text),
            "body": body_text,
            "body_latin": fold(body_text),
        }

    def _index_works(self, rows: Iterable[dict[str, Any]]) -> None:
        rows = list(rows)
        names = self._record_names(rows)
        for row in rows:
            self.db.execute("DELETE FROM installation_search WHERE rowid = ?", [row["id"]])
            doc = self._search_document(row, names)
            self.db.execute(
                "INSERT INTO installation_search (rowid, title, title_latin, body, body_latin)"
                " VALUES (?, ?, ?, ?, ?)",
                [row["id"], doc["title"], doc["title_latin"], doc["body"], doc["body_latin"]],
            )

    def rebuild_search_index(self) -> int:
        """Index every work again (after a migration, or to repair); returns how many."""
        with self.write():
            self.db.execute("DELETE FROM installation_search")
            rows = self._with_texts("work", self.db.query("SELECT * FROM installations"))
            self._index_works(rows)
        return len(rows)

    def search(
        self, query: str, *, statuses: tuple[str, ...] = ("published",), limit: int = 50
    ) -> list[int]:
        """Ids of the works matching every word of ``query``, best first.

        Each word matches as written or as the beginning of a word (``kaste`` finds
        Kasteyev), in any language, case-insensitively, and across Cyrillic and Latin
        through the folded columns (``kasteyev`` finds Кастеев and Қастеев). Titles,
        credits, artists' and festivals' names count more than descriptions.
        """
        parts = []
        for word in words(query)[:MAX_SEARCH_WORDS]:
            as_written = f'{{title body}} : "{word}" *'
            folded = fold_word(word)
            if folded:
                as_written = f'({as_written} OR {{title_latin body_latin}} : "{folded}" *)'
            parts.append(as_written)
        if not parts:
            return []
        marks = ", ".join("?" for _ in statuses)
        sql = (
            "SELECT s.rowid FROM installation_search AS s"  # noqa: S608 (marks are "?")
            " JOIN installations AS i ON i.id = s.rowid"
            f" WHERE installation_search MATCH ? AND i.status IN ({marks})"
            " ORDER BY bm25(installation_search, 10.0, 10.0, 1.0, 1.0), i.id LIMIT ?"
        )
        rows = self.db.execute(sql, [" AND ".join(parts), *statuses, limit]).fetchall()
        return [r[0] for r in rows]

    def photo_is_public(self, name: str) -> bool:
        """Whether a stored photo belongs to a published installation (or its life)."""
        row = self.db.execute(
            "SELECT 1 FROM work_photos AS p JOIN installations AS i ON i.id = p.installation_id"
            " WHERE p.name = ? AND i.status = 'published'",
            [name],
        ).fetchone()
        return row is not None or self.life_photo_is_public(name)

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
                "SELECT id, username, role, active, created_at, routes FROM users ORDER BY username"
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
            if k in ("role", "active", "password_hash", "routes") and v is not None
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

    # routes ----------------------------------------------------------------
    def route_records(self, *, active_only: bool = False) -> list[dict[str, Any]]:
        """Every route record (active first, then by age); ``active_only``: not retired."""
        rows = self.records("route")
        return [r for r in rows if r["status"] == "active"] if active_only else rows

    def default_route(self) -> dict[str, Any] | None:
        """The route the unprefixed (old) URLs mean: the oldest active one; a route with
        a line comes before one still waiting for its first, even a retired one."""
        lined = {r[0] for r in self.db.execute("SELECT route_id FROM routes WHERE is_current = 1")}
        rows = self.route_records()  # active first, then the oldest
        rows = sorted(rows, key=lambda r: r["id"] not in lined)  # stable
        return rows[0] if rows else None

    def route_renames(self) -> dict[str, str]:
        """Every old key of a renamed route, with the route's key today."""
        rows = self.db.execute(
            "SELECT s.slug, r.slug FROM route_slugs s JOIN route_records r ON r.id = s.route_id"
        )
        return dict(rows.fetchall())

    def _route_id(self, route_id: int | None) -> int | None:
        if route_id is not None:
            return route_id
        default = self.default_route()
        return None if default is None else int(default["id"])

    def current_route(self, route_id: int | None = None) -> dict[str, Any] | None:
        """The current line of route ``route_id`` (of :meth:`default_route` when ``None``)
        as ``{"id", "route_id", "coordinates", "properties"}``, or ``None``."""
        rid = self._route_id(route_id)
        rows = list(
            self.db.query(
                "SELECT * FROM routes WHERE is_current = 1 AND route_id IS ?"
                " ORDER BY id DESC LIMIT 1",
                [rid],
            )
        )
        return _line(rows[0]) if rows else None

    def current_lines(self) -> dict[int, dict[str, Any]]:
        """Every route's current line, by route id."""
        rows = self.db.query("SELECT * FROM routes WHERE is_current = 1 ORDER BY id")
        return {r["route_id"]: _line(r) for r in rows if r["route_id"] is not None}

    def set_route(
        self,
        coordinates: list[list[float]],
        properties: dict[str, Any],
        username: str | None = None,
        route_id: int | None = None,
    ) -> int:
        """Store a new current line of route ``route_id`` (the default route when
        ``None``); its earlier lines stay as history. Returns the line's id."""
        with self.write():
            rid = self._route_id(route_id)
            self.db.execute(
                "UPDATE routes SET is_current = 0 WHERE is_current = 1 AND route_id IS ?", [rid]
            )
            table = self.db.table("routes")
            table.insert(
                {
                    "coordinates": json.dumps(coordinates),
                    "properties": json.dumps(properties, ensure_ascii=False),
                    "is_current": 1,
                    "created_at": _now(),
                    "username": username,
                    "route_id": rid,
                }
            )
            return int(table.last_pk or 0)

    def route(self, line_id: int | None = None) -> dict[str, Any] | None:
        """A stored line with its coordinates: ``line_id``, or the first one stored
        (the line the database was seeded with) when ``None``.
        """
        if line_id is None:
            rows = list(self.db.query("SELECT * FROM routes ORDER BY id LIMIT 1"))
        else:
            rows = list(self.db.query("SELECT * FROM routes WHERE id = ?", [line_id]))
        return _line(rows[0]) if rows else None

    def routes(self, route_id: int | None = None) -> list[dict[str, Any]]:
        """Every stored line of route ``route_id`` (the default route when ``None``),
        newest first, without coordinates."""
        return [
            dict(r)
            for r in self.db.query(
                "SELECT id, route_id, is_current, created_at, username, properties,"
                " length(coordinates) AS size FROM routes WHERE route_id IS ? ORDER BY id DESC",
                [self._route_id(route_id)],
            )
        ]

    def make_route_current(self, line_id: int) -> None:
        """Make stored line ``line_id`` its route's current line again."""
        with self.write():
            row = self.db.execute("SELECT route_id FROM routes WHERE id = ?", [line_id]).fetchone()
            if row is None:
                raise NotFound(line_id)
            self.db.execute(
                "UPDATE routes SET is_current = (id = ?) WHERE route_id IS ?", [line_id, row[0]]
            )

    # planner scenarios ---------------------------------------------------------
    def save_scenario(
        self,
        name: str,
        sites: list[list[float]],
        settings: dict[str, Any],
        username: str | None,
        route_id: int | None = None,
    ) -> dict[str, Any]:
        """Store a scenario (``sites`` as ``[[lon, lat], ...]``) made on the route
        ``route_id`` (``None``: the default route); return it."""
        now = _now()
        table = self.db.table("plan_scenarios")
        if route_id is None:
            default = self.default_route()
            route_id = default["id"] if default else None
        with self.write():
            table.insert(
                {
                    "route_id": route_id,
                    "name": name,
                    "sites": json.dumps(sites),
                    "settings": json.dumps(settings, ensure_ascii=False),
                    "drafts": "{}",
                    "username": username,
                    "created_at": now,
                    "updated_at": now,
                }
            )
            found = self.scenario(int(table.last_pk or 0))
        assert found is not None
        return found

    def scenarios(self) -> list[dict[str, Any]]:
        """Every saved scenario, newest first."""
        rows = self.db.query("SELECT * FROM plan_scenarios ORDER BY id DESC")
        return [_scenario_row(r) for r in rows]

    def scenario(self, scenario_id: int) -> dict[str, Any] | None:
        rows = list(self.db.query("SELECT * FROM plan_scenarios WHERE id = ?", [scenario_id]))
        return _scenario_row(rows[0]) if rows else None

    def delete_scenario(self, scenario_id: int) -> None:
        """Remove a saved scenario (drafts made from it stay, as works)."""
        with self.write():
            cur = self.db.execute("DELETE FROM plan_scenarios WHERE id = ?", [scenario_id])
            if cur.rowcount != 1:
                raise NotFound(scenario_id)

    def record_scenario_drafts(self, scenario_id: int, drafts: dict[int, int]) -> None:
        """Note which installation each of a scenario's sites became."""
        with self.write():
            found = self.scenario(scenario_id)
            if found is None:
                raise NotFound(scenario_id)
            merged = {**found["drafts"], **drafts}
            self.db.execute(
                "UPDATE plan_scenarios SET drafts = ?, updated_at = ? WHERE id = ?",
                [json.dumps({str(k): v for k, v in merged.items()}), _now(), scenario_id],
            )

    # change detection ---------------------------------------------------------
    def data_version(self) -> str:
        """A token that changes whenever public data (published works, the route) changes.

        Drafts and retired works can change without moving it, so caches of public
        pages keyed by it stay valid while curators work on drafts.
        """
        row = self.db.execute("SELECT n FROM data_changes WHERE id = 1").fetchone()
        return str(row[0])

    def works_version(self, statuses: tuple[str, ...]) -> str:
        """A token that changes whenever a work of these statuses (drafts too) changes.

        Every change of a work raises its version, and a work leaving or joining the
        statuses changes the count, so the sum of versions and the count say it.
        """
        marks = ", ".join("?" for _ in statuses)
        row = self.db.execute(
            f"SELECT count(*), coalesce(sum(version), 0), coalesce(max(id), 0)"  # noqa: S608
            f" FROM installations WHERE status IN ({marks})",
            list(statuses),
        ).fetchone()
        return f"{row[0]}.{row[1]}.{row[2]}"

    def data_changed_at(self) -> str | None:
        """When public data last changed (ISO 8601, UTC), or ``None``.

        Shown to walkers as the age of the data a map saved for offline use holds.
        """
        row = self.db.execute("SELECT changed_at FROM data_changes WHERE id = 1").fetchone()
        return row[0] if row and row[0] else None

    # --- events and works' life (issue 14) -------------------------------------------
    # Events are records (``kind="event"``: see records(), create_record()...); what
    # follows is the dated life history of works, kept in its own table.

    def life_entries(
        self, installation_id: int | None = None, *, withdrawn: bool = False
    ) -> list[dict[str, Any]]:
        """Life entries of one work (or of all works), by work, date and id.

        Withdrawn entries are left out unless ``withdrawn`` is true.
        """
        where, params = [], []
        if installation_id is not None:
            where.append("installation_id = ?")
            params.append(installation_id)
        if not withdrawn:
            where.append("withdrawn_at IS NULL")
        sql = "SELECT * FROM work_status_history"
        if where:
            sql += " WHERE " + " AND ".join(where)
        sql += " ORDER BY installation_id, date, id"
        return [dict(r) for r in self.db.query(sql, params)]

    def public_life(self) -> dict[int, list[dict[str, Any]]]:
        """The life entries of published works (not withdrawn), by work id."""
        rows = self.db.query(
            "SELECT h.installation_id, h.status, h.date, h.note, h.source_url, h.photo"
            " FROM work_status_history h JOIN installations i ON i.id = h.installation_id"
            " WHERE i.status = 'published' AND h.withdrawn_at IS NULL"
            " ORDER BY h.installation_id, h.date, h.id"
        )
        out: dict[int, list[dict[str, Any]]] = {}
        for r in rows:
            work = r.pop("installation_id")
            out.setdefault(work, []).append(dict(r))
        return out

    def add_life_entry(
        self, installation_id: int, fields: dict[str, Any], username: str | None
    ) -> dict[str, Any]:
        """Add a dated status to a work's life (the work must exist)."""
        with self.write():
            if self._snapshot(installation_id) is None:
                raise NotFound(installation_id)
            row = {k: fields.get(k) or "" for k in ("status", "date", "note", "source_url")}
            row["photo"] = fields.get("photo") or ""
            row.update(installation_id=installation_id, username=username, at=_now())
            table = self.db.table("work_status_history")
            table.insert(row)
            return dict(table.get(int(table.last_pk or 0)))

    def withdraw_life_entry(
        self, installation_id: int, entry_id: int, username: str | None
    ) -> dict[str, Any]:
        """Withdraw a wrong life entry: it stays stored, marked with who and when."""
        with self.write():
            cur = self.db.execute(
                "UPDATE work_status_history SET withdrawn_by = ?, withdrawn_at = ?"
                " WHERE id = ? AND installation_id = ? AND withdrawn_at IS NULL",
                [username, _now(), entry_id, installation_id],
            )
            if cur.rowcount != 1:
                raise NotFound(entry_id)
            return dict(self.db.table("work_status_history").get(entry_id))

    def life_photo_is_public(self, name: str) -> bool:
        """Whether a stored photo is of a published work's life entry."""
        row = self.db.execute(
            "SELECT 1 FROM work_status_history h JOIN installations i ON i.id ="
            " h.installation_id WHERE h.photo = ? AND i.status = 'published'"
            " AND h.withdrawn_at IS NULL",
            [name],
        ).fetchone()
        return row is not None

    # --- work photos ---------------------------------------------------------------
    # Several photos per work (m014), in ``position`` order; the first is the cover,
    # whose name the work's ``photo`` column mirrors (kept by :meth:`_sync_cover`,
    # without a new version: adding a photo is no edit of the work's fields).

    def work_photos(self, work_id: int) -> list[dict[str, Any]]:
        """A work's photos, cover first."""
        return [
            dict(r)
            for r in self.db.query(
                "SELECT * FROM work_photos WHERE installation_id = ? ORDER BY position, id",
                [work_id],
            )
        ]

    def photos_by_work(self, statuses: tuple[str, ...] = ("published",)) -> dict[int, list]:
        """The photos of every work of these statuses, by work id, cover first."""
        marks = ", ".join("?" for _ in statuses)
        out: dict[int, list[dict[str, Any]]] = {}
        for r in self.db.query(
            "SELECT p.* FROM work_photos AS p JOIN installations AS i"  # noqa: S608
            f" ON i.id = p.installation_id WHERE i.status IN ({marks})"
            " ORDER BY p.installation_id, p.position, p.id",
            list(statuses),
        ):
            out.setdefault(r["installation_id"], []).append(dict(r))
        return out

    def work_photo(self, photo_id: int) -> dict[str, Any] | None:
        rows = list(self.db.query("SELECT * FROM work_photos WHERE id = ?", [photo_id]))
        return rows[0] if rows else None

    def work_photo_by_key(self, username: str, key: str) -> dict[str, Any] | None:
        """The photo this user uploaded with this ``Idempotency-Key``, or ``None``."""
        if not key:
            return None
        rows = list(
            self.db.query(
                "SELECT * FROM work_photos WHERE username = ? AND idempotency_key = ?",
                [username, key],
            )
        )
        return rows[0] if rows else None

    def add_work_photo(
        self, work_id: int, name: str, credits: dict[str, Any], username: str, key: str = ""
    ) -> tuple[dict[str, Any], bool]:
        """Add a stored file as a work's last photo; ``(photo, True)``.

        With a ``key`` this user used before, nothing is added and the photo then
        added is returned as ``(photo, False)``: a replayed upload is no duplicate.
        """
        with self.write():
            earlier = self.work_photo_by_key(username, key)
            if earlier is not None:
                return earlier, False
            if self._snapshot(work_id) is None:
                raise NotFound(work_id)
            last = self.db.execute(
                "SELECT coalesce(max(position), -1) FROM work_photos WHERE installation_id = ?",
                [work_id],
            ).fetchone()[0]
            table = self.db.table("work_photos")
            table.insert(
                {
                    **credits,
                    "installation_id": work_id,
                    "name": name,
                    "position": last + 1,
                    "idempotency_key": key,
                    "username": username,
                    "created_at": _now(),
                }
            )
            photo_id = int(table.last_pk or 0)
            self._sync_cover(work_id)
            found = self.work_photo(photo_id)
        assert found is not None
        return found, True

    def update_work_photo(self, photo_id: int, credits: dict[str, Any]) -> dict[str, Any]:
        """Change a photo's credit fields."""
        allowed = {k: v for k, v in credits.items() if k in _PHOTO_CREDIT_COLUMNS}
        with self.write():
            if self.work_photo(photo_id) is None:
                raise NotFound(photo_id)
            if allowed:
                self.db.table("work_photos").update(photo_id, allowed)
            found = self.work_photo(photo_id)
        assert found is not None
        return found

    def delete_work_photo(self, photo_id: int) -> dict[str, Any]:
        """Remove a photo's row (the caller removes its file); the next one is the cover."""
        with self.write():
            found = self.work_photo(photo_id)
            if found is None:
                raise NotFound(photo_id)
            self.db.execute("DELETE FROM work_photos WHERE id = ?", [photo_id])
            self._renumber(found["installation_id"])
            self._sync_cover(found["installation_id"])
        return found

    def reorder_work_photos(self, work_id: int, order: list[int]) -> list[dict[str, Any]]:
        """Put a work's photos in this order of their ids (every one of them, once)."""
        with self.write():
            ids = [p["id"] for p in self.work_photos(work_id)]
            if sorted(order) != sorted(ids) or len(set(order)) != len(order):
                raise ValueError("give every photo of the work once")
            for position, photo_id in enumerate(order):
                self.db.execute(
                    "UPDATE work_photos SET position = ? WHERE id = ? AND position != ?",
                    [position, photo_id, position],
                )
            self._sync_cover(work_id)
        return self.work_photos(work_id)

    def photo_in_use(self, name: str) -> bool:
        """Whether any row (a work's photo, a work's cover) points at a stored file."""
        return name in self.stored_photo_names()

    def stored_photo_names(self) -> set[str]:
        """Every file name a row points at: works' photos and covers, reports' photos,
        the photos of works' life entries."""
        names = {r[0] for r in self.db.execute("SELECT name FROM work_photos")}
        names |= {
            r[0] for r in self.db.execute("SELECT photo FROM installations WHERE photo != ''")
        }
        tables = self.db.table_names()
        if "reports" in tables:
            names |= {r[0] for r in self.db.execute("SELECT photo FROM reports WHERE photo != ''")}
        if "work_status_history" in tables:  # the photos of works' life entries
            names |= {
                r[0]
                for r in self.db.execute("SELECT photo FROM work_status_history WHERE photo != ''")
            }
        return names

    def _renumber(self, work_id: int) -> None:
        for position, photo in enumerate(self.work_photos(work_id)):
            if photo["position"] != position:
                self.db.execute(
                    "UPDATE work_photos SET position = ? WHERE id = ?", [position, photo["id"]]
                )

    def _sync_cover(self, work_id: int) -> None:
        """The work's ``photo`` names its first photo (or is empty without one)."""
        self.db.execute(
            "UPDATE installations SET photo = coalesce((SELECT name FROM work_photos"
            " WHERE installation_id = ? ORDER BY position, id LIMIT 1), '')"
            " WHERE id = ? AND photo IS NOT coalesce((SELECT name FROM work_photos"
            " WHERE installation_id = ? ORDER BY position, id LIMIT 1), '')",
            [work_id, work_id, work_id],
        )

    def _set_cover(self, work_id: int, old: str, new: str) -> None:
        """A write set the work's ``photo`` (a seed, an import, a form's "remove"):
        ``new`` becomes its first photo, or without one the old cover is dropped."""
        if not new:
            self.db.execute(
                "DELETE FROM work_photos WHERE installation_id = ? AND name = ?", [work_id, old]
            )
        else:
            first = self.db.execute(
                "SELECT coalesce(min(position), 0) FROM work_photos WHERE installation_id = ?",
                [work_id],
            ).fetchone()[0]
            cur = self.db.execute(
                "UPDATE work_photos SET position = ? WHERE installation_id = ? AND name = ?",
                [first - 1, work_id, new],
            )
            if cur.rowcount == 0:
                self.db.table("work_photos").insert(
                    {
                        "installation_id": work_id,
                        "name": new,
                        "position": first - 1,
                        "created_at": _now(),
                    }
                )
        self._renumber(work_id)
        self._sync_cover(work_id)

    # --- walkers' reports ------------------------------------------------------------
    # What walkers send (m015) waits here, never public, until a curator accepts it
    # (a draft work, or a change through mapapp.editing) or rejects it with a reason.

    def add_report(self, fields: dict[str, Any]) -> dict[str, Any]:
        allowed = {k: v for k, v in fields.items() if k in _REPORT_COLUMNS}
        table = self.db.table("reports")
        with self.write():
            table.insert({**allowed, "status": "new", "created_at": _now()})
            found = self.report(int(table.last_pk or 0))
        assert found is not None
        return found

    def report(self, report_id: int) -> dict[str, Any] | None:
        rows = list(self.db.query("SELECT * FROM reports WHERE id = ?", [report_id]))
        return rows[0] if rows else None

    def reports(self, status: str | None = "new", limit: int = 500) -> list[dict[str, Any]]:
        """Reports of a status (all with ``None``), oldest first: the review queue."""
        params: list[Any] = [limit]
        sql = "SELECT * FROM reports ORDER BY id LIMIT ?"
        if status is not None:
            sql = "SELECT * FROM reports WHERE status = ? ORDER BY id LIMIT ?"
            params = [status, limit]
        return [dict(r) for r in self.db.query(sql, params)]

    def count_reports(self, status: str = "new") -> int:
        return self.db.execute(
            "SELECT count(*) FROM reports WHERE status = ?", [status]
        ).fetchone()[0]

    def review_report(
        self,
        report_id: int,
        status: str,
        username: str,
        reason: str = "",
        outcome_work_id: int | None = None,
        keep_photo: bool = True,
    ) -> dict[str, Any]:
        """Close a new report as ``accepted`` or ``rejected``; a second review is refused."""
        with self.write():
            cur = self.db.execute(
                "UPDATE reports SET status = ?, reason = ?, outcome_work_id = ?,"
                " reviewed_by = ?, reviewed_at = ?, photo = CASE WHEN ? THEN photo ELSE '' END"
                " WHERE id = ? AND status = 'new'",
                [status, reason, outcome_work_id, username, _now(), keep_photo, report_id],
            )
            if cur.rowcount != 1:
                if self.report(report_id) is None:
                    raise NotFound(report_id)
                raise ReportClosed(report_id)
            found = self.report(report_id)
        assert found is not None
        return found

    def add_notification(self, fields: dict[str, Any]) -> dict[str, Any]:
        table = self.db.table("notifications")
        with self.write():
            table.insert({**fields, "created_at": _now()})
            found = list(self.db.query("SELECT * FROM notifications WHERE id = ?", [table.last_pk]))
        return found[0]

    def notifications(self, report_id: int | None = None) -> list[dict[str, Any]]:
        """Messages to reporters, newest first (the outbox holds the unsent ones)."""
        if report_id is None:
            return [dict(r) for r in self.db.query("SELECT * FROM notifications ORDER BY id DESC")]
        return [
            dict(r)
            for r in self.db.query(
                "SELECT * FROM notifications WHERE report_id = ? ORDER BY id DESC", [report_id]
            )
        ]

    def mark_notification(self, notification_id: int, sent_at: str, error: str) -> None:
        with self.write():
            self.db.execute(
                "UPDATE notifications SET sent_at = ?, error = ? WHERE id = ?",
                [sent_at, error, notification_id],
            )

    # --- replayed writes -------------------------------------------------------------
    # (m018) An Idempotency-Key remembers what its write did, per curator, so an
    # offline queue sent twice changes nothing the second time (see editing._once).

    def replay(self, username: str, key: str) -> dict[str, Any] | None:
        """What the write this user sent with ``key`` did, or ``None``."""
        rows = list(
            self.db.query(
                "SELECT * FROM write_replays WHERE username = ? AND key = ?", [username, key]
            )
        )
        return rows[0] if rows else None

    def remember_replay(
        self,
        username: str,
        key: str,
        action: str,
        fingerprint: str,
        work_id: int,
        version: int,
    ) -> None:
        """Remember that the write sent with ``key`` did ``action`` on a work's version.

        Keys older than :data:`REPLAY_DAYS` are forgotten meanwhile: a queue is sent
        within days (a survey's fix is refused after 30).
        """
        oldest = (dt.datetime.now(dt.UTC) - dt.timedelta(days=REPLAY_DAYS)).isoformat(
            timespec="seconds"
        )
        with self.write():
            self.db.execute("DELETE FROM write_replays WHERE created_at < ?", [oldest])
            self.db.table("write_replays").insert(
                {
                    "username": username,
                    "key": key,
                    "action": action,
                    "fingerprint": fingerprint,
                    "installation_id": work_id,
                    "version": version,
                    "created_at": _now(),
                }
            )

    # --- walk mode: audio stories and trigger zones ---------------------------------
    def work_audio(self, installation_id: int) -> dict[str, dict[str, Any]]:
        """A work's audio stories by language."""
        rows = self.db.execute(
            "SELECT * FROM work_audio WHERE installation_id = ? ORDER BY lang", [installation_id]
        )
        names = [d[0] for d in rows.description]
        return {r[1]: dict(zip(names, r, strict=True)) for r in rows.fetchall()}

    def published_audio(self) -> list[dict[str, Any]]:
        """Every audio story of a published work (for walk mode's data)."""
        rows = self.db.execute(
            "SELECT a.* FROM work_audio a JOIN installations i ON i.id = a.installation_id"
            " WHERE i.status = 'published' ORDER BY a.installation_id, a.lang"
        )
        names = [d[0] for d in rows.description]
        return [dict(zip(names, r, strict=True)) for r in rows.fetchall()]

    def audio_file_names(self) -> set[str]:
        """Every stored audio file name that a work refers to."""
        return {r[0] for r in self.db.execute("SELECT file FROM work_audio").fetchall()}

    def audio_is_public(self, name: str) -> bool:
        """Whether a stored audio file belongs to a published work."""
        row = self.db.execute(
            "SELECT 1 FROM work_audio a JOIN installations i ON i.id = a.installation_id"
            " WHERE a.file = ? AND i.status = 'published'",
            [name],
        ).fetchone()
        return row is not None

    def set_audio(self, installation_id: int, lang: str, fields: dict[str, Any]) -> str | None:
        """Attach (or replace) a work's audio in ``lang``; returns the file it replaced."""
        with self.write():
            if self.installation(installation_id, published_only=False) is None:
                raise NotFound(installation_id)
            old = self.work_audio(installation_id).get(lang)
            row = {
                "installation_id": installation_id,
                "lang": lang,
                "uploaded_at": _now(),
                **fields,
            }
            self.db.table("work_audio").upsert(row, pk=("installation_id", "lang"))
        return old["file"] if old and old["file"] != fields.get("file") else None

    def remove_audio(self, installation_id: int, lang: str) -> str | None:
        """Detach a work's audio in ``lang``; returns the file it used, if any."""
        with self.write():
            old = self.work_audio(installation_id).get(lang)
            if old is None:
                return None
            self.db.execute(
                "DELETE FROM work_audio WHERE installation_id = ? AND lang = ?",
                [installation_id, lang],
            )
        return str(old["file"])

    def trigger_zones(self) -> dict[int, float]:
        """The works whose trigger zone a curator set, in metres, by work id."""
        rows = self.db.execute("SELECT installation_id, trigger_m FROM work_triggers")
        return {int(r[0]): float(r[1]) for r in rows.fetchall()}

    def set_trigger_zone(self, installation_id: int, trigger_m: float | None) -> None:
        """Set a work's trigger zone, or (``None``) go back to the default."""
        with self.write():
            if self.installation(installation_id, published_only=False) is None:
                raise NotFound(installation_id)
            self.db.execute(
                "DELETE FROM work_triggers WHERE installation_id = ?", [installation_id]
            )
            if trigger_m is not None:
                self.db.table("work_triggers").insert(
                    {"installation_id": installation_id, "trigger_m": float(trigger_m)}
                )

    # --- route admin (issue 16) ---------------------------------------------------
    def _rename_route(self, route_id: int, old: str, new: str) -> None:
        """Within a route's update: keep ``old`` as a key that redirects, and write
        ``new`` wherever the key is stored (works' and accounts' ``routes``, and the
        works' history, so restoring an earlier version keeps the route)."""
        self.db.execute("DELETE FROM route_slugs WHERE slug = ?", [new])
        self.db.execute(
            "INSERT OR REPLACE INTO route_slugs (slug, route_id, created_at) VALUES (?, ?, ?)",
            [old, route_id, _now()],
        )
        pattern = f"%;{old};%"
        for table in ("installations", "users"):
            rows = self.db.execute(
                f"SELECT id, routes FROM {table} WHERE (';' || routes || ';') LIKE ?",  # noqa: S608
                [pattern],
            ).fetchall()
            for row_id, keys in rows:
                renamed = KEY_SEPARATOR.join(new if k == old else k for k in split_keys(keys))
                self.db.execute(
                    f"UPDATE {table} SET routes = ? WHERE id = ?",  # noqa: S608
                    [renamed, row_id],
                )
        rows = self.db.execute(
            "SELECT id, before, after FROM history WHERE after LIKE ? OR before LIKE ?",
            [f"%{old}%", f"%{old}%"],
        ).fetchall()
        for entry_id, before, after in rows:
            docs = [json.loads(d) if d else None for d in (before, after)]
            for doc in docs:
                if doc and old in split_keys(doc.get("routes")):
                    doc["routes"] = KEY_SEPARATOR.join(
                        new if k == old else k for k in split_keys(doc["routes"])
                    )
            self.db.execute(
                "UPDATE history SET before = ?, after = ? WHERE id = ?",
                [
                    *(None if d is None else json.dumps(d, ensure_ascii=False) for d in docs),
                    entry_id,
                ],
            )

    def route_old_keys(self, route_id: int) -> list[str]:
        """The keys route ``route_id`` had before (they redirect to it)."""
        rows = self.db.execute(
            "SELECT slug FROM route_slugs WHERE route_id = ? ORDER BY created_at, slug", [route_id]
        )
        return [r[0] for r in rows.fetchall()]

    def users_limited_to(self, slug: str) -> list[str]:
        """The accounts whose routes name ``slug``."""
        rows = self.db.execute(
            "SELECT username FROM users WHERE (';' || routes || ';') LIKE ? ORDER BY username",
            [f"%;{slug};%"],
        )
        return [r[0] for r in rows.fetchall()]

    def delete_route(self, route_id: int, expected_version: int, username: str | None) -> None:
        """Remove a route: its lines, old keys and record (its history keeps a "delete"
        entry). The caller checks first that no work is on it (see
        :func:`mapapp.editing.delete_route`)."""
        with self.write():
            before = self.record("route", route_id)
            if before is None:
                raise NotFound(route_id)
            if before["version"] != expected_version:
                raise StaleEdit(before)
            self._record_change(
                "route", route_id, before["version"] + 1, "delete", username, before, before
            )
            self.db.execute("DELETE FROM routes WHERE route_id = ?", [route_id])
            self.db.execute("DELETE FROM route_slugs WHERE route_id = ?", [route_id])
            self.db.execute("DELETE FROM route_records WHERE id = ?", [route_id])

    # --- content translations (issue 16) ---------------------------------------------
    # (m020) The texts of works and records in languages other than the base one are
    # rows of ``translations``; reads merge them into the rows as ``<field>_<lang>``
    # keys (every text in ru and kk, empty when not written, and further languages
    # where written), and writes store them in the same transaction as the row.
    # A change of a translation is a change of its row (a new version, counted as a
    # public change when the row's is), so the table needs no triggers of its own.

    def _has_translations(self) -> bool:
        if not self._texts_table:
            self._texts_table = self.db.table("translations").exists()
        return self._texts_table

    def _with_texts(self, entity: str, rows: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
        """``rows`` of a work (``entity="work"``) or a record kind with their
        translations merged in, read in one query for the whole list."""
        out = [dict(r) for r in rows]
        if not out:
            return out
        found: dict[int, dict[str, str]] = {}
        if self._has_translations():
            sql = "SELECT entity_id, field, lang, text FROM translations WHERE entity = ?"
            params: list[Any] = [entity]
            if len(out) <= _TEXTS_BY_ID:
                sql += f" AND entity_id IN ({', '.join('?' for _ in out)})"
                params.extend(r["id"] for r in out)
            for entity_id, field, lang, text in self.db.execute(sql, params).fetchall():
                found.setdefault(entity_id, {})[f"{field}_{lang}"] = text
        fixed = _fixed_keys(entity)
        for row in out:
            mine = found.get(row["id"], {})
            for key in fixed:  # before m020 the row has the column: it stays
                row.setdefault(key, "")
            for key in sorted(mine):  # a column made again after m020 stays empty
                row[key] = mine[key]
        return out

    def _write_texts(self, entity: str, entity_id: int, fields: dict[str, Any]) -> None:
        """Store the translations among ``fields`` (an empty text removes one)."""
        texts = text_fields(entity)
        keep, drop = [], []
        for key, value in fields.items():
            found = translation_key(key, texts)
            if found is None:
                continue
            if value not in (None, ""):
                keep.append([entity, entity_id, *found, str(value)])
            else:
                drop.append([entity, entity_id, *found])
        if drop:
            self.db.conn.executemany(
                "DELETE FROM translations WHERE entity = ? AND entity_id = ? AND field = ?"
                " AND lang = ?",
                drop,
            )
        if keep:
            self.db.conn.executemany(
                "INSERT OR REPLACE INTO translations (entity, entity_id, field, lang, text)"
                " VALUES (?, ?, ?, ?, ?)",
                keep,
            )

    def translation_languages(self) -> list[str]:
        """Every language some text of a work or a record is written in, sorted."""
        if not self._has_translations():
            return []
        rows = self.db.execute("SELECT DISTINCT lang FROM translations ORDER BY lang")
        return [r[0] for r in rows.fetchall()]

    @staticmethod
    def _restored_extras(
        entity: str, current: dict[str, Any] | None, snapshot: dict[str, Any]
    ) -> dict[str, Any]:
        """The texts in further languages a restore writes: the snapshot's, and an
        empty text (removed) for each one stored now that the snapshot did not have."""
        then = set(_extra_keys(entity, snapshot))
        out = {k: snapshot[k] for k in sorted(then)}
        out.update((k, "") for k in _extra_keys(entity, current or {}) if k not in then)
        return out

    # --- route public (issue 16) ---------------------------------------------------
    def work_points(
        self, route: tuple[str, tuple[float, float, float, float]]
    ) -> list[dict[str, Any]]:
        """The id, kind, position and hand-placed routes of the published works in a
        route's box or placed on it (``route`` as for :meth:`installations`)."""
        slug, (west, south, east, north) = route
        rows = self.db.query(
            "SELECT id, kind, lon, lat, routes FROM installations WHERE status = 'published'"
            " AND ((lon BETWEEN ? AND ? AND lat BETWEEN ? AND ?)"
            " OR (routes != '' AND (';' || routes || ';') LIKE ?))",
            [west, east, south, north, f"%;{slug};%"],
        )
        return [dict(r) for r in rows]

    def route_scenarios(self, route_id: int) -> list[dict[str, Any]]:
        """The scenarios saved on route ``route_id``, newest first."""
        rows = self.db.query(
            "SELECT * FROM plan_scenarios WHERE route_id = ? ORDER BY id DESC", [route_id]
        )
        return [_scenario_row(r) for r in rows]


def _fixed_keys(entity: str) -> tuple[str, ...]:
    """The translation keys every row of the entity has (``title_ru``, ``title_kk``...)."""
    return tuple(f"{f}_{lang}" for f in text_fields(entity) for lang in FIXED_CONTENT_LANGUAGES)


def _extra_keys(entity: str, row: dict[str, Any]) -> list[str]:
    """The keys of ``row`` holding texts in further languages (``title_ka``), in order."""
    fixed = _fixed_keys(entity)
    return [k for k in translation_keys(row, entity) if k not in fixed]


def _with_extras(keys: tuple[str, ...], entity: str, *rows: dict[str, Any]) -> tuple[str, ...]:
    """``keys`` and then the keys of texts in further languages that ``rows`` hold."""
    extras = sorted({k for row in rows for k in _extra_keys(entity, row)} - set(keys))
    return (*keys, *extras)


def _texts_of(row: dict[str, Any], field: str, entity: str) -> list[str]:
    """A field's text and its translations in ``row``, the base one first."""
    keys = [k for k in translation_keys(row, entity) if k.rpartition("_")[0] == field]
    return [str(row.get(k) or "") for k in (field, *keys)]


def _changes(
    entity: str, editable: tuple[str, ...], before: dict[str, Any], fields: dict[str, Any]
) -> dict[str, Any]:
    """The fields of a write that differ from the stored row (a translation not
    stored and one written empty are the same)."""
    texts = text_fields(entity)
    out: dict[str, Any] = {}
    for key, value in fields.items():
        if translation_key(key, texts) is not None:
            if (before.get(key) or "") != (value or ""):
                out[key] = value or ""
        elif key in editable and before.get(key) != value:
            out[key] = value
    return out


def _line(row: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": row["id"],
        "route_id": row["route_id"],
        "coordinates": json.loads(row["coordinates"]),
        "properties": json.loads(row["properties"]),
        "created_at": row["created_at"],
    }


def _scenario_row(row: dict[str, Any]) -> dict[str, Any]:
    out = dict(row)
    out["sites"] = [tuple(p) for p in json.loads(row["sites"])]
    out["settings"] = json.loads(row["settings"] or "{}")
    out["drafts"] = {int(k): int(v) for k, v in json.loads(row["drafts"] or "{}").items()}
    return out


def _public_fields(row: dict[str, Any]) -> dict[str, Any]:
    return {k: row.get(k) for k in ("id", *_with_extras(EDITABLE, "work", row))}
