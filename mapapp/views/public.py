"""The public pages: the walkable map (a small shell), a permalink per work, the plain list.

The map page is a *shell*: the map, the controls and one small settings blob; the
page's script fetches the route and the stops (:mod:`mapapp.views.api`, cached for
good at the data version the settings name) and renders the stop list itself, a page
at a time. The shell holds no per-request value (its only inline script, folium's,
is allowed by its hash), so ``/`` in each language is built and compressed once per
data version. A permalink is the same shell focused on one work, with that work's
title and text in the HTML for link previews and for browsers without JavaScript;
``/stops`` lists every stop in walking order, paged, with no script at all.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from flask import (
    Blueprint,
    abort,
    current_app,
    make_response,
    render_template,
    request,
    send_from_directory,
)
from flask_babel import force_locale, ngettext
from flask_babel import gettext as _
from flask_login import current_user
from jinja2.utils import htmlsafe_json_dumps
from markupsafe import Markup, escape

from .. import contract, geo, payloads, tiles
from ..catalog import Walk, localize_stop, period_text, route_credit, walk_layers
from ..records import KINDS, LANGUAGES, PHOTO_RE, localized
from ..web.assets import asset_url, inline_icon_url
from ..web.cache import cached
from ..web.db import get_store
from ..web.encoded import REVALIDATE, Encoded, send_cached
from ..web.formats import km as km_text
from ..web.formats import number_symbols
from ..web.gallery import photo_credit
from ..web.i18n import current_language
from ..web.labels import kind_labels, precision_labels
from ..web.routing import PAGE
from ..web.security import allow_inline_script, script_hash
from ..web.urls import current_urls
from ..web.walk import content_order, current_walk
from .tours import share_settings

bp = Blueprint("public", __name__)

SETTINGS_ID = "terrenkur-settings"
#: Stops per page of the map page's list (a few hundred DOM nodes at most).
LIST_PAGE_SIZE = 50
#: Stops per page of the plain list, ``/stops``.
STOPS_PAGE_SIZE = 100
#: A description is cut to this many characters for link previews.
PREVIEW_CHARS = 200
#: A walk whose stop table is this small (the shipped data) comes in the page itself:
#: the map draws without waiting for a second request. Larger ones are fetched.
INLINE_DATA_BYTES = 24 * 1024


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
        "nextAheadOff": _(
            "Next heading %(dir)s: %(title)s, %(dist)s along the river and then %(off)s off it,"
            " about %(min)s min",
            dir="{dir}",
            title="{title}",
            dist="{dist}",
            off="{off}",
            min="{min}",
        ),
        "locateDenied": _("The browser was told not to share your position with this page."),
        "locateTimeout": _("Your position took too long to find."),
        "locateUnavailable": _("Your position cannot be found here."),
        "pickPlace": _("Tap the map where you are instead."),
        "works": plural_forms("%(num)s work", "%(num)s works"),
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
        "routeName": _("Esentai (Vesnovka) river walk"),
        "legend": _("Legend"),
        "photoOf": _("Photo of %(title)s", title="{title}"),
        "listKm": _("km %(km)s", km="{km}"),
        "listOffRiver": _("%(dist)s km from the river", dist="{dist}"),
        "listLink": _("Link"),
        "listRange": _(
            "Stops %(first)s–%(last)s of %(total)s", first="{first}", last="{last}", total="{total}"
        ),
        "listNone": _("No stop matches the filters."),
        "loadingDetails": _("Loading the details…"),
        "detailsFailed": _("The details of this work could not be loaded. Try again online."),
        "dataFailed": _("The stops could not be loaded. Check the connection and reload."),
        "photoBy": _("Photo: %(credit)s", credit="{credit}"),
        "creditNotRecorded": _("Photo credit not recorded"),
        "allRights": _("all rights reserved, shown with permission"),
        "licence": _("licence"),
        "howWeKnow": _("How we know"),
        "surveyedOn": _("Surveyed on site on %(date)s", date="{date}"),
        "reportProblem": _("Something wrong?"),
    }


#: A number of each plural category (Intl.PluralRules) in the languages we have.
_PLURAL_SAMPLES = {"one": 1, "few": 2, "many": 5, "other": 5}


def plural_forms(singular: str, plural: str) -> dict[str, str]:
    """A count's text per plural category, ``{n}`` in place of the number (for scripts)."""
    return {
        cat: ngettext(singular, plural, n).replace(str(n), "{n}")
        for cat, n in _PLURAL_SAMPLES.items()
    }


