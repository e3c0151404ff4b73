"""Content translations in their own table (issue 16, point 3).

The migration from the ``<field>_<lang>`` columns (m020), the store's reads and
writes of translations, and the public change counter for them. A Georgian
(``ka``) text stands for a route's own language; it is made up for the tests.
"""

from __future__ import annotations

import json
import sqlite3

import pytest
from flask import url_for

from mapapp import exchange, geo, payloads
from mapapp import store as store_module
from mapapp.catalog import build_walk, localize_stop, stop_feature
from mapapp.editing import (
    Invalid,
    Workspace,
    apply_import,
    content_languages,
    save_record,
    save_work,
)
from mapapp.events import localize_event
from mapapp.records import (
    COLUMNS,
    LANGUAGES,
    fallback_order,
    localized,
    read_csv_text,
    validate_record,
    validate_row,
    write_csv,
    write_records_csv,
)
from mapapp.store import Store, migrations
from mapapp.web.labels import error_text

from .conftest import make_installation

FIRST_NEW = "m020_content_translations"
NOW = "2026-11-01T00:00:00+00:00"


def _work(id: int, slug: str, status: str, version: int, **texts: str) -> dict:
    return {
        "id": id, "slug": slug, "title": f"Work {id}", "kind": "mural", "lat": 43.24,
        "lon": 76.92, "location_precision": "estimated", "source_url": "https://example.org/",
        "status": status, "version": version, "created_at": NOW, "updated_at": NOW, **texts,
    }  # fmt: skip


@pytest.fixture
def old(tmp_path):
    """A database at the schema before m020 with translated works and records, and the
    history of work 1 and of the festival (version 1 had other Russian texts)."""
    store = Store.open(tmp_path / "old.sqlite")
    with store.write():
        migrations.apply(store.db, stop_before=FIRST_NEW)
    db = store.db
    assert "title_ru" in db["installations"].columns_dict
    published = _work(
        1, "red-men", "published", 2, title_ru="Красные люди", title_kk="Қызыл адамдар",
        description_ru="Мурал на стене", how_we_know_kk="Суретшіден",
    )  # fmt: skip
    draft = _work(2, "draft-work", "draft", 1, address_ru="Улица Абая")
    try:
        _fill(store, published, draft)
    except BaseException:
        store.close()
        raise
    yield store
    store.close()


def _fill(store: Store, published: dict, draft: dict) -> None:
    db = store.db
    with store.write():
        db["installations"].insert(published)
        db["installations"].insert(draft)
        old_after = {**published, "title_ru": "Старое название", "version": 1}
        for entry in (
            {"installation_id": 1, "version": 1, "action": "create", "after": old_after},
            {"installation_id": 1, "version": 2, "action": "update", "after": published},
            {"installation_id": 2, "version": 1, "action": "create", "after": draft},
        ):
            db["history"].insert(
                {**entry, "at": NOW, "changed": "[]", "after": json.dumps(entry["after"])}
            )
        festival = {
            "slug": "artbat-fest", "name": "ARTBAT FEST", "name_ru": "АРТБАТ ФЕСТ",
            "version": 2, "created_at": NOW, "updated_at": NOW,
        }  # fmt: skip
        db["festivals"].insert(festival)
        db["artists"].insert(
            {"slug": "ada", "name": "Ada", "bio_kk": "Суретші", "version": 1, "created_at": NOW}
        )
        db["tours"].insert(
            {"slug": "walk", "name": "Walk", "start_note_ru": "От метро", "works": "red-men",
             "version": 1, "created_at": NOW}
        )  # fmt: skip
        db["record_history"].insert(
            {"record_type": "festival", "record_id": 1, "version": 1, "action": "create",
             "at": NOW, "changed": "[]",
             "after": json.dumps({**festival, "id": 1, "name_ru": "Старый фест"})}
        )  # fmt: skip
        db.execute("UPDATE installations SET festival = 'artbat-fest', artists = 'ada'")
        store.rebuild_search_index()


def _rows(store: Store) -> dict:
    """Everything the store gives back of works and records, by kind and id."""
    out = {("work", r["id"]): r for r in store.installations(statuses=("published", "draft"))}
    for kind in store_module.RECORD_TABLES:
        out.update(((kind, r["id"]), r) for r in store.records(kind))
    return out


def _counter(store: Store) -> int:
    return int(store.data_version())


