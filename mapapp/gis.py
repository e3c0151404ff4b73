"""GIS files in and out: Shapefile (zipped), GeoPackage, KML/KMZ and GeoJSON in any CRS.

Reads works (points) and routes (lines) with geopandas/pyogrio, reprojected to
EPSG:4326, and says clearly what is wrong with a file: no CRS, the wrong geometry
type, a Shapefile without its ``.shx``/``.dbf``/``.prj``, an unsafe zip (too many
members, too large unpacked, a compression ratio only a zip bomb has), KML with a
DTD or network links. Writes works and the coverage report as GeoPackage.
geopandas is imported inside the functions (it costs about 0.6 s). No Flask here.
"""

from __future__ import annotations

import io
import math
import re
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any, Literal

from . import coverage_formats, geo, osm
from .records import COLUMNS, RowError, row_error

if TYPE_CHECKING:
    import geopandas as gpd

    from .coverage import CoverageReport

MAX_ZIP_MEMBERS = 100
MAX_UNZIPPED_BYTES = 100_000_000
#: Uncompressed size over compressed size above which a large member is a zip bomb.
MAX_ZIP_RATIO = 100
MAX_FEATURES = 20_000
GPKG_MIMETYPE = "application/geopackage+sqlite3"
#: Layer of a works GeoPackage, and the columns written (position in the geometry).
WORKS_LAYER = "installations"
WORK_COLUMNS = (*(c for c in COLUMNS if c not in ("lat", "lon")), "osm_ref")

Wanted = Literal["point", "line"]


class GisError(ValueError):
    """A GIS file that cannot be read; ``code`` and ``params`` for translation."""

    def __init__(self, code: str, reason: str, **params: Any):
        super().__init__(reason)
        self.code = code
        self.params = params

    def row_error(self, row: int = 1) -> RowError:
        return row_error(row, "file", self.code, str(self), **self.params)


def is_gis_file(content: bytes, filename: str) -> bool:
    """A zipped Shapefile, GeoPackage, KML or KMZ, by name or by its first bytes."""
    if filename.lower().endswith((".zip", ".gpkg", ".kml", ".kmz")):
        return True
    if content.startswith((b"PK\x03\x04", b"SQLite format 3\x00")):
        return True
    head = content[:1024].lstrip(b"\xef\xbb\xbf \t\r\n")
    return head.startswith(b"<kml") or (head.startswith(b"<?xml") and b"<kml" in head)


def has_foreign_crs(doc: Any) -> bool:
    """Whether a GeoJSON document names a CRS other than WGS 84 lon/lat (pre-RFC 7946)."""
    crs = doc.get("crs") if isinstance(doc, dict) else None
    if not isinstance(crs, dict):
        return False
    name = str((crs.get("properties") or {}).get("name", "")).upper()
    return not re.search(r"(CRS84|CRS:84|EPSG::?4326)$", name)


# reading -------------------------------------------------------------------------


@dataclass
class Layer:
    """Features read from a file, in EPSG:4326, and where they came from."""

    frame: gpd.GeoDataFrame
    name: str
    driver: str
    source_crs: str


