"""Events with dates (records, "What's on", pages, iCalendar feeds) and each work's life.

Time is frozen with time-machine; the feeds are parsed back with vobject (a different
library from the ``icalendar`` that writes them).
"""

from __future__ import annotations

import datetime as dt
import json
import re
from zoneinfo import ZoneInfo

import pytest
import time_machine
import vobject

from mapapp import events, lifecycle
from mapapp.records import validate_record
from mapapp.store import Store

ALMATY = ZoneInfo("Asia/Almaty")
D = dt.date


def at(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=ALMATY)


# times and groups -----------------------------------------------------------------------


def test_an_all_day_event_includes_its_last_day():
    e = {"slug": "x", "start": "2018-08-24", "end": "2018-09-12"}
    begin, end = events.bounds(e)
    assert begin == at(2018, 8, 24) and end == at(2018, 9, 13)
    assert events.effective_status(e, at(2018, 9, 12, 23, 59)) == "on"
    assert events.effective_status(e, at(2018, 9, 13)) == "past"
    assert events.effective_status(e, at(2018, 8, 23, 23, 59)) == "announced"
    assert events.effective_status({**e, "status": "cancelled"}, at(2018, 9, 1)) == "cancelled"


def test_timed_events_use_almatys_offset_of_that_day():
    before = events.bounds({"start": "2018-09-09T12:00", "end": "2018-09-09T21:00"})[0]
    after = events.bounds({"start": "2025-09-09T12:00"})[0]
    assert before.utcoffset() == dt.timedelta(hours=6)  # until 1 March 2024
    assert after.utcoffset() == dt.timedelta(hours=5)


def test_buckets_at_a_fixed_moment():
    evs = [
        {"slug": "on", "start": "2026-05-01", "end": "2026-05-31"},
        {"slug": "week", "start": "2026-05-12T18:00", "end": "2026-05-12T20:00"},
        {"slug": "later", "start": "2026-06-20"},
        {"slug": "old", "start": "2018-09-09T12:00", "end": "2018-09-09T21:00"},
        {"slug": "older", "start": "2014-06-18"},
    ]
    groups = events.buckets(evs, at(2026, 5, 10, 9))
    assert {k: [e["slug"] for e in v] for k, v in groups.items()} == {
        "on": ["on"],
        "week": ["week"],
        "upcoming": ["later"],
        "past": ["old", "older"],
    }


def test_period_text_in_each_language():
    timed = {"start": "2018-09-09T12:00", "end": "2018-09-09T21:00"}
    assert events.period_text(timed, "en") == "9 Sept 2018, 12:00–21:00"
    assert "12:00–21:00" in events.period_text(timed, "ru")
    assert events.period_text({"start": "2018-08-24", "end": "2018-09-12"}, "en") == (
        "24 Aug – 12 Sept 2018"
    )


# records: bad input ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fields", "field", "code"),
    [
        ({"start": "2018-09-12", "end": "2018-09-01"}, "end", "date_order"),
        ({"start": "2018-09-09T21:00", "end": "2018-09-09T12:00"}, "end", "date_order"),
        ({"start": "2018-02-30"}, "start", "date_impossible"),
        ({"start": "2018-09-09T25:00"}, "start", "date_impossible"),
        ({"start": "next friday"}, "start", "event_time_format"),
        ({"start": "2018-09-09", "end": "2018-09-10T10:00"}, "end", "event_time_mixed"),
        ({"start": "2018-09-09", "lat": "43.2"}, "lon", "point_half"),
        ({"start": "2018-09-09", "status": "maybe"}, "status", "unknown_value"),
        ({"start": ""}, "start", "required"),
    ],
)
def test_bad_event_fields_are_refused_with_their_rule(fields, field, code):
    rec, errors = validate_record("event", {"slug": "x", "name": "X", **fields}, 2)
    assert rec is None
    assert (errors[0].field, errors[0].code) == (field, code)


def test_a_time_with_another_zone_is_turned_into_almaty_time():
    rec, errors = validate_record(
        "event", {"slug": "x", "name": "X", "start": "2018-09-09T06:00Z"}, 2
    )
    assert not errors and rec.start == "2018-09-09T12:00"


