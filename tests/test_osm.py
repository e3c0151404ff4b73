"""OpenStreetMap in and out: the Overpass query, OSM files, the river joined in walking
order, works with their OSM ids, a fake Overpass server, the CLI and the pages."""

from __future__ import annotations

import io
import json
import re
from pathlib import Path

import numpy as np
import osmium
import pytest
from click.testing import CliRunner

from mapapp import exchange, geo, osm
from mapapp.catalog import build_walk
from mapapp.cli import cli

from .conftest import AuthActions
from .osm_support import (
    ENTITY_ATTACK,
    RIVER_JSON,
    RIVER_NODES,
    RIVER_XML,
    artworks_near,
    fixture_node_coords,
    river_along,
    river_json,
    start_fake_overpass,
)

#: A straight south-to-north line beside the fixture river, as the current route.
FIXTURE_ROUTE = geo.Route.from_coords([[76.9201, 43.2295], [76.9201, 43.2505]])


@pytest.fixture
def overpass():
    state, server = start_fake_overpass()
    yield state
    state.stop.set()
    server.shutdown()
    server.server_close()


@pytest.fixture
def seeded_route(db_path, store) -> geo.Route:
    return build_walk(store).route


def invoke(*args: str, env: dict | None = None):
    return CliRunner().invoke(cli, list(args), env=env)


# the query ---------------------------------------------------------------------------


def test_query_asks_for_the_river_by_name_and_artworks_in_the_corridor():
    q = osm.build_query(FIXTURE_ROUTE, corridor_m=250)
    assert q.startswith("[out:json][timeout:90];")
    assert '"Есентай|Весновка",i]' in q and 'way["waterway"]' in q and "way(r.rivers);" in q
    assert ".river out geom;" in q and "out tags center;" in q
    assert re.search(r'nwr\["tourism"="artwork"\]\(around:250,43\.2295\d*,76\.9201\d*,', q)
    assert "museum" not in q
    venues = osm.build_query(FIXTURE_ROUTE, venues=True, river=False)
    assert '"tourism"="museum"' in venues and '"amenity"="theatre"' in venues
    assert "waterway" not in venues
    odd = osm.build_query(FIXTURE_ROUTE, river_name='a"b\\c')
    assert '~"a\\"b\\\\c",i]' in odd  # quotes and backslashes cannot end the string


# reading OSM data and joining the river ---------------------------------------------------


def same_line(a, b) -> bool:
    return np.asarray(a).shape == np.asarray(b).shape and np.allclose(a, b, atol=1e-7)


def expected_river() -> list[list[float]]:
    nodes = fixture_node_coords()
    return [list(nodes[n]) for n in RIVER_NODES]


def test_river_split_into_three_ways_is_joined_in_walking_order():
    data = osm.parse(RIVER_JSON.read_bytes(), "river.json")
    assert data.timestamp == "2026-11-01T00:00:00Z"
    river = osm.river_line(data, FIXTURE_ROUTE, clip=False)
    assert same_line(river.coords, expected_river())
    assert river.dropped == 1  # the side channel beside the first way
    assert "way/1005" not in river.ways  # another river, by name
    props = river.properties
    assert props["attribution"] == "© OpenStreetMap contributors"
    assert "ODbL" in props["licence"] and props["attribution_url"].endswith("/copyright")
    assert props["source"].startswith("OpenStreetMap: way/1003") and "2026-11-01" in props["source"]
    # walking order follows the current route, whichever way it was drawn
    backwards = geo.Route.from_coords(FIXTURE_ROUTE.line_lonlat.coords[::-1])
    assert same_line(osm.river_line(data, backwards, clip=False).coords, expected_river()[::-1])
    # with no route at all the line runs south to north
    assert same_line(osm.river_line(data, None).coords, expected_river())


