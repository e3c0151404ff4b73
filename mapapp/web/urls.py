"""One URL builder for the public pages, used by views, templates and the static export.

:class:`AppUrls` gives the URLs the app serves (``/installations/<slug>?lang=ru``);
:class:`ExportUrls` those of the exported static files (``/ru/installations/<slug>/``).
The static export renders each page with an :class:`ExportUrls` in place
(:func:`use`), so its links are right from the start rather than rewritten.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from urllib.parse import urlencode

from flask import g, request, url_for
from markupsafe import Markup, escape

from .i18n import current_language
from .security import csp_nonce

_SLUG = "__slug__"
_NAME = "__name__"
_CHUNK = 987654321


class AppUrls:
    """URLs of the public site as the app serves it; the page's language is kept."""

    #: Whether pages are rendered for a static host (no server, no CSP nonce).
    static = False

    def home(self) -> str:
        """The map page of the request's route."""
        return url_for("public.index")

    def all_routes(self) -> str:
        """The home page listing every route (empty when there is none: a one-route export)."""
        return url_for("routes.home")

    def route_page(self, slug: str) -> str:
        """The map page of route ``slug``."""
        return url_for("public.index", route=slug)

    def work(self, slug: str) -> str:
        return url_for("public.installation", slug=slug)

    def work_template(self) -> str:
        """A work's URL with ``{slug}`` in place of the slug (for scripts)."""
        return self.work(_SLUG).replace(_SLUG, "{slug}")

    def artist(self, slug: str) -> str:
        return url_for("public.artist", slug=slug)

    def artist_template(self) -> str:
        """An artist's page's URL with ``{slug}`` in place of the key (for scripts)."""
        return self.artist(_SLUG).replace(_SLUG, "{slug}")

    def event(self, slug: str) -> str:
        return url_for("events.event_page", slug=slug)

    def whats_on(self) -> str:
        return url_for("events.whats_on")

    def route_calendar(self) -> str:
        """The iCalendar feed of the route's events."""
        return url_for("events.route_calendar")

    def festival_calendar(self, slug: str) -> str:
        """The iCalendar feed of a festival's events."""
        return url_for("events.festival_calendar", slug=slug)

    def report_template(self) -> str:
        """A work's "Something wrong?" form with ``{slug}`` (empty on a static site)."""
        return url_for("reports.problem", slug=_SLUG).replace(_SLUG, "{slug}")

    def suggest(self) -> str:
        """The "Suggest a work here" form (empty on a static site, which has no server)."""
        return url_for("reports.suggest")

    def photo_template(self) -> str:
        """A phone-sized photo's URL with ``{name}`` in place of its file name."""
        return url_for("public.media", name=f"phone/{_NAME}").replace(_NAME, "{name}")

    def in_language(self, code: str) -> str:
        """This page in another language, keeping its other query arguments."""
        args = [(k, v) for k, v in request.args.items(multi=True) if k != "lang"]
        args.append(("lang", code))
        return f"{request.script_root}{request.path}?{urlencode(args)}"

    def manifest(self) -> str:
        return url_for("offline.manifest")

    def data(self, endpoint: str) -> str:
        """A data file (``api.route``, ``api.installations``), the same in every language."""
        return url_for(endpoint, lang=None)

    def route_data(self, version: str) -> str:
        """The route the map draws, at data ``version`` (cacheable for good)."""
        return url_for("api.route", lang=None, v=version)

    def stops_data(self, version: str, lang: str) -> str:
        """The slim stop table the map draws from, in ``lang``, at ``version``."""
        return url_for("api.stops", lang=lang, v=version)

    def details_template(self, version: str, lang: str) -> str:
        """A detail chunk's URL with ``{n}`` in place of its number."""
        url = url_for("api.details", chunk=_CHUNK, lang=lang, v=version)
        return url.replace(str(_CHUNK), "{n}")

    def stops_page(self, page: int = 1) -> str:
        """The plain list of stops (no script needed), ``page`` counted from 1."""
        return url_for("public.stops", page=page if page > 1 else None)


def language_dir(lang: str, default: str) -> str:
    """Where a language's pages live in an export, relative to its root: ``""`` or ``"ru/"``."""
    return "" if lang == default else f"{lang}/"


