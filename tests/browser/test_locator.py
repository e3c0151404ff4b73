"""The walker's place on the route in the browser agrees with the server's.

"Locate me" computes chainage and offset in the page (``Terrenkur.locate``); the
server computes them with :meth:`mapapp.geo.Route.locate` in UTM 43N. On the
shipped route both must agree within :data:`TOLERANCE_M` for points on the route,
beside it on either side and beyond both ends.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from browser_support import DATA_DIR, Guarded

from mapapp import geo
from mapapp.records import read_route_geojson

pytestmark = pytest.mark.browser

TOLERANCE_M = 5.0
#: Distances from the route, in metres, of the points beside it (each side).
OFFSETS_M = (50.0, 200.0, 500.0, 800.0)
#: How far past each end the points beyond the ends lie, in metres.
BEYOND_M = (100.0, 400.0)
#: Points interpolated along the route, ends excluded.
ALONG = 12

LOCATE_ALL = "(points) => points.map((p) => Terrenkur.locate(p[0], p[1]))"


def shipped_route() -> geo.Route:
    text = (DATA_DIR / "geo" / "vesnovka_route.geojson").read_text(encoding="utf-8")
    coords, _props = read_route_geojson(text)
    return geo.Route.from_coords(coords)


def _lonlat(x: float, y: float) -> tuple[float, float]:
    lon, lat = geo.to_lonlat([x], [y])
    return float(lon[0]), float(lat[0])


def probe_points(route: geo.Route) -> list[tuple[str, float, float]]:
    """``(label, lon, lat)``: vertices, points along, beside and beyond the route."""
    xy = np.asarray(route.line_m.coords)
    out = [(f"vertex {i}", *_lonlat(x, y)) for i, (x, y) in enumerate(xy)]
    length = route.length_m
    for i in range(1, ALONG + 1):
        chainage = length * i / (ALONG + 1)
        p = route.line_m.interpolate(chainage)
        out.append((f"along {chainage:.0f} m", *_lonlat(p.x, p.y)))
        # the route's direction here, from a short chord around the point
        a = route.line_m.interpolate(max(0.0, chainage - 5.0))
        b = route.line_m.interpolate(min(length, chainage + 5.0))
        dx, dy = b.x - a.x, b.y - a.y
        norm = math.hypot(dx, dy)
        nx, ny = -dy / norm, dx / norm  # to the left of the walking direction
        for off in OFFSETS_M:
            for side, sign in (("left", 1.0), ("right", -1.0)):
                label = f"{off:.0f} m {side} of {chainage:.0f} m"
                out.append((label, *_lonlat(p.x + sign * off * nx, p.y + sign * off * ny)))
    for end, (inner, outer) in (("start", (xy[1], xy[0])), ("end", (xy[-2], xy[-1]))):
        dx, dy = outer[0] - inner[0], outer[1] - inner[1]
        norm = math.hypot(dx, dy)
        for beyond in BEYOND_M:
            x = outer[0] + beyond * dx / norm
            y = outer[1] + beyond * dy / norm
            out.append((f"{beyond:.0f} m beyond the {end}", *_lonlat(x, y)))
    return out


def test_probe_points_cover_the_route():
    points = probe_points(shipped_route())
    assert len(points) >= 50
    assert any(p[0].startswith("vertex") for p in points)
    assert any("beyond the start" in p[0] for p in points)
    assert any("beyond the end" in p[0] for p in points)


def test_js_locator_matches_the_server(guarded: Guarded):
    route = shipped_route()
    points = probe_points(route)
    page = guarded.open_map()
    found = page.evaluate(LOCATE_ALL, [[lon, lat] for _label, lon, lat in points])
    chainage, offset = route.locate([p[1] for p in points], [p[2] for p in points])

    off = []
    for (label, _lon, _lat), js, c, o in zip(points, found, chainage, offset, strict=True):
        dc, do = abs(js["chainage"] - c), abs(js["offset"] - o)
        if dc > TOLERANCE_M or do > TOLERANCE_M:
            off.append(
                f"{label}: chainage {js['chainage']:.1f} vs {c:.1f} m, "
                f"offset {js['offset']:.1f} vs {o:.1f} m"
            )
    assert not off, "the page's locator disagrees with geo.Route.locate:\n" + "\n".join(off)
