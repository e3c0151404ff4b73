"""Field survey: the precision a placement earns, the fix the server checks, and writes
that a replayed offline queue cannot repeat (``Idempotency-Key``)."""

from __future__ import annotations

import datetime as dt
import threading
import uuid

import pytest

from mapapp import survey

NOW = dt.datetime(2026, 6, 1, 12, 0, tzinfo=dt.UTC)
POINT = {"lat": 43.2399, "lon": 76.9203}


def fix(accuracy: float = 8.0, at: dt.datetime = NOW, **moved: float) -> dict:
    return {**POINT, **moved, "accuracy_m": accuracy, "fixed_at": at.isoformat()}


def work(**extra) -> dict:
    body = {
        "title": "Water mirror",
        "kind": "installation",
        "source_url": "https://example.org/survey",
        **POINT,
    }
    if "placed" not in extra:
        body["location_precision"] = "approximate"
    body.update(extra)
    return body


# precision rules ------------------------------------------------------------------


def test_a_good_fix_makes_the_point_surveyed():
    placed, errors = survey.placement({**POINT, "placed": "gps", "fix": fix(8)}, NOW)
    assert errors == [] and placed is not None
    assert placed.precision == "surveyed" and placed.fix is not None
    assert placed.fix.accuracy_m == 8 and placed.fix.fixed_at == NOW


def test_a_nudge_of_a_few_metres_stays_surveyed_a_long_one_does_not():
    near = survey.placement({"lat": 43.23995, "lon": 76.9203, "placed": "gps", "fix": fix()}, NOW)
    assert near[0] is not None and near[0].precision == "surveyed"  # about 5.6 m
    assert 5 < (near[0].nudge_m or 0) < 6.5
    far = survey.placement({"lat": 43.2403, "lon": 76.9203, "placed": "gps", "fix": fix()}, NOW)
    assert far[0] is not None and far[0].precision == "approximate"  # about 44 m


@pytest.mark.parametrize(
    ("method", "default"), [("clicked", "approximate"), ("typed", "estimated")]
)
def test_a_tapped_or_typed_point_is_never_surveyed_by_default(method, default):
    placed, errors = survey.placement({**POINT, "placed": method}, NOW)
    assert errors == [] and placed is not None and placed.precision == default
    assert placed.fields() == {
        "location_precision": default,
        "position_method": method,
        "position_accuracy_m": None,
        "position_fixed_at": "",
    }
    chosen, _ = survey.placement(
        {**POINT, "placed": method, "location_precision": "estimated"}, NOW
    )
    assert chosen is not None and chosen.precision == "estimated"


@pytest.mark.parametrize(
    "data",
    [
        {**POINT, "placed": "clicked", "location_precision": "surveyed"},
        {**POINT, "placed": "gps", "fix": fix(60), "location_precision": "surveyed"},
    ],
    ids=["tapped", "poor-fix"],
)
def test_claiming_surveyed_without_a_good_fix_is_refused(data):
    placed, errors = survey.placement(data, NOW)
    assert placed is None and [e.code for e in errors] == ["surveyed_needs_fix"]


def test_a_poor_fix_is_approximate_and_a_very_poor_one_estimated():
    placed, errors = survey.placement({**POINT, "placed": "gps", "fix": fix(60)}, NOW)
    assert errors == [] and placed is not None and placed.precision == "approximate"
    assert placed.fields()["position_accuracy_m"] == 60
    coarse, _ = survey.placement({**POINT, "placed": "gps", "fix": fix(900)}, NOW)
    assert coarse is not None and coarse.precision == "estimated"


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        (None, "fix_format"),
        ("8 m", "fix_format"),
        ({**fix(), "lat": "north"}, "fix_format"),
        (fix(0), "fix_accuracy"),
        (fix(-3), "fix_accuracy"),
        ({**fix(), "accuracy_m": "nan"}, "fix_accuracy"),
        (fix(1e9), "fix_accuracy"),
        ({**fix(), "fixed_at": "yesterday"}, "fix_time"),
        ({**fix(), "fixed_at": "2026-06-01T12:00:00"}, "fix_time"),  # no time zone
        (fix(at=NOW + dt.timedelta(hours=1)), "fix_future"),
        (fix(at=NOW - dt.timedelta(days=40)), "fix_old"),
    ],
)
def test_a_fix_is_checked_not_trusted(raw, code):
    placed, errors = survey.placement({**POINT, "placed": "gps", "fix": raw}, NOW)
    assert placed is None and [e.code for e in errors] == [code]


