"""Walkers' reports: the forms, hostile input, the rate limit, and the review queue."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from PIL import Image

from mapapp.app import create_app
from mapapp.store import Store

from .conftest import AuthActions, make_installation
from .test_curator_data import jpeg_with_gps, png_bytes

#: A published work near the route, and a draft.
PUBLISHED = make_installation(id=9501, slug="river-bench", title="River bench", status="published")
DRAFT = make_installation(id=9502, slug="secret-draft", title="Secret draft", status="draft")
XSS = '<script>alert("x")</script><img src=x onerror=alert(1)>'


@pytest.fixture
def works(db_path):
    store = Store.open(db_path)
    store.insert_missing([PUBLISHED, DRAFT])
    store.close()


@pytest.fixture
def report_app(db_path, tmp_path, users, works):
    return create_app(
        {
            "TESTING": True,
            "DB": str(db_path),
            "SECRET_KEY": "t",
            "TILES": "",
            "WTF_CSRF_ENABLED": False,
            "RATELIMIT_ENABLED": False,
            "MEDIA_DIR": str(tmp_path / "media"),
        }
    )


@pytest.fixture
def walker(report_app):
    return report_app.test_client()


@pytest.fixture
def curator(report_app):
    client = report_app.test_client()
    AuthActions(client).login()
    return client


def send_problem(client, slug="river-bench", **fields):
    data = {"problem": "moved", "message": "It stands by the bridge now.", **fields}
    return client.post(
        f"/esentai/installations/{slug}/report", data=data, content_type="multipart/form-data"
    )


def only_report(db_path):
    store = Store.open(db_path)
    try:
        return store.reports(None)
    finally:
        store.close()


def test_every_published_work_and_the_map_link_to_the_forms(walker):
    page = walker.get("/esentai/").text
    assert 'id="suggest-link"' in page and "/esentai/installations/{slug}/report" in page
    form = walker.get("/esentai/installations/river-bench/report")
    assert form.status_code == 200 and 'name="website"' in form.text  # the honeypot
    assert 'capture="environment"' in form.text
    assert walker.get("/esentai/suggest?lat=43.24&lon=76.92").status_code == 200


def test_reports_on_drafts_or_unknown_works_are_404(walker, db_path):
    assert walker.get("/esentai/installations/secret-draft/report").status_code == 404
    assert send_problem(walker, "secret-draft").status_code == 404
    assert send_problem(walker, "no-such-work").status_code == 404
    assert only_report(db_path) == []


def test_a_report_is_stored_with_its_photo_stripped_and_is_not_public(walker, db_path, report_app):
    photo = (io.BytesIO(jpeg_with_gps()), "p.jpg")
    resp = send_problem(walker, photo_file=photo, contact="walker@example.org")
    assert resp.status_code == 303 and "/esentai/reports/thanks" in resp.headers["Location"]
    (report,) = only_report(db_path)
    assert report["kind"] == "problem" and report["installation_id"] == 9501
    media = Path(report_app.config["MEDIA_DIR"])
    with Image.open(media / report["photo"]) as img:
        assert not img.getexif()  # no GPS, no camera
    assert walker.get(f"/media/phone/{report['photo']}").status_code == 404  # not public
    for path in (
        "/",
        "/api/routes/esentai/installations.geojson",
        "/esentai/installations/river-bench",
    ):
        text = walker.get(path).text
        assert "walker@example.org" not in text and "by the bridge now" not in text


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"problem": ""}, "problem"),
        ({"problem": "exploded"}, "problem"),
        ({"problem": "wrong_info", "message": ""}, "message"),
        ({"message": "x" * 2001}, "message"),
        ({"contact": "not-an-address"}, "contact"),
        ({"contact": "a@b.c<script>"}, "contact"),
        ({"photo_file": (io.BytesIO(b"GIF89a fake"), "cat.jpg")}, "photo_file"),
        ({"photo_file": (io.BytesIO(b"\xff\xd8\xff\xe0" + b"\0" * 50), "trunc.jpg")}, "photo_file"),
    ],
)
def test_bad_reports_are_refused_next_to_the_field_and_keep_nothing(
    walker, db_path, report_app, fields, field
):
    resp = send_problem(walker, **fields)
    assert resp.status_code == 400 and f'id="error-{field}"' in resp.text
    assert only_report(db_path) == []
    media = Path(report_app.config["MEDIA_DIR"])
    assert not media.exists() or not list(media.glob("*.*"))


def test_hostile_text_is_escaped_everywhere_it_is_shown(walker, curator, db_path):
    resp = walker.post(
        "/esentai/suggest",
        data={"title": XSS, "message": XSS, "lat": "43.2399", "lon": "76.9203", "contact": ""},
    )
    assert resp.status_code == 303
    bad = walker.post("/esentai/suggest", data={"title": XSS, "message": "", "lat": "x", "lon": ""})
    assert bad.status_code == 400 and "<script>alert" not in bad.text
    assert "&lt;script&gt;" in bad.text
    (report,) = only_report(db_path)
    for path in ("/curator/reports", f"/curator/reports/{report['id']}"):
        page = curator.get(path).text
        assert "<script>alert" not in page and "<img src=x" not in page
        assert "&lt;script&gt;" in page


def test_the_honeypot_drops_a_bots_report_silently(walker, db_path):
    resp = send_problem(walker, website="http://spam.example/")
    assert resp.status_code == 303
    assert only_report(db_path) == []


def test_floods_of_reports_get_a_clear_429_page(db_path, tmp_path, users, works):
    app = create_app(
        {
            "TESTING": True,
            "DB": str(db_path),
            "SECRET_KEY": "t",
            "TILES": "",
            "WTF_CSRF_ENABLED": False,
            "REPORT_RATE_LIMIT": "3 per hour",
            "MEDIA_DIR": str(tmp_path / "m"),
        }
    )
    client = app.test_client()
    env = {"REMOTE_ADDR": "198.51.100.23"}
    codes = [
        client.post(
            "/esentai/installations/river-bench/report",
            data={"problem": "gone"},
            environ_base=env,
        ).status_code
        for _ in range(5)
    ]
    assert codes == [303, 303, 303, 429, 429]
    resp = client.post("/esentai/suggest", data={"message": "m"}, environ_base=env)
    assert resp.status_code == 429 and "wait an hour" in resp.text
    assert resp.headers.get("Retry-After")
    other = {"REMOTE_ADDR": "198.51.100.24"}  # another walker is not locked out
    resp = client.post(
        "/esentai/installations/river-bench/report", data={"problem": "gone"}, environ_base=other
    )
    assert resp.status_code == 303
    assert (
        client.get("/esentai/installations/river-bench/report", environ_base=env).status_code == 200
    )
    assert len(only_report(db_path)) == 4


def test_a_problem_report_flows_through_the_queue_to_a_published_change(
    walker, curator, db_path, report_app
):
    photo = (io.BytesIO(png_bytes((64, 48))), "p.png")
    assert send_problem(walker, photo_file=photo, contact="walker@example.org").status_code == 303
    (report,) = only_report(db_path)
    queue = curator.get("/curator/reports").text
    assert f"/curator/reports/{report['id']}" in queue and "River bench" in queue
    page = curator.get(f"/curator/reports/{report['id']}").text
    assert "by the bridge now" in page and 'name="version"' in page
    # the walker's photo needs a credit to join the work
    form = {
        "title": "River bench",
        "kind": "mural",
        "lat": "43.2401",
        "lon": "76.9205",
        "location_precision": "approximate",
        "source_url": "https://example.org/",
        "description": "A bench by the bridge.",
        "status": "published",
        "version": "1",
        "take_photo": "1",
    }
    resp = curator.post(f"/curator/reports/{report['id']}/accept", data=form)
    assert resp.status_code == 400 and 'id="error-photo_author"' in resp.text
    credit = {"photo_author": "A walker", "photo_licence": "CC-BY-4.0"}
    resp = curator.post(f"/curator/reports/{report['id']}/accept", data={**form, **credit})
    assert resp.status_code == 303, resp.text
    feature = walker.get("/api/routes/esentai/installations/9501").json
    assert feature["properties"]["description"] == "A bench by the bridge."
    assert feature["properties"]["photos"][0]["author"] == "A walker"
    shown = walker.get(f"/media/phone/{report['photo']}")
    assert shown.status_code == 200  # public now
    shown.close()
    store = Store.open(db_path)
    closed = store.report(report["id"])
    notes = store.notifications(report["id"])
    store.close()
    assert closed["status"] == "accepted" and closed["outcome_work_id"] == 9501
    assert [(n["to_address"], n["transport"], n["sent_at"]) for n in notes] == [
        ("walker@example.org", "outbox", "")
    ]
    # a second review of the same report changes nothing
    again = curator.post(f"/curator/reports/{report['id']}/accept", data={**form, "version": "2"})
    assert again.status_code == 303 and "/curator/reports/" in again.headers["Location"]


def test_accepting_against_a_changed_work_is_a_conflict_nothing_overwritten(
    walker, curator, db_path
):
    send_problem(walker)
    (report,) = only_report(db_path)
    form = {"description": "Mine.", "version": "1", "status": "published"}
    store = Store.open(db_path)
    store.update_installation(9501, {"description": "Theirs."}, 1, "ada")
    store.close()
    resp = curator.post(f"/curator/reports/{report['id']}/accept", data=form)
    assert resp.status_code == 409 and "Mine." in resp.text  # the typed change is kept
    assert (
        walker.get("/api/routes/esentai/installations/9501").json["properties"]["description"]
        == "Theirs."
    )


def test_a_suggestion_becomes_a_draft_and_a_rejection_removes_the_photo(
    walker, curator, db_path, report_app
):
    media = Path(report_app.config["MEDIA_DIR"])
    for title in ("Blue fish", "Spam"):
        walker.post(
            "/esentai/suggest",
            data={
                "title": title,
                "message": "A mosaic fish on the embankment wall.",
                "lat": "43.2399",
                "lon": "76.9203",
                "photo_file": (io.BytesIO(png_bytes()), "f.png"),
            },
            content_type="multipart/form-data",
        )
    fish, spam = only_report(db_path)
    # the curator surveyed it: no web address needed
    form = {
        "title": "Blue fish",
        "kind": "mural",
        "description": "A mosaic fish.",
        "lat": "43.2399",
        "lon": "76.9203",
        "location_precision": "approximate",
        "source_url": "",
        "surveyed_on": "2026-05-01",
    }
    resp = curator.post(f"/curator/reports/{fish['id']}/accept", data=form)
    assert resp.status_code == 303
    work_id = int(resp.headers["Location"].rstrip("/").rsplit("/", 1)[1])
    row = curator.get(f"/api/curator/installations/{work_id}").json
    assert row["status"] == "draft" and row["surveyed_by"] == "cora"
    assert not (media / fish["photo"]).exists()  # not taken into the work: not kept
    assert (
        walker.get("/esentai/installations/blue-fish").status_code == 404
    )  # a draft is not public
    resp = curator.post(f"/curator/reports/{spam['id']}/reject", data={"reason": ""})
    assert resp.status_code == 400 and 'id="error-reason"' in resp.text
    resp = curator.post(f"/curator/reports/{spam['id']}/reject", data={"reason": "Not art."})
    assert resp.status_code == 303
    assert not (media / spam["photo"]).exists() and not (media / "phone" / spam["photo"]).exists()
    assert curator.get("/curator/reports/99999").status_code == 404
    assert curator.post("/curator/reports/99999/reject", data={"reason": "x"}).status_code == 404


def test_the_outcome_is_sent_by_smtp_when_a_server_is_set(walker, db_path, report_app, monkeypatch):
    sent = []

    class FakeSMTP:
        def __init__(self, host, port, timeout):
            sent.append(("connect", host, port))

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            return False

        def starttls(self):
            sent.append(("starttls",))

        def login(self, user, password):
            sent.append(("login", user))

        def send_message(self, message):
            sent.append(("send", message["To"], message["Subject"]))

    monkeypatch.setattr("mapapp.reports.smtplib.SMTP", FakeSMTP)
    report_app.config.update(SMTP_HOST="mail.example.org", SMTP_USER="terrenkur")
    walker.post(
        "/esentai/installations/river-bench/report?lang=ru",
        data={"problem": "gone", "contact": "w@example.org"},
    )
    (report,) = only_report(db_path)
    assert report["lang"] == "ru"
    curator = report_app.test_client()
    AuthActions(curator).login()
    curator.post(f"/curator/reports/{report['id']}/reject", data={"reason": "Стоит на месте."})
    assert sent[0] == ("connect", "mail.example.org", 587)
    assert ("login", "terrenkur") in sent
    assert sent[-1][:2] == ("send", "w@example.org") and "терренкур" in sent[-1][2]
    store = Store.open(db_path)
    (note,) = store.notifications(report["id"])
    store.close()
    assert note["transport"] == "smtp" and note["sent_at"] and "Стоит на месте." in note["body"]


def test_the_completeness_view_lists_gaps_in_walking_order(curator):
    page = curator.get("/curator/completeness")
    assert page.status_code == 200
    assert "no photo" in page.text and 'href="/curator/1"' in page.text
    assert curator.get("/curator/reports?status=accepted").status_code == 200
