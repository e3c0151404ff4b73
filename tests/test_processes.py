"""Several server processes on one database: the sign-in limit is shared through Redis,
writes from every process are kept, first starts seed once, a session works on all."""

from __future__ import annotations

import shutil

import pytest

from mapapp.app import ConfigError, create_app
from mapapp.catalog import load_seed
from mapapp.store import Store

from .conftest import DATA_DIR
from .load_support import WORK, Browser, redis_server, seeded_db, start_servers

pytestmark = pytest.mark.skipif(
    shutil.which("redis-server") is None,
    reason="redis-server is not installed (Debian: apt-get install redis-server)",
)


@pytest.fixture
def redis(tmp_path):
    with redis_server(tmp_path) as uri:
        yield uri


def test_two_processes_share_the_sign_in_limit_and_keep_both_writes(tmp_path, redis):
    db = seeded_db(tmp_path / "mapapp.sqlite", curators=2)
    settings = {"RATELIMIT_STORAGE": redis, "LOGIN_RATE_LIMIT": "5 per minute"}
    with start_servers(db, tmp_path, count=2, **settings) as (a, b):
        one, two = Browser(a.url), Browser(b.url)
        assert one.sign_in("c0").status == 302  # attempt 1, on a
        assert two.sign_in("c1").status == 302  # attempt 2, on b
        made_on_a = one.request("POST", "/api/curator/installations", body={**WORK, "title": "A"})
        made_on_b = two.request("POST", "/api/curator/installations", body={**WORK, "title": "B"})
        assert (made_on_a.status, made_on_b.status) == (201, 201)
        # b edits what a made, and each sees the other's work
        edit = two.request(
            "PUT",
            f"/api/curator/installations/{made_on_a.json()['id']}",
            body={"version": 1, "title": "A, edited on b"},
        )
        assert edit.status == 200
        seen = one.request("GET", f"/api/curator/installations/{made_on_a.json()['id']}")
        assert seen.json()["title"] == "A, edited on b"
        # wrong passwords, alternating between the processes: one limit for both
        codes = [
            Browser(server.url).sign_in("c0", "wrong passphrase").status for server in (a, b, a, b)
        ]
        assert codes == [401, 401, 401, 429], codes  # attempts 3, 4, 5, then refused
        assert Browser(a.url).sign_in("c1").status == 429  # on either process
    store = Store.open(db)
    titles = {r["title"] for r in store.installations(statuses=("draft",))}
    store.close()
    assert {"A, edited on b", "B"} <= titles


def test_two_first_starts_on_a_new_database_seed_it_once(tmp_path):
    db = tmp_path / "new.sqlite"
    with start_servers(db, tmp_path, count=2) as (a, b):
        for server in (a, b):
            assert Browser(server.url).request("GET", "/").status == 200
    store = Store.open(db)
    try:
        assert len(store.routes()) == 1
        assert len(store.all_installations()) == len(load_seed(DATA_DIR).installations)
    finally:
        store.close()


def test_a_session_from_one_process_works_on_the_other(tmp_path):
    db = seeded_db(tmp_path / "mapapp.sqlite", curators=1)
    with start_servers(db, tmp_path, count=2) as (a, b):
        browser = Browser(a.url)
        assert browser.sign_in("c0").status == 302
        browser.base_url = b.url  # the proxy sends the next request to the other process
        assert browser.request("GET", "/api/curator/session").status == 200
        assert browser.request("POST", "/logout", form={"csrf_token": ""}).status in (302, 400)


def test_the_rate_limit_storage_is_configurable(db_path, redis):
    app = create_app(
        {"TESTING": True, "DB": str(db_path), "SECRET_KEY": "t", "RATELIMIT_STORAGE": redis}
    )
    assert app.config["RATELIMIT_STORAGE_URI"] == redis


def test_an_unreachable_rate_limit_storage_is_explained(db_path):
    with pytest.raises(ConfigError, match="MAPAPP_RATELIMIT_STORAGE"):
        create_app(
            {
                "TESTING": True,
                "DB": str(db_path),
                "SECRET_KEY": "t",
                "RATELIMIT_STORAGE": "redis://127.0.0.1:1/0",
            }
        )