def test_the_migration_moves_every_text_and_the_store_gives_the_same_rows(old):
    before = _rows(old)
    triggers = set(old.db.triggers_dict)
    indexes = {i.name for t in ("installations", "festivals", "events") for i in old.db[t].indexes}
    counter = _counter(old)
    assert old.migrate()[0] == FIRST_NEW  # and those after it
    for table in ("installations", "festivals", "editions", "artists", "events", "tours"):
        columns = old.db[table].columns_dict
        assert not [c for c in columns if c.endswith(("_ru", "_kk")) and "status" not in c]
    assert _rows(old) == before
    assert old.installation(1)["title_ru"] == "Красные люди"
    assert old.installation(2, published_only=False)["address_ru"] == "Улица Абая"
    assert old.record_by_slug("tour", "walk")["start_note_ru"] == "От метро"
    assert set(old.db.triggers_dict) == triggers
    after = {i.name for t in ("installations", "festivals", "events") for i in old.db[t].indexes}
    assert after == indexes
    stored = old.db.execute("SELECT entity, field, lang FROM translations").fetchall()
    assert len(stored) == 8  # only texts that were written: 4 + 1 + 1 + 1 + 1
    assert ("work", "how_we_know", "kk") in stored
    assert _counter(old) == counter  # moving the texts is no change of the data
    assert old.search("Красные") == [1] and old.search("АРТБАТ") == [1]
    assert old.search("Суретші") == []  # an artist's biography is not indexed, as before


def test_an_old_history_version_still_restores_after_the_migration(old):
    old.migrate()
    counter = _counter(old)
    first = old.history(1)[-1]
    restored = old.restore_version(1, first["id"], 2, "cora")
    assert restored["title_ru"] == "Старое название" and restored["version"] == 3
    assert restored["title_kk"] == "Қызыл адамдар"
    assert old.history(1)[0]["changed"] == ["title_ru"]
    assert _counter(old) == counter + 1  # a published work: one public change
    entry = old.record_history("festival", 1)[-1]
    festival = old.restore_record("festival", 1, entry["id"], 2, "cora")
    assert festival["name_ru"] == "Старый фест" and festival["version"] == 3
    assert _counter(old) == counter + 2


def test_translations_of_drafts_do_not_count_as_public_changes(old):
    old.migrate()
    counter, drafts = _counter(old), old.works_version(("draft",))
    draft = old.update_installation(2, {"title_kk": "Жоба"}, 1, "cora")
    assert draft["title_kk"] == "Жоба" and draft["version"] == 2
    assert _counter(old) == counter
    assert old.works_version(("draft",)) != drafts
    old.update_installation(1, {"description_kk": "Қабырғадағы мурал"}, 2, "cora")
    assert _counter(old) == counter + 1
    old.update_record("artist", 1, {"bio_kk": ""}, 1, "cora")  # records are public
    assert _counter(old) == counter + 2
    assert old.record("artist", 1)["bio_kk"] == ""
    assert old.db.execute(
        "SELECT count(*) FROM translations WHERE entity = 'artist'"
    ).fetchone() == (0,)


def test_a_text_in_a_further_language_is_stored_read_and_restored(store):
    work = store.installation(1)
    saved = store.update_installation(1, {"title_ka": "წითელი ხალხი"}, work["version"], "cora")
    assert saved["title_ka"] == "წითელი ხალხი" and saved["version"] == work["version"] + 1
    assert store.installation_by_slug(work["slug"])["title_ka"] == "წითელი ხალხი"
    assert [r["title_ka"] for r in store.installations() if "title_ka" in r] == ["წითელი ხალხი"]
    assert store.all_installations()[0]["title_ka"] == "წითელი ხალხი"
    assert store.history(1)[0]["changed"] == ["title_ka"]
    assert store.search("წითელი") == [1]
    before = store.history(1)[1]  # the version before the Georgian title
    restored = store.restore_version(1, before["id"], saved["version"], "cora")
    assert "title_ka" not in restored and store.search("წითელი") == []


def test_a_records_text_in_a_further_language_and_its_history(store):
    festival = store.records("festival")[0]
    saved = store.update_record(
        "festival", festival["id"], {"name_ro": "Festivalul"}, festival["version"], "cora"
    )
    assert saved["name_ro"] == "Festivalul"
    entry = store.record_history("festival", festival["id"])[0]
    assert entry["changed"] == ["name_ro"] and entry["after"]["name_ro"] == "Festivalul"
    assert "name_ro" not in (entry["before"] or {})
    seeded = store.record_history("festival", festival["id"])[1]
    restored = store.restore_record("festival", festival["id"], seeded["id"], saved["version"], "")
    assert "name_ro" not in restored and restored["name"] == festival["name"]
    store.update_record("festival", festival["id"], {"name_ka": "ფესტი"}, restored["version"], "")
    assert store.references().festival_key("ფესტი") == festival["slug"]  # as in a CSV's cell


