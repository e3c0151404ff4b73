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


#: Most tiles :func:`corridor_tiles` lists (the shipped route needs 184).
MAX_TILES = 10_000
#: Most candidate tiles taken from a route's bounding box at one zoom; a larger box
#: (a long diagonal route) is searched along the line instead.
_GRID_MAX = 50_000
#: Tiles checked against the route at once.
_CHUNK = 50_000


class TooManyTiles(ValueError):
    """The corridor needs more than ``limit`` tiles (or the route is too long to count)."""

    def __init__(self, limit: int):
        super().__init__(f"the route's corridor needs more than {limit:,} map tiles")
        self.limit = limit


def corridor_tiles(
    route: geo.Route,
    zooms: Iterable[int] = WALK_ZOOMS,
    buffer_m: float = CORRIDOR_M,
    max_tiles: int = MAX_TILES,
) -> list[tuple[int, int, int]]:
    """Tiles ``(z, x, y)`` within ``buffer_m`` of the route, by zoom, then row, then column.

    Bounded whatever the route: time and memory grow with ``max_tiles``, not with
    the route's bounding box, and more than ``max_tiles`` tiles raise
    :class:`TooManyTiles`.

    Parameters
    ----------
    route : mapapp.geo.Route
        The walk.
    zooms : iterable of int
        Zoom levels to cover.
    buffer_m : float
        Half-width of the corridor in metres.
    max_tiles : int
        Most tiles to list.
    """
    west, south, east, north = route.line_lonlat.bounds
    # the buffer in degrees, generously (1 degree of latitude is at least 110 km)
    pad_lat = buffer_m / 110_000.0
    pad_lon = pad_lat / max(0.1, math.cos(math.radians(min(85.0, max(abs(south), abs(north))))))
    found: list[tuple[int, int, int]] = []
    for z in sorted(set(zooms)):
        x0, y0 = lonlat_to_tile(west - pad_lon, north + pad_lat, z)
        x1, y1 = lonlat_to_tile(east + pad_lon, south - pad_lat, z)
        width, height = int(x1) - int(x0) + 1, int(y1) - int(y0) + 1
        if width * height <= _GRID_MAX:
            grid = np.meshgrid(np.arange(int(x0), int(x1) + 1), np.arange(int(y0), int(y1) + 1))
            xs, ys = grid[0].ravel(), grid[1].ravel()
        else:
            xs, ys = _tiles_along(route, z, pad_lon, pad_lat, max_tiles)
        near = _near(route, xs, ys, z, buffer_m)
        order = np.lexsort((xs[near], ys[near]))
        found += [
            (z, int(x), int(y)) for x, y in zip(xs[near][order], ys[near][order], strict=True)
        ]
        if len(found) > max_tiles:
            raise TooManyTiles(max_tiles)
    return found


def _tile_xy(lon: np.ndarray, lat: np.ndarray, z: int) -> tuple[np.ndarray, np.ndarray]:
    """Integer tile columns and rows of points (vectorised :func:`lonlat_to_tile`)."""
    n = 2**z
    lat_r = np.radians(np.clip(lat, -85.05112878, 85.05112878))
    x = np.floor((lon + 180.0) / 360.0 * n)
    y = np.floor((1.0 - np.arcsinh(np.tan(lat_r)) / np.pi) / 2.0 * n)
    return np.clip(x, 0, n - 1).astype(np.int64), np.clip(y, 0, n - 1).astype(np.int64)


def _tiles_along(
    route: geo.Route, z: int, pad_lon: float, pad_lat: float, max_tiles: int
) -> tuple[np.ndarray, np.ndarray]:
    """Candidate tiles near points every half tile along the route (a superset of the
    corridor); :class:`TooManyTiles` as soon as the route itself crosses too many.
    """
    step = 360.0 / 2**z / 2 * math.cos(math.radians(85.0))  # half the smallest tile side
    count = math.ceil(route.line_lonlat.length / step) + 1
    if count > 50 * max_tiles:  # a route this long crosses more tiles than that
        raise TooManyTiles(max_tiles)
    at = shapely.line_interpolate_point(
        route.line_lonlat, np.linspace(0.0, 1.0, count), normalized=True
    )
    lon, lat = shapely.get_x(at), shapely.get_y(at)
    on_line = set(zip(*_tile_xy(lon, lat, z), strict=True))
    if len(on_line) > max_tiles:  # every tile the line passes through is in the corridor
        raise TooManyTiles(max_tiles)
    west, north = _tile_xy(lon - pad_lon - step, lat + pad_lat + step, z)
    east, south = _tile_xy(lon + pad_lon + step, lat - pad_lat - step, z)
    candidates: set[tuple[int, int]] = set()
    for x0, x1, y0, y1 in set(zip(west, east, north, south, strict=True)):
        candidates.update((x, y) for x in range(x0, x1 + 1) for y in range(y0, y1 + 1))
    xs, ys = (np.array(v, dtype=np.int64) for v in zip(*sorted(candidates), strict=True))
    return xs, ys


def _near(route: geo.Route, xs: np.ndarray, ys: np.ndarray, z: int, buffer_m: float) -> np.ndarray:
    """Which tiles come within ``buffer_m`` of the route (each tile as a polygon in metres).

    Done in chunks, so memory stays flat however many candidates there are.
    """
    n = 2**z
    out = np.zeros(xs.shape, dtype=bool)
    for i in range(0, xs.size, _CHUNK):
        x, y = xs[i : i + _CHUNK], ys[i : i + _CHUNK]
        w, e = x / n * 360.0 - 180.0, (x + 1) / n * 360.0 - 180.0
        north = np.degrees(np.arctan(np.sinh(np.pi * (1 - 2 * y / n))))
        south = np.degrees(np.arctan(np.sinh(np.pi * (1 - 2 * (y + 1) / n))))
        px, py = geo.to_metric(
            np.column_stack([w, e, e, w]).ravel(),
            np.column_stack([south, south, north, north]).ravel(),
            route.crs,
        )
        rings = np.stack([px.reshape(-1, 4), py.reshape(-1, 4)], axis=-1)
        out[i : i + _CHUNK] = shapely.distance(route.line_m, shapely.polygons(rings)) <= buffer_m
    return out


def tile_url(template: str, z: int, x: int, y: int, subdomains: str = "abc", r: str = "") -> str:
    """A tile's URL from a Leaflet template with ``{s}``, ``{z}``, ``{x}``, ``{y}``, ``{r}``.

    The subdomain is chosen as Leaflet chooses it, so a saved tile has the URL the
    map asks for.
    """
    values = {"z": z, "x": x, "y": y, "r": r, "s": subdomains[abs(x + y) % len(subdomains)]}
    return _PLACEHOLDER.sub(lambda m: str(values.get(m.group(1), m.group(0))), template)
