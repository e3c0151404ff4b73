"""Photos, import/export, the route and the write API, through the web and the CLI."""

from __future__ import annotations

import io
import json
from contextlib import closing
from pathlib import Path

import gpxpy
import pytest
from click.testing import CliRunner
from PIL import Image

from mapapp import photos
from mapapp.cli import cli
from mapapp.store import Store

from .conftest import AuthActions
from .test_curator import NEW_WORK


def jpeg_with_gps(size=(1600, 1200)) -> bytes:
    image = Image.new("RGB", size, (200, 80, 40))
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    gps = exif.get_ifd(0x8825)
    gps[1], gps[2] = "N", (43.0, 14.0, 24.0)
    gps[3], gps[4] = "E", (76.0, 55.0, 12.0)
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif)
    return out.getvalue()


#: The credit a form's new photo needs.
PHOTO_CREDIT = {"photo_author": "Cora K.", "photo_licence": "CC-BY-SA-4.0"}


def png_bytes(size=(40, 30)) -> bytes:
    out = io.BytesIO()
    Image.new("RGBA", size, (0, 120, 200, 128)).save(out, "PNG")
    return out.getvalue()


# photos ----------------------------------------------------------------------------------


def test_photo_is_stored_without_location_and_resized(tmp_path):
    data = jpeg_with_gps()
    assert b"PhoneMaker" in data
    name = photos.store_photo(data, tmp_path, 8_000_000)
    assert name.endswith(".jpg") and len(name) == 20
    with Image.open(tmp_path / name) as full, Image.open(tmp_path / "phone" / name) as phone:
        assert not full.getexif() and not phone.getexif()
        assert max(phone.size) == photos.PHONE_PX and full.size == (1600, 1200)
    assert b"PhoneMaker" not in (tmp_path / name).read_bytes()


def test_png_and_webp_are_accepted(tmp_path):
    assert photos.store_photo(png_bytes(), tmp_path, 8_000_000).endswith(".png")
    out = io.BytesIO()
    Image.new("RGB", (10, 10)).save(out, "WEBP")
    assert photos.store_photo(out.getvalue(), tmp_path, 8_000_000).endswith(".webp")


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "empty"),
        (b"this is not an image at all", "not a JPEG, PNG or WebP"),
        (b"<svg xmlns='http://www.w3.org/2000/svg'><script>alert(1)</script></svg>", "not a JPEG"),
        (jpeg_with_gps()[:4000], "damaged or truncated"),
        (png_bytes()[:60], "damaged or truncated"),
    ],
)
def test_bad_photos_are_refused(tmp_path, data, message):
    with pytest.raises(photos.PhotoError, match=message):
        photos.store_photo(data, tmp_path, 8_000_000)
    assert not list(tmp_path.glob("*.*"))


def test_other_image_formats_and_oversize_are_refused(tmp_path):
    gif = io.BytesIO()
    Image.new("RGB", (5, 5)).save(gif, "GIF")
    with pytest.raises(photos.PhotoError, match="GIF files are not accepted"):
        photos.store_photo(gif.getvalue(), tmp_path, 8_000_000)
    with pytest.raises(photos.PhotoError, match="at most 0 MB"):
        photos.store_photo(png_bytes(), tmp_path, 100)


