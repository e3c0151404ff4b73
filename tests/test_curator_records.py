"""Festivals, editions and artists: the curator pages, the public artist page, the API."""

from __future__ import annotations

import re

import pytest
from click.testing import CliRunner

from mapapp.app import create_app
from mapapp.cli import cli
from mapapp.records import read_records_text

from .conftest import make_installation

KIND_PATHS = {"festival": "festivals", "edition": "editions", "artist": "artists"}
FESTIVAL = {"name": "Esentai Sound Days", "slug": "", "link": "https://example.org/esd"}


def form(row: dict, **changes: str) -> dict:
    """A record's edit form as a browser would post it."""
    return {k: "" if v is None else str(v) for k, v in {**row, **changes}.items()}


@pytest.mark.parametrize(
    "path",
    [
        "/curator/festivals",
        "/curator/editions",
        "/curator/artists",
        "/curator/festivals/new",
        "/curator/editions/new",
        "/curator/artists/new",
        "/curator/festivals/1",
        "/curator/artists/1",
        "/curator/artists/1/history",
        "/curator/export/artists.csv",
    ],
)
def test_record_pages_need_a_curator(cclient, auth, path):
    resp = cclient.get(path)
    assert resp.status_code == 302 and resp.headers["Location"].startswith("/login?next=")
    assert cclient.post(path.removesuffix("/history")).status_code in (302, 405)
    auth.login()
    resp = cclient.get(path)
    assert resp.status_code in (200, 302), path


def test_add_a_festival_and_an_edition_then_a_work_of_it(cclient, auth, db_path, store):
    auth.login()
    resp = cclient.post("/curator/festivals/new", data=FESTIVAL)
    assert resp.status_code == 302
    festival = store.record_by_slug("festival", "esentai-sound-days")
    assert festival["text_status_en"] == "original" and festival["text_status_ru"] == ""
    page = cclient.get("/curator/festivals").text
    assert (
        "Esentai Sound Days" in page and "/curator/editions/new?festival=esentai-sound-days" in page
    )
    edition = {
        "festival": "esentai-sound-days",
        "name": "Esentai Sound Days 2027",
        "name_ru": "Дни звука на Есентае 2027",
        "year": "2027",
        "start_date": "2027-06-01",
        "end_date": "2027-06-14",
        "curator": "A. Curator",
    }
    assert cclient.post("/curator/editions/new", data=edition).status_code == 302
    saved = store.record_by_slug("edition", "esentai-sound-days-2027")
    assert saved["year"] == 2027 and saved["text_status_ru"] == "translated"
    resp = cclient.post(
        "/api/curator/installations",
        json={**_work(), "edition": "esentai-sound-days-2027", "status": "published"},
    )
    assert resp.status_code == 201, resp.json
    assert resp.json["festival"] == "esentai-sound-days"  # set from the edition
    api = cclient.get(
        "/api/routes/esentai/installations.geojson?edition=esentai-sound-days-2027"
    ).json
    [feature] = api["features"]
    props = feature["properties"]
    assert (
        props["festival"] == "Esentai Sound Days" and props["festival_slug"] == "esentai-sound-days"
    )
    assert props["edition_name"] == "Esentai Sound Days 2027"
    ru = cclient.get(
        "/api/routes/esentai/installations.geojson?edition=esentai-sound-days-2027&lang=ru"
    ).json
    assert ru["features"][0]["properties"]["edition_name"] == "Дни звука на Есентае 2027"
    assert ru["features"][0]["properties"]["dates"] == ""
    # the map's filter offers the edition under its festival
    html = cclient.get("/esentai/").text
    assert 'value="edition:esentai-sound-days-2027"' in html


def _work(**fields):
    return {
        "title": "Sound bench",
        "kind": "installation",
        "lat": 43.2399,
        "lon": 76.9203,
        "location_precision": "surveyed",
        "source_url": "https://example.org/bench",
        **fields,
    }