def test_a_list_reads_its_translations_in_one_query(store, monkeypatch):
    statements: list[str] = []
    store.db.conn.set_trace_callback(statements.append)
    rows = store.installations()
    store.records("artist")
    store.db.conn.set_trace_callback(None)
    assert len(rows) > 10
    assert len([s for s in statements if "FROM translations" in s]) == 2
    monkeypatch.setattr(store_module, "_TEXTS_BY_ID", 2)  # a long list: all at once
    assert store.installations() == rows


# the fallback order per route ------------------------------------------------------------

#: A made-up route's own order of content languages: Georgian, then English.
KA_ROUTE = ("ka", "en")


def test_without_a_route_order_the_fallbacks_are_as_they_always_were():
    assert fallback_order("ru") == ("ru", "en", "kk")
    assert fallback_order("kk") == ("kk", "en", "ru")
    assert fallback_order("xx") == LANGUAGES
    row = {"title": "Red men", "title_ka": "წითელი", "title_kk": ""}
    assert localized(row, "title", "ru") == ("Red men", "en")
    assert localized(row, "title", "kk") == ("Red men", "en")


def test_a_route_order_comes_after_the_asked_language_and_the_base_field_last():
    assert fallback_order("ru", KA_ROUTE) == ("ru", "ka", "en", "kk")
    assert fallback_order("kk", ("ka",)) == ("kk", "ka", "ru", "en")
    assert fallback_order("en", ("ka",)) == ("en", "ka", "ru", "kk")
    row = {"title": "Red men", "title_ka": "წითელი ხალხი", "title_ru": ""}
    assert localized(row, "title", "ru", KA_ROUTE) == ("წითელი ხალხი", "ka")
    assert localized(row, "title", "en", KA_ROUTE) == ("Red men", "en")
    assert localized({**row, "title_ru": "Красные"}, "title", "ru", KA_ROUTE)[1] == "ru"
    # the remaining languages, a further one the row has too, before the base field
    assert localized({"title": "Base", "title_kk": "Қ"}, "title", "ru", ("ka",)) == ("Қ", "kk")
    assert localized({"title": "Base", "title_ro": "R"}, "title", "ru", ("ka",)) == ("R", "ro")
    assert localized({"title": "Base", "title_ro": "R"}, "title", "ru", KA_ROUTE)[1] == "en"
    assert localized({}, "title", "ru", KA_ROUTE) == ("", "ru")


def _georgian_work(store: Store) -> None:
    store.insert_missing([make_installation(id=901, slug="tbilisi", title="Tbilisi work")])
    fields = {"title_ka": "თბილისი", "description_ka": "აღწერა", "description": "About"}
    store.update_installation(901, fields, 1, "cora")


def test_stops_and_the_maps_tables_fall_back_on_the_route_order(store):
    _georgian_work(store)
    walk = build_walk(store)
    stop = next(s for s in walk.stops if s["id"] == 901)
    shown = localize_stop(stop, "ru", KA_ROUTE)
    assert shown["title"] == "თბილისი" and shown["text_lang"]["title"] == "ka"
    assert "title_ka" not in shown and "description_ka" not in shown
    assert localize_stop(stop, "ru")["title"] == "Tbilisi work"  # no route order: as today
    assert stop_feature(stop)["properties"]["title_ka"] == "თბილისი"  # every translation
    assert "title_ka" not in stop_feature(shown)["properties"]
    exported = json.loads(exchange.export_geojson(store.all_installations()))
    assert {f["properties"].get("title_ka") for f in exported["features"]} == {None, "თბილისი"}
    slim = json.loads(payloads.slim_table(walk, "ru", KA_ROUTE))
    i = slim["id"].index(901)
    assert (slim["title"][i], slim["titleLang"][i]) == ("თბილისი", "ka")
    assert json.loads(payloads.slim_table(walk, "ru"))["title"][i] == "Tbilisi work"
    chunk = i // payloads.DETAILS_CHUNK
    details = json.loads(payloads.details_table(walk, "kk", chunk, KA_ROUTE))
    j = details["id"].index(901)
    assert (details["description"][j], details["descriptionLang"][j]) == ("აღწერა", "ka")


