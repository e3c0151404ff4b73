"""Walk mode on the server: audio stories (checks, tags, storage, serving with Range),
trigger zones, the walk data, the curators' page, and the walk rules mirrored in geo."""

from __future__ import annotations

import io
import os
import time
from pathlib import Path

import mutagen
import pytest

from mapapp import audio, contract, editing, geo
from mapapp.editing import Workspace
from mapapp.store import NotFound, Store

from .audio_support import story, tagged, wav

MB = 1_000_000


def workspace(store: Store, media: Path) -> Workspace:
    route = geo.Route.from_coords(store.current_route()["coordinates"])
    return Workspace(
        store=store, route=route, username="cora", max_offset_m=1000.0, media_dir=media
    )


def published_id(store: Store, n: int = 0) -> int:
    return store.installations()[n]["id"]


# checking a file -----------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["ogg", "opus", "mp3"])
def test_accepted_formats_lose_their_tags(fmt):
    data = tagged(story(1.0, fmt))
    assert b"Secret title" in data
    checked = audio.check_audio(data, MB, 60)
    assert checked.format == fmt
    assert checked.seconds == pytest.approx(1.0, abs=0.15)
    assert b"Secret title" not in checked.data and b"GPS 43.2" not in checked.data
    again = mutagen.File(io.BytesIO(checked.data))
    assert again is not None and audio.tag_count(again) == 0
    assert again.info.length == pytest.approx(checked.seconds, abs=0.15)


@pytest.mark.parametrize(
    ("data", "code"),
    [
        (b"", "audio_empty"),
        (b"not audio at all, just words" * 10, "audio_format"),
        (wav(), "audio_format"),  # WAV is not one of the formats
        (b"\x89PNG\r\n\x1a\n" + b"\0" * 100, "audio_format"),
    ],
)
def test_refused_files_say_why(data, code):
    with pytest.raises(audio.AudioError) as exc:
        audio.check_audio(data, MB, 60)
    assert exc.value.code == code


def test_size_and_duration_limits():
    data = story(3.0)
    with pytest.raises(audio.AudioError) as exc:
        audio.check_audio(data, len(data) - 1, 60)
    assert exc.value.code == "audio_too_big" and exc.value.params["limit"] == "0"
    with pytest.raises(audio.AudioError) as exc:
        audio.check_audio(data, MB, 2.0)
    assert exc.value.code == "audio_too_long"
    assert audio.check_audio(data, MB, 3.5).seconds == pytest.approx(3.0, abs=0.15)


def test_a_truncated_file_is_refused():
    data = story(2.0)
    with pytest.raises(audio.AudioError):
        audio.check_audio(data[:60], MB, 60)


# storing ------------------------------------------------------------------------------


def test_attach_replace_and_remove_keep_no_orphans(store, tmp_path):
    media = tmp_path / "media"
    ws = workspace(store, media)
    work = published_id(store)
    before = store.data_version()
    first = editing.attach_audio(ws, work, "ru", audio.check_audio(story(1.0), MB, 60))
    assert audio.AUDIO_RE.fullmatch(first)
    assert (media / "audio" / first).is_file()
    assert store.data_version() != before  # a published work's story is a public change
    row = store.work_audio(work)["ru"]
    assert row["format"] == "ogg" and row["bytes"] == (media / "audio" / first).stat().st_size
    assert store.audio_is_public(first)

    second = editing.attach_audio(ws, work, "ru", audio.check_audio(story(1.5, "mp3"), MB, 60))
    assert second != first and second.endswith(".mp3")
    assert not (media / "audio" / first).exists()  # the replaced file is gone
    assert store.work_audio(work)["ru"]["file"] == second

    assert editing.remove_audio(ws, work, "ru") is True
    assert not (media / "audio" / second).exists()
    assert store.work_audio(work) == {}
    assert editing.remove_audio(ws, work, "ru") is False


def test_orphans_are_removed_once_old(tmp_path):
    media = tmp_path / "media"
    folder = media / "audio"
    folder.mkdir(parents=True)
    kept, orphan, fresh = "0" * 16 + ".ogg", "1" * 16 + ".mp3", "2" * 16 + ".opus"
    for name in (kept, orphan, fresh, ".x.ogg.tmp", "README"):
        (folder / name).write_bytes(b"x")
    old = time.time() - audio.ORPHAN_AGE_S - 10
    for name in (kept, orphan, ".x.ogg.tmp", "README"):
        os.utime(folder / name, (old, old))
    removed = audio.remove_orphans(media, {kept})
    assert removed == sorted([orphan, ".x.ogg.tmp"])
    assert sorted(p.name for p in folder.iterdir()) == sorted([kept, fresh, "README"])


