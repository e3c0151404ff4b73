"""Several photos per work with credits: the model, the migration, the JSON API."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from PIL import Image

from mapapp.photos import store_photo
from mapapp.store import Store

from .conftest import make_installation
from .test_curator_data import jpeg_with_gps, png_bytes

CREDIT = {"author": "Aigerim S.", "licence": "CC-BY-4.0", "taken_on": "2026-05-01"}


def upload(client, work_id, data=None, key=None, file=None, headers=None):
    form = {**CREDIT, **(data or {})}
    if file is not False:
        form["file"] = (io.BytesIO(file if file is not None else jpeg_with_gps()), "p.jpg")
    heads = dict(headers or {})
    if key:
        heads["Idempotency-Key"] = key
    return client.post(
        f"/api/curator/works/{work_id}/photos",
        data=form,
        headers=heads,
        content_type="multipart/form-data",
    )


def files_in(media: Path) -> set[str]:
    return {p.name for p in media.glob("*.*")}


def test_the_migration_moves_each_single_photo_over_without_loss(tmp_path):
    """A database from before m014: every work's photo becomes its first (cover) photo."""
    from sqlite_utils import Database

    from mapapp.store import migrations

    path = tmp_path / "old.sqlite"
    db = Database(path)
    pending = list(migrations.pending(db))
    before = [m for m in pending if m.name < "m014"]
    for m in before:  # apply m001..m013 only
        m.fn(db)
        db.table("_sqlite_migrations").insert(
            {"migration_set": "mapapp", "name": m.name, "applied_at": "2026-01-01"}
        )
    db.table("installations").insert_all(
        [
            {"id": 1, "slug": "a", "title": "A", "kind": "mural", "lat": 43.2, "lon": 76.9,
             "status": "published", "photo": "aa11.jpg", "version": 3},
            {"id": 2, "slug": "b", "title": "B", "kind": "mural", "lat": 43.2, "lon": 76.9,
             "status": "draft", "photo": "", "version": 1},
        ]
    )  # fmt: skip
    db.close()
    store = Store.open(path)
    assert "m014_work_photos" in store.migrate()
    assert [p["name"] for p in store.work_photos(1)] == ["aa11.jpg"]
    assert store.work_photos(2) == []
    assert store.installation(1)["photo"] == "aa11.jpg"
    assert store.installation(1)["version"] == 3  # not an edit of the work
    assert store.photo_is_public("aa11.jpg")
    store.close()


def test_api_adds_photos_in_order_the_first_is_the_cover(cclient, auth, curator_app):
    auth.login()
    media = Path(curator_app.config["MEDIA_DIR"])
    first = upload(cclient, 1, {"caption": "North side", "caption_ru": "Север"})
    assert first.status_code == 201, first.json
    body = first.json
    assert body["cover"] and body["position"] == 0 and body["author"] == "Aigerim S."
    assert body["licence"] == "CC-BY-4.0" and body["caption_ru"] == "Север"
    assert first.headers["Location"] == f"/api/curator/works/1/photos/{body['id']}"
    second = upload(cclient, 1, {"licence": "CC0-1.0"}, file=png_bytes()).json
    assert second["position"] == 1 and not second["cover"]
    row = cclient.get("/api/curator/installations/1").json
    assert row["photo"] == body["name"] and row["version"] == 1
    # stripped as the form's photos are: no EXIF (with GPS) left, a phone copy
    with Image.open(media / body["name"]) as img:
        assert not img.getexif()
    assert (media / "phone" / body["name"]).exists()
    # reorder: the second becomes the cover
    resp = cclient.put(
        "/api/curator/works/1/photos/order", json={"order": [second["id"], body["id"]]}
    )
    assert resp.status_code == 200
    assert [p["id"] for p in resp.json["photos"]] == [second["id"], body["id"]]
    assert cclient.get("/api/curator/installations/1").json["photo"] == second["name"]
    # delete: its files go, the other is the cover again
    resp = cclient.delete(f"/api/curator/works/1/photos/{second['id']}")
    assert resp.status_code == 200 and [p["id"] for p in resp.json["photos"]] == [body["id"]]
    assert second["name"] not in files_in(media)
    assert not (media / "phone" / second["name"]).exists()
    assert cclient.get("/api/curator/installations/1").json["photo"] == body["name"]


def test_a_replayed_upload_returns_the_same_photo_never_a_duplicate(cclient, auth, curator_app):
    auth.login()
    media = Path(curator_app.config["MEDIA_DIR"])
    first = upload(cclient, 2, key="0b7c2f4e-queue-1")
    again = upload(cclient, 2, key="0b7c2f4e-queue-1")
    assert first.status_code == 201 and again.status_code == 200
    assert again.headers["Idempotent-Replay"] == "true"
    assert again.json == first.json
    listing = cclient.get("/api/curator/works/2/photos").json["photos"]
    assert [p["id"] for p in listing] == [first.json["id"]]
    assert files_in(media) == {first.json["name"]}
    # the same key for another work's upload is refused, nothing stored
    other = upload(cclient, 3, key="0b7c2f4e-queue-1")
    assert other.status_code == 409 and other.json["error"] == "key_reused"
    assert files_in(media) == {first.json["name"]}
    assert upload(cclient, 2, key="has space").status_code == 400


