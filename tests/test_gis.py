"""GIS files in and out: zipped Shapefiles, GeoPackage, KML/KMZ and GeoJSON in any CRS,
read into the right place or refused with a clear message; works and the coverage
report written as GeoPackage."""

from __future__ import annotations

import io
import json
import warnings
import zipfile
from pathlib import Path

import geopandas as gpd
import pyogrio
import pytest
import shapely
from click.testing import CliRunner

from mapapp import geo, gis
from mapapp.cli import cli

from .conftest import AuthActions

#: A Transverse Mercator of our own around Almaty, as a city GIS office might use.
LOCAL_TM = "+proj=tmerc +lat_0=43.2 +lon_0=76.9 +k=1 +x_0=300000 +y_0=100000 +ellps=GRS80 +units=m"
PLACES = [(76.92031, 43.23982), (76.92107, 43.24421)]  # lon, lat, beside the river


def works_frame(crs: str = "EPSG:4326", **extra) -> gpd.GeoDataFrame:
    """Two new works in our columns at :data:`PLACES`, in ``crs``."""
    frame = gpd.GeoDataFrame(
        {
            "slug": ["gis-mural", "gis-sculpture"],
            "title": ["GIS mural", "GIS sculpture"],
            "kind": ["mural", "sculpture"],
            "year": [2024, 2025],
            "location_precision": ["surveyed", "approximate"],
            "source_url": ["https://example.org/a", "https://example.org/b"],
            "source_note": ["City GIS layer", "City GIS layer"],
            **extra,
        },
        geometry=[shapely.Point(p) for p in PLACES],
        crs="EPSG:4326",
    )
    return frame.to_crs(crs)