def missing_language_notes() -> dict[str, str]:
    """What a map page kept in one language says, offline, to a reader who asked for
    another (in the language asked for)."""
    notes = {}
    for code in LANGUAGES:
        with force_locale(code):
            notes[code] = _(
                "This language was not saved for use offline, so the map is shown in the"
                " language that was. Go online to change the language."
            )
    return notes


def page_links(walk: Walk, lang: str) -> dict[str, str]:
    """URLs and templates for the map script, from this request's URL builder."""
    urls = current_urls()
    version = payloads.data_token(walk)
    links = {
        "permalink": urls.work_template(),
        "photoUrl": urls.photo_template(),
        "artistUrl": urls.artist_template(),
        "reportUrl": urls.report_template(),  # empty on a static site (no server)
        "route": urls.route_data(version),
        "stops": urls.stops_data(version, lang),
        "details": urls.details_template(version, lang),
    }
    return {k: v for k, v in links.items() if v}


def map_settings(walk: Walk, lang: str, links: dict[str, str]) -> dict[str, Any]:
    """The one JSON blob the map script reads: labels, strings, contract, where the data is.

    No stop is in it (the script fetches them) unless the walk is small
    (:data:`INLINE_DATA_BYTES`: then its stop table and route are under ``inline``),
    and the focused work is not either (the ``data-focus`` attribute, or the URL), so
    the blob is the same for every page of one language and data version.
    """
    from .. import maps  # folium: loaded by the first page that draws a map

    forward, backward = geo.compass_heading(walk.route)
    labels = kind_labels()
    present = {s["kind"] for s in walk.stops}
    w, s, e, n = walk.route.line_lonlat.bounds
    inline = {}
    if page_holds_its_data(walk, lang):
        inline = {
            "stops": json.loads(payloads.slim_table(walk, lang)),
            "route": json.loads(payloads.route_collection(walk)),
        }
    return {
        "lang": lang,
        "inline": inline,
        "version": payloads.data_token(walk),
        "count": len(walk.stops),
        "bounds": [[round(s, 6), round(w, 6)], [round(n, 6), round(e, 6)]],
        "listPageSize": LIST_PAGE_SIZE,
        "routeStyles": list(maps.ROUTE_STYLES),
        "kinds": [
            {"id": k, "label": labels[k], "icon": inline_icon_url(f"icons/{k}.svg")}
            for k in KINDS
            if k in present
        ],
        "precision": precision_labels(),
        "headings": {"forward": forward, "backward": backward},
        "direction": walk.direction,  # the route's default walking direction
        "strings": js_strings(),
        "layers": walk_layers(walk, Path(current_app.config["DATA_DIR"]), lang),
        "layerLabels": {
            "crossings": _("Streets crossed"),
            "bike_stations": _("Almaty Bike stations"),
        },
        "contract": contract.browser_contract(links, **walk.contract_args),
        "offlineMaxZoom": max(tiles.WALK_ZOOMS),
        "numbers": number_symbols(),
        "languageMissing": missing_language_notes(),
        "share": share_settings(payloads.data_token(walk)),
    }


def page_holds_its_data(walk: Walk, lang: str) -> bool:
    """Whether the map page carries its stop table and route (a small walk)."""
    key = (walk.version, lang)
    return cached("inline", key, lambda: len(payloads.slim_table(walk, lang)) <= INLINE_DATA_BYTES)


def _shell_parts(walk: Walk, lang: str, links: dict[str, str]) -> dict[str, Any]:
    from .. import maps

    config = current_app.config
    m = maps.walk_map(
        [list(c) for c in walk.route.line_lonlat.coords],
        tiles_url=config["TILES"] or None,
        tiles_attribution=config["TILES_ATTRIBUTION"],
        asset_url=asset_url,
        settings_id=SETTINGS_ID,
    )
    parts = maps.render_parts(m)
    labels = kind_labels()
    present = {s["kind"] for s in walk.stops}
    settings = map_settings(walk, lang, links)
    return {
        "map_parts": parts,
        "script_hash": script_hash(parts["script"]),
        "settings_json": htmlsafe_json_dumps(settings, separators=(",", ":")),
        "count": len(walk.stops),
        "kinds": [(k, labels[k]) for k in KINDS if k in present],
        "festivals": festival_options(walk, lang),
        "headings": geo.compass_heading(walk.route),
        "direction": walk.direction,
        "route_credit": route_credit(walk.route_properties),
        "preload": [] if settings["inline"] else [links["stops"], links["route"]],
        "scripts": [asset_url(p) for _n, p in maps.SCRIPTS],
        "styles": [asset_url(p) for _n, p in maps.STYLES],
    }


