"""Coverage of a route by art: interval arithmetic along the route. No Flask, no SQL.

How much of the route lies within a walking radius of at least one work. All of
it is interval arithmetic on chainage: a disc of radius R around a point meets
each straight piece of the route in at most one interval (the roots of a
quadratic), so a work's coverage is exact, and a route that folds back near
itself simply gets two intervals from one disc. Coverage is the union of the
intervals, measured as a length along the route. Output formats (GeoJSON, CSV,
text tables) are in :mod:`mapapp.coverage_formats`.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np
import shapely
from shapely.geometry import LineString

from .geo import Route, to_lonlat, to_metric

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
    access_name: str | None = None  # the nearest access point, when some were given
    access_m: float | None = None  # straight-line distance to it


@dataclass(frozen=True)
class AccessPoint:
    """A place people reach the route from: a bridge, a crossing, a bike station, a metro exit."""

    name: str
    lon: float
    lat: float


@dataclass(frozen=True)
class SiteConstraints:
    """What a planner asks of suggested sites.

    ``avoid`` are stretches of the route (chainage in metres, ``(from, to)``) where
    no site may go, such as a covered channel; a site beside one may still cover
    it. With ``access_points``, ties between equally good sites go to the one
    nearest an access point, and ``access_within_m`` keeps only sites that close to
    one. ``spacing_m`` keeps suggested sites at least that far apart (straight line).
    """

    avoid: tuple[tuple[float, float], ...] = ()
    access_points: tuple[AccessPoint, ...] = ()
    access_within_m: float | None = None
    spacing_m: float | None = None

    @property
    def active(self) -> bool:
        """Whether any constraint rules sites out (access points alone only break ties)."""
        return bool(self.avoid or self.access_within_m or self.spacing_m)


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
                    "access_name": s.access_name,
                    "access_m": None if s.access_m is None else round(s.access_m, 1),
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


@lru_cache(maxsize=16)
def _piece_index(
    line_m: LineString,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, shapely.STRtree | None]:
    """:func:`_pieces` and an STRtree of them, kept for the last few routes.

    Geometries hash and compare by value, so a route rebuilt from the same
    coordinates finds its index again.
    """
    starts, vecs, start_ch, lengths = _pieces(line_m)
    if lengths.size == 0:
        return starts, vecs, start_ch, lengths, None
    tree = shapely.STRtree(shapely.linestrings(np.stack([starts, starts + vecs], axis=1)))
    return starts, vecs, start_ch, lengths, tree


def nearest_chainage(line_m: LineString, x: np.typing.ArrayLike, y: np.typing.ArrayLike):
    """Chainage of the point of the route nearest each point (as ``line_locate_point``).

    Vectorised over an STRtree of the route's pieces, so it stays fast on long routes
    with many vertices, where GEOS walks the whole line for every point.
    """
    px = np.atleast_1d(np.asarray(x, float))
    py = np.atleast_1d(np.asarray(y, float))
    starts, vecs, start_ch, lengths, tree = _piece_index(line_m)
    if tree is None or px.size == 0:
        return np.zeros(px.size)
    found, piece = tree.query_nearest(shapely.points(px, py), all_matches=False)
    out = np.zeros(px.size)
    f = np.column_stack([px[found], py[found]]) - starts[piece]
    t = np.clip(np.einsum("ij,ij->i", f, vecs[piece]) / lengths[piece] ** 2, 0.0, 1.0)
    out[found] = start_ch[piece] + t * lengths[piece]
    return out


def disc_intervals(
    line_m: LineString,
    x: np.typing.ArrayLike,
    y: np.typing.ArrayLike,
    radius_m: float | np.typing.ArrayLike,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Chainage intervals of the route within ``radius_m`` of each point.

    Parameters
    ----------
    line_m : LineString
        The route in metres.
    x, y : array_like
        Points in the same metric CRS.
    radius_m : float or array_like
        The radius, in metres: one for all points, or one per point (a point whose
        radius is not positive covers nothing).

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
    radius = np.broadcast_to(np.asarray(radius_m, float), px.shape)
    empty = (np.empty(0, np.intp), np.empty(0), np.empty(0))
    starts, vecs, start_ch, lengths, tree = _piece_index(line_m)
    if px.size == 0 or tree is None:
        return empty
    positive = np.flatnonzero(radius > 0)
    if positive.size == 0:
        return empty
    found, piece = tree.query(
        shapely.points(px[positive], py[positive]),
        predicate="dwithin",
        distance=radius[positive],
    )
    if found.size == 0:
        return empty
    owner = positive[found]
    fx = starts[piece, 0] - px[owner]
    fy = starts[piece, 1] - py[owner]
    dx, dy = vecs[piece, 0], vecs[piece, 1]
    dd = lengths[piece] ** 2
    fd = fx * dx + fy * dy
    r = radius[owner]
    # |f + t d|^2 = R^2  <=>  dd t^2 + 2 fd t + (ff - R^2) = 0
    disc = np.maximum(fd * fd - dd * (fx * fx + fy * fy - r * r), 0.0)
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
    radius_m: float | np.ndarray,
    edges: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Merged covered intervals, counts per stretch and the points near the route.

    Parameters
    ----------
    line_m : LineString
        The route in metres.
    x, y : ndarray
        Points (works) in metres.
    radius_m : float or ndarray
        The radius, or one per point.
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
    radius = np.broadcast_to(np.asarray(radius_m, float), np.shape(x))
    for lo in range(0, x.size, CHUNK_POINTS):
        hi = lo + CHUNK_POINTS
        owner, start, end = disc_intervals(line_m, x[lo:hi], y[lo:hi], radius[lo:hi])
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
    constraints: SiteConstraints | None = None,
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
    constraints : SiteConstraints, optional
        Stretches to keep clear of, access points, spacing.

    Returns
    -------
    list of SuggestedSite
        In the order chosen. Each site's ``gain_m`` is the length it adds given
        the works and the earlier sites: the first is the best single site among
        the candidates that meet the constraints. Among sites that add exactly as
        much, the one nearest an access point wins, then the one nearest the middle
        of its uncovered stretch (so a long gap is filled evenly, not from one end).
    """
    if k <= 0:
        return []
    px = np.atleast_1d(np.asarray(x, float))
    py = np.atleast_1d(np.asarray(y, float))
    merged, _, _ = covered_by(route.line_m, px, py, radius_m)
    return _greedy_sites(route, merged, radius_m, k, step_m, constraints)