def test_osm_xml_and_pbf_give_the_same_river_and_works(tmp_path):
    from_json = osm.parse(RIVER_JSON.read_bytes())
    from_xml = osm.parse(RIVER_XML.read_bytes(), "river.osm")
    pbf = tmp_path / "river.osm.pbf"
    with osmium.SimpleWriter(str(pbf)) as writer:
        for obj in osmium.FileProcessor(str(RIVER_XML)):
            writer.add(obj)
    from_pbf = osm.parse(pbf.read_bytes(), "river.osm.pbf")
    for data in (from_xml, from_pbf):
        assert same_line(osm.river_line(data, FIXTURE_ROUTE, clip=False).coords, expected_river())
        rows, errors = osm.work_rows(data)
        json_rows, _ = osm.work_rows(from_json)
        assert sorted(r["osm_ref"] for _, r in rows) == sorted(r["osm_ref"] for _, r in json_rows)
        mural = next(r for _, r in rows if r["osm_ref"] == "way/2002")
        assert (mural["lon"], mural["lat"]) == pytest.approx((76.9196, 43.245), abs=1e-4)
        assert errors == []


def test_a_gap_between_ways_is_refused_and_side_channels_are_left_out():
    doc = river_json()
    doc["elements"] = [e for e in doc["elements"] if e.get("id") != 1002]
    with pytest.raises(osm.OsmError, match=r"gap of \d+ m") as err:
        osm.river_line(osm.from_overpass_json(doc), FIXTURE_ROUTE)
    assert err.value.code == "river_gap"
    pieces = [[(76.92, 43.24), (76.92, 43.241)], [(76.92, 43.24102), (76.92, 43.242)]]
    line, dropped = osm.join_lines(pieces)  # a 2 m gap is bridged
    assert dropped == 0 and len(line.coords) == 4 and line.length == pytest.approx(222, abs=2)


def test_the_river_is_cut_to_the_current_routes_stretch(seeded_route):
    data = osm.from_overpass_json(river_along(seeded_route))
    whole = osm.river_line(data, seeded_route, clip=False)
    cut = osm.river_line(data, seeded_route)
    assert cut.clipped and not whole.clipped
    assert len(whole.ways) == 3 and cut.properties["osm_ways"] == whole.properties["osm_ways"]
    new = geo.Route.from_coords(cut.coords)
    assert abs(new.length_m - seeded_route.length_m) < 0.05 * seeded_route.length_m
    for i in (0, -1):  # each end lies beside the route's end, not 400 m beyond it
        end = seeded_route.line_lonlat.coords[i]
        assert geo.distance_m(*cut.coords[i], *end) < 40
    change = geo.compare_routes(seeded_route, new, [76.92], [43.24])
    assert 20 < change.max_shift_m < 40 and change.works == 1


@pytest.mark.parametrize(
    ("content", "name", "code"),
    [
        (ENTITY_ATTACK.read_bytes(), "lol.osm", "xml_forbidden"),
        (b'<?xml version="1.0"?><osm><node id="1" lat="1"', "cut.osm", "not_xml"),
        (b"<gpx><trk/></gpx>", "x.osm", "not_osm"),
        (b'{"type": "FeatureCollection"}', "x.json", "not_osm"),
        (b"\x00\x00\x00\x0d\n\tOSMHeader garbage", "x.osm.pbf", "not_pbf"),
        (
            b'{"elements": [], "remark": "runtime error: Query timed out in query"}',
            "x.json",
            "overpass_remark",
        ),
        (b"   ", "x.osm", "file_empty"),
    ],
)
def test_bad_osm_files_say_why(content, name, code):
    with pytest.raises(osm.OsmError) as err:
        osm.parse(content, name)
    assert err.value.code == code


def test_huge_osm_files_are_refused(monkeypatch):
    monkeypatch.setattr(osm, "MAX_ELEMENTS", 5)
    with pytest.raises(osm.OsmError, match="more than 5 OSM elements"):
        osm.parse(RIVER_XML.read_bytes(), "river.osm")
    with pytest.raises(osm.OsmError, match="more than 5 OSM elements"):
        osm.parse(RIVER_JSON.read_bytes(), "river.json")
    monkeypatch.setattr(osm, "MAX_BYTES", 100)
    with pytest.raises(osm.OsmError) as err:
        osm.parse(RIVER_JSON.read_bytes(), "river.json")
    assert err.value.code == "file_too_big"


