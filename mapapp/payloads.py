"""The published walk as the bytes the map loads: encoded once per data version.

The map page draws from a *slim* table of stops (id, position, kind, title, chainage
and the few fields its list and filters need), one per language; the texts a card
shows (descriptions, sources, addresses) come in *detail* chunks of
:data:`DETAILS_CHUNK` stops in walking order, fetched when a card opens and in the
background for offline use. Both are column tables (``{"id": [...], "lon": [...]}``),
which compress far better than one object per stop. What the map's time filters need (the
days each work stood) is in the slim table; a work's events and dated life are in its
detail chunk. The GeoJSON of the API is kept
as one encoded fragment per feature, so a filtered or bbox answer is a join of bytes,
not a new serialisation.

No Flask here: the views wrap these bytes in cached responses (:mod:`mapapp.web.encoded`),
the static export writes the same bytes to files.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from . import events, lifecycle
from .catalog import Walk, localize_stop, period_text, route_feature, stop_feature
from .records import localized

#: Bumped whenever the shape of the tables below changes, so that a versioned URL
#: never names two different contents.
FORMAT = 4
#: Stops per detail chunk, in forward walking order.
DETAILS_CHUNK = 1000

#: Columns of the slim table, in order (what the map needs to draw and list).
SLIM_COLUMNS = (
    "id",
    "lon",
    "lat",
    "kind",
    "festival",
    "edition",
    "artists",
    "title",
    "titleLang",
    "slug",
    "chainage",
    "offset",
    "photo",
    "stood",
)
#: Columns of a detail chunk (what a card adds).
DETAIL_COLUMNS = (
    "id",
    "artist",
    "year",
    "dates",
    "description",
    "descriptionLang",
    "address",
    "addressLang",
    "precision",
    "sourceUrl",
    "howWeKnow",
    "surveyedOn",
    "photos",
    "events",
    "life",
)
#: Day 0 of the ``stood`` column's day numbers (as JavaScript's Date.UTC / 86400000).
EPOCH = dt.date(1970, 1, 1)
_FAR_FUTURE = dt.date(9999, 12, 31)


def dumps(doc: Any) -> bytes:
    """Compact UTF-8 JSON (the one encoder of this module)."""
    return json.dumps(doc, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def data_token(walk: Walk) -> str:
    """The version that data URLs carry: the walk's content and this module's format."""
    return hashlib.blake2b(f"{FORMAT}:{walk.digest}".encode(), digest_size=6).hexdigest()


def stood(stop: dict[str, Any]) -> list[list[int | None]] | str | int:
    """When a work stood, as the map's time filters read it: a list of ``[first,
    last]`` day numbers since :data:`EPOCH` (``last`` ``None``: still standing);
    without dated periods ``"g"`` (removed, from an unknown start), ``"n"`` (proposed,
    never installed) or ``0`` (nothing dated: the map shows it)."""
    spans = lifecycle.periods(stop)
    if spans:
        return [[(a - EPOCH).days, None if b is None else (b - EPOCH).days] for a, b in spans]
    state = lifecycle.state_on(stop, _FAR_FUTURE)
    return "g" if state == "gone" else "n" if state == "not_yet" else 0


def chunk_count(stops: int) -> int:
    """How many detail chunks ``stops`` stops make (at least one)."""
    return max(1, -(-stops // DETAILS_CHUNK))


# the map's tables ----------------------------------------------------------------------


def _columns(columns: Sequence[str], rows: Iterable[tuple]) -> dict[str, list[Any]]:
    cols: list[list[Any]] = [[] for _ in columns]
    for row in rows:
        for col, value in zip(cols, row, strict=True):
            col.append(value)
    return dict(zip(columns, cols, strict=True))


def _table(doc: dict[str, Any], columns: Sequence[str], rows: Iterable[tuple]) -> bytes:
    return dumps({**doc, **_columns(columns, rows)})


def slim_table(walk: Walk, lang: str, order: tuple[str, ...] = ()) -> bytes:
    """Every stop in forward walking order, as the map draws and lists it, in ``lang``.

    ``festival`` is the festival's name (the filter's value), ``edition`` the
    edition's key and ``artists`` a list of artists' keys per stop; their names in
    ``lang`` are given once, in ``festivalNames``, ``editionNames`` and
    ``artistNames``. ``order`` is the route's order of content languages to fall
    back on (:func:`mapapp.records.fallback_order`).
    """
    order = order or walk.languages  # the route's own order by default
    festival_names: dict[str, str] = {}
    edition_names: dict[str, str] = {}
    artist_names: dict[str, str] = {}

    def rows() -> Iterable[tuple]:
        for s in walk.stops:
            title, title_lang = localized(s, "title", lang, order)
            if s["festival"] and s["festival"] not in festival_names:
                festival_names[s["festival"]] = localized(s, "festival_name", lang, order)[0]
            if s["edition"] and s["edition"] not in edition_names:
                edition_names[s["edition"]] = localized(s, "edition_name", lang, order)[0]
            for a in s["artists"]:
                if a["slug"] not in artist_names:
                    artist_names[a["slug"]] = localized(a, "name", lang, order)[0]
            yield (
                s["id"],
                round(s["lon"], 6),
                round(s["lat"], 6),
                s["kind"],
                s["festival"] or "",
                s["edition"] or "",
                [a["slug"] for a in s["artists"]],
                title,
                title_lang,
                s["slug"],
                s["chainage_m"],  # to 0.1 m, as the API: the same order of near neighbours
                round(s["offset_m"]),
                s.get("photo") or "",
                stood(s),
            )

    columns = _columns(SLIM_COLUMNS, rows())
    head = {
        "format": FORMAT,
        "lang": lang,
        "count": len(walk.stops),
        "chunk": DETAILS_CHUNK,
        "festivalNames": festival_names,
        "editionNames": edition_names,
        "artistNames": artist_names,
    }
    return dumps({**head, **columns})


def details_table(walk: Walk, lang: str, chunk: int, order: tuple[str, ...] = ()) -> bytes:
    """The card texts of the ``chunk``-th :data:`DETAILS_CHUNK` stops, in ``lang``.

    Never a curator's research note (``source_note``): the public reads the "how
    we know" line. ``photos`` is the gallery, cover first, each photo as
    ``{name, author, licence, taken_on, caption}`` (caption in ``lang``).
    ``events`` lists a stop's events as ``[how, event key]`` (``how``: ``venue`` or
    ``edition``; the map page names the events), ``life`` its dated life as
    ``[status, date, date in words, note, photo]``.
    """
    order = order or walk.languages  # the route's own order by default
    part = walk.stops[chunk * DETAILS_CHUNK : (chunk + 1) * DETAILS_CHUNK]

    def rows() -> Iterable[tuple]:
        for s in part:
            description, description_lang = localized(s, "description", lang, order)
            address, address_lang = localized(s, "address", lang, order)
            yield (
                s["id"],
                s.get("artist") or "",
                s.get("year"),
                period_text(s.get("start_date") or "", s.get("end_date") or "", lang),
                description,
                description_lang,
                address,
                address_lang,
                s["location_precision"],
                s.get("source_url") or "",
                localized(s, "how_we_know", lang, order)[0],
                s.get("surveyed_on") or "",
                [_photo(p, lang, order) for p in s.get("photos") or ()],
                [[how, e["slug"]] for how, e in events.work_events(s, walk.events)],
                [
                    [
                        e["status"],
                        e["date"],
                        period_text(e["date"], "", lang),
                        e.get("note") or "",
                        e.get("photo") or "",
                    ]
                    for e in s.get("life") or ()
                ],
            )

    return _table({"format": FORMAT, "lang": lang, "chunk": chunk}, DETAIL_COLUMNS, rows())


def _photo(photo: dict[str, Any], lang: str, order: tuple[str, ...] = ()) -> dict[str, str]:
    """A gallery photo as a card shows it: file name, credit and caption in ``lang``."""
    return {
        "name": photo["name"],
        "author": photo.get("author") or "",
        "licence": photo.get("licence") or "",
        "taken_on": photo.get("taken_on") or "",
        "caption": localized(photo, "caption", lang, order)[0],
    }


def route_collection(walk: Walk) -> bytes:
    """The route as an RFC 7946 FeatureCollection of one LineString."""
    return dumps({"type": "FeatureCollection", "features": [route_feature(walk)]})


# the API's GeoJSON -----------------------------------------------------------------------


@dataclass(frozen=True)
class Fragments:
    """Each stop's GeoJSON Feature, encoded, in walking order, and what filters need."""

    features: list[bytes]
    kind: np.ndarray
    festival: np.ndarray
    festival_slug: np.ndarray
    edition: np.ndarray
    artists: list[frozenset[str]]
    lon: np.ndarray
    lat: np.ndarray

    @classmethod
    def of(cls, walk: Walk, lang: str | None, order: tuple[str, ...] = ()) -> Fragments:
        """Features with every translation (``lang=None``) or localized to ``lang``
        (falling back on the route's ``order`` of content languages)."""
        order = order or walk.languages  # the route's own order by default
        stops = walk.stops
        features = [
            dumps(stop_feature(s if lang is None else localize_stop(s, lang, order))) for s in stops
        ]
        return cls(
            features,
            np.array([s["kind"] for s in stops], dtype=object),
            np.array([s["festival"] or "" for s in stops], dtype=object),
            np.array([s["festival_slug"] or "" for s in stops], dtype=object),
            np.array([s["edition"] or "" for s in stops], dtype=object),
            [frozenset(a["slug"] for a in s["artists"]) for s in stops],
            np.array([s["lon"] for s in stops], dtype=float),
            np.array([s["lat"] for s in stops], dtype=float),
        )

    @property
    def nbytes(self) -> int:
        return sum(len(f) + 33 for f in self.features) + 8 * 8 * len(self.features)

    def select(
        self,
        kind: str | None = None,
        festival: str | None = None,
        bbox: tuple[float, float, float, float] | None = None,
        edition: str | None = None,
        artist: str | None = None,
    ) -> bytes:
        """A FeatureCollection of the features matching every filter given: ``festival``
        by name or key, ``edition`` and ``artist`` by key."""
        if all(f is None for f in (kind, festival, bbox, edition, artist)):
            return collection(self.features)
        keep = np.ones(len(self.features), dtype=bool)
        if kind is not None:
            keep &= self.kind == kind
        if festival is not None:
            keep &= (self.festival == festival) | (self.festival_slug == festival)
        if edition is not None:
            keep &= self.edition == edition
        if artist is not None:
            keep &= np.fromiter((artist in a for a in self.artists), bool, len(self.artists))
        if bbox is not None:
            w, s, e, n = bbox
            keep &= (self.lon >= w) & (self.lon <= e) & (self.lat >= s) & (self.lat <= n)
        return collection(self.features[i] for i in np.flatnonzero(keep))


def collection(features: Iterable[bytes]) -> bytes:
    """A FeatureCollection around encoded features."""
    return b'{"type":"FeatureCollection","features":[' + b",".join(features) + b"]}"