def test_the_seed_has_the_sourced_events_only(store: Store):
    rows = {r["slug"]: r for r in store.records("event")}
    assert rows["city-picnic-2018"]["start"] == "2018-09-09T12:00"
    assert rows["waterstream-public-art"]["venue"] == "artbat-fest-9-water-infinite-loop"
    assert all(r["source_url"].startswith("http") for r in rows.values())
    assert "park-fest-2018" not in {r["edition"] for r in rows.values()}  # months only


# curators -----------------------------------------------------------------------------------


def _event_form(**fields):
    base = {"slug": "", "name": "Night walk", "start": "2026-06-01T20:00", "end": ""}
    return {**base, **fields}


def test_curators_add_and_edit_events_with_history(cclient, auth, store):
    auth.login()
    resp = cclient.post("/curator/events/new", data=_event_form(venue="vodoskop"))
    assert resp.status_code == 302
    row = store.record_by_slug("event", "night-walk")
    assert row["venue"] == "vodoskop" and row["version"] == 1
    resp = cclient.post(
        f"/curator/events/{row['id']}",
        data=_event_form(slug="night-walk", version="1", end="2026-06-01T22:00"),
    )
    assert resp.status_code == 302
    assert store.record("event", row["id"])["version"] == 2
    stale = cclient.post(
        f"/curator/events/{row['id']}", data=_event_form(slug="night-walk", version="1")
    )
    assert stale.status_code == 409
    history = store.record_history("event", row["id"])
    assert [h["action"] for h in history] == ["update", "create"]
    assert cclient.get(f"/curator/events/{row['id']}/history").status_code == 200


def test_anonymous_users_cannot_add_events(cclient, store):
    assert cclient.post("/curator/events/new", data=_event_form()).status_code in (302, 401)
    assert cclient.post("/api/curator/events", json=_event_form()).status_code == 401
    assert store.record_by_slug("event", "night-walk") is None


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"end": "2026-05-01T10:00"}, "end"),
        ({"start": "2026-02-30"}, "start"),
        ({"venue": "afterglow"}, "venue"),  # a draft
        ({"venue": "no-such-work"}, "venue"),
        ({"lat": "43.0", "lon": "77.5"}, "lat"),  # far from the route
    ],
)
def test_bad_event_form_shows_the_error_at_the_field_and_stores_nothing(
    cclient, auth, store, fields, field
):
    auth.login()
    before = len(store.records("event"))
    resp = cclient.post("/curator/events/new", data=_event_form(**fields))
    assert resp.status_code == 400
    assert f'id="error-{field}"' in resp.get_data(as_text=True)
    assert len(store.records("event")) == before


def test_a_retired_venue_is_refused(cclient, auth, store):
    work = store.installation_by_slug("swans")
    store.update_installation(work["id"], {"status": "retired"}, work["version"], "cora")
    auth.login()
    resp = cclient.post("/curator/events/new", data=_event_form(venue="swans"))
    assert resp.status_code == 400
    assert "retired" in resp.get_data(as_text=True)


def test_the_api_answers_bad_events_with_400_json(cclient, auth, store):
    auth.login()
    resp = cclient.post(
        "/api/curator/events", json=_event_form(start="2026-06-02", end="2026-06-01")
    )
    assert resp.status_code == 400
    assert resp.get_json()["codes"] == {"end": "date_order"}
    resp = cclient.post("/api/curator/events", json=_event_form())
    assert resp.status_code == 201
    event_id = resp.get_json()["id"]
    resp = cclient.patch(
        f"/api/curator/events/{event_id}", json={"start": "2026-02-30", "version": 1}
    )
    assert resp.status_code == 400 and resp.get_json()["codes"] == {"start": "date_impossible"}
    resp = cclient.patch(f"/api/curator/events/{event_id}", json={"name": "Walk", "version": 9})
    assert resp.status_code == 409
    assert store.record("event", event_id)["version"] == 1


