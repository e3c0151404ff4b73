"""Tours, QR codes and plaques: the public pages for walking a selection and signing it.

- ``/tours`` and ``/tours/<slug>``: the curators' tours, each with its works in
  order, a "seen" tick per work (kept on the phone, ``static/js/tours.js``) and a
  link that follows it on the map (``/?tour=<slug>``);
- ``/api/tours/<slug>``: a tour as JSON, with its works' ids in walking order (what
  the map's walk mode follows);
- ``/installations/<slug>/qr.svg``: a work's QR code (its permalink);
- ``/plaques`` and ``/tours/<slug>/plaques``: an A4 sheet of QR plaques to print.

Only published works appear; a tour's drafts wait until they are published.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, abort, render_template, request, url_for
from flask_babel import gettext as _

from ..catalog import localize_stop
from ..records import localized, split_keys
from ..sharing import (
    directions_templates,
    qr_svg,
    qr_svg_document,
    tour_length_m,
    tour_stops,
)
from ..web.cache import cached
from ..web.db import data_version, get_store
from ..web.formats import km
from ..web.i18n import current_language
from ..web.params import json_response
from ..web.routing import API, PAGE
from ..web.urls import current_urls
from ..web.walk import content_order, current_walk

bp = Blueprint("tours", __name__)

#: The tour texts shown in the reader's language (or a fallback).
TOUR_TEXTS = ("name", "description", "start_note", "end_note")


def _tour_or_404(slug: str) -> dict[str, Any]:
    tour = get_store().record_by_slug("tour", slug) if len(slug) <= 80 else None
    if tour is None or not on_this_route(tour):
        abort(404, description=_("There is no tour at this address."))
    return tour


def _published_slugs() -> frozenset[str]:
    return cached(
        "published-slugs",
        data_version(),
        lambda: frozenset(r["slug"] for r in get_store().installations()),
    )


def on_this_route(tour: dict[str, Any]) -> bool:
    """Whether the tour belongs to the request's route: it has published works and every
    one of them is a stop of this route (a tour reaching into another route's works is
    on neither route's pages)."""
    published = _published_slugs()
    keys = [k for k in split_keys(tour.get("works")) if k in published]
    stops = {s["slug"] for s in current_walk().stops}
    return bool(keys) and all(k in stops for k in keys)


def absolute(url: str) -> str:
    """``url`` (a path) as a full address on this server, for a QR code or a share."""
    return request.host_url.rstrip("/") + url if url.startswith("/") else url


def tour_parts(tour: dict[str, Any], lang: str) -> dict[str, Any]:
    """A tour in ``lang``: its texts (with their languages) and its published works."""
    order = content_order()
    stops = [localize_stop(s, lang, order) for s in tour_stops(tour, current_walk().stops)]
    texts = {f: localized(tour, f, lang, order) for f in TOUR_TEXTS}
    return {
        "tour": tour,
        "texts": texts,
        "stops": stops,
        "length_km": km(tour_length_m(stops)),
        "km": {s["id"]: km(s["chainage_m"]) for s in stops},
    }


@bp.get(f"{PAGE}/tours")
def index():
    lang = current_language()
    tours = []
    for row in get_store().records("tour"):
        if not on_this_route(row):
            continue
        parts = tour_parts(row, lang)
        if parts["stops"]:
            tours.append(parts)
    return render_template("tours.html", tours=tours)


def _route_tour_or_404(slug: str) -> dict[str, Any]:
    """:func:`tour_parts` of a tour with works on the request's route (another
    route's tour is not found here)."""
    parts = tour_parts(_tour_or_404(slug), current_language())
    if not parts["stops"]:
        abort(404, description=_("There is no tour at this address."))
    return parts


@bp.get(f"{PAGE}/tours/<slug>")
def tour(slug: str):
    return render_template("tour.html", **_route_tour_or_404(slug))


@bp.get(f"{API}/tours/<slug>")
def tour_json(slug: str):
    """A tour with its works in walking order: ``ids`` and ``slugs`` (published only)."""
    parts = _route_tour_or_404(slug)
    row, texts = parts["tour"], parts["texts"]
    return json_response(
        {
            "slug": row["slug"],
            "name": texts["name"][0],
            "description": texts["description"][0],
            "duration_min": row["duration_min"],
            "start_note": texts["start_note"][0],
            "end_note": texts["end_note"][0],
            "ids": [s["id"] for s in parts["stops"]],
            "slugs": [s["slug"] for s in parts["stops"]],
            "url": url_for("tours.tour", slug=row["slug"]),
            "map_url": url_for("public.index", tour=row["slug"]),
        }
    )


@bp.get(f"{PAGE}/installations/<slug>/qr.svg")
def work_qr(slug: str):
    """A work's QR code: its permalink in the language asked for (``?lang=``), else none."""
    stop = next((s for s in current_walk().stops if s["slug"] == slug), None)
    if stop is None:
        abort(404, description=_("There is no published work at this address."))
    body = qr_svg_document(qr_target(slug), title=stop["title"])
    resp = Response(body, mimetype="image/svg+xml")
    resp.headers["Cache-Control"] = "public, max-age=3600"
    return resp


def qr_target(slug: str) -> str:
    """The address a work's QR code opens: its permalink, in the page's language if named."""
    lang = request.args.get("lang")
    return absolute(url_for("public.installation", slug=slug, lang=lang))


def plaques_page(stops: list[dict[str, Any]], heading: str):
    order = content_order()
    lang = current_language()
    localized_stops = [localize_stop(s, lang, order) for s in stops]
    plaques = [
        {
            "stop": s,
            "km": km(s["chainage_m"]),
            "url": qr_target(s["slug"]),
            "qr": qr_svg(qr_target(s["slug"]), title=_("QR code: %(title)s", title=s["title"])),
        }
        for s in localized_stops
    ]
    return render_template("plaques.html", plaques=plaques, heading=heading)


@bp.get(f"{PAGE}/plaques")
def plaques():
    """Every published work's plaque, in walking order, to print on A4."""
    return plaques_page(current_walk().stops, _("Plaques for the river walk"))


@bp.get(f"{PAGE}/tours/<slug>/plaques")
def tour_plaques(slug: str):
    row = _tour_or_404(slug)
    stops = tour_stops(row, current_walk().stops)
    if not stops:  # another route's tour
        abort(404, description=_("There is no tour at this address."))
    name = localized(row, "name", current_language(), content_order())[0]
    return plaques_page(stops, _("Plaques for the tour “%(name)s”", name=name))


def _slug_template(endpoint: str, **values: Any) -> str:
    """``endpoint``'s URL with ``{slug}`` in place of the slug (for scripts)."""
    return url_for(endpoint, slug="__slug__", **values).replace("__slug__", "{slug}")


def share_settings(version: str) -> dict[str, Any]:
    """What share.js, search.js and tours.js read from the map's settings blob.

    ``version`` (the walk's data version) names the search index, so that a phone
    keeps one copy per version.
    """
    return {
        "directions": directions_templates(),
        # a static export has no server behind it: no QR codes, tours or search there
        "urls": {}
        if current_urls().static
        else {
            "qr": _slug_template("tours.work_qr", lang=None),
            "tour": _slug_template("tours.tour_json"),
            "searchIndex": url_for("finder.search_index", lang=None, v=version[:16]),
        },
        "strings": {
            "share": _("Share"),
            "linkCopied": _("Link copied."),
            "copyThis": _("Copy this link: %(url)s", url="{url}"),
            "qr": _("QR code"),
            "seen": _("Seen"),
            "directions": _("Directions"),
            "alongRiver": _(
                "%(dist)s along the river walk heading %(dir)s from you, about %(min)s min.",
                dist="{dist}",
                dir="{dir}",
                min="{min}",
            ),
            "alongUnknown": _(
                "Press “%(locate)s” to see how far it is along the river from you.",
                locate=_("Locate me"),
            ),
            "toTheRiver": _("%(dist)s to the river walk, then", dist="{dist}"),
            "thenOff": _("The work is %(dist)s off the river walk.", dist="{dist}"),
            "tourProgress": _("%(seen)s of %(total)s seen", seen="{seen}", total="{total}"),
            "followingTour": _("Tour: %(name)s", name="{name}"),
            "tourPage": _("About the tour"),
            "tourFailed": _("The tour could not be loaded."),
            "searchFound": _("Found: %(n)s", n="{n}"),
            "searchNone": _("Nothing found."),
            "searchFailed": _("Search is not available: its data could not be loaded."),
        },
    }
