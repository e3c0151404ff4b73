"""The curator workspace: access, forms, validation, versions, history, admin pages.

Which endpoints refuse whom is derived from the URL map in ``test_access.py``.
"""

from __future__ import annotations

import re
from contextlib import closing

import pytest

from mapapp.app import create_app
from mapapp.store import Store

from .conftest import AuthActions

NEW_WORK = {
    "title": "Water mirror",
    "slug": "",
    "kind": "installation",
    "festival": "ARTBAT FEST",
    "year": "2026",
    "artist": "A. Artist",
    "description": "A mirror pool on the embankment.",
    "address": "Esentai embankment at Abay Ave",
    "lat": "43.2399",
    "lon": "76.9203",
    "location_precision": "surveyed",
    "source_url": "https://artbatfest.cultura.kz/",
    "source_note": "Surveyed by the curators on foot.",
    "status": "draft",
}


def edit_form(row: dict, **changes: str) -> dict:
    """The edit form as a browser would post it for ``row``, with ``changes``."""
    fields = {k: "" if row[k] is None else row[k] for k in NEW_WORK}
    return {**fields, "version": str(row["version"]), **changes}


CURATOR_GETS = [
    "/curator",
    "/curator/new",
    "/curator/1",
    "/curator/1/history",
    "/curator/import",
    "/curator/export.csv",
    "/curator/export.geojson",
    "/curator/export.gpx",
]
ADMIN_PAGES = ["/curator/users", "/curator/routes/1/line", "/curator/routes/new"]


@pytest.mark.parametrize("path", CURATOR_GETS + ADMIN_PAGES)
def test_admin_may_do_what_a_curator_may(cclient, auth, path):
    auth.login("ada")
    assert cclient.get(path).status_code == 200


def test_login_and_logout(cclient, auth):
    resp = cclient.post("/login", data={"username": "cora", "password": "wrong"})
    assert resp.status_code == 401 and "Wrong user name or password" in resp.text
    resp = cclient.post(
        "/login?next=/curator/new", data={"username": "cora", "password": "curator-pass-1"}
    )
    assert resp.status_code == 302 and resp.headers["Location"] == "/curator/new"
    assert cclient.get("/curator").status_code == 200
    auth.logout()
    assert cclient.get("/curator").status_code == 302


def test_login_redirect_only_to_our_own_pages(cclient):
    for target in ("https://evil.example/", "//evil.example/", "/\\evil.example"):
        resp = cclient.post(
            f"/login?next={target}", data={"username": "cora", "password": "curator-pass-1"}
        )
        assert resp.headers["Location"] == "/curator"


def test_disabled_users_cannot_sign_in(cclient, store):
    store.update_user(store.user_by_name("cora")["id"], active=0)
    resp = cclient.post("/login", data={"username": "cora", "password": "curator-pass-1"})
    assert resp.status_code == 401


def test_passwords_are_hashed_and_checked(tmp_path):
    from mapapp.accounts import authenticate, hash_password

    with closing(Store.open(tmp_path / "u.sqlite")) as store:
        store.migrate()
        with pytest.raises(ValueError, match="at least 10"):
            hash_password("short")
        store.create_user("bek", hash_password("a long passphrase"), "curator")
        row = store.user_by_name("bek")
        assert "a long passphrase" not in row["password_hash"]
        assert row["password_hash"].startswith("scrypt:")
        assert authenticate(store, "bek", "a long passphrase")["username"] == "bek"
        assert authenticate(store, "bek", "wrong") is None
        assert authenticate(store, "nobody", "a long passphrase") is None


def test_sign_in_is_rate_limited(db_path, users):
    app = create_app(
        {
            "TESTING": True,
            "DB": str(db_path),
            "TILES": "",
            "WTF_CSRF_ENABLED": False,
            "LOGIN_RATE_LIMIT": "3 per minute",
        }
    )
    client = app.test_client()
    codes = [
        client.post("/login", data={"username": "cora", "password": "x"}).status_code
        for _ in range(4)
    ]
    assert codes == [401, 401, 401, 429]
    assert client.get("/login").status_code == 200  # only attempts are limited


