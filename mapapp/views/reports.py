"""Walkers' reports: "Something wrong?" on every published work, "Suggest a work here".

No account needed. Sending is rate-limited per address (``MAPAPP_REPORT_RATE_LIMIT``,
a clear 429 page beyond it), a honeypot field silently drops what bots fill in, the
request size is capped as for photos, and the photo is checked and stripped like a
curator's. Reports on drafts or unknown works are 404. Nothing sent is public until
a curator accepts it (:mod:`mapapp.views.curator_review`).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import Blueprint, abort, current_app, redirect, render_template, request, url_for
from flask_babel import gettext as _

from .. import photos, reports
from ..records import RowError, row_error
from ..store import NotFound
from ..web.auth import limiter
from ..web.db import get_store
from ..web.i18n import current_language
from ..web.labels import field_errors
from ..web.limits import upload_limit
from ..web.routing import PAGE
from ..web.walk import current_walk

bp = Blueprint("reports", __name__)

#: The fields a walker's form sends (besides the photo and the honeypot).
FIELDS = ("problem", "title", "message", "contact", "lat", "lon")
HONEYPOT = "website"


def problem_labels() -> dict[str, str]:
    return {
        "gone": _("It is gone"),
        "damaged": _("It is damaged"),
        "moved": _("It is somewhere else (moved, or the point is wrong)"),
        "wrong_info": _("Some information is wrong"),
    }


def _too_many() -> str:
    return _(
        "You have sent many reports in a short time, so this one was not accepted. "
        "Please wait an hour and try again; thank you for your help."
    )


def _limit() -> str:
    return str(current_app.config["REPORT_RATE_LIMIT"])


def _photo() -> tuple[photos.CheckedPhoto | None, list[RowError]]:
    upload = request.files.get("photo_file")
    if upload is None or not upload.filename:
        return None, []
    limit = current_app.config["PHOTO_MAX_BYTES"]
    try:
        return photos.check_photo(upload.read(limit + 1), limit), []
    except photos.PhotoError as exc:
        return None, [row_error(0, "photo_file", exc.code, str(exc), **exc.params)]


def _values() -> dict[str, Any]:
    return {k: request.form.get(k, "")[:5000] for k in FIELDS}  # longer: refused, not cut


def _receive(template: str, target: dict[str, Any] | None, **context: Any):
    """Check and store a report, or show the form again with its errors (400)."""
    values = _values()
    if request.form.get(HONEYPOT):  # a bot: say thanks, keep nothing
        return redirect(url_for("reports.thanks", lang=current_language()), 303)
    photo, errors = _photo()
    try:
        reports.submit(
            get_store(),
            Path(current_app.config["MEDIA_DIR"]),
            values,
            photo,
            target["id"] if target else None,
            current_language(),
            errors,
        )
    except reports.ReportInvalid as exc:
        page = render_template(template, values=values, errors=field_errors(exc.errors), **context)
        return page, 400
    except NotFound:
        abort(404, description=_("There is no published work at this address."))
    return redirect(url_for("reports.thanks", lang=current_language()), 303)


def _published(slug: str) -> dict[str, Any]:
    stop = next((s for s in current_walk().stops if s["slug"] == slug), None)
    if stop is None:
        abort(404, description=_("There is no published work at this address."))
    return stop


#: One limit for both forms: a flood of problems and suggestions counts together.
_reports_limit = limiter.shared_limit(
    _limit, scope="walker-reports", methods=["POST"], error_message=_too_many
)


@bp.route(f"{PAGE}/installations/<slug>/report", methods=["GET", "POST"])
@upload_limit("PHOTO_MAX_BYTES")
@_reports_limit
def problem(slug: str):
    work = _published(slug)
    context = {"work": work, "problems": problem_labels()}
    if request.method == "GET":
        values = dict.fromkeys(FIELDS, "")
        return render_template("reports/problem.html", values=values, errors={}, **context)
    return _receive("reports/problem.html", work, **context)


@bp.route(f"{PAGE}/suggest", methods=["GET", "POST"])
@upload_limit("PHOTO_MAX_BYTES")
@_reports_limit
def suggest():
    if request.method == "GET":
        values = dict.fromkeys(FIELDS, "")
        for k in ("lat", "lon"):
            values[k] = request.args.get(k, "")[:20]
        return render_template("reports/suggest.html", values=values, errors={})
    return _receive("reports/suggest.html", None)


@bp.get(f"{PAGE}/reports/thanks")
def thanks():
    return render_template("reports/thanks.html")
