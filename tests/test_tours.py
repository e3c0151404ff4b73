"""Tours, QR codes and plaques: curators' editing and history, the public pages, the API."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import pytest

from mapapp.sharing import directions_links, tour_length_m

WORKS = ["auezov-theatre", "kasteyev-state-museum-of-arts", "kazakh-state-circus"]
TOUR = {
    "name": "Three landmarks",
    "name_ru": "Три ориентира",
    "slug": "",
    "description": "From the theatre to the circus.",
    "works": "\n".join(WORKS),
    "duration_min": "45",
    "start_note": "Metro Auezov.",
    "end_note": "Cafés at the circus.",
}


def add_tour(cclient, auth, **changes: str):
    auth.login()
    return cclient.post("/curator/tours/new", data={**TOUR, **changes})


def test_tour_pages_need_a_curator(cclient, auth):
    for path in ("/curator/tours", "/curator/tours/new", "/curator/export/tours.csv"):
        resp = cclient.get(path)
        assert resp.status_code == 302 and resp.headers["Location"].startswith("/login?next=")
    auth.login()
    assert cclient.get("/curator/tours").status_code == 200
    assert "auezov-theatre" in cclient.get("/curator/tours/new").text  # the keys to choose from


def test_a_curator_adds_a_tour_edits_it_and_restores_it(cclient, auth, store):
    resp = add_tour(cclient, auth)
    assert resp.status_code == 302, resp.text
    tour = store.record_by_slug("tour", "three-landmarks")
    assert tour["works"] == ";".join(WORKS) and tour["duration_min"] == 45
    assert tour["text_status_ru"] == "translated"
    assert "Three landmarks" in cclient.get("/curator/tours").text
    edit = f"/curator/tours/{tour['id']}"
    form = {k: "" if v is None else str(v) for k, v in tour.items()}
    form.update(works=";".join(reversed(WORKS)), version="1")
    assert cclient.post(edit, data=form).status_code == 302
    saved = store.record_by_slug("tour", "three-landmarks")
    assert saved["works"] == ";".join(reversed(WORKS)) and saved["version"] == 2
    # a stale form overwrites nothing
    stale = cclient.post(edit, data={**form, "name": "Other", "version": "1"})
    assert stale.status_code == 409 and store.record("tour", tour["id"])["version"] == 2
    history = store.record_history("tour", tour["id"])
    first = history[-1]["id"]
    resp = cclient.post(f"{edit}/restore/{first}", data={"version": "2"})
    assert resp.status_code == 303
    assert store.record_by_slug("tour", "three-landmarks")["works"] == ";".join(WORKS)


@pytest.mark.parametrize(
    ("works", "message"),
    [
        ("auezov-theatre\nno-such-work", "There is no work with the key “no-such-work”."),
        ("auezov-theatre\nauezov-theatre", "A work may appear only once in a tour."),
        ("", "Required."),
        ("Not A Key", "Use lowercase letters"),
    ],
)
def test_a_tour_with_bad_works_is_refused_next_to_the_field(cclient, auth, store, works, message):
    resp = add_tour(cclient, auth, works=works)
    assert resp.status_code == 400
    assert message in resp.text
    assert store.records("tour") == []


def test_a_bad_duration_is_refused(cclient, auth):
    assert add_tour(cclient, auth, duration_min="ten").status_code == 400
    assert add_tour(cclient, auth, duration_min="0").status_code == 400


def test_the_public_tour_page_lists_the_published_works_in_order(cclient, auth, store):
    add_tour(cclient, auth)
    auth.logout()
    page = cclient.get("/esentai/tours/three-landmarks?lang=ru").text
    assert "Три ориентира" in page
    positions = [page.index(f'data-slug="{slug}"') for slug in WORKS]
    assert positions == sorted(positions)
    assert "/?tour=three-landmarks" in page and "/esentai/tours/three-landmarks/plaques" in page
    assert 'id="tour-progress"' in page and 'name="seen"' in page
    assert "около 45 мин" in page or "45" in page
    assert re.search(r"\d+,\d км от начала", page)  # Russian decimal comma
    listing = cclient.get("/esentai/tours").text
    assert "/esentai/tours/three-landmarks" in listing
    assert cclient.get("/esentai/tours/no-such-tour").status_code == 404


def test_a_draft_in_a_tour_stays_off_the_public_page(cclient, auth, store):
    add_tour(cclient, auth)
    work = store.installation_by_slug("auezov-theatre", published_only=False)
    store.update_installation(work["id"], {"status": "draft"}, work["version"], "cora")
    data = cclient.get("/api/routes/esentai/tours/three-landmarks").json
    assert data["slugs"] == WORKS[1:]


def test_the_tour_api_gives_the_ids_in_walking_order(cclient, auth, store):
    add_tour(cclient, auth)
    data = cclient.get("/api/routes/esentai/tours/three-landmarks?lang=ru").json
    ids = [store.installation_by_slug(s)["id"] for s in WORKS]
    assert data["ids"] == ids and data["slugs"] == WORKS
    assert data["name"] == "Три ориентира" and data["duration_min"] == 45
    assert data["map_url"].startswith("/esentai/?") and "tour=three-landmarks" in data["map_url"]
    missing = cclient.get("/api/routes/esentai/tours/nope")
    assert missing.status_code == 404 and missing.is_json


def test_a_work_has_a_qr_code_of_its_permalink(client):
    resp = client.get("/esentai/installations/auezov-theatre/qr.svg?lang=kk")
    assert resp.status_code == 200 and resp.mimetype == "image/svg+xml"
    root = ET.fromstring(resp.data)
    assert root.tag.endswith("svg")
    assert client.get("/esentai/installations/no-such-work/qr.svg").status_code == 404


def test_the_qr_code_decodes_to_the_permalink_in_the_language():
    # segno writes what it is given: the payload is the absolute permalink with lang
    import segno

    code = segno.make("http://localhost/installations/auezov-theatre?lang=kk", error="m")
    assert code.error == "M" and code.version >= 3


def test_the_plaque_sheet_has_a_qr_plaque_per_work_on_a4(client):
    page = client.get("/esentai/plaques?lang=ru").text
    assert page.count('class="plaque"') >= 30
    assert page.count("<svg") == page.count('class="plaque"')
    assert "http://localhost/esentai/installations/auezov-theatre?lang=ru" in page
    css = client.get(re.search(r'href="([^"]*plaques\.css[^"]*)"', page).group(1)).text
    assert "size: A4" in css


def test_a_tour_has_its_plaques(cclient, auth):
    add_tour(cclient, auth)
    page = cclient.get("/esentai/tours/three-landmarks/plaques").text
    assert page.count('class="plaque"') == 3
    assert cclient.get("/esentai/tours/nope/plaques").status_code == 404


def test_directions_name_every_map_app():
    links = {d["key"]: d["url"] for d in directions_links(43.2, 76.9, "Red & men")}
    assert links["geo"] == "geo:43.200000,76.900000?q=43.200000,76.900000(Red%20%26%20men)"
    assert links["osm"].startswith("https://www.openstreetmap.org/?mlat=43.200000&mlon=76.900000")
    assert links["2gis"] == "https://2gis.kz/almaty/geo/76.900000,43.200000"
    assert "destination=43.200000,76.900000" in links["google"]
    assert links["organic"].startswith("om://map?v=1&ll=43.200000,76.900000&n=Red")


def test_a_tour_length_is_along_the_river():
    stops = [{"chainage_m": 100.0}, {"chainage_m": 900.0}, {"chainage_m": 400.0}]
    assert tour_length_m(stops) == 1300.0
    assert tour_length_m(stops[:1]) == 0.0


def test_the_offline_search_index_holds_every_name_folded(client, store):
    doc = client.get("/api/routes/esentai/search-index").json
    assert len(doc["ids"]) == len(doc["keys"]) >= 30
    by_id = dict(zip(doc["ids"], doc["keys"], strict=True))
    wid = store.installation_by_slug("kasteyev-state-museum-of-arts")["id"]
    assert "kastev" in by_id[wid].split()  # Кастеев, Қастеев and Kasteyev meet
    assert doc["folding"]["cyrillic"]["қ"] == "k" and ["y", "i"] in doc["folding"]["even"]