def festival_options(walk: Walk, lang: str) -> list[dict[str, Any]]:
    """The map's festival filter: each festival, and its editions that have stops.

    A festival's value is its name (as the API's ``festival=``), an edition's
    ``edition:<key>``.
    """
    order = content_order()
    out = []
    for festival, editions in walk.festival_choices():
        name = localized(festival, "name", lang, order)[0]
        out.append(
            {
                "value": festival["name"],
                "label": name,
                "all": _("%(festival)s: all editions", festival=name),
                "editions": [
                    {
                        "value": f"edition:{e['slug']}",
                        "label": localized(e, "name", lang, order)[0],
                    }
                    for e in editions
                ],
            }
        )
    return out


def shell_parts() -> dict[str, Any]:
    """The parts of the map page for this language and data version (built once)."""
    walk = current_walk()
    lang = current_language()
    links = page_links(walk, lang)
    key = (walk.version, lang, tuple(sorted(links.items())), current_app.config["TILES"])
    parts = cached("map-shell", key, lambda: _shell_parts(walk, lang, links))
    if not current_urls().static:
        allow_inline_script(parts["script_hash"])
    return parts


def festival_text(stop: dict[str, Any], lang: str) -> str:
    """The edition a stop belongs to, else its festival, by name in ``lang``."""
    order = content_order()
    return (
        localized(stop, "edition_name", lang, order)[0]
        or localized(stop, "festival_name", lang, order)[0]
        or stop["festival"]
    )


def artists_html(stop: dict[str, Any], lang: str) -> Markup:
    """``by <a>A</a>, <a>B</a>`` linking each artist's page (empty without artists);
    every text is escaped."""
    if not stop["artists"]:
        return Markup("")
    urls, order = current_urls(), content_order()
    links = [
        (urls.artist(a["slug"]), localized(a, "name", lang, order)[0]) for a in stop["artists"]
    ]
    names = ", ".join(f'<a href="{escape(href)}">{escape(name)}</a>' for href, name in links)
    template = str(escape(_("by %(artist)s", artist="{artist}")))
    return Markup(template.replace("{artist}", names))  # noqa: S704 (names escaped above)


def focus_card(stop: dict[str, Any], lang: str) -> dict[str, Any]:
    """What a permalink's HTML says of its work (for link previews and for no script)."""
    order = content_order()
    title, title_lang = localized(stop, "title", lang, order)
    description, description_lang = localized(stop, "description", lang, order)
    preview = " ".join(description.split())
    if len(preview) > PREVIEW_CHARS:
        preview = preview[: PREVIEW_CHARS - 1].rsplit(" ", 1)[0] + "…"
    facts = [
        kind_labels().get(stop["kind"], stop["kind"]),
        festival_text(stop, lang),
        stop.get("year"),
    ]
    return {
        "slug": stop["slug"],
        "title": title,
        "title_lang": title_lang,
        "description": description,
        "description_lang": description_lang,
        "preview": preview,
        "facts": " · ".join(str(f) for f in facts if f),
        "by": artists_html(stop, lang),
        "artist": stop.get("artist") or "",
        "dates": period_text(stop.get("start_date") or "", stop.get("end_date") or "", lang),
        "km": km_text(stop["chainage_m"]),
        "source_url": stop.get("source_url") or "",
        "how_we_know": localized(stop, "how_we_know", lang, order)[0],
        "photos": focus_photos(stop, lang),
        "report_url": current_urls().report_template().replace("{slug}", stop["slug"]),
    }


def focus_photos(stop: dict[str, Any], lang: str) -> list[dict[str, str]]:
    """A work's gallery for its page without script: cover first, each with its credit."""
    template, order = current_urls().photo_template(), content_order()
    photos = stop.get("photos") or ([{"name": stop["photo"]}] if stop.get("photo") else [])
    return [
        {
            "src": template.replace("{name}", p["name"]),
            "caption": localized(p, "caption", lang, order)[0],
            "credit": photo_credit(p),
        }
        for p in photos
    ]


def render_map_page(focus: dict[str, Any] | None = None, status: int = 200):
    """The walk map page in the current language (also used by the static export)."""
    lang = current_language()
    return (
        render_template(
            "map.html",
            focus=None if focus is None else focus_card(focus, lang),
            focus_stop=focus,
            settings_id=SETTINGS_ID,
            **shell_parts(),
        ),
        status,
    )


