"""The planner's parameters: read from a query string, checked, and written back.

One parser for the page, its images, the printable report and the APIs, so that a
shared URL means the same everywhere. Multi-valued filters (``kind``, ``festival``,
``status``) may be repeated or comma-separated. Messages are in the request's
language and name the field as the caller labels it (form labels on pages,
parameter names in the API).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from flask import current_app, has_app_context
from flask_babel import gettext as _
from werkzeug.datastructures import MultiDict

from .. import coverage, lifecycle, scenarios, selection
from ..numbers import NumberError, parse_float, parse_int
from ..records import ART_KINDS, KINDS
from ..web.walk import current_walk

#: A raw value longer than this is cut short when quoted back in a message.
ECHO_MAX = 40
#: Statuses the planner can count; drafts only for signed-in curators.
PLANNER_STATUSES = ("published", "draft")
#: Longest "keep clear of" list, in stretches.
MAX_AVOID = 20
#: ``on=``: a year, a month or a day.
_ON = re.compile(r"^[0-9]{4}(?:-[0-9]{2}(?:-[0-9]{2})?)?$")
_RANGE = re.compile(r"^\s*([0-9.]+)\s*[-–]\s*([0-9.]+)\s*$")


@dataclass(frozen=True)
class CoverageParams:
    """What a coverage report is asked for: its measures, the works counted, constraints."""

    radius: float = coverage.DEFAULT_RADIUS_M
    gap: float = coverage.DEFAULT_GAP_M
    segment: float = coverage.DEFAULT_SEGMENT_M
    k: int = coverage.DEFAULT_SUGGESTIONS
    kinds: tuple[str, ...] = ART_KINDS
    festivals: tuple[str, ...] = ()
    statuses: tuple[str, ...] = ("published",)
    corridor: float | None = None  # None: selection.corridor_for(radius)
    avoid: tuple[tuple[float, float], ...] = ()  # chainage in metres
    access: float | None = None
    spacing: float | None = None
    route_error: float | None = None  # None: the route's own
    on: str = ""  # a day or month (ISO 8601): count only the works standing then
    max_offset: float = selection.DEFAULT_CORRIDOR_M  # MAX_OFFSET_M: the default corridor

    @property
    def selection(self) -> selection.Selection:
        return selection.Selection(self.kinds, self.festivals)

    @property
    def corridor_m(self) -> float:
        return selection.corridor_for(self.radius, self.corridor, self.max_offset)

    @property
    def with_drafts(self) -> bool:
        return "draft" in self.statuses

    def query(self) -> dict[str, Any]:
        """Query-string arguments that ask for this report again (lists repeat)."""
        args: dict[str, Any] = {
            "radius": f"{self.radius:g}",
            "gap": f"{self.gap:g}",
            "segment": f"{self.segment:g}",
            "k": str(self.k),
        }
        if self.kinds != ART_KINDS:
            args["kind"] = list(self.kinds)
        if self.festivals:
            args["festival"] = list(self.festivals)
        if self.statuses != ("published",):
            args["status"] = list(self.statuses)
        for name in ("corridor", "access", "spacing", "route_error"):
            value = getattr(self, name)
            if value is not None:
                args[name] = f"{value:g}"
        if self.on:
            args["on"] = self.on
        if self.avoid:
            args["avoid"] = format_avoid(self.avoid)
        return args

    def to_json(self) -> dict[str, Any]:
        """The parameters as the API states them back."""
        return {
            "radius": self.radius,
            "gap": self.gap,
            "segment": self.segment,
            "k": self.k,
            "kind": list(self.kinds),
            "festival": list(self.festivals),
            "status": list(self.statuses),
            "corridor": self.corridor_m,
            "avoid_km": [[round(a / 1000, 3), round(b / 1000, 3)] for a, b in self.avoid],
            "access": self.access,
            "spacing": self.spacing,
            "route_error": self.route_error,
            **({"on": self.on} if self.on else {}),
        }


@dataclass(frozen=True)
class ScenarioParams:
    """A scenario asked for in the URL: a name, proposed sites, and a saved one's id."""

    name: str = ""
    sites: tuple[tuple[float, float], ...] = ()  # (lon, lat)
    saved: int | None = None
    problems: tuple[scenarios.SiteProblem, ...] = field(default=(), compare=False)

    def query(self) -> dict[str, Any]:
        args: dict[str, Any] = {}
        if self.name:
            args["name"] = self.name
        if self.sites:
            args["sites"] = scenarios.format_sites(self.sites)
        if self.saved is not None:
            args["scenario"] = str(self.saved)
        return args