def test_photo_upload_through_the_form_and_public_access(cclient, auth, curator_app, tmp_path):
    auth.login()
    data = {
        **NEW_WORK,
        **PHOTO_CREDIT,
        "status": "draft",
        "photo_file": (io.BytesIO(jpeg_with_gps()), "me.jpg"),
    }
    resp = cclient.post("/curator/new", data=data, content_type="multipart/form-data")
    assert resp.status_code == 302
    new_id = int(resp.headers["Location"].rsplit("/", 1)[1])
    row = cclient.get(f"/api/curator/installations/{new_id}").json
    assert row["photo"].endswith(".jpg")
    anon = curator_app.test_client()
    assert anon.get(f"/media/phone/{row['photo']}").status_code == 404  # draft: not public
    page = cclient.get(f"/curator/{new_id}").text
    assert f"/media/phone/{row['photo']}" in page
    edit = {**NEW_WORK, "status": "published", "version": "1"}
    assert cclient.post(f"/curator/{new_id}", data=edit).status_code == 302
    resp = anon.get(f"/media/phone/{row['photo']}")
    assert resp.status_code == 200 and resp.mimetype == "image/jpeg"
    resp.close()
    # a file beside the media folder is not reachable through it
    assert Path(curator_app.config["MEDIA_DIR"]).parent == tmp_path
    (tmp_path / "outside.txt").write_text("not for the public")
    for path in ("/media/../outside.txt", "/media/%2e%2e/outside.txt", "/media/..%2foutside.txt"):
        resp = anon.get(path)
        assert resp.status_code == 404 and b"not for the public" not in resp.data, path


def test_fake_photo_in_the_form_changes_nothing(cclient, auth, store):
    auth.login()
    before = store.all_installations()
    data = {**NEW_WORK, "photo_file": (io.BytesIO(b"GIF89a not really"), "cat.jpg")}
    resp = cclient.post("/curator/new", data=data, content_type="multipart/form-data")
    assert resp.status_code == 400
    assert "not a JPEG, PNG or WebP image" in resp.text
    assert store.all_installations() == before


def test_oversized_upload_is_refused_cleanly(db_path, users, tmp_path):
    from mapapp.app import create_app

    app = create_app(
        {
            "TESTING": True,
            "DB": str(db_path),
            "TILES": "",
            "WTF_CSRF_ENABLED": False,
            "RATELIMIT_ENABLED": False,
            "PHOTO_MAX_BYTES": 2000,
            "IMPORT_MAX_BYTES": 2000,
            "MAX_REQUEST_BYTES": 50_000,
            "MEDIA_DIR": str(tmp_path / "m"),
        }
    )
    client = app.test_client()
    AuthActions(client).login()
    data = {**NEW_WORK, "photo_file": (io.BytesIO(jpeg_with_gps((300, 300))), "big.jpg")}
    resp = client.post("/curator/new", data=data, content_type="multipart/form-data")
    assert resp.status_code == 400 and "photos may be at most" in resp.text
    huge = {"file": (io.BytesIO(b"x" * 100_000), "huge.csv")}
    resp = client.post("/curator/import", data=huge, content_type="multipart/form-data")
    assert resp.status_code == 413


# import and export ----------------------------------------------------------------------------


def export(cclient, fmt="csv") -> bytes:
    resp = cclient.get(f"/curator/export.{fmt}")
    assert resp.status_code == 200
    return resp.data


def upload(cclient, content: bytes, name: str):
    data = {"file": (io.BytesIO(content), name)}
    return cclient.post("/curator/import", data=data, content_type="multipart/form-data")


def test_export_then_import_changes_nothing(cclient, auth, db_path, store):
    auth.login()
    n = len(store.all_installations())
    for fmt in ("csv", "geojson"):
        resp = upload(cclient, export(cclient, fmt), f"all.{fmt}")
        assert resp.status_code == 200, resp.text
        assert f"0 to add, 0 to change, {n} unchanged, 0 rejected." in resp.text


