"""Getting to a work and passing it on: directions links, QR codes, tours' works.

Pure functions, no Flask, no SQL. The directions are URL templates (``{lat}``,
``{lon}``, ``{label}``) that the map script fills in per work, so that every map
app is named once, here. QR codes are drawn by `segno`_ as SVG, so that a printed
plaque stays sharp at any size.

.. _segno: https://segno.readthedocs.io/
"""

from __future__ import annotations

import io
from collections.abc import Iterable
from typing import Any
from urllib.parse import quote

import segno

from .folding import browser_tables, fold
from .records import split_keys

#: Map apps a work's "Directions" open, in the order shown: key, name, URL template.
#: ``geo:`` is RFC 5870 (with Android's ``q=`` label); Organic Maps' own ``om://``
#: scheme opens the app; the web maps take walking directions where they can.
DIRECTIONS: tuple[tuple[str, str, str], ...] = (
    ("geo", "geo:", "geo:{lat},{lon}?q={lat},{lon}({label})"),
    (
        "osm",
        "OpenStreetMap",
        "https://www.openstreetmap.org/?mlat={lat}&mlon={lon}#map=18/{lat}/{lon}",
    ),
    ("2gis", "2GIS", "https://2gis.kz/almaty/geo/{lon},{lat}"),
    (
        "google",
        "Google Maps",
        "https://www.google.com/maps/dir/?api=1&destination={lat},{lon}&travelmode=walking",
    ),
    ("organic", "Organic Maps", "om://map?v=1&ll={lat},{lon}&n={label}"),
)

#: How many modules (squares) a plaque's QR code is drawn with per side, at least.
QR_BORDER = 2


def directions_templates() -> list[dict[str, str]]:
    """The directions as the map script reads them: ``key``, ``name``, ``url``."""
    return [{"key": k, "name": n, "url": u} for k, n, u in DIRECTIONS]


def directions_links(lat: float, lon: float, label: str) -> list[dict[str, str]]:
    """Each map app's link to a point (``label`` percent-encoded where it goes)."""
    values = {"lat": f"{lat:.6f}", "lon": f"{lon:.6f}", "label": quote(label, safe="")}
    return [{"key": k, "name": n, "url": u.format(**values)} for k, n, u in DIRECTIONS]


def qr_svg(url: str, *, scale: int = 4, title: str = "") -> str:
    """An inline ``<svg>`` QR code of ``url`` (error correction M: a scuffed sign reads).

    ``title`` becomes the SVG's ``<title>``, what a screen reader says for it.
    """
    code = segno.make(url, error="m", micro=False)
    return str(
        code.svg_inline(
            scale=scale,
            border=QR_BORDER,
            title=title or None,
            svgclass="qr",
            lineclass=None,
            omitsize=True,
        )
    )


def qr_svg_document(url: str, *, scale: int = 8, title: str = "") -> bytes:
    """A standalone SVG file of the QR code of ``url``."""
    out = io.BytesIO()
    segno.make(url, error="m", micro=False).save(
        out, kind="svg", scale=scale, border=QR_BORDER, title=title or None, encoding="utf-8"
    )
    return out.getvalue()


def tour_stops(tour: dict[str, Any], stops: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """The tour's works that are among ``stops`` (the published ones), in the tour's order."""
    by_slug = {s["slug"]: s for s in stops}
    return [by_slug[k] for k in split_keys(tour.get("works")) if k in by_slug]


def tour_length_m(stops: list[dict[str, Any]]) -> float:
    """How far the tour goes along the river: from its first work's chainage to its last."""
    if len(stops) < 2:
        return 0.0
    chainages = [s["chainage_m"] for s in stops]
    return float(sum(abs(b - a) for a, b in zip(chainages, chainages[1:], strict=False)))


def search_names(stop: dict[str, Any]) -> str:
    """The names a walker may search a work by: its titles, credit, artists, festival."""
    names = [stop.get(c) or "" for c in ("title", "title_ru", "title_kk", "artist")]
    for artist in stop.get("artists") or []:
        names.extend(artist.get(c) or "" for c in ("name", "name_ru", "name_kk"))
    for field in ("festival_name", "edition_name"):
        names.extend(stop.get(f"{field}{s}") or "" for s in ("", "_ru", "_kk"))
    return " ".join(n for n in names if n)


def offline_search_index(stops: Iterable[dict[str, Any]]) -> dict[str, Any]:
    """What the map searches offline: per work its id and its names' folded words.

    The same words the server's index holds in ``title_latin`` (so ``kasteyev``
    finds Кастеев offline too), with the folding's tables to fold a query alike.
    """
    ids, keys = [], []
    for stop in stops:
        ids.append(stop["id"])
        keys.append(fold(search_names(stop)))
    return {"ids": ids, "keys": keys, "folding": browser_tables()}
