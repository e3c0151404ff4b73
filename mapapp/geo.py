"""Geometry of the walk: pure functions over shapely, numpy and pyproj.

Chainage and offset, walk order, the next stop, the nearest stops and headings.
The coverage analysis is in :mod:`mapapp.coverage`, its outputs in
:mod:`mapapp.coverage_formats`.

Everything here works in metres in a projected CRS (UTM zone 43N for Almaty) and
takes or returns longitude/latitude in EPSG:4326. Nothing in this module knows about
Flask or SQL, so the CLI, the notebooks and the web views share it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

import numpy as np
import shapely
from pyproj import Transformer
from shapely.geometry import LineString, Point

#: UTM zone 43N: metres for Almaty (a 2 km line differs from the geodesic by 0.01 %).
METRIC_CRS = "EPSG:32643"
#: Walking speed used for "~N min" estimates.
WALKING_SPEED_KMH = 4.5
#: A stop this close behind a walker (or level with them) counts as reached, not ahead.
PASSED_WITHIN_M = 15.0

Direction = Literal["forward", "backward"]
DIRECTIONS: tuple[Direction, ...] = ("forward", "backward")


@lru_cache(maxsize=4)
def _transformer(crs: str, inverse: bool = False) -> Transformer:
    if inverse:
        return Transformer.from_crs(crs, "EPSG:4326", always_xy=True)
    return Transformer.from_crs("EPSG:4326", crs, always_xy=True)


@lru_cache(maxsize=256)
def utm_crs(lon: float, lat: float) -> str:
    """The UTM zone's EPSG code for a point (``EPSG:32643`` in Almaty), from pyproj."""
    from pyproj.aoi import AreaOfInterest
    from pyproj.database import query_utm_crs_info

    found = query_utm_crs_info(
        datum_name="WGS 84",
        area_of_interest=AreaOfInterest(lon, lat, lon, lat),
    )
    if not found:
        raise ValueError(f"no UTM zone for ({lon}, {lat})")
    return f"{found[0].auth_name}:{found[0].code}"


def to_metric(lon: np.typing.ArrayLike, lat: np.typing.ArrayLike, crs: str = METRIC_CRS):
    """Project longitude/latitude arrays to ``(x, y)`` metres in ``crs``."""
    x, y = _transformer(crs).transform(np.asarray(lon, float), np.asarray(lat, float))
    return np.asarray(x, float), np.asarray(y, float)


def to_lonlat(x: np.typing.ArrayLike, y: np.typing.ArrayLike, crs: str = METRIC_CRS):
    """Inverse of :func:`to_metric`."""
    lon, lat = _transformer(crs, inverse=True).transform(np.asarray(x, float), np.asarray(y, float))
    return np.asarray(lon, float), np.asarray(lat, float)


#: Mean Earth radius (IUGG), metres.
EARTH_RADIUS_M = 6_371_008.8


def great_circle_m(
    lon1: np.typing.ArrayLike,
    lat1: np.typing.ArrayLike,
    lon2: np.typing.ArrayLike,
    lat2: np.typing.ArrayLike,
) -> np.ndarray:
    """Great-circle distances in metres between lon/lat points (haversine, any distance).

    Unlike :func:`to_metric`, right for points anywhere on Earth: used to check
    that uploaded positions lie near the city at all.
    """
    x1, y1, x2, y2 = (np.radians(np.asarray(v, float)) for v in (lon1, lat1, lon2, lat2))
    h = np.sin((y2 - y1) / 2) ** 2 + np.cos(y1) * np.cos(y2) * np.sin((x2 - x1) / 2) ** 2
    return 2 * EARTH_RADIUS_M * np.arcsin(np.sqrt(np.clip(h, 0.0, 1.0)))


def walking_minutes(distance_m: float, speed_kmh: float = WALKING_SPEED_KMH) -> float:
    """Minutes needed to walk ``distance_m`` metres at ``speed_kmh``."""
    return abs(distance_m) / (speed_kmh * 1000.0 / 60.0)


