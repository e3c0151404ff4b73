"""Saved scenarios and drafts from them: curators only, CSRF-protected, never published."""

from __future__ import annotations

import re

import pytest

from mapapp.app import create_app
from mapapp.store import Store

SITES = "43.2301,76.9254;43.2445,76.9195"


def saved(db_path):
    store = Store.open(db_path)
    try:
        return store.scenarios()
    finally:
        store.close()


def save(cclient, name="Bridges first", sites=SITES, query="radius=200&k=3"):
    return cclient.post(
        "/esentai/planner/scenarios", data={"name": name, "sites": sites, "query": query}
    )


def test_the_public_cannot_save_delete_or_make_drafts(cclient, db_path):
    assert save(cclient).status_code == 302  # to the sign-in page
    assert saved(db_path) == []
    for path in ("/esentai/planner/scenarios/1/delete", "/esentai/planner/scenarios/1/drafts"):
        resp = cclient.post(path, data={"site": "1", "kind": "mural"})
        assert resp.status_code == 302 and "/login" in resp.headers["Location"]
    html = cclient.get(f"/esentai/planner?sites={SITES}").text
    assert "Save scenario" not in html and "csrf_token" not in html
    assert 'name="status"' not in html  # no drafts for the public


def test_a_curator_saves_and_reopens_a_scenario(cclient, auth, db_path):
    auth.login()
    resp = save(cclient)
    assert resp.status_code == 303
    [row] = saved(db_path)
    assert row["name"] == "Bridges first" and row["username"] == "cora"
    assert row["sites"] == [(76.9254, 43.2301), (76.9195, 43.2445)]
    assert row["settings"] == {"radius": "200", "gap": "300", "segment": "100", "k": "3"}
    assert f"scenario={row['id']}" in resp.headers["Location"]
    page = cclient.get(resp.headers["Location"]).text
    assert "Scenario “Bridges first” saved." in page
    assert "Turn sites of “Bridges first” (as saved) into draft works" in page
    assert page.count('name="site" value=') == 2
    # the id alone opens it with its sites
    alone = cclient.get(f"/esentai/planner?scenario={row['id']}").text
    assert "Scenario “Bridges first” against today" in alone and "<tr><td>P2</td>" in alone
    assert cclient.get("/esentai/planner").headers["Cache-Control"] == "private, no-store"


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"name": "", "sites": SITES}, "Give the scenario a name to save it."),
        ({"name": "x", "sites": ""}, "Add at least one proposed site"),
        ({"name": "x", "sites": "91,1"}, "Add at least one proposed site"),
        ({"name": "n" * 81, "sites": SITES}, "at most 80 characters"),
    ],
)
def test_a_scenario_that_cannot_be_saved_says_why(cclient, auth, db_path, data, message):
    auth.login()
    resp = cclient.post("/esentai/planner/scenarios", data=data, follow_redirects=True)
    assert message in resp.text and saved(db_path) == []


def test_bad_settings_are_dropped_not_stored(cclient, auth, db_path):
    auth.login()
    save(cclient, query="radius=-4&kind=spaceship")
    assert saved(db_path)[0]["settings"] == {}