def _uncovered_middle_distance(merged: np.ndarray, length: float, at: np.ndarray) -> np.ndarray:
    """How far each chainage lies from the middle of the uncovered stretch holding it.

    Chainages inside a covered interval get infinity.
    """
    starts = np.concatenate([[0.0], merged[:, 1]])
    ends = np.concatenate([merged[:, 0], [length]])
    j = np.clip(np.searchsorted(starts, at, side="right") - 1, 0, starts.size - 1)
    inside = (at >= starts[j]) & (at <= ends[j])
    return np.where(inside, np.abs(at - (starts[j] + ends[j]) / 2.0), np.inf)


def _greedy_sites(
    route: Route,
    merged: np.ndarray,
    radius_m: float,
    k: int,
    step_m: float | None,
    constraints: SiteConstraints | None = None,
) -> list[SuggestedSite]:
    """:func:`suggest_sites` given the works' merged covered intervals."""
    length = route.length_m
    if k <= 0:
        return []
    rules = constraints or SiteConstraints()
    step = step_m or candidate_step(length)
    cand_ch = np.append(np.arange(0.0, length, step), length)
    cand = shapely.line_interpolate_point(route.line_m, cand_ch)
    cx, cy = shapely.get_x(cand), shapely.get_y(cand)
    allowed = np.ones(cand_ch.size, bool)
    for a, b in rules.avoid:
        allowed &= ~((cand_ch >= min(a, b)) & (cand_ch <= max(a, b)))
    access_d = np.zeros(cand_ch.size)
    access_i = np.zeros(cand_ch.size, np.intp)
    if rules.access_points:
        ax, ay = to_metric(
            [p.lon for p in rules.access_points], [p.lat for p in rules.access_points], route.crs
        )
        from scipy.spatial import cKDTree  # some 40 MB: loaded by the first query

        access_d, access_i = cKDTree(np.column_stack([ax, ay])).query(np.column_stack([cx, cy]))
        access_i = np.asarray(access_i, np.intp)
        if rules.access_within_m is not None:
            allowed &= access_d <= rules.access_within_m
    c_owner, c_start, c_end = disc_intervals(route.line_m, cx, cy, radius_m)
    covered = float(np.sum(merged[:, 1] - merged[:, 0]))
    sites: list[SuggestedSite] = []
    for rank in range(1, k + 1):
        new_len = (c_end - c_start) - (covered_upto(merged, c_end) - covered_upto(merged, c_start))
        gain = np.round(np.bincount(c_owner, weights=new_len, minlength=cand_ch.size), 6)
        gain[~allowed] = -1.0
        top = float(gain.max()) if gain.size else 0.0
        if top <= 1e-6:
            break
        ties = np.flatnonzero(gain == top)
        if ties.size > 1:
            middle = _uncovered_middle_distance(merged, length, cand_ch[ties])
            ties = ties[np.lexsort((middle, np.round(access_d[ties], 3)))]
        best = int(ties[0])
        mine = c_owner == best
        merged = merge_intervals(
            np.concatenate([merged[:, 0], c_start[mine]]),
            np.concatenate([merged[:, 1], c_end[mine]]),
        )
        covered = float(np.sum(merged[:, 1] - merged[:, 0]))
        if rules.spacing_m:
            allowed &= np.hypot(cx - cx[best], cy - cy[best]) >= rules.spacing_m
        allowed[best] = False
        lon, lat = to_lonlat([cx[best]], [cy[best]], route.crs)
        near_access = rules.access_points[int(access_i[best])] if rules.access_points else None
        sites.append(
            SuggestedSite(
                rank=rank,
                chainage_m=float(cand_ch[best]),
                lon=float(lon[0]),
                lat=float(lat[0]),
                gain_m=float(gain[best]),
                share_after=min(1.0, covered / length),
                access_name=near_access.name if near_access else None,
                access_m=float(access_d[best]) if near_access else None,
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
    constraints: SiteConstraints | None = None,
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
    constraints : SiteConstraints, optional
        What the suggested sites must respect (see :func:`suggest_sites`).

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
    x, y = to_metric(
        np.atleast_1d(np.asarray(lon, float)), np.atleast_1d(np.asarray(lat, float)), route.crs
    )
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
    glon, glat = to_lonlat(shapely.get_x(ends_xy), shapely.get_y(ends_xy), route.crs)
    mlon, mlat = to_lonlat(shapely.get_x(mid_xy), shapely.get_y(mid_xy), route.crs)
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

    suggestions = _greedy_sites(route, merged, radius_m, k, step_m, constraints)
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