def test_duplicate_osm_ids_and_bad_elements_are_reported_per_row():
    doc = river_json()
    art = next(e for e in doc["elements"] if e.get("id") == 2001)
    doc["elements"] += [dict(art), {"type": "node", "id": -5, "tags": {"tourism": "artwork"}}]
    data = osm.from_overpass_json(doc)
    codes = {(e.row, e.code) for e in data.errors}
    n = len(doc["elements"])
    assert codes == {(n - 1, "repeats"), (n, "osm_ref_format")}
    rows, errors = osm.work_rows(data)
    assert {e.code for e in errors} == {"repeats", "osm_ref_format"}


# tags and our fields -----------------------------------------------------------------------


def test_tags_map_to_our_fields_and_a_pull_changes_only_what_osm_states():
    rows, errors = osm.work_rows(osm.parse(RIVER_JSON.read_bytes()))
    by_ref = {r["osm_ref"]: r for _, r in rows}
    assert set(by_ref) == {"node/2001", "way/2002", "node/2003", "node/2004", "node/2005"}
    mirror = by_ref["node/2001"]
    assert mirror["title"] == "Water Mirror" and mirror["title_ru"] == "Водное зеркало"
    assert mirror["title_kk"] == "Су айнасы" and mirror["artist"] == "Aida Sultan"
    assert mirror["kind"] == "sculpture" and mirror["year"] == "2019"
    assert mirror["slug"] == "water-mirror" and mirror["status"] == "draft"
    assert mirror["source_url"] == "https://www.openstreetmap.org/node/2001"
    assert "ODbL" in mirror["source_note"] and "node/2001" in mirror["source_note"]
    assert by_ref["way/2002"]["source_url"] == "https://example.org/embankment-mural"
    assert by_ref["node/2003"]["kind"] == "venue"
    assert by_ref["node/2004"]["title"] == "Sculpture (OpenStreetMap node/2004)"
    current = {
        "title": "Water mirror (our spelling)",
        "kind": "installation",
        "lat": 43.24,
        "lon": 76.9205,
        "description": "Ours.",
        "status": "published",
    }
    merged = osm.merge_update(current, mirror[osm.UPDATE_KEY])
    assert merged["title"] == "Water Mirror" and merged["description"] == "Ours."
    assert merged["status"] == "published" and merged["kind"] == "sculpture"
    assert merged["lat"] == 43.24  # the same place: a rounding difference is no move
    pavilion = osm.merge_update({**current, "kind": "pavilion"}, {"artwork_type": "installation"})
    assert pavilion["kind"] == "pavilion"  # what we export a pavilion as


# the fake Overpass server -------------------------------------------------------------------


def test_fetch_answers_and_failures(overpass):
    overpass.answer(river_json())
    body = osm.fetch_overpass("[out:json];node(1);out;", overpass.url, timeout_s=5)
    assert json.loads(body)["elements"] and overpass.queries == ["[out:json];node(1);out;"]
    for mode, code, text in (
        ("429", "rate_limited", "HTTP 429"),
        ("504", "server_timeout", "HTTP 504"),
    ):
        overpass.mode = mode
        with pytest.raises(osm.OverpassError, match=text) as err:
            osm.fetch_overpass("q", overpass.url, timeout_s=5)
        assert err.value.code == code
    overpass.mode = "big"
    with pytest.raises(osm.OverpassError, match="larger than"):
        osm.fetch_overpass("q", overpass.url, timeout_s=5, max_bytes=100_000)
    overpass.mode = "slow"
    with pytest.raises(osm.OverpassError, match="within 0.5 s") as err:
        osm.fetch_overpass("q", overpass.url, timeout_s=0.5)
    assert err.value.code == "timeout"
    with pytest.raises(osm.OverpassError, match="cannot reach") as err:
        osm.fetch_overpass("q", "http://127.0.0.1:9/", timeout_s=2)


def pull_doc(route: geo.Route) -> dict:
    doc = river_along(route)
    doc["elements"] += artworks_near(route)
    return doc