def test_names_of_festivals_and_events_fall_back_on_the_route_order(store):
    festival = store.records("festival")[0]
    texts = {"name_ka": "ფესტი", "name_ru": "", "name_kk": ""}
    store.update_record("festival", festival["id"], texts, festival["version"], "cora")
    walk = build_walk(store)
    stop = next(s for s in walk.stops if s["festival_slug"] == festival["slug"])
    assert stop["festival_name_ka"] == "ფესტი"
    assert localize_stop(stop, "ru", ("ka",))["festival_name"] == "ფესტი"
    assert "festival_name_ka" not in localize_stop(stop, "ru", ("ka",))
    event = {"name": "Opening", "name_ka": "გახსნა", "place_ru": "Парк", "start": "2026-09-01"}
    shown = localize_event(event, "kk", ("ka",))
    assert (shown["name"], shown["text_lang"]["name"]) == ("გახსნა", "ka")
    assert (shown["place"], shown["text_lang"]["place"]) == ("Парк", "ru")
    assert "name_ka" not in shown and "place_ru" not in shown
    assert localize_event(event, "kk")["name"] == "Opening"


# texts in any content language ---------------------------------------------------------


def _row(**fields) -> dict:
    return {**make_installation().model_dump(), **fields}


def test_a_work_takes_texts_in_any_language_babel_knows():
    rec, errors = validate_row(_row(title_ka="  წითელი ხალხი ", description_ro="Pictură"), 2)
    assert errors == []
    dumped = rec.model_dump()
    assert dumped["title_ka"] == "წითელი ხალხი" and dumped["description_ro"] == "Pictură"
    assert "notes" not in validate_row(_row(notes="ignored", kind_ka="x"), 2)[0].model_dump()


def test_unknown_language_codes_and_long_texts_are_refused_per_field(app):
    _, errors = validate_row(_row(title_xq="?", address_en="Abay 1", title_ka="x" * 201), 3)
    by_field = {e.field: e for e in errors}
    assert set(by_field) == {"title_xq", "address_en", "title_ka"}
    assert by_field["title_xq"].code == "unknown_language"
    assert dict(by_field["title_xq"].params) == {"language": "xq", "base": "title"}
    assert by_field["title_ka"].code == "too_long"
    assert dict(by_field["title_ka"].params) == {"max_length": 200}
    with app.test_request_context(headers={"Accept-Language": "ru"}):
        shown = error_text(by_field["title_xq"])
    assert "xq" in shown and "title_ka" in shown and "language code" not in shown
    _, errors = validate_record("artist", {"slug": "a", "name": "A", "bio_xq": "?"}, 2)
    assert [(e.field, e.code) for e in errors] == [("bio_xq", "unknown_language")]
    rec, errors = validate_record("tour", {"slug": "t", "name": "T", "works": "a",
                                           "start_note_ka": "მეტრო"}, 2)  # fmt: skip
    assert errors == [] and rec.model_dump()["start_note_ka"] == "მეტრო"


def test_csv_carries_the_further_languages_the_data_uses(store):
    work = store.installation(1)
    store.update_installation(1, {"title_ka": "=წითელი", "address_ro": "Str"}, work["version"], "")
    text = write_csv(store.all_installations())
    header = text.splitlines()[0].split(",")
    assert header == [*COLUMNS, "address_ro", "title_ka"]
    assert "'=წითელი" in text  # spreadsheet-safe, as every cell
    good, errors = read_csv_text(text)
    assert errors == []
    first = dict(good)[2].model_dump()
    assert first["title_ka"] == "=წითელი" and first["address_ro"] == "Str"
    assert write_csv(store.all_installations()[1:]).splitlines()[0].split(",") == list(COLUMNS)


def test_an_import_adds_and_changes_texts_in_further_languages(store):
    rows = store.all_installations()
    rows[0]["title_ka"] = "თბილისი"
    for row in rows[1:]:
        row["title_ka"] = ""  # an empty cell: nothing to change
    route = geo.Route.from_coords(store.current_route()["coordinates"])
    content = write_csv(rows).encode()
    plan = exchange.plan_import(content, "works.csv", store.all_installations(), route, 1000.0)
    assert plan.errors == [] and plan.creates == []
    assert plan.updates == [(rows[0]["id"], {"title_ka": "თბილისი"})]
    ws = Workspace(store=store, route=route, username="cora")
    apply_import(ws, plan.creates, plan.updates)
    assert store.installation(rows[0]["id"])["title_ka"] == "თბილისი"
    again = exchange.plan_import(content, "works.csv", store.all_installations(), route, 1000.0)
    assert again.updates == []