def test_overlapping_editions_of_one_festival_are_refused(cclient, auth, store):
    auth.login()
    data = {
        "festival": "artbat-fest",
        "name": "ARTBAT FEST 9b",
        "slug": "artbat-9b",
        "start_date": "2018-09-01",
        "end_date": "2018-10-01",
    }
    before = len(store.records("edition"))
    resp = cclient.post("/curator/editions/new", data=data)
    assert resp.status_code == 400
    assert 'id="error-start_date"' in resp.get_data(as_text=True)
    assert len(store.records("edition")) == before
    edition = store.record_by_slug("edition", "artbat-fest-9")
    resp = cclient.post(
        f"/curator/editions/{edition['id']}",
        data={
            **{k: edition[k] or "" for k in ("slug", "festival", "name")},
            "version": "1",
            "start_date": "2018-08-24",
            "end_date": "2018-09-25",
        },
    )
    assert resp.status_code == 302  # its own dates do not overlap itself


# public pages -------------------------------------------------------------------------------


@time_machine.travel(dt.datetime(2018, 9, 9, 15, 0, tzinfo=ALMATY), tick=False)
def test_whats_on_at_the_city_picnic(client):
    html = client.get("/esentai/events").get_data(as_text=True)
    on_now = html.split('data-bucket="on"')[1].split('data-bucket="week"')[0]
    assert "City Picnic" in on_now and "ARTBAT FEST 9: installations on the river" in on_now
    past = html.split('data-bucket="past"')[1]
    assert "Opening of the Kasteyev Museum" in past
    assert "/esentai/calendar/route.ics" in html


@time_machine.travel(dt.datetime(2026, 5, 10, 9, 0, tzinfo=ALMATY), tick=False)
def test_api_events_groups_and_rejects_bad_input(client):
    doc = client.get("/api/routes/esentai/events.json?bucket=past&festival=artbat-fest").get_json()
    assert doc["time_zone"] == "Asia/Almaty"
    assert {e["bucket"] for e in doc["events"]} == {"past"}
    assert all(e["festival"] == "artbat-fest" for e in doc["events"])
    at_picnic = client.get(
        "/api/routes/esentai/events.json?at=2018-09-09T13:00&bucket=on"
    ).get_json()
    assert "city-picnic-2018" in {e["slug"] for e in at_picnic["events"]}
    for bad in ("at=2018-02-30", "at=soon", "bucket=tomorrow", "festival=nope"):
        resp = client.get(f"/api/routes/esentai/events.json?{bad}")
        assert resp.status_code == 400 and "error" in resp.get_json()


def test_event_permalink_and_the_works_card(client):
    page = client.get("/esentai/events/waterstream-public-art")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "/esentai/installations/artbat-fest-9-water-infinite-loop" in html
    assert client.get("/esentai/events/no-such-event").status_code == 404
    work = client.get("/esentai/installations/vodoskop").get_data(as_text=True)
    assert "Made for ARTBAT FEST 9: installations on the river, 24 Aug – 12 Sept 2018" in work
    ru = client.get("/esentai/events/city-picnic-2018?lang=ru").get_data(as_text=True)
    assert "Городской пикник" in ru


# iCalendar feeds ----------------------------------------------------------------------------


def _parse(body: bytes):
    return vobject.readOne(body.decode("utf-8"))


