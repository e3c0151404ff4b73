"""The curators' review queue of walkers' reports, and the completeness view.

A report is accepted (a suggestion becomes a draft work, a problem a change of its
work, both through :mod:`mapapp.editing`) or rejected with a reason; a reporter who
left an address is told the outcome in the language they wrote in (sent by SMTP
when ``MAPAPP_SMTP_HOST`` is set, else kept in the outbox and logged). The
completeness view lists the works missing a photo, a translation, an artist or a
surveyed position, in walking order, each one click from its edit form.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_login import current_user

from .. import completeness, editing, reports
from ..catalog import place_stops
from ..credits import CREDIT_FIELDS
from ..numbers import int_or_none
from ..records import KINDS, STATUSES
from ..store import NotFound, ReportClosed, StaleEdit
from ..web.auth import role_required
from ..web.db import get_store
from ..web.labels import field_errors, kind_labels, precision_labels
from ..web.walk import current_walk, workspace
from .reports import problem_labels

bp = Blueprint("curator_review", __name__)

#: The fields of a work the accept form can set.
WORK_FIELDS = (
    "title",
    "kind",
    "description",
    "lat",
    "lon",
    "location_precision",
    "source_url",
    "how_we_know",
    "status",
)


def mailer() -> reports.Mailer:
    config = current_app.config
    return reports.Mailer(
        host=str(config["SMTP_HOST"] or ""),
        port=int(config["SMTP_PORT"]),
        username=str(config["SMTP_USER"] or ""),
        password=str(config["SMTP_PASSWORD"] or ""),
        sender=str(config["SMTP_FROM"] or ""),
    )


def _report_or_404(report_id: int) -> dict[str, Any]:
    report = get_store().report(report_id)
    if report is None:
        abort(404, description=_("There is no such report."))
    return report


@bp.get("/curator/reports")
@role_required("curator")
def queue():
    store = get_store()
    status = request.args.get("status", "new")
    status = status if status in reports.STATUSES else "new"
    rows = store.reports(status)
    works = {r["id"]: r for r in store.installations(statuses=STATUSES)}
    return render_template(
        "curator/reports.html",
        rows=rows,
        works=works,
        status=status,
        problems=problem_labels(),
        counts={s: store.count_reports(s) for s in reports.STATUSES},
    )


def _proposal(report: dict[str, Any], work: dict[str, Any] | None) -> dict[str, Any]:
    """The accept form's starting values: the work as it is, or the walker's words."""
    if work is not None:
        return {k: work.get(k) for k in WORK_FIELDS} | {"version": work["version"]}
    return {
        "title": report["title"],
        "kind": "sculpture",
        "description": report["message"],
        "lat": report["lat"],
        "lon": report["lon"],
        "location_precision": "estimated",
        "source_url": "",
        "how_we_know": "",
        "status": "draft",
    }


def _page(report: dict[str, Any], values: dict[str, Any], errors: dict[str, str], status=200):
    store = get_store()
    work = None
    if report["installation_id"]:
        work = store.installation(report["installation_id"], published_only=False)
    return (
        render_template(
            "curator/report.html",
            report=report,
            work=work,
            values=values,
            errors=errors,
            problems=problem_labels(),
            kinds=kind_labels(),
            precisions=precision_labels(),
            notes=store.notifications(report["id"]),
            today=dt.date.today().isoformat(),
        ),
        status,
    )


@bp.get("/curator/reports/<int:report_id>")
@role_required("curator")
def review(report_id: int):
    report = _report_or_404(report_id)
    work = None
    if report["installation_id"]:
        work = get_store().installation(report["installation_id"], published_only=False)
    return _page(report, _proposal(report, work), {})


def _tell(report: dict[str, Any], accepted: bool, reason: str = "") -> None:
    """Tell the reporter the outcome in the language of their report."""
    with force_locale(report["lang"] or "en"):
        subject = _("Your report to Cultural Terrenkur")
        if accepted:
            body = _("Thank you: a curator accepted your report and changed the map.")
        else:
            body = _(
                "Thank you for your report. A curator did not take it up: %(reason)s", reason=reason
            )
    reports.notify(get_store(), report, subject, body, mailer())


@bp.post("/curator/reports/<int:report_id>/accept")
@role_required("curator")
def accept(report_id: int):
    report = _report_or_404(report_id)
    data = {k: request.form.get(k, "") for k in WORK_FIELDS if k in request.form}
    if request.form.get("surveyed_on"):  # "surveyed on site by me on <date>"
        data["surveyed_on"] = request.form["surveyed_on"]
        data["surveyed_by"] = current_user.username
    if report["kind"] == "suggestion":
        data.pop("status", None)
    credits = None
    if request.form.get("take_photo"):
        credits = {k: request.form.get(f"photo_{k}") for k in CREDIT_FIELDS}
    version = int_or_none(request.form.get("version"), 1)
    try:
        closed, work = reports.accept(workspace(), report_id, data, version, credits)
    except editing.Invalid as exc:
        values = {**data, **request.form.to_dict()}
        return _page(report, values, field_errors(exc.errors), 400)
    except StaleEdit as exc:
        message = _(
            "Someone else saved this work (now version %(v)s) after you opened the report. "
            "Nothing was overwritten: check their version and accept again.",
            v=exc.current["version"],
        )
        values = {**request.form.to_dict(), "version": exc.current["version"]}
        return _page(report, values, {"version": message}, 409)
    except ReportClosed:
        flash(_("This report was reviewed already."), "error")
        return redirect(url_for("curator_review.review", report_id=report_id)), 303
    except NotFound:
        abort(404, description=_("The work of this report no longer exists."))
    _tell(closed, accepted=True)
    flash(_("Accepted; “%(title)s” (version %(v)s).", title=work["title"], v=work["version"]))
    return redirect(url_for("curator.edit", id=work["id"])), 303


@bp.post("/curator/reports/<int:report_id>/reject")
@role_required("curator")
def reject(report_id: int):
    report = _report_or_404(report_id)
    reason = request.form.get("reason", "")
    try:
        closed = reports.reject(workspace(), report_id, reason)
    except editing.Invalid as exc:
        return _page(report, _proposal(report, None), field_errors(exc.errors), 400)
    except ReportClosed:
        flash(_("This report was reviewed already."), "error")
        return redirect(url_for("curator_review.review", report_id=report_id)), 303
    _tell(closed, accepted=False, reason=closed["reason"])
    flash(_("Rejected."))
    return redirect(url_for("curator_review.queue")), 303


@bp.get("/curator/completeness")
@role_required("curator")
def completeness_view():
    rows = get_store().installations(statuses=("draft", "published"))
    placed = place_stops(current_walk().route, rows)
    return render_template(
        "curator/completeness.html",
        rows=completeness.incomplete(placed),
        total=len(placed),
        gap_labels={
            "photo": _("no photo"),
            "translation": _("a translation is missing"),
            "artist": _("no artist"),
            "surveyed": _("position not surveyed"),
        },
        kinds=kind_labels(),
        KINDS=KINDS,
    )