def read_layer(content: bytes, filename: str, wanted: Wanted) -> Layer:
    """The layer of points or lines in a GIS file, reprojected to EPSG:4326.

    A GeoPackage with several layers gives the one named ``installations`` or
    ``works`` (points) or ``route`` (lines), else the first of the wanted type; all
    of a KML file's folders are read. Raises :class:`GisError`.
    """
    import warnings

    import geopandas as gpd
    import pandas as pd
    import pyogrio

    with tempfile.TemporaryDirectory(prefix="mapapp-gis-") as tmp:
        path = _materialize(content, filename, Path(tmp))
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", RuntimeWarning)  # GDAL's notes on odd files
                layers = [(str(n), str(t or "")) for n, t in pyogrio.list_layers(path)]
                chosen = _choose_layers(layers, wanted, path.suffix == ".kml")
                frames = []
                for name, _type in chosen:
                    info = pyogrio.read_info(path, layer=name)
                    if int(info.get("features") or 0) > MAX_FEATURES:
                        raise GisError(
                            "too_many_features",
                            f"the layer {name!r} has more than {MAX_FEATURES:,} features",
                            limit=f"{MAX_FEATURES:,}",
                        )
                    frames.append(gpd.read_file(path, layer=name))
                driver = str(pyogrio.read_info(path, layer=chosen[0][0]).get("driver", ""))
        except GisError:
            raise
        except Exception as exc:  # GDAL reports damaged files with several error types
            raise GisError(
                "gis_unreadable", f"GDAL cannot read the file: {str(exc)[:200]}"
            ) from None
    crs = frames[0].crs
    if crs is None or any(f.crs != crs for f in frames[1:]):
        hint = " (the .prj file is missing)" if driver == "ESRI Shapefile" else ""
        raise GisError(
            "no_crs", f"the file does not say which coordinate reference system it uses{hint}"
        )
    frame = gpd.GeoDataFrame(pd.concat(frames, ignore_index=True), crs=crs)
    source_crs = crs.to_string()
    if not crs.equals("EPSG:4326"):
        try:
            frame = frame.to_crs("EPSG:4326")
        except Exception as exc:  # pyproj cannot transform this CRS
            raise GisError(
                "bad_crs", f"cannot reproject from {source_crs}: {str(exc)[:120]}", crs=source_crs
            ) from None
    if len(frame) and not frame.geometry.is_empty.all():
        minx, miny, maxx, maxy = frame.total_bounds
        if not all(map(math.isfinite, (minx, miny, maxx, maxy))) or not (
            -180 <= minx <= maxx <= 180 and -90 <= miny <= maxy <= 90
        ):
            raise GisError(
                "not_lonlat",
                "the coordinates are not longitude/latitude: the file is in a projected CRS"
                " but does not say which",
            )
    return Layer(frame, chosen[0][0], driver, source_crs)


def _choose_layers(
    layers: list[tuple[str, str]], wanted: Wanted, all_of_them: bool
) -> list[tuple[str, str]]:
    if not layers:
        raise GisError("no_layer", "the file holds no layer")
    word = "Point" if wanted == "point" else "LineString"
    fits = [(n, t) for n, t in layers if word in t or t in ("", "Unknown", "Geometry")]
    if not fits:
        found = ", ".join(sorted({t or "none" for _, t in layers}))
        what = "works must be points" if wanted == "point" else "a route must be a line"
        raise GisError(
            "wrong_geometry",
            f"the file holds {found} geometries; {what}",
            found=found,
        )
    if all_of_them:
        return fits
    preferred = ("installations", "works") if wanted == "point" else ("route", "routes")
    for name in preferred:
        for n, t in fits:
            if n.lower() == name:
                return [(n, t)]
    return fits[:1]


def _materialize(content: bytes, filename: str, tmp: Path) -> Path:
    """Write the upload as a file GDAL can open; a zip is checked and unpacked safely."""
    name = filename.lower()
    if content.startswith(b"PK\x03\x04") or name.endswith((".zip", ".kmz")):
        return _unzip(content, tmp)
    if content.startswith(b"SQLite format 3\x00"):
        path = tmp / "upload.gpkg"
    elif is_gis_file(content, filename) and not name.endswith(".gpkg"):
        _check_kml(content)
        path = tmp / "upload.kml"
    elif name.endswith(".gpkg"):
        raise GisError("gis_unreadable", "not a GeoPackage (no SQLite header)")
    else:
        path = tmp / "upload.geojson"
    path.write_bytes(content)
    return path