def test_route_feed_parses_back_with_the_right_times(client):
    resp = client.get("/esentai/calendar/route.ics")
    assert resp.status_code == 200 and resp.mimetype == "text/calendar"
    cal = _parse(resp.get_data())
    assert cal.version.value == "2.0" and cal.prodid.value
    assert cal.vtimezone.tzid.value == "Asia/Almaty"
    by_uid = {v.uid.value: v for v in cal.vevent_list}
    picnic = by_uid["event-city-picnic-2018@cultural-terrenkur"]
    assert picnic.dtstart.value == dt.datetime(2018, 9, 9, 12, 0, tzinfo=ALMATY)
    assert picnic.dtstart.value.utcoffset() == dt.timedelta(hours=6)
    raw = resp.get_data(as_text=True)
    assert "DTSTART;TZID=Asia/Almaty:20180909T120000" in raw
    assert picnic.dtend.value.astimezone(dt.UTC) == dt.datetime(2018, 9, 9, 15, 0, tzinfo=dt.UTC)
    assert picnic.dtstamp.value.tzinfo is not None
    water = by_uid["event-waterstream-public-art@cultural-terrenkur"]
    assert water.dtstart.value == D(2018, 8, 24)
    assert water.dtend.value == D(2018, 9, 13)  # the day after the last (RFC 5545)
    assert "DTSTART;VALUE=DATE:20180824" in raw
    assert water.url.value.endswith("/esentai/events/waterstream-public-art")
    # off the river and of no edition on it: not on the route's calendar
    assert "event-nades-unveiling@cultural-terrenkur" not in by_uid
    assert all(len(line.encode()) <= 75 for line in raw.split("\r\n"))


def test_festival_feed(client):
    cal = _parse(client.get("/esentai/calendar/festivals/artbat-fest.ics?lang=ru").get_data())
    names = {v.summary.value for v in cal.vevent_list}
    assert "ARTBAT FEST 9: инсталляции на реке" in names
    assert all("korkut" not in v.uid.value for v in cal.vevent_list)
    assert client.get("/esentai/calendar/festivals/no-such.ics").status_code == 404


def test_a_2025_timed_event_is_at_utc_plus_5(cclient, auth):
    auth.login()
    resp = cclient.post(
        "/api/curator/events",
        json={
            "name": "Walk",
            "start": "2025-09-10T19:00",
            "end": "2025-09-10T21:00",
            "edition": "artbat-fest-9",  # an edition with works on the route: on its feeds
        },
    )
    assert resp.status_code == 201, resp.get_json()
    cal = _parse(cclient.get("/esentai/calendar/festivals/artbat-fest.ics").get_data())
    walk = next(v for v in cal.vevent_list if v.uid.value.startswith("event-walk@"))
    assert walk.dtstart.value.astimezone(dt.UTC) == dt.datetime(2025, 9, 10, 14, 0, tzinfo=dt.UTC)


# each work's life ---------------------------------------------------------------------------


def test_life_history_periods():
    w = {
        "start_date": "2016",
        "life": [
            {"status": "damaged", "date": "2019-03"},
            {"status": "removed", "date": "2020-05-01"},
            {"status": "restored", "date": "2022-06"},
        ],
    }
    assert lifecycle.periods(w) == [(D(2016, 1, 1), D(2020, 5, 1)), (D(2022, 6, 1), None)]
    assert lifecycle.state_on(w, D(2021, 1, 1)) == "gone"
    assert lifecycle.state_on(w, D(2023, 1, 1)) == "standing"
    assert lifecycle.standing([w], D(2021, 1, 1)) == []
    assert lifecycle.standing_years(w) == (2016, None)
    assert lifecycle.state_on(
        {"life": [{"status": "proposed", "date": "2025"}]}, D(2026, 1, 1)
    ) == ("not_yet")
    assert lifecycle.state_on({"life": [{"status": "removed", "date": "2019"}]}, D(2026, 1, 1)) == (
        "gone"
    )
    assert lifecycle.state_on({}, D(2026, 1, 1)) == "unknown"


def test_curators_add_and_withdraw_life_entries(cclient, auth, store):
    auth.login()
    work = store.installation_by_slug("kasteyev-monument")
    url = f"/curator/{work['id']}/life"
    assert cclient.get(url).status_code == 200
    bad = cclient.post(url, data={"status": "removed", "date": "2019-02-30"})
    assert bad.status_code == 400 and 'id="error-date"' in bad.get_data(as_text=True)
    bad = cclient.post(url, data={"status": "exploded", "date": "2019"})
    assert bad.status_code == 400 and 'id="error-status"' in bad.get_data(as_text=True)
    assert store.life_entries(work["id"]) == []
    ok = cclient.post(url, data={"status": "removed", "date": "2024-05", "note": "for repair"})
    assert ok.status_code == 303
    [entry] = store.life_entries(work["id"])
    assert entry["username"] == "cora"
    assert cclient.post(f"{url}/{entry['id']}/withdraw").status_code == 303
    assert store.life_entries(work["id"]) == []
    assert len(store.life_entries(work["id"], withdrawn=True)) == 1  # never deleted
    resp = cclient.post(f"/api/curator/installations/{work['id']}/life", json={"status": "removed"})
    assert resp.status_code == 400 and resp.get_json()["codes"] == {"date": "required"}