def test_cli_pull_dry_run_apply_and_pull_again(db_path, seeded_route, overpass, store):
    overpass.answer(pull_doc(seeded_route))
    env = {"MAPAPP_OVERPASS_URL": overpass.url}
    before = store.data_version()
    result = invoke("osm", "pull", "--db", str(db_path), env=env)
    assert result.exit_code == 0, result.output
    out = result.output
    assert re.search(r"route: [\d.]+ km -> [\d.]+ km \([+-][\d.]+ km\), \d+ points", out)
    assert "the line moves by up to" in out and "change chainage by more than 10 m" in out
    assert "route: cut to the stretch between the current route's ends" in out
    assert "3 to add, 0 to change, 0 unchanged, 0 rejected" in out
    assert "1 OpenStreetMap work(s) farther from the route left out" in out
    assert "(node/9001): add: Bronze Deer" in out and "dry run: nothing written" in out
    assert store.data_version() == before
    assert 'nwr["tourism"="artwork"](around:300,' in overpass.queries[0]

    result = invoke("osm", "pull", "--db", str(db_path), "--apply", "--user", "osmbot", env=env)
    assert result.exit_code == 0 and "applied" in result.output, result.output
    route = store.current_route()
    assert route["properties"]["attribution"] == "© OpenStreetMap contributors"
    assert route["properties"]["name_kk"] == "Есентай"  # the names stay, the provenance goes
    assert "anchor" not in route["properties"]["precision_note"]
    assert store.routes()[0]["username"] == "osmbot"
    deer = store.installation_by_slug("bronze-deer", published_only=False)
    assert deer["osm_ref"] == "node/9001" and deer["status"] == "draft"
    assert deer["title_ru"] == "Бронзовый олень" and deer["year"] == 2021
    assert store.history(deer["id"])[0]["action"] == "import"

    again = invoke("osm", "pull", "--db", str(db_path), env=env)
    assert again.exit_code == 0, again.output
    assert "0 to add, 0 to change, 3 unchanged, 0 rejected" in again.output
    assert "the line moves by up to 0 m" in again.output


def test_a_pull_updates_what_changed_in_osm(db_path, seeded_route, overpass, store):
    doc = pull_doc(seeded_route)
    overpass.answer(doc)
    env = {"MAPAPP_OVERPASS_URL": overpass.url}
    assert invoke("osm", "pull", "--db", str(db_path), "--apply", env=env).exit_code == 0
    deer = next(e for e in doc["elements"] if e.get("id") == 9001)
    deer["lat"] += 0.0002
    deer["tags"]["artist_name"] = "Corrected Name"
    overpass.answer(doc)
    result = invoke("osm", "pull", "--db", str(db_path), "--no-route", "--apply", env=env)
    assert result.exit_code == 0, result.output
    assert "1 to add" not in result.output and "change: Bronze Deer (artist, lat)" in result.output
    row = store.installation_by_slug("bronze-deer", published_only=False)
    assert row["artist"] == "Corrected Name"


@pytest.mark.parametrize(
    ("mode", "message"),
    [
        ("429", "too many requests (HTTP 429)"),
        ("504", "HTTP 504"),
        ("slow", "no complete answer from Overpass within 1 s"),
        ("remark", "Overpass stopped part way"),
    ],
)
def test_cli_pull_failures_change_nothing(db_path, overpass, mode, message, store):
    overpass.mode = mode
    before = (store.data_version(), store.current_route())
    result = invoke(
        "osm", "pull", "--db", str(db_path), "--apply", "--timeout", "1",
        env={"MAPAPP_OVERPASS_URL": overpass.url},
    )  # fmt: skip
    assert result.exit_code == 1 and message in result.output
    assert "nothing changed" in result.output.lower()
    assert (store.data_version(), store.current_route()) == before


def test_cli_pull_with_bad_rows_applies_nothing(db_path, seeded_route, tmp_path, store):
    doc = pull_doc(seeded_route)
    doc["elements"].append(dict(doc["elements"][-2]))  # node/9003 twice
    path = tmp_path / "dupes.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    before = store.data_version()
    result = invoke("osm", "pull", "--db", str(db_path), "--from", str(path), "--apply")
    assert result.exit_code == 1, result.output
    assert "repeats row" in result.output and "nothing changed" in result.output
    assert store.data_version() == before


