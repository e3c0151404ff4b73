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
import json
import math
import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator
from pydantic_core import PydanticCustomError

from .numbers import MAX_ID, NumberError, parse_float

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
FESTIVALS = ("PARK FEST", "ARTBAT FEST")
PRECISIONS = ("surveyed", "approximate", "estimated")
STATUSES = ("draft", "published", "retired")

#: Interface languages; an installation's own texts are kept in the first (``en``)
#: and may be translated into the others.
LANGUAGES = ("en", "ru", "kk")
TRANSLATED_FIELDS = ("title", "description", "address")
TRANSLATION_COLUMNS = tuple(f"{f}_{lang}" for f in TRANSLATED_FIELDS for lang in LANGUAGES[1:])

#: Columns of ``data/installations.csv``, in order.
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
)
REQUIRED_COLUMNS = ("slug", "title", "kind", "lat", "lon", "location_precision", "source_url")

SLUG_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
URL_RE = re.compile(r"^https?://[^\s<>\"']+\.[^\s<>\"']+$")
PHOTO_RE = re.compile(r"^[A-Za-z0-9_-]+\.(?:jpg|png|webp)$")
#: An OpenStreetMap element, e.g. ``node/123``: set by imports from OSM, so a later
#: pull updates the work instead of adding it again. Stored, not a CSV column.
OSM_REF_RE = re.compile(r"^(node|way|relation)/[1-9][0-9]{0,14}$")


class Installation(BaseModel):
    """An installation (artwork or cultural place) as stored and exchanged."""

    model_config = ConfigDict(str_strip_whitespace=True, extra="ignore")

    id: int | None = Field(default=None, gt=0, le=MAX_ID)
    slug: str = Field(min_length=1, max_length=80)
    title: str = Field(min_length=1, max_length=200)
    kind: Literal[KINDS]  # type: ignore[valid-type]
    festival: Literal[("", *FESTIVALS)] = ""  # type: ignore[valid-type]
    year: int | None = None
    artist: str = Field(default="", max_length=300)
    description: str = Field(default="", max_length=4000)
    address: str = Field(default="", max_length=300)
    lat: float = Field(ge=-90, le=90)
    lon: float = Field(ge=-180, le=180)
    location_precision: Literal[PRECISIONS]  # type: ignore[valid-type]
    source_url: str = Field(max_length=500)
    source_note: str = Field(default="", max_length=1000)
    status: Literal[STATUSES] = "published"  # type: ignore[valid-type]
    photo: str = Field(default="", max_length=200)
    title_ru: str = Field(default="", max_length=200)
    title_kk: str = Field(default="", max_length=200)
    description_ru: str = Field(default="", max_length=4000)
    description_kk: str = Field(default="", max_length=4000)
    address_ru: str = Field(default="", max_length=300)
    address_kk: str = Field(default="", max_length=300)
    osm_ref: str = Field(default="", max_length=40)

    @field_validator("slug")
    @classmethod
    def _slug(cls, v: str) -> str:
        if not SLUG_RE.match(v):
            raise PydanticCustomError(
                "slug_format", "use lowercase letters, digits and single hyphens, e.g. red-men"
            )
        return v

    @field_validator("year", mode="before")
    @classmethod
    def _year(cls, v: Any) -> Any:
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

    @field_validator("source_url")
    @classmethod
    def _url(cls, v: str) -> str:
        if not URL_RE.match(v):
            raise PydanticCustomError(
                "url_format", "give a web address starting with https:// or http://"
            )
        return v

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

    @field_validator("festival", "osm_ref", *TRANSLATION_COLUMNS, mode="before")
    @classmethod
    def _empty(cls, v: Any) -> Any:
        return "" if v is None else v


@dataclass(frozen=True)
class RowError:
    """One problem in one row of an input file (``row`` counts the header as 1).

    ``code`` names the rule that failed and ``params`` its values, so that pages can
    say it in the reader's language; ``reason`` is the English text (CLI, files).
    """

    row: int
    field: str
    reason: str
    code: str = "invalid"
    params: tuple[tuple[str, Any], ...] = ()

    def __str__(self) -> str:
        return f"row {self.row}, {self.field}: {self.reason}"


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


def validate_row(raw: dict[str, Any], row: int) -> tuple[Installation | None, list[RowError]]:
    """Check one raw row; return the record or the row's errors."""
    data = {k: v for k, v in raw.items() if k is not None}
    for optional in ("id", "status"):
        if data.get(optional) in ("", None):
            data.pop(optional, None)
    try:
        return Installation.model_validate(data), []
    except ValidationError as exc:
        errors = []
        for err in exc.errors():
            field = str(err["loc"][0]) if err["loc"] else "row"
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
                bounds = {"lat": (-90, 90), "lon": (-180, 180)}.get(field)
                if bounds:
                    params = {"low": bounds[0], "high": bounds[1]}
                    msg = f"must be from {bounds[0]} to {bounds[1]}"
            errors.append(row_error(row, field, code, msg, **params))
        return None, errors


