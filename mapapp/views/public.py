"""The public pages: the walkable map and a permalink per installation."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import (
    Blueprint,
    abort,
    current_app,
    render_template,
    send_from_directory,
)
from flask_babel import gettext as _
from flask_login import current_user
from jinja2.utils import htmlsafe_json_dumps
from markupsafe import Markup, escape

from .. import contract, geo, maps
from ..catalog import (
    Walk,
    localize_stop,
    period_text,
    reference_layers,
    route_credit,
    route_feature,
    stops_collection,
)
from ..records import KINDS, LANGUAGES, PHOTO_RE, localized
from ..web.assets import asset_url
from ..web.cache import cached
from ..web.db import get_store
from ..web.i18n import current_language
from ..web.labels import kind_labels, precision_labels
from ..web.urls import current_urls
from ..web.walk import current_walk

bp = Blueprint("public", __name__)

SETTINGS_ID = "terrenkur-settings"


def js_strings() -> dict[str, str]:
    """Every string our script shows, translated on the server."""
    return {
        "kmAlong": _("km %(km)s along the route", km="{km}"),
        "offRoute": _("%(dist)s from the river walk", dist="{dist}"),
        "precision": _("Location"),
        "source": _("Source"),
        "by": _("by %(artist)s", artist="{artist}"),
        "festival": _("Festival"),
        "dates": _("Dates"),
        "year": _("Year"),
        "address": _("Address"),
        "locating": _("Finding your position…"),
        "locateFailed": _("Could not get your position: %(reason)s", reason="{reason}"),
        "youAreHere": _("You are here"),
        "nextAhead": _(
            "Next heading %(dir)s: %(title)s, %(dist)s along the river, about %(min)s min",
            dir="{dir}",
            title="{title}",
            dist="{dist}",
            min="{min}",
        ),
        "noneAhead": _("No more stops heading %(dir)s.", dir="{dir}"),
        "nearest": _("Nearest: %(title)s, %(dist)s away", title="{title}", dist="{dist}"),
        "farFromRoute": _("You are %(dist)s from the river walk.", dist="{dist}"),
        "shown": _("%(n)s of %(total)s stops shown", n="{n}", total="{total}"),
        "permalink": _("Link to this work"),
        "showOnMap": _("Show on map"),
        "m": _("%(n)s m", n="{n}"),
        "km": _("%(n)s km", n="{n}"),
        "north": _("north"),
        "south": _("south"),
        "east": _("east"),
        "west": _("west"),
        "route": _("River walk"),
        "legend": _("Legend"),
        "photoOf": _("Photo of %(title)s", title="{title}"),
        "photoBy": _("Photo: %(credit)s", credit="{credit}"),
        "creditNotRecorded": _("Photo credit not recorded"),
        "allRights": _("all rights reserved, shown with permission"),
        "licence": _("licence"),
        "howWeKnow": _("How we know"),
        "surveyedOn": _("Surveyed on site on %(date)s", date="{date}"),
        "reportProblem": _("Something wrong?"),
    }


def map_settings(walk: Walk, stops: list[dict[str, Any]], links: dict[str, str]) -> dict[str, Any]:
    """The one JSON blob the map script reads: route, stops, labels, strings, contract.

    The focused work is not in it (it is the ``data-focus`` attribute), so the blob is
    the same for every page of one language.
    """
    forward, backward = geo.compass_heading(walk.route)
    labels = kind_labels()
    present = {s["kind"] for s in stops}
    return {
        "lang": current_language(),
        "route": route_feature(walk),
        "stops": stops_collection(stops),
        "kinds": [
            {"id": k, "label": labels[k], "icon": asset_url(f"icons/{k}.svg")}
            for k in KINDS
            if k in present
        ],
        "precision": precision_labels(),
        "headings": {"forward": forward, "backward": backward},
        "strings": js_strings(),
        "layers": reference_layers(Path(current_app.config["DATA_DIR"]), current_language()),
        "layerLabels": {
            "crossings": _("Streets crossed"),
            "bike_stations": _("Almaty Bike stations"),
        },
        "contract": contract.browser_contract(links),
    }


def page_links() -> dict[str, str]:
    """URL templates for the map script, from this request's URL builder."""
    urls = current_urls()
    links = {
        "permalink": urls.work_template(),
        "photoUrl": urls.photo_template(),
        "artistUrl": urls.artist_template(),
        "reportUrl": urls.report_template(),
    }
    return {k: v for k, v in links.items() if v}