def test_import_dry_run_then_apply(cclient, auth, store, client):
    auth.login()
    text = export(cclient).decode()
    lines = text.splitlines()
    lines[1] = lines[1].replace(
        "Sculpture park of the Kasteyev", "Sculpture garden of the Kasteyev"
    )
    new_row = (
        ',new-mural,New mural,mural,ARTBAT FEST,2026,Someone,"A new wall.",Abay Ave,'
        "43.2400,76.9210,approximate,https://artbatfest.cultura.kz/,Curators' list,,"
    )
    content = ("\n".join([*lines, new_row]) + "\n").encode()
    resp = upload(cclient, content, "update.csv")
    n = len(store.all_installations())
    assert f"1 to add, 1 to change, {n - 1} unchanged, 0 rejected." in resp.text
    assert store.installation_by_slug("new-mural", published_only=False) is None
    token = resp.text.split("/curator/import/")[1].split('"')[0]
    resp = cclient.post(f"/curator/import/{token}")
    assert resp.status_code == 303
    added = store.installation_by_slug("new-mural", published_only=False)
    assert added["status"] == "draft"  # new rows without a status wait for review
    assert store.installation(1, published_only=False)["title"].startswith("Sculpture garden")
    assert store.history(added["id"])[0]["action"] == "import"
    assert cclient.post(f"/curator/import/{token}").status_code == 404  # applied once only


def test_import_is_all_or_nothing_with_a_per_row_report(cclient, auth, store):
    auth.login()
    header = export(cclient).decode().splitlines()[0]
    rows = [
        ",good-one,Good one,mural,,2020,,,,43.2400,76.9210,approximate,https://a.kz/x,,,",
        ",bad-kind,Bad kind,spaceship,,2020,,,,43.2400,76.9210,approximate,https://a.kz/x,,,",
        ",far-away,Far away,mural,,2020,,,,43.3000,76.9210,approximate,https://a.kz/x,,,",
        ",swapped,Swapped,mural,,,,,,76.9210,43.2400,approximate,https://a.kz/x,,,",
        ",nan-lat,NaN,mural,,1999,,,,nan,76.92,approximate,https://a.kz/x,,,",
        ",good-one,Dupe,mural,,2020,,,,43.2400,76.9210,approximate,https://a.kz/x,,,",
        ",no-url,No url,mural,,2020,,,,43.2400,76.9210,approximate,,,,",
    ]
    before = store.all_installations()
    resp = upload(cclient, ("\n".join([header, *rows]) + "\n").encode(), "mixed.csv")
    assert resp.status_code == 400
    report = resp.text.split('id="import-report"')[1]
    cells = [
        [c.strip() for c in row.split("<td>")[1:]]
        for row in report.split('<tr class="reject">')[1:]
    ]
    got = {(c[0].removesuffix("</td>"), c[3].removesuffix("</td>")) for c in cells}
    assert got == {
        ("3", "kind"),
        ("4", "lat/lon"),
        ("5", "lat/lon"),
        ("6", "lat"),
        ("7", "slug"),
        ("8", "source_url"),
    }
    assert "Nothing will be imported" in resp.text and "Apply all" not in resp.text
    assert "look swapped" in resp.text
    assert store.all_installations() == before


@pytest.mark.parametrize(
    ("content", "name", "message"),
    [
        (b"", "empty.csv", "The file is empty."),
        (b"slug,title\nx,y\n", "cols.csv", "Missing column(s): kind, lat, lon"),
        (b"\xff\xfe\x00garbage", "bin.csv", "not UTF-8"),
        (b'{"type": "FeatureCollection", "features": []}', "x.geojson", "has no features"),
        (b"{not json", "x.geojson", "Not valid JSON"),
        (b'{"type": "Feature"}', "x.geojson", "Expected a GeoJSON FeatureCollection."),
    ],
)
def test_malformed_import_files(cclient, auth, content, name, message):
    auth.login()
    resp = upload(cclient, content, name)
    assert resp.status_code == 400 and message in resp.text


def test_semicolon_csv_with_bom(cclient, auth):
    auth.login()
    text = (
        "slug;title;kind;lat;lon;location_precision;source_url\n"
        "semi-work;Semicolon work;mural;43.2401;76.9211;approximate;https://a.kz/y\n"
    )
    resp = upload(cclient, ("\ufeff" + text).encode(), "semi.csv")
    assert resp.status_code == 200
    assert "1 to add, 0 to change, 0 unchanged, 0 rejected." in resp.text


