"""How sure a covered share is, given how precisely the route and the works are placed.

The route line is drawn through anchor points good to ±100–200 m, and most works'
positions are estimates: errors of the same order as a 150 m walking radius. So a
covered share comes with a range, found by Monte Carlo: each draw moves every work
at random within its stated error and shifts the route by up to its own error
(smoothly along it), and measures the share again. The range holds the middle
90 % of the draws; a fixed seed makes it the same on every run. The worst-case
bounds (every radius shrunk or grown by the full error at once) are given too:
they always hold, but they assume every error points the same bad way.

No Flask, no SQL; the geometry is :mod:`mapapp.coverage`'s.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from .coverage import covered_by, nearest_chainage
from .geo import Route

#: A work's position error in metres, by its ``location_precision``. Approximate is
#: what the data promise ("within about 150 m"); surveyed and estimated are ours.
WORK_ERROR_M = {"surveyed": 10.0, "approximate": 150.0, "estimated": 300.0}
#: The route's error in metres by its ``geometry_precision`` when no number is given.
ROUTE_ERROR_M = {"surveyed": 10.0, "approximate": 100.0, "estimated": 200.0}
#: Draws of the Monte Carlo range, its seed, and the share of draws the range holds.
DRAWS = 200
SEED = 15
PERCENTILES = (5.0, 95.0)
#: The route's error changes along it over this length (its anchors are 0.5–1 km apart).
CORRELATION_M = 500.0
#: Fewer draws for many works, so that a range costs about as much as this many
#: works times :data:`DRAWS`; never fewer than :data:`MIN_DRAWS`.
POINT_DRAWS = 400_000
MIN_DRAWS = 40


def draws_for(n_points: int) -> int:
    """Monte Carlo draws for ``n_points`` works: :data:`DRAWS`, fewer for tens of thousands."""
    return int(min(DRAWS, max(MIN_DRAWS, POINT_DRAWS // max(n_points, 1))))


def route_error_m(properties: Mapping[str, Any]) -> float:
    """The route's position error in metres, from its properties.

    A number in ``precision_m`` wins; else the error of its ``geometry_precision``
    (``estimated`` when missing, as for a line nobody surveyed).
    """
    value = properties.get("precision_m")
    if isinstance(value, int | float) and not isinstance(value, bool) and 0 <= value < 10_000:
        return float(value)
    kind = str(properties.get("geometry_precision") or "estimated")
    return ROUTE_ERROR_M.get(kind, ROUTE_ERROR_M["estimated"])


def work_errors_m(precisions: Sequence[str | None]) -> np.ndarray:
    """Each work's position error in metres (unknown precision: as estimated)."""
    fallback = WORK_ERROR_M["estimated"]
    return np.array([WORK_ERROR_M.get(p or "", fallback) for p in precisions], float)


@dataclass(frozen=True)
class ShareRange:
    """A covered share as drawn, its likely range and its worst-case bounds (0 to 1)."""

    share: float  # with every position as stored
    low: float  # likely range: the middle 90 % of the draws, widened to hold ``share``
    high: float
    bound_low: float  # worst case: every radius shrunk by its full error
    bound_high: float  # ... or grown by it
    route_error_m: float
    draws: int
    seed: int

    @property
    def width(self) -> float:
        return self.high - self.low

    def to_dict(self) -> dict[str, Any]:
        return {
            "share": round(self.share, 4),
            "low": round(self.low, 4),
            "high": round(self.high, 4),
            "bound_low": round(self.bound_low, 4),
            "bound_high": round(self.bound_high, 4),
            "route_error_m": self.route_error_m,
            "method": "monte-carlo",
            "draws": self.draws,
            "seed": self.seed,
            "percentiles": list(PERCENTILES),
        }


@dataclass(frozen=True)
class DifferenceRange:
    """What a scenario adds to the covered share: as drawn and its likely range."""

    change: float
    low: float
    high: float

    def to_dict(self) -> dict[str, float]:
        return {
            "change": round(self.change, 4),
            "low": round(self.low, 4),
            "high": round(self.high, 4),
        }


def _covered_length(route: Route, x: np.ndarray, y: np.ndarray, radius: Any) -> float:
    merged, _, _ = covered_by(route.line_m, x, y, radius)
    return float(np.sum(merged[:, 1] - merged[:, 0]))


class _Shifts:
    """The draws' displacements of points, the same for the same seed and points.

    A work's displacement is a uniform point in a disc of its own error, minus the
    route's shift where the work is (moving the route one way is moving the work
    the other way, and keeps the route's length). The route's shift is a uniform
    point in a disc of the route error at knots every :data:`CORRELATION_M` metres,
    linear in between.
    """

    def __init__(self, route: Route, x: np.ndarray, y: np.ndarray, seed: int):
        self.rng = np.random.default_rng(seed)
        n_knots = int(np.ceil(route.length_m / CORRELATION_M)) + 1
        self.knots = np.linspace(0.0, route.length_m, n_knots)
        self.chainage = nearest_chainage(route.line_m, x, y)

    @staticmethod
    def _disc(rng: np.random.Generator, n: int) -> np.ndarray:
        angle = rng.uniform(0.0, 2.0 * np.pi, n)
        r = np.sqrt(rng.uniform(0.0, 1.0, n))
        return np.column_stack([r * np.cos(angle), r * np.sin(angle)])

    def draw(self, work_error: np.ndarray, route_error: float) -> np.ndarray:
        """One draw: an ``(n, 2)`` displacement of every point, metres."""
        own = self._disc(self.rng, self.chainage.size) * work_error[:, None]
        field = self._disc(self.rng, self.knots.size) * route_error
        shift = np.column_stack([np.interp(self.chainage, self.knots, field[:, i]) for i in (0, 1)])
        return own - shift