def test_cli_pull_from_an_osm_file_and_the_query(db_path, tmp_path):
    result = invoke(
        "osm", "pull", "--db", str(db_path), "--from", str(RIVER_XML), "--no-route", "--venues"
    )
    assert result.exit_code == 0, result.output
    assert "route:" not in result.output and "to add" in result.output
    result = invoke("osm", "pull", "--db", str(db_path), "--print-query", "--corridor", "150")
    assert result.exit_code == 0 and "(around:150," in result.output
    result = invoke("osm", "pull", "--db", str(db_path), "--from", str(RIVER_XML))
    assert result.exit_code == 0, result.output  # the fixture river replaces the route
    result = invoke("osm", "pull", "--db", str(db_path), "--from", str(ENTITY_ATTACK))
    assert result.exit_code == 1 and "DTD or entities" in result.output
    result = invoke("osm", "pull", "--db", str(db_path), "--river", "([")
    assert result.exit_code == 2 and "not a regular expression" in result.output
    for args in (["osm", "--help"], ["osm", "pull", "--help"], ["osm", "export", "--help"]):
        assert "Example:" in invoke(*args).output


def test_osm_export_then_import_changes_nothing(db_path, tmp_path, store):
    out = tmp_path / "osm.geojson"
    result = invoke("osm", "export", "--db", str(db_path), "-o", str(out))
    assert result.exit_code == 0, result.output
    doc = json.loads(out.read_text(encoding="utf-8"))
    features = doc["features"]
    kinds = {r["id"]: r["kind"] for r in store.all_installations()}
    assert features and all(kinds[f["id"]] in osm.EXPORT_ARTWORK_TYPES for f in features)
    tags = features[0]["properties"]
    assert tags["tourism"] == "artwork" and tags["artwork_type"] and tags["name:en"]
    assert "terrenkur" in features[0] and "slug" not in tags
    result = invoke("import", str(out), "--db", str(db_path), "--dry-run")
    assert result.exit_code == 0, result.output
    assert f"0 to add, 0 to change, {len(features)} unchanged, 0 rejected" in result.output


# the pages ------------------------------------------------------------------------------


def upload(client, path: str, content: bytes, name: str, **form):
    data = {"file": (io.BytesIO(content), name), **form}
    return client.post(path, data=data, content_type="multipart/form-data")


def test_import_page_takes_osm_files_and_keeps_their_ids(cclient, auth, db_path, store):
    auth.login()
    resp = upload(cclient, "/curator/import", RIVER_XML.read_bytes(), "river.osm")
    assert resp.status_code == 200, resp.text
    assert "4 to add, 0 to change, 0 unchanged, 0 rejected." in resp.text
    assert "1 OpenStreetMap works farther from the route than 1,000 m are left out." in resp.text
    assert "(OSM node/2001)" in resp.text
    token = resp.text.split("/curator/import/")[1].split('"')[0]
    assert cclient.post(f"/curator/import/{token}").status_code == 303
    mirror = store.installation_by_slug("water-mirror", published_only=False)
    assert mirror["osm_ref"] == "node/2001" and "ODbL" in mirror["source_note"]
    again = upload(cclient, "/curator/import", RIVER_JSON.read_bytes(), "overpass.json")
    assert "0 to add, 0 to change, 4 unchanged, 0 rejected." in again.text
    # the curator's form keeps the OSM id: it is not a field people type
    form = {k: ("" if v is None else v) for k, v in mirror.items()}
    form.update(title="Water mirror", version=str(mirror["version"]))
    assert cclient.post(f"/curator/{mirror['id']}", data=form).status_code == 302
    assert store.installation(mirror["id"], published_only=False)["osm_ref"] == "node/2001"
    # published, the popup data credits OpenStreetMap
    store.update_installation(mirror["id"], {"status": "published"}, mirror["version"] + 1, "t")
    api = cclient.get(f"/api/routes/esentai/installations/{mirror['id']}").json["properties"]
    assert "© OpenStreetMap contributors" in api["how_we_know"]  # ODbL: credited in public
    assert "source_note" not in api