def zipped_shapefile(frame: gpd.GeoDataFrame, tmp_path: Path, leave_out: tuple = ()) -> bytes:
    folder = tmp_path / "shp"
    folder.mkdir(exist_ok=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # GDAL's notes on cutting field names to 10 characters
        frame.to_file(folder / "works.shp")
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for part in sorted(folder.iterdir()):
            if part.suffix not in leave_out:
                z.write(part, f"layers/{part.name}")
    return out.getvalue()


def gpkg_bytes(frame: gpd.GeoDataFrame, layer: str = "works") -> bytes:
    out = io.BytesIO()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # "no CRS" on purpose in one test
        frame.to_file(out, driver="GPKG", layer=layer)
    return out.getvalue()


def read_gpkg(data: bytes, tmp_path: Path, layer: str) -> gpd.GeoDataFrame:
    path = tmp_path / "read.gpkg"  # GDAL wants the extension
    path.write_bytes(data)
    return gpd.read_file(path, layer=layer)


def kml_bytes(frame: gpd.GeoDataFrame) -> bytes:
    out = io.BytesIO()
    frame.to_file(out, driver="KML")
    return out.getvalue()


def upload(client, path: str, content: bytes, name: str, **form):
    data = {"file": (io.BytesIO(content), name), **form}
    return client.post(path, data=data, content_type="multipart/form-data")


def token_of(resp) -> str:
    return resp.text.split("/curator/import/")[1].split('"')[0]


def positions(rows) -> list[tuple[float, float]]:
    return [(r["lon"], r["lat"]) for _, r in rows]


# reading works ---------------------------------------------------------------------------


@pytest.mark.parametrize("crs", ["EPSG:32643", LOCAL_TM])
def test_shapefile_in_a_local_projected_crs_lands_in_the_right_place(
    cclient, auth, db_path, tmp_path, crs, store
):
    content = zipped_shapefile(works_frame(crs), tmp_path)
    rows, errors = gis.read_work_rows(content, "city-art.zip")
    assert errors == []
    for got, want in zip(positions(rows), PLACES, strict=True):
        assert geo.distance_m(*got, *want) < 0.01
    assert rows[0][1]["location_precision"] == "surveyed"  # from a 10-character field name
    auth.login()
    resp = upload(cclient, "/curator/import", content, "city-art.zip")
    assert resp.status_code == 200 and "2 to add, 0 to change" in resp.text, resp.text
    assert cclient.post(f"/curator/import/{token_of(resp)}").status_code == 303
    row = store.installation_by_slug("gis-mural", published_only=False)
    assert geo.distance_m(row["lon"], row["lat"], *PLACES[0]) < 0.01


@pytest.mark.parametrize(
    ("leave_out", "message"),
    [
        ((".prj",), "lacks .prj; without .prj the coordinate reference system is unknown"),
        ((".shx",), "lacks .shx"),
        ((".dbf", ".shx"), "lacks .shx, .dbf"),
        ((".shp",), "holds no Shapefile (.shp) or KML"),
    ],
)
def test_shapefiles_with_missing_parts_are_refused(tmp_path, leave_out, message):
    content = zipped_shapefile(works_frame("EPSG:32643"), tmp_path, leave_out)
    rows, errors = gis.read_work_rows(content, "parts.zip")
    assert rows == [] and len(errors) == 1 and message in errors[0].reason


def test_the_import_page_explains_a_missing_prj_in_the_readers_language(cclient, auth, tmp_path):
    auth.login()
    content = zipped_shapefile(works_frame("EPSG:32643"), tmp_path, (".prj",))
    resp = upload(cclient, "/curator/import?lang=ru", content, "parts.zip")
    assert resp.status_code == 400 and "В шейп-файле нет .prj" in resp.text


def test_unsafe_zips_are_refused_before_unpacking(tmp_path, monkeypatch):
    def zipped(files: dict[str, bytes], method=zipfile.ZIP_DEFLATED) -> bytes:
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w", method) as z:
            for name, data in files.items():
                z.writestr(name, data)
        return out.getvalue()

    bomb = zipped({"works.shp": b"\0" * 5_000_000, "works.shx": b"", "works.dbf": b""})
    assert len(bomb) < 20_000
    cases = [
        (bomb, "bomb.zip", "zip_bomb"),
        (zipped({f"f{i}.txt": b"x" for i in range(150)}), "many.zip", "zip_too_many"),
        (b"PK\x03\x04 not really a zip", "broken.zip", "zip_bad"),
        (zipped({"a.shp": b"", "b.shp": b""}), "two.zip", "zip_several_layers"),
        (zipped({"doc.kml": b"\0" * 3_000_000}), "bomb.kmz", "zip_bomb"),
    ]
    for content, name, code in cases:
        with pytest.raises(gis.GisError) as err:
            gis.read_layer(content, name, "point")
        assert err.value.code == code, name
    monkeypatch.setattr(gis, "MAX_UNZIPPED_BYTES", 1_000_000)
    stored = zipped({"works.shp": b"\1" * 600_000, "x.bin": b"\2" * 600_000}, zipfile.ZIP_STORED)
    with pytest.raises(gis.GisError, match="unpacks to 1 MB; at most 1 MB"):
        gis.read_layer(stored, "big.zip", "point")


def test_kml_and_kmz_points(tmp_path):
    kml = kml_bytes(works_frame())
    rows, errors = gis.read_work_rows(kml, "works.kml")
    assert errors == [] and [r["title"] for _, r in rows] == ["GIS mural", "GIS sculpture"]
    for got, want in zip(positions(rows), PLACES, strict=True):
        assert geo.distance_m(*got, *want) < 0.01
    kmz = io.BytesIO()
    with zipfile.ZipFile(kmz, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("doc.kml", kml)
        z.writestr("files/icon.png", b"\x89PNG")
    rows_kmz, errors = gis.read_work_rows(kmz.getvalue(), "works.kmz")
    assert errors == [] and positions(rows_kmz) == positions(rows)


@pytest.mark.parametrize(
    ("content", "code"),
    [
        (
            b'<?xml version="1.0"?><!DOCTYPE kml [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;&a;">]>'
            b'<kml xmlns="http://www.opengis.net/kml/2.2"><Placemark><name>&b;</name>'
            b"<Point><coordinates>76.92,43.24</coordinates></Point></Placemark></kml>",
            "xml_forbidden",
        ),
        (
            b'<kml xmlns="http://www.opengis.net/kml/2.2"><NetworkLink><Link>'
            b"<href>http://example.org/more.kml</href></Link></NetworkLink></kml>",
            "kml_network_link",
        ),
        (b'<kml xmlns="http://www.opengis.net/kml/2.2"><Placemark>', "not_xml"),
    ],
)
def test_bad_kml_is_refused_before_gdal_reads_it(content, code):
    rows, errors = gis.read_work_rows(content, "bad.kml")
    assert rows == [] and [e.code for e in errors] == [code]


def test_wrong_geometry_types_and_crs_problems(tmp_path):
    polygons = works_frame()
    polygons["geometry"] = polygons.to_crs("EPSG:32643").buffer(50).to_crs("EPSG:4326")
    rows, errors = gis.read_work_rows(gpkg_bytes(polygons), "areas.gpkg")
    assert rows == [] and errors[0].code == "wrong_geometry"
    assert "Polygon geometries; works must be points" in errors[0].reason
    mixed = works_frame()
    mixed.loc[1, "geometry"] = shapely.LineString([PLACES[0], PLACES[1]])
    rows, errors = gis.read_work_rows(kml_bytes(mixed), "mixed.kml")
    assert len(rows) == 1 and errors[0].row == 2 and errors[0].code == "not_point"
    assert "this one: LineString" in errors[0].reason
    no_crs = works_frame("EPSG:32643").set_crs(None, allow_override=True)
    rows, errors = gis.read_work_rows(gpkg_bytes(no_crs), "nocrs.gpkg")
    assert rows == [] and errors[0].code == "no_crs"
    projected = json.loads(works_frame("EPSG:32643").to_json(drop_id=True))
    projected.pop("crs", None)  # metres, but the file does not say so
    rows, errors = gis.read_work_rows(json.dumps(projected).encode(), "utm.geojson")
    assert rows == [] and errors[0].code == "not_lonlat"


def test_geojson_naming_another_crs_is_reprojected(cclient, auth):
    doc = json.loads(works_frame("EPSG:32643").to_json(drop_id=True))
    doc["crs"] = {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::32643"}}
    auth.login()
    resp = upload(cclient, "/curator/import", json.dumps(doc).encode(), "utm.geojson")
    assert resp.status_code == 200 and "2 to add" in resp.text, resp.text


def test_too_many_features_and_an_empty_layer(monkeypatch):
    monkeypatch.setattr(gis, "MAX_FEATURES", 1)
    rows, errors = gis.read_work_rows(gpkg_bytes(works_frame()), "many.gpkg")
    assert errors[0].code == "too_many_features"
    monkeypatch.undo()
    rows, errors = gis.read_work_rows(gpkg_bytes(works_frame().iloc[:0]), "empty.gpkg")
    assert rows == [] and errors[0].code == "no_layer_features"


def test_osm_tagged_layers_are_read_as_osm_data():
    frame = gpd.GeoDataFrame(
        {
            "tourism": ["artwork"],
            "artwork_type": ["mural"],
            "name": ["Стена"],
            "osm_ref": ["node/7"],
        },
        geometry=[shapely.Point(PLACES[0])],
        crs="EPSG:4326",
    )
    rows, errors = gis.read_work_rows(gpkg_bytes(frame), "osm.gpkg")
    assert errors == [] and rows[0][1]["kind"] == "mural" and rows[0][1]["osm_ref"] == "node/7"


# GeoPackage out and back --------------------------------------------------------------------


def test_geopackage_export_then_import_changes_nothing(cclient, auth, db_path, tmp_path, store):
    auth.login()
    resp = cclient.get("/curator/export.gpkg")
    assert resp.status_code == 200 and resp.mimetype == "application/geopackage+sqlite3"
    assert resp.data.startswith(b"SQLite format 3\x00")
    assert 'filename="installations.gpkg"' in resp.headers["Content-Disposition"]
    frame = read_gpkg(resp.data, tmp_path, "installations")
    total = len(store.all_installations())
    assert len(frame) == total and frame.crs.to_epsg() == 4326
    assert {"slug", "title_ru", "osm_ref", "source_note"} <= set(frame.columns)
    back = upload(cclient, "/curator/import", resp.data, "installations.gpkg")
    assert f"0 to add, 0 to change, {total} unchanged, 0 rejected." in back.text, back.text


def test_cli_geopackage_export_import_and_size_limit(db_path, tmp_path, store):
    out = tmp_path / "works.gpkg"
    runner = CliRunner()
    result = runner.invoke(
        cli, ["export", "--db", str(db_path), "--format", "gpkg", "-o", str(out)]
    )
    assert result.exit_code == 0, result.output
    total = len(store.all_installations())
    result = runner.invoke(cli, ["import", str(out), "--db", str(db_path), "--dry-run"])
    assert f"0 to add, 0 to change, {total} unchanged" in result.output, result.output
    result = runner.invoke(
        cli, ["import", str(out), "--db", str(db_path)], env={"MAPAPP_IMPORT_MAX_BYTES": "1000"}
    )
    assert result.exit_code == 1 and "larger than 0 MB" in result.output
    shp = tmp_path / "works.zip"
    shp.write_bytes(zipped_shapefile(works_frame("EPSG:32643"), tmp_path))
    result = runner.invoke(cli, ["import", str(shp), "--db", str(db_path)])
    assert result.exit_code == 0 and "imported" in result.output, result.output


def test_coverage_report_as_geopackage(client, db_path, tmp_path):
    resp = client.get("/api/routes/esentai/coverage?radius=150&format=gpkg")
    assert resp.status_code == 200 and resp.mimetype == gis.GPKG_MIMETYPE
    assert 'filename="terrenkur-coverage-r150.gpkg"' in resp.headers["Content-Disposition"]
    read_gpkg(resp.data, tmp_path, "route")
    layers = dict(pyogrio.list_layers(tmp_path / "read.gpkg"))
    assert layers == {
        "route": "LineString",
        "segments": "LineString",
        "gaps": "LineString",
        "sites": "Point",
    }
    report = client.get("/api/routes/esentai/coverage?radius=150").json
    route = read_gpkg(resp.data, tmp_path, "route")
    assert route["covered_m"][0] == report["covered_m"]
    segments = read_gpkg(resp.data, tmp_path, "segments")
    assert list(segments["works"]) == [s["works"] for s in report["segments"]]
    gaps = read_gpkg(resp.data, tmp_path, "gaps")
    assert len(gaps) == report["gap_count"]
    assert client.get("/api/routes/esentai/coverage?format=shp").status_code == 400
    assert "Download GeoPackage" in client.get("/esentai/planner").text
    out = tmp_path / "coverage.gpkg"
    result = CliRunner().invoke(
        cli, ["coverage", "--db", str(db_path), "--format", "gpkg", "-o", str(out)]
    )
    assert result.exit_code == 0, result.output
    assert len(gpd.read_file(out, layer="segments")) == len(report["segments"])


# routes from GIS files ------------------------------------------------------------------------


def route_lines(crs: str) -> gpd.GeoDataFrame:
    """The seeded route's line as two features drawn in opposite directions, in ``crs``."""
    coords = json.loads((Path("data") / "geo" / "vesnovka_route.geojson").read_text())
    line = coords["features"][0]["geometry"]["coordinates"]
    first, second = line[:5], line[4:][::-1]
    frame = gpd.GeoDataFrame(
        {"name": ["Embankment, south", "Embankment, north"]},
        geometry=[shapely.LineString(second), shapely.LineString(first)],
        crs="EPSG:4326",
    )
    return frame.to_crs(crs)


def test_admin_replaces_the_route_from_a_projected_shapefile(cclient, db_path, tmp_path, store):
    AuthActions(cclient).login("ada")
    before = store.current_route()
    content = zipped_shapefile(route_lines(LOCAL_TM), tmp_path)
    resp = upload(cclient, "/curator/route", content, "embankment.zip")
    assert resp.status_code == 200, resp.text
    preview = resp.text.split('id="route-preview"')[1]
    assert "Largest shift from the current route: 0 m" in preview
    assert store.current_route() == before  # a preview changes nothing
    token = preview.split('name="token" value="')[1].split('"')[0]
    resp = cclient.post("/curator/route", data={"action": "apply", "token": token})
    assert resp.status_code == 303
    after = store.current_route()
    assert len(after["coordinates"]) == len(before["coordinates"])
    for got, want in zip(after["coordinates"], before["coordinates"], strict=True):
        assert geo.distance_m(*got, *want) < 0.01  # reprojected and in walking order
    assert "ESRI Shapefile" in after["properties"]["source"]


def test_route_files_with_the_wrong_geometry_or_bad_zips(cclient, db_path, tmp_path, store):
    AuthActions(cclient).login("ada")
    before = store.current_route()
    points = gpkg_bytes(works_frame())
    resp = upload(cclient, "/curator/route", points, "points.gpkg")
    assert resp.status_code == 400 and "a route a line" in resp.text
    bomb = io.BytesIO()
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("doc.kml", b" " * 3_000_000)
    resp = upload(cclient, "/curator/route", bomb.getvalue(), "bomb.kmz")
    assert resp.status_code == 400 and "zip bomb" in resp.text
    assert store.current_route() == before


def test_cli_import_route_dry_run_and_apply(db_path, tmp_path, store):
    path = tmp_path / "route.kml"
    path.write_bytes(kml_bytes(route_lines("EPSG:4326")))
    runner = CliRunner()
    before = store.current_route()
    result = runner.invoke(cli, ["import-route", str(path), "--db", str(db_path), "--dry-run"])
    assert result.exit_code == 0, result.output
    assert "the line moves by up to 0 m" in result.output and "dry run" in result.output
    assert store.current_route() == before
    result = runner.invoke(cli, ["import-route", str(path), "--db", str(db_path)])
    assert result.exit_code == 0 and "is now current" in result.output, result.output
    assert store.current_route()["id"] != before["id"]
    bad = tmp_path / "bad.gpkg"
    bad.write_bytes(gpkg_bytes(works_frame()))
    result = runner.invoke(cli, ["import-route", str(bad), "--db", str(db_path)])
    assert result.exit_code == 1 and "route not replaced" in result.output
    assert "Example:" in runner.invoke(cli, ["import-route", "--help"]).output
