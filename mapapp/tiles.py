"""Web-map tile maths: which tiles a walker needs along the route. No Flask, no SQL.

Tiles follow the usual Web Mercator ``z/x/y`` scheme (OpenStreetMap, Leaflet). The
corridor is every tile at the walking zooms that comes within ``buffer_m`` of the
route line, measured in metres (UTM 43N), so a diagonal river walk does not pull in
the empty corners of its bounding box.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable

import numpy as np
import shapely

from . import geo

#: Zooms a walker uses: the whole walk (14) down to single buildings (17).
WALK_ZOOMS = (14, 15, 16, 17)
#: How far either side of the route the saved map reaches, metres.
CORRIDOR_M = 300.0
#: Bytes per tile assumed before any tile was measured (OpenStreetMap's standard
#: style over a city at zooms 14-17; a rough figure, replaced by the mean size of
#: tiles already cached once there are some).
ASSUMED_TILE_BYTES = 25_000
#: The OpenStreetMap tile usage policy forbids fetching more than this many tiles at
#: zoom 13 or above for later use.
OSM_BULK_LIMIT = 250

_PLACEHOLDER = re.compile(r"\{([a-z-]+)\}")


def lonlat_to_tile(lon: float, lat: float, z: int) -> tuple[float, float]:
    """Fractional tile ``(x, y)`` of a point at zoom ``z``."""
    n = 2**z
    lat_r = math.radians(max(-85.05112878, min(85.05112878, lat)))
    x = (lon + 180.0) / 360.0 * n
    y = (1.0 - math.asinh(math.tan(lat_r)) / math.pi) / 2.0 * n
    return x, y


def tile_bounds(x: int, y: int, z: int) -> tuple[float, float, float, float]:
    """``(west, south, east, north)`` of a tile in degrees."""
    n = 2**z

    def lat(row: float) -> float:
        return math.degrees(math.atan(math.sinh(math.pi * (1 - 2 * row / n))))

    return x / n * 360.0 - 180.0, lat(y + 1), (x + 1) / n * 360.0 - 180.0, lat(y)


def corridor_tiles(
    route: geo.Route,
    zooms: Iterable[int] = WALK_ZOOMS,
    buffer_m: float = CORRIDOR_M,
) -> list[tuple[int, int, int]]:
    """Tiles ``(z, x, y)`` within ``buffer_m`` of the route, by zoom, then row, then column.

    Parameters
    ----------
    route : mapapp.geo.Route
        The walk.
    zooms : iterable of int
        Zoom levels to cover.
    buffer_m : float
        Half-width of the corridor in metres.
    """
    # the route's bounds widened by the buffer, in degrees (generously: 1 deg lat >= 110 km)
    west, south, east, north = route.line_lonlat.bounds
    pad_lat = buffer_m / 110_000.0
    pad_lon = pad_lat / max(0.1, math.cos(math.radians(max(abs(south), abs(north)))))
    found: list[tuple[int, int, int]] = []
    for z in sorted(set(zooms)):
        x0, y0 = lonlat_to_tile(west - pad_lon, north + pad_lat, z)
        x1, y1 = lonlat_to_tile(east + pad_lon, south - pad_lat, z)
        candidates = [
            (x, y) for y in range(int(y0), int(y1) + 1) for x in range(int(x0), int(x1) + 1)
        ]
        corners = np.array([tile_bounds(x, y, z) for x, y in candidates])
        w, s, e, n = corners.T
        # each tile as a polygon in metres (its four corners; straight enough at z >= 10)
        xs, ys = geo.to_metric(
            np.column_stack([w, e, e, w]).ravel(), np.column_stack([s, s, n, n]).ravel()
        )
        rings = np.stack([xs.reshape(-1, 4), ys.reshape(-1, 4)], axis=-1)
        polygons = shapely.polygons(rings)
        near = shapely.distance(route.line_m, polygons) <= buffer_m
        found += [(z, x, y) for (x, y), ok in zip(candidates, near, strict=True) if ok]
    return found


def tile_url(template: str, z: int, x: int, y: int, subdomains: str = "abc", r: str = "") -> str:
    """A tile's URL from a Leaflet template with ``{s}``, ``{z}``, ``{x}``, ``{y}``, ``{r}``.

    The subdomain is chosen as Leaflet chooses it, so a saved tile has the URL the
    map asks for.
    """
    values = {"z": z, "x": x, "y": y, "r": r, "s": subdomains[abs(x + y) % len(subdomains)]}
    return _PLACEHOLDER.sub(lambda m: str(values.get(m.group(1), m.group(0))), template)