def _unzip(content: bytes, tmp: Path) -> Path:
    """Extract the one Shapefile or KML of a zip/KMZ after checking it is safe to."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(content))
        infos = [i for i in archive.infolist() if not i.is_dir()]
    except (zipfile.BadZipFile, ValueError):
        raise GisError("zip_bad", "not a readable zip file") from None
    if len(infos) > MAX_ZIP_MEMBERS:
        raise GisError(
            "zip_too_many",
            f"the zip holds {len(infos):,} files; at most {MAX_ZIP_MEMBERS}",
            n=len(infos),
            limit=MAX_ZIP_MEMBERS,
        )
    total = sum(i.file_size for i in infos)
    if total > MAX_UNZIPPED_BYTES:
        raise GisError(
            "zip_too_big",
            f"the zip unpacks to {total / 1e6:,.0f} MB; at most {MAX_UNZIPPED_BYTES / 1e6:.0f} MB",
            mb=f"{total / 1e6:,.0f}",
            limit=f"{MAX_UNZIPPED_BYTES / 1e6:.0f}",
        )
    for i in infos:
        if i.flag_bits & 0x1:
            raise GisError("zip_encrypted", "the zip is encrypted")
        if i.file_size > 1_000_000 and i.file_size > MAX_ZIP_RATIO * max(i.compress_size, 1):
            ratio = i.file_size // max(i.compress_size, 1)
            raise GisError(
                "zip_bomb",
                f"{PurePosixPath(i.filename).name} would unpack {ratio:,} times larger than it"
                " is packed: refused as a zip bomb",
                ratio=f"{ratio:,}",
            )
    members: dict[str, zipfile.ZipInfo] = {}
    for i in infos:
        base = PurePosixPath(i.filename.replace("\\", "/")).name
        if i.filename.startswith("__MACOSX/") or base.startswith("._") or not base:
            continue
        members.setdefault(base.lower(), i)
    kml = sorted(n for n in members if n.endswith(".kml"))
    shp = sorted(n for n in members if n.endswith(".shp"))

    def read(member: zipfile.ZipInfo) -> bytes:
        try:
            return archive.read(member)
        except (zipfile.BadZipFile, OSError, EOFError, ValueError) as exc:
            raise GisError("zip_bad", f"a file in the zip is damaged ({exc})") from None

    if kml and not shp:
        member = members["doc.kml"] if "doc.kml" in members else members[kml[0]]
        data = read(member)
        _check_kml(data)
        path = tmp / "upload.kml"
        path.write_bytes(data)
        return path
    if not shp:
        raise GisError("zip_no_layer", "the zip holds no Shapefile (.shp) or KML")
    if len(shp) > 1:
        raise GisError(
            "zip_several_layers",
            f"the zip holds {len(shp)} Shapefiles ({', '.join(shp[:5])}); zip one",
            n=len(shp),
        )
    stem = shp[0][: -len(".shp")]
    missing = [ext for ext in (".shx", ".dbf", ".prj") if stem + ext not in members]
    if missing:
        parts = ", ".join(missing)
        why = (
            "; without .prj the coordinate reference system is unknown" if ".prj" in missing else ""
        )
        raise GisError(
            "shapefile_parts",
            f"the Shapefile {shp[0]} lacks {parts}{why}",
            missing=parts,
        )
    for ext in (".shp", ".shx", ".dbf", ".prj", ".cpg"):
        if stem + ext in members:
            (tmp / f"upload{ext}").write_bytes(read(members[stem + ext]))
    return tmp / "upload.shp"


def _check_kml(content: bytes) -> None:
    """KML is XML: refuse a DTD or entities, and network links (nothing is fetched)."""
    import xml.etree.ElementTree as ET  # noqa: S405 (only its ParseError; defusedxml parses)

    import defusedxml
    import defusedxml.ElementTree as DET

    try:
        for _event, el in DET.iterparse(io.BytesIO(content), events=("end",), forbid_dtd=True):
            if el.tag.rsplit("}", 1)[-1] == "NetworkLink":
                raise GisError(
                    "kml_network_link",
                    "the KML links to other files on the network; export the features themselves",
                )
    except defusedxml.DefusedXmlException:
        raise GisError(
            "xml_forbidden",
            "the XML declares a DTD or entities, which are refused (entity expansion attack?)",
        ) from None
    except ET.ParseError as exc:
        line = exc.position[0] if getattr(exc, "position", None) else 0
        raise GisError("not_xml", f"not well-formed XML (line {line})", line=line) from None


# works ---------------------------------------------------------------------------

#: Other names of our columns: KML's ``Name``, Shapefile's 10-character field names.
_ALIASES = {"name": "title"}
for _c in (*COLUMNS, "osm_ref"):
    if len(_c) > 10 and sum(1 for o in COLUMNS if o[:10] == _c[:10]) == 1:
        _ALIASES[_c[:10]] = _c


def read_work_rows(
    content: bytes, filename: str
) -> tuple[list[tuple[int, dict[str, Any]]], list[RowError]]:
    """Import rows from the points of a GIS file, numbered by feature from 1.

    Columns named as ours (or KML's ``Name``, or cut to 10 characters by a
    Shapefile) fill our fields; a layer tagged the OpenStreetMap way
    (``tourism``, ``artwork_type``, ``name:*``, no ``title``) is read as OSM data.
    A feature that is not a point is rejected in the report.
    """
    try:
        layer = read_layer(content, filename, "point")
    except GisError as exc:
        return [], [exc.row_error()]
    frame = layer.frame
    columns = [str(c) for c in frame.columns if c != frame.geometry.name]
    lower = {c.lower() for c in columns}
    tagged = "title" not in lower and bool({"tourism", "artwork_type"} & lower)
    rows: list[tuple[int, dict[str, Any]]] = []
    errors: list[RowError] = []
    for n, (geom, record) in enumerate(
        zip(frame.geometry, frame[columns].to_dict("records"), strict=True), start=1
    ):
        if geom is not None and geom.geom_type == "MultiPoint" and len(geom.geoms) == 1:
            geom = geom.geoms[0]
        if geom is None or geom.is_empty or geom.geom_type != "Point":
            found = "no geometry" if geom is None or geom.is_empty else geom.geom_type
            errors.append(
                row_error(
                    n,
                    "geometry",
                    "not_point",
                    f"only Point features can be imported (this one: {found})",
                )
            )
            continue
        values = {k: v for k, v in ((k, _plain(v)) for k, v in record.items()) if v != ""}
        if tagged:
            ref = str(values.get("osm_ref") or values.get("@id") or values.get("id") or "")
            row = osm.work_fields(values, ref, geom.x, geom.y)
        else:
            row = {}
            for key, value in values.items():
                column = key if key in COLUMNS or key == "osm_ref" else None
                column = (
                    column
                    or _ALIASES.get(key.lower())
                    or (key.lower() if key.lower() in COLUMNS else None)
                )
                if column and column not in row:
                    row[column] = value
        row["lon"], row["lat"] = geom.x, geom.y
        rows.append((n, row))
    if not rows and not errors:
        errors.append(row_error(1, "file", "no_layer_features", "the layer has no features"))
    return rows, errors


def _plain(value: Any) -> Any:
    """A cell as a plain Python value; missing (None, NaN, NaT) as ``""``."""
    if value is None:
        return ""
    if hasattr(value, "isoformat"):
        try:
            return value.isoformat()
        except ValueError:  # NaT
            return ""
    if hasattr(value, "item"):  # numpy scalars
        value = value.item()
    if isinstance(value, float):
        if not math.isfinite(value):
            return ""
        return int(value) if value.is_integer() and abs(value) < 2**53 else value
    if isinstance(value, bytes):
        return ""
    return value


# routes --------------------------------------------------------------------------


def read_route(
    content: bytes, filename: str, reference: geo.Route | None = None
) -> tuple[list[list[float]], dict[str, Any]]:
    """A route from the lines of a GIS file, joined in walking order.

    Several line features (or a MultiLineString) are joined as OpenStreetMap ways
    are (:func:`mapapp.osm.join_lines`), running the way ``reference`` runs.
    Raises :class:`GisError` (a ``ValueError``).
    """
    layer = read_layer(content, filename, "line")
    parts: list[list[tuple[float, float]]] = []
    others: set[str] = set()
    for geom in layer.frame.geometry:
        if geom is None or geom.is_empty:
            continue
        if geom.geom_type == "LineString":
            parts.append([c[:2] for c in geom.coords])
        elif geom.geom_type == "MultiLineString":
            parts.extend([c[:2] for c in g.coords] for g in geom.geoms)
        else:
            others.add(geom.geom_type)
    if not parts:
        found = ", ".join(sorted(others)) or "no"
        raise GisError(
            "wrong_geometry",
            f"the file holds {found} geometries; a route must be a line",
            found=found,
        )
    line, _dropped = osm.join_lines(parts, reference)
    xy = list(line.coords)
    lon, lat = geo.to_lonlat([c[0] for c in xy], [c[1] for c in xy])
    coords = [[round(float(a), 7), round(float(b), 7)] for a, b in zip(lon, lat, strict=True)]
    props: dict[str, Any] = {
        "source": f"{PurePosixPath(filename).name} ({layer.driver}, from {layer.source_crs})",
    }
    names = [str(v) for c in ("name", "Name", "title") if c in layer.frame for v in layer.frame[c]]
    if names and names[0].strip():
        props["name"] = names[0].strip()[:200]
    return coords, props


# writing -------------------------------------------------------------------------


def works_gpkg(rows: list[dict[str, Any]]) -> bytes:
    """Works as a GeoPackage: one point layer ``installations`` with every column."""
    import geopandas as gpd
    import pandas as pd

    data: dict[str, Any] = {}
    for c in WORK_COLUMNS:
        values = [r.get(c) for r in rows]
        if c in ("id", "year"):
            data[c] = pd.array(values, dtype="Int64")
        else:
            data[c] = pd.array(["" if v is None else str(v) for v in values], dtype=object)
    frame = gpd.GeoDataFrame(
        data,
        geometry=gpd.points_from_xy([r["lon"] for r in rows], [r["lat"] for r in rows]),
        crs="EPSG:4326",
    )
    return _write({WORKS_LAYER: (frame, "Point")})


def coverage_gpkg(route: geo.Route, report: CoverageReport) -> bytes:
    """The coverage report as a GeoPackage.

    Layers: ``route`` (the line with the headline figures), ``segments`` and
    ``gaps`` (lines) and ``sites`` (suggested points), with the fields of the
    GeoJSON download.
    """
    import geopandas as gpd
    import pandas as pd
    import shapely

    doc = coverage_formats.coverage_geojson(route, report)
    layers: dict[str, tuple[Any, str]] = {}
    summary = {k: [v] for k, v in report.summary().items()}
    layers["route"] = (
        gpd.GeoDataFrame(summary, geometry=[route.line_lonlat], crs="EPSG:4326"),
        "LineString",
    )
    schema = {
        "segments": ("LineString", ("index", "start_m", "end_m", "length_m", "works", "covered_m")),
        "gaps": ("LineString", ("rank", "start_m", "end_m", "length_m")),
        "sites": ("Point", ("rank", "chainage_m", "gain_m", "share_after")),
    }
    for name, (geometry_type, fields) in schema.items():
        feats = [f for f in doc["features"] if f["properties"]["feature"] == name.rstrip("s")]
        data = {
            k: pd.Series(
                [f["properties"][k] for f in feats],
                dtype="int64" if k in ("index", "rank", "works") else float,
            )
            for k in fields
        }
        geoms = [shapely.geometry.shape(f["geometry"]) for f in feats]
        frame = gpd.GeoDataFrame(data, geometry=gpd.GeoSeries(geoms, crs="EPSG:4326"))
        layers[name] = (frame, geometry_type)
    return _write(layers)


def _write(layers: dict[str, tuple[Any, str]]) -> bytes:
    with tempfile.TemporaryDirectory(prefix="mapapp-gpkg-") as tmp:
        path = Path(tmp) / "out.gpkg"
        for name, (frame, geometry_type) in layers.items():
            frame.to_file(path, layer=name, driver="GPKG", geometry_type=geometry_type)
        return path.read_bytes()