def test_import_page_refuses_bad_osm_files(cclient, auth, db_path, store):
    auth.login()
    before = store.data_version()
    resp = upload(cclient, "/curator/import", ENTITY_ATTACK.read_bytes(), "lol.osm")
    assert resp.status_code == 400 and "entity expansion attack" in resp.text
    doc = river_json()
    doc["elements"].append(next(e for e in doc["elements"] if e.get("id") == 2001))
    resp = upload(cclient, "/curator/import", json.dumps(doc).encode(), "dupes.json")
    assert resp.status_code == 400 and "“node/2001” repeats row" in resp.text
    assert store.data_version() == before


def test_admin_checks_then_replaces_the_route_from_osm(
    cclient, client, db_path, seeded_route, store
):
    AuthActions(cclient).login("ada")
    content = json.dumps(river_along(seeded_route)).encode()
    before = store.current_route()
    resp = upload(cclient, "/curator/route", content, "river.json")
    assert resp.status_code == 200, resp.text
    check = resp.text.split('id="route-preview"')[1]
    assert re.search(r"Length: [\d.]+ km \(the current route: [\d.]+ km\)", check)
    assert re.search(r"Largest shift from the current route: \d+ m", check)
    assert "change their distance along the route by more than 10 m" in check
    assert "Licence: ODbL 1.0" in check
    assert store.current_route() == before
    token = check.split('name="token" value="')[1].split('"')[0]
    assert cclient.post("/curator/import/" + token).status_code == 404  # not an import
    resp = cclient.post("/curator/route", data={"action": "apply", "token": token})
    assert resp.status_code == 303
    after = store.current_route()
    assert after["id"] != before["id"] and after["properties"]["attribution"]
    page = client.get("/esentai/").text
    assert "River line:" in page and "https://www.openstreetmap.org/copyright" in page
    settings = client.get("/api/routes/esentai/route.geojson").json["features"][0]["properties"]
    assert settings["licence"].startswith("ODbL 1.0")
    again = cclient.post("/curator/route", data={"action": "apply", "token": token})
    assert again.status_code == 404
    # a later upload of our own does not claim OpenStreetMap's licence
    line = {"type": "LineString", "coordinates": before["coordinates"]}
    resp = upload(cclient, "/curator/route", json.dumps(line).encode(), "ours.geojson")
    token = resp.text.split('name="token" value="')[1].split('"')[0]
    resp = cclient.post("/curator/route", data={"action": "apply", "token": token})
    assert resp.status_code == 303
    props = store.current_route()["properties"]
    assert "attribution" not in props and props["source"] == "Upload ours.geojson"
    assert "River line:" not in client.get("/esentai/").text


def test_admin_route_errors_from_osm_files(cclient, db_path, store):
    AuthActions(cclient).login("ada")
    before = store.current_route()
    for content, name, message in (
        (ENTITY_ATTACK.read_bytes(), "lol.osm", "entity expansion attack"),
        (b'{"version": 0.6, "elements": []}', "empty.json", "No waterway named"),
    ):
        resp = upload(cclient, "/curator/route", content, name, action="check")
        assert resp.status_code == 400 and message in resp.text, resp.text
    assert store.current_route() == before


def test_route_replacement_reports_what_changes(seeded_route):
    coords = [list(c) for c in seeded_route.line_lonlat.coords]
    same = exchange.route_replacement(seeded_route, coords, {}, [{"lon": 76.92, "lat": 43.24}])
    assert same.change.max_shift_m == pytest.approx(0, abs=0.01)
    assert same.change.works_moved == 0 and same.change.works == 1


def test_the_readme_documents_the_overpass_settings():
    readme = (Path(__file__).parent.parent / "README.md").read_text(encoding="utf-8")
    for name in ("MAPAPP_OVERPASS_URL", "MAPAPP_OVERPASS_TIMEOUT", "MAPAPP_IMPORT_MAX_BYTES"):
        assert f"| `{name}` |" in readme
