"""The store, the seeding and the `mapapp` CLI."""

from __future__ import annotations

import shutil
from contextlib import closing

import pytest
from click.testing import CliRunner

from mapapp import resources
from mapapp.catalog import build_walk, load_seed, seed
from mapapp.cli import cli
from mapapp.store import NotFound, Store, migrations

from .conftest import make_installation

DATA = resources.data_dir()


def test_seed_is_idempotent(tmp_path):
    with closing(Store.open(tmp_path / "db.sqlite")) as store:
        first = seed(store, load_seed(DATA))
        assert first["route"] == first["route_records"] == 1 and first["installations"] >= 15
        before = store.all_installations()
        again = seed(store, load_seed(DATA))
        assert again == dict.fromkeys(
            (
                *("migrations", "route_records", "route", "festivals", "editions"),
                *("artists", "installations", "events"),
            ),
            0,
        )
        assert store.all_installations() == before


def test_seeding_never_overwrites_a_curators_edit(store):
    store.db.execute("UPDATE installations SET title = 'Edited' WHERE id = 1")
    store.db.conn.commit()
    seed(store, load_seed(DATA))
    assert store.installation(1)["title"] == "Edited"


def test_only_published_rows_are_public(store):
    store.insert_missing([make_installation(id=900, slug="a-draft", title="Draft", status="draft")])
    assert store.installation(900) is None
    assert store.installation(900, published_only=False)["title"] == "Draft"
    assert all(r["status"] == "published" for r in store.installations())
    assert "a-draft" not in {s["slug"] for s in build_walk(store).stops}


def test_filters_by_kind_festival_and_bbox(store):
    murals = store.installations(kind="mural")
    assert murals and all(r["kind"] == "mural" for r in murals)
    park = store.installations(festival="park-fest")
    assert park and all(r["festival"] == "park-fest" for r in park)
    waterstream = store.installations(edition="artbat-fest-9")
    assert waterstream and all(r["edition"] == "artbat-fest-9" for r in waterstream)
    shorokhov = store.installations(artist="pavel-shorokhov")
    assert {r["slug"] for r in shorokhov} == {"pavel-shorokhov-kasteyev-park", "clown-and-gymnast"}
    box = store.installations(bbox=(76.91, 43.235, 76.93, 43.245))
    assert box and all(76.91 <= r["lon"] <= 76.93 and 43.235 <= r["lat"] <= 43.245 for r in box)


def test_data_version_changes_on_write(store):
    v1 = store.data_version()
    store.db.execute("UPDATE installations SET version = version + 1 WHERE id = 1")
    assert store.data_version() != v1


def test_set_route_keeps_history(store):
    old = store.current_route()
    new_id = store.set_route([[76.9, 43.2], [76.91, 43.21]], {"name": "new"})
    assert store.current_route()["id"] == new_id != old["id"]
    assert store.db["routes"].count == 2


def test_walk_stops_are_in_route_order(store):
    walk = build_walk(store)
    assert len(walk.stops) == len(store.installations())
    chainages = [s["chainage_m"] for s in walk.stops]
    assert chainages == sorted(chainages)
    # placed along the route, not all at one end: the works span most of it
    assert chainages[-1] - chainages[0] > walk.route.length_m / 2
    assert len(set(chainages)) > 5


# CLI ------------------------------------------------------------------------------


