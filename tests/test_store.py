"""The store, the seeding and the `mapapp` CLI."""

from __future__ import annotations

import shutil

import pytest
from click.testing import CliRunner

from mapapp import PROJECT_ROOT
from mapapp.catalog import build_walk, load_seed, seed
from mapapp.cli import cli
from mapapp.store import Store

from .conftest import make_installation

DATA = PROJECT_ROOT / "data"


def test_seed_is_idempotent(tmp_path):
    store = Store.open(tmp_path / "db.sqlite")
    first = seed(store, load_seed(DATA))
    assert first["route"] == 1 and first["installations"] >= 15
    before = store.all_installations()
    again = seed(store, load_seed(DATA))
    assert again == dict.fromkeys(
        ("migrations", "route", "festivals", "editions", "artists", "installations"), 0
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
    chainages = [s["chainage_m"] for s in walk.stops]
    assert chainages == sorted(chainages)
    assert all(s["offset_m"] >= 0 for s in walk.stops)


# CLI ------------------------------------------------------------------------------


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


def test_help_on_every_command():
    runner = CliRunner()
    for args in (["-h"], ["init-db", "-h"], ["serve", "--help"]):
        result = runner.invoke(cli, args)
        assert result.exit_code == 0 and "Example" in result.output


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