def check_unique(records: Iterable[tuple[int, Installation]]) -> list[RowError]:
    """Errors for ids and slugs that appear more than once in one file."""
    errors: list[RowError] = []
    seen: dict[tuple[str, Any], int] = {}
    for row, rec in records:
        for field in ("id", "slug", "osm_ref"):
            value = getattr(rec, field)
            if value is None or value == "":
                continue
            if (field, value) in seen:
                first = seen[(field, value)]
                errors.append(
                    row_error(
                        row,
                        field,
                        "repeats",
                        f"{value!r} repeats row {first}",
                        value=str(value),
                        first=first,
                    )
                )
            else:
                seen[(field, value)] = row
    return errors


def read_csv_text(text: str) -> tuple[list[tuple[int, Installation]], list[RowError]]:
    """Parse installation CSV (comma or semicolon separated, BOM allowed)."""
    text = text.removeprefix("\ufeff")
    if not text.strip():
        return [], [row_error(1, "file", "file_empty", "the file is empty")]
    first = text.splitlines()[0]
    delimiter = ";" if first.count(";") > first.count(",") else ","
    reader = csv.DictReader(io.StringIO(text, newline=""), delimiter=delimiter)
    header = [h.strip() for h in (reader.fieldnames or [])]
    reader.fieldnames = header
    missing = [c for c in REQUIRED_COLUMNS if c not in header]
    if missing:
        columns = ", ".join(missing)
        return [], [
            row_error(
                1, "header", "missing_columns", f"missing column(s): {columns}", columns=columns
            )
        ]
    good: list[tuple[int, Installation]] = []
    errors: list[RowError] = []
    for raw in reader:
        row = reader.line_num
        if None in raw:
            errors.append(row_error(row, "row", "extra_values", "more values than columns"))
            continue
        if all(not (v or "").strip() for v in raw.values()):
            continue
        rec, errs = validate_row(raw, row)
        errors.extend(errs)
        if rec is not None:
            good.append((row, rec))
    errors.extend(check_unique(good))
    if not good and not errors:
        errors.append(row_error(2, "file", "no_rows", "the file has a header but no rows"))
    return good, errors


def read_csv(path: str | Path) -> tuple[list[tuple[int, Installation]], list[RowError]]:
    """Parse an installation CSV file; see :func:`read_csv_text`."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        return [], [
            row_error(
                1,
                "file",
                "not_utf8",
                f"not UTF-8 text ({exc.reason} at byte {exc.start})",
                byte=exc.start,
            )
        ]
    return read_csv_text(text)


def write_csv(records: Iterable[dict[str, Any]]) -> str:
    """Installation records as CSV text in the columns of ``data/installations.csv``."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=COLUMNS, extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    for rec in records:
        writer.writerow({k: ("" if rec.get(k) is None else rec.get(k)) for k in COLUMNS})
    return out.getvalue()


def read_route_geojson(text: str) -> tuple[list[list[float]], dict[str, Any]]:
    """Coordinates and properties of the first LineString in a GeoJSON text.

    Raises ``ValueError`` with a readable message when the text is not a GeoJSON
    LineString with valid lon/lat positions.
    """
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ValueError(f"not valid JSON: {exc.msg} (line {exc.lineno})") from None
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
            coords: list[list[float]] = geom.get("coordinates")  # type: ignore[assignment]
            _check_positions(coords)
            props = feature.get("properties")
            return [[float(c[0]), float(c[1])] for c in coords], props if isinstance(
                props, dict
            ) else {}
    raise ValueError("no LineString feature found")


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


@lru_cache(maxsize=8)
def fallback_order(lang: str) -> tuple[str, ...]:
    """Languages to try for an installation's text: the asked one, then the others."""
    return (lang, *(x for x in LANGUAGES if x != lang)) if lang in LANGUAGES else LANGUAGES


def localized(row: dict[str, Any], field: str, lang: str) -> tuple[str, str]:
    """``(text, language)`` of ``field`` in ``lang``, or in the first fallback that has it."""
    for candidate in fallback_order(lang):
        key = field if candidate == LANGUAGES[0] else f"{field}_{candidate}"
        if row.get(key):
            return str(row[key]), candidate
    return "", lang
