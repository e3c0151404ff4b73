"""Field survey: the position fix a phone sends, checked, and the precision it earns.

A curator on site places a work from the phone's position fix (the browser's
geolocation: a point, its accuracy radius and the time of the fix), may nudge it
by hand, or places it by tapping the map or typing coordinates. The survey page
says how (``placed``: one of :data:`METHODS`) and sends the fix; the server checks
the fix instead of taking the page's word for the precision:

- ``gps`` with a fix of at most :data:`SURVEYED_MAX_ACCURACY_M` and a point at most
  :data:`MAX_NUDGE_M` from it: surveyed (the default; a curator may say less);
- a poorer fix, or a point moved farther from it, earns what
  :func:`mapapp.provenance.precision_for` gives the fix (approximate or estimated),
  never more than approximate;
- ``clicked`` or ``typed``: approximate or estimated, never surveyed.

The work keeps the method, the accuracy and the time (its ``position_*`` fields,
see :mod:`mapapp.provenance`). No Flask, no SQL.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from . import provenance
from .geo import distance_m
from .numbers import NumberError, parse_float
from .records import RowError, row_error

#: A fix at most this many metres uncertain makes a point surveyed.
SURVEYED_MAX_ACCURACY_M = provenance.SURVEY_ACCURACY_M
#: A surveyed point may be nudged at most this far from its fix (e.g. from the path
#: to the statue beside it).
MAX_NUDGE_M = 15.0
#: The largest accuracy radius accepted at all (a phone's coarse, cell-tower fix).
MAX_ACCURACY_M = 10_000.0
#: A fix may be this far in the future (the phone's clock is a little off).
CLOCK_SKEW = dt.timedelta(minutes=5)
#: A fix older than this is refused: an offline queue is synced within days.
MAX_FIX_AGE = dt.timedelta(days=30)
#: How a point was obtained: a position fix, a tap on the map, typed coordinates.
METHODS = provenance.METHODS


@dataclass(frozen=True)
class Fix:
    """A checked position fix: where, how uncertain (metres, radius) and when (UTC)."""

    lat: float
    lon: float
    accuracy_m: float
    fixed_at: dt.datetime

    def as_row(self) -> dict[str, Any]:
        return {
            "lat": self.lat,
            "lon": self.lon,
            "accuracy_m": round(self.accuracy_m, 1),
            "fixed_at": self.fixed_at.isoformat(timespec="seconds"),
        }


@dataclass(frozen=True)
class Placement:
    """How a point was placed: the method, the fix (if any) and the precision it earns."""

    method: str
    fix: Fix | None
    precision: str
    nudge_m: float | None = None

    def fields(self) -> dict[str, Any]:
        """The work's provenance fields this placement sets."""
        return {
            "location_precision": self.precision,
            "position_method": self.method,
            "position_accuracy_m": round(self.fix.accuracy_m, 1) if self.fix else None,
            "position_fixed_at": self.fix.as_row()["fixed_at"] if self.fix else "",
        }


def _number(raw: Any, low: float, high: float) -> float | None:
    try:
        return parse_float(raw, low, high)
    except NumberError:
        return None


def _time(raw: Any) -> dt.datetime | None:
    if not isinstance(raw, str) or len(raw) > 40:
        return None
    try:
        value = dt.datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        return None
    if value.tzinfo is None:
        return None  # a time without its zone cannot be compared
    return value.astimezone(dt.UTC)


def check_fix(raw: Any, now: dt.datetime) -> tuple[Fix | None, list[RowError]]:
    """A fix from a request (``{lat, lon, accuracy_m, fixed_at}``), or why it is refused."""

    def bad(code: str, reason: str, **params: Any) -> tuple[None, list[RowError]]:
        return None, [row_error(0, "fix", code, reason, **params)]

    if not isinstance(raw, dict):
        return bad("fix_format", "give the fix as {lat, lon, accuracy_m, fixed_at}")
    lat = _number(raw.get("lat"), -90, 90)
    lon = _number(raw.get("lon"), -180, 180)
    accuracy = _number(raw.get("accuracy_m"), 0, MAX_ACCURACY_M)
    at = _time(raw.get("fixed_at"))
    if lat is None or lon is None:
        return bad("fix_format", "give the fix as {lat, lon, accuracy_m, fixed_at}")
    if accuracy is None or accuracy <= 0:
        return bad(
            "fix_accuracy",
            f"the fix's accuracy must be a radius in metres, from 0 to {MAX_ACCURACY_M:g}",
            max=f"{MAX_ACCURACY_M:g}",
        )
    if at is None:
        return bad("fix_time", "the fix's time must be an ISO 8601 date and time with its zone")
    if at > now + CLOCK_SKEW:
        return bad("fix_future", "the fix's time is in the future")
    if at < now - MAX_FIX_AGE:
        return bad(
            "fix_old", f"the fix is older than {MAX_FIX_AGE.days} days", days=MAX_FIX_AGE.days
        )
    return Fix(lat, lon, accuracy, at), []


def placement(
    data: dict[str, Any], now: dt.datetime | None = None
) -> tuple[Placement | None, list[RowError]]:
    """How the point in ``data`` was placed, checked; ``None`` when ``data`` does not say.

    ``data`` has ``placed`` (one of :data:`METHODS`), ``fix`` with ``gps``, and the
    point (``lat``, ``lon``). Its ``location_precision``, when given, may say less
    than the placement earns; "surveyed" without a good fix is an error (whatever
    else the work says of a survey).
    """
    method = data.get("placed")
    if method is None:
        return None, []
    if method not in METHODS:
        reason = f"unknown value {str(method)[:20]!r}; expected one of {', '.join(METHODS)}"
        return None, [row_error(0, "placed", "unknown_value", reason, value=str(method)[:20])]
    now = now or dt.datetime.now(dt.UTC)
    fix: Fix | None = None
    nudge: float | None = None
    earned = provenance.precision_for(str(method))
    if method == "gps":
        fix, errors = check_fix(data.get("fix"), now)
        if fix is None:
            return None, errors
        earned = provenance.precision_for("gps", fix.accuracy_m)
        lat = _number(data.get("lat"), -90, 90)
        lon = _number(data.get("lon"), -180, 180)
        nudge = (
            distance_m(fix.lon, fix.lat, lon, lat) if lat is not None and lon is not None else None
        )
        if earned == "surveyed" and (nudge is None or nudge > MAX_NUDGE_M):
            earned = "approximate"  # moved by hand farther than a nudge
    asked = data.get("location_precision") or earned
    if asked not in ("surveyed", "approximate", "estimated"):
        return None, [
            row_error(
                0, "location_precision", "unknown_value", "unknown precision", value=str(asked)[:20]
            )
        ]
    if asked == "surveyed" and earned != "surveyed":
        reason = (
            f"a point is surveyed only from a position fix of at most "
            f"{SURVEYED_MAX_ACCURACY_M:g} m placed within {MAX_NUDGE_M:g} m of it"
        )
        return None, [
            row_error(
                0,
                "location_precision",
                "surveyed_needs_fix",
                reason,
                accuracy=f"{SURVEYED_MAX_ACCURACY_M:g}",
                nudge=f"{MAX_NUDGE_M:g}",
            )
        ]
    return Placement(method, fix, str(asked), nudge), []
