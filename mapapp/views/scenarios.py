"""Saved planner scenarios, for signed-in curators: save, delete, turn sites into drafts.

Anyone can build a scenario on ``/planner`` and share it as a link; saving one and
making draft works of its sites needs a curator account. Every form is a POST with
a CSRF token (Flask-WTF checks it for the whole app); drafts are made through
:func:`mapapp.editing.create_work` and are never published by this.
"""

from __future__ import annotations

import datetime as dt
from typing import Any
from urllib.parse import parse_qsl

from flask import Blueprint, abort, flash, redirect, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user
from werkzeug.datastructures import MultiDict

from .. import editing, scenarios
from ..numbers import MAX_ID
from ..records import ART_KINDS
from ..store import NotFound
from ..web.auth import role_required
from ..web.db import get_store
from ..web.labels import error_text
from ..web.routing import PAGE
from ..web.walk import current_walk, workspace
from .planner import route_scenario
from .planner_params import parse_params

bp = Blueprint("scenarios", __name__)

#: Longest query string of report settings kept with a scenario.
MAX_SETTINGS_CHARS = 2000
#: A work's source_url is at most this long (records.Installation).
MAX_SOURCE_URL = 500


def _settings_from_form() -> dict[str, Any]:
    """The report settings the form carries (its ``query``), checked; bad ones are dropped."""
    raw = (request.form.get("query") or "")[:MAX_SETTINGS_CHARS]
    params, _scenario, errors = parse_params(MultiDict(parse_qsl(raw)), drafts_allowed=True)
    return {} if errors else params.query()


def _back(settings: dict[str, Any], **extra: Any) -> ResponseReturnValue:
    return redirect(url_for("planner.page", **settings, **extra), 303)


@bp.post(f"{PAGE}/planner/scenarios")
@role_required("curator")
def save() -> ResponseReturnValue:
    settings = _settings_from_form()
    name = " ".join((request.form.get("name") or "").split())
    sites, problems = scenarios.parse_sites(request.form.get("sites") or "")
    back = {"name": name[: scenarios.MAX_NAME_CHARS], "sites": scenarios.format_sites(sites)}
    if not name:
        flash(_("Give the scenario a name to save it."), "error")
        return _back(settings, **back)
    if len(name) > scenarios.MAX_NAME_CHARS:
        flash(
            _("A scenario name may be at most %(n)s characters.", n=scenarios.MAX_NAME_CHARS),
            "error",
        )
        return _back(settings, **back)
    if problems or not sites:
        flash(_("Add at least one proposed site that can be read to save the scenario."), "error")
        return _back(settings, **back)
    row = get_store().save_scenario(
        name,
        [[lon, lat] for lon, lat in sites],
        settings,
        current_user.username,
        current_walk().record["id"],
    )
    flash(_("Scenario “%(name)s” saved.", name=name), "status")
    return _back(settings, **back, scenario=row["id"])


def _scenario(scenario_id: int) -> dict[str, Any]:
    found = route_scenario(scenario_id) if scenario_id <= MAX_ID else None
    if found is None:  # none, or made on another route
        abort(404, description=_("There is no saved scenario %(id)s.", id=scenario_id))
    return found


@bp.post(f"{PAGE}/planner/scenarios/<int:scenario_id>/delete")
@role_required("curator")
def delete(scenario_id: int) -> ResponseReturnValue:
    found = _scenario(scenario_id)
    try:
        get_store().delete_scenario(scenario_id)
    except NotFound:
        abort(404)
    flash(_("Scenario “%(name)s” deleted; drafts made from it stay.", name=found["name"]), "status")
    return _back(found["settings"])


def _source_url(found: dict[str, Any], number: int) -> str:
    """The planner page showing the scenario a draft came from (at most 500 characters).

    Its sites are in the URL, so the link works for anyone; a long scenario's link
    carries only the draft's own site.
    """

    def link(sites: list[tuple[float, float]]) -> str:
        return url_for(
            "planner.page",
            _external=True,
            lang=None,
            **found["settings"],
            scenario=found["id"],
            sites=scenarios.format_sites(sites),
        )

    full = link(found["sites"])
    return full if len(full) <= MAX_SOURCE_URL else link([found["sites"][number - 1]])


@bp.post(f"{PAGE}/planner/scenarios/<int:scenario_id>/drafts")
@role_required("curator")
def make_drafts(scenario_id: int) -> ResponseReturnValue:
    """Draft works at the chosen sites of a saved scenario (all of them, or none)."""
    found = _scenario(scenario_id)
    settings = found["settings"]
    back = {"scenario": scenario_id}
    kind = request.form.get("kind") or ""
    if kind not in ART_KINDS:
        flash(_("Choose the kind of work the drafts are to be."), "error")
        return _back(settings, **back)
    chosen = []
    for raw in request.form.getlist("site"):
        if raw.isascii() and raw.isdigit() and 1 <= int(raw) <= len(found["sites"]):
            chosen.append(int(raw))
    chosen = [n for n in dict.fromkeys(chosen) if n not in found["drafts"]]
    if not chosen:
        flash(_("Tick the sites that are to become draft works."), "error")
        return _back(settings, **back)
    ws = workspace()
    day = dt.date.today().isoformat()
    planned = [
        (
            n,
            scenarios.draft_fields(
                scenario_id=scenario_id,
                scenario_name=found["name"],
                number=n,
                site=found["sites"][n - 1],
                kind=kind,
                source_url=_source_url(found, n),
                username=ws.username,
                day=day,
            ),
        )
        for n in chosen
    ]
    problems = []
    for n, fields in planned:
        _rec, errors = editing.check_installation(fields, ws.route, ws.max_offset_m)
        problems += [_("Site %(n)s: %(why)s", n=n, why=error_text(e)) for e in errors]
    if problems:
        flash(_("No draft was made. %(problems)s", problems=" ".join(problems)), "error")
        return _back(settings, **back)
    made: dict[int, int] = {}
    try:
        for n, fields in planned:
            made[n] = int(editing.create_work(ws, fields)["id"])
    except editing.Invalid as exc:
        reasons = " ".join(error_text(e) for e in exc.errors)
        flash(_("Some drafts could not be made: %(why)s", why=reasons), "error")
    finally:
        if made:
            get_store().record_scenario_drafts(scenario_id, made)
    if made:
        flash(
            ngettext(
                "%(num)s draft work made; curators can complete and publish it.",
                "%(num)s draft works made; curators can complete and publish them.",
                len(made),
            ),
            "status",
        )
    return _back(settings, **back)