def test_openstreetmap_artwork_import(cclient, auth, store):
    auth.login()
    osm = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "id": "node/123456",
                "properties": {
                    "tourism": "artwork",
                    "name": "Красные человечки",
                    "artist_name": "Andrey Lyublinsky",
                    "artwork_type": "statue",
                    "start_date": "2018-08-31",
                },
                "geometry": {"type": "Point", "coordinates": [76.9215, 43.2395]},
            },
            {
                "type": "Feature",
                "id": "way/99",
                "properties": {
                    "tourism": "artwork",
                    "name": "Wall",
                    "artwork_type": "mural",
                    "website": "https://example.org/wall",
                },
                "geometry": {"type": "Point", "coordinates": [76.9212, 43.2380]},
            },
        ],
    }
    resp = upload(cclient, json.dumps(osm).encode(), "osm.geojson")
    assert resp.status_code == 200 and "2 to add" in resp.text
    token = resp.text.split("/curator/import/")[1].split('"')[0]
    cclient.post(f"/curator/import/{token}")
    red = store.installation_by_slug("krasnye-chelovechki", published_only=False)
    assert (
        red["kind"] == "sculpture" and red["artist"] == "Andrey Lyublinsky" and red["year"] == 2018
    )
    assert red["source_url"] == "https://www.openstreetmap.org/node/123456"
    assert "OpenStreetMap" in red["source_note"] and red["status"] == "draft"
    wall = store.installation_by_slug("wall", published_only=False)
    assert wall["kind"] == "mural" and wall["source_url"] == "https://example.org/wall"


def test_exports_escape_nothing_and_keep_text_inert(cclient, auth):
    auth.login()
    evil = "<img src=x onerror=alert(1)>"
    cclient.post(
        "/curator/new", data={**NEW_WORK, "title": evil, "slug": "evil-one", "status": "published"}
    )
    csv_text = export(cclient).decode()
    assert evil in csv_text  # data is exported verbatim, as data
    gpx = export(cclient, "gpx").decode()
    assert "<img" not in gpx and "&lt;img src=x" in gpx  # XML-escaped
    assert export(cclient).startswith(b"id,slug,title")
    resp = cclient.get("/curator/export.csv")
    assert resp.headers["Content-Disposition"].startswith("attachment")


def test_gpx_export_has_route_and_stops_in_walking_order(cclient, auth):
    auth.login()
    doc = gpxpy.parse(export(cclient, "gpx").decode())
    assert len(doc.tracks[0].segments[0].points) >= 9
    names = [w.name for w in doc.waypoints]
    assert names[0].startswith("1. ") and names[1].startswith("2. ")
    assert len(doc.routes[0].points) == len(doc.waypoints)


# the route -------------------------------------------------------------------------------------


def replace_route(client, content: bytes, name: str):
    """Upload a route, check its preview, then apply it."""
    import re

    data = {"file": (io.BytesIO(content), name)}
    resp = client.post("/curator/route", data=data, content_type="multipart/form-data")
    assert resp.status_code == 200, resp.text
    token = re.search(r'name="token" value="([^"]+)"', resp.text).group(1)
    return client.post("/curator/route", data={"action": "apply", "token": token})


def test_admin_replaces_the_route_and_chainage_follows(cclient, store, client):
    AuthActions(cclient).login("ada")
    before = client.get("/api/routes/esentai/installations/3").json["properties"]["chainage_m"]
    reversed_route = {
        "type": "Feature",
        "properties": {"name": "reversed"},
        "geometry": {
            "type": "LineString",
            "coordinates": [
                [76.9189, 43.2532],
                [76.92, 43.2455],
                [76.9217, 43.2366],
                [76.932235, 43.21997],
            ],
        },
    }
    resp = replace_route(cclient, json.dumps(reversed_route).encode(), "r.geojson")
    assert resp.status_code == 303
    after = client.get("/api/routes/esentai/installations/3").json["properties"]["chainage_m"]
    assert after != before
    routes = store.routes()
    assert len(routes) == 2 and routes[0]["is_current"] and routes[0]["username"] == "ada"
    # the old route stays in history and can be made current again
    resp = cclient.post(
        "/curator/route", data={"action": "make-current", "route_id": str(routes[1]["id"])}
    )
    assert resp.status_code == 303
    assert (
        client.get("/api/routes/esentai/installations/3").json["properties"]["chainage_m"] == before
    )


