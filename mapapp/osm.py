"""OpenStreetMap in and out: Overpass queries, OSM files, the river line, artworks.

Pure functions over the standard library, shapely and defusedxml (pyosmium reads
``.osm.pbf`` and is imported only then). The one network call,
:func:`fetch_overpass`, has a timeout and a size cap and raises
:class:`OverpassError` with a readable message. Nothing here writes:
:mod:`mapapp.exchange` plans what a pull would change and :mod:`mapapp.editing`
applies it. Everything taken from OpenStreetMap is ODbL 1.0 and carries
:data:`ATTRIBUTION`. No Flask here.
"""

from __future__ import annotations

import io
import json
import math
import re
import time
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import shapely
from shapely.geometry import LineString, Point
from shapely.ops import substring
from slugify import slugify

from . import geo
from .provenance import OSM_PUBLIC_NOTES
from .records import RowError, row_error

DEFAULT_OVERPASS_URL = "https://overpass-api.de/api/interpreter"
#: A regular expression for the river's names (Kazakh and Russian), as Overpass takes it.
DEFAULT_RIVER_NAME = "Есентай|Весновка"
ATTRIBUTION = "© OpenStreetMap contributors"
LICENCE = "ODbL 1.0"
COPYRIGHT_URL = "https://www.openstreetmap.org/copyright"
#: Stored in the source note of every work taken from OpenStreetMap.
NOTE = "Imported from OpenStreetMap (ODbL 1.0, © OpenStreetMap contributors)."
#: The credit the public sees (the "how we know" line, per language): ODbL asks for it.
PUBLIC_NOTES = OSM_PUBLIC_NOTES
USER_AGENT = "CulturalTerrenkur-mapapp/0.1 (Esentai river art map; python-requests)"

#: Largest Overpass answer or OSM file read, and most elements in it.
MAX_BYTES = 50_000_000
MAX_ELEMENTS = 200_000
#: Widest gap between two pieces of the river that is bridged when joining them.
MAX_JOIN_GAP_M = 100.0
#: A coordinate change below this is rounding, not a move.
SAME_PLACE_M = 0.5

#: ``artwork_type`` values and the kind we file them under.
ARTWORK_KINDS = {
    "mural": "mural",
    "graffiti": "mural",
    "mosaic": "mural",
    "painting": "mural",
    "sculpture": "sculpture",
    "statue": "sculpture",
    "bust": "sculpture",
    "relief": "sculpture",
    "stone": "sculpture",
    "installation": "installation",
    "fountain": "installation",
    "land_art": "installation",
    "architecture": "landmark",
}
#: Our kinds that are artworks in OpenStreetMap's sense, and their ``artwork_type``.
EXPORT_ARTWORK_TYPES = {
    "sculpture": "sculpture",
    "mural": "mural",
    "installation": "installation",
    "pavilion": "installation",
    "landmark": "architecture",
}
#: Cultural places a pull may add besides artworks (``--venues``): key, value.
VENUE_TAGS = (
    ("tourism", "museum"),
    ("tourism", "gallery"),
    ("amenity", "theatre"),
    ("amenity", "arts_centre"),
)
RIVER_WATERWAYS = ("river", "canal", "stream", "drain", "ditch")
NAME_KEYS = ("name", "name:kk", "name:ru", "name:en", "alt_name", "old_name")
OSM_TYPES = ("node", "way", "relation")
REF_RE = re.compile(r"^(node|way|relation)/[1-9][0-9]{0,14}$")

#: Fields a pull may change on a work that exists already; the rest stay the curators'.
UPDATE_KEY = "_osm_update"


class OsmError(ValueError):
    """An OSM file or answer that cannot be used; ``code`` and ``params`` for translation."""

    def __init__(self, code: str, reason: str, **params: Any):
        super().__init__(reason)
        self.code = code
        self.params = params

    def row_error(self, row: int = 1, field_name: str = "file") -> RowError:
        return row_error(row, field_name, self.code, str(self), **self.params)


class OverpassError(Exception):
    """Overpass could not answer (busy, timed out, unreachable); nothing was changed."""

    def __init__(self, code: str, reason: str):
        super().__init__(reason)
        self.code = code


# the data ------------------------------------------------------------------------


@dataclass(frozen=True)
class Element:
    """One OSM node, way or relation with its tags and where it is.

    ``lon``/``lat`` are a node's position or a way's or relation's centre (``None``
    when the file gives neither); ``coords`` is a way's line in lon/lat.
    """

    type: str
    id: int
    tags: dict[str, str]
    lon: float | None = None
    lat: float | None = None
    coords: tuple[tuple[float, float], ...] = ()
    index: int = 0  # position in the file, from 1

    @property
    def ref(self) -> str:
        return f"{self.type}/{self.id}"

    @property
    def position(self) -> tuple[float, float] | None:
        """Where a work is: the node, the given centre, or the middle of the way."""
        if self.lon is not None and self.lat is not None:
            return self.lon, self.lat
        if len(self.coords) >= 2:
            line = LineString(self.coords)
            closed = len(self.coords) >= 4 and self.coords[0] == self.coords[-1]
            centre = (
                shapely.Polygon(self.coords).centroid if closed else line.interpolate(0.5, True)
            )
            return float(centre.x), float(centre.y)
        return None


