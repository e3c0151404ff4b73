"""Search in every language and script: the folding, the index, the API, the curators' list."""

from __future__ import annotations

import pytest

from mapapp.folding import fold, fold_word

from .conftest import make_installation


@pytest.mark.parametrize(
    "spellings",
    [
        ("Кастеев", "Қастеев", "Kasteyev", "Kasteev", "KASTEYEV", "Qasteev"),
        ("Сатпаев", "Satpayev", "Satpaev"),
        ("Әуезов", "Ауэзов", "Auezov", "Äuezov"),
        ("Есжанова", "Yeszhanova"),
        ("Жамбыл", "Zhambyl", "Jambyl"),
        ("Шоқан", "Şoqan", "Shokan"),
        ("Ерғали", "Ergali", "Yergali"),
    ],
)
def test_spellings_of_one_name_fold_to_one_key(spellings):
    assert len({fold_word(s) for s in spellings}) == 1, [fold_word(s) for s in spellings]


def test_fold_keeps_words_and_digits_apart():
    assert fold("ARTBAT FEST 9 «Waterstream»") == "artbat fest 9 vaterstream"  # w is v
    assert fold("") == "" and fold("—, «»") == ""


def published_ids(store):
    return {r["id"] for r in store.installations()}


@pytest.mark.parametrize("query", ["Кастеев", "kasteyev", "Қастеев", "КАСТЕЕВ", "kaste"])
def test_kasteyev_is_found_in_every_spelling(store, query):
    found = store.search(query)
    titles = {store.installation(i)["title"] for i in found}
    assert "Kasteyev State Museum of Arts" in titles
    assert "Monument to Abylkhan Kasteyev" in titles
    assert set(found) <= published_ids(store)


def test_search_by_artist_festival_and_edition_names(store):
    shorokhov = {r["id"] for r in store.installations(artist="pavel-shorokhov")}
    assert set(store.search("Шорохов")) == shorokhov == set(store.search("shorokhov"))
    assert set(store.search("Waterstream")) >= {
        r["id"] for r in store.installations(edition="artbat-fest-9")
    }
    korkut = {r["id"] for r in store.installations(festival="korkut")}
    assert korkut and set(store.search("Қорқыт")) >= korkut


def test_every_word_must_match_and_titles_rank_first(store):
    assert store.search("цирк фонтан") == [store.installation_by_slug("circus-fountain")["id"]]
    assert store.search("kasteyev nonsenseword") == []
    assert store.search("  ,.;  ") == []
    # a word in a title counts more than the same word in a description
    first = store.installation(store.search("Kasteyev")[0])
    assert "Kasteyev" in first["title"]


def test_drafts_are_found_by_curators_only(store):
    store.insert_missing(
        [make_installation(id=900, slug="hidden", title="Secret Zhylyzhai copy", status="draft")]
    )
    assert 900 not in store.search("secret")
    assert 900 in store.search("secret", statuses=("draft", "published", "retired"))


def test_the_index_follows_edits_of_works_and_of_artists(store):
    work = store.installation_by_slug("kakpar")
    store.update_installation(work["id"], {"title": "Kakpar renamed Tulpar"}, 1, "cora")
    assert work["id"] in store.search("tulpar")
    artist = store.record_by_slug("artist", "moldakul-narymbetov")
    store.update_record("artist", artist["id"], {"name_kk": "Молдақұл Нарымбетов"}, 1, "cora")
    assert work["id"] in store.search("Молдақұл")
    assert store.rebuild_search_index() == len(store.all_installations())
    assert work["id"] in store.search("Молдақұл")


# the public API -------------------------------------------------------------------------------


@pytest.mark.parametrize("query", ["Кастеев", "kasteyev", "Қастеев"])
def test_search_api_finds_published_works_in_any_script(client, store, query):
    resp = client.get("/api/routes/esentai/search", query_string={"q": query, "lang": "kk"})
    assert resp.status_code == 200 and resp.mimetype == "application/geo+json"
    doc = resp.json
    assert doc["type"] == "FeatureCollection" and doc["query"] == query
    slugs = [f["properties"]["slug"] for f in doc["features"]]
    assert "kasteyev-state-museum-of-arts" in slugs
    museum = next(f for f in doc["features"] if f["properties"]["slug"].startswith("kasteyev-s"))
    assert museum["properties"]["title"].startswith("Ә. Қастеев")  # localized on request
    assert {f["id"] for f in doc["features"]} <= published_ids(store)


def test_search_api_never_shows_drafts(client, store):
    draft = store.installation_by_slug("afterglow", published_only=False)
    assert draft["status"] == "draft"
    assert draft["id"] in store.search("afterglow", statuses=("draft",))
    assert client.get("/api/routes/esentai/search?q=afterglow").json["features"] == []
    assert client.get("/api/routes/esentai/search?q=Fujita").json["features"] == []


@pytest.mark.parametrize(
    ("query", "message"),
    [("", "q is required"), ("q=", "q is required"), ("q=" + "x" * 201, "at most 200")],
)
def test_search_api_bad_queries(client, query, message):
    resp = client.get(f"/api/routes/esentai/search?{query}")
    assert resp.status_code == 400 and message in resp.json["message"]


def test_search_api_limit(client):
    doc = client.get("/api/routes/esentai/search?q=museum&limit=1").json
    assert len(doc["features"]) == 1
    assert client.get("/api/routes/esentai/search?q=museum&limit=0").status_code == 400


# curators ---------------------------------------------------------------------------------


@pytest.mark.parametrize("query", ["Кастеев", "kasteyev", "Қастеев"])
def test_curator_search_in_any_script_includes_drafts(cclient, auth, query):
    auth.login()
    html = cclient.get("/curator", query_string={"q": query}).text
    assert ">Kasteyev State Museum of Arts</a>" in html
    assert ">Auezov Theatre</a>" not in html
    drafts = cclient.get("/curator", query_string={"q": "Fujita"}).text
    assert ">Afterglow</a>" in drafts
