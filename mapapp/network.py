"""The network of routes as the write path sees it: which routes a point is on,
the nearest route, whose corridors overlap, and which routes a curator may touch.

Pure functions over route records and their lines (no SQL, no Flask): a work is
on every route whose corridor (``corridor_m`` either side of its current line)
holds it, and on the routes its ``routes`` field names ("placed by hand"). A
curator whose account lists routes may change only works on one of them
(:func:`may_manage`); an account with no routes, and every admin, manages all.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from . import geo
from .records import ROUTE_DEFAULTS, split_keys


def corridor_m(record: dict[str, Any]) -> float:
    """How far from a route's line its works count as its stops (metres)."""
    return float(record.get("corridor_m") or ROUTE_DEFAULTS["corridor_m"])


def is_on(work: dict[str, Any], slug: str, offset_m: float, width_m: float) -> bool:
    """Whether a work ``offset_m`` metres from route ``slug``'s line is on that route:
    within its corridor (``width_m``), or placed on it by hand (its ``routes``)."""
    return offset_m <= width_m or slug in split_keys(work.get("routes"))


@dataclass(frozen=True)
class RouteLine:
    """A route's record and its current line (``None``: no line yet)."""

    record: dict[str, Any]
    line: geo.Route | None

    @property
    def slug(self) -> str:
        return str(self.record["slug"])

    @property
    def active(self) -> bool:
        return self.record.get("status", "active") == "active"

    @property
    def corridor_m(self) -> float:
        return corridor_m(self.record)

    def offset_m(self, lon: float, lat: float) -> float | None:
        """How far the point is from the line, in metres (``None``: no line)."""
        if self.line is None:
            return None
        _, offset = self.line.locate([lon], [lat])
        return float(offset[0])


@dataclass(frozen=True)
class Overlap:
    """Another active route whose corridor meets a route's, and for how long."""

    slug: str
    name: str
    length_m: float


@dataclass(frozen=True)
class Network:
    """Every stored route with its current line."""

    routes: tuple[RouteLine, ...] = ()

    @classmethod
    def of(
        cls, records: Iterable[dict[str, Any]], lines: dict[int, Sequence[Sequence[float]]]
    ) -> Network:
        """The network of ``records``; ``lines`` are current coordinates by route id."""
        out = []
        for record in records:
            coords = lines.get(record["id"])
            out.append(RouteLine(record, geo.Route.from_coords(coords) if coords else None))
        return cls(tuple(out))

    @property
    def keys(self) -> set[str]:
        return {r.slug for r in self.routes}

    def get(self, slug: str) -> RouteLine | None:
        return next((r for r in self.routes if r.slug == slug), None)

    @property
    def walkable(self) -> list[RouteLine]:
        """The active routes that have a line."""
        return [r for r in self.routes if r.active and r.line is not None]

    def unknown(self, hand: str | None) -> list[str]:
        """The keys in a ``routes`` field that name no stored route."""
        return [k for k in split_keys(hand) if k not in self.keys]

    def in_corridors(self, lon: float, lat: float, *, active_only: bool = True) -> list[str]:
        """The keys of the routes whose corridor holds the point."""
        out = []
        for r in self.routes:
            if active_only and not r.active:
                continue
            offset = r.offset_m(lon, lat)
            if offset is not None and offset <= r.corridor_m:
                out.append(r.slug)
        return out

    def routes_of(self, lon: float, lat: float, hand: str | None) -> set[str]:
        """Every route a work at ``(lon, lat)`` with ``routes`` field ``hand`` is on
        (retired routes too: their pages keep working)."""
        keys = set(self.in_corridors(lon, lat, active_only=False))
        return keys | {k for k in split_keys(hand) if k in self.keys}

    def nearest(self, lon: float, lat: float) -> tuple[RouteLine, float] | None:
        """The walkable route nearest the point and its distance (metres)."""
        found = [(r, r.offset_m(lon, lat)) for r in self.walkable]
        scored = [(r, d) for r, d in found if d is not None]
        return min(scored, key=lambda x: x[1]) if scored else None

    def works_on(self, slug: str, works: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
        """The works (any status) on route ``slug``: in its corridor, or placed by hand."""
        route = self.get(slug)
        rows = list(works)
        if route is None or not rows:
            return []
        if route.line is None:  # placed by hand only
            return [w for w in rows if is_on(w, slug, float("inf"), 0.0)]
        _, offsets = route.line.locate([w["lon"] for w in rows], [w["lat"] for w in rows])
        width = route.corridor_m
        return [w for w, off in zip(rows, offsets, strict=True) if is_on(w, slug, off, width)]

    def overlaps(self, slug: str, line: geo.Route, corridor_m: float) -> list[Overlap]:
        """The other active routes whose corridor meets route ``slug``'s (with ``line``
        and ``corridor_m``, as it would be saved), longest overlap first."""
        out = []
        for r in self.walkable:
            if r.slug == slug or r.line is None:
                continue
            length = geo.corridor_overlap_m(line, corridor_m, r.line, r.corridor_m)
            if length > 0:
                out.append(Overlap(r.slug, str(r.record.get("name") or r.slug), length))
        return sorted(out, key=lambda o: -o.length_m)


def user_routes(user: dict[str, Any] | None) -> tuple[str, ...]:
    """The routes an account is limited to (empty: every route; admins always all)."""
    if user is None or user.get("role") == "admin":
        return ()
    return tuple(split_keys(user.get("routes")))


def may_manage(limit: Sequence[str], on: Iterable[str]) -> bool:
    """Whether a curator limited to ``limit`` (empty: every route) may change a work on
    the routes ``on``."""
    return not limit or bool(set(limit) & set(on))