@pytest.mark.parametrize(
    ("kind", "data", "field", "message"),
    [
        ("festival", {"name": ""}, "name", "Required."),
        ("festival", {"name": "X", "link": "javascript:alert(1)"}, "link", "web address"),
        ("festival", {"name": "X", "slug": "ARTBAT FEST"}, "slug", "lowercase"),
        ("festival", {"name": "ARTBAT FEST"}, "slug", "used by another record"),
        ("edition", {"name": "E", "festival": "nope"}, "festival", "no festival “nope”"),
        ("edition", {"name": "E", "festival": ""}, "festival", "Required."),
        ("edition", {"name": "E", "festival": "park-fest", "year": "18"}, "year", "four-digit"),
        (
            "edition",
            {"name": "E", "festival": "park-fest", "start_date": "2019-05", "end_date": "2019"},
            "end_date",
            "",
        ),
        (
            "edition",
            {"name": "E", "festival": "park-fest", "start_date": "2019-05", "end_date": "2018"},
            "end_date",
            "before the start date",
        ),
        ("artist", {"name": "A", "text_status_ru": "perfect"}, "text_status_ru", "Unknown value"),
    ],
)
def test_record_rules_with_translated_messages(cclient, auth, kind, data, field, message):
    auth.login()
    resp = cclient.post(f"/curator/{KIND_PATHS[kind]}/new", data=data)
    if not message:  # a period inside one year is fine
        assert resp.status_code == 302
        return
    assert resp.status_code == 400
    assert f'id="error-{field}"' in resp.text and message in resp.text.replace("&#34;", '"')
    ru = cclient.post(f"/curator/{KIND_PATHS[kind]}/new?lang=ru", data=data).text
    assert 'id="error-' + field + '"' in ru and "Required." not in ru


def test_stale_edits_and_history_of_a_record(cclient, auth, db_path, store):
    auth.login()
    artist = store.record_by_slug("artist", "pavel-shorokhov")
    resp = cclient.post(
        f"/curator/artists/{artist['id']}", data=form(artist, bio="Sculptor in Almaty.")
    )
    assert resp.status_code == 302
    # a form still at version 1 overwrites nothing
    resp = cclient.post(f"/curator/artists/{artist['id']}", data=form(artist, bio="Stale."))
    assert resp.status_code == 409 and "Nothing was overwritten" in resp.text
    assert store.record("artist", artist["id"])["bio"] == "Sculptor in Almaty."
    page = cclient.get(f"/curator/artists/{artist['id']}/history").text
    assert "Sculptor in Almaty." in page and "loaded from the data files" in page
    [_, seeded] = store.record_history("artist", artist["id"])
    resp = cclient.post(
        f"/curator/artists/{artist['id']}/restore/{seeded['id']}", data={"version": "2"}
    )
    assert resp.status_code == 303
    restored = store.record("artist", artist["id"])
    assert restored["bio"] == artist["bio"] and restored["version"] == 3


def test_a_key_in_use_cannot_change_and_a_free_one_can(cclient, auth, db_path, store):
    auth.login()
    used = store.record_by_slug("artist", "pavel-shorokhov")
    resp = cclient.post(f"/curator/artists/{used['id']}", data=form(used, slug="p-shorokhov"))
    assert resp.status_code == 400 and "Works refer to this key" in resp.text
    assert (
        'readonly aria-describedby="slug-note"'
        in cclient.get(f"/curator/artists/{used['id']}").text
    )
    cclient.post("/curator/artists/new", data={"name": "New Person"})
    free = store.record_by_slug("artist", "new-person")
    resp = cclient.post(f"/curator/artists/{free['id']}", data=form(free, slug="new-person-2"))
    assert resp.status_code == 302
    assert store.record("artist", free["id"])["slug"] == "new-person-2"