def test_csrf_is_required_on_forms_and_api(db_path, users):
    app = create_app({"TESTING": True, "DB": str(db_path), "TILES": "", "RATELIMIT_ENABLED": False})
    client = app.test_client()
    # even signing in needs the token
    assert (
        client.post("/login", data={"username": "cora", "password": "curator-pass-1"}).status_code
        == 400
    )
    page = client.get("/login").text
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    resp = client.post(
        "/login", data={"username": "cora", "password": "curator-pass-1", "csrf_token": token}
    )
    assert resp.status_code == 302
    resp = client.post("/curator/new", data=NEW_WORK)
    assert resp.status_code == 400 and "CSRF" in resp.text
    resp = client.put("/api/curator/installations/1", json={"version": 1, "title": "x"})
    assert resp.status_code == 400 and "CSRF" in resp.json["message"]
    api_token = client.get("/api/curator/session").json["csrf_token"]
    resp = client.put(
        "/api/curator/installations/1",
        json={"version": 1, "title": "Renamed"},
        headers={"X-CSRFToken": api_token},
    )
    assert resp.status_code == 200 and resp.json["title"] == "Renamed"


def test_session_cookie_is_secure_outside_debug(db_path):
    app = create_app({"DB": str(db_path), "TILES": ""})
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert app.config["SESSION_COOKIE_HTTPONLY"] is True
    assert app.config["SESSION_COOKIE_SAMESITE"] == "Lax"


# adding and editing ---------------------------------------------------------------------


def test_add_a_work_as_draft_then_publish(cclient, auth, client):
    auth.login()
    resp = cclient.post("/curator/new", data=NEW_WORK)
    assert resp.status_code == 302
    new_id = int(resp.headers["Location"].rsplit("/", 1)[1])
    row = cclient.get(f"/api/curator/installations/{new_id}").json
    assert row["slug"] == "water-mirror" and row["status"] == "draft" and row["version"] == 1
    assert row["chainage_m"] > 0 and row["offset_m"] < 100
    assert (
        client.get(f"/api/routes/esentai/installations/{new_id}").status_code == 404
    )  # drafts are not public
    resp = cclient.post(
        f"/curator/{new_id}", data={**NEW_WORK, "status": "published", "version": "1"}
    )
    assert resp.status_code == 302
    assert (
        client.get(f"/api/routes/esentai/installations/{new_id}").json["properties"]["title"]
        == "Water mirror"
    )


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("title", "", "Required."),
        ("kind", "spaceship", "Unknown value “spaceship”"),
        ("year", "3026", "not plausible"),
        ("source_url", "not a url", "https://"),
        ("lat", "95", "Must be from -90 to 90."),
        ("lat", "nan", "Give a number"),
        ("lon", "", "Required."),
        ("lat", "43.30", "km from the nearest route"),
    ],
)
def test_validation_messages_next_to_the_field(cclient, auth, store, field, value, message):
    auth.login()
    before = store.all_installations()
    resp = cclient.post("/curator/new", data={**NEW_WORK, field: value})
    assert resp.status_code == 400
    html = resp.text
    error = re.search(rf'<p class="field-error" id="error-{field}" role="alert">([^<]*)</p>', html)
    assert error and message in error.group(1)
    assert f'aria-describedby="error-{field}"' in html
    assert store.all_installations() == before


def test_swapped_coordinates_get_a_hint(cclient, auth):
    auth.login()
    resp = cclient.post("/curator/new", data={**NEW_WORK, "lat": "76.9203", "lon": "43.2399"})
    assert resp.status_code == 400 and "look swapped" in resp.text


def test_stale_edit_is_refused_and_overwrites_nothing(cclient, auth, store):
    auth.login()
    row = cclient.get("/api/curator/installations/1").json
    first = edit_form(row, title="First editor")
    assert cclient.post("/curator/1", data=first).status_code == 302
    second = {**first, "title": "Second editor"}  # still carries the old version
    resp = cclient.post("/curator/1", data=second)
    assert resp.status_code == 409
    assert "Someone else saved this work" in resp.text
    assert store.installation(1, published_only=False)["title"] == "First editor"