def test_route_from_gpx_track(cclient, store):
    AuthActions(cclient).login("ada")
    gpx = gpxpy.gpx.GPX()
    track = gpxpy.gpx.GPXTrack(name="Surveyed walk")
    seg = gpxpy.gpx.GPXTrackSegment()
    for lat, lon in [
        (43.2096, 76.9543),
        (43.21997, 76.932235),
        (43.2366, 76.9217),
        (43.2455, 76.92),
    ]:
        seg.points.append(gpxpy.gpx.GPXTrackPoint(lat, lon))
    track.segments.append(seg)
    gpx.tracks.append(track)
    resp = replace_route(cclient, gpx.to_xml().encode(), "walk.gpx")
    assert resp.status_code == 303
    current = store.current_route()
    assert len(current["coordinates"]) == 4 and current["properties"]["name"] == "Surveyed walk"


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "Choose a route file"),
        (b"<gpx><trk></trk>", "not a readable GPX"),
        (b'{"type": "LineString", "coordinates": [[1, 2]]}', "at least two"),
        (b'{"type": "Point", "coordinates": [1, 2]}', "no LineString"),
    ],
)
def test_bad_route_uploads(cclient, store, content, message):
    AuthActions(cclient).login("ada")
    before = store.current_route()
    resp = cclient.post(
        "/curator/route",
        data={"file": (io.BytesIO(content), "r.geojson")},
        content_type="multipart/form-data",
    )
    assert resp.status_code == 400 and message in resp.text
    assert store.current_route() == before


# write API -------------------------------------------------------------------------------------


def api_work(**extra):
    body = {k: v for k, v in NEW_WORK.items() if k != "slug"}
    body.update({"lat": 43.2399, "lon": 76.9203, "year": 2026, **extra})
    return body


def test_api_create_update_retire_restore(cclient, auth, client):
    auth.login()
    resp = cclient.post("/api/curator/installations", json=api_work(status="published"))
    assert resp.status_code == 201, resp.json
    work = resp.json
    assert resp.headers["Location"] == f"/api/curator/installations/{work['id']}"
    assert work["slug"] == "water-mirror"  # made from the title
    resp = cclient.patch(
        f"/api/curator/installations/{work['id']}", json={"version": 1, "title": "Renamed"}
    )
    assert resp.status_code == 200 and resp.json["version"] == 2 and resp.json["title"] == "Renamed"
    stale = cclient.patch(
        f"/api/curator/installations/{work['id']}", json={"version": 1, "title": "Lost"}
    )
    assert stale.status_code == 409 and stale.json["current"]["title"] == "Renamed"
    resp = cclient.post(f"/api/curator/installations/{work['id']}/retire", json={"version": 2})
    assert resp.status_code == 200 and resp.json["status"] == "retired"
    assert client.get(f"/api/routes/esentai/installations/{work['id']}").status_code == 404
    history = cclient.get(f"/api/curator/installations/{work['id']}/history").json
    assert [h["action"] for h in history] == ["retire", "update", "create"]
    resp = cclient.post(
        f"/api/curator/installations/{work['id']}/restore",
        json={"version": 3, "history_id": history[1]["id"]},
    )
    assert (
        resp.status_code == 200 and resp.json["status"] == "published" and resp.json["version"] == 4
    )