@dataclass(frozen=True)
class Route:
    """A walking route: its line in lon/lat and in metres.

    Chainage (distance along the route) runs from the first vertex, so for the
    Esentai walk, which is stored south to north, "forward" means northwards.
    """

    line_lonlat: LineString
    line_m: LineString
    #: The projection its metres are in: the UTM zone of its middle.
    crs: str = METRIC_CRS

    @classmethod
    def from_coords(cls, coords: Sequence[Sequence[float]], crs: str | None = None) -> Route:
        """Build a route from ``[(lon, lat), ...]`` (GeoJSON order), in metres of ``crs``
        (when ``None``, the UTM zone of the line's middle: UTM 43N in Almaty)."""
        arr = np.asarray(coords, float)
        if arr.ndim != 2 or arr.shape[0] < 2 or arr.shape[1] < 2:
            raise ValueError("a route needs at least two [lon, lat] positions")
        lon, lat = arr[:, 0], arr[:, 1]
        bad = ~(np.isfinite(lon) & np.isfinite(lat) & (np.abs(lon) <= 180) & (np.abs(lat) <= 90))
        if bad.any():
            first = int(np.flatnonzero(bad)[0])
            raise ValueError(f"position {first + 1} is not a valid [lon, lat] pair")
        if crs is None:
            crs = utm_crs(float((lon.min() + lon.max()) / 2), float((lat.min() + lat.max()) / 2))
        x, y = to_metric(lon, lat, crs)
        line_m = LineString(np.column_stack([x, y]))
        if line_m.length <= 0:
            raise ValueError("a route must have a length greater than zero")
        return cls(LineString(arr[:, :2]), line_m, crs)

    @property
    def length_m(self) -> float:
        """Length of the route in metres."""
        return float(self.line_m.length)

    def locate(self, lon: np.typing.ArrayLike, lat: np.typing.ArrayLike):
        """Chainage and offset, in metres, of points given in lon/lat.

        Returns ``(chainage_m, offset_m)`` arrays: the distance along the route to
        the closest point on it, and the straight-line distance to the route.
        ``project`` clamps to the ends, which is why the offset matters.
        """
        x, y = to_metric(lon, lat, self.crs)
        points = shapely.points(np.atleast_1d(x), np.atleast_1d(y))
        chainage = shapely.line_locate_point(self.line_m, points)
        offset = shapely.distance(self.line_m, points)
        return np.asarray(chainage, float), np.asarray(offset, float)

    def bbox_within(self, margin_m: float) -> tuple[float, float, float, float]:
        """``(west, south, east, north)`` of everything within ``margin_m`` of the line."""
        x0, y0, x1, y1 = self.line_m.buffer(margin_m, quad_segs=4).bounds
        lon, lat = to_lonlat([x0, x0, x1, x1], [y0, y1, y0, y1], self.crs)
        return float(min(lon)), float(min(lat)), float(max(lon)), float(max(lat))

    def point_at(self, chainage_m: float) -> tuple[float, float]:
        """Longitude and latitude of the point ``chainage_m`` metres along the route."""
        p = self.line_m.interpolate(chainage_m)
        lon, lat = to_lonlat([p.x], [p.y], self.crs)
        return float(lon[0]), float(lat[0])


def walk_order(chainage_m: Sequence[float], direction: Direction = "forward") -> list[int]:
    """Indices of stops in walking order (stable for stops at the same chainage)."""
    _check_direction(direction)
    key = np.asarray(chainage_m, float)
    if direction == "backward":
        key = -key  # ties keep their original order either way
    return [int(i) for i in np.argsort(key, kind="stable")]


@dataclass(frozen=True)
class NextStop:
    """The next stop ahead of a walker."""

    index: int
    distance_m: float  # along the route, from the walker's position on it
    walker_chainage_m: float
    walker_offset_m: float
    minutes: float  # to walk walk_m
    stop_offset_m: float = 0.0  # from the route to the stop
    walk_m: float = 0.0  # to the route, along it, then off it to the stop


