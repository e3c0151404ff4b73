"""Row checks: each bad value gets a clear message with its row and field."""

from __future__ import annotations

import csv
import io

import pytest

from mapapp import records
from mapapp.records import COLUMNS, read_csv_text, read_route_geojson

GOOD = {
    "id": "1",
    "slug": "red-men",
    "title": "Red little men",
    "kind": "sculpture",
    "festival": "PARK FEST",
    "year": "2018",
    "artist": "Andrey Lyublinsky",
    "description": "",
    "address": "Abay Ave",
    "lat": "43.2429",
    "lon": "76.9515",
    "location_precision": "approximate",
    "source_url": "https://www.zakon.kz/",
    "source_note": "",
    "status": "published",
    "photo": "",
}


#: The festivals, editions and artists the rows may refer to.
REFS = records.References.from_rows(
    [{"slug": "park-fest", "name": "PARK FEST"}, {"slug": "artbat-fest", "name": "ARTBAT FEST"}],
    [{"slug": "park-fest-2018", "festival": "park-fest"}],
    [{"slug": "andrey-lyublinsky", "name": "Andrey Lyublinsky"}],
)


def csv_text(rows, delimiter=",", header=COLUMNS):
    out = io.StringIO()
    w = csv.DictWriter(out, fieldnames=header, delimiter=delimiter, extrasaction="ignore")
    w.writeheader()
    for row in rows:
        w.writerow(row)
    return out.getvalue()


def test_good_row_parses():
    good, errors = read_csv_text(csv_text([GOOD]))
    assert errors == []
    [(row, rec)] = good
    assert row == 2
    assert (rec.year, rec.lat, rec.festival) == (2018, 43.2429, "PARK FEST")


def test_semicolon_and_bom_are_accepted():
    good, errors = read_csv_text("\ufeff" + csv_text([GOOD], delimiter=";"))
    assert errors == [] and len(good) == 1


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("kind", "statue", "unknown value 'statue'"),
        ("festival", "Burning Man", "no festival has the key or name 'Burning Man'"),
        ("edition", "artbat-fest-99", "no edition has the key or name 'artbat-fest-99'"),
        ("edition", "park-fest-2018", "belongs to festival 'park-fest'"),
        ("artists", "nobody", "no artist has the key or name 'nobody'"),
        ("artists", "Some Body", "artist keys separated by semicolons"),
        ("start_date", "24.08.2018", "give a date as 2018-08-24"),
        ("start_date", "2018-02-30", "give a date as 2018-08-24"),
        ("end_date", "2018-07", "ends (2018-07) before it starts (2018-08-24)"),
        ("year", "1700", "not plausible"),
        ("year", "twenty", "four-digit year"),
        ("lat", "95", "must be from -90 to 90"),
        ("lon", "abc", "not a number"),
        ("lat", "nan", "not a number"),
        ("lat", "", "required"),
        ("slug", "Red Men!", "lowercase"),
        ("title", "", "required"),
        ("source_url", "javascript:alert(1)", "https://"),
        ("location_precision", "exact", "unknown value 'exact'"),
        ("photo", "../../etc/passwd", "stored image name"),
    ],
)
def test_bad_values_are_reported_by_row_and_field(field, value, message):
    bad = {**GOOD, "id": "2", "slug": "b", field: value}
    if field == "end_date":
        bad["start_date"] = "2018-08-24"
    if field == "edition" and value.startswith("park"):
        bad["festival"] = "ARTBAT FEST"
    _, errors = read_csv_text(csv_text([GOOD, bad]), REFS)
    assert [(e.row, e.field) for e in errors] == [(3, field)]
    assert message in errors[0].reason


def test_duplicate_ids_and_slugs_are_reported():
    _, errors = read_csv_text(csv_text([GOOD, GOOD]))
    assert {(e.row, e.field) for e in errors} == {(3, "id"), (3, "slug")}
    assert "repeats row 2" in errors[0].reason


def test_missing_columns_empty_files_and_extra_values():
    _, errors = read_csv_text(csv_text([GOOD], header=["slug", "title"]))
    assert errors[0].field == "header" and "kind" in errors[0].reason
    assert read_csv_text("")[1][0].reason == "the file is empty"
    assert "no rows" in read_csv_text(",".join(COLUMNS) + "\n")[1][0].reason
    extra = {**GOOD, "id": "3", "slug": "x"}
    text = csv_text([GOOD]) + ",".join([*(extra.get(c, "") for c in COLUMNS), "EXTRA"]) + "\n"
    assert read_csv_text(text)[1][0].reason == "more values than columns"


def test_html_in_text_is_kept_verbatim_not_interpreted():
    good, errors = read_csv_text(csv_text([{**GOOD, "title": "<img src=x onerror=alert(1)>"}]))
    assert errors == [] and good[0][1].title == "<img src=x onerror=alert(1)>"


def test_write_csv_round_trips():
    good, _ = read_csv_text(csv_text([GOOD]))
    again, errors = read_csv_text(records.write_csv([good[0][1].model_dump()]))
    assert errors == [] and again[0][1] == good[0][1]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("{", "not valid JSON"),
        ('{"type": "FeatureCollection", "features": []}', "no LineString"),
        ('{"type": "LineString", "coordinates": [[76.9, 43.2]]}', "at least two"),
        ('{"type": "LineString", "coordinates": [[76.9, 43.2], [200, 43.2]]}', "position 2"),
        ('{"type": "FeatureCollection", "features": [1, "x"]}', "no LineString"),
    ],
)
def test_bad_route_geojson(text, message):
    with pytest.raises(ValueError, match=message):
        read_route_geojson(text)


def test_route_geojson_reads_feature_properties():
    coords, props = read_route_geojson(
        '{"type": "Feature", "properties": {"name": "r"},'
        ' "geometry": {"type": "LineString", "coordinates": [[76.9, 43.2], [76.91, 43.21]]}}'
    )
    assert coords == [[76.9, 43.2], [76.91, 43.21]] and props == {"name": "r"}