@pytest.mark.parametrize(
    ("method", "path", "body", "status", "check"),
    [
        ("POST", "/api/curator/installations", {"title": "x"}, 400, "fields"),
        ("POST", "/api/curator/installations", api_work(lat=95), 400, "fields"),
        ("POST", "/api/curator/installations", "not json", 400, "send a JSON object"),
        ("PATCH", "/api/curator/installations/1", {"title": "x"}, 400, "version is required"),
        ("PATCH", "/api/curator/installations/1", {"version": "1"}, 400, "version is required"),
        ("PATCH", "/api/curator/installations/999", {"version": 1}, 404, "no installation"),
        ("PATCH", "/api/curator/installations/1", {"version": 1, "kind": "boat"}, 400, "fields"),
        ("POST", "/api/curator/installations/1/restore", {"version": 1}, 400, "history_id"),
        (
            "POST",
            "/api/curator/installations/1/restore",
            {"version": 1, "history_id": 9999},
            404,
            "9999",
        ),
        ("GET", "/api/curator/locate?lat=x&lon=1", None, 400, "lat must be a number"),
    ],
)
def test_api_errors_are_json(cclient, auth, method, path, body, status, check):
    auth.login()
    kwargs = (
        {"data": body, "content_type": "text/plain"} if isinstance(body, str) else {"json": body}
    )
    resp = cclient.open(path, method=method, **({} if body is None else kwargs))
    assert resp.status_code == status and resp.mimetype == "application/json"
    assert check in json.dumps(resp.json)
    assert resp.headers["Cache-Control"] == "private, no-store"  # a curator's: never kept


def test_api_slug_conflict(cclient, auth):
    auth.login()
    resp = cclient.post("/api/curator/installations", json=api_work(slug="auezov-theatre"))
    assert resp.status_code == 400 and "used by another work" in resp.json["fields"]["slug"]
    assert resp.json["codes"]["slug"] == "slug_taken"


def test_api_locate(cclient, auth):
    auth.login()
    d = cclient.get("/api/curator/locate?lat=43.2366&lon=76.9217").json
    assert d["within"] and d["offset_m"] < 1 and d["chainage_m"] > 3000


# CLI ---------------------------------------------------------------------------------------------


def test_cli_create_user_prompts_without_echo(tmp_path):
    db = tmp_path / "u.sqlite"
    runner = CliRunner()
    result = runner.invoke(
        cli,
        ["create-user", "aigerim", "--role", "admin", "--db", str(db)],
        input="a long passphrase\na long passphrase\n",
    )
    assert result.exit_code == 0, result.output
    assert "a long passphrase" not in result.output
    with closing(Store.open(db)) as store:
        row = store.user_by_name("aigerim")
    assert row["role"] == "admin" and row["password_hash"].startswith("scrypt:")
    again = runner.invoke(
        cli,
        ["create-user", "aigerim", "--db", str(db)],
        input="a long passphrase\na long passphrase\n",
    )
    assert again.exit_code == 1 and "exists already" in again.output
    short = runner.invoke(cli, ["create-user", "x", "--db", str(db)], input="short\nshort\n")
    assert short.exit_code == 1 and "at least 10" in short.output


def test_cli_export_import_round_trip_and_backup(tmp_path, db_path, store):
    runner = CliRunner()
    out = tmp_path / "all.csv"
    assert runner.invoke(cli, ["export", "--db", str(db_path), "-o", str(out)]).exit_code == 0
    result = runner.invoke(cli, ["import", str(out), "--db", str(db_path), "--dry-run"])
    n = len(store.all_installations())
    assert result.exit_code == 0 and f"0 to add, 0 to change, {n} unchanged" in result.output
    geo = tmp_path / "all.geojson"
    runner.invoke(cli, ["export", "--db", str(db_path), "--format", "geojson", "-o", str(geo)])
    assert json.loads(geo.read_text())["type"] == "FeatureCollection"
    result = runner.invoke(cli, ["export", "--db", str(db_path), "--format", "gpx"])
    assert result.exit_code == 0 and result.output.startswith("<?xml")
    bad = tmp_path / "bad.csv"
    bad.write_text(out.read_text().replace(",sculpture,", ",spaceship,", 1))
    result = runner.invoke(cli, ["import", str(bad), "--db", str(db_path)])
    assert result.exit_code == 1 and "kind: unknown value 'spaceship'" in result.output
    assert "nothing imported" in result.output
    copy = tmp_path / "backup.sqlite"
    result = runner.invoke(cli, ["backup", str(copy), "--db", str(db_path)])
    assert result.exit_code == 0
    with closing(Store.open(copy)) as backup:
        assert backup.all_installations() == store.all_installations()
    assert runner.invoke(cli, ["backup", str(copy), "--db", str(db_path)]).exit_code == 1


