"""Geometry of the walk: pure functions over shapely, numpy and pyproj.

Everything here works in metres in a projected CRS (UTM zone 43N for Almaty) and
takes or returns longitude/latitude in EPSG:4326. Nothing in this module knows about
Flask or SQL, so the CLI, the notebooks and the web views share it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Literal

import numpy as np
import shapely
from pyproj import Transformer
from scipy.spatial import cKDTree
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


def to_metric(lon: np.typing.ArrayLike, lat: np.typing.ArrayLike, crs: str = METRIC_CRS):
    """Project longitude/latitude arrays to ``(x, y)`` metres in ``crs``."""
    x, y = _transformer(crs).transform(np.asarray(lon, float), np.asarray(lat, float))
    return np.asarray(x, float), np.asarray(y, float)


def to_lonlat(x: np.typing.ArrayLike, y: np.typing.ArrayLike, crs: str = METRIC_CRS):
    """Inverse of :func:`to_metric`."""
    lon, lat = _transformer(crs, inverse=True).transform(np.asarray(x, float), np.asarray(y, float))
    return np.asarray(lon, float), np.asarray(lat, float)


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

    @classmethod
    def from_coords(cls, coords: Sequence[Sequence[float]], crs: str = METRIC_CRS) -> Route:
        """Build a route from ``[(lon, lat), ...]`` (GeoJSON order)."""
        arr = np.asarray(coords, float)
        if arr.ndim != 2 or arr.shape[0] < 2 or arr.shape[1] < 2:
            raise ValueError("a route needs at least two [lon, lat] positions")
        x, y = to_metric(arr[:, 0], arr[:, 1], crs)
        line_m = LineString(np.column_stack([x, y]))
        if line_m.length <= 0:
            raise ValueError("a route must have a length greater than zero")
        return cls(LineString(arr[:, :2]), line_m)

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
        x, y = to_metric(lon, lat)
        points = shapely.points(np.atleast_1d(x), np.atleast_1d(y))
        chainage = shapely.line_locate_point(self.line_m, points)
        offset = shapely.distance(self.line_m, points)
        return np.asarray(chainage, float), np.asarray(offset, float)

    def point_at(self, chainage_m: float) -> tuple[float, float]:
        """Longitude and latitude of the point ``chainage_m`` metres along the route."""
        p = self.line_m.interpolate(chainage_m)
        lon, lat = to_lonlat([p.x], [p.y])
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
    minutes: float


def next_stop(
    route: Route,
    stop_chainage_m: Sequence[float],
    lon: float,
    lat: float,
    direction: Direction = "forward",
    passed_within_m: float = PASSED_WITHIN_M,
) -> NextStop | None:
    """The first stop ahead of a walker at ``(lon, lat)`` heading in ``direction``.

    The walker is placed on the route at their chainage. A stop closer than
    ``passed_within_m`` behind or at the walker counts as reached, not ahead. Returns
    ``None`` when no stop lies ahead.
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
    best = candidates[np.argmin(ahead[candidates])]
    dist = float(ahead[best])
    return NextStop(int(best), dist, here, float(offset[0]), walking_minutes(dist))


class NearestIndex:
    """Nearest-neighbour look-up of points in metres (a k-d tree in UTM).

    Build once per data version; each query is then a few microseconds.
    """

    def __init__(self, lon: Sequence[float], lat: Sequence[float]):
        x, y = to_metric(lon, lat)
        self.size = int(np.asarray(x).size)
        self._tree = cKDTree(np.column_stack([x, y])) if self.size else None

    def query(self, lon: float, lat: float, n: int = 1) -> list[tuple[int, float]]:
        """Up to ``n`` nearest points as ``(index, distance_m)``, nearest first."""
        if self._tree is None or n < 1:
            return []
        n = min(n, self.size)
        x, y = to_metric([lon], [lat])
        dist, idx = self._tree.query([x[0], y[0]], k=n)
        dist, idx = np.atleast_1d(dist), np.atleast_1d(idx)
        return [(int(i), float(d)) for i, d in zip(idx, dist, strict=True)]