def _map_blob(html: str) -> dict:
    found = re.search(
        r'<script type="application/json" id="terrenkur-events">(.*?)</script>', html, re.S
    )
    assert found
    return json.loads(found.group(1))


def _settings(html: str) -> dict:
    found = re.search(r'id="terrenkur-settings"[^>]*>(.*?)</script>', html, re.S)
    assert found
    return json.loads(found.group(1))


def _stood(client, html: str, slug: str):
    """The map's ``stood`` value of the work ``slug`` (its stop table, as the page loads it)."""
    table = client.get(_settings(html)["contract"]["urls"]["stops"]).get_json()
    return table["stood"][table["slug"].index(slug)]


def _days(*spans: tuple[str, str | None]) -> list[list[int | None]]:
    epoch = dt.date(1970, 1, 1)
    return [
        [
            (dt.date.fromisoformat(a) - epoch).days,
            None if b is None else (dt.date.fromisoformat(b) - epoch).days,
        ]
        for a, b in spans
    ]


def test_a_temporary_work_is_gone_and_stays_on_its_page(client):
    page = client.get("/esentai/installations/vodoskop")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert _stood(client, html, "vodoskop") == _days(("2018-08-24", "2018-09-12"))
    assert "works" not in _map_blob(html)  # the works' times are in the stop table
    # a gone work's page turns the "works that are gone" switch on, and says so
    assert 'id="show-gone" name="show_gone" checked' in html
    assert "This work is gone; it stays here with its history." in html


def test_a_removed_work_keeps_its_page_and_history(cclient, auth, client, store):
    work = store.installation_by_slug("kasteyev-monument")
    auth.login()
    cclient.post(f"/curator/{work['id']}/life", data={"status": "installed", "date": "1984"})
    cclient.post(f"/curator/{work['id']}/life", data={"status": "removed", "date": "2024-05"})
    html = client.get("/esentai/installations/kasteyev-monument").get_data(as_text=True)
    assert "This work is gone" in html and "May 2024" in html
    assert _stood(client, html, "kasteyev-monument") == _days(("1984-01-01", "2024-05-31"))
    # its card lists the entries (from its detail chunk)
    settings = _settings(html)
    details = client.get(settings["contract"]["urls"]["details"].format(n=0)).get_json()
    life = details["life"][details["id"].index(work["id"])]
    assert [e[:3] for e in life] == [
        ["installed", "1984", "1984"],
        ["removed", "2024-05", "May 2024"],
    ]


# the planner counts only the works standing on the chosen date ---------------------------


def test_the_planner_counts_the_works_standing_on_a_date(client):
    every = client.get("/api/routes/esentai/coverage?kind=all").get_json()
    then = client.get("/api/routes/esentai/coverage?kind=all&on=2018-09").get_json()
    later = client.get("/api/routes/esentai/coverage?kind=all&on=2019-01-15").get_json()
    assert then["parameters"]["on"] == "2018-09"
    assert later["works_total"] < then["works_total"] < every["works_total"]
    for bad in ("2018-02-30", "2018-13", "soon"):
        resp = client.get(f"/api/routes/esentai/coverage?on={bad}")
        assert resp.status_code == 400
    page = client.get("/esentai/planner?on=2018-02-30")
    assert page.status_code == 400 and 'id="e-on"' in page.get_data(as_text=True)