def test_a_failed_write_leaves_no_file(store, tmp_path):
    media = tmp_path / "media"
    ws = workspace(store, media)
    with pytest.raises(NotFound):
        editing.attach_audio(ws, 987654, "en", audio.check_audio(story(), MB, 60))
    # refused before any file is written: no audio folder, or an empty one
    folder = media / "audio"
    assert not folder.exists() or list(folder.iterdir()) == []


def test_trigger_zone_bounds(store, tmp_path):
    ws = workspace(store, tmp_path)
    work = published_id(store)
    editing.set_trigger_zone(ws, work, 45.0)
    assert store.trigger_zones() == {work: 45.0}
    for bad in (contract.TRIGGER_MIN_M - 1, contract.TRIGGER_MAX_M + 1, -1.0):
        with pytest.raises(editing.Invalid) as exc:
            editing.set_trigger_zone(ws, work, bad)
        assert exc.value.errors[0].field == "trigger_m"
    editing.set_trigger_zone(ws, work, None)
    assert store.trigger_zones() == {}


# the public side ---------------------------------------------------------------------------


def attach(db_path: Path, media: Path, work: int, lang: str, data: bytes) -> str:
    store = Store.open(db_path)
    try:
        return editing.attach_audio(
            workspace(store, media), work, lang, audio.check_audio(data, MB, 60)
        )
    finally:
        store.close()


def test_walk_data_per_language(curator_app, db_path, tmp_path):
    client = curator_app.test_client()
    store = Store.open(db_path)
    works = store.installations()
    store.close()
    name = attach(db_path, tmp_path / "media", works[0]["id"], "ru", story(1.0))
    ru = client.get("/api/routes/esentai/walk.json?lang=ru").get_json()
    en = client.get("/api/routes/esentai/walk.json?lang=en").get_json()
    assert ru["lang"] == "ru" and len(ru["works"]) == len(works)
    assert ru["lengthM"] > 5000 and len(ru["route"]) >= 2
    by_id = {w["id"]: w for w in ru["works"]}
    first = by_id[works[0]["id"]]
    assert first["audio"]["url"] == f"/audio/{name}" and first["audio"]["type"] == "audio/ogg"
    assert ru["audioBytes"] == first["audio"]["bytes"] > 0
    assert en["audioBytes"] == 0  # stories only in the page's language
    assert {a["name"] for a in ru["access"]} >= {"проспект Абая"}
    for w in ru["works"]:
        assert w["trigger"] == contract.TRIGGER_M
        if w["offset"] > w["trigger"]:
            assert w["access"]["name"] and w["access"]["m"] > 0
        else:
            assert w["access"] is None


def test_audio_is_served_with_ranges_and_only_when_public(curator_app, db_path, tmp_path):
    store = Store.open(db_path)
    work = store.installations()[0]
    store.close()
    data = story(1.0)
    name = attach(db_path, tmp_path / "media", work["id"], "en", data)
    stored = (tmp_path / "media" / "audio" / name).read_bytes()
    client = curator_app.test_client()
    with client.get(f"/audio/{name}") as whole:
        assert whole.status_code == 200 and whole.data == stored
        assert whole.mimetype == "audio/ogg"
        assert "immutable" in whole.headers["Cache-Control"]
        assert whole.headers["Accept-Ranges"] == "bytes"
    with client.get(f"/audio/{name}", headers={"Range": "bytes=10-109"}) as part:
        assert part.status_code == 206 and part.data == stored[10:110]
        assert part.headers["Content-Range"] == f"bytes 10-109/{len(stored)}"
    assert client.get(f"/audio/{'f' * 16}.ogg").status_code == 404
    assert client.get("/audio/../mapapp.sqlite").status_code == 404

    # a draft's story is the curators' only, never cached on the way
    store = Store.open(db_path)
    store.db.execute("UPDATE installations SET status = 'draft' WHERE id = ?", [work["id"]])
    store.db.conn.commit()
    store.close()
    assert client.get(f"/audio/{name}").status_code == 404
    curator = curator_app.test_client()
    curator.post("/login", data={"username": "cora", "password": "curator-pass-1"})
    with curator.get(f"/audio/{name}") as private:
        assert private.status_code == 200 and "no-store" in private.headers["Cache-Control"]