def test_an_unknown_method_is_an_error_and_no_method_is_no_survey():
    assert survey.placement({**POINT, "placed": "guess"}, NOW)[1][0].code == "unknown_value"
    assert survey.placement(dict(POINT), NOW) == (None, [])


# the write API ---------------------------------------------------------------------


def _fix_now(accuracy: float) -> dict:
    return fix(accuracy, dt.datetime.now(dt.UTC) - dt.timedelta(minutes=2))


def test_api_keeps_the_fix_and_sets_the_precision(cclient, auth):
    auth.login()
    good = cclient.post("/api/curator/installations", json=work(placed="gps", fix=_fix_now(8)))
    assert good.status_code == 201, good.json
    assert good.json["location_precision"] == "surveyed"
    poor = cclient.post(
        "/api/curator/installations",
        json=work(title="Second", placed="gps", fix=_fix_now(60), lat=43.2402),
    )
    assert poor.status_code == 201 and poor.json["location_precision"] == "approximate"
    claimed = cclient.post(
        "/api/curator/installations",
        json=work(title="Third", placed="clicked", location_precision="surveyed"),
    )
    assert claimed.status_code == 400
    assert claimed.json["codes"] == {"location_precision": "surveyed_needs_fix"}
    kept = cclient.get(f"/api/curator/installations/{good.json['id']}").json
    assert kept["position_method"] == "gps" and kept["position_accuracy_m"] == 8.0
    assert kept["position_fixed_at"].endswith("+00:00")
    # the fix says the curator was there: the source is their survey on the fix's day
    assert kept["surveyed_by"] == "cora" and kept["surveyed_on"] == kept["position_fixed_at"][:10]


def test_a_create_sent_twice_adds_one_work(cclient, auth, db_path):
    auth.login()
    key = str(uuid.uuid4())
    headers = {"Idempotency-Key": key}
    first = cclient.post("/api/curator/installations", json=work(), headers=headers)
    again = cclient.post("/api/curator/installations", json=work(), headers=headers)
    assert first.status_code == 201, first.json
    assert "Idempotent-Replay" not in first.headers
    assert again.status_code == 200 and again.headers["Idempotent-Replay"] == "true"
    assert again.json["id"] == first.json["id"]
    listed = cclient.get("/api/curator/installations").json
    assert sum(r["title"] == "Water mirror" for r in listed) == 1
    # another key is another work (its slug then clashes, so say another title)
    other = cclient.post(
        "/api/curator/installations",
        json=work(title="Water mirror 2"),
        headers={"Idempotency-Key": str(uuid.uuid4())},
    )
    assert other.status_code == 201 and other.json["id"] != first.json["id"]


def test_a_key_reused_for_another_change_is_refused(cclient, auth):
    auth.login()
    headers = {"Idempotency-Key": str(uuid.uuid4())}
    assert (
        cclient.post("/api/curator/installations", json=work(), headers=headers).status_code == 201
    )
    resp = cclient.post("/api/curator/installations", json=work(title="Other"), headers=headers)
    assert resp.status_code == 400 and resp.json["codes"] == {"idempotency_key": "key_reused"}
    bad = cclient.post(
        "/api/curator/installations", json=work(), headers={"Idempotency-Key": "a b"}
    )
    assert bad.status_code == 400 and bad.json["codes"] == {"idempotency_key": "key_format"}


def test_keys_are_per_curator(cclient, auth, curator_app):
    auth.login()
    key = str(uuid.uuid4())
    mine = cclient.post("/api/curator/installations", json=work(), headers={"Idempotency-Key": key})
    other = curator_app.test_client()
    other.post("/login", data={"username": "ada", "password": "admin-pass-12"})
    theirs = other.post(
        "/api/curator/installations",
        json=work(title="Ada's work"),
        headers={"Idempotency-Key": key},
    )
    assert theirs.status_code == 201 and theirs.json["id"] != mine.json["id"]