def format_avoid(avoid: tuple[tuple[float, float], ...]) -> str:
    """Stretches as the form writes them: ``1.2-1.8; 3-3.4`` (km)."""
    return "; ".join(f"{a / 1000:g}-{b / 1000:g}" for a, b in avoid)


def _echo(raw: str) -> str:
    return raw if len(raw) <= ECHO_MAX else raw[: ECHO_MAX - 1] + "…"


FIELDS = (
    "radius",
    "gap",
    "segment",
    "k",
    "kind",
    "festival",
    "status",
    "corridor",
    "avoid",
    "access",
    "spacing",
    "route_error",
    "on",
    "name",
    "sites",
    "scenario",
)


def _multi(args: Mapping[str, str], name: str) -> list[str]:
    if isinstance(args, MultiDict):
        return selection.split_values(args.getlist(name))
    raw = args.get(name)
    return selection.split_values([raw]) if raw else []


def parse_params(
    args: Mapping[str, str],
    labels: Mapping[str, str] | None = None,
    *,
    drafts_allowed: bool = False,
    known_festivals: tuple[str, ...] | None = None,
) -> tuple[CoverageParams, ScenarioParams, dict[str, str]]:
    """Read and check the planner's parameters; return them and a message per bad field.

    Missing or empty fields take their defaults. ``labels`` names the fields in the
    messages (the page uses its form labels, the API the parameter names). Drafts
    may be counted only when ``drafts_allowed`` (a signed-in curator).
    ``known_festivals`` are the festival filter's values (default: the current
    walk's festival names and keys, edition keys, and "-").
    """
    names = {f: f for f in FIELDS}
    names.update(labels or {})
    errors: dict[str, str] = {}
    values: dict[str, Any] = {}

    def number(field: str, low: float, high: float, low_open: bool) -> None:
        raw = (args.get(field) or "").strip()
        if not raw:
            return
        problem = None
        try:
            value = parse_float(raw, -1e12, 1e12)
        except NumberError as exc:
            value, problem = float("inf"), exc.code  # out of range: said below
        if problem == "not_number":
            errors[field] = _(
                "%(field)s must be a number of metres, got “%(raw)s”.",
                field=names[field],
                raw=_echo(raw),
            )
            return
        ok = value > low if low_open else value >= low
        if not ok or value > high:
            if low_open:
                message = _(
                    "%(field)s must be more than %(low)s and at most %(high)s metres.",
                    field=names[field],
                    low=f"{low:g}",
                    high=f"{high:g}",
                )
            else:
                message = _(
                    "%(field)s must be from %(low)s to %(high)s metres.",
                    field=names[field],
                    low=f"{low:g}",
                    high=f"{high:g}",
                )
            errors[field] = message
            return
        values[field] = value

    def one_of(field: str, allowed: tuple[str, ...]) -> None:
        errors[field] = _(
            "%(field)s must be one of: %(allowed)s.",
            field=names[field],
            allowed=", ".join(allowed),
        )

    number("radius", 0.0, coverage.MAX_RADIUS_M, low_open=True)
    number("gap", 0.0, coverage.MAX_GAP_M, low_open=True)
    number("segment", coverage.MIN_SEGMENT_M, coverage.MAX_SEGMENT_M, low_open=False)
    number("corridor", 0.0, selection.MAX_CORRIDOR_M, low_open=True)
    number("access", 0.0, coverage.MAX_RADIUS_M, low_open=True)
    number("spacing", 0.0, coverage.MAX_GAP_M, low_open=True)
    number("route_error", 0.0, 2000.0, low_open=False)
    raw_k = (args.get("k") or "").strip()
    if raw_k:
        try:
            values["k"] = parse_int(raw_k, 0, coverage.MAX_SUGGESTIONS)
        except NumberError:
            errors["k"] = _(
                "%(field)s must be a whole number from 0 to %(high)s.",
                field=names["k"],
                high=coverage.MAX_SUGGESTIONS,
            )

    kinds, unknown = selection.expand_kinds(_multi(args, "kind"))
    if unknown:
        one_of("kind", (*KINDS, *selection.KIND_GROUPS))
    elif kinds:
        values["kinds"] = kinds

    festivals = _multi(args, "festival")
    if festivals:
        walk = current_walk()
        known = known_festivals or selection.festival_values(walk)
        if any(f not in known for f in festivals):
            one_of("festival", known)
        else:  # a festival by its key, however it was named
            keys = (walk.references.festival_key(f) or f for f in festivals)
            values["festivals"] = tuple(dict.fromkeys(keys))

    statuses = _multi(args, "status")
    if any(s not in PLANNER_STATUSES for s in statuses):
        one_of("status", PLANNER_STATUSES)
    elif "draft" in statuses and not drafts_allowed:
        errors["status"] = _("Drafts are counted only for signed-in curators.")
    elif statuses:
        values["statuses"] = tuple(s for s in PLANNER_STATUSES if s in statuses)

    raw_on = (args.get("on") or "").strip()
    if raw_on:
        if _ON.match(raw_on) and lifecycle.start_of({"start_date": raw_on}) is not None:
            values["on"] = raw_on
        else:
            errors["on"] = _(
                "%(field)s: give a day that exists, such as 2018-09-09, or a month, such as "
                "2018-09; got “%(raw)s”.",
                field=names["on"],
                raw=_echo(raw_on),
            )

    raw_avoid = (args.get("avoid") or "").strip()
    if raw_avoid:
        stretches = []
        for part in (p for p in re.split(r"[;,]", raw_avoid) if p.strip()):
            found = _RANGE.match(part)
            try:
                if not found:
                    raise NumberError("not_number", "a range")
                a, b = (parse_float(g, 0, 1000) for g in found.groups())
                if b <= a:
                    raise NumberError("range", "empty")
            except NumberError:
                errors["avoid"] = _(
                    "%(field)s: give stretches as km from–to, such as “1.2-1.8; 3-3.4”; "
                    "got “%(raw)s”.",
                    field=names["avoid"],
                    raw=_echo(part.strip()),
                )
                break
            stretches.append((a * 1000.0, b * 1000.0))
        if len(stretches) > MAX_AVOID:
            errors["avoid"] = _(
                "%(field)s: at most %(n)s stretches.", field=names["avoid"], n=MAX_AVOID
            )
        if "avoid" not in errors:
            values["avoid"] = tuple(stretches)

    name = " ".join((args.get("name") or "").split())
    if len(name) > scenarios.MAX_NAME_CHARS:
        errors["name"] = _(
            "%(field)s may be at most %(n)s characters.",
            field=names["name"],
            n=scenarios.MAX_NAME_CHARS,
        )
    sites, problems = scenarios.parse_sites(args.get("sites") or "")
    if problems:
        errors["sites"] = site_problem_text(problems[0], names["sites"])
    saved = None
    raw_saved = (args.get("scenario") or "").strip()
    if raw_saved:
        try:
            saved = parse_int(raw_saved, 1, 2**62)
        except NumberError:
            errors["scenario"] = _(
                "%(field)s must be the number of a saved scenario.", field=names["scenario"]
            )
    scenario = ScenarioParams(name=name[: scenarios.MAX_NAME_CHARS], sites=sites, saved=saved)
    if has_app_context():
        values["max_offset"] = float(
            current_app.config.get(
                "MAX_OFFSET_M", values.get("max_offset", selection.DEFAULT_CORRIDOR_M)
            )
        )
    return CoverageParams(**values), scenario, errors


