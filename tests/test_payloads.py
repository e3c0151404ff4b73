"""The map's tables and the API's GeoJSON fragments: shapes, languages, versions."""

from __future__ import annotations

import json

from mapapp import payloads
from mapapp.catalog import build_walk, localize_stop, stops_collection

from .conftest import make_installation


def table(body: bytes) -> dict:
    return json.loads(body.decode("utf-8"))


def test_slim_table_lists_every_stop_in_walking_order(store):
    walk = build_walk(store)
    doc = table(payloads.slim_table(walk, "en"))
    assert doc["count"] == len(walk.stops) == len(doc["id"])
    assert set(payloads.SLIM_COLUMNS) <= set(doc)
    assert doc["id"] == [s["id"] for s in walk.stops]
    assert doc["chainage"] == sorted(doc["chainage"])
    assert doc["chunk"] == payloads.DETAILS_CHUNK
    assert "description" not in doc and "source_url" not in doc  # details come apart


def test_tables_are_in_the_language_asked_with_the_real_language_marked(store):
    store.insert_missing([make_installation(id=900, slug="only-english", title="Only English")])
    walk = build_walk(store)
    ru = table(payloads.slim_table(walk, "ru"))
    i = ru["title"].index("Казахский государственный цирк")
    assert ru["titleLang"][i] == "ru"
    j = ru["title"].index("Only English")  # not translated: English, marked so
    assert ru["titleLang"][j] == "en"
    details = table(payloads.details_table(walk, "ru", 0))
    assert details["id"] == ru["id"]  # one chunk holds the shipped data
    assert set(payloads.DETAIL_COLUMNS) <= set(details)
    assert all(isinstance(d, str) for d in details["description"])


def test_tables_carry_festivals_editions_artists_and_dates(store):
    walk = build_walk(store)
    ru = table(payloads.slim_table(walk, "ru"))
    details = table(payloads.details_table(walk, "ru", 0))
    for i, stop in enumerate(walk.stops):
        shown = localize_stop(stop, "ru")
        assert ru["festival"][i] == stop["festival"] and ru["edition"][i] == stop["edition"]
        assert [ru["artistNames"][a] for a in ru["artists"][i]] == [
            a["name"] for a in shown["artists"]
        ]
        if stop["edition"]:
            assert ru["editionNames"][stop["edition"]] == shown["edition_name"]
        assert details["dates"][i] == shown["dates"]
    assert any(ru["artists"]) and any(ru["edition"]) and any(details["dates"])


def test_details_come_in_chunks_of_stops_in_walking_order(store, monkeypatch):
    monkeypatch.setattr(payloads, "DETAILS_CHUNK", 5)
    walk = build_walk(store)
    n = payloads.chunk_count(len(walk.stops))
    assert n == -(-len(walk.stops) // 5) and payloads.chunk_count(0) == 1
    ids = [i for c in range(n) for i in table(payloads.details_table(walk, "en", c))["id"]]
    assert ids == [s["id"] for s in walk.stops]


def test_fragments_join_into_the_same_geojson_as_a_fresh_serialisation(store):
    walk = build_walk(store)
    for lang in (None, "kk"):
        fragments = payloads.Fragments.of(walk, lang)
        stops = walk.stops if lang is None else [localize_stop(s, lang) for s in walk.stops]
        assert table(fragments.select()) == stops_collection(stops)
        murals = [s for s in stops if s["kind"] == "mural"]
        assert table(fragments.select(kind="mural")) == stops_collection(murals)
        box = (76.91, 43.235, 76.93, 43.245)
        inside = [s for s in stops if 76.91 <= s["lon"] <= 76.93 and 43.235 <= s["lat"] <= 43.245]
        assert inside and table(fragments.select(bbox=box)) == stops_collection(inside)
        assert table(fragments.select(kind="mural", festival="ARTBAT FEST", bbox=box)) == (
            stops_collection(
                [s for s in inside if s["kind"] == "mural" and s["festival"] == "ARTBAT FEST"]
            )
        )
        edition, artist = walk.edition_keys()[0], walk.artist_keys()[0]
        assert table(fragments.select(edition=edition)) == stops_collection(
            [s for s in stops if s["edition"] == edition]
        )
        theirs = [s for s in stops if artist in {a["slug"] for a in s["artists"]}]
        assert theirs and table(fragments.select(artist=artist)) == stops_collection(theirs)
        festival = walk.stops[[s["edition"] for s in walk.stops].index(edition)]
        by_key = fragments.select(festival=festival["festival_slug"])
        assert by_key == fragments.select(festival=festival["festival"])  # key or name


def test_the_data_token_follows_the_content(store):
    first = payloads.data_token(build_walk(store))
    assert first == payloads.data_token(build_walk(store))
    store.update_installation(1, {"title": "Renamed"}, 1, "test")
    second = payloads.data_token(build_walk(store))
    assert second != first
    store.insert_missing([make_installation(id=990, slug="draft-only", status="draft")])
    assert payloads.data_token(build_walk(store)) == second  # drafts are not public
