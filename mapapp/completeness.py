"""What a work still lacks before it is worth the walk: a photo, a translation, an
artist, a surveyed position. Pure: the curators' completeness view lists the gaps
of every work in walking order (:mod:`mapapp.views.curator_review`).
"""

from __future__ import annotations

from typing import Any

#: The gaps, in the order the view shows them.
GAPS = ("photo", "translation", "artist", "surveyed")
#: Kinds that are context, not art: an artist is not expected of them.
_NO_ARTIST = ("venue", "park", "landmark")


def gaps(row: dict[str, Any]) -> list[str]:
    """The gaps of one work (see :data:`GAPS`)."""
    found = []
    if not row.get("photo"):
        found.append("photo")
    for lang in ("ru", "kk"):
        texts = [("title", row.get("title")), ("description", row.get("description"))]
        if any(text and not row.get(f"{field}_{lang}") for field, text in texts):
            found.append("translation")
            break
    if row.get("kind") not in _NO_ARTIST and not (row.get("artist") or row.get("artists")):
        found.append("artist")
    if row.get("location_precision") != "surveyed":
        found.append("surveyed")
    return found


def incomplete(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The rows with any gap, each with its ``gaps``, in the order given."""
    return [{**r, "gaps": g} for r in rows if (g := gaps(r))]