def site_problem_text(problem: scenarios.SiteProblem, field: str) -> str:
    """A proposed site that cannot be read, said in the request's language."""
    if problem.code == "too_many":
        return _("%(field)s: at most %(n)s sites.", field=field, n=scenarios.MAX_SITES)
    if problem.code == "range":
        return _(
            "%(field)s, site %(n)s (“%(raw)s”): latitude must be from -90 to 90 and "
            "longitude from -180 to 180.",
            field=field,
            n=problem.number,
            raw=problem.text,
        )
    return _(
        "%(field)s, site %(n)s (“%(raw)s”): give latitude and longitude, such as "
        "“43.2380, 76.9210”.",
        field=field,
        n=problem.number,
        raw=problem.text,
    )


def field_labels() -> dict[str, str]:
    """The form's labels, which also name the fields in its messages."""
    return {
        "radius": _("Walking radius"),
        "gap": _("Shortest gap"),
        "segment": _("Segment length"),
        "k": _("Suggested sites"),
        "kind": _("Kind"),
        "festival": _("Festival"),
        "status": _("Status"),
        "corridor": _("Corridor"),
        "avoid": _("Keep clear of"),
        "access": _("Near an access point"),
        "spacing": _("Spacing between sites"),
        "route_error": _("Route position error"),
        "on": _("Standing on"),
        "name": _("Scenario name"),
        "sites": _("Proposed sites"),
        "scenario": _("Saved scenario"),
    }