def test_curators_page_sets_zone_and_stories(curator_app, db_path, tmp_path):
    client = curator_app.test_client()
    store = Store.open(db_path)
    work = store.installations()[0]["id"]
    store.close()
    assert client.get(f"/curator/{work}/walk").status_code in (302, 401)  # signed out
    client.post("/login", data={"username": "cora", "password": "curator-pass-1"})
    page = client.get(f"/curator/{work}/walk")
    assert page.status_code == 200 and b"Trigger zone" in page.data

    bad = client.post(f"/curator/{work}/walk", data={"action": "trigger", "trigger_m": "2"})
    assert bad.status_code == 400 and b"from 5 to 300 m" in bad.data
    words = client.post(f"/curator/{work}/walk", data={"action": "trigger", "trigger_m": "far"})
    assert words.status_code == 400
    ok = client.post(f"/curator/{work}/walk", data={"action": "trigger", "trigger_m": "45"})
    assert ok.status_code == 302

    upload = {"action": "upload", "lang": "kk", "audio_kk": (io.BytesIO(tagged(story())), "a.ogg")}
    assert client.post(f"/curator/{work}/walk", data=upload).status_code == 302
    refused = {"action": "upload", "lang": "kk", "audio_kk": (io.BytesIO(wav()), "a.ogg")}
    page = client.post(f"/curator/{work}/walk", data=refused)
    assert page.status_code == 400 and b"not MP3, M4A, Ogg Vorbis or Opus" in page.data
    missing = client.post(f"/curator/{work}/walk", data={"action": "upload", "lang": "kk"})
    assert missing.status_code == 400 and b"Choose an audio file" in missing.data
    assert client.post(f"/curator/{work}/walk", data={"action": "x"}).status_code == 400
    bad_lang = {"action": "remove", "lang": "de"}
    assert client.post(f"/curator/{work}/walk", data=bad_lang).status_code == 400

    data = client.get("/api/routes/esentai/walk.json?lang=kk").get_json()
    item = next(w for w in data["works"] if w["id"] == work)
    assert item["trigger"] == 45.0 and item["audio"]["bytes"] > 0
    stored = (tmp_path / "media" / "audio" / item["audio"]["url"].rsplit("/", 1)[1]).read_bytes()
    assert b"Secret title" not in stored

    removed = client.post(f"/curator/{work}/walk", data={"action": "remove", "lang": "kk"})
    assert removed.status_code == 302
    assert list((tmp_path / "media" / "audio").glob("*.ogg")) == []
    assert client.get("/curator/999999/walk").status_code == 404


def test_map_page_has_the_walk_panel(client):
    html = client.get("/esentai/?lang=ru").get_data(as_text=True)
    assert 'id="walk-panel"' in html and 'id="walk-settings"' in html
    assert "js/walk.js" in html and "css/walk.css" in html


# the walk rules, mirrored ---------------------------------------------------------------


def test_walk_events_once_per_work_in_walking_order():
    route = geo.Route.from_coords([[76.90, 43.20], [76.90, 43.23]])  # ~3.3 km south to north
    on_a = geo.WalkWork(1, 76.9001, 43.205, 30.0)  # ~8 m off
    on_b = geo.WalkWork(2, 76.9000, 43.215, 30.0)
    off = geo.WalkWork(3, 76.9050, 43.210, 30.0)  # ~400 m off
    walk = [(76.90, 43.20 + i * 0.0001) for i in range(301)]
    events = geo.walk_events(route, [on_a, on_b, off], walk, "forward")
    assert events == [("nudge", 1), ("off-route", 3), ("nudge", 2)]
    back = geo.walk_events(route, [on_a, on_b, off], walk[::-1], "backward")
    assert back == [("nudge", 2), ("off-route", 3), ("nudge", 1)]
    # far from the route: no announcement of the turn
    far = [(76.92, 43.20 + i * 0.0001) for i in range(301)]
    assert geo.walk_events(route, [off], far, "forward", far_m=500.0) == []


@pytest.mark.parametrize("value", ["", "0", "-1", "abc", "nan", "inf", "1e309", "30", " 45 "])
def test_odd_trigger_zones_are_never_a_500(curator_app, value):
    client = curator_app.test_client()
    client.post("/login", data={"username": "cora", "password": "curator-pass-1"})
    for action in ("trigger", "upload", "remove"):
        data = {"action": action, "trigger_m": value, "lang": value.strip() or "en"}
        resp = client.post("/curator/1/walk", data=data)
        assert resp.status_code in (302, 400), (action, value, resp.status_code)