def test_planner_scenarios_are_saved_listed_and_deleted(store):
    assert "m011_plan_scenarios" in {m.name for m in migrations.applied(store.db)}
    version = store.data_version()
    a = store.save_scenario("Bridges", [[76.92, 43.24], [76.93, 43.22]], {"radius": "150"}, "cora")
    b = store.save_scenario("Два «места»", [[76.91, 43.25]], {}, None)
    assert [s["name"] for s in store.scenarios()] == ["Два «места»", "Bridges"]
    assert a["sites"] == [(76.92, 43.24), (76.93, 43.22)]
    assert a["settings"] == {"radius": "150"} and a["drafts"] == {} and a["username"] == "cora"
    store.record_scenario_drafts(a["id"], {2: 951})
    store.record_scenario_drafts(a["id"], {1: 950})
    assert store.scenario(a["id"])["drafts"] == {1: 950, 2: 951}
    store.delete_scenario(b["id"])
    assert store.scenario(b["id"]) is None
    with pytest.raises(NotFound):
        store.delete_scenario(b["id"])
    with pytest.raises(NotFound):
        store.record_scenario_drafts(b["id"], {1: 1})
    assert store.data_version() == version  # scenarios are not the walk's data


def test_cli_init_db_twice(tmp_path):
    db = tmp_path / "x.sqlite"
    runner = CliRunner()
    first = runner.invoke(cli, ["init-db", "--db", str(db)])
    assert first.exit_code == 0, first.output
    assert "installation(s) added" in first.output
    second = runner.invoke(cli, ["init-db", "--db", str(db)])
    assert "0 route and 0 installation(s) added" in second.output


def test_cli_db_from_environment(tmp_path):
    db = tmp_path / "env.sqlite"
    result = CliRunner().invoke(cli, ["init-db"], env={"MAPAPP_DB": str(db)})
    assert result.exit_code == 0 and db.exists()


@pytest.fixture
def bad_data(tmp_path):
    data = tmp_path / "data"
    shutil.copytree(DATA, data)
    path = data / "installations.csv"
    lines = path.read_text(encoding="utf-8").splitlines()
    cells = lines[2].split(",")
    cells[3] = "spaceship"  # kind of row 3
    lines[2] = ",".join(cells)
    lines.append(lines[1])  # row 1 again: duplicate id and slug
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return data


def test_malformed_rows_stop_init_db_and_leave_the_database_untouched(tmp_path, bad_data):
    db = tmp_path / "kept.sqlite"
    runner = CliRunner()
    assert runner.invoke(cli, ["init-db", "--db", str(db)]).exit_code == 0
    before = db.read_bytes()
    result = runner.invoke(cli, ["init-db", "--db", str(db), "--data", str(bad_data)])
    assert result.exit_code == 1
    assert "row 3, kind: unknown value 'spaceship'" in result.output
    assert "id: 1 repeats row 2" in result.output
    assert "nothing written" in result.output
    assert db.read_bytes() == before


def test_malformed_rows_create_no_database(tmp_path, bad_data):
    db = tmp_path / "new.sqlite"
    result = CliRunner().invoke(cli, ["init-db", "--db", str(db), "--data", str(bad_data)])
    assert result.exit_code == 1 and not db.exists()


def test_swapped_coordinates_are_spotted(tmp_path):
    data = tmp_path / "data"
    shutil.copytree(DATA, data)
    path = data / "installations.csv"
    text = path.read_text(encoding="utf-8")
    first = text.splitlines()[1]
    cells = first.split(",")
    # find lat/lon cells by value and swap them
    lat_i = next(i for i, c in enumerate(cells) if c.startswith("43.2"))
    cells[lat_i], cells[lat_i + 1] = cells[lat_i + 1], cells[lat_i]
    path.write_text(text.replace(first, ",".join(cells)), encoding="utf-8")
    result = CliRunner().invoke(
        cli, ["init-db", "--db", str(tmp_path / "s.sqlite"), "--data", str(data)]
    )
    assert result.exit_code == 1
    assert "lat and lon look swapped" in result.output


# what counts as a change of public data ----------------------------------------------

OLD = "2000-01-01T00:00:00+00:00"


def _backdate(store):
    """Make every stored time old, so that a change made now shows."""
    with store.write():
        store.db.execute("UPDATE installations SET updated_at = ?", [OLD])
        store.db.execute("UPDATE routes SET created_at = ?", [OLD])
        if "changed_at" in store.db["data_changes"].columns_dict:
            store.db.execute("UPDATE data_changes SET changed_at = ?", [OLD])