def distance_m(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    """Straight-line distance in metres between two lon/lat points."""
    x, y = to_metric([lon1, lon2], [lat1, lat2])
    return float(Point(x[0], y[0]).distance(Point(x[1], y[1])))


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


# coverage --------------------------------------------------------------------
#
# How much of the route lies within a walking radius of at least one work. All of
# it is interval arithmetic on chainage: a disc of radius R around a point meets
# each straight piece of the route in at most one interval (the roots of a
# quadratic), so a work's coverage is exact, and a route that folds back near
# itself simply gets two intervals from one disc. Coverage is the union of the
# intervals, measured as a length along the route.

#: Defaults and bounds of the coverage parameters (API, planner page and CLI).
DEFAULT_RADIUS_M = 150.0
DEFAULT_GAP_M = 300.0
DEFAULT_SEGMENT_M = 100.0
DEFAULT_SUGGESTIONS = 5
MAX_RADIUS_M = 5000.0
MAX_GAP_M = 100_000.0
MIN_SEGMENT_M = 10.0
MAX_SEGMENT_M = 10_000.0
MAX_SUGGESTIONS = 50


@dataclass(frozen=True)
class CoverageSegment:
    """A stretch of the route of (at most) the chosen length."""

    index: int
    start_m: float
    end_m: float
    works: int  # works within the radius of any point of this stretch
    covered_m: float  # length of this stretch within the radius of a work

    @property
    def length_m(self) -> float:
        return self.end_m - self.start_m


@dataclass(frozen=True)
class CoverageGap:
    """A stretch with no work within the radius, at least the minimum gap long."""

    rank: int  # 1 = longest
    start_m: float
    end_m: float
    start_lonlat: tuple[float, float]
    end_lonlat: tuple[float, float]
    middle_lonlat: tuple[float, float]

    @property
    def length_m(self) -> float:
        return self.end_m - self.start_m


@dataclass(frozen=True)
class SuggestedSite:
    """A point on the route where a new work would add the most covered length."""

    rank: int  # 1 = chosen first
    chainage_m: float
    lon: float
    lat: float
    gain_m: float  # route length newly within the radius
    share_after: float  # covered share once this and the earlier sites are added


@dataclass(frozen=True)
class KilometreBin:
    """Works within the radius whose nearest point on the route falls in one kilometre.

    The last bin runs to the end of the route, so it is 0.5 to 1.5 km long.
    """

    start_m: float
    end_m: float
    works: int

    @property
    def works_per_km(self) -> float:
        length_km = (self.end_m - self.start_m) / 1000.0
        return self.works / length_km if length_km > 0 else 0.0


@dataclass(frozen=True)
class CoverageReport:
    """Coverage of a route by works within a walking radius; see :func:`coverage_report`."""

    radius_m: float
    gap_m: float
    segment_m: float
    length_m: float
    covered_m: float
    works_total: int  # works given
    works_near: int  # works within the radius of the route
    covered: tuple[tuple[float, float], ...]  # merged covered chainage intervals
    segments: tuple[CoverageSegment, ...]
    gaps: tuple[CoverageGap, ...]  # longest first
    suggestions: tuple[SuggestedSite, ...]
    per_km: tuple[KilometreBin, ...]

    @property
    def share(self) -> float:
        """Covered share of the route, 0 to 1."""
        return self.covered_m / self.length_m if self.length_m > 0 else 0.0

    @property
    def works_per_km(self) -> float:
        """Works within the radius of the route per kilometre of route."""
        return self.works_near / (self.length_m / 1000.0) if self.length_m > 0 else 0.0

    def summary(self) -> dict[str, float | int]:
        """The headline figures, rounded for display and JSON."""
        return {
            "radius_m": self.radius_m,
            "gap_m": self.gap_m,
            "segment_m": self.segment_m,
            "length_m": round(self.length_m, 1),
            "covered_m": round(self.covered_m, 1),
            "share": round(self.share, 4),
            "works_total": self.works_total,
            "works_near": self.works_near,
            "works_per_km": round(self.works_per_km, 2),
            "gap_count": len(self.gaps),
            "gap_total_m": round(sum(g.length_m for g in self.gaps), 1),
        }

    def to_dict(self) -> dict[str, Any]:
        """Summary, segments, gaps, suggestions and kilometre bins as plain JSON types."""
        return {
            **self.summary(),
            "covered": [[round(a, 1), round(b, 1)] for a, b in self.covered],
            "segments": [
                {
                    "index": s.index,
                    "start_m": round(s.start_m, 1),
                    "end_m": round(s.end_m, 1),
                    "works": s.works,
                    "covered_m": round(s.covered_m, 1),
                }
                for s in self.segments
            ],
            "gaps": [
                {
                    "rank": g.rank,
                    "start_m": round(g.start_m, 1),
                    "end_m": round(g.end_m, 1),
                    "length_m": round(g.length_m, 1),
                    "start": [round(v, 6) for v in g.start_lonlat],
                    "end": [round(v, 6) for v in g.end_lonlat],
                }
                for g in self.gaps
            ],
            "suggestions": [
                {
                    "rank": s.rank,
                    "chainage_m": round(s.chainage_m, 1),
                    "lon": round(s.lon, 6),
                    "lat": round(s.lat, 6),
                    "gain_m": round(s.gain_m, 1),
                    "share_after": round(s.share_after, 4),
                }
                for s in self.suggestions
            ],
            "per_km": [
                {
                    "start_m": round(b.start_m, 1),
                    "end_m": round(b.end_m, 1),
                    "works": b.works,
                    "works_per_km": round(b.works_per_km, 2),
                }
                for b in self.per_km
            ],
        }


def _pieces(line_m: LineString) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Start points, vectors, start chainage and lengths of the route's straight pieces.

    Pieces of zero length (repeated vertices) are left out.
    """
    xy = np.asarray(line_m.coords, float)[:, :2]
    vec = np.diff(xy, axis=0)
    lengths = np.hypot(vec[:, 0], vec[:, 1])
    start_ch = np.concatenate([[0.0], np.cumsum(lengths)[:-1]])
    keep = lengths > 0
    return xy[:-1][keep], vec[keep], start_ch[keep], lengths[keep]


def disc_intervals(
    line_m: LineString, x: np.typing.ArrayLike, y: np.typing.ArrayLike, radius_m: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Chainage intervals of the route within ``radius_m`` of each point.

    Parameters
    ----------
    line_m : LineString
        The route in metres.
    x, y : array_like
        Points in the same metric CRS.
    radius_m : float
        The radius, in metres.

    Returns
    -------
    owner, start, end : ndarray
        For every straight piece of the route that passes within the radius of a
        point, the index of that point and the chainage interval ``[start, end]``
        of the piece lying within the radius. One point may own several intervals
        (one per piece; pieces far apart in chainage when the route folds back).
        Intervals of one point never overlap, except at shared vertices.
    """
    px = np.atleast_1d(np.asarray(x, float))
    py = np.atleast_1d(np.asarray(y, float))
    empty = (np.empty(0, np.intp), np.empty(0), np.empty(0))
    starts, vecs, start_ch, lengths = _pieces(line_m)
    if px.size == 0 or lengths.size == 0:
        return empty
    tree = shapely.STRtree(shapely.linestrings(np.stack([starts, starts + vecs], axis=1)))
    owner, piece = tree.query(shapely.points(px, py), predicate="dwithin", distance=radius_m)
    if owner.size == 0:
        return empty
    fx = starts[piece, 0] - px[owner]
    fy = starts[piece, 1] - py[owner]
    dx, dy = vecs[piece, 0], vecs[piece, 1]
    dd = lengths[piece] ** 2
    fd = fx * dx + fy * dy
    # |f + t d|^2 = R^2  <=>  dd t^2 + 2 fd t + (ff - R^2) = 0
    disc = np.maximum(fd * fd - dd * (fx * fx + fy * fy - radius_m * radius_m), 0.0)
    root = np.sqrt(disc)
    t0 = np.clip((-fd - root) / dd, 0.0, 1.0)
    t1 = np.clip((-fd + root) / dd, 0.0, 1.0)
    keep = t1 >= t0
    ch, ln = start_ch[piece], lengths[piece]
    return owner[keep], (ch + t0 * ln)[keep], (ch + t1 * ln)[keep]


def merge_intervals(start: np.typing.ArrayLike, end: np.typing.ArrayLike) -> np.ndarray:
    """Union of closed intervals as an ``(n, 2)`` array, sorted and disjoint.

    Intervals that touch are merged.
    """
    s = np.asarray(start, float)
    e = np.asarray(end, float)
    if s.size == 0:
        return np.empty((0, 2))
    order = np.argsort(s, kind="stable")
    s, e = s[order], e[order]
    reach = np.maximum.accumulate(e)
    new = np.empty(s.size, bool)
    new[0] = True
    new[1:] = s[1:] > reach[:-1]
    first = np.flatnonzero(new)
    return np.column_stack([s[first], np.maximum.reduceat(e, first)])


def covered_upto(merged: np.ndarray, chainage_m: np.typing.ArrayLike) -> np.ndarray:
    """Covered length in ``[0, chainage_m]`` for merged intervals (vectorised)."""
    at = np.asarray(chainage_m, float)
    if merged.shape[0] == 0:
        return np.zeros_like(at)
    starts, ends = merged[:, 0], merged[:, 1]
    lengths = ends - starts
    before = np.concatenate([[0.0], np.cumsum(lengths)])
    j = np.searchsorted(starts, at, side="right") - 1
    jj = np.maximum(j, 0)
    inside = np.clip(at - starts[jj], 0.0, lengths[jj])
    return np.where(j >= 0, before[jj] + inside, 0.0)


def _check_coverage_args(radius_m: float, gap_m: float, segment_m: float, k: int) -> None:
    if not (np.isfinite(radius_m) and 0 < radius_m <= MAX_RADIUS_M):
        raise ValueError(f"radius must be greater than 0 and at most {MAX_RADIUS_M:g} m")
    if not (np.isfinite(gap_m) and 0 < gap_m <= MAX_GAP_M):
        raise ValueError(f"gap must be greater than 0 and at most {MAX_GAP_M:g} m")
    if not (np.isfinite(segment_m) and MIN_SEGMENT_M <= segment_m <= MAX_SEGMENT_M):
        raise ValueError(f"segment must be from {MIN_SEGMENT_M:g} to {MAX_SEGMENT_M:g} m")
    if not 0 <= k <= MAX_SUGGESTIONS:
        raise ValueError(f"the number of suggested sites must be from 0 to {MAX_SUGGESTIONS}")


def segment_edges(length_m: float, segment_m: float) -> np.ndarray:
    """Chainage of the ends of consecutive stretches of ``segment_m`` (the last shorter)."""
    n = max(1, int(np.ceil(length_m / segment_m - 1e-9)))
    edges = np.minimum(np.arange(n + 1) * segment_m, length_m)
    edges[-1] = length_m
    return edges


def works_per_segment(
    owner: np.ndarray, start: np.ndarray, end: np.ndarray, edges: np.ndarray
) -> np.ndarray:
    """How many distinct points have an interval meeting each stretch between ``edges``.

    Parameters
    ----------
    owner, start, end : ndarray
        Intervals as returned by :func:`disc_intervals`.
    edges : ndarray
        Increasing chainage of the stretches' ends (``n + 1`` values for ``n``).

    Returns
    -------
    ndarray of int
        The count per stretch; a point counts once per stretch however many of its
        intervals meet it. Stretches are closed, so a point whose radius just
        touches a boundary counts on both sides.
    """
    n = edges.size - 1
    if owner.size == 0:
        return np.zeros(n, int)
    # first stretch whose end >= start; last stretch whose start <= end
    b0 = np.clip(np.searchsorted(edges[1:], start, side="left"), 0, n - 1)
    b1 = np.clip(np.searchsorted(edges[:-1], end, side="right") - 1, 0, n - 1)
    order = np.lexsort((b0, owner))
    who, b0, b1 = owner[order], b0[order], b1[order]
    # runs of overlapping stretch ranges per point; the key keeps points apart
    key = who.astype(np.int64) * (n + 1) + b1
    reach = np.maximum.accumulate(key) - who.astype(np.int64) * (n + 1)
    new = np.empty(who.size, bool)
    new[0] = True
    new[1:] = (who[1:] != who[:-1]) | (b0[1:] > reach[:-1])
    first = np.flatnonzero(new)
    run_end = np.maximum.reduceat(b1, first)
    diff = np.zeros(n + 1, int)
    np.add.at(diff, b0[first], 1)
    np.add.at(diff, run_end + 1, -1)
    return np.cumsum(diff[:-1])


#: Works handled at a time, so that memory stays bounded when the radius is large.
CHUNK_POINTS = 2000


def covered_by(
    line_m: LineString,
    x: np.ndarray,
    y: np.ndarray,
    radius_m: float,
    edges: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Merged covered intervals, counts per stretch and the points near the route.

    Parameters
    ----------
    line_m : LineString
        The route in metres.
    x, y : ndarray
        Points (works) in metres.
    radius_m : float
        The radius.
    edges : ndarray, optional
        Chainage of the stretches' ends for :func:`works_per_segment`.

    Returns
    -------
    merged : ndarray
        ``(n, 2)`` union of the route within the radius of any point.
    counts : ndarray
        Points within the radius of each stretch (empty without ``edges``).
    near : ndarray
        Indices of the points within the radius of the route.

    Notes
    -----
    Points are taken :data:`CHUNK_POINTS` at a time: the union is merged and the
    counts added chunk by chunk (a point lies in one chunk, so counts add up).
    """
    n_stretches = 0 if edges is None else edges.size - 1
    counts = np.zeros(n_stretches, int)
    merged = np.empty((0, 2))
    near: list[np.ndarray] = []
    for lo in range(0, x.size, CHUNK_POINTS):
        hi = lo + CHUNK_POINTS
        owner, start, end = disc_intervals(line_m, x[lo:hi], y[lo:hi], radius_m)
        if edges is not None:
            counts += works_per_segment(owner, start, end, edges)
        merged = merge_intervals(
            np.concatenate([merged[:, 0], start]), np.concatenate([merged[:, 1], end])
        )
        near.append(np.unique(owner) + lo)
    near_idx = np.concatenate(near) if near else np.empty(0, np.intp)
    return merged, counts, near_idx


def coverage_gaps(merged: np.ndarray, length_m: float, min_gap_m: float) -> np.ndarray:
    """Uncovered stretches of at least ``min_gap_m`` as ``(n, 2)`` chainage, longest first."""
    starts = np.concatenate([[0.0], merged[:, 1]])
    ends = np.concatenate([merged[:, 0], [length_m]])
    lengths = ends - starts
    keep = (lengths > 0) & (lengths >= min_gap_m - 1e-9)
    starts, ends, lengths = starts[keep], ends[keep], lengths[keep]
    order = np.lexsort((starts, -np.round(lengths, 6)))  # equal lengths: in walk order
    return np.column_stack([starts[order], ends[order]])


def candidate_step(length_m: float) -> float:
    """Spacing of candidate sites: 10 m on short routes, up to 25 m on long ones."""
    return float(min(25.0, max(10.0, length_m / 2000.0)))


def suggest_sites(
    route: Route,
    x: np.typing.ArrayLike,
    y: np.typing.ArrayLike,
    radius_m: float,
    k: int,
    step_m: float | None = None,
) -> list[SuggestedSite]:
    """Greedy choice of ``k`` points on the route that add the most covered length.

    Parameters
    ----------
    route : Route
        The route.
    x, y : array_like
        Existing works, in metres (:func:`to_metric`).
    radius_m : float
        The walking radius.
    k : int
        How many sites to suggest; fewer come back when no candidate adds length.
    step_m : float, optional
        Spacing of the candidate points along the route (default
        :func:`candidate_step`).

    Returns
    -------
    list of SuggestedSite
        In the order chosen. Each site's ``gain_m`` is the length it adds given
        the works and the earlier sites: the first is the best single site among
        the candidates.
    """
    if k <= 0:
        return []
    px = np.atleast_1d(np.asarray(x, float))
    py = np.atleast_1d(np.asarray(y, float))
    merged, _, _ = covered_by(route.line_m, px, py, radius_m)
    return _greedy_sites(route, merged, radius_m, k, step_m)


def _greedy_sites(
    route: Route, merged: np.ndarray, radius_m: float, k: int, step_m: float | None
) -> list[SuggestedSite]:
    """:func:`suggest_sites` given the works' merged covered intervals."""
    length = route.length_m
    if k <= 0:
        return []
    step = step_m or candidate_step(length)
    cand_ch = np.append(np.arange(0.0, length, step), length)
    cand = shapely.line_interpolate_point(route.line_m, cand_ch)
    cx, cy = shapely.get_x(cand), shapely.get_y(cand)
    c_owner, c_start, c_end = disc_intervals(route.line_m, cx, cy, radius_m)
    covered = float(np.sum(merged[:, 1] - merged[:, 0]))
    sites: list[SuggestedSite] = []
    for rank in range(1, k + 1):
        new_len = (c_end - c_start) - (covered_upto(merged, c_end) - covered_upto(merged, c_start))
        gain = np.bincount(c_owner, weights=new_len, minlength=cand_ch.size)
        best = int(np.argmax(np.round(gain, 6)))
        if gain[best] <= 1e-6:
            break
        mine = c_owner == best
        merged = merge_intervals(
            np.concatenate([merged[:, 0], c_start[mine]]),
            np.concatenate([merged[:, 1], c_end[mine]]),
        )
        covered = float(np.sum(merged[:, 1] - merged[:, 0]))
        lon, lat = to_lonlat([cx[best]], [cy[best]])
        sites.append(
            SuggestedSite(
                rank=rank,
                chainage_m=float(cand_ch[best]),
                lon=float(lon[0]),
                lat=float(lat[0]),
                gain_m=float(gain[best]),
                share_after=min(1.0, covered / length),
            )
        )
    return sites


def coverage_report(
    route: Route,
    lon: np.typing.ArrayLike,
    lat: np.typing.ArrayLike,
    *,
    radius_m: float = DEFAULT_RADIUS_M,
    gap_m: float = DEFAULT_GAP_M,
    segment_m: float = DEFAULT_SEGMENT_M,
    k: int = DEFAULT_SUGGESTIONS,
    step_m: float | None = None,
) -> CoverageReport:
    """Coverage of ``route`` by works at ``(lon, lat)`` within a walking radius.

    Filter the works (by kind, festival) before calling this.

    Parameters
    ----------
    route : Route
        The route.
    lon, lat : array_like
        Positions of the works, EPSG:4326.
    radius_m : float, default 150
        Walking radius: a point of the route is covered when a work lies within
        this straight-line distance.
    gap_m : float, default 300
        Shortest uncovered stretch reported as a gap.
    segment_m : float, default 100
        Length of the stretches the route is cut into for per-segment counts.
    k : int, default 5
        Number of suggested sites (greedy, see :func:`suggest_sites`).
    step_m : float, optional
        Spacing of candidate sites.

    Returns
    -------
    CoverageReport
        Covered length and share, per-segment counts, gaps longest first, works per
        kilometre and suggested sites.

    Raises
    ------
    ValueError
        If a parameter is out of its bounds (see ``MAX_RADIUS_M`` and friends).
    """
    _check_coverage_args(radius_m, gap_m, segment_m, k)
    length = route.length_m
    x, y = to_metric(np.atleast_1d(np.asarray(lon, float)), np.atleast_1d(np.asarray(lat, float)))
    edges = segment_edges(length, segment_m)
    merged, counts, near = covered_by(route.line_m, x, y, radius_m, edges)
    covered = float(np.sum(merged[:, 1] - merged[:, 0]))
    seg_covered = np.diff(covered_upto(merged, edges))
    segments = tuple(
        CoverageSegment(i, float(edges[i]), float(edges[i + 1]), int(counts[i]), float(c))
        for i, c in enumerate(seg_covered)
    )

    gap_ch = coverage_gaps(merged, length, gap_m)
    ends_xy = shapely.line_interpolate_point(route.line_m, gap_ch.ravel())
    mid_xy = shapely.line_interpolate_point(route.line_m, gap_ch.mean(axis=1))
    glon, glat = to_lonlat(shapely.get_x(ends_xy), shapely.get_y(ends_xy))
    mlon, mlat = to_lonlat(shapely.get_x(mid_xy), shapely.get_y(mid_xy))
    gaps = tuple(
        CoverageGap(
            rank=i + 1,
            start_m=float(a),
            end_m=float(b),
            start_lonlat=(float(glon[2 * i]), float(glat[2 * i])),
            end_lonlat=(float(glon[2 * i + 1]), float(glat[2 * i + 1])),
            middle_lonlat=(float(mlon[i]), float(mlat[i])),
        )
        for i, (a, b) in enumerate(gap_ch)
    )

    near_ch = shapely.line_locate_point(route.line_m, shapely.points(x[near], y[near]))
    km_edges = segment_edges(length, 1000.0)
    if km_edges.size > 2 and km_edges[-1] - km_edges[-2] < 500.0:
        km_edges = np.delete(km_edges, -2)  # a short tail joins the last kilometre
    km_counts = (
        np.histogram(near_ch, bins=km_edges)[0] if near.size else np.zeros(km_edges.size - 1, int)
    )
    per_km = tuple(
        KilometreBin(float(km_edges[i]), float(km_edges[i + 1]), int(n))
        for i, n in enumerate(km_counts)
    )

    suggestions = _greedy_sites(route, merged, radius_m, k, step_m)
    return CoverageReport(
        radius_m=float(radius_m),
        gap_m=float(gap_m),
        segment_m=float(segment_m),
        length_m=length,
        covered_m=min(covered, length),
        works_total=int(x.size),
        works_near=int(near.size),
        covered=tuple((float(a), float(b)) for a, b in merged),
        segments=segments,
        gaps=gaps,
        suggestions=tuple(suggestions),
        per_km=per_km,
    )


def route_parts_lonlat(
    route: Route, starts: np.typing.ArrayLike, ends: np.typing.ArrayLike
) -> list[list[list[float]]]:
    """The parts of the route between chainages, as GeoJSON ``[[lon, lat], ...]`` lists.

    Vectorised: the vertices inside each part plus its two interpolated ends.
    """
    a = np.atleast_1d(np.asarray(starts, float))
    b = np.atleast_1d(np.asarray(ends, float))
    xy = np.asarray(route.line_m.coords, float)[:, :2]
    cum = np.concatenate([[0.0], np.cumsum(np.hypot(*np.diff(xy, axis=0).T))])
    lo = np.searchsorted(cum, a, side="right")
    hi = np.searchsorted(cum, b, side="left")
    pieces_x: list[np.ndarray] = []
    pieces_y: list[np.ndarray] = []
    sizes = []
    for i in range(a.size):
        inner = xy[lo[i] : hi[i]] if hi[i] > lo[i] else xy[:0]
        at = np.array([a[i], b[i]])
        ex, ey = np.interp(at, cum, xy[:, 0]), np.interp(at, cum, xy[:, 1])
        pieces_x.append(np.concatenate([[ex[0]], inner[:, 0], [ex[1]]]))
        pieces_y.append(np.concatenate([[ey[0]], inner[:, 1], [ey[1]]]))
        sizes.append(inner.shape[0] + 2)
    if not sizes:
        return []
    lon, lat = to_lonlat(np.concatenate(pieces_x), np.concatenate(pieces_y))
    lon, lat = np.round(lon, 6), np.round(lat, 6)
    parts = []
    offset = 0
    for n in sizes:
        parts.append([[float(lon[j]), float(lat[j])] for j in range(offset, offset + n)])
        offset += n
    return parts


def coverage_geojson(route: Route, report: CoverageReport) -> dict[str, Any]:
    """The report as an RFC 7946 FeatureCollection.

    Segments and gaps are LineStrings (``properties.feature`` is ``"segment"`` or
    ``"gap"``), suggested sites Points (``"site"``). The headline figures go in a
    ``summary`` foreign member.
    """
    seg_lines = route_parts_lonlat(
        route, [s.start_m for s in report.segments], [s.end_m for s in report.segments]
    )
    gap_lines = route_parts_lonlat(
        route, [g.start_m for g in report.gaps], [g.end_m for g in report.gaps]
    )
    features: list[dict[str, Any]] = []
    for s, coords in zip(report.segments, seg_lines, strict=True):
        features.append(
            {
                "type": "Feature",
                "geometry": {"type": "LineString", "coordinates": coords},
                "properties": {
                    "feature": "segment",
                    "index": s.index,
                    "start_m": round(s.start_m, 1),
                    "end_m": round(s.end_m, 1),
                    "length_m": round(s.length_m, 1),
                    "works": s.works,
                    "covered_m": round(s.covered_m, 1),
                },
            }
        )
    for g, coords in zip(report.gaps, gap_lines, strict=True):
        features.append(
            {
                "type": "Feature",
                "geometry": {"type": "LineString", "coordinates": coords},
                "properties": {
                    "feature": "gap",
                    "rank": g.rank,
                    "start_m": round(g.start_m, 1),
                    "end_m": round(g.end_m, 1),
                    "length_m": round(g.length_m, 1),
                    "label_at": [round(v, 6) for v in g.middle_lonlat],
                },
            }
        )
    for site in report.suggestions:
        features.append(
            {
                "type": "Feature",
                "geometry": {
                    "type": "Point",
                    "coordinates": [round(site.lon, 6), round(site.lat, 6)],
                },
                "properties": {
                    "feature": "site",
                    "rank": site.rank,
                    "chainage_m": round(site.chainage_m, 1),
                    "gain_m": round(site.gain_m, 1),
                    "share_after": round(site.share_after, 4),
                },
            }
        )
    return {"type": "FeatureCollection", "summary": report.summary(), "features": features}


#: Columns of :func:`coverage_csv`.
COVERAGE_CSV_COLUMNS = (
    "feature",
    "rank",
    "start_m",
    "end_m",
    "length_m",
    "works",
    "covered_m",
    "covered_share",
    "gain_m",
    "start_lon",
    "start_lat",
    "end_lon",
    "end_lat",
)


def coverage_csv(route: Route, report: CoverageReport) -> str:
    """The report as CSV: one ``route`` row, then segments, gaps and suggested sites.

    A site's chainage is in ``start_m`` and ``end_m`` and its position in the
    ``start_*`` and ``end_*`` columns alike.
    """
    import csv
    import io

    edges = np.array([[s.start_m, s.end_m] for s in report.segments]).reshape(-1, 2)
    at = shapely.line_interpolate_point(route.line_m, edges.ravel())
    elon, elat = to_lonlat(shapely.get_x(at), shapely.get_y(at))
    (lon0, lon1), (lat0, lat1) = (
        (route.line_lonlat.coords[0][0], route.line_lonlat.coords[-1][0]),
        (route.line_lonlat.coords[0][1], route.line_lonlat.coords[-1][1]),
    )

    def row(feature, rank, a, b, works, covered, gain, start, end) -> list[Any]:
        length = b - a
        share = "" if covered == "" else (round(covered / length, 4) if length > 0 else 0.0)
        return [
            feature,
            rank,
            round(a, 1),
            round(b, 1),
            round(length, 1),
            works,
            "" if covered == "" else round(covered, 1),
            share,
            "" if gain == "" else round(gain, 1),
            round(start[0], 6),
            round(start[1], 6),
            round(end[0], 6),
            round(end[1], 6),
        ]

    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COVERAGE_CSV_COLUMNS)
    writer.writerow(
        row(
            "route",
            "",
            0.0,
            report.length_m,
            report.works_near,
            report.covered_m,
            "",
            (lon0, lat0),
            (lon1, lat1),
        )
    )
    for i, s in enumerate(report.segments):
        writer.writerow(
            row(
                "segment",
                s.index + 1,
                s.start_m,
                s.end_m,
                s.works,
                s.covered_m,
                "",
                (elon[2 * i], elat[2 * i]),
                (elon[2 * i + 1], elat[2 * i + 1]),
            )
        )
    for g in report.gaps:
        writer.writerow(
            row("gap", g.rank, g.start_m, g.end_m, 0, 0.0, "", g.start_lonlat, g.end_lonlat)
        )
    for site in report.suggestions:
        here = (site.lon, site.lat)
        writer.writerow(
            row(
                "site", site.rank, site.chainage_m, site.chainage_m, "", "", site.gain_m, here, here
            )
        )
    return out.getvalue()


def coverage_table(report: CoverageReport, works_name: str = "works") -> str:
    """The report as plain-text tables for a terminal: summary, gaps, sites, segments."""
    r = f"{report.radius_m:g}"
    lines = [
        f"Coverage of the route by {works_name} within {r} m",
        f"  route length        {report.length_m:10.1f} m",
        f"  covered             {report.covered_m:10.1f} m  ({report.share * 100:.1f} %)",
        f"  works counted       {report.works_total:10d}",
        f"  within {r} m{'':<{12 - len(r)}}{report.works_near:10d}",
        f"  works per km        {report.works_per_km:10.2f}",
        "",
        f"Gaps of {report.gap_m:g} m or more, longest first: {len(report.gaps)}",
    ]
    if report.gaps:
        lines.append(f"  {'gap':>4} {'from km':>8} {'to km':>8} {'length m':>9}")
        lines += [
            f"  {g.rank:>4} {g.start_m / 1000:>8.2f} {g.end_m / 1000:>8.2f} {g.length_m:>9.1f}"
            for g in report.gaps
        ]
    lines += ["", f"Suggested sites: {len(report.suggestions)}"]
    if report.suggestions:
        lines.append(
            f"  {'site':>4} {'at km':>7} {'lat':>10} {'lon':>10} {'adds m':>8} {'covered':>8}"
        )
        lines += [
            f"  {s.rank:>4} {s.chainage_m / 1000:>7.2f} {s.lat:>10.5f} {s.lon:>10.5f}"
            f" {s.gain_m:>8.1f} {s.share_after * 100:>7.1f}%"
            for s in report.suggestions
        ]
    lines += [
        "",
        f"Segments of {report.segment_m:g} m: {len(report.segments)}",
        f"  {'from km':>8} {'to km':>8} {'works':>6} {'covered':>8}",
    ]
    lines += [
        f"  {s.start_m / 1000:>8.2f} {s.end_m / 1000:>8.2f} {s.works:>6}"
        f" {(s.covered_m / s.length_m if s.length_m else 0.0) * 100:>7.0f}%"
        for s in report.segments
    ]
    return "\n".join(lines) + "\n"
