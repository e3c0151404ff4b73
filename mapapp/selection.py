"""Which works the planner counts: kinds, festivals and editions, and the corridor.

Art is counted by default (:data:`mapapp.records.ART_KINDS`); venues, parks and
landmarks are context, counted on request. Works farther from the route than the
corridor are not counted at all, and are listed with their distance so the report
says why. No Flask, no SQL: the planner page, the API and the CLI share it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from . import lifecycle
from .records import ART_KINDS, CONTEXT_KINDS, KINDS

#: The festival filter's value for works that belong to no festival.
NO_FESTIVAL = "-"
#: Names that stand for several kinds at once, in filters and on the command line.
KIND_GROUPS: dict[str, tuple[str, ...]] = {
    "art": ART_KINDS,
    "context": CONTEXT_KINDS,
    "all": KINDS,
}
#: Works farther than this from the route are not counted (unless the radius is larger):
#: the distance within which curators may place a work (``MAPAPP_MAX_OFFSET_M``).
DEFAULT_CORRIDOR_M = 1000.0
MAX_CORRIDOR_M = 20_000.0


def split_values(values: Iterable[str]) -> list[str]:
    """Values of a repeated parameter, each of which may be a comma-separated list."""
    out: list[str] = []
    for value in values:
        out.extend(v.strip() for v in str(value).split(",") if v.strip())
    return out


def expand_kinds(values: Iterable[str]) -> tuple[tuple[str, ...], list[str]]:
    """Kinds named by ``values`` (kinds or group names), in :data:`KINDS` order, and unknowns."""
    chosen: set[str] = set()
    unknown: list[str] = []
    for value in split_values(values):
        if value in KIND_GROUPS:
            chosen.update(KIND_GROUPS[value])
        elif value in KINDS:
            chosen.add(value)
        else:
            unknown.append(value)
    return tuple(k for k in KINDS if k in chosen), unknown


def festival_values(walk: Any) -> tuple[str, ...]:
    """The festival filter's values for a :class:`mapapp.catalog.Walk`: each festival's
    name and key, each edition's key, and :data:`NO_FESTIVAL`."""
    return (*walk.festival_names(), *walk.edition_keys(), NO_FESTIVAL)


@dataclass(frozen=True)
class Selection:
    """Works of these kinds, and of these festivals or editions (empty: any or none)."""

    kinds: tuple[str, ...] = ART_KINDS
    festivals: tuple[str, ...] = ()

    @property
    def is_art(self) -> bool:
        return set(self.kinds) == set(ART_KINDS)

    def matches(self, work: Mapping[str, Any]) -> bool:
        """Of a chosen kind and, when festivals are chosen, of one of them.

        A festival is named by its name or key (``festival``, ``festival_slug``), an
        edition by its key (``edition``; for records without one, festival and year).
        """
        if work.get("kind") not in self.kinds:
            return False
        if not self.festivals:
            return True
        festival = work.get("festival") or ""
        if not festival:
            return NO_FESTIVAL in self.festivals
        names = (festival, work.get("festival_slug"), lifecycle.edition(work))
        return any(n and n in self.festivals for n in names)

    def apply(self, works: Iterable[Mapping[str, Any]]) -> list[Any]:
        return [w for w in works if self.matches(w)]


def corridor_for(
    radius_m: float, corridor_m: float | None = None, default_m: float = DEFAULT_CORRIDOR_M
) -> float:
    """The corridor used: the one asked for, else ``default_m`` but never below the radius."""
    if corridor_m is not None:
        return float(corridor_m)
    return max(float(default_m), float(radius_m))


@dataclass(frozen=True)
class Excluded:
    """A work left out of the count, and why (``reason`` is a code pages translate)."""

    work: Mapping[str, Any]
    offset_m: float
    corridor_m: float
    reason: str = "beyond_corridor"


def split_by_corridor(
    works: Sequence[Mapping[str, Any]], corridor_m: float
) -> tuple[list[Any], list[Excluded]]:
    """Works within ``corridor_m`` of the route (by their ``offset_m``), and the rest.

    The excluded works come farthest first.
    """
    kept = [w for w in works if float(w.get("offset_m") or 0.0) <= corridor_m]
    out = [
        Excluded(w, float(w.get("offset_m") or 0.0), corridor_m)
        for w in works
        if float(w.get("offset_m") or 0.0) > corridor_m
    ]
    out.sort(key=lambda e: -e.offset_m)
    return kept, out
