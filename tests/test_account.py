"""Signing in and out: where sign-in leads, sessions that end on the server, timing."""

from __future__ import annotations

from urllib.parse import quote

import pytest
from click.testing import CliRunner

from mapapp.cli import cli
from mapapp.store import Store

from .conftest import PASSWORDS, AuthActions

HOSTILE_NEXT = [
    "https://evil.example/",
    "//evil.example/",
    "/\\evil.example",
    "/\t/evil.example",
    "/\n/evil.example",
    "/\r\n/evil.example",
    "/ /evil.example",
    "\t//evil.example",
    " //evil.example",
    "/\x00/evil.example",
    "/\x7f/evil.example",
    "javascript:alert(1)",
    "http:/evil.example",
    "/%0a/evil.example",
    "evil.example",
    "",
]


@pytest.mark.parametrize("target", HOSTILE_NEXT)
def test_sign_in_never_leads_off_site(cclient, target):
    resp = cclient.post(
        f"/login?next={quote(target, safe='')}",
        data={"username": "cora", "password": PASSWORDS["cora"]},
    )
    assert resp.status_code == 302
    location = resp.headers["Location"]
    assert location.startswith("/") and not location.startswith(("//", "/\\"))
    assert all(c.isprintable() and not c.isspace() for c in location)
    assert "evil.example" not in location.split("?")[0].lstrip("/").split("/")[0]


@pytest.mark.parametrize(
    "target", ["/curator/new", "/curator?q=red+men&status=draft", "/curator/1/history"]
)
def test_sign_in_leads_back_to_the_page_asked_for(cclient, target):
    resp = cclient.post(
        f"/login?next={quote(target, safe='')}",
        data={"username": "cora", "password": PASSWORDS["cora"]},
    )
    assert resp.headers["Location"] == target


# sessions end on the server -------------------------------------------------------------


def _copy_of(client, app):
    """A second browser holding a copy of ``client``'s session cookie."""
    other = app.test_client()
    other.set_cookie("session", client.get_cookie("session").value)
    return other


def test_a_copied_cookie_stops_working_at_sign_out(cclient, auth, curator_app):
    auth.login("cora")
    stolen = _copy_of(cclient, curator_app)
    assert stolen.get("/curator").status_code == 200
    auth.logout()
    assert stolen.get("/curator").status_code == 302
    assert stolen.get("/api/curator/session").status_code == 401


def test_signing_out_ends_only_that_session(cclient, auth, curator_app):
    phone = curator_app.test_client()
    AuthActions(phone).login("cora")
    auth.login("cora")
    auth.logout()
    assert phone.get("/curator").status_code == 200


def test_deactivating_an_account_ends_its_sessions_for_good(
    cclient, auth, curator_app, db_path, store
):
    auth.login("cora")
    admin = curator_app.test_client()
    AuthActions(admin).login("ada")
    cora = store.user_by_name("cora")
    resp = admin.post("/curator/users", data={"action": "update", "user_id": cora["id"]})
    assert resp.status_code == 303
    assert cclient.get("/curator").status_code == 302
    # switched back on, the old session stays ended: cora signs in again
    data = {"action": "update", "user_id": cora["id"], "role": "curator", "active": "1"}
    admin.post("/curator/users", data=data)
    assert cclient.get("/curator").status_code == 302
    assert auth.login("cora").status_code == 302
    assert cclient.get("/curator").status_code == 200


def test_a_new_password_ends_every_session(cclient, auth, db_path):
    auth.login("cora")
    result = CliRunner().invoke(
        cli,
        ["set-password", "cora", "--db", str(db_path)],
        input="a brand new passphrase\na brand new passphrase\n",
    )
    assert result.exit_code == 0, result.output
    assert "signed out" in result.output
    assert cclient.get("/curator").status_code == 302
    resp = cclient.post("/login", data={"username": "cora", "password": "a brand new passphrase"})
    assert resp.status_code == 302


def test_a_forged_session_id_is_refused(cclient, auth, curator_app):
    auth.login("cora")
    with cclient.session_transaction() as session:
        session["_user_id"] = "1"  # the old cookie format: a bare user id
    assert cclient.get("/curator").status_code == 302


# sign-in takes as long whoever tries ------------------------------------------------------


@pytest.fixture
def scrypt_users(tmp_path):
    """A store with an active and a switched-off account, hashed as the app hashes."""
    from mapapp.accounts import hash_password

    store = Store.open(tmp_path / "u.sqlite")
    store.migrate()
    store.create_user("active", hash_password("the right passphrase"), "curator")
    off = store.create_user("off", hash_password("the right passphrase"), "curator")
    store.update_user(off["id"], active=0)
    yield store
    store.close()


CASES = {
    "unknown": ("nobody", "the right passphrase"),
    "switched off": ("off", "the right passphrase"),
    "wrong password": ("active", "a wrong passphrase"),
}


def test_every_failed_sign_in_checks_one_password_hash(scrypt_users, monkeypatch):
    from mapapp import accounts

    checked: list[str] = []
    real = accounts.check_password_hash

    def counting(pwhash: str, password: str) -> bool:
        checked.append(pwhash.split("$", 1)[0])
        return real(pwhash, password)

    monkeypatch.setattr(accounts, "check_password_hash", counting)
    methods = {}
    for case, (name, password) in CASES.items():
        checked.clear()
        assert accounts.authenticate(scrypt_users, name, password) is None
        assert len(checked) == 1, case
        methods[case] = checked[0]
    assert len(set(methods.values())) == 1, methods  # the same work factor for all


def test_failed_sign_ins_take_about_as_long(scrypt_users):
    import time

    from mapapp.accounts import authenticate

    fastest = {}  # the least disturbed run of each: other processes only add time
    for case, (name, password) in CASES.items():
        times = []
        for _ in range(7):
            start = time.perf_counter()
            authenticate(scrypt_users, name, password)
            times.append(time.perf_counter() - start)
        fastest[case] = min(times)
    assert max(fastest.values()) < 3 * min(fastest.values()), fastest


# behind a proxy --------------------------------------------------------------------------


def _limited_app(db_path, **extra):
    from mapapp.app import create_app

    return create_app(
        {
            "TESTING": True,
            "DB": str(db_path),
            "SECRET_KEY": "t",
            "TILES": "",
            "WTF_CSRF_ENABLED": False,
            "LOGIN_RATE_LIMIT": "2 per minute",
            **extra,
        }
    )


def _attempts(client, forwarded_for: str, n: int) -> list[int]:
    return [
        client.post(
            "/login",
            data={"username": "cora", "password": "wrong"},
            headers={"X-Forwarded-For": forwarded_for},
        ).status_code
        for _ in range(n)
    ]


def test_behind_a_proxy_each_client_has_its_own_sign_in_limit(db_path, users):
    client = _limited_app(db_path, PROXY_COUNT=1).test_client()
    assert _attempts(client, "203.0.113.1", 3) == [401, 401, 429]
    assert _attempts(client, "203.0.113.2", 1) == [401]  # another walker is not locked out


def test_without_a_proxy_forwarded_headers_are_ignored(db_path, users):
    client = _limited_app(db_path).test_client()
    assert _attempts(client, "203.0.113.1", 2) == [401, 401]
    assert _attempts(client, "203.0.113.2", 1) == [429]  # a forged header changes nothing