@pytest.mark.parametrize(
    ("form", "file", "field", "code"),
    [
        ({}, b"GIF89a not really", "file", "photo_not_image"),
        ({}, b"", "file", "photo_empty"),
        ({}, False, "file", "photo_missing"),
        ({"licence": "public-domain-ish"}, None, "licence", "unknown_value"),
        ({"author": ""}, None, "author", "required"),
        ({"taken_on": "2026-13-01"}, None, "taken_on", "date_format"),
        ({"taken_on": "2999-01-01"}, None, "taken_on", "date_future"),
        ({"caption": "x" * 501}, None, "caption", "too_long"),
    ],
)
def test_bad_uploads_are_400_with_codes_and_store_nothing(
    cclient, auth, curator_app, form, file, field, code
):
    auth.login()
    media = Path(curator_app.config["MEDIA_DIR"])
    resp = upload(cclient, 1, form, file=file)
    assert resp.status_code == 400, resp.json
    assert resp.json["codes"][field] == code and resp.json["fields"][field]
    assert cclient.get("/api/curator/works/1/photos").json["photos"] == []
    assert not files_in(media) if media.exists() else True


def test_unknown_works_and_photos_are_404_and_sign_in_is_needed(cclient, auth, curator_app):
    anon = curator_app.test_client()
    assert upload(anon, 1).status_code in (401, 403)
    auth.login()
    assert upload(cclient, 99999).status_code == 404
    assert cclient.delete("/api/curator/works/1/photos/12345").status_code == 404
    assert cclient.get("/api/curator/works/99999/photos").status_code == 404
    photo = upload(cclient, 1).json
    # a photo of work 1 cannot be deleted through work 2
    assert cclient.delete(f"/api/curator/works/2/photos/{photo['id']}").status_code == 404
    bad = cclient.put("/api/curator/works/1/photos/order", json={"order": [photo["id"], 777]})
    assert bad.status_code == 400 and bad.json["codes"]["order"] == "photo_order"
    assert cclient.put("/api/curator/works/1/photos/order", json={"order": "x"}).status_code == 400
    resp = cclient.patch(
        f"/api/curator/works/1/photos/{photo['id']}", json={"caption_kk": "Солтүстік"}
    )
    assert resp.status_code == 200 and resp.json["caption_kk"] == "Солтүстік"
    resp = cclient.patch(f"/api/curator/works/1/photos/{photo['id']}", json={"licence": "x"})
    assert resp.status_code == 400


def test_the_api_needs_the_csrf_header(db_path, users, tmp_path):
    from mapapp.app import create_app

    app = create_app(
        {"TESTING": True, "DB": str(db_path), "SECRET_KEY": "t", "TILES": "",
         "RATELIMIT_ENABLED": False, "MEDIA_DIR": str(tmp_path / "m")}
    )  # fmt: skip
    client = app.test_client()
    page = client.get("/login").text
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    client.post(
        "/login", data={"username": "cora", "password": "curator-pass-1", "csrf_token": token}
    )
    assert upload(client, 1).status_code == 400  # no X-CSRFToken
    api_token = client.get("/api/curator/session").json["csrf_token"]
    assert upload(client, 1, headers={"X-CSRFToken": api_token}).status_code == 201


def test_a_seeded_photo_is_the_cover_and_a_form_removal_deletes_its_file(
    cclient, auth, curator_app, store
):
    media = Path(curator_app.config["MEDIA_DIR"])
    name = store_photo(png_bytes(), media, 10**7)
    store.insert_missing([make_installation(id=9301, slug="seeded-photo", photo=name)])
    assert [p["name"] for p in store.work_photos(9301)] == [name]
    auth.login()
    extra = upload(cclient, 9301).json
    from .test_curator import edit_form

    row = store.installation(9301, published_only=False)
    resp = cclient.post("/curator/9301", data={**edit_form(row), "remove_photo": "1"})
    assert resp.status_code == 302
    assert name not in files_in(media) and extra["name"] in files_in(media)
    assert store.installation(9301, published_only=False)["photo"] == extra["name"]