class ExportUrls(AppUrls):
    """URLs of the exported static site's pages of one route, at ``prefix``.

    ``root`` is where the site is served (``/`` or ``/terrenkur/``; ``prefix`` by
    default); ``prefix`` is the route's folder in it (``/terrenkur/esentai/`` in an
    export of every route, the root in an export of one). Within it the default
    language's pages are at the top, the others in ``<lang>/``; a work's page is the
    folder ``installations/<slug>/``, an event's ``events/<slug>/`` and "What's on"
    ``events/``; the calendar feeds are ``calendar/*.ics`` files. The photos, the
    assets and (with ``home``) the home page listing the routes are at the root.
    """

    static = True

    def __init__(
        self,
        prefix: str,
        default_lang: str,
        slug: str | None = None,
        folder: str = "installations",
        *,
        root: str | None = None,
        home: bool = False,
    ):
        self.prefix = prefix
        self.default_lang = default_lang
        self.slug = slug  # the work (or artist) whose page is being rendered, if any
        self.folder = folder  # "installations" or "artists": what kind of page that is
        self.root = root or prefix
        self.has_home = home  # whether the export has the home page listing the routes

    def page(self, lang: str, slug: str | None = None, folder: str = "installations") -> str:
        work = f"{folder}/{slug}/" if slug else ("events/" if folder == "events" else "")
        return self.prefix + language_dir(lang, self.default_lang) + work

    def home(self) -> str:
        return self.page(current_language())

    def work(self, slug: str) -> str:
        return self.page(current_language(), slug)

    def work_template(self) -> str:
        return self.page(current_language(), "{slug}")

    def artist(self, slug: str) -> str:
        return self.page(current_language(), slug, "artists")

    def artist_template(self) -> str:
        return self.page(current_language(), "{slug}", "artists")

    def event(self, slug: str) -> str:
        return self.page(current_language(), slug, "events")

    def whats_on(self) -> str:
        return self.page(current_language(), None, "events")

    def route_calendar(self) -> str:
        return self.page(current_language(), None) + "calendar/route.ics"

    def festival_calendar(self, slug: str) -> str:
        return self.page(current_language(), None) + f"calendar/festivals/{slug}.ics"

    def all_routes(self) -> str:
        if not self.has_home:
            return ""
        return self.root + language_dir(current_language(), self.default_lang)

    def route_page(self, slug: str) -> str:
        return f"{self.root}{slug}/" + language_dir(current_language(), self.default_lang)

    def photo_template(self) -> str:
        return self.root + "media/phone/{name}"

    def report_template(self) -> str:
        return ""

    def suggest(self) -> str:
        return ""

    def in_language(self, code: str) -> str:
        return self.page(code, self.slug, self.folder)

    def manifest(self) -> str:
        return (
            self.prefix
            + language_dir(current_language(), self.default_lang)
            + ("manifest.webmanifest")
        )

    def route_data(self, version: str) -> str:
        return f"{self.prefix}data/{version}/route.geojson"

    def stops_data(self, version: str, lang: str) -> str:
        return f"{self.prefix}data/{version}/{lang}/stops.json"

    def details_template(self, version: str, lang: str) -> str:
        return f"{self.prefix}data/{version}/{lang}/details-{{n}}.json"

    def stops_page(self, page: int = 1) -> str:
        return self.page(current_language()) + "stops/" + (f"{page}/" if page > 1 else "")


def current_urls() -> AppUrls:
    """The URL builder of this request (the app's, unless an export put its own)."""
    urls = g.get("site_urls")
    return urls if isinstance(urls, AppUrls) else AppUrls()


@contextmanager
def use(urls: AppUrls) -> Iterator[AppUrls]:
    """Render with ``urls`` within the current request context."""
    previous = g.get("site_urls")
    g.site_urls = urls
    try:
        yield urls
    finally:
        g.site_urls = previous


def nonce_attr() -> Markup:
    """`` nonce="..."`` for an inline script, or nothing on a static page (no policy)."""
    if current_urls().static:
        return Markup("")
    return Markup(' nonce="%s"') % escape(csp_nonce())


def template_globals() -> dict[str, Any]:
    return {"urls": current_urls, "nonce_attr": nonce_attr}