def test_cli_import_applies(tmp_path, db_path, store):
    path = Path(tmp_path / "one.csv")
    path.write_text(
        "slug,title,kind,lat,lon,location_precision,source_url,status\n"
        "cli-work,CLI work,mural,43.2401,76.9211,approximate,https://a.kz/y,published\n"
    )
    result = CliRunner().invoke(cli, ["import", str(path), "--db", str(db_path), "--user", "ops"])
    assert result.exit_code == 0 and "imported" in result.output
    row = store.installation_by_slug("cli-work")
    assert row is not None and store.history(row["id"])[0]["username"] == "ops"


# spreadsheet-safe CSV ----------------------------------------------------------------------

FORMULAS = {
    "title": '=HYPERLINK("https://evil.example","click")',
    "artist": "+cmd|' /C calc'!A0",
    "description": "@SUM(1+1)*cmd|' /C calc'!A0",
    "address": "-2+3+cmd|' /C calc'!A0",
    "source_note": "\t=1+1",
    "title_ru": "\r=1+1",
}


def _formula_work(cclient):
    data = {**NEW_WORK, **FORMULAS, "slug": "formula-work", "status": "published"}
    assert cclient.post("/curator/new", data=data).status_code == 302


def _csv_row(text: str, slug: str) -> dict:
    import csv

    return next(r for r in csv.DictReader(io.StringIO(text, newline="")) if r["slug"] == slug)


def test_csv_export_neutralises_formulas(cclient, auth):
    auth.login()
    _formula_work(cclient)
    row = _csv_row(export(cclient).decode(), "formula-work")
    for field, value in FORMULAS.items():
        assert row[field] == "'" + value.strip(), field  # stored stripped of white space
    assert row["lat"] == "43.2399" and row["lon"] == "76.9203"  # numbers stay numbers


def test_a_spreadsheet_safe_export_imports_back_unchanged(cclient, auth):
    auth.login()
    _formula_work(cclient)
    resp = upload(cclient, export(cclient), "all.csv")
    assert resp.status_code == 200
    assert "0 to add, 0 to change" in resp.text


def test_cli_exports_raw_cells_only_when_asked(tmp_path, db_path, store):
    store.update_installation(1, {"title": FORMULAS["title"]}, 1, "t")
    slug = store.installation(1)["slug"]
    runner = CliRunner()
    safe = runner.invoke(cli, ["export", "--db", str(db_path)])
    assert _csv_row(safe.output, slug)["title"] == "'" + FORMULAS["title"]
    raw = runner.invoke(cli, ["export", "--db", str(db_path), "--raw"])
    assert raw.exit_code == 0, raw.output
    assert _csv_row(raw.output, slug)["title"] == FORMULAS["title"]


# XML exports ------------------------------------------------------------------------------

CONTROL = "Bad\x00 \x01title\x0b\x0c\x1b\x7f\x85\ufffe end"