def test_the_form_needs_a_credit_for_a_new_photo_and_has_photo_buttons(cclient, auth, store):
    from .test_curator import edit_form

    auth.login()
    row = store.installation(1)
    data = {**edit_form(row), "photo_file": (io.BytesIO(png_bytes()), "p.png")}
    resp = cclient.post("/curator/1", data=data, content_type="multipart/form-data")
    assert resp.status_code == 400
    assert 'id="error-photo_author"' in resp.text and 'id="error-photo_licence"' in resp.text
    first = upload(cclient, 1).json
    second = upload(cclient, 1, {"author": "<script>alert(1)</script>"}).json
    page = cclient.get("/curator/1").text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page and "<script>alert(1)" not in page
    assert f"/curator/1/photos/{second['id']}/cover" in page
    resp = cclient.post(f"/curator/1/photos/{second['id']}/cover")
    assert resp.status_code == 303
    assert store.installation(1)["photo"] == second["name"]
    resp = cclient.post(f"/curator/1/photos/{second['id']}/delete")
    assert resp.status_code == 303
    assert [p["id"] for p in store.work_photos(1)] == [first["id"]]
    assert cclient.post("/curator/1/photos/99999/delete").status_code == 404
    assert cclient.post("/curator/1/photos/99999/cover").status_code == 404


def test_photos_prune_removes_only_files_no_row_points_at(db_path, tmp_path, store):
    from click.testing import CliRunner

    from mapapp.cli import cli

    media = tmp_path / "media"
    kept = store_photo(png_bytes(), media, 10**7)
    store.insert_missing([make_installation(id=9302, slug="kept-photo", photo=kept)])
    orphan = store_photo(png_bytes(), media, 10**7)
    (media / "notes.txt").write_text("not a photo: never touched")
    args = ["photos", "prune", "--db", str(db_path), "--media", str(media)]
    dry = CliRunner().invoke(cli, [*args, "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert f"would remove {orphan}" in dry.output and f"phone/{orphan}" in dry.output
    assert "2 file(s)" in dry.output and (media / orphan).exists()
    run = CliRunner().invoke(cli, args)
    assert run.exit_code == 0 and "2 file(s) no row points at removed" in run.output
    assert not (media / orphan).exists() and not (media / "phone" / orphan).exists()
    assert (media / kept).exists() and (media / "phone" / kept).exists()
    assert (media / "notes.txt").exists()


def test_a_works_page_shows_its_gallery_with_credits_without_script(app, store, client):
    store.insert_missing(
        [make_installation(id=9303, slug="gallery-page", how_we_know="Seen on site.")]
    )
    store.add_work_photo(9303, "cover-a.jpg", {**CREDIT, "caption": "<b>North side</b>"}, "cora")
    store.add_work_photo(9303, "second-b.jpg", {}, "cora")
    page = client.get("/esentai/installations/gallery-page").text
    card = page.split("<noscript>", 1)[1].split("</noscript>", 1)[0]
    assert card.index("phone/cover-a.jpg") < card.index("phone/second-b.jpg")  # cover first
    assert "Photo: Aigerim S., 2026-05-01, CC BY 4.0" in card
    assert "Photo credit not recorded" in card
    assert "&lt;b&gt;North side&lt;/b&gt;" in card and "<b>North" not in card
    assert "How we know: Seen on site." in card
    assert 'href="/esentai/installations/gallery-page/report' in card


def test_photos_of_works_life_entries_are_files_a_row_points_at(store):
    store.insert_missing([make_installation(id=9304, slug="with-life")])
    store.add_life_entry(9304, {"status": "damaged", "date": "2025", "photo": "life.jpg"}, "cora")
    assert "life.jpg" in store.stored_photo_names()


def test_the_form_moves_a_photo_later_and_edits_its_credit(cclient, auth, store):
    auth.login()
    first = upload(cclient, 1).json
    second = upload(cclient, 1).json
    assert cclient.post(f"/curator/1/photos/{first['id']}/later").status_code == 303
    assert [p["id"] for p in store.work_photos(1)] == [second["id"], first["id"]]
    assert store.installation(1)["photo"] == second["name"]
    key = f"credit_{first['id']}_"
    form = {f"{key}author": "Ruslan A.", f"{key}licence": "CC0-1.0", f"{key}caption_ru": "Вид"}
    resp = cclient.post(f"/curator/1/photos/{first['id']}/credit", data=form)
    assert resp.status_code == 303
    saved = store.work_photo(first["id"])
    assert (saved["author"], saved["licence"], saved["caption_ru"]) == (
        "Ruslan A.",
        "CC0-1.0",
        "Вид",
    )
    bad = {**form, f"{key}licence": "mine"}
    resp = cclient.post(f"/curator/1/photos/{first['id']}/credit", data=bad)
    assert resp.status_code == 303 and store.work_photo(first["id"])["licence"] == "CC0-1.0"
    page = cclient.get("/curator/1").text
    assert "Unknown value" in page  # the refusal is said on the form
    assert cclient.post("/curator/2/photos/99999/later").status_code == 404
    assert cclient.post(f"/curator/2/photos/{first['id']}/credit", data=form).status_code == 404