@dataclass
class OsmData:
    """The elements of an Overpass answer or OSM file, in file order."""

    elements: list[Element]
    timestamp: str = ""
    generator: str = ""
    errors: list[RowError] = field(default_factory=list)


def is_osm_file(content: bytes, filename: str) -> bool:
    """Whether an upload is an OSM XML or PBF file (Overpass JSON is found by its keys)."""
    name = filename.lower()
    if name.endswith((".osm", ".osm.pbf", ".pbf", ".osm.xml")):
        return True
    head = content[:512].lstrip(b"\xef\xbb\xbf \t\r\n")
    return head.startswith(b"<osm") or (head.startswith(b"<?xml") and b"<osm" in content[:1024])


def is_overpass_json(doc: Any) -> bool:
    return isinstance(doc, dict) and isinstance(doc.get("elements"), list)


def parse(content: bytes, filename: str = "") -> OsmData:
    """Read Overpass JSON, OSM XML or ``.osm.pbf``; :class:`OsmError` if unusable."""
    if len(content) > MAX_BYTES:
        raise OsmError(
            "file_too_big",
            f"the file is {len(content) / 1e6:.0f} MB; at most {MAX_BYTES / 1e6:.0f} MB",
            mb=f"{len(content) / 1e6:.0f}",
            limit=f"{MAX_BYTES / 1e6:.0f}",
        )
    if not content.strip():
        raise OsmError("file_empty", "the file is empty")
    name = filename.lower()
    if name.endswith(".pbf") or content[4:13] == b"\n\tOSMHeader":
        return parse_pbf(content)
    head = content.lstrip(b"\xef\xbb\xbf \t\r\n")[:1]
    if head == b"<":
        return parse_xml(content)
    try:
        doc = json.loads(content.decode("utf-8").removeprefix("\ufeff"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise OsmError("not_osm", "not an Overpass JSON answer, OSM XML or .osm.pbf file") from None
    return from_overpass_json(doc)


def from_overpass_json(doc: Any) -> OsmData:
    """The elements of an Overpass ``[out:json]`` answer (``out geom`` or ``out center``)."""
    if not is_overpass_json(doc):
        raise OsmError("not_osm", "not an Overpass JSON answer: no list of elements")
    _check_remark(str(doc.get("remark") or ""))
    raw = doc["elements"]
    if len(raw) > MAX_ELEMENTS:
        raise _too_many(len(raw))
    nodes: dict[int, tuple[float, float]] = {}
    for item in raw:
        if isinstance(item, dict) and item.get("type") == "node":
            pos = _lonlat(item.get("lon"), item.get("lat"))
            if pos is not None and isinstance(item.get("id"), int):
                nodes[item["id"]] = pos
    builder = _Builder()
    for n, item in enumerate(raw, start=1):
        if not isinstance(item, dict):
            builder.error(n, "element", "osm_bad_element", "not an OSM element")
            continue
        kind, osm_id = item.get("type"), item.get("id")
        tags: dict[str, Any] = item["tags"] if isinstance(item.get("tags"), dict) else {}
        center: dict[str, Any] = item["center"] if isinstance(item.get("center"), dict) else {}
        if kind == "node":
            pos = _lonlat(item.get("lon"), item.get("lat"))
            if not tags:
                continue  # a vertex of a way
            builder.add(n, kind, osm_id, tags, pos)
        elif kind in ("way", "relation"):
            coords: list[tuple[float, float]] = []
            geometry = item.get("geometry")
            if kind == "way" and isinstance(geometry, list):
                coords = [
                    p
                    for g in geometry
                    if isinstance(g, dict) and (p := _lonlat(g.get("lon"), g.get("lat")))
                ]
            elif kind == "way" and isinstance(item.get("nodes"), list):
                coords = [nodes[r] for r in item["nodes"] if isinstance(r, int) and r in nodes]
            builder.add(
                n, kind, osm_id, tags, _lonlat(center.get("lon"), center.get("lat")), coords
            )
        else:
            builder.error(n, "element", "osm_bad_element", "not an OSM node, way or relation")
    osm3s = doc.get("osm3s") if isinstance(doc.get("osm3s"), dict) else {}
    return builder.data(str(osm3s.get("timestamp_osm_base") or ""), str(doc.get("generator") or ""))


def parse_xml(content: bytes) -> OsmData:
    """The elements of an OSM XML file (API, JOSM or Overpass ``[out:xml]``).

    Parsed with defusedxml: a DTD, entity declarations (the "billion laughs") and
    external references are refused before anything is expanded.
    """
    import xml.etree.ElementTree as ET  # noqa: S405 (only its ParseError; defusedxml parses)

    import defusedxml
    import defusedxml.ElementTree as DET

    builder = _Builder()
    nodes: dict[int, tuple[float, float]] = {}
    timestamp = ""
    pending: list[tuple[int, str, Any, dict[str, str], Any, list[Any]]] = []
    count = 0
    depth = 0
    try:
        events = DET.iterparse(io.BytesIO(content), events=("start", "end"), forbid_dtd=True)
        for event, el in events:
            if event == "start":
                depth += 1
                if depth == 1 and el.tag != "osm":
                    raise OsmError("not_osm", f"not an OSM XML file: the root is <{el.tag[:40]}>")
                continue
            depth -= 1
            if depth != 1:
                continue
            tag = el.tag
            if tag == "meta":
                timestamp = el.get("osm_base", "")
            elif tag == "remark":
                _check_remark(el.text or "")
            elif tag in OSM_TYPES:
                count += 1
                if count > MAX_ELEMENTS:
                    raise _too_many(count)
                tags = {t.get("k", ""): t.get("v", "") for t in el.iter("tag")}
                osm_id = _int(el.get("id"))
                center = el.find("center")
                pos = (
                    _lonlat(_float(center.get("lon")), _float(center.get("lat")))
                    if center is not None
                    else None
                )
                if tag == "node":
                    pos = _lonlat(_float(el.get("lon")), _float(el.get("lat")))
                    if isinstance(osm_id, int) and pos is not None:
                        nodes[osm_id] = pos
                    if tags:
                        builder.add(count, tag, osm_id, tags, pos)
                else:
                    nds = [
                        (_int(nd.get("ref")), _lonlat(_float(nd.get("lon")), _float(nd.get("lat"))))
                        for nd in el.iter("nd")
                    ]
                    pending.append((count, tag, osm_id, tags, pos, nds))
            el.clear()
    except OsmError:
        raise
    except defusedxml.DefusedXmlException:
        raise OsmError(
            "xml_forbidden",
            "the XML declares a DTD or entities, which are refused (entity expansion attack?)",
        ) from None
    except ET.ParseError as exc:
        line = exc.position[0] if getattr(exc, "position", None) else 0
        raise OsmError("not_xml", f"not well-formed XML (line {line})", line=line) from None
    for n, kind, osm_id, tags, pos, nds in pending:
        coords = [p if p is not None else nodes.get(ref) for ref, p in nds]  # type: ignore[arg-type]
        builder.add(n, kind, osm_id, tags, pos, [c for c in coords if c is not None])
    return builder.data(timestamp, "")


def parse_pbf(content: bytes) -> OsmData:
    """The elements of an ``.osm.pbf`` file, read with pyosmium."""
    import osmium

    builder = _Builder()
    count = 0
    try:
        processor = osmium.FileProcessor(osmium.io.FileBuffer(content, "pbf")).with_locations()
        for obj in processor:
            count += 1
            if count > MAX_ELEMENTS:
                raise _too_many(count)
            tags = {t.k: t.v for t in obj.tags}
            if isinstance(obj, osmium.osm.Node):
                if tags:
                    loc = obj.location
                    pos = _lonlat(loc.lon, loc.lat) if loc.valid() else None
                    builder.add(count, "node", obj.id, tags, pos)
            elif isinstance(obj, osmium.osm.Way):
                coords = [(n.lon, n.lat) for n in obj.nodes if n.location.valid()]
                builder.add(count, "way", obj.id, tags, None, coords)
            elif isinstance(obj, osmium.osm.Relation):
                builder.add(count, "relation", obj.id, tags, None)
    except OsmError:
        raise
    except RuntimeError as exc:
        raise OsmError("not_pbf", f"not a readable .osm.pbf file ({str(exc)[:120]})") from None
    return builder.data("", "pbf")


class _Builder:
    """Collects elements, refusing bad ids and positions and repeated ids row by row."""

    def __init__(self) -> None:
        self.elements: list[Element] = []
        self.errors: list[RowError] = []
        self.seen: dict[str, int] = {}

    def error(self, row: int, field_name: str, code: str, reason: str, **params: Any) -> None:
        self.errors.append(row_error(row, field_name, code, reason, **params))

    def add(
        self,
        row: int,
        kind: str,
        osm_id: Any,
        tags: dict[Any, Any],
        pos: tuple[float, float] | None,
        coords: Sequence[tuple[float, float]] = (),
    ) -> None:
        if not isinstance(osm_id, int) or isinstance(osm_id, bool) or not 0 < osm_id < 10**15:
            self.error(row, "osm_ref", "osm_ref_format", "not a valid OSM id")
            return
        ref = f"{kind}/{osm_id}"
        if ref in self.seen:
            first = self.seen[ref]
            self.error(
                row, "osm_ref", "repeats", f"{ref!r} repeats row {first}", value=ref, first=first
            )
            return
        self.seen[ref] = row
        clean = {str(k)[:255]: str(v)[:255] for k, v in tags.items()}
        lon, lat = pos if pos is not None else (None, None)
        self.elements.append(Element(kind, osm_id, clean, lon, lat, tuple(coords), row))

    def data(self, timestamp: str, generator: str) -> OsmData:
        return OsmData(self.elements, timestamp, generator, self.errors)


def _check_remark(remark: str) -> None:
    """Overpass answers 200 with a ``remark`` when the query failed part way."""
    if "error" in remark.lower():
        raise OsmError(
            "overpass_remark",
            f"Overpass stopped part way: {remark.strip()[:200]}",
            remark=remark.strip()[:200],
        )


def _too_many(n: int) -> OsmError:
    return OsmError(
        "too_many_elements",
        f"more than {MAX_ELEMENTS:,} OSM elements; cut the export to the river's corridor",
        limit=f"{MAX_ELEMENTS:,}",
    )


def _int(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _float(value: Any) -> float | None:
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def _lonlat(lon: Any, lat: Any) -> tuple[float, float] | None:
    if not all(isinstance(v, int | float) and not isinstance(v, bool) for v in (lon, lat)):
        return None
    if not (math.isfinite(lon) and math.isfinite(lat) and -180 <= lon <= 180 and -90 <= lat <= 90):
        return None
    return float(lon), float(lat)


# the query and the fetch ---------------------------------------------------------


def build_query(
    route: geo.Route,
    *,
    river_name: str = DEFAULT_RIVER_NAME,
    corridor_m: float = 300.0,
    venues: bool = False,
    river: bool = True,
    works: bool = True,
    timeout_s: float = 90.0,
    river_margin_m: float = 2000.0,
) -> str:
    """An Overpass QL query for the river's ways and the works along ``route``.

    The river: ways tagged ``waterway`` whose name (any of :data:`NAME_KEYS`)
    matches ``river_name``, and the ways of such waterway relations, within the
    route's bounding box grown by ``river_margin_m``; with their geometry. The
    works: ``tourism=artwork`` (and with ``venues`` museums, galleries, theatres
    and arts centres) within ``corridor_m`` of the route; with their centres.
    """
    minx, miny, maxx, maxy = route.line_m.buffer(river_margin_m).bounds
    lon, lat = geo.to_lonlat([minx, maxx], [miny, maxy])
    bbox = f"{lat[0]:.5f},{lon[0]:.5f},{lat[1]:.5f},{lon[1]:.5f}"
    names = "^(" + "|".join(re.escape(k) for k in NAME_KEYS) + ")$"
    pattern = _ql_string(river_name)
    lines = [f"[out:json][timeout:{max(1, int(timeout_s))}];"]
    if river:
        lines += [
            f'rel["waterway"][~"{names}"~"{pattern}",i]({bbox})->.rivers;',
            "(",
            f'  way["waterway"][~"{names}"~"{pattern}",i]({bbox});',
            "  way(r.rivers);",
            ")->.river;",
            ".river out geom;",
        ]
    if works:
        around = f"around:{corridor_m:.0f},{_polyline(route)}"
        wanted = [("tourism", "artwork"), *(VENUE_TAGS if venues else ())]
        lines.append("(")
        lines += [f'  nwr["{k}"="{v}"]({around});' for k, v in wanted]
        lines += [");", "out tags center;"]
    return "\n".join(lines) + "\n"


def _ql_string(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", " ")


def _polyline(route: geo.Route, max_points: int = 100) -> str:
    """The route as Overpass's ``lat,lon,lat,lon...`` polyline, simplified to few points."""
    line = route.line_m
    tolerance = 5.0
    while len(line.coords) > max_points:
        line = route.line_m.simplify(tolerance)
        tolerance *= 2
    xy = np.asarray(line.coords)
    lon, lat = geo.to_lonlat(xy[:, 0], xy[:, 1])
    return ",".join(f"{b:.6f},{a:.6f}" for a, b in zip(lon, lat, strict=True))


def fetch_overpass(
    query: str,
    url: str = DEFAULT_OVERPASS_URL,
    timeout_s: float = 90.0,
    max_bytes: int = MAX_BYTES,
) -> bytes:
    """POST ``query`` to an Overpass server; the raw answer, or :class:`OverpassError`.

    Rate limits (429), Overpass's own time-outs (504), other HTTP errors, no
    answer within ``timeout_s`` seconds, no connection and answers larger than
    ``max_bytes`` each give a message that says what to do.
    """
    import requests

    deadline = time.monotonic() + timeout_s
    chunks: list[bytes] = []
    try:
        with requests.post(
            url,
            data={"data": query},
            headers={"User-Agent": USER_AGENT, "Accept": "application/json"},
            timeout=(min(15.0, timeout_s), timeout_s),
            stream=True,
        ) as resp:
            _check_status(resp.status_code, resp.text[:2000] if resp.status_code != 200 else "")
            size = 0
            for chunk in resp.iter_content(64 * 1024):
                size += len(chunk)
                if size > max_bytes:
                    raise OverpassError(
                        "too_big",
                        f"the Overpass answer is larger than {max_bytes / 1e6:.0f} MB;"
                        " narrow the corridor",
                    )
                if time.monotonic() > deadline:
                    raise requests.Timeout()
                chunks.append(chunk)
    except requests.Timeout:
        raise OverpassError(
            "timeout",
            f"no complete answer from Overpass within {timeout_s:g} s; try again later"
            " or raise --timeout",
        ) from None
    except requests.RequestException as exc:
        raise OverpassError(
            "unreachable", f"cannot reach Overpass at {url}: {type(exc).__name__}"
        ) from None
    return b"".join(chunks)


def _check_status(status: int, body: str) -> None:
    if status == 200:
        return
    if status == 429:
        raise OverpassError(
            "rate_limited",
            "Overpass refused the query: too many requests (HTTP 429). Wait a few minutes,"
            " or set MAPAPP_OVERPASS_URL to another Overpass server.",
        )
    if status == 504:
        raise OverpassError(
            "server_timeout",
            "Overpass is overloaded and gave up (HTTP 504 Gateway Timeout); try again later.",
        )
    detail = " ".join(re.sub(r"<[^>]+>", " ", body).split())[:300]
    raise OverpassError("http_error", f"Overpass answered HTTP {status}: {detail}".rstrip(": "))


# the river -----------------------------------------------------------------------


@dataclass
class RiverLine:
    """The river as one line in walking order, and where it came from."""

    coords: list[list[float]]
    properties: dict[str, Any]
    ways: list[str]
    dropped: int = 0  # pieces left out as side channels
    clipped: bool = False


def river_ways(data: OsmData, name_pattern: str | None = DEFAULT_RIVER_NAME) -> list[Element]:
    """Open ways tagged as a watercourse whose name matches ``name_pattern``."""
    matcher = re.compile(name_pattern, re.IGNORECASE) if name_pattern else None
    out = []
    for el in data.elements:
        if el.type != "way" or el.tags.get("waterway") not in RIVER_WATERWAYS:
            continue
        if len(el.coords) < 2 or (len(el.coords) > 3 and el.coords[0] == el.coords[-1]):
            continue
        if matcher and not any(matcher.search(el.tags.get(k, "")) for k in NAME_KEYS):
            continue
        out.append(el)
    return out


def river_line(
    data: OsmData,
    reference: geo.Route | None,
    *,
    name_pattern: str | None = DEFAULT_RIVER_NAME,
    clip: bool = True,
    max_gap_m: float = MAX_JOIN_GAP_M,
) -> RiverLine:
    """The river's ways joined into one line that runs the way ``reference`` does.

    With ``clip``, the line is cut to the stretch between the points nearest the
    ends of ``reference`` (the current route), so a pull replaces the walk and not
    the whole river. The properties say it is OpenStreetMap data (ODbL).
    """
    ways = river_ways(data, name_pattern)
    if not ways:
        raise OsmError(
            "no_river",
            f"no waterway named {name_pattern or 'anything'!s} in the OpenStreetMap data",
            name=name_pattern or "",
        )
    line, dropped = join_lines([w.coords for w in ways], reference, max_gap_m)
    clipped = False
    if clip and reference is not None:
        start = Point(reference.line_m.coords[0])
        end = Point(reference.line_m.coords[-1])
        a, b = sorted((line.project(start), line.project(end)))
        if b - a < 10:
            raise OsmError(
                "river_not_along_route",
                "the river line does not run along the current route; nothing to replace",
            )
        if a > 0.5 or b < line.length - 0.5:
            line = substring(line, a, b)
            clipped = True
    xy = np.asarray(line.coords)[:, :2]
    lon, lat = geo.to_lonlat(xy[:, 0], xy[:, 1])
    coords = [[round(float(x), 7), round(float(y), 7)] for x, y in zip(lon, lat, strict=True)]
    refs = [w.ref for w in ways]
    names = Counter(w.tags.get("name", "") for w in ways if w.tags.get("name"))
    osm_name = names.most_common(1)[0][0] if names else ""
    as_of = f", data as of {data.timestamp}" if data.timestamp else ""
    joined = f"joined from {len(ways)} way(s)" + (
        ", clipped to the previous route's ends" if clipped else ""
    )
    props = {
        "osm_name": osm_name,
        "description": f"The {osm_name or 'river'} as mapped in OpenStreetMap.",
        "geometry_precision": "approximate",
        "precision_note": (
            f"The river's centreline in OpenStreetMap, {joined}; not surveyed by us."
        ),
        "source": f"OpenStreetMap: {', '.join(refs[:12])}{' …' if len(refs) > 12 else ''}{as_of}",
        "source_urls": [f"https://www.openstreetmap.org/{r}" for r in refs[:50]],
        "osm_ways": refs,
        "licence": f"{LICENCE}, {ATTRIBUTION} ({COPYRIGHT_URL})",
        "attribution": ATTRIBUTION,
        "attribution_url": COPYRIGHT_URL,
    }
    return RiverLine(coords, props, refs, dropped, clipped)


def join_lines(
    parts: Iterable[Sequence[Sequence[float]]],
    reference: geo.Route | None = None,
    max_gap_m: float = MAX_JOIN_GAP_M,
    near_m: float = 1000.0,
) -> tuple[LineString, int]:
    """Lines in lon/lat joined into one line in metres, in walking order.

    The lines are a graph: vertices they share are joined (OSM ways share nodes),
    and line ends at most ``max_gap_m`` apart are bridged. The result is the
    shortest path between the two ends farthest apart along ``reference`` (the
    route, extended straight beyond its ends so that the river up- and
    downstream sorts too), so it runs the way the route runs and side channels and
    loops are left out. Pieces farther than ``near_m`` from the route are another
    river. Returns the line (in :data:`mapapp.geo.METRIC_CRS`) and how many input
    lines it does not use; raises :class:`OsmError` when the pieces near the route
    do not join up.
    """
    keys: dict[tuple[float, float], int] = {}
    lonlat: list[tuple[float, float]] = []
    paths: list[list[int]] = []
    for part in parts:
        ids: list[int] = []
        for c in part:
            key = (round(float(c[0]), 9), round(float(c[1]), 9))
            if key not in keys:
                keys[key] = len(lonlat)
                lonlat.append(key)
            if not ids or ids[-1] != keys[key]:
                ids.append(keys[key])
        if len(ids) >= 2:
            paths.append(ids)
    if not paths:
        raise OsmError("no_river", "no line with two or more positions", name="")
    arr = np.asarray(lonlat)
    xy = np.column_stack(geo.to_metric(arr[:, 0], arr[:, 1]))
    edges: dict[int, dict[int, tuple[float, int]]] = {}

    def link(a: int, b: int, weight: float, part: int) -> None:
        if weight < edges.setdefault(a, {}).get(b, (math.inf, -1))[0]:
            edges[a][b] = (weight, part)
            edges.setdefault(b, {})[a] = (weight, part)

    for n, ids in enumerate(paths):
        for a, b in zip(ids, ids[1:], strict=False):
            link(a, b, float(np.hypot(*(xy[a] - xy[b]))), n)
    ends = sorted({i for ids in paths for i in (ids[0], ids[-1]) if len(edges[i]) == 1})
    if len(ends) > 1:
        from scipy.spatial import cKDTree

        for i, j in cKDTree(xy[ends]).query_pairs(max_gap_m):
            a, b = ends[i], ends[j]
            link(a, b, 3.0 * float(np.hypot(*(xy[a] - xy[b]))), -1)  # bridged, not drawn
    components = _components(edges)
    guide = _guide_line(reference, xy)
    if reference is not None:
        route = reference.line_m
        components = [
            c
            for c in components
            if float(shapely.distance(route, shapely.points(xy[sorted(c)])).min()) <= near_m
        ]
        if not components:
            raise OsmError("no_river", "no part of the river runs near the route", name="")
    chainage = shapely.line_locate_point(guide, shapely.points(xy))
    if len(components) > 1:
        raise _gap(components, xy, chainage, max_gap_m)
    comp = components[0]
    terminals = [i for i in comp if len(edges[i]) == 1] or list(comp)
    start = min(terminals, key=lambda i: chainage[i])
    goal = max(terminals, key=lambda i: chainage[i])
    path = _shortest_path(edges, start, goal)
    used = {edges[a][b][1] for a, b in zip(path, path[1:], strict=False)} - {-1}
    return LineString(xy[path]), len(paths) - len(used)


def _components(edges: dict[int, dict[int, tuple[float, int]]]) -> list[set[int]]:
    seen: set[int] = set()
    out = []
    for node in edges:
        if node in seen:
            continue
        comp, todo = {node}, [node]
        while todo:
            for nxt in edges[todo.pop()]:
                if nxt not in comp:
                    comp.add(nxt)
                    todo.append(nxt)
        seen |= comp
        out.append(comp)
    return out


def _shortest_path(
    edges: dict[int, dict[int, tuple[float, int]]], start: int, goal: int
) -> list[int]:
    import heapq

    best = {start: 0.0}
    back: dict[int, int] = {}
    queue = [(0.0, start)]
    while queue:
        d, node = heapq.heappop(queue)
        if node == goal:
            break
        if d > best.get(node, math.inf):
            continue
        for nxt, (w, _part) in edges[node].items():
            if d + w < best.get(nxt, math.inf):
                best[nxt] = d + w
                back[nxt] = node
                heapq.heappush(queue, (d + w, nxt))
    path = [goal]
    while path[-1] != start:
        path.append(back[path[-1]])
    return path[::-1]


def _gap(
    components: list[set[int]], xy: np.ndarray, chainage: np.ndarray, max_gap_m: float
) -> OsmError:
    """The error for pieces that do not join: where the first piece ends, how far apart."""
    from scipy.spatial import cKDTree

    components = sorted(components, key=lambda c: min(chainage[i] for i in c))
    first, rest = sorted(components[0]), sorted(set().union(*components[1:]))
    dist, _ = cKDTree(xy[rest]).query(xy[first])
    i = int(np.argmin(dist))
    lon, lat = geo.to_lonlat([xy[first[i]][0]], [xy[first[i]][1]])
    gap = float(dist[i])
    return OsmError(
        "river_gap",
        f"the river's ways leave a gap of {gap:.0f} m near {lat[0]:.5f}, {lon[0]:.5f};"
        f" at most {max_gap_m:.0f} m is bridged",
        gap=f"{gap:.0f}",
        at=f"{lat[0]:.5f}, {lon[0]:.5f}",
        max=f"{max_gap_m:.0f}",
    )


def _guide_line(reference: geo.Route | None, xy: np.ndarray) -> LineString:
    """The line the pieces are ordered along: the route extended 100 km beyond each end.

    Without a route, the line from the southernmost vertex to the northernmost (the
    walk is stored south to north).
    """
    if reference is not None and len(reference.line_m.coords) >= 2:
        line = np.asarray(reference.line_m.coords)[:, :2]
    else:
        line = np.array([xy[np.argmin(xy[:, 1])], xy[np.argmax(xy[:, 1])]])
        if np.allclose(line[0], line[1]):
            line[1] = line[0] + [0.0, 1.0]
    first = line[0] - _unit(line[1] - line[0]) * 100_000
    last = line[-1] + _unit(line[-1] - line[-2]) * 100_000
    return LineString(np.vstack([first, line, last]))


def _unit(v: np.ndarray) -> np.ndarray:
    n = float(np.hypot(*v))
    return v / n if n > 0 else np.array([0.0, 1.0])


# works ---------------------------------------------------------------------------


def is_work(tags: dict[str, str]) -> bool:
    """An artwork, or a museum, gallery, theatre or arts centre."""
    return tags.get("tourism") == "artwork" or any(tags.get(k) == v for k, v in VENUE_TAGS)


def work_rows(data: OsmData) -> tuple[list[tuple[int, dict[str, Any]]], list[RowError]]:
    """Import rows for the works in ``data`` (numbered by element), and the bad ones."""
    rows: list[tuple[int, dict[str, Any]]] = []
    errors = [e for e in data.errors]
    for el in data.elements:
        if not is_work(el.tags):
            continue
        pos = el.position
        if pos is None:
            errors.append(
                row_error(
                    el.index,
                    "geometry",
                    "osm_no_position",
                    f"{el.ref} has no position; export it with `out center`",
                    ref=el.ref,
                )
            )
            continue
        rows.append((el.index, work_fields(el.tags, el.ref, pos[0], pos[1])))
    return rows, errors


def work_fields(
    tags: dict[str, Any], ref: str, lon: float, lat: float, our_id: int | None = None
) -> dict[str, Any]:
    """Our fields for an OSM-tagged work, with what a later pull may update.

    A new work arrives as a draft with an "approximate" position, its OSM page as
    the source (unless it has a website) and the ODbL note. For a work we have
    already, only what OSM states explicitly (``name:en``/``name:ru``/``name:kk``,
    ``artist_name``, ``start_date``, ``artwork_type``, the position, the OSM id)
    may change it: see :func:`merge_update`.
    """
    tags = {str(k): str(v) for k, v in tags.items() if v is not None and str(v).strip()}
    ref = ref if REF_RE.match(ref) else ""
    artwork_type = tags.get("artwork_type", "")
    if artwork_type:
        kind = ARTWORK_KINDS.get(artwork_type, "installation")
    elif tags.get("tourism") == "artwork" or not is_work(tags):
        kind = "installation"
    else:
        kind = "venue"
    year = tags.get("start_date", "")[:4]
    year = year if year.isdigit() and len(year) == 4 else ""
    title = tags.get("name:en") or tags.get("name") or tags.get("name:ru") or tags.get("name:kk")
    if not title:
        title = f"{kind.capitalize()} (OpenStreetMap {ref})" if ref else ""
    source = tags.get("website") or tags.get("url") or tags.get("contact:website") or ""
    if not source and ref:
        source = f"https://www.openstreetmap.org/{ref}"
    fields: dict[str, Any] = {
        "title": title,
        "kind": kind,
        "artist": tags.get("artist_name") or tags.get("artist") or "",
        "year": year,
        "description": tags.get("description") or tags.get("description:en") or "",
        "address": " ".join(tags[k] for k in ("addr:street", "addr:housenumber") if tags.get(k)),
        "lat": lat,
        "lon": lon,
        "location_precision": "approximate",
        "source_url": source,
        "source_note": f"{NOTE} {ref}".strip(),
        **PUBLIC_NOTES,
        "status": "draft",
        "osm_ref": ref,
    }
    for lang in ("ru", "kk"):
        fields[f"title_{lang}"] = tags.get(f"name:{lang}", "")
        fields[f"description_{lang}"] = tags.get(f"description:{lang}", "")
    if our_id is not None:
        fields["id"] = our_id
    fields["slug"] = slugify(str(title), max_length=80) if title else ""
    update: dict[str, Any] = {"lat": lat, "lon": lon}
    for tag, name in (
        ("name:en", "title"),
        ("name:ru", "title_ru"),
        ("name:kk", "title_kk"),
        ("artist_name", "artist"),
    ):
        if tags.get(tag):
            update[name] = tags[tag]
    if year:
        update["year"] = year
    if artwork_type:
        update["artwork_type"] = artwork_type
    if ref:
        update["osm_ref"] = ref
    fields[UPDATE_KEY] = update
    return fields


def merge_update(current: dict[str, Any], update: dict[str, Any]) -> dict[str, Any]:
    """``current`` with the fields a pull may change taken from ``update``.

    The kind changes only when the ``artwork_type`` differs from the one our kind
    is exported as; a position changes only when it moved :data:`SAME_PLACE_M` or
    more (exports round coordinates). The rest is the curators'.
    """
    out = dict(current)
    for key, value in update.items():
        if key == "artwork_type":
            kind = ARTWORK_KINDS.get(value)
            mine = current.get("kind")
            if kind and kind != mine and EXPORT_ARTWORK_TYPES.get(str(mine)) != value:
                out["kind"] = kind
        elif key in ("lat", "lon"):
            continue
        else:
            out[key] = value
    lon, lat = update.get("lon"), update.get("lat")
    if lon is not None and lat is not None:
        try:
            moved = geo.distance_m(float(current["lon"]), float(current["lat"]), lon, lat)
        except (KeyError, TypeError, ValueError):
            moved = math.inf
        if moved >= SAME_PLACE_M:
            out["lon"], out["lat"] = lon, lat
    return out


def with_attribution(source_note: str) -> str:
    """A source note that credits OpenStreetMap (ODbL), added once."""
    if "OpenStreetMap" in (source_note or ""):
        return source_note
    return f"{source_note} {NOTE}".strip()[:1000]


def with_public_attribution(fields: dict[str, Any]) -> dict[str, Any]:
    """The public "how we know" lines of ``fields``, each crediting OpenStreetMap once."""
    out = {}
    for column, note in PUBLIC_NOTES.items():
        text = fields.get(column) or ""
        out[column] = text if "OpenStreetMap" in text else f"{text} {note}".strip()[:300]
    return out


# export --------------------------------------------------------------------------


def export_geojson(rows: Iterable[dict[str, Any]]) -> dict[str, Any]:
    """Our artworks as GeoJSON points tagged for OpenStreetMap.

    Tags: ``tourism=artwork``, ``artwork_type``, ``name`` (Russian, else Kazakh,
    else English), ``name:en``/``name:ru``/``name:kk``, ``artist_name``,
    ``start_date``. Only kinds that are artworks in OSM's sense are written. The
    feature id is the work's OSM id when it has one, else our id; our slug, the
    precision of the position and the source are in a ``terrenkur`` member, not in
    the tags, so a contributor checks them instead of copying them.
    """
    features = []
    for r in rows:
        artwork_type = EXPORT_ARTWORK_TYPES.get(r.get("kind", ""))
        if artwork_type is None:
            continue
        tags = {"tourism": "artwork", "artwork_type": artwork_type}
        tags["name"] = r.get("title_ru") or r.get("title_kk") or r["title"]
        for lang, key in (("en", "title"), ("ru", "title_ru"), ("kk", "title_kk")):
            if r.get(key):
                tags[f"name:{lang}"] = r[key]
        if r.get("artist"):
            tags["artist_name"] = r["artist"]
        if r.get("year"):
            tags["start_date"] = str(r["year"])
        features.append(
            {
                "type": "Feature",
                "id": r.get("osm_ref") or r.get("id"),
                "geometry": {
                    "type": "Point",
                    "coordinates": [round(r["lon"], 7), round(r["lat"], 7)],
                },
                "properties": tags,
                "terrenkur": {
                    "slug": r.get("slug"),
                    "location_precision": r.get("location_precision"),
                    "source_url": r.get("source_url"),
                },
            }
        )
    return {
        "type": "FeatureCollection",
        "note": (
            "Cultural Terrenkur works tagged for OpenStreetMap. Check each position on site"
            " (see terrenkur.location_precision) and the licence of the source before adding"
            " anything to OpenStreetMap."
        ),
        "features": features,
    }