def artist_links_html(artists: list[dict[str, Any]], links: dict[str, str]) -> Markup:
    """``by <a>A</a>, <a>B</a>`` linking each artist's page; every text is escaped."""
    names = ", ".join(
        f'<a href="{escape(links["artistUrl"].format(slug=a["slug"]))}">{escape(a["name"])}</a>'
        for a in artists
    )
    template = str(escape(_("by %(artist)s", artist="{artist}")))
    return Markup(template.replace("{artist}", names))  # noqa: S704 (names escaped above)


def stop_list_html(stops: list[dict[str, Any]], lang: str, links: dict[str, str]) -> Markup:
    """The ``<li>`` items of the stop list in walking order; every text is escaped.

    Built in Python rather than a template loop: the list has one item per stop and
    must stay fast with thousands of them.
    """
    labels = {k: escape(v) for k, v in kind_labels().items()}
    icons = {k: escape(asset_url(f"icons/{k}.svg")) for k in KINDS}
    km = _("km %(km)s", km="{km}")
    off = _("%(dist)s km from the river", dist="{dist}")
    link = escape(_("Link"))
    items = []
    for s in stops:
        meta = [escape(km.format(km=f"{s['chainage_m'] / 1000:.1f}")), labels[s["kind"]]]
        if s["edition_name"] or s["festival_name"] or s["festival"]:
            meta.append(escape(s["edition_name"] or s["festival_name"] or s["festival"]))
        if s["offset_m"] > contract.LIST_OFF_ROUTE_M:
            meta.append(escape(off.format(dist=f"{s['offset_m'] / 1000:.1f}")))
        title = escape(s["title"])
        title_lang = s["text_lang"]["title"]
        lang_attr = f' lang="{escape(title_lang)}"' if title_lang != lang else ""
        href = escape(links["permalink"].format(slug=s["slug"]))
        by = ""
        if s["artists"]:
            by = f'<p class="stop-artists">{artist_links_html(s["artists"], links)}</p>'
        items.append(
            f'<li data-id="{s["id"]}" data-kind="{escape(s["kind"])}"'
            f' data-festival="{escape(s["festival"])}" data-edition="{escape(s["edition"])}"'
            f' data-chainage="{s["chainage_m"]}">'
            f'<button type="button" class="stop" data-id="{s["id"]}">'
            f'<img src="{icons[s["kind"]]}" alt="" width="20" height="25">'
            f'<span class="stop-title"{lang_attr}>{title}</span>'
            f'<span class="stop-meta">{" · ".join(meta)}</span></button>'
            f'<a class="permalink" href="{href}">{link}'
            f'<span class="visually-hidden">: {title}</span></a>{by}</li>'
        )
    return Markup("\n".join(items))  # noqa: S704 (every value above is escaped)


def _page_parts(walk: Walk, lang: str, links: dict[str, str]) -> dict[str, Any]:
    stops = [localize_stop(s, lang) for s in walk.stops]
    config = current_app.config
    m = maps.walk_map(
        [list(c) for c in walk.route.line_lonlat.coords],
        tiles_url=config["TILES"] or None,
        tiles_attribution=config["TILES_ATTRIBUTION"],
        asset_url=asset_url,
        settings_id=SETTINGS_ID,
        route_name=_("Esentai (Vesnovka) river walk"),
    )
    settings = map_settings(walk, stops, links)
    labels = kind_labels()
    return {
        "stops": stops,
        "map_parts": maps.render_parts(m),
        "settings_json": htmlsafe_json_dumps(settings, separators=(",", ":")),
        "stop_list": stop_list_html(stops, lang, links),
        "kinds": [(k, labels[k]) for k in KINDS if any(s["kind"] == k for s in stops)],
        "festivals": festival_options(walk, lang),
        "headings": geo.compass_heading(walk.route),
        "route_credit": route_credit(walk.route_properties),
    }


