"""Reports from walkers and their review by curators. No Flask here.

A walker needs no account to say that a published work is gone, damaged, moved or
wrongly described, or to suggest a work at a place, with an optional photo and an
optional contact address. Everything a walker sends is hostile until checked: the
texts are length-limited (and escaped wherever shown), the photo is checked and
stripped like a curator's (:mod:`mapapp.photos`), reports on drafts or unknown works
are refused, and nothing is public until a curator accepts it: a suggestion becomes
a *draft* work, a problem a change of the work, both through :mod:`mapapp.editing`
(the one write path, with its version check). A rejection keeps the reason and
removes the photo. A reporter who left an address is told the outcome: the message
is recorded in ``notifications`` and sent by SMTP when a server is configured, or
kept there (the outbox) and logged when not.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
import smtplib
from dataclasses import dataclass
from email.message import EmailMessage
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator
from pydantic_core import PydanticCustomError

from . import editing, photos
from .credits import check_credits
from .numbers import NumberError, parse_float
from .records import RowError, row_error, validate_model
from .store import NotFound, ReportClosed, Store

log = logging.getLogger(__name__)

PROBLEMS = ("gone", "damaged", "moved", "wrong_info")
REPORT_KINDS = ("problem", "suggestion")
STATUSES = ("new", "accepted", "rejected")
#: An address that looks like one (the only check possible without sending mail).
EMAIL_RE = re.compile(r"^[^@\s<>\"',;]{1,64}@[^@\s<>\"',;]+\.[^@\s<>\"',;]{2,}$")


def _coordinate(v: Any) -> Any:
    if v is None or (isinstance(v, str) and not v.strip()):
        return None
    try:
        return parse_float(v.strip() if isinstance(v, str) else v, -180, 180)
    except NumberError:
        raise PydanticCustomError("not_number", "not a number") from None


class WalkerReport(BaseModel):
    """What a walker may send: one rule set for both kinds of report."""

    model_config = ConfigDict(str_strip_whitespace=True, extra="ignore")

    kind: Literal[REPORT_KINDS]  # type: ignore[valid-type]
    problem: Literal[("", *PROBLEMS)] = ""  # type: ignore[valid-type]
    title: str = Field(default="", max_length=200)
    message: str = Field(default="", max_length=2000)
    contact: str = Field(default="", max_length=254)
    lat: float | None = Field(default=None, ge=-90, le=90)
    lon: float | None = Field(default=None, ge=-180, le=180)

    _coordinates = field_validator("lat", "lon", mode="before")(_coordinate)

    @field_validator("problem", "title", "message", "contact", mode="before")
    @classmethod
    def _none_is_empty(cls, v: Any) -> Any:
        return "" if v is None else v

    @field_validator("contact")
    @classmethod
    def _contact(cls, v: str) -> str:
        if v and not EMAIL_RE.match(v):
            raise PydanticCustomError("email_format", "give an e-mail address, or leave it empty")
        return v

    @model_validator(mode="after")
    def _complete(self) -> WalkerReport:
        if self.kind == "problem" and not self.problem:
            raise PydanticCustomError("report_problem", "say what is wrong")
        if self.kind == "suggestion" and (self.lat is None or self.lon is None):
            raise PydanticCustomError("report_place", "say where the work is")
        if self.kind == "suggestion" and not self.message:
            raise PydanticCustomError("report_message", "say what the work is")
        if self.problem in ("moved", "wrong_info") and not self.message:
            raise PydanticCustomError("report_message", "say what is wrong")
        return self


#: Which field a rule of the whole report belongs to, for the form's messages.
_RULE_FIELDS = {"report_problem": "problem", "report_place": "lat", "report_message": "message"}


def check_report(data: dict[str, Any]) -> tuple[WalkerReport | None, list[RowError]]:
    """Validate a walker's report; errors name the form's fields."""
    rec, errors = validate_model(WalkerReport, data)
    return rec, [
        row_error(0, _RULE_FIELDS[e.code], e.code, e.reason) if e.code in _RULE_FIELDS else e
        for e in errors
    ]


class ReportInvalid(Exception):
    """The report broke the rules; nothing was stored."""

    def __init__(self, errors: list[RowError]):
        super().__init__("; ".join(f"{e.field}: {e.reason}" for e in errors))
        self.errors = errors


def submit(
    store: Store,
    media_dir: Path,
    data: dict[str, Any],
    photo: photos.CheckedPhoto | None = None,
    work_id: int | None = None,
    lang: str = "en",
    errors: list[RowError] | None = None,
) -> dict[str, Any]:
    """Store a walker's report (a problem with published work ``work_id``, or a
    suggestion); raises :class:`~mapapp.store.NotFound` for a draft or unknown work,
    :class:`ReportInvalid` for broken rules (nothing stored, no photo kept)."""
    if work_id is not None and store.installation(work_id) is None:
        raise NotFound(work_id)
    data = {**data, "kind": "problem" if work_id is not None else "suggestion"}
    rec, found = check_report(data)
    found = [*(errors or []), *found]
    if rec is None or found:
        raise ReportInvalid(found)
    fields = {**rec.model_dump(), "installation_id": work_id, "lang": lang}
    name = photos.save_photo(photo, media_dir) if photo is not None else ""
    try:
        return store.add_report({**fields, "photo": name})
    except BaseException:
        if name:
            photos.delete_photo(name, media_dir)
        raise


# review ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Mailer:
    """Where outcome messages go: an SMTP server, or (``host`` empty) the outbox."""

    host: str = ""
    port: int = 587
    username: str = ""
    password: str = ""
    sender: str = ""

    @property
    def transport(self) -> str:
        return "smtp" if self.host else "outbox"

    def send(self, to: str, subject: str, body: str) -> None:
        message = EmailMessage()
        message["From"] = self.sender or f"terrenkur@{self.host}"
        message["To"] = to
        message["Subject"] = subject
        message.set_content(body)
        with smtplib.SMTP(self.host, self.port, timeout=20) as smtp:
            if self.port != 25:
                smtp.starttls()
            if self.username:
                smtp.login(self.username, self.password)
            smtp.send_message(message)


def notify(
    store: Store, report: dict[str, Any], subject: str, body: str, mailer: Mailer
) -> dict[str, Any] | None:
    """Tell the reporter the outcome, if they left an address: recorded, then sent
    (SMTP) or kept in the outbox and logged. A failed sending is recorded, not raised."""
    if not report.get("contact"):
        return None
    note = store.add_notification(
        {
            "report_id": report["id"],
            "to_address": report["contact"],
            "subject": subject,
            "body": body,
            "transport": mailer.transport,
        }
    )
    if mailer.transport == "outbox":
        log.info("report %s: outcome kept in the outbox (no SMTP server set)", report["id"])
        return note
    try:
        mailer.send(report["contact"], subject, body)
    except (OSError, smtplib.SMTPException) as exc:
        log.warning("report %s: sending the outcome failed: %s", report["id"], exc)
        store.mark_notification(note["id"], "", str(exc)[:500])
    else:
        store.mark_notification(note["id"], _now(), "")
    return store.notifications(report["id"])[0]


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


def _open(store: Store, report_id: int) -> dict[str, Any]:
    """A report still waiting for review."""
    report = store.report(report_id)
    if report is None:
        raise NotFound(report_id)
    if report["status"] != "new":
        raise ReportClosed(report_id)
    return report


def accept(
    ws: editing.Workspace,
    report_id: int,
    data: dict[str, Any],
    version: int | None = None,
    photo_credits: dict[str, Any] | None = None,
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Accept a report; ``(report, work)``.

    A suggestion becomes a draft work of ``data`` (the curator's fields: the report
    gives a place and words, the curator the title, kind and a source); a problem
    changes the work by ``data`` at ``version`` (e.g. ``status: retired`` for a
    work that is gone). Both go through :mod:`mapapp.editing`. With
    ``photo_credits`` the report's photo joins the work's photos. Raises what
    editing raises, and :class:`~mapapp.store.ReportClosed` for a closed report.
    """
    report = _open(ws.store, report_id)
    credits = None
    if photo_credits is not None and report["photo"]:
        checked, errors = check_credits(photo_credits)
        if checked is None:
            raise editing.Invalid(
                [row_error(0, f"photo_{e.field}", e.code, e.reason) for e in errors]
            )
        credits = checked.model_dump()
    with ws.store.write():
        if report["kind"] == "suggestion":
            work = editing.create_work(ws, {**data, "status": "draft"})
        else:
            if version is None:
                raise editing.Invalid([row_error(0, "version", "version_missing", "no version")])
            work = editing.save_work(ws, report["installation_id"], data, version)
        if credits is not None:
            ws.store.add_work_photo(work["id"], report["photo"], credits, ws.username)
        closed = ws.store.review_report(
            report_id,
            "accepted",
            ws.username,
            outcome_work_id=work["id"],
            keep_photo=credits is not None,
        )
    if credits is None:  # a photo not taken into the work is not kept
        editing.forget_files(ws, [report["photo"]])
    return closed, work


def reject(ws: editing.Workspace, report_id: int, reason: str) -> dict[str, Any]:
    """Reject a report with a reason (required); its photo is removed."""
    reason = reason.strip()[:1000]
    if not reason:
        raise editing.Invalid([row_error(0, "reason", "required", "give a reason")])
    report = _open(ws.store, report_id)
    closed = ws.store.review_report(report_id, "rejected", ws.username, reason, keep_photo=False)
    editing.forget_files(ws, [report["photo"]])
    return closed