def test_csrf_is_required_on_record_forms(db_path, users):
    app = create_app({"TESTING": True, "DB": str(db_path), "TILES": "", "RATELIMIT_ENABLED": False})
    client = app.test_client()
    token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/login").text).group(1)
    client.post(
        "/login", data={"username": "cora", "password": "curator-pass-1", "csrf_token": token}
    )
    resp = client.post("/curator/festivals/new", data=FESTIVAL)
    assert resp.status_code == 400 and "CSRF" in resp.text
    page = client.get("/curator/festivals/new").text
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    resp = client.post("/curator/festivals/new", data={**FESTIVAL, "csrf_token": token})
    assert resp.status_code == 302


def test_works_form_chooses_festival_edition_and_artists(cclient, auth, db_path, store):
    auth.login()
    page = cclient.get("/curator/new").text
    assert '<option value="artbat-fest-9"' in page and '<option value="pavel-shorokhov"' in page
    data = {
        **{k: str(v) for k, v in _work(title="Two artists").items()},
        "festival": "",
        "edition": "artbat-fest-9",
        "artists": ["", "brida", "marco-barotti"],
        "status": "draft",
    }
    resp = cclient.post("/curator/new", data=data)
    assert resp.status_code == 302
    row = store.installation_by_slug("two-artists", published_only=False)
    assert (row["festival"], row["edition"], row["artists"]) == (
        "artbat-fest",
        "artbat-fest-9",
        "brida;marco-barotti",
    )
    # choosing no artist clears them; the empty value marks that the form asked
    edit = {**data, "artists": [""], "version": "1"}
    assert cclient.post(f"/curator/{row['id']}", data=edit).status_code == 302
    assert store.installation(row["id"], published_only=False)["artists"] == ""
    bad = {**data, "title": "Wrong pair", "festival": "park-fest"}
    resp = cclient.post("/curator/new", data=bad)
    assert resp.status_code == 400 and "belongs to the festival" in resp.text


def test_import_rejects_unknown_references_row_by_row(cclient, auth, db_path):
    auth.login()
    header = "slug,title,kind,lat,lon,location_precision,source_url,festival,edition,artists"
    rows = [
        "ok,OK,mural,43.24,76.921,approximate,https://a.kz/x,ARTBAT FEST,artbat-fest-9,brida",
        "old-name,Old name,mural,43.24,76.921,approximate,https://a.kz/x,PARK FEST,,",
        "no-fest,No fest,mural,43.24,76.921,approximate,https://a.kz/x,Burning Man,,",
        "no-ed,No edition,mural,43.24,76.921,approximate,https://a.kz/x,,artbat-fest-99,",
        "no-art,No artist,mural,43.24,76.921,approximate,https://a.kz/x,,,nobody",
    ]
    from io import BytesIO

    content = ("\n".join([header, *rows]) + "\n").encode()
    resp = cclient.post(
        "/curator/import",
        data={"file": (BytesIO(content), "refs.csv")},
        content_type="multipart/form-data",
    )
    assert resp.status_code == 400
    assert "2 to add, 0 to change, 0 unchanged, 3 rejected." in resp.text
    assert "There is no festival “Burning Man”." in resp.text
    assert "There is no edition “artbat-fest-99”." in resp.text
    assert "There is no artist “nobody”." in resp.text


def test_record_exports_are_seed_files_again(tmp_path, db_path, store):
    runner = CliRunner()
    for kind in ("festival", "edition", "artist"):
        out = runner.invoke(cli, ["export", "--db", str(db_path), "--format", f"{kind}s"])
        assert out.exit_code == 0
        good, errors = read_records_text(kind, out.output)
        assert errors == []
        stored = store.records(kind)
        assert [r.slug for _, r in good] == [r["slug"] for r in stored]


# the public side -----------------------------------------------------------------------------


