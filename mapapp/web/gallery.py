"""A work's photos as the public and curators see them: licences, credit lines, the
small gallery's strings (the same markup is built by ``static/js/gallery.js`` in
popups and by the ``gallery`` macro of ``templates/_gallery.html`` on pages).
"""

from __future__ import annotations

from typing import Any

from flask import Flask
from flask_babel import gettext as _

from ..credits import LICENCE_SHORT, LICENCE_URLS, LICENCES
from ..records import localized


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


def gallery_photos(photos: list[dict[str, Any]], lang: str) -> list[dict[str, Any]]:
    """Photos for a gallery in ``lang``: name, caption (falling back), credit, licence link."""
    out = []
    for p in photos:
        caption, caption_lang = localized(p, "caption", lang)
        out.append(
            {
                "name": p["name"],
                "caption": caption,
                "caption_lang": caption_lang,
                "credit": photo_credit(p),
                "licence_url": LICENCE_URLS.get(p.get("licence") or "", ""),
            }
        )
    return out


def gallery_strings() -> dict[str, str]:
    """The gallery's words for the browser (``{n}``/``{total}`` filled in there)."""
    return {
        "photoN": _("Photo %(n)s of %(total)s", n="{n}", total="{total}"),
        "licence": _("licence"),
    }


def init_app(app: Flask) -> None:
    @app.context_processor
    def _gallery() -> dict[str, Any]:
        return {"licence_labels": licence_labels, "photo_credit": photo_credit}


__all__ = ["LICENCES", "gallery_photos", "gallery_strings", "licence_labels", "photo_credit"]