def test_editing_an_off_route_seed_without_moving_it(cclient, auth, store):
    """Seeded works farther than the limit stay editable as long as they are not moved."""
    auth.login()
    far = next(r for r in store.all_installations() if r["slug"] == "park-fest-red-little-men")
    offset = cclient.get(f"/api/curator/installations/{far['id']}").json["offset_m"]
    assert offset > cclient.application.config["MAX_OFFSET_M"]  # the case this test is about
    resp = cclient.post(f"/curator/{far['id']}", data=edit_form(far, description="Edited"))
    assert resp.status_code == 302


def test_retiring_keeps_the_row(cclient, auth, client, store):
    auth.login()
    row = cclient.get("/api/curator/installations/1").json
    assert cclient.post("/curator/1", data=edit_form(row, status="retired")).status_code == 302
    assert store.installation(1, published_only=False)["status"] == "retired"
    assert client.get("/api/routes/esentai/installations/1").status_code == 404


def test_history_shows_changes_and_restores(cclient, auth, store):
    auth.login()
    row = cclient.get("/api/curator/installations/1").json
    original_title = row["title"]
    cclient.post("/curator/1", data=edit_form(row, title="Changed title"))
    page = cclient.get("/curator/1/history").text
    assert "Changed title" in page and original_title.replace('"', "&#34;") in page
    history = cclient.get("/api/curator/installations/1/history").json
    assert [h["action"] for h in history] == ["update", "seed"]
    assert history[0]["changed"] == ["title"] and history[0]["username"] == "cora"
    seed_entry = history[1]["id"]
    resp = cclient.post(f"/curator/1/restore/{seed_entry}", data={"version": "2"})
    assert resp.status_code == 303
    restored = store.installation(1, published_only=False)
    assert restored["title"] == original_title and restored["version"] == 3
    # a restore with a stale version restores nothing
    resp = cclient.post(f"/curator/1/restore/{seed_entry}", data={"version": "2"})
    assert resp.status_code == 303
    assert store.installation(1, published_only=False)["version"] == 3


def test_script_in_fields_stays_inert_on_curator_pages(cclient, auth):
    auth.login()
    evil = "<script>alert(1)</script>"
    resp = cclient.post(
        "/curator/new", data={**NEW_WORK, "title": evil, "slug": "evil", "artist": evil}
    )
    new_id = int(resp.headers["Location"].rsplit("/", 1)[1])
    for page in ("/curator", f"/curator/{new_id}", f"/curator/{new_id}/history"):
        html = cclient.get(page).text
        assert evil not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_list_search_and_filters(cclient, auth):
    auth.login()
    html = cclient.get("/curator?q=auezov").text
    assert ">Auezov Theatre</a>" in html and "Vinokurov" not in html
    html = cclient.get("/curator?kind=mural").text
    assert ">Vinokurov mural</a>" in html and ">Auezov Theatre</a>" not in html
    assert cclient.get("/curator?kind=nonsense&status=weird").status_code == 200


def test_unknown_ids_are_404(cclient, auth):
    auth.login()
    assert cclient.get("/curator/9999").status_code == 404
    assert cclient.post("/curator/9999", data=NEW_WORK).status_code == 404
    assert cclient.get("/curator/9999/history").status_code == 404
    assert cclient.post("/curator/1/restore/9999", data={"version": "1"}).status_code == 404


# admin -----------------------------------------------------------------------------------


def test_admin_adds_users_with_checks(cclient, store):
    AuthActions(cclient).login("ada")
    resp = cclient.post(
        "/curator/users",
        data={"action": "create", "username": "bek", "role": "curator", "password": "short"},
    )
    assert resp.status_code == 400 and "at least 10 characters" in resp.text
    resp = cclient.post(
        "/curator/users",
        data={
            "action": "create",
            "username": "bek",
            "role": "curator",
            "password": "long-enough-pw",
        },
    )
    assert resp.status_code == 303
    assert store.user_by_name("bek")["role"] == "curator"
    resp = cclient.post(
        "/curator/users",
        data={
            "action": "create",
            "username": "bek",
            "role": "curator",
            "password": "long-enough-pw",
        },
    )
    assert resp.status_code == 400 and "exists already" in resp.text