def test_sites_become_drafts_through_the_one_write_path(cclient, auth, db_path, client):
    auth.login()
    counted_before = cclient.get("/api/routes/esentai/coverage?status=published,draft").json[
        "works_total"
    ]
    save(cclient)
    [row] = saved(db_path)
    resp = cclient.post(
        f"/esentai/planner/scenarios/{row['id']}/drafts",
        data={"site": ["2", "2", "9", "x"], "kind": "sculpture"},
        follow_redirects=True,
    )
    assert "1 draft work made" in resp.text
    store = Store.open(db_path)
    try:
        [work] = [w for w in store.all_installations() if w["slug"].startswith("scenario-")]
        history = store.history(work["id"])
    finally:
        store.close()
    assert work["status"] == "draft" and work["location_precision"] == "estimated"
    assert work["kind"] == "sculpture" and (work["lat"], work["lon"]) == (43.2445, 76.9195)
    assert "planner scenario “Bridges first”" in work["source_note"]
    assert work["source_url"].startswith("http://localhost/esentai/planner?")
    assert history[0]["action"] == "create" and history[0]["username"] == "cora"
    assert saved(db_path)[0]["drafts"] == {2: work["id"]}
    page = cclient.get(f"/esentai/planner?scenario={row['id']}").text
    assert f'href="/curator/{work["id"]}"' in page and page.count('name="site" value=') == 1
    # never public, never counted for the public
    assert client.get(f"/api/routes/esentai/installations/{work['id']}").status_code == 404
    assert work["title"] not in client.get("/esentai/planner?kind=all").text
    # the curator may count drafts; such answers are private
    drafts = cclient.get("/api/routes/esentai/coverage?status=published,draft")
    assert drafts.status_code == 200 and "no-store" in drafts.headers["Cache-Control"]
    public = cclient.get("/api/routes/esentai/coverage").json
    assert drafts.json["works_total"] == counted_before + 1 > public["works_total"]
    chart = cclient.get("/esentai/planner/chart.svg?status=draft")
    assert chart.headers["Cache-Control"] == "private, no-store"
    # making it again makes nothing twice
    again = cclient.post(
        f"/esentai/planner/scenarios/{row['id']}/drafts",
        data={"site": "2", "kind": "mural"},
        follow_redirects=True,
    )
    assert "Tick the sites that are to become draft works." in again.text


def test_drafts_need_a_known_kind_and_a_place_near_the_route(cclient, auth, db_path):
    auth.login()
    save(cclient, sites="43.2301,76.9254;43.40,77.20")  # the second is far away
    [row] = saved(db_path)
    resp = cclient.post(
        f"/esentai/planner/scenarios/{row['id']}/drafts",
        data={"site": "1", "kind": "park"},
        follow_redirects=True,
    )
    assert "Choose the kind of work the drafts are to be." in resp.text
    resp = cclient.post(
        f"/esentai/planner/scenarios/{row['id']}/drafts",
        data={"site": ["1", "2"], "kind": "mural"},
        follow_redirects=True,
    )
    assert "No draft was made. Site 2:" in resp.text and "km from the route" in resp.text
    assert saved(db_path)[0]["drafts"] == {}
    assert (
        cclient.post("/esentai/planner/scenarios/999/drafts", data={"site": "1"}).status_code == 404
    )


def test_a_curator_deletes_a_scenario(cclient, auth, db_path):
    auth.login()
    save(cclient)
    [row] = saved(db_path)
    resp = cclient.post(f"/esentai/planner/scenarios/{row['id']}/delete", follow_redirects=True)
    assert "Scenario “Bridges first” deleted" in resp.text and saved(db_path) == []
    assert cclient.post(f"/esentai/planner/scenarios/{row['id']}/delete").status_code == 404


def test_saving_needs_the_csrf_token(db_path, users):
    app = create_app({"TESTING": True, "DB": str(db_path), "TILES": "", "RATELIMIT_ENABLED": False})
    client = app.test_client()
    token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/login").text).group(1)
    client.post(
        "/login", data={"username": "cora", "password": "curator-pass-1", "csrf_token": token}
    )
    resp = client.post("/esentai/planner/scenarios", data={"name": "x", "sites": SITES})
    assert resp.status_code == 400 and "CSRF" in resp.text
    page = client.get(f"/esentai/planner?sites={SITES}").text
    form_token = re.search(
        r'action="/esentai/planner/scenarios">\s*'
        r'<input type="hidden" name="csrf_token" value="([^"]+)"',
        page,
    ).group(1)
    resp = client.post(
        "/esentai/planner/scenarios", data={"name": "x", "sites": SITES, "csrf_token": form_token}
    )
    assert resp.status_code == 303 and len(saved(db_path)) == 1