def _percentile_range(values: np.ndarray, point: float) -> tuple[float, float]:
    low, high = np.percentile(values, PERCENTILES) if values.size else (point, point)
    return min(float(low), point), max(float(high), point)


def share_range(
    route: Route,
    x: np.typing.ArrayLike,
    y: np.typing.ArrayLike,
    radius_m: float,
    work_error_m: np.typing.ArrayLike,
    route_error_m: float,
    *,
    draws: int = DRAWS,
    seed: int = SEED,
) -> ShareRange:
    """The covered share of ``route`` by works at ``(x, y)`` (metres), with its range.

    Parameters
    ----------
    route : Route
        The route.
    x, y : array_like
        The works in metres (:func:`mapapp.geo.to_metric`).
    radius_m : float
        The walking radius.
    work_error_m : array_like
        Each work's position error, metres (:func:`work_errors_m`), or one for all.
    route_error_m : float
        The route's position error, metres (:func:`route_error_m`).
    draws, seed : int
        Monte Carlo draws and the seed that makes them repeatable.

    Returns
    -------
    ShareRange
        The share as drawn always lies within both ranges; with no error both are
        that share alone, and they widen as the errors grow.
    """
    px = np.atleast_1d(np.asarray(x, float))
    py = np.atleast_1d(np.asarray(y, float))
    errors = np.broadcast_to(np.asarray(work_error_m, float), px.shape)
    length = route.length_m
    point = _covered_length(route, px, py, radius_m) / length
    reach = errors + route_error_m
    bound_low = _covered_length(route, px, py, np.maximum(radius_m - reach, 0.0)) / length
    bound_high = _covered_length(route, px, py, radius_m + reach) / length
    shares = np.empty(0)
    if px.size and (route_error_m > 0 or np.any(errors > 0)):
        shifts = _Shifts(route, px, py, seed)
        shares = np.empty(draws)
        for d in range(draws):
            move = shifts.draw(errors, route_error_m)
            shares[d] = _covered_length(route, px + move[:, 0], py + move[:, 1], radius_m)
        shares /= length
    low, high = _percentile_range(shares, point)
    return ShareRange(
        share=point,
        low=low,
        high=high,
        bound_low=min(bound_low, point),
        bound_high=max(bound_high, point),
        route_error_m=float(route_error_m),
        draws=int(shares.size),
        seed=seed,
    )


def difference_range(
    route: Route,
    x: np.typing.ArrayLike,
    y: np.typing.ArrayLike,
    work_error_m: np.typing.ArrayLike,
    site_x: np.typing.ArrayLike,
    site_y: np.typing.ArrayLike,
    radius_m: float,
    route_error_m: float,
    *,
    draws: int = DRAWS,
    seed: int = SEED,
) -> DifferenceRange:
    """How much proposed sites add to the covered share, with its likely range.

    Each draw moves the works and shifts the route as :func:`share_range` does; the
    proposed sites are placed exactly (a planner chooses them) but move with the
    route. Today and the scenario are measured on the same draw, so the range is
    that of the difference itself, narrower than two separate ranges would suggest.
    """
    px = np.atleast_1d(np.asarray(x, float))
    py = np.atleast_1d(np.asarray(y, float))
    sx = np.atleast_1d(np.asarray(site_x, float))
    sy = np.atleast_1d(np.asarray(site_y, float))
    errors = np.broadcast_to(np.asarray(work_error_m, float), px.shape)
    all_x, all_y = np.concatenate([px, sx]), np.concatenate([py, sy])
    all_errors = np.concatenate([errors, np.zeros(sx.size)])
    length = route.length_m

    def change(mx: np.ndarray, my: np.ndarray) -> float:
        today = _covered_length(route, mx[: px.size], my[: px.size], radius_m)
        return (_covered_length(route, mx, my, radius_m) - today) / length

    point = change(all_x, all_y)
    diffs = np.empty(0)
    if sx.size and (route_error_m > 0 or np.any(errors > 0)):
        shifts = _Shifts(route, all_x, all_y, seed)
        diffs = np.empty(draws)
        for d in range(draws):
            move = shifts.draw(all_errors, route_error_m)
            diffs[d] = change(all_x + move[:, 0], all_y + move[:, 1])
    low, high = _percentile_range(diffs, point)
    return DifferenceRange(change=point, low=low, high=high)