def next_stop(
    route: Route,
    stop_chainage_m: Sequence[float],
    lon: float,
    lat: float,
    direction: Direction = "forward",
    passed_within_m: float = PASSED_WITHIN_M,
    stop_offset_m: Sequence[float] | None = None,
    speed_kmh: float = WALKING_SPEED_KMH,
) -> NextStop | None:
    """The nearest stop ahead of a walker at ``(lon, lat)`` heading in ``direction``.

    The walker is placed on the route at their chainage. A stop closer than
    ``passed_within_m`` behind or at the walker counts as reached, not ahead. With
    ``stop_offset_m`` (each stop's distance from the route) the stops ahead are ranked
    by the walk to them (along the route, then off it), so a work far off the river is
    not "next" for being a little further along; the minutes are for the whole walk:
    from the walker to the route, along it, and off it to the stop, at ``speed_kmh``.
    Returns ``None`` when no stop lies ahead.
    """
    _check_direction(direction)
    chainage, offset = route.locate([lon], [lat])
    here = float(chainage[0])
    stops = np.asarray(stop_chainage_m, float)
    if stops.size == 0:
        return None
    ahead = stops - here if direction == "forward" else here - stops
    candidates = np.flatnonzero(ahead > passed_within_m)
    if candidates.size == 0:
        return None
    off = np.zeros_like(stops) if stop_offset_m is None else np.asarray(stop_offset_m, float)
    best = candidates[np.argmin(ahead[candidates] + off[candidates])]
    dist = float(ahead[best])
    walker_off = float(offset[0])
    walk = walker_off + dist + float(off[best])
    return NextStop(
        int(best), dist, here, walker_off, walking_minutes(walk, speed_kmh), float(off[best]), walk
    )


class NearestIndex:
    """Nearest-neighbour look-up of points in metres (a k-d tree in UTM).

    Build once per data version; each query is then a few microseconds.
    """

    def __init__(self, lon: Sequence[float], lat: Sequence[float], crs: str = METRIC_CRS):
        from scipy.spatial import cKDTree  # some 40 MB: loaded by the first nearest query

        self.crs = crs
        x, y = to_metric(lon, lat, crs)
        self.size = int(np.asarray(x).size)
        self._tree = cKDTree(np.column_stack([x, y])) if self.size else None

    def query(self, lon: float, lat: float, n: int = 1) -> list[tuple[int, float]]:
        """Up to ``n`` nearest points as ``(index, distance_m)``, nearest first."""
        if self._tree is None or n < 1:
            return []
        n = min(n, self.size)
        x, y = to_metric([lon], [lat], self.crs)
        dist, idx = self._tree.query([x[0], y[0]], k=n)
        dist, idx = np.atleast_1d(dist), np.atleast_1d(idx)
        return [(int(i), float(d)) for i, d in zip(idx, dist, strict=True)]


