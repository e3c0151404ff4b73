"""A work's photos as curators' pages show them: licences and credit lines (the
public popup builds the same credit line in ``static/js/common.js``, ``gallery``).
"""

from __future__ import annotations

from typing import Any

from flask import Flask
from flask_babel import gettext as _

from ..credits import LICENCE_SHORT, LICENCE_URLS, LICENCES


def licence_labels() -> dict[str, str]:
    """Each licence a photo may carry, named for a chooser."""
    return {
        "CC-BY-4.0": _("CC BY 4.0 (credit the author)"),
        "CC-BY-SA-4.0": _("CC BY-SA 4.0 (credit the author, share alike)"),
        "CC0-1.0": _("CC0 1.0 (no rights reserved)"),
        "all-rights-reserved-with-permission": _("All rights reserved, shown with permission"),
    }


def licence_short(licence: str) -> str:
    """The licence as a credit line names it."""
    if licence == "all-rights-reserved-with-permission":
        return _("all rights reserved, shown with permission")
    return LICENCE_SHORT.get(licence, "")


def photo_credit(photo: dict[str, Any]) -> str:
    """``Photo: Aigerim S., 2026-05-01, CC BY 4.0`` (or that it was not recorded)."""
    parts = [p for p in (photo.get("author"), photo.get("taken_on")) if p]
    licence = licence_short(photo.get("licence") or "")
    if licence:
        parts.append(licence)
    if not parts:
        return _("Photo credit not recorded")
    return _("Photo: %(credit)s", credit=", ".join(parts))


def init_app(app: Flask) -> None:
    @app.context_processor
    def _gallery() -> dict[str, Any]:
        return {"licence_labels": licence_labels, "photo_credit": photo_credit}


__all__ = ["LICENCES", "LICENCE_URLS", "licence_labels", "licence_short", "photo_credit"]