def festival_options(walk: Walk, lang: str) -> list[dict[str, Any]]:
    """The map's festival filter: each festival, and its editions that have stops.

    A festival's value is its name (as the API's ``festival=``), an edition's
    ``edition:<key>``.
    """
    out = []
    for festival, editions in walk.festival_choices():
        name = localized(festival, "name", lang)[0]
        out.append(
            {
                "value": festival["name"],
                "label": name,
                "all": _("%(festival)s: all editions", festival=name),
                "editions": [
                    {"value": f"edition:{e['slug']}", "label": localized(e, "name", lang)[0]}
                    for e in editions
                ],
            }
        )
    return out


def render_map_page(
    focus: dict[str, Any] | None = None,
    status: int = 200,
):
    """The walk map page in the current language (also used by the static export)."""
    walk = current_walk()
    lang = current_language()
    links = page_links()
    key = (walk.version, lang, tuple(sorted(links.items())), current_app.config["TILES"])
    parts = cached("map-page", key, lambda: _page_parts(walk, lang, links))
    if focus is not None:
        focus = next(s for s in parts["stops"] if s["id"] == focus["id"])
    return (
        render_template(
            "map.html",
            focus=focus,
            settings_id=SETTINGS_ID,
            scripts=[asset_url(p) for _n, p in maps.SCRIPTS],
            styles=[asset_url(p) for _n, p in maps.STYLES],
            **parts,
        ),
        status,
    )


@bp.get("/")
def index():
    return render_map_page()


@bp.get("/installations/<slug>")
def installation(slug: str):
    stop = next((s for s in current_walk().stops if s["slug"] == slug), None)
    if stop is None:
        abort(404, description=_("There is no published work at this address."))
    return render_map_page(focus=stop)


def artist_page_parts(slug: str, lang: str) -> dict[str, Any] | None:
    """What an artist's page shows: the artist in ``lang`` and their published works.

    ``None`` when no published work is theirs: the public sees artists only through
    their works.
    """
    walk = current_walk()
    artist = walk.references.artists.get(slug)
    works = [localize_stop(s, lang) for s in walk.filtered(artist=slug)]
    if artist is None or not works:
        return None
    name, name_lang = localized(artist, "name", lang)
    bio, bio_lang = localized(artist, "bio", lang)
    other: dict[str, str] = {}
    for code in LANGUAGES:
        text = artist.get("name" if code == LANGUAGES[0] else f"name_{code}") or ""
        if text and text != name and text not in other:
            other[text] = code
    labels = kind_labels()
    return {
        "artist": artist,
        "name": name,
        "name_lang": name_lang,
        "bio": bio,
        "bio_lang": bio_lang,
        "other_names": list(other.items()),
        "works": [
            {
                **w,
                "kind_label": labels[w["kind"]],
                "km": f"{w['chainage_m'] / 1000:.1f}",
                "period": period_text(w.get("start_date") or "", w.get("end_date") or "", lang),
            }
            for w in works
        ],
        "text_status": artist.get(f"text_status_{bio_lang if bio else name_lang}") or "",
    }


def render_artist_page(slug: str):
    """An artist's page in the current language (also used by the static export)."""
    parts = artist_page_parts(slug, current_language())
    if parts is None:
        abort(404, description=_("There is no published work by an artist at this address."))
    return render_template("artist.html", **parts)


@bp.get("/artists/<slug>")
def artist(slug: str):
    return render_artist_page(slug)


@bp.get("/media/<path:name>")
def media(name: str):
    """Photos, full size or ``phone/<name>``; only those of published works are public.

    Only stored photo names are served: nothing else in the media folder (such as
    uploads waiting for their form) is reachable, signed in or not.
    """
    file_name = name.removeprefix("phone/")
    if not PHOTO_RE.fullmatch(file_name):
        abort(404)
    if not current_user.is_authenticated and not get_store().photo_is_public(file_name):
        abort(404)
    return send_from_directory(current_app.config["MEDIA_DIR"], name, max_age=7 * 24 * 3600)
