"""Test helpers for OpenStreetMap: the fixture files, rivers drawn along a route, and a
fake Overpass server on 127.0.0.1 (no test touches the network)."""

from __future__ import annotations

import contextlib
import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs

import numpy as np
from shapely.geometry import LineString
from shapely.ops import substring

from mapapp import geo

FIXTURES = Path(__file__).parent / "fixtures" / "osm"
RIVER_JSON = FIXTURES / "river_split.json"
RIVER_XML = FIXTURES / "river_split.osm"
ENTITY_ATTACK = FIXTURES / "entity_expansion.osm"
#: The fixture river's 13 vertices, south to north, as the three ways join them.
RIVER_NODES = list(range(1, 14))


def river_json() -> dict:
    return json.loads(RIVER_JSON.read_text(encoding="utf-8"))


def fixture_node_coords() -> dict[int, tuple[float, float]]:
    """Node id -> (lon, lat) of the fixture river, from its ways' geometry."""
    out: dict[int, tuple[float, float]] = {}
    for el in river_json()["elements"]:
        if el["type"] == "way" and "geometry" in el:
            for ref, g in zip(el["nodes"], el["geometry"], strict=True):
                out[ref] = (g["lon"], g["lat"])
    return out


def river_along(
    route: geo.Route,
    *,
    offset_m: float = 25.0,
    extend_m: float = 400.0,
    pieces: int = 3,
    first_id: int = 500,
) -> dict:
    """An Overpass answer with a river drawn ``offset_m`` beside ``route``.

    The line runs ``extend_m`` beyond both ends, is cut into ``pieces`` ways listed
    out of order, every other one drawn backwards, as OSM often has it.
    """
    xy = np.asarray(route.line_m.coords)[:, :2]
    d0 = (xy[0] - xy[1]) / np.hypot(*(xy[0] - xy[1]))
    d1 = (xy[-1] - xy[-2]) / np.hypot(*(xy[-1] - xy[-2]))
    line = LineString(np.vstack([xy[0] + d0 * extend_m, xy, xy[-1] + d1 * extend_m]))
    river = line.offset_curve(offset_m).segmentize(40.0)
    cuts = np.linspace(0, river.length, pieces + 1)
    ways = []
    for i, (a, b) in enumerate(zip(cuts, cuts[1:], strict=False)):
        part = substring(river, a, b)
        if i % 2:
            part = part.reverse()
        pts = np.asarray(part.coords)
        lon, lat = geo.to_lonlat(pts[:, 0], pts[:, 1])
        ways.append(
            {
                "type": "way",
                "id": first_id + i,
                "tags": {"waterway": "river", "name": "Есентай", "name:ru": "Весновка"},
                "geometry": [
                    {"lat": round(float(y), 7), "lon": round(float(x), 7)}
                    for x, y in zip(lon, lat, strict=True)
                ],
            }
        )
    order = [ways[-1], *ways[:-1]]  # not in walking order
    return {
        "version": 0.6,
        "generator": "fake Overpass",
        "osm3s": {"timestamp_osm_base": "2026-11-02T00:00:00Z"},
        "elements": order,
    }


def artworks_near(route: geo.Route) -> list[dict]:
    """Three artworks within 100 m of ``route`` and one 3 km away."""
    a = route.point_at(route.length_m * 0.3)
    b = route.point_at(route.length_m * 0.6)
    c = route.point_at(route.length_m * 0.8)
    return [
        {
            "type": "node",
            "id": 9001,
            "lat": a[1] + 0.0003,
            "lon": a[0],
            "tags": {
                "tourism": "artwork",
                "artwork_type": "statue",
                "name": "Бронзовый олень",
                "name:en": "Bronze Deer",
                "name:ru": "Бронзовый олень",
                "artist_name": "Test Artist",
                "start_date": "2021",
            },
        },
        {
            "type": "way",
            "id": 9002,
            "center": {"lat": b[1], "lon": b[0] + 0.0004},
            "tags": {"tourism": "artwork", "artwork_type": "mural", "name": "Стена"},
        },
        {
            "type": "node",
            "id": 9003,
            "lat": c[1],
            "lon": c[0],
            "tags": {"tourism": "artwork", "artwork_type": "installation", "name:en": "Loop"},
        },
        {
            "type": "node",
            "id": 9004,
            "lat": a[1] + 0.03,
            "lon": a[0] + 0.03,
            "tags": {"tourism": "artwork", "name": "Far away"},
        },
    ]


@dataclass
class FakeOverpass:
    """What the fake server answers, and the queries it was sent."""

    url: str = ""
    mode: str = "ok"  # ok, 429, 504, slow, remark, big
    body: bytes = b"{}"
    queries: list[str] = field(default_factory=list)
    stop: threading.Event = field(default_factory=threading.Event)

    def answer(self, doc: dict) -> None:
        self.mode = "ok"
        self.body = json.dumps(doc, ensure_ascii=False).encode()


def start_fake_overpass() -> tuple[FakeOverpass, ThreadingHTTPServer]:
    state = FakeOverpass()

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args) -> None:  # quiet
            pass

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            form = parse_qs(self.rfile.read(length).decode())
            state.queries.append(form.get("data", [""])[0])
            with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                self._answer()

        def _answer(self) -> None:
            if state.mode in ("429", "504"):
                self.send_response(int(state.mode))
                self.send_header("Content-Type", "text/html")
                self.end_headers()
                self.wfile.write(b"<html><body><p>busy</p></body></html>")
                return
            if state.mode == "slow":
                end = time.monotonic() + 5
                while time.monotonic() < end and not state.stop.is_set():
                    time.sleep(0.05)
            body = state.body
            if state.mode == "remark":
                body = json.dumps(
                    {
                        "version": 0.6,
                        "elements": [],
                        "remark": 'runtime error: Query timed out in "query" at line 4',
                    }
                ).encode()
            if state.mode == "big":
                body = b'{"elements": [' + b" " * 300_000 + b"]}"
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    state.url = f"http://127.0.0.1:{server.server_address[1]}/api/routes/esentai/interpreter"
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return state, server