@bp.get(f"{PAGE}/")
def index():
    if set(request.args) - {"lang"}:  # other arguments are kept in the links: not cached
        return render_map_page()
    walk = current_walk()
    key = (walk.version, _language_key(), current_app.config["TILES"], request.script_root)

    def build() -> Encoded:
        html, _status = render_map_page()
        script = shell_parts()["script_hash"]
        return Encoded.of(html.encode(), "text/html", scripts=(script,))

    return send_cached("map-page", key, build, REVALIDATE, vary=_language_vary())


def _language_key() -> tuple[str, bool]:
    """The page's language, and whether the URL names it (its links then keep ``?lang=``)."""
    return current_language(), request.args.get("lang") in LANGUAGES


def _language_vary() -> str:
    """``Accept-Language`` unless the URL names a language (``?lang=``)."""
    return "" if request.args.get("lang") in LANGUAGES else "Accept-Language"


@bp.get(f"{PAGE}/installations/<slug>")
def installation(slug: str):
    """The shell focused on one work: rendered per request (there are as many as works),
    from the parts cached for the language; revalidated with a weak ETag."""
    stop = current_walk().by_slug(slug)
    if stop is None:
        abort(404, description=_("There is no published work at this address."))
    html, _status = render_map_page(focus=stop)
    resp = make_response(html)
    resp.headers["Cache-Control"] = REVALIDATE
    resp.set_etag(hashlib.blake2b(resp.get_data(), digest_size=12).hexdigest(), weak=True)
    return resp.make_conditional(request)


# the plain list ----------------------------------------------------------------------------


def stops_page_count(walk: Walk) -> int:
    return max(1, -(-len(walk.stops) // STOPS_PAGE_SIZE))


def render_stops_page(page: int) -> str:
    """One page of the plain list of stops in walking order (no script)."""
    walk = current_walk()
    lang = current_language()
    urls = current_urls()
    labels = kind_labels()
    pages = stops_page_count(walk)
    start = (page - 1) * STOPS_PAGE_SIZE
    items = []
    for stop in walk.stops[start : start + STOPS_PAGE_SIZE]:
        title, title_lang = localized(stop, "title", lang, walk.languages)
        meta = [_("km %(km)s", km=km_text(stop["chainage_m"])), labels[stop["kind"]]]
        if festival_text(stop, lang):
            meta.append(festival_text(stop, lang))
        if stop["offset_m"] > contract.LIST_OFF_ROUTE_M:
            meta.append(_("%(dist)s km from the river", dist=km_text(stop["offset_m"])))
        items.append(
            {
                "id": stop["id"],
                "href": urls.work(stop["slug"]),
                "title": title,
                "lang": title_lang if title_lang != lang else None,
                "meta": " · ".join(meta),
                "by": artists_html(stop, lang),
            }
        )
    return render_template(
        "stops.html",
        items=items,
        start=start,
        total=len(walk.stops),
        page=page,
        prev_url=urls.stops_page(page - 1) if page > 1 else None,
        next_url=urls.stops_page(page + 1) if page < pages else None,
    )


@bp.get(f"{PAGE}/stops")
def stops():
    raw = request.args.get("page", "1")
    page = int(raw) if raw.isascii() and raw.isdigit() and len(raw) < 7 else 0
    walk = current_walk()
    if not 1 <= page <= stops_page_count(walk):
        abort(404, description=_("There is no such page of the list."))
    if set(request.args) - {"lang", "page"}:
        return render_stops_page(page)
    key = (walk.version, _language_key(), page, request.script_root)

    def build() -> Encoded:
        return Encoded.of(render_stops_page(page).encode(), "text/html")

    return send_cached("stops-page", key, build, REVALIDATE, vary=_language_vary())


def artist_page_parts(slug: str, lang: str) -> dict[str, Any] | None:
    """What an artist's page shows: the artist in ``lang`` and their published works.

    ``None`` when no published work is theirs: the public sees artists only through
    their works.
    """
    order = content_order()
    walk = current_walk()
    artist = walk.references.artists.get(slug)
    works = [localize_stop(s, lang, order) for s in walk.filtered(artist=slug)]
    if artist is None or not works:
        return None
    name, name_lang = localized(artist, "name", lang, order)
    bio, bio_lang = localized(artist, "bio", lang, order)
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
                "km": km_text(w["chainage_m"]),
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


@bp.get(f"{PAGE}/artists/<slug>")
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