def test_a_life_entry_keeps_a_dated_photo_that_the_public_sees(cclient, auth, store):
    import io

    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", (64, 48), (10, 120, 200)).save(buf, "JPEG")
    work = store.installation_by_slug("kasteyev-monument")
    auth.login()
    resp = cclient.post(
        f"/curator/{work['id']}/life",
        data={
            "status": "damaged",
            "date": "2023-03",
            "photo_file": (io.BytesIO(buf.getvalue()), "x.jpg"),
        },
        content_type="multipart/form-data",
    )
    assert resp.status_code == 303
    [entry] = store.life_entries(work["id"])
    assert entry["photo"].endswith(".jpg")
    auth.logout()
    served = cclient.get(f"/media/phone/{entry['photo']}")
    assert served.status_code == 200
    served.close()
    html = cclient.get("/esentai/installations/kasteyev-monument").get_data(as_text=True)
    assert f"/media/phone/{entry['photo']}" in html and "March 2023" in html
    bad = cclient.post(
        f"/curator/{work['id']}/life",
        data={
            "status": "damaged",
            "date": "2023",
            "photo_file": (io.BytesIO(b"GIF89a no"), "x.jpg"),
        },
        content_type="multipart/form-data",
    )
    assert bad.status_code in (302, 401)  # signed out: nothing stored
    assert len(store.life_entries(work["id"])) == 1


# the static export and the curators' CSV ----------------------------------------------------


def test_the_static_export_has_whats_on_event_pages_and_feeds(app, tmp_path):
    from mapapp.site import check_site, export_site

    out = tmp_path / "site"
    export_site(app, out, base_url="https://example.org/walk/")
    assert check_site(out, "/walk/") == []
    route = out / "esentai"  # every route in its folder
    assert "City Picnic" in (route / "events" / "index.html").read_text(encoding="utf-8")
    page = (route / "ru" / "events" / "city-picnic-2018" / "index.html").read_text(encoding="utf-8")
    assert "Городской пикник" in page and 'href="/walk/esentai/ru/installations/' in page
    cal = vobject.readOne((route / "kk" / "calendar" / "route.ics").read_text(encoding="utf-8"))
    picnic = next(v for v in cal.vevent_list if "city-picnic" in v.uid.value)
    assert picnic.url.value == "https://example.org/walk/esentai/kk/events/city-picnic-2018/"
    assert (route / "calendar" / "festivals" / "artbat-fest.ics").is_file()


def test_curators_export_the_events_as_csv(cclient, auth):
    auth.login()
    resp = cclient.get("/curator/export/events.csv")
    assert resp.status_code == 200
    text = resp.get_data(as_text=True)
    assert text.splitlines()[0].startswith("id,slug,name,name_ru,name_kk,description")
    assert "city-picnic-2018" in text


def test_the_timeline_leaves_out_the_years_a_work_was_removed():
    from mapapp import geo, timeline

    route = geo.Route.from_coords([[76.92, 43.22], [76.92, 43.25]])
    work = {
        "lon": 76.92,
        "lat": 43.23,
        "start_date": "2016",
        "life": [
            {"status": "removed", "date": "2018-05"},
            {"status": "restored", "date": "2021-06"},
        ],
    }
    line = timeline.coverage_timeline(route, [work], 150, until=2022)
    standing = {y.year: y.standing for y in line.years}
    assert standing == {2016: 1, 2017: 1, 2018: 1, 2019: 0, 2020: 0, 2021: 1, 2022: 1}


def test_curator_event_pages_render(cclient, auth, store):
    auth.login()
    listing = cclient.get("/curator/events").get_data(as_text=True)
    assert "city-picnic-2018" in listing and "/curator/events/new" in listing
    form = cclient.get("/curator/events/new?venue=vodoskop").get_data(as_text=True)
    assert '<select name="venue"' in form and '<option value="vodoskop" selected>' in form
    assert '<select name="status"' in form and '<select name="edition"' in form
    assert "afterglow" not in form  # drafts are not offered as venues
    picnic = store.record_by_slug("event", "city-picnic-2018")
    page = cclient.get(f"/curator/events/{picnic['id']}").get_data(as_text=True)
    assert 'value="2018-09-09T12:00"' in page and "/esentai/events/city-picnic-2018" in page