def test_a_curators_save_keeps_or_changes_texts_in_further_languages(store):
    route = geo.Route.from_coords(store.current_route()["coordinates"])
    ws = Workspace(store=store, route=route, username="cora")
    work = store.installation(1)
    saved = save_work(ws, 1, {"title_ka": "წითელი"}, work["version"])
    assert saved["title_ka"] == "წითელი" and saved["title_ru"] == work["title_ru"]
    kept = save_work(ws, 1, {"title": "Renamed"}, saved["version"])
    assert kept["title_ka"] == "წითელი" and kept["title"] == "Renamed"
    with pytest.raises(Invalid) as refused:
        save_work(ws, 1, {"title_zz": "?"}, kept["version"])
    assert [e.field for e in refused.value.errors] == ["title_zz"]
    festival = store.records("festival")[0]
    record = save_record(ws, "festival", festival["id"], {"name_ro": "Fest"}, festival["version"])
    assert record["name_ro"] == "Fest"
    assert "name_ro" in write_records_csv("festival", store.records("festival")).splitlines()[0]


# the curator's form ----------------------------------------------------------------------


def test_the_work_form_offers_the_further_languages_texts_are_written_in(
    cclient, auth, curator_app
):
    from .test_curator import edit_form

    auth.login()
    store = Store.open(curator_app.config["DB"])
    try:
        assert content_languages(store) == ["kk", "ru"]
        festival = store.records("festival")[0]
        store.update_record("festival", festival["id"], {"name_ka": "ფ"}, festival["version"], "")
        assert content_languages(store) == ["ka", "kk", "ru"]
        page = cclient.get("/curator/1").text
        assert 'name="title_ka"' in page and 'lang="ka"' in page and "ქართული" in page
        assert 'name="title_ro"' not in page
        row = cclient.get("/api/curator/installations/1").json
        form = edit_form(row, title_ka="წითელი", description_ka="მურალი")
        assert cclient.post("/curator/1", data=form).status_code == 302
        saved = store.installation(1, published_only=False)
        assert saved["title_ka"] == "წითელი" and saved["version"] == row["version"] + 1
        stale = cclient.post("/curator/1", data={**form, "title_ka": "სხვა"})
        assert stale.status_code == 409  # the version check, as for every field
        assert store.installation(1, published_only=False)["title_ka"] == "წითელი"
        history = cclient.get("/curator/1/history")
        assert history.status_code == 200 and "წითელი" in history.text
        with curator_app.test_request_context():
            url = url_for("curator_records.history", kind="festival", id=festival["id"])
        assert "ფ" in cclient.get(url).text
        bad = edit_form(saved, title_ka="x" * 201)
        refused = cclient.post("/curator/1", data=bad)
        assert refused.status_code == 400 and 'id="error-title_ka"' in refused.text
    finally:
        store.close()


def test_the_curator_api_takes_texts_in_further_languages(cclient, auth):
    auth.login()
    row = cclient.get("/api/curator/installations/1").json
    resp = cclient.patch(
        "/api/curator/installations/1", json={"version": row["version"], "title_ka": "წითელი"}
    )
    assert resp.status_code == 200 and resp.json["title_ka"] == "წითელი"
    bad = cclient.patch(
        "/api/curator/installations/1",
        json={"version": resp.json["version"], "title_zz": "?", "address_ro": 5},
    )
    assert bad.status_code == 400
    assert bad.json["codes"] == {"title_zz": "unknown_language", "address_ro": "not_text"}


def test_a_translation_wins_over_a_column_of_the_same_name_added_after_m020(store):
    """A migration that ran after m020 and made a ``<field>_<lang>`` column again (a
    branch's, merged later) leaves it empty: the stored translation is what counts."""
    work = store.installation(1)
    with store.write():
        store.db.execute("ALTER TABLE installations ADD COLUMN title_ka TEXT NOT NULL DEFAULT ''")
        store.db.execute("ALTER TABLE installations ADD COLUMN extra_ru TEXT")
    assert store.installation(1)["title_ru"] == work["title_ru"]
    store.update_installation(1, {"title_ka": "წითელი"}, work["version"], "cora")
    assert store.installation(1)["title_ka"] == "წითელი"


def test_opening_waits_while_another_process_holds_the_journal(tmp_path, monkeypatch):
    calls: list[str] = []
    real = store_module.Database.execute

    def busy_once(self, sql, *args, **kwargs):
        if sql.startswith("PRAGMA journal_mode") and not calls:
            calls.append(sql)
            raise sqlite3.OperationalError("database is locked")
        return real(self, sql, *args, **kwargs)

    monkeypatch.setattr(store_module.Database, "execute", busy_once)
    opened = Store.open(tmp_path / "new.sqlite", timeout=2)
    try:
        assert calls and opened.db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    finally:
        opened.close()
