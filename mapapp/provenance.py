"""How we know where a work is and that it is there: pure rules, no Flask, no SQL.

A work's source is a web address (``source_url``) or a survey: "surveyed on site
by <curator> on <date>" (``surveyed_by``, ``surveyed_on``); either will do, so a
curator's own survey can be saved without a web address. ``source_note`` is the
curators' research note and is never shown to the public; the public sees a
short "how we know" line (``how_we_know`` in en/ru/kk) and the precision.

The precision of a position follows from how the point was obtained
(``position_method``):

- ``gps``: the browser's position; with an accuracy of at most
  :data:`SURVEY_ACCURACY_M` it is *surveyed* (its accuracy and time recorded),
  up to :data:`APPROXIMATE_ACCURACY_M` *approximate*, beyond that *estimated*;
- ``clicked`` (placed on a map) is *approximate*, ``typed`` (coordinates typed in)
  *estimated*: never *surveyed* by default, and not at all without a survey.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from typing import Any

#: A GPS fix at least this good (metres) makes a position "surveyed".
SURVEY_ACCURACY_M = 15.0
#: A GPS fix at least this good is "approximate" (the planner's 150 m); worse, "estimated".
APPROXIMATE_ACCURACY_M = 150.0
METHODS = ("gps", "clicked", "typed")


@dataclass(frozen=True)
class PositionFix:
    """How a work's point was obtained and what precision that gives it."""

    precision: str
    method: str
    accuracy_m: float | None = None
    fixed_at: str = ""

    def fields(self) -> dict[str, Any]:
        """The work's fields this fix sets."""
        return {
            "location_precision": self.precision,
            "position_method": self.method,
            "position_accuracy_m": self.accuracy_m,
            "position_fixed_at": self.fixed_at,
        }


def precision_for(method: str, accuracy_m: float | None = None) -> str:
    """The precision a point obtained by ``method`` (with ``accuracy_m``) deserves.

    >>> precision_for("gps", 6.0), precision_for("gps", 40), precision_for("gps", 900)
    ('surveyed', 'approximate', 'estimated')
    >>> precision_for("clicked"), precision_for("typed"), precision_for("gps")
    ('approximate', 'estimated', 'estimated')
    """
    if method == "gps":
        if accuracy_m is None or not math.isfinite(accuracy_m) or accuracy_m < 0:
            return "estimated"  # a fix that does not say how good it is
        if accuracy_m <= SURVEY_ACCURACY_M:
            return "surveyed"
        return "approximate" if accuracy_m <= APPROXIMATE_ACCURACY_M else "estimated"
    if method == "clicked":
        return "approximate"
    return "estimated"


def position_fix(
    method: str, accuracy_m: float | None = None, at: dt.datetime | str | None = None
) -> PositionFix:
    """The fix of a point obtained by ``method``: a GPS fix keeps its accuracy and time.

    ``at`` defaults to now (UTC); a map click or typed coordinates keep neither.
    """
    if method not in METHODS:
        raise ValueError(f"method must be one of {', '.join(METHODS)}")
    precision = precision_for(method, accuracy_m)
    if method != "gps":
        return PositionFix(precision, method)
    when = at or dt.datetime.now(dt.UTC)
    fixed_at = when if isinstance(when, str) else when.isoformat(timespec="seconds")
    accuracy = None if accuracy_m is None else round(float(accuracy_m), 1)
    return PositionFix(precision, method, accuracy, fixed_at)


def precision_problem(
    precision: str, method: str, accuracy_m: float | None, fixed_at: str, surveyed: bool
) -> str | None:
    """Why ``precision`` is not allowed for this point (a rule's code), or ``None``.

    *Surveyed* needs a GPS fix of at most :data:`SURVEY_ACCURACY_M` with its time,
    or a survey on site (``surveyed``: by whom and when); a point clicked or typed
    is never *surveyed* on its own.
    """
    if precision != "surveyed":
        return None
    if method == "gps":
        good = accuracy_m is not None and 0 <= accuracy_m <= SURVEY_ACCURACY_M and bool(fixed_at)
        return None if good or surveyed else "surveyed_needs_fix"
    if method in ("clicked", "typed") and not surveyed:
        return "surveyed_needs_survey"
    return None


def has_source(source_url: str, surveyed_by: str, surveyed_on: str) -> bool:
    """A work needs a web address, or a survey on site (who and when)."""
    return bool(source_url) or (bool(surveyed_by) and bool(surveyed_on))


def survey_source(curator: str, on: dt.date | str) -> dict[str, str]:
    """The fields of the source "surveyed on site by ``curator`` on ``on``"."""
    day = on if isinstance(on, str) else on.isoformat()
    return {"surveyed_by": curator, "surveyed_on": day}


def public_provenance(row: dict[str, Any]) -> dict[str, Any]:
    """What the public may know of a work's provenance (never ``source_note``).

    ``how_we_know`` in each language, the web address, whether and when it was
    surveyed on site (not by whom: a curator's name is theirs), and the precision.
    """
    return {
        "source_url": row.get("source_url") or "",
        "surveyed_on": (row.get("surveyed_on") or "") if row.get("surveyed_by") else "",
        "location_precision": row.get("location_precision") or "",
        **{k: row.get(k) or "" for k in HOW_WE_KNOW},
    }


HOW_WE_KNOW = ("how_we_know", "how_we_know_ru", "how_we_know_kk")
#: The public line of a work from OpenStreetMap, per language: ODbL asks for the credit.
OSM_PUBLIC_NOTES = {
    "how_we_know": "From OpenStreetMap (ODbL 1.0, © OpenStreetMap contributors).",
    "how_we_know_ru": "Из OpenStreetMap (ODbL 1.0, © участники OpenStreetMap).",
    "how_we_know_kk": "OpenStreetMap-тен алынған (ODbL 1.0, © OpenStreetMap қатысушылары).",
}
#: Fields only curators see: the research note, who surveyed, how a point was fixed.
CURATOR_ONLY = (
    "source_note",
    "surveyed_by",
    "position_method",
    "position_accuracy_m",
    "position_fixed_at",
)