def test_gpx_export_is_well_formed_whatever_the_text_holds(cclient, auth, db_path, tmp_path):
    import xml.etree.ElementTree as ET

    store = Store.open(db_path)
    store.update_installation(1, {"title": CONTROL, "description": "a\x02b\nc"}, 1, "t")
    store.close()
    auth.login()
    out = tmp_path / "x.gpx"
    cli_result = CliRunner().invoke(
        cli, ["export", "--db", str(db_path), "--format", "gpx", "-o", str(out)]
    )
    assert cli_result.exit_code == 0
    for text in (export(cclient, "gpx").decode(), out.read_text(encoding="utf-8")):
        root = ET.fromstring(text)  # noqa: S314 (our own output)
        names = [e.text for e in root.iter() if e.tag.endswith("name") and e.text]
        assert any(n.endswith("Bad title end") for n in names), names
        descriptions = [e.text for e in root.iter() if e.tag.endswith("desc") and e.text]
        assert any("ab\nc" in d for d in descriptions)


# a photo survives a form that comes back with errors ----------------------------------------


def _pending_token(page: str) -> str:
    import re

    match = re.search(r'name="pending_photo" value="([^"]+)"', page)
    assert match, "the form does not keep the photo"
    return match.group(1)


def test_a_photo_is_kept_when_the_new_form_has_errors(cclient, auth, curator_app, tmp_path):
    auth.login()
    media = Path(curator_app.config["MEDIA_DIR"])
    data = {**NEW_WORK, "title": "", "photo_file": (io.BytesIO(jpeg_with_gps()), "me.jpg")}
    resp = cclient.post("/curator/new", data=data, content_type="multipart/form-data")
    assert resp.status_code == 400
    token = _pending_token(resp.text)
    assert "photo you chose is kept" in resp.text
    assert not list(media.glob("*.jpg"))  # nothing stored where /media/ serves from
    assert cclient.get(f"/media/.pending/{token}").status_code == 404
    assert curator_app.test_client().get(f"/media/.pending/{token}").status_code == 404
    resp = cclient.post("/curator/new", data={**NEW_WORK, **PHOTO_CREDIT, "pending_photo": token})
    assert resp.status_code == 302
    new_id = int(resp.headers["Location"].rsplit("/", 1)[1])
    row = cclient.get(f"/api/curator/installations/{new_id}").json
    assert row["photo"].endswith(".jpg") and (media / row["photo"]).exists()
    assert not any((media / ".pending").iterdir())  # the pending copy is gone


def test_a_photo_is_kept_when_the_edit_form_has_errors(cclient, auth, db_path, store):
    auth.login()
    row = store.installation(1)
    from .test_curator import edit_form

    data = {**edit_form(row, year="12"), "photo_file": (io.BytesIO(png_bytes()), "p.png")}
    resp = cclient.post("/curator/1", data=data, content_type="multipart/form-data")
    assert resp.status_code == 400
    token = _pending_token(resp.text)
    resp = cclient.post(
        "/curator/1", data={**edit_form(row), **PHOTO_CREDIT, "pending_photo": token}
    )
    assert resp.status_code == 302
    assert store.installation(1)["photo"].endswith(".png")


@pytest.mark.parametrize("token", ["../secret_key", "..%2F..%2Fsecret_key", "x" * 22, ""])
def test_an_unknown_or_hostile_pending_token_keeps_no_photo(cclient, auth, token):
    auth.login()
    resp = cclient.post(
        "/curator/new", data={**NEW_WORK, "slug": "no-photo", "pending_photo": token}
    )
    assert resp.status_code == 302
    new_id = int(resp.headers["Location"].rsplit("/", 1)[1])
    assert cclient.get(f"/api/curator/installations/{new_id}").json["photo"] == ""


def test_pending_photos_are_cleaned_up_after_a_day(tmp_path):
    import os
    import time

    old = photos.keep_pending(png_bytes(), tmp_path)
    path = tmp_path / photos.PENDING_DIR / old
    day_ago = time.time() - 25 * 3600
    os.utime(path, (day_ago, day_ago))
    fresh = photos.keep_pending(png_bytes(), tmp_path)
    assert not path.exists()
    assert photos.pending_upload(fresh, tmp_path) == png_bytes()
    assert photos.pending_upload(old, tmp_path) is None
