"""What an installation record is, and how rows from files are checked.

One pydantic model states every rule (required fields, known kinds, plausible
years, URLs, coordinates), so the seed loader, the importer and the forms give the
same clear messages. Readers return the good records and a per-row error report;
callers decide to apply all or nothing.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import math
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, ClassVar, Literal, TypeVar
from zoneinfo import ZoneInfo

from babel import Locale, UnknownLocaleError
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from .inputs import CSV_FIELD_LIMIT, InputError, csv_records, load_json
from .numbers import MAX_ID, NumberError, parse_float, parse_int
from .provenance import HOW_WE_KNOW, METHODS, has_source, precision_problem

KINDS = (
    "sculpture",
    "mural",
    "installation",
    "pavilion",
    "event",
    "venue",
    "park",
    "landmark",
)
#: Art is what the planner's coverage counts by default; context (venues, parks,
#: landmarks) helps a walker find their way and is counted only when asked for.
ART_KINDS = ("sculpture", "mural", "installation", "pavilion", "event")
CONTEXT_KINDS = ("venue", "park", "landmark")
assert sorted((*ART_KINDS, *CONTEXT_KINDS)) == sorted(KINDS), "every kind is art or context"
#: The two festival names of the schema before festivals became records; files
#: written then still carry them, and the migration turned them into records.
FESTIVALS = ("PARK FEST", "ARTBAT FEST")
PRECISIONS = ("surveyed", "approximate", "estimated")
STATUSES = ("draft", "published", "retired")

#: Interface languages; an installation's own texts are kept in the first (``en``)
#: and may be translated into the others.
LANGUAGES = ("en", "ru", "kk")
TRANSLATED_FIELDS = ("title", "description", "address")
TRANSLATION_COLUMNS = tuple(f"{f}_{lang}" for f in TRANSLATED_FIELDS for lang in LANGUAGES[1:])
#: Every text of a work written in a language: its base field holds the English (or
#: the original) text, ``<field>_<lang>`` its translations (``title_ru``, ``title_ka``).
WORK_TEXTS = (*TRANSLATED_FIELDS, "how_we_know")
#: The content languages that every text has a key for in rows, forms and CSV files
#: (empty when not written); texts in further languages appear only where written.
FIXED_CONTENT_LANGUAGES = LANGUAGES[1:]
_LANGUAGE_CODE_RE = re.compile(r"^[a-z]{2,3}$")
#: How far a language's texts of a record can be trusted: written in it (``original``),
#: translated by the project and not yet checked (``translated``), or checked by a
#: native speaker (``reviewed``). Empty when the record has no text in that language.
TEXT_STATUSES = ("original", "translated", "reviewed")
TEXT_STATUS_COLUMNS = tuple(f"text_status_{lang}" for lang in LANGUAGES)
#: Artists of a work are the keys of artist records, separated by this.
KEY_SEPARATOR = ";"

#: Columns of ``data/installations.csv``, in order. Columns added later come last,
#: so files written by position for an older version still line up.
COLUMNS = (
    "id",
    "slug",
    "title",
    "kind",
    "festival",
    "year",
    "artist",
    "description",
    "address",
    "lat",
    "lon",
    "location_precision",
    "source_url",
    "source_note",
    "status",
    "photo",
    *TRANSLATION_COLUMNS,
    "edition",
    "artists",
    "start_date",
    "end_date",
    *TEXT_STATUS_COLUMNS,
    # provenance (see mapapp.provenance)
    *HOW_WE_KNOW,
    "surveyed_by",
    "surveyed_on",
    "position_method",
    "position_accuracy_m",
    "position_fixed_at",
    # the routes a work is placed on by hand, besides those whose corridor it is in
    "routes",
)
REQUIRED_COLUMNS = ("slug", "title", "kind", "lat", "lon", "location_precision", "source_url")

SLUG_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
URL_RE = re.compile(r"^https?://[^\s<>\"']+\.[^\s<>\"']+$")
PHOTO_RE = re.compile(r"^[A-Za-z0-9_-]+\.(?:jpg|png|webp)$")
#: A date, or only its year and month, or only its year (ISO 8601).
DATE_RE = re.compile(r"^[0-9]{4}(?:-(?:0[1-9]|1[0-2])(?:-(?:0[1-9]|[12][0-9]|3[01]))?)?$")


def _slug_value(v: str) -> str:
    if not SLUG_RE.match(v):
        raise PydanticCustomError(
            "slug_format", "use lowercase letters, digits and single hyphens, e.g. red-men"
        )
    return v


def _year_value(v: Any) -> Any:
    if v is None or (isinstance(v, str) and not v.strip()):
        return None
    if isinstance(v, str):
        v = v.strip()
        if not re.fullmatch(r"[0-9]{4}", v):
            raise PydanticCustomError("year_format", "give a four-digit year, e.g. 2018")
        v = int(v)
    if isinstance(v, float) and v.is_integer():
        v = int(v)
    if not isinstance(v, int) or isinstance(v, bool):
        raise PydanticCustomError("year_format", "give a four-digit year, e.g. 2018")
    high = dt.date.today().year + 2
    if not 1850 <= v <= high:
        raise PydanticCustomError(
            "year_range",
            "year {year} is not plausible ({low} to {high})",
            {"year": v, "low": 1850, "high": high},
        )
    return v


def _date_value(v: Any) -> Any:
    if v is None:
        return ""
    if isinstance(v, dt.date):
        return v.isoformat()
    v = str(v).strip()
    if not v:
        return v
    ok = bool(DATE_RE.match(v))
    if ok and len(v) == 10:
        try:
            dt.date.fromisoformat(v)
        except ValueError:
            ok = False
    if not ok:
        raise PydanticCustomError(
            "date_format", "give a date as 2018-08-24, or only 2018-08 or 2018"
        )
    return v


def _url_value(v: str) -> str:
    if not URL_RE.match(v):
        raise PydanticCustomError(
            "url_format", "give a web address starting with https:// or http://"
        )
    return v


def _keys_value(v: Any) -> Any:
    """Keys given as a list or as text separated by ``;`` (or commas), in order, once each."""
    if v is None:
        return ""
    parts = [str(p) for p in v] if isinstance(v, list | tuple) else re.split(r"[;,]", str(v))
    keys: list[str] = []
    for part in (p.strip() for p in parts):
        if not part:
            continue
        if not SLUG_RE.match(part):
            raise PydanticCustomError(
                "keys_format",
                "give artist keys separated by semicolons, e.g. pavel-shorokhov;ruslan-akanayev",
            )
        if part not in keys:
            keys.append(part)
    return KEY_SEPARATOR.join(keys)


def translation_key(key: str, fields: Iterable[str]) -> tuple[str, str] | None:
    """``(field, lang)`` when ``key`` names a translation of one of ``fields``
    (``title_ru`` is ``("title", "ru")``), else ``None``. The base language is no
    translation: its text is the field itself."""
    field, sep, lang = key.rpartition("_")
    if not sep or lang == LANGUAGES[0] or not _LANGUAGE_CODE_RE.match(lang):
        return None
    return (field, lang) if field in fields else None


def split_keys(value: str | None) -> list[str]:
    """The keys in a ``;``-separated field (a work's ``artists``)."""
    return [k for k in (value or "").split(KEY_SEPARATOR) if k]


def _set_text_statuses(model: BaseModel, fields: tuple[str, ...]) -> None:
    """A language with text and no status gets the default; one with no text, none.

    The base language's texts are the project's own writing (``original``); texts in
    the other languages are taken as ``translated`` until someone says otherwise.
    """
    for lang in LANGUAGES:
        suffix = "" if lang == LANGUAGES[0] else f"_{lang}"
        has_text = any(getattr(model, f"{f}{suffix}", "") for f in fields)
        column = f"text_status_{lang}"
        if not has_text:
            object.__setattr__(model, column, "")
        elif not getattr(model, column):
            object.__setattr__(model, column, "original" if lang == LANGUAGES[0] else "translated")


TextStatus = Literal[("", *TEXT_STATUSES)]  # type: ignore[valid-type]


#: An OpenStreetMap element, e.g. ``node/123``: set by imports from OSM, so a later
#: pull updates the work instead of adding it again. Stored, not a CSV column.
OSM_REF_RE = re.compile(r"^(node|way|relation)/[1-9][0-9]{0,14}$")


class Installation(BaseModel):
    """An installation (artwork or cultural place) as stored and exchanged.

    ``festival`` and ``edition`` are keys of festival and edition records, ``artists``
    the keys of artist records (``;``-separated); ``artist`` is the credit as a source
    gives it. Whether the keys exist is checked against :class:`References`.
    """

    #: Texts in further languages (``title_ka``) are kept as extra fields; only
    #: :func:`_validate` lets them in, checked (see :func:`_further_texts`).
    model_config = ConfigDict(str_strip_whitespace=True, extra="allow")
    TEXTS: ClassVar[tuple[str, ...]] = WORK_TEXTS

    id: int | None = Field(default=None, gt=0, le=MAX_ID)
    slug: str = Field(min_length=1, max_length=80)
    title: str = Field(min_length=1, max_length=200)
    kind: Literal[KINDS]  # type: ignore[valid-type]
    festival: str = Field(default="", max_length=200)
    edition: str = Field(default="", max_length=80)
    year: int | None = None
    start_date: str = ""
    end_date: str = ""
    artist: str = Field(default="", max_length=300)
    artists: str = Field(default="", max_length=1000)
    routes: str = Field(default="", max_length=1000)
    description: str = Field(default="", max_length=4000)
    address: str = Field(default="", max_length=300)
    lat: float = Field(ge=-90, le=90)
    lon: float = Field(ge=-180, le=180)
    location_precision: Literal[PRECISIONS]  # type: ignore[valid-type]
    source_url: str = Field(default="", max_length=500)
    source_note: str = Field(default="", max_length=1000)
    how_we_know: str = Field(default="", max_length=300)
    how_we_know_ru: str = Field(default="", max_length=300)
    how_we_know_kk: str = Field(default="", max_length=300)
    surveyed_by: str = Field(default="", max_length=200)
    surveyed_on: str = ""
    position_method: Literal[("", *METHODS)] = ""  # type: ignore[valid-type]
    position_accuracy_m: float | None = None
    position_fixed_at: str = Field(default="", max_length=40)
    status: Literal[STATUSES] = "published"  # type: ignore[valid-type]
    photo: str = Field(default="", max_length=200)
    title_ru: str = Field(default="", max_length=200)
    title_kk: str = Field(default="", max_length=200)
    description_ru: str = Field(default="", max_length=4000)
    description_kk: str = Field(default="", max_length=4000)
    address_ru: str = Field(default="", max_length=300)
    address_kk: str = Field(default="", max_length=300)
    text_status_en: TextStatus = ""
    text_status_ru: TextStatus = ""
    text_status_kk: TextStatus = ""
    osm_ref: str = Field(default="", max_length=40)

    _slug = field_validator("slug")(_slug_value)
    _year = field_validator("year", mode="before")(_year_value)
    _dates = field_validator("start_date", "end_date", mode="before")(_date_value)
    _url = field_validator("source_url")(lambda v: _url_value(v) if v else v)
    _surveyed_on = field_validator("surveyed_on", mode="before")(_date_value)
    _artists = field_validator("artists", "routes", mode="before")(_keys_value)

    @field_validator("id", mode="before")
    @classmethod
    def _id(cls, v: Any) -> Any:
        if v is None or (isinstance(v, str) and not v.strip()):
            return None
        try:  # ASCII digits only: not "1_000", "1e30", 3.0 or True
            return parse_int(v, 1, MAX_ID)
        except NumberError as exc:
            if exc.code == "range":
                raise PydanticCustomError(
                    "out_of_range", "must be from {low} to {high}", {"low": 1, "high": MAX_ID}
                ) from None
            raise PydanticCustomError("not_whole_number", "give a whole number") from None

    @field_validator("edition")
    @classmethod
    def _edition(cls, v: str) -> str:
        return _slug_value(v) if v else v

    @field_validator("lat", "lon", mode="before")
    @classmethod
    def _finite(cls, v: Any) -> Any:
        if isinstance(v, str):
            v = v.strip().replace(",", ".") if v.count(",") == 1 and "." not in v else v.strip()
            if not v:
                raise PydanticCustomError("required", "a coordinate is required")
        try:
            return parse_float(v, -1e6, 1e6)  # the field's own bounds say more below
        except NumberError as exc:
            if exc.code == "range":
                raise PydanticCustomError("out_of_range", "outside the map's range") from None
            raise PydanticCustomError("not_number", "not a number") from None

    @field_validator("position_accuracy_m", mode="before")
    @classmethod
    def _accuracy(cls, v: Any) -> Any:
        if v is None or (isinstance(v, str) and not v.strip()):
            return None
        try:
            return parse_float(v.strip() if isinstance(v, str) else v, 0, 100_000)
        except NumberError:
            raise PydanticCustomError(
                "out_of_range", "must be from {low} to {high}", {"low": 0, "high": 100_000}
            ) from None

    @field_validator("photo")
    @classmethod
    def _photo(cls, v: str) -> str:
        if v and not PHOTO_RE.match(v):
            raise PydanticCustomError(
                "photo_name", "photo must be a stored image name such as ab12.jpg"
            )
        return v

    @field_validator("osm_ref")
    @classmethod
    def _osm_ref(cls, v: str) -> str:
        if v and not OSM_REF_RE.match(v):
            raise PydanticCustomError("osm_ref_format", "give an OSM id such as node/123")
        return v

    @field_validator(
        "festival",
        "edition",
        "osm_ref",
        "source_url",
        "surveyed_by",
        "position_method",
        "position_fixed_at",
        *HOW_WE_KNOW,
        *TRANSLATION_COLUMNS,
        *TEXT_STATUS_COLUMNS,
        mode="before",
    )
    @classmethod
    def _empty(cls, v: Any) -> Any:
        return "" if v is None else v

    @model_validator(mode="after")
    def _statuses(self) -> Installation:
        _set_text_statuses(self, TRANSLATED_FIELDS)
        return self


# festivals, editions and artists ----------------------------------------------------------


class _Record(BaseModel):
    """What festivals, editions and artists share: a key, a name in three languages,
    links and a source, and how far each language's texts can be trusted. Texts in
    further languages are extra fields, as a work's."""

    model_config = ConfigDict(str_strip_whitespace=True, extra="allow")

    #: The fields written in each language (``name`` and ``name_ru``, ``name_kk``...).
    TEXTS: ClassVar[tuple[str, ...]] = ("name",)

    id: int | None = Field(default=None, gt=0, le=MAX_ID)
    slug: str = Field(min_length=1, max_length=80)
    name: str = Field(min_length=1, max_length=200)
    name_ru: str = Field(default="", max_length=200)
    name_kk: str = Field(default="", max_length=200)
    link: str = Field(default="", max_length=500)
    source_url: str = Field(default="", max_length=500)
    source_note: str = Field(default="", max_length=1000)
    text_status_en: TextStatus = ""
    text_status_ru: TextStatus = ""
    text_status_kk: TextStatus = ""

    _slug = field_validator("slug")(_slug_value)

    @field_validator("link", "source_url")
    @classmethod
    def _urls(cls, v: str) -> str:
        return _url_value(v) if v else v

    @field_validator("*", mode="before")
    @classmethod
    def _none_is_empty(cls, v: Any, info: ValidationInfo) -> Any:
        if v is None and info.field_name not in (
            "id",
            "number",
            "year",
            "lat",
            "lon",
            "duration_min",
        ):
            return ""
        return v

    @model_validator(mode="after")
    def _statuses(self) -> _Record:
        _set_text_statuses(self, self.TEXTS)
        return self


class Festival(_Record):
    """A festival or programme that recurs in editions (ARTBAT FEST, PARK FEST...)."""

    organiser: str = Field(default="", max_length=300)


class Edition(_Record):
    """One edition of a festival: its year, dates, curator; works belong to an edition."""

    festival: str = Field(min_length=1, max_length=80)
    number: int | None = Field(default=None, gt=0, le=999)
    year: int | None = None
    start_date: str = ""
    end_date: str = ""
    curator: str = Field(default="", max_length=300)

    _festival = field_validator("festival")(_slug_value)
    _year = field_validator("year", mode="before")(_year_value)
    _dates = field_validator("start_date", "end_date", mode="before")(_date_value)

    @field_validator("number", mode="before")
    @classmethod
    def _number(cls, v: Any) -> Any:
        return None if isinstance(v, str) and not v.strip() else v


class Artist(_Record):
    """An artist (a person, a duo or a group) with a short biography."""

    TEXTS: ClassVar[tuple[str, ...]] = ("name", "bio")

    bio: str = Field(default="", max_length=4000)
    bio_ru: str = Field(default="", max_length=4000)
    bio_kk: str = Field(default="", max_length=4000)


#: What an event's record says of it; "on" and "past" follow from its dates once they
#: pass (:func:`mapapp.events.effective_status`), "cancelled" stays.
EVENT_STATUSES = ("announced", "on", "cancelled", "past")
#: An event's day (``2018-09-09``, all day) or local time (``2018-09-09T12:00``).
_EVENT_TIME_RE = re.compile(r"^(\d{4}-\d{2}-\d{2})(?:[T ](\d{2}:\d{2})(?::\d{2})?)?(.*)$")
#: The time zone event times are written in, and that feeds and pages show.
EVENT_TZ = "Asia/Almaty"


def _event_time_value(v: Any) -> Any:
    """An event time as ``YYYY-MM-DD`` or ``YYYY-MM-DDTHH:MM`` in Almaty time.

    A time with a zone offset (``+06:00``, ``Z``) is turned into Almaty time; a day
    or time that does not exist (30 February, 25:00) is refused.
    """
    if v is None:
        return ""
    if isinstance(v, dt.datetime):
        v = v.isoformat(timespec="minutes")
    elif isinstance(v, dt.date):
        return v.isoformat()
    v = str(v).strip()
    if not v:
        return v
    found = _EVENT_TIME_RE.match(v)
    problem = PydanticCustomError(
        "event_time_format",
        "give a day as 2018-09-09, or a day and time as 2018-09-09T12:00 (Almaty time)",
    )
    if not found:
        raise problem
    day, clock, zone = found.groups()
    try:
        date = dt.date.fromisoformat(day)
        if clock is None:
            if zone:
                raise problem
            return date.isoformat()
        when = dt.datetime.fromisoformat(f"{day}T{clock}{zone}")
    except ValueError:
        raise PydanticCustomError(
            "date_impossible", "{value} is not a day or time that exists", {"value": v[:40]}
        ) from None
    if when.tzinfo is not None:
        when = when.astimezone(ZoneInfo(EVENT_TZ)).replace(tzinfo=None)
    return when.isoformat(timespec="minutes")


class Event(_Record):
    """A dated event: a festival's opening, a performance, a plein-air, an unveiling.

    ``start`` and ``end`` are days (all-day, the end included) or local times in
    Almaty (:data:`EVENT_TZ`); both of one sort. Its place is a work on the map
    (``venue``, a work's key), or a point of its own (``lat``, ``lon``), and/or a
    place named in words (``place``); ``edition`` is the festival edition's key.
    """

    TEXTS: ClassVar[tuple[str, ...]] = ("name", "description", "place")

    description: str = Field(default="", max_length=4000)
    description_ru: str = Field(default="", max_length=4000)
    description_kk: str = Field(default="", max_length=4000)
    start: str = Field(min_length=1, max_length=40)
    end: str = Field(default="", max_length=40)
    status: Literal[EVENT_STATUSES] = "announced"  # type: ignore[valid-type]
    edition: str = Field(default="", max_length=80)
    venue: str = Field(default="", max_length=80)
    place: str = Field(default="", max_length=300)
    place_ru: str = Field(default="", max_length=300)
    place_kk: str = Field(default="", max_length=300)
    lat: float | None = Field(default=None, ge=-90, le=90)
    lon: float | None = Field(default=None, ge=-180, le=180)

    _times = field_validator("start", "end", mode="before")(_event_time_value)

    @field_validator("status", mode="before")
    @classmethod
    def _status(cls, v: Any) -> Any:
        return "announced" if v in (None, "") else v

    @field_validator("edition", "venue")
    @classmethod
    def _keys(cls, v: str) -> str:
        return _slug_value(v) if v else v

    @field_validator("lat", "lon", mode="before")
    @classmethod
    def _point(cls, v: Any) -> Any:
        if v is None or (isinstance(v, str) and not v.strip()):
            return None
        if isinstance(v, str):
            v = v.strip().replace(",", ".") if v.count(",") == 1 and "." not in v else v.strip()
        try:
            return parse_float(v, -1e6, 1e6)
        except NumberError:
            raise PydanticCustomError("not_number", "not a number") from None

    @property
    def all_day(self) -> bool:
        return "T" not in self.start


#: What can happen to a work (as :data:`mapapp.lifecycle.LIFE_STATUSES`, which reads them).
LIFE_STATUSES = ("proposed", "installed", "damaged", "restored", "removed")


class LifeEntry(BaseModel):
    """One dated step in a work's life: proposed, installed, damaged, restored, removed."""

    model_config = ConfigDict(str_strip_whitespace=True, extra="ignore")

    status: Literal[LIFE_STATUSES]  # type: ignore[valid-type]
    date: str = Field(min_length=1, max_length=10)
    note: str = Field(default="", max_length=1000)
    source_url: str = Field(default="", max_length=500)
    photo: str = Field(default="", max_length=200)

    _date = field_validator("date", mode="before")(_date_value)

    @field_validator("source_url")
    @classmethod
    def _url(cls, v: str) -> str:
        return _url_value(v) if v else v

    @field_validator("note", "source_url", "photo", mode="before")
    @classmethod
    def _empty(cls, v: Any) -> Any:
        return "" if v is None else v

    @field_validator("date")
    @classmethod
    def _not_future(cls, v: str) -> str:
        if v and v[:4].isdigit() and v > (dt.date.today() + dt.timedelta(days=1)).isoformat():
            raise PydanticCustomError(
                "date_future", "a life entry tells what happened: give a date not in the future"
            )
        return v


def validate_life_entry(
    raw: dict[str, Any], row: int = 0
) -> tuple[LifeEntry | None, list[RowError]]:
    """Check one entry of a work's life; return it or its errors."""
    return _validate(LifeEntry, raw, row)


def _columns(*middle: str) -> tuple[str, ...]:
    return (
        "id",
        "slug",
        *middle,
        "link",
        "source_url",
        "source_note",
        *TEXT_STATUS_COLUMNS,
    )


@dataclass(frozen=True)
class RecordType:
    """One kind of record other than a work: its model, its columns, its required ones."""

    name: str
    model: type[_Record]
    columns: tuple[str, ...]
    required: tuple[str, ...] = ("slug", "name")

    @property
    def texts(self) -> tuple[str, ...]:
        """The fields written in each language, with their translations."""
        return tuple(
            f"{f}{s}" for f in self.model.TEXTS for s in ("", *(f"_{x}" for x in LANGUAGES[1:]))
        )


class Tour(_Record):
    """A curated walk: an ordered selection of works with its texts and notes.

    ``works`` are the works' keys in walking order, ``;``-separated (as a work's
    artists); ``duration_min`` is the expected time in minutes; the start and end
    notes say how to get there and away (metro, toilets, cafés).
    """

    TEXTS: ClassVar[tuple[str, ...]] = ("name", "description", "start_note", "end_note")

    description: str = Field(default="", max_length=4000)
    description_ru: str = Field(default="", max_length=4000)
    description_kk: str = Field(default="", max_length=4000)
    works: str = Field(min_length=1, max_length=20000)
    duration_min: int | None = Field(default=None, gt=0, le=24 * 60)
    start_note: str = Field(default="", max_length=1000)
    start_note_ru: str = Field(default="", max_length=1000)
    start_note_kk: str = Field(default="", max_length=1000)
    end_note: str = Field(default="", max_length=1000)
    end_note_ru: str = Field(default="", max_length=1000)
    end_note_kk: str = Field(default="", max_length=1000)

    @field_validator("works", mode="before")
    @classmethod
    def _work_keys(cls, v: Any) -> Any:
        """Keys one a line, or ``;``-separated, as one ``;``-separated text in order."""
        if not isinstance(v, str):
            return v
        keys = [k.strip() for k in re.split(r"[;\n,]", v) if k.strip()]
        for key in keys:
            _slug_value(key)
        if len(set(keys)) != len(keys):
            raise PydanticCustomError("repeated_work", "a work may appear once in a tour")
        return KEY_SEPARATOR.join(keys)

    @field_validator("duration_min", mode="before")
    @classmethod
    def _duration(cls, v: Any) -> Any:
        return None if isinstance(v, str) and not v.strip() else v


#: Whether a route is walked today ("retired": kept with its history, not listed).
ROUTE_STATUSES = ("active", "retired")
#: First path segments of the app's own pages (and of the old, unprefixed URLs that
#: redirect): a route's key may not be one of them. A test compares it with the app.
RESERVED_ROUTE_SLUGS = frozenset(
    (
        *("about", "admin", "api", "artists", "audio", "calendar", "curator", "events"),
        *("help", "installations", "login", "logout", "manifest.webmanifest", "media"),
        *("offline", "planner", "plaques", "reports", "routes", "search", "static"),
        *("stops", "suggest", "sw.js", "tours", "vendor", "walk"),
    )
)
_LANGUAGE_CODE_RE = re.compile(r"^[a-z]{2,3}$")
#: A route's defaults: walking speed (km/h), trigger zone and corridor (metres).
ROUTE_DEFAULTS = {"walking_speed_kmh": 4.5, "trigger_m": 30.0, "corridor_m": 1000.0}


class Route(_Record):
    """A walking route: its names in its languages, its city, how it is walked.

    ``languages`` is the order in which its works' texts are tried when a text is not
    written in the reader's language (``;``-separated codes, e.g. ``ka;en``); works
    count as its stops within ``corridor_m`` metres of its line (or when placed on
    it by hand); ``trigger_m`` is walk mode's default trigger zone. The line itself,
    with its precision and source, is kept per version with the route's geometry.
    """

    TEXTS: ClassVar[tuple[str, ...]] = ("name", "description", "city")

    description: str = Field(default="", max_length=4000)
    description_ru: str = Field(default="", max_length=4000)
    description_kk: str = Field(default="", max_length=4000)
    city: str = Field(min_length=1, max_length=200)
    city_ru: str = Field(default="", max_length=200)
    city_kk: str = Field(default="", max_length=200)
    country: str = Field(default="", max_length=2)
    languages: str = Field(default="", max_length=100)
    walking_speed_kmh: float = Field(default=ROUTE_DEFAULTS["walking_speed_kmh"], ge=1, le=10)
    direction: Literal["forward", "backward"] = "forward"
    trigger_m: float = Field(default=ROUTE_DEFAULTS["trigger_m"], ge=5, le=300)
    corridor_m: float = Field(default=ROUTE_DEFAULTS["corridor_m"], ge=10, le=5000)
    status: Literal[ROUTE_STATUSES] = "active"  # type: ignore[valid-type]

    @field_validator("slug")
    @classmethod
    def _not_a_page(cls, v: str) -> str:
        if v in RESERVED_ROUTE_SLUGS:
            raise PydanticCustomError(
                "reserved_slug", "this key is the name of one of the site's pages"
            )
        return v

    @field_validator("country")
    @classmethod
    def _country(cls, v: str) -> str:
        if v and not re.fullmatch(r"[A-Z]{2}", v.upper()):
            raise PydanticCustomError("country_code", "give a two-letter country code")
        return v.upper()

    @field_validator("languages", mode="before")
    @classmethod
    def _languages(cls, v: Any) -> Any:
        """Language codes in order (``ka;en``, ``ka, en`` or one a line) as ``ka;en``."""
        if not isinstance(v, str):
            return v
        codes = [c.strip().lower() for c in re.split(r"[;,\s]+", v) if c.strip()]
        for code in codes:
            if not _LANGUAGE_CODE_RE.match(code):
                raise PydanticCustomError("language_code", "give language codes such as ka or ro")
        if len(set(codes)) != len(codes):
            raise PydanticCustomError("repeated_language", "a language may appear once")
        return KEY_SEPARATOR.join(codes)

    @field_validator("walking_speed_kmh", "trigger_m", "corridor_m", mode="before")
    @classmethod
    def _default_when_empty(cls, v: Any, info: ValidationInfo) -> Any:
        if v is None or (isinstance(v, str) and not v.strip()):
            return ROUTE_DEFAULTS[str(info.field_name)]
        return v

    @property
    def language_order(self) -> tuple[str, ...]:
        return tuple(split_keys(self.languages))


def route_languages(row: dict[str, Any]) -> tuple[str, ...]:
    """A stored route's languages, in its fallback order."""
    return tuple(split_keys(row.get("languages")))


def _tour_columns() -> tuple[str, ...]:
    langs = ("", "_ru", "_kk")
    texts = [f"{f}{s}" for f in ("name", "description") for s in langs]
    notes = [f"{f}{s}" for f in ("start_note", "end_note") for s in langs]
    return _columns(*texts, "works", "duration_min", *notes)


RECORD_TYPES = {
    "festival": RecordType(
        "festival", Festival, _columns("name", "name_ru", "name_kk", "organiser")
    ),
    "edition": RecordType(
        "edition",
        Edition,
        _columns(
            "festival",
            "number",
            "name",
            "name_ru",
            "name_kk",
            "year",
            "start_date",
            "end_date",
            "curator",
        ),
        ("slug", "festival", "name"),
    ),
    "artist": RecordType(
        "artist",
        Artist,
        _columns("name", "name_ru", "name_kk", "bio", "bio_ru", "bio_kk"),
    ),
    "event": RecordType(
        "event",
        Event,
        _columns(
            "name",
            "name_ru",
            "name_kk",
            "description",
            "description_ru",
            "description_kk",
            "start",
            "end",
            "status",
            "edition",
            "venue",
            "place",
            "place_ru",
            "place_kk",
            "lat",
            "lon",
        ),
        ("slug", "name", "start"),
    ),
    "tour": RecordType("tour", Tour, _tour_columns(), ("slug", "name", "works")),
    "route": RecordType(
        "route",
        Route,
        _columns(
            "name",
            "name_ru",
            "name_kk",
            "city",
            "city_ru",
            "city_kk",
            "country",
            "description",
            "description_ru",
            "description_kk",
            "languages",
            "walking_speed_kmh",
            "direction",
            "trigger_m",
            "corridor_m",
            "status",
        ),
        ("slug", "name", "city"),
    ),
}


def text_fields(entity: str) -> tuple[str, ...]:
    """The fields written in each language of a work (``"work"``) or of a record kind."""
    return WORK_TEXTS if entity == "work" else RECORD_TYPES[entity].model.TEXTS


def translation_keys(row: dict[str, Any], entity: str) -> list[str]:
    """The keys of ``row`` that hold translations of the entity's texts, in row order."""
    fields = text_fields(entity)
    return [k for k in row if translation_key(k, fields) is not None]


def looks_like_text(key: str, entity: str) -> bool:
    """Whether ``key`` names one of the entity's texts in some language: ``title_ka``
    (and ``title_xx``, which validation refuses with its reason)."""
    return key.rpartition("_")[0] in text_fields(entity)


@dataclass(frozen=True)
class References:
    """The festivals, editions and artists a work may refer to, each by its key."""

    festivals: dict[str, dict[str, Any]] = field(default_factory=dict)
    editions: dict[str, dict[str, Any]] = field(default_factory=dict)
    artists: dict[str, dict[str, Any]] = field(default_factory=dict)

    @classmethod
    def from_rows(
        cls,
        festivals: Iterable[dict[str, Any]],
        editions: Iterable[dict[str, Any]],
        artists: Iterable[dict[str, Any]],
    ) -> References:
        return cls(
            {r["slug"]: dict(r) for r in festivals},
            {r["slug"]: dict(r) for r in editions},
            {r["slug"]: dict(r) for r in artists},
        )

    def festival_key(self, value: str) -> str | None:
        """The key of the festival ``value`` names (its key, or its name in any language)."""
        if value in self.festivals:
            return value
        wanted = value.casefold()
        for key, row in self.festivals.items():
            names = (row.get(c) or "" for c in ("name", *translation_keys(row, "festival")))
            if any(n.casefold() == wanted for n in names):
                return key
        return None


@dataclass(frozen=True)
class RowError:
    """One problem in one row of an input file (``row`` counts the header as 1).

    ``code`` names the rule that failed and ``params`` its values, so that pages can
    say it in the reader's language; ``reason`` is the English text (CLI, files).
    ``file`` names the file when several are read together (the seed).
    """

    row: int
    field: str
    reason: str
    code: str = "invalid"
    params: tuple[tuple[str, Any], ...] = ()
    file: str = ""

    def __str__(self) -> str:
        where = f"{self.file}: " if self.file else ""
        return f"{where}row {self.row}, {self.field}: {self.reason}"


def row_error(row: int, field: str, code: str, reason: str, **params: Any) -> RowError:
    """A :class:`RowError` with its rule's ``code`` and ``params``."""
    return RowError(row, field, reason, code, tuple(sorted(params.items())))


#: pydantic's error types and the codes we report them under.
_PYDANTIC_CODES = {
    "missing": "required",
    "string_too_short": "required",
    "string_too_long": "too_long",
    "literal_error": "unknown_value",
    "greater_than_equal": "out_of_range",
    "less_than_equal": "out_of_range",
    "greater_than": "out_of_range",
    "int_parsing": "not_whole_number",
    "int_type": "not_whole_number",
    "int_from_float": "not_whole_number",
    "string_type": "not_text",
}

Model = TypeVar("Model", bound=BaseModel)


def _max_length(model: type[BaseModel], field: str) -> int | None:
    for rule in model.model_fields[field].metadata:
        if isinstance(getattr(rule, "max_length", None), int):
            return int(rule.max_length)
    return None


@lru_cache(maxsize=256)
def is_content_language(code: str) -> bool:
    """Whether ``code`` is a language Babel knows (``ka``, ``ro``), for a text in it."""
    try:
        Locale.parse(code)
    except (UnknownLocaleError, ValueError):
        return False
    return True


def language_name(code: str) -> str:
    """A content language's name in itself (``ka``: ქართული), as a heading."""
    try:
        name = Locale.parse(code).get_display_name(code) or code
    except (UnknownLocaleError, ValueError):
        return code
    if "\u10a0" <= name[:1] <= "\u10ff":  # Georgian has no capitals in running text
        return name
    return name[:1].upper() + name[1:]


def _further_texts(
    model: type[BaseModel], data: dict[str, Any], row: int
) -> tuple[dict[str, Any], list[RowError]]:
    """``data`` with only the model's fields and its texts in further languages
    (``title_ka``: a language code Babel knows, as long as the base field allows),
    and the errors of the keys that look like texts in a language that is none."""
    texts: tuple[str, ...] = getattr(model, "TEXTS", ())
    out: dict[str, Any] = {}
    errors: list[RowError] = []
    for key, value in data.items():
        field, _, code = key.rpartition("_")
        if key in model.model_fields:
            out[key] = value
            continue
        if field not in texts or not _LANGUAGE_CODE_RE.match(code):
            continue  # not a text of ours: ignored, as any unknown column
        if code == LANGUAGES[0] or not is_content_language(code):
            reason = (
                f"{code!r} is not a language code for a text; give e.g. {field}_ka"
                f" (the text in {LANGUAGES[0]!r} goes in {field})"
            )
            errors.append(
                row_error(row, key, "unknown_language", reason, language=code, base=field)
            )
            continue
        text = "" if value is None else value
        if not isinstance(text, str):
            errors.append(row_error(row, key, "not_text", "Input should be a valid string"))
            continue
        text = text.strip()
        limit = _max_length(model, field)
        if limit is not None and len(text) > limit:
            reason = f"String should have at most {limit} characters"
            errors.append(row_error(row, key, "too_long", reason, max_length=limit))
            continue
        out[key] = text
    return out, errors


def _validate(
    model: type[Model], raw: dict[str, Any], row: int
) -> tuple[Model | None, list[RowError]]:
    data = {k: v for k, v in raw.items() if k is not None}
    for optional in ("id", "status"):
        if data.get(optional) in ("", None):
            data.pop(optional, None)
    further: list[RowError] = []
    if model.model_config.get("extra") == "allow":
        data, further = _further_texts(model, data, row)
    try:
        rec = model.model_validate(data)
    except ValidationError as exc:
        errors = []
        for err in exc.errors():
            name = str(err["loc"][0]) if err["loc"] else "row"
            ctx = err.get("ctx") or {}
            msg = err["msg"].removeprefix("Value error, ")
            code = _PYDANTIC_CODES.get(err["type"], err["type"])
            params: dict[str, Any] = {k: v for k, v in ctx.items() if isinstance(v, int | str)}
            if err["type"] == "literal_error":
                msg = f"unknown value {err['input']!r}; expected {ctx.get('expected', '')}"
                params = {"value": str(err["input"])[:80], "expected": ctx.get("expected", "")}
            if code == "required":
                msg = "required"
            if code == "out_of_range":
                bounds = {"lat": (-90, 90), "lon": (-180, 180)}.get(name)
                if bounds:
                    params = {"low": bounds[0], "high": bounds[1]}
                    msg = f"must be from {bounds[0]} to {bounds[1]}"
            errors.append(row_error(row, name, code, msg, **params))
        return None, [*errors, *further]
    return (None, further) if further else (rec, [])


def validate_model(
    model: type[Model], raw: dict[str, Any], row: int = 0
) -> tuple[Model | None, list[RowError]]:
    """Check ``raw`` against any pydantic ``model``; errors as :class:`RowError` with codes."""
    return _validate(model, raw, row)


#: A date field's rule (ISO 8601, or only year and month, or only year), for other models.
date_value = _date_value


def _provenance_error(rec: Installation, row: int) -> RowError | None:
    """A work needs a source (a web address or a survey), and "surveyed" needs a fix."""
    if not has_source(rec.source_url, rec.surveyed_by, rec.surveyed_on):
        return row_error(
            row,
            "source_url",
            "source_required",
            "give the source's web address, or who surveyed the work on site and when",
        )
    surveyed = bool(rec.surveyed_by and rec.surveyed_on)
    problem = precision_problem(
        rec.location_precision,
        rec.position_method,
        rec.position_accuracy_m,
        rec.position_fixed_at,
        surveyed,
    )
    if problem == "surveyed_needs_fix":
        reason = "a GPS fix counts as surveyed only with an accuracy of 15 m or better"
        return row_error(row, "location_precision", problem, reason)
    if problem:
        reason = "a point clicked on a map or typed in is surveyed only after a survey on site"
        return row_error(row, "location_precision", problem, reason)
    return None


def _date_order(start: str, end: str, row: int) -> RowError | None:
    """An error when a period ends before it starts (partial dates compared generously)."""
    if start and end and (end + "-12-31"[len(end) - 4 :]) < (start + "-01-01"[len(start) - 4 :]):
        return row_error(
            row, "end_date", "date_order", f"ends ({end}) before it starts ({start})", end=end
        )
    return None


def _unknown(row: int, name: str, code: str, value: str, what: str) -> RowError:
    return row_error(row, name, code, f"no {what} has the key or name {value!r}", value=value[:80])


def check_references(
    rec: Installation, refs: References, row: int
) -> tuple[Installation | None, list[RowError]]:
    """The work with its festival given by key, checked against ``refs``.

    A festival may be named by its key or by its name in any language (files written
    before festivals became records say ``PARK FEST``); an edition sets its festival
    when none is given and must belong to the one given; every artist key must exist.
    """
    errors: list[RowError] = []
    festival = rec.festival
    if festival:
        key = refs.festival_key(festival)
        if key is None:
            errors.append(_unknown(row, "festival", "unknown_festival", festival, "festival"))
        festival = key or festival
    if rec.edition:
        edition = refs.editions.get(rec.edition)
        if edition is None:
            errors.append(_unknown(row, "edition", "unknown_edition", rec.edition, "edition"))
        elif not festival:
            festival = edition["festival"]
        elif festival != edition["festival"] and not errors:
            errors.append(
                row_error(
                    row,
                    "edition",
                    "edition_festival",
                    f"edition {rec.edition!r} belongs to festival {edition['festival']!r},"
                    f" not {festival!r}",
                    edition=rec.edition,
                    festival=edition["festival"],
                )
            )
    unknown = [k for k in split_keys(rec.artists) if k not in refs.artists]
    if unknown:
        errors.append(_unknown(row, "artists", "unknown_artist", ", ".join(unknown), "artist"))
    if errors:
        return None, errors
    return rec.model_copy(update={"festival": festival}), []


def validate_row(
    raw: dict[str, Any], row: int, refs: References | None = None
) -> tuple[Installation | None, list[RowError]]:
    """Check one raw row; return the record or the row's errors.

    With ``refs``, its festival, edition and artists must exist (see
    :func:`check_references`); without, only their form is checked.
    """
    rec, errors = _validate(Installation, raw, row)
    if rec is None:
        return None, errors
    order = _date_order(rec.start_date, rec.end_date, row) or _provenance_error(rec, row)
    if order is not None:
        return None, [order]
    if refs is None:
        return rec, []
    return check_references(rec, refs, row)


def validate_record(
    kind: str, raw: dict[str, Any], row: int, refs: References | None = None
) -> tuple[_Record | None, list[RowError]]:
    """Check one festival, edition or artist; an edition's festival must be in ``refs``."""
    rec, errors = _validate(RECORD_TYPES[kind].model, raw, row)
    if rec is None:
        return None, errors
    if isinstance(rec, Edition):
        order = _date_order(rec.start_date, rec.end_date, row)
        if order is not None:
            return None, [order]
        if refs is not None:
            key = refs.festival_key(rec.festival)
            if key is None:
                return None, [
                    _unknown(row, "festival", "unknown_festival", rec.festival, "festival")
                ]
            rec = rec.model_copy(update={"festival": key})
            overlap = _edition_overlap(rec, refs, row)
            if overlap is not None:
                return None, [overlap]
    if isinstance(rec, Event):
        errors = _event_errors(rec, row)
        if refs is not None and rec.edition and rec.edition not in refs.editions:
            errors.append(_unknown(row, "edition", "unknown_edition", rec.edition, "edition"))
        if errors:
            return None, errors
    return rec, []


def _widened(value: str, end: bool) -> str:
    """A partial ISO date as its first (or last) possible day, for comparing as text."""
    return value + ("-12-31" if end else "-01-01")[len(value) - 4 :]


def _edition_overlap(rec: Edition, refs: References, row: int) -> RowError | None:
    """An error when ``rec``'s dates overlap those of another edition of its festival."""
    if not rec.start_date:
        return None
    first = _widened(rec.start_date, False)
    last = _widened(rec.end_date or rec.start_date, True)
    for other in refs.editions.values():
        if other["slug"] == rec.slug or other["festival"] != rec.festival:
            continue
        start = other.get("start_date") or ""
        if not start:
            continue
        end = other.get("end_date") or start
        if first <= _widened(end, True) and _widened(start, False) <= last:
            return row_error(
                row,
                "start_date",
                "editions_overlap",
                f"the dates overlap those of edition {other['slug']!r} ({start} to {end})",
                edition=other.get("name") or other["slug"],
                start=start,
                end=end,
            )
    return None


def _event_errors(rec: Event, row: int) -> list[RowError]:
    """The rules of an event that need no other record: order of times, a whole point."""
    errors: list[RowError] = []
    if rec.end and ("T" in rec.start) != ("T" in rec.end):
        errors.append(
            row_error(
                row,
                "end",
                "event_time_mixed",
                "give both the start and the end as days, or both with a time",
            )
        )
    elif rec.end and rec.end < rec.start:
        errors.append(
            row_error(row, "end", "date_order", f"ends ({rec.end}) before it starts ({rec.start})")
        )
    if (rec.lat is None) != (rec.lon is None):
        missing = "lat" if rec.lat is None else "lon"
        errors.append(row_error(row, missing, "point_half", "give both latitude and longitude"))
    return errors


def check_unique(records: Iterable[tuple[int, BaseModel]]) -> list[RowError]:
    """Errors for ids and slugs that appear more than once in one file."""
    errors: list[RowError] = []
    seen: dict[tuple[str, Any], int] = {}
    for row, rec in records:
        for name in ("id", "slug", "osm_ref"):
            value = getattr(rec, name, None)
            if value is None or value == "":
                continue
            if (name, value) in seen:
                first = seen[(name, value)]
                errors.append(
                    row_error(
                        row,
                        name,
                        "repeats",
                        f"{value!r} repeats row {first}",
                        value=str(value),
                        first=first,
                    )
                )
            else:
                seen[(name, value)] = row
    return errors


def _csv_rows(
    text: str, required: tuple[str, ...]
) -> tuple[list[tuple[int, dict[str, Any]]], list[RowError]]:
    """Raw rows of a CSV text (comma or semicolon separated, BOM allowed), by line."""
    text = text.removeprefix("\ufeff")
    if not text.strip():
        return [], [row_error(1, "file", "file_empty", "the file is empty")]
    first = text.splitlines()[0]
    delimiter = ";" if first.count(";") > first.count(",") else ","
    reader = csv.DictReader(io.StringIO(text, newline=""), delimiter=delimiter)
    header = [h.strip() for h in (reader.fieldnames or [])]
    reader.fieldnames = header
    missing = [c for c in required if c not in header]
    if missing:
        columns = ", ".join(missing)
        return [], [
            row_error(
                1, "header", "missing_columns", f"missing column(s): {columns}", columns=columns
            )
        ]
    rows: list[tuple[int, dict[str, Any]]] = []
    errors: list[RowError] = []
    for row, raw in csv_records(reader):
        if raw is None:
            errors.append(field_too_long(row))
            continue
        if None in raw:
            errors.append(row_error(row, "row", "extra_values", "more values than columns"))
            continue
        if all(not (v or "").strip() for v in raw.values()):
            continue
        rows.append((row, from_spreadsheet(raw)))
    return rows, errors


def read_csv_text(
    text: str, refs: References | None = None
) -> tuple[list[tuple[int, Installation]], list[RowError]]:
    """Parse installation CSV (comma or semicolon separated, BOM allowed).

    With ``refs``, each row's festival, edition and artists must exist.
    """
    rows, errors = _csv_rows(text, REQUIRED_COLUMNS)
    good: list[tuple[int, Installation]] = []
    for row, raw in rows:
        rec, errs = validate_row(raw, row, refs)
        errors.extend(errs)
        if rec is not None:
            good.append((row, rec))
    errors.extend(check_unique(good))
    if not good and not errors:
        errors.append(row_error(2, "file", "no_rows", "the file has a header but no rows"))
    return good, errors


def field_too_long(row: int) -> RowError:
    """The error for a CSV row with a field longer than the csv module reads."""
    reason = f"a field is too long: more than {CSV_FIELD_LIMIT:,} characters"
    return row_error(row, "row", "field_too_long", reason, max_length=CSV_FIELD_LIMIT)


def read_records_text(
    kind: str, text: str, refs: References | None = None
) -> tuple[list[tuple[int, _Record]], list[RowError]]:
    """Parse a CSV of festivals, editions or artists (see :data:`RECORD_TYPES`).

    A file with a header and no rows is fine: there may be no such records yet.
    """
    rows, errors = _csv_rows(text, RECORD_TYPES[kind].required)
    good: list[tuple[int, _Record]] = []
    for row, raw in rows:
        rec, errs = validate_record(kind, raw, row, refs)
        errors.extend(errs)
        if rec is not None:
            good.append((row, rec))
    errors.extend(check_unique(good))
    return good, errors


def read_text_file(path: str | Path) -> tuple[str, list[RowError]]:
    """A UTF-8 file's text, or the error that says it is not UTF-8."""
    try:
        return Path(path).read_text(encoding="utf-8"), []
    except UnicodeDecodeError as exc:
        return "", [
            row_error(
                1,
                "file",
                "not_utf8",
                f"not UTF-8 text ({exc.reason} at byte {exc.start})",
                byte=exc.start,
            )
        ]


def read_csv(
    path: str | Path, refs: References | None = None
) -> tuple[list[tuple[int, Installation]], list[RowError]]:
    """Parse an installation CSV file; see :func:`read_csv_text`."""
    text, errors = read_text_file(path)
    return ([], errors) if errors else read_csv_text(text, refs)


def _write(
    columns: tuple[str, ...], records: Iterable[dict[str, Any]], *, raw: bool, entity: str
) -> str:
    """CSV text of ``records`` in ``columns``, and then a column for each text in a
    further language that the records use (``title_ka``...), sorted."""
    cell = (lambda v: v) if raw else spreadsheet_safe
    records = list(records)
    texts = text_fields(entity)
    further = {
        k for r in records for k in r if r[k] and k not in columns and translation_key(k, texts)
    }
    columns = (*columns, *sorted(further))
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=columns, extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    for rec in records:
        writer.writerow({k: ("" if rec.get(k) is None else cell(rec.get(k))) for k in columns})
    return out.getvalue()


#: How a cell that a spreadsheet would run as a formula begins (OWASP, "CSV Injection").
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_safe(value: Any) -> Any:
    """A text cell that a spreadsheet shows as text: ``'`` before a formula's first sign.

    Numbers stay numbers (a negative longitude is not text).
    """
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def from_spreadsheet(raw: dict[str, Any]) -> dict[str, Any]:
    """A CSV row with the ``'`` of :func:`spreadsheet_safe` taken off again."""
    return {
        k: v[1:] if isinstance(v, str) and v[:1] == "'" and v[1:].startswith(FORMULA_START) else v
        for k, v in raw.items()
    }


def write_csv(records: Iterable[dict[str, Any]], *, raw: bool = False) -> str:
    """Installation records as CSV text in the columns of ``data/installations.csv``.

    Text cells are spreadsheet-safe (:func:`spreadsheet_safe`) unless ``raw``;
    reading the file back (:func:`read_csv_text`, imports) undoes it. Texts in
    further languages come last, a column each (``title_ka``), sorted.
    """
    return _write(COLUMNS, records, raw=raw, entity="work")


def write_records_csv(kind: str, records: Iterable[dict[str, Any]], *, raw: bool = False) -> str:
    """Festivals, editions or artists as CSV text in the columns of their seed file
    (and, as :func:`write_csv`, texts in further languages last)."""
    return _write(RECORD_TYPES[kind].columns, records, raw=raw, entity=kind)


def route_geojson_positions(text: str) -> tuple[list[list[Any]], dict[str, Any]]:
    """The positions (not yet checked) and properties of the first LineString of a GeoJSON text.

    Raises ``ValueError`` when the text is not JSON or holds no LineString of two or
    more positions.
    """
    try:
        doc = load_json(text)
    except InputError as exc:
        raise ValueError(str(exc)) from None
    features: list[Any] = []
    if isinstance(doc, dict) and doc.get("type") == "FeatureCollection":
        raw = doc.get("features")
        features = raw if isinstance(raw, list) else []
    elif isinstance(doc, dict) and doc.get("type") == "Feature":
        features = [doc]
    elif isinstance(doc, dict) and doc.get("type") == "LineString":
        features = [{"type": "Feature", "geometry": doc, "properties": {}}]
    for feature in features:
        geom = feature.get("geometry") if isinstance(feature, dict) else None
        if isinstance(geom, dict) and geom.get("type") == "LineString":
            coords = geom.get("coordinates")
            if not isinstance(coords, list) or len(coords) < 2:
                raise ValueError("a LineString needs at least two positions")
            props = feature.get("properties")
            return coords, props if isinstance(props, dict) else {}
    raise ValueError("no LineString feature found")


def read_route_geojson(text: str) -> tuple[list[list[float]], dict[str, Any]]:
    """Coordinates and properties of the first LineString in a GeoJSON text.

    Raises ``ValueError`` with a readable message when the text is not a GeoJSON
    LineString with valid lon/lat positions.
    """
    coords, props = route_geojson_positions(text)
    _check_positions(coords)
    return [[float(c[0]), float(c[1])] for c in coords], props


def _check_positions(coords: Any) -> None:
    if not isinstance(coords, list) or len(coords) < 2:
        raise ValueError("a LineString needs at least two positions")
    for i, c in enumerate(coords):
        ok = (
            isinstance(c, list)
            and len(c) >= 2
            and all(isinstance(v, int | float) and math.isfinite(v) for v in c[:2])
        )
        if not ok or not (-180 <= c[0] <= 180 and -90 <= c[1] <= 90):
            raise ValueError(f"position {i + 1} is not a valid [lon, lat] pair: {c!r}")


@lru_cache(maxsize=64)
def fallback_order(lang: str, order: tuple[str, ...] = ()) -> tuple[str, ...]:
    """Languages to try for a text: the asked one, then the others.

    With a route's ``order`` (its own content languages, e.g. ``("ka", "en")``): the
    asked language, then the route's in their order, then the remaining content
    languages, and the base field (:data:`LANGUAGES`' first) last unless the order
    names it earlier.
    """
    if not order:
        return (lang, *(x for x in LANGUAGES if x != lang)) if lang in LANGUAGES else LANGUAGES
    return tuple(dict.fromkeys((lang, *order, *LANGUAGES[1:], LANGUAGES[0])))


def _languages_to_try(
    row: dict[str, Any], field: str, lang: str, order: tuple[str, ...]
) -> tuple[str, ...]:
    """:func:`fallback_order`, and with an ``order`` the further languages ``row`` has
    ``field`` in (sorted) before the base field when that comes last."""
    langs = fallback_order(lang, order)
    if not order:
        return langs
    others = sorted(
        found[1]
        for key in row
        if (found := translation_key(key, (field,))) is not None and found[1] not in langs
    )
    if not others:
        return langs
    if langs[-1] == LANGUAGES[0]:
        return (*langs[:-1], *others, LANGUAGES[0])
    return (*langs, *others)


def localized(
    row: dict[str, Any], field: str, lang: str, order: tuple[str, ...] = ()
) -> tuple[str, str]:
    """``(text, language)`` of ``field`` in ``lang``, or in the first fallback that has it.

    ``order`` is a route's own order of content languages (see :func:`fallback_order`);
    without one the fallbacks are the interface languages, as they always were.
    """
    for candidate in _languages_to_try(row, field, lang, order):
        key = field if candidate == LANGUAGES[0] else f"{field}_{candidate}"
        if row.get(key):
            return str(row[key]), candidate
    return "", lang
