"""Who took a work's photo, under which licence, when, and what it shows.

The rules of a photo's credit line, stated once for the curator form, the write API
and the walkers' reports. No Flask, no SQL.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator
from pydantic_core import PydanticCustomError

from .records import RowError, date_value, validate_model

#: The licences a photo may carry (SPDX identifiers, and our own for a photo whose
#: author let us show it without an open licence).
LICENCES = ("CC-BY-4.0", "CC-BY-SA-4.0", "CC0-1.0", "all-rights-reserved-with-permission")
#: Where each open licence is explained (shown next to the credit).
LICENCE_URLS = {
    "CC-BY-4.0": "https://creativecommons.org/licenses/by/4.0/",
    "CC-BY-SA-4.0": "https://creativecommons.org/licenses/by-sa/4.0/",
    "CC0-1.0": "https://creativecommons.org/publicdomain/zero/1.0/",
}
#: Short names of the licences, the same in every language.
LICENCE_SHORT = {
    "CC-BY-4.0": "CC BY 4.0",
    "CC-BY-SA-4.0": "CC BY-SA 4.0",
    "CC0-1.0": "CC0 1.0",
}
CAPTIONS = ("caption", "caption_ru", "caption_kk")
#: The credit fields of a photo, in the order forms show them.
CREDIT_FIELDS = ("author", "licence", "taken_on", *CAPTIONS)
#: The most photos one work may have.
MAX_PHOTOS_PER_WORK = 24


class PhotoCredits(BaseModel):
    """A photo's author, licence, date taken and caption in up to three languages."""

    model_config = ConfigDict(str_strip_whitespace=True, extra="ignore")

    author: str = Field(min_length=1, max_length=200)
    licence: Literal[LICENCES]  # type: ignore[valid-type]
    taken_on: str = ""
    caption: str = Field(default="", max_length=500)
    caption_ru: str = Field(default="", max_length=500)
    caption_kk: str = Field(default="", max_length=500)

    @field_validator("taken_on", mode="before")
    @classmethod
    def _taken_on(cls, v: Any) -> Any:
        v = date_value(v)
        if v and v > dt.date.today().isoformat():
            raise PydanticCustomError("date_future", "the date is in the future")
        return v

    @field_validator("author", "caption", "caption_ru", "caption_kk", mode="before")
    @classmethod
    def _none_is_empty(cls, v: Any) -> Any:
        return "" if v is None else v


def check_credits(data: dict[str, Any]) -> tuple[PhotoCredits | None, list[RowError]]:
    """Validate a photo's credit fields; return them or their errors (field names as given)."""
    raw = {k: data.get(k) for k in CREDIT_FIELDS if data.get(k) is not None}
    return validate_model(PhotoCredits, raw)


def public_photo(row: dict[str, Any]) -> dict[str, Any]:
    """The fields of a stored photo that anyone may see (no curator, no upload key)."""
    return {
        "id": row["id"],
        "name": row["name"],
        "position": row["position"],
        **{k: row.get(k) or "" for k in CREDIT_FIELDS},
    }