def test_an_edit_sent_again_after_it_was_saved_is_no_conflict(cclient, auth):
    auth.login()
    created = cclient.post("/api/curator/installations", json=work()).json
    path = f"/api/curator/installations/{created['id']}"
    headers = {"Idempotency-Key": str(uuid.uuid4())}
    body = {"version": 1, "description": "Seen on site."}
    first = cclient.patch(path, json=body, headers=headers)
    assert first.status_code == 200 and first.json["version"] == 2
    again = cclient.patch(path, json=body, headers=headers)
    assert again.status_code == 200 and again.json["version"] == 2
    assert again.headers["Idempotent-Replay"] == "true"
    history = cclient.get(f"{path}/history").json
    assert [h["action"] for h in history] == ["update", "create"]
    # a different edit on the old version is still a conflict, and writes nothing
    stale = cclient.patch(
        path,
        json={"version": 1, "description": "Lost?"},
        headers={"Idempotency-Key": str(uuid.uuid4())},
    )
    assert stale.status_code == 409 and stale.json["current"]["description"] == "Seen on site."


def test_a_failed_write_does_not_use_up_its_key(cclient, auth):
    auth.login()
    headers = {"Idempotency-Key": str(uuid.uuid4())}
    bad = cclient.post("/api/curator/installations", json=work(lat=95), headers=headers)
    assert bad.status_code == 400
    body = work(lat=95)
    body["lat"] = POINT["lat"]
    good = cclient.post("/api/curator/installations", json=body, headers=headers)
    assert good.status_code == 201


def test_two_copies_racing_add_one_work(db_path, users, curator_app):
    """Two copies of the same queued create sent at once (two tabs syncing): one work."""
    clients = [curator_app.test_client() for _ in range(2)]
    for c in clients:
        c.post("/login", data={"username": "cora", "password": "curator-pass-1"})
    headers = {"Idempotency-Key": str(uuid.uuid4())}
    results: list = []
    start = threading.Barrier(2)

    def send(c) -> None:
        start.wait()
        results.append(c.post("/api/curator/installations", json=work(), headers=headers))

    threads = [threading.Thread(target=send, args=(c,)) for c in clients]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(r.status_code for r in results) == [200, 201]
    assert len({r.json["id"] for r in results}) == 1


def test_the_survey_page_hands_over_its_urls_in_the_language(cclient, auth):
    import json
    import re

    auth.login()
    page = cclient.get("/curator/survey?lang=ru")
    assert page.status_code == 200 and page.headers["Cache-Control"] == "private, no-store"
    found = re.search(r'id="survey-settings">(.*?)</script>', page.text, re.S)
    assert found is not None
    settings = json.loads(found.group(1))
    urls = settings["contract"]["urls"]
    assert urls["work"] == "/api/curator/installations/{id}?lang=ru"
    assert urls["photos"] == "/api/curator/works/{id}/photos?lang=ru"
    assert settings["user"] == "cora" and settings["surveyedMaxAccuracyM"] == 15
    assert set(settings["strings"]["queued"]) == {"one", "few", "many"}  # Russian plurals
    assert 'capture="environment"' in page.text and 'accept="image/*"' in page.text
    assert cclient.get("/curator/survey").status_code == 200
    auth.logout()
    assert cclient.get("/curator/survey").status_code == 302  # sign in first


def test_keys_are_forgotten_after_a_while(store):
    """A key is remembered for REPLAY_DAYS; older ones are dropped when a new one comes."""
    from mapapp.store import REPLAY_DAYS

    store.remember_replay("cora", "old-key", "create", "f", 1, 1)
    long_ago = (dt.datetime.now(dt.UTC) - dt.timedelta(days=REPLAY_DAYS + 1)).isoformat()
    store.db.execute("UPDATE write_replays SET created_at = ? WHERE key = 'old-key'", [long_ago])
    store.db.conn.commit()
    store.remember_replay("cora", "new-key", "create", "f", 1, 1)
    assert store.replay("cora", "old-key") is None
    assert store.replay("cora", "new-key") is not None