def test_artist_page_lists_their_published_works(client, store):
    html = client.get("/esentai/artists/pavel-shorokhov").text
    assert "<h1>Pavel Shorokhov</h1>" in html
    for slug in ("pavel-shorokhov-kasteyev-park", "clown-and-gymnast"):
        assert f'href="/esentai/installations/{slug}"' in html
    ru = client.get("/esentai/artists/pavel-shorokhov?lang=ru").text
    assert (
        "<h1>Павел Шорохов</h1>" in ru
        and 'href="/esentai/installations/clown-and-gymnast?lang=ru"' in ru
    )
    assert "Переведено проектом" in ru  # the biography's state is said
    assert 'lang="en"' in ru and "Pavel Shorokhov" in ru  # the other names, marked


def test_artist_pages_show_only_artists_of_published_works(client):
    # Masayoshi Fujita's only work is a draft; Atomik Architecture's too
    assert client.get("/esentai/artists/masayoshi-fujita").status_code == 404
    assert client.get("/esentai/artists/atomik-architecture").status_code == 404
    assert client.get("/esentai/artists/nobody").status_code == 404


def test_artist_page_escapes_everything(client, store, db_path):
    evil = "<script>alert(1)</script>"
    store.create_record("artist", {"slug": "evil", "name": evil, "bio": evil}, "cora")
    store.insert_missing(
        [
            make_installation(
                id=951, slug="evil-work", title=evil, artists="evil", status="published"
            )
        ]
    )
    html = client.get("/esentai/artists/evil").text
    assert evil not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert evil not in client.get("/esentai/").text


def test_stop_list_and_api_link_each_work_to_its_artists(client):
    plain = client.get("/esentai/stops").text  # the list without script
    item = plain.split('<li data-id="20"')[1].split("</li>")[0]
    assert (
        'href="/esentai/artists/georgy-tryakin-bukharov"' in item
        and 'href="/esentai/artists/eduard-kazaryan"' in item
    )
    html = client.get("/esentai/").text
    table = client.get("/api/routes/esentai/stops.json?lang=ru").json  # what the map's list links
    i = table["id"].index(20)
    assert table["artists"][i] == ["georgy-tryakin-bukharov", "eduard-kazaryan"]
    assert table["artistNames"]["georgy-tryakin-bukharov"] == "Георгий Трякин-Бухаров"
    feature = client.get("/api/routes/esentai/installations/20?lang=ru").json
    assert [a["slug"] for a in feature["properties"]["artists"]] == [
        "georgy-tryakin-bukharov",
        "eduard-kazaryan",
    ]
    assert feature["properties"]["artists"][0]["name"] == "Георгий Трякин-Бухаров"
    assert '"artistUrl":"/esentai/artists/{slug}"' in html.replace(" ", "")


@pytest.mark.parametrize(
    ("query", "check"),
    [
        ("festival=ARTBAT%20FEST", lambda p: p["festival"] == "ARTBAT FEST"),
        ("festival=artbat-fest", lambda p: p["festival_slug"] == "artbat-fest"),
        ("edition=artbat-fest-9", lambda p: p["edition"] == "artbat-fest-9"),
        (
            "artist=pavel-shorokhov",
            lambda p: "pavel-shorokhov" in [a["slug"] for a in p["artists"]],
        ),
    ],
)
def test_public_filters_by_festival_edition_and_artist(client, query, check):
    features = client.get(f"/api/routes/esentai/installations.geojson?{query}").json["features"]
    assert features and all(check(f["properties"]) for f in features)


def test_unknown_edition_or_artist_is_a_400(client):
    for query in ("edition=artbat-fest-99", "artist=nobody"):
        resp = client.get(f"/api/routes/esentai/installations.geojson?{query}")
        assert resp.status_code == 400 and "must be one of" in resp.json["message"]


def test_temporary_works_show_their_dates_in_each_language(client):
    props = client.get("/api/routes/esentai/installations/31?lang=ru").json["properties"]
    assert props["start_date"] == "2018-08-24" and props["end_date"] == "2018-09-12"
    assert props["dates"] == "24 августа 2018 – 12 сентября 2018"
    kk = client.get("/api/routes/esentai/installations/23?lang=kk").json["properties"]
    assert kk["dates"] == "Қазан 2022 – 6 қараша 2022"