def distance_m(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    """Straight-line distance in metres between two lon/lat points."""
    x, y = to_metric([lon1, lon2], [lat1, lat2])
    return float(Point(x[0], y[0]).distance(Point(x[1], y[1])))


@dataclass(frozen=True)
class RouteComparison:
    """What replacing one route with another changes, in metres."""

    length_before_m: float
    length_after_m: float
    max_shift_m: float  # the farthest any point of either line is from the other
    works: int
    works_moved: int  # works whose chainage changes by more than ``moved_m``
    max_chainage_change_m: float
    moved_m: float


def compare_routes(
    old: Route,
    new: Route,
    lon: Sequence[float],
    lat: Sequence[float],
    moved_m: float = 10.0,
) -> RouteComparison:
    """Lengths, the largest shift (Hausdorff distance) and the works whose chainage moves."""
    a, b = old.line_m.simplify(0.5), new.line_m.simplify(0.5)
    shift = float(shapely.hausdorff_distance(a, b, densify=0.1))
    delta = np.zeros(0)
    if len(lon):
        before, _ = old.locate(lon, lat)
        after, _ = new.locate(lon, lat)
        delta = np.abs(after - before)
    return RouteComparison(
        length_before_m=old.length_m,
        length_after_m=new.length_m,
        max_shift_m=shift,
        works=int(delta.size),
        works_moved=int((delta > moved_m).sum()),
        max_chainage_change_m=float(delta.max()) if delta.size else 0.0,
        moved_m=moved_m,
    )


def corridor_overlap_m(a: Route, width_a_m: float, b: Route, width_b_m: float) -> float:
    """How long a stretch of route ``a``'s line has its corridor (``width_a_m`` either
    side) overlapping route ``b``'s (``width_b_m``), in metres of ``a``'s projection.

    The two corridors (shapely buffers) meet wherever the lines come within
    ``width_a_m + width_b_m`` of each other; the stretch is the length of ``a``'s line
    that close to ``b``'s. 0 when the corridors do not meet (another city).
    """
    coords = np.asarray(b.line_lonlat.coords, float)
    bx, by = to_metric(coords[:, 0], coords[:, 1], a.crs)
    b_line = LineString(np.column_stack([bx, by]))
    reach = b_line.buffer(width_a_m + width_b_m, quad_segs=8)
    if not reach.intersects(a.line_m):
        return 0.0
    return float(a.line_m.intersection(reach).length)


def _check_direction(direction: str) -> None:
    if direction not in DIRECTIONS:
        raise ValueError(f"direction must be one of {', '.join(DIRECTIONS)}")


def compass_heading(route: Route) -> tuple[str, str]:
    """Compass names for walking forward and backward along ``route``.

    Taken from the straight line between its ends: a route drawn south to north
    gives ``("north", "south")``.
    """
    (x0, y0), (x1, y1) = route.line_m.coords[0], route.line_m.coords[-1]
    dx, dy = x1 - x0, y1 - y0
    if abs(dy) >= abs(dx):
        return ("north", "south") if dy >= 0 else ("south", "north")
    return ("east", "west") if dx >= 0 else ("west", "east")


# walk mode -------------------------------------------------------------------------------


@dataclass(frozen=True)
class WalkWork:
    """A work as walk mode sees it: where it is and how close a walker must come."""

    id: int
    lon: float
    lat: float
    trigger_m: float


def walk_events(
    route: Route,
    works: Sequence[WalkWork],
    positions: Sequence[tuple[float, float]],
    direction: Direction,
    passed_within_m: float = PASSED_WITHIN_M,
    far_m: float = 500.0,
) -> list[tuple[str, int]]:
    """What walk mode (``static/js/walk.js``) says to a walker going through ``positions``.

    ``("nudge", id)`` when the walker first comes within a work's trigger zone
    (great-circle distance, as the page measures it), ``("off-route", id)`` when
    they reach the chainage of a work farther from the route than its trigger zone
    (within ``passed_within_m`` ahead, not already behind them), while no farther
    than ``far_m`` from the route. Each work once, in walking order when several come
    at one position. The page's rules, mirrored for tests and benchmarks.
    """
    _check_direction(direction)
    if not positions:
        return []
    sign = 1.0 if direction == "forward" else -1.0
    w_ch, w_off = route.locate([w.lon for w in works], [w.lat for w in works])
    p_ch, p_off = route.locate([p[0] for p in positions], [p[1] for p in positions])
    done: set[int] = set()
    announced: set[int] = set()
    events: list[tuple[str, int]] = []
    last: float | None = None
    for (lon, lat), here, off in zip(positions, p_ch, p_off, strict=True):
        dist = great_circle_m(lon, lat, [w.lon for w in works], [w.lat for w in works])
        entered = []
        for i, w in enumerate(works):
            if w.id not in done and dist[i] <= w.trigger_m:
                entered.append((sign * w_ch[i], "nudge", w.id))
            elif (
                w_off[i] > w.trigger_m
                and w.id not in announced
                and w.id not in done
                and off <= far_m
                and _reached(last, float(here), float(w_ch[i]), passed_within_m, sign)
            ):
                entered.append((sign * w_ch[i], "off-route", w.id))
        for _key, kind, work_id in sorted(entered, key=lambda e: e[0]):
            (done if kind == "nudge" else announced).add(work_id)
            events.append((kind, work_id))
        if off <= far_m:
            last = float(here)
    return events


def _reached(last: float | None, here: float, at: float, within: float, sign: float) -> bool:
    if sign * (at - here) > within:
        return False
    if last is None:
        return abs(here - at) <= within
    return sign * (at - last) > -within