def test_draft_edits_do_not_move_the_public_data_version_or_time(store):
    draft = store.create_installation(
        make_installation(slug="a-draft", status="draft").model_dump(), "t"
    )
    _backdate(store)
    before = (store.data_version(), store.data_changed_at())
    assert before[1] == OLD
    store.update_installation(draft["id"], {"title": "Still a draft"}, 1, "t")
    store.create_installation(make_installation(slug="b-draft", status="draft").model_dump(), "t")
    assert (store.data_version(), store.data_changed_at()) == before


@pytest.mark.parametrize(
    "change",
    [
        "publish a draft",
        "edit a published work",
        "retire a published work",
        "replace the route",
        "make an older route current",
    ],
)
def test_public_changes_move_the_data_version_and_time(store, change):
    draft = store.create_installation(
        make_installation(slug="a-draft", status="draft").model_dump(), "t"
    )
    first_route = store.current_route()["id"]
    if change == "make an older route current":
        store.set_route([[76.92, 43.23], [76.93, 43.24]], {"name": "newer"})
    _backdate(store)
    before = (store.data_version(), store.data_changed_at())
    if change == "publish a draft":
        store.update_installation(draft["id"], {"status": "published"}, 1, "t")
    elif change == "edit a published work":
        store.update_installation(1, {"title": "New title"}, 1, "t")
    elif change == "retire a published work":
        store.update_installation(1, {"status": "retired"}, 1, "t")
    elif change == "replace the route":
        store.set_route([[76.92, 43.23], [76.93, 43.24]], {"name": "new"})
    else:
        store.make_route_current(first_route)
    version, at = store.data_version(), store.data_changed_at()
    assert version != before[0]
    assert at > OLD


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["serve", "--port", "٣"], "is not a whole number from 1 to 65535"),
        (["serve", "--port", "99999"], "is not a whole number from 1 to 65535"),
        (["coverage", "--radius", "0"], "above 0 and at most 5000"),
        (["coverage", "--radius", "nan"], "is not a number"),
        (["coverage", "--radius", "1" * 5000], "is not a number"),
        (["coverage", "-k", "²"], "is not a whole number"),
        (["import", "--max-offset", "1e400", "x.csv"], "is not a number"),
    ],
)
def test_cli_numbers_are_ascii_and_bounded(args, message):
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 2 and message in result.output


def test_bad_record_files_stop_init_db_with_file_row_and_reason(tmp_path):
    data = tmp_path / "data"
    shutil.copytree(DATA, data)
    editions = data / "editions.csv"
    lines = editions.read_text(encoding="utf-8").splitlines()
    lines[1] = lines[1].replace("artbat-fest-1,artbat-fest,", "artbat-fest-1,no-such-fest,", 1)
    editions.write_text("\n".join(lines) + "\n", encoding="utf-8")
    artists = data / "artists.csv"
    lines = artists.read_text(encoding="utf-8").splitlines()
    artists.write_text("\n".join([*lines, lines[1]]) + "\n", encoding="utf-8")  # a repeated key
    works = data / "installations.csv"
    works.write_text(
        works.read_text(encoding="utf-8").replace(",dmn-repas,", ",dmn-repass,", 1),
        encoding="utf-8",
    )
    db = tmp_path / "none.sqlite"
    result = CliRunner().invoke(cli, ["init-db", "--db", str(db), "--data", str(data)])
    assert result.exit_code == 1 and not db.exists()
    assert "editions.csv: row 2, festival: no festival has the key or name 'no-such-fest'" in (
        result.output
    )
    assert f"artists.csv: row {len(lines) + 1}, slug: " in result.output
    assert "installations.csv: row 8, artists: no artist has the key or name 'dmn-repass'" in (
        result.output
    )
