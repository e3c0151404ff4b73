"""The public map as a static site: ``mapapp export-site DIR``.

Every page is rendered by the Flask app itself (one request context per page and
language), so the templates stay the single source, with the export's URL builder
(:class:`mapapp.web.urls.ExportUrls`) in place: the map in Russian links to
``/ru/``, a work's page to ``/ru/installations/<slug>/`` (a folder holding
``index.html``, which any static server finds). Every local URL of every written
page is then checked against the written files (:func:`check_site`), so a link to
something a static host cannot serve (``/curator``, ``/api/nearest``...) stops the
export and nothing on the site can 404.

Written into DIR: the map shell in each language and a permalink page per published
work and language (the same shell focused on the work); a page per artist of a
published work (``/ru/artists/<key>/``); "What's on" (``/ru/events/``), a page per
event (``/ru/events/<key>/``) and the calendar feeds (``/ru/calendar/route.ics``,
``/ru/calendar/festivals/<key>.ics``); the plain list of stops (``stops/``, paged)
per language; the map's data once per language at its version,
``data/<version>/route.geojson``, ``data/<version>/<lang>/stops.json`` and
``details-<n>.json`` (the same bytes the API sends); ``api/route.geojson`` and
``api/installations.geojson`` for other programs; the full and phone-sized photos of
published works (and of their life's entries) only; the vendored libraries and our
static files; the service worker at the root and a manifest per language. With
``python -m http.server`` in DIR (or any static host or CDN) the site works with no
Python behind it, offline use included.
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from flask import Flask, g, render_template
from flask_babel import gettext as _
from werkzeug.exceptions import NotFound

from . import payloads
from .records import LANGUAGES
from .views import events as event_views
from .views import routes as route_views
from .views.offline import manifest_doc, manifest_json
from .views.public import (
    SETTINGS_ID,
    render_artist_page,
    render_map_page,
    render_stops_page,
    stops_page_count,
)
from .web import assets
from .web.routing import route_index
from .web.urls import ExportUrls, language_dir, use
from .web.walk import current_walk

#: Lists the files an export wrote, so that ``--force`` removes exactly those.
MARKER = ".terrenkur-export.json"
#: The data files exported, by the app path that serves them.
DATA_PATHS = ("api/route.geojson", "api/installations.geojson")

_ATTRIBUTE = re.compile(r'(\s(?:href|src)=")([^"]*)(")')
_JSON_BLOB = re.compile(r'<script type="application/json" id="([^"]+)"[^>]*>(.*?)</script>', re.S)


class ExportError(Exception):
    """The site cannot be exported as asked; the message says why."""


@dataclass
class ExportReport:
    """What an export wrote."""

    directory: Path
    base_path: str
    languages: tuple[str, ...]
    routes: list[str] = field(default_factory=list)  # the keys of the routes exported
    pages: int = 0
    photos: int = 0
    files: list[str] = field(default_factory=list)
    bytes: int = 0
    missing_photos: list[str] = field(default_factory=list)


def base_path(base_url: str) -> str:
    """The URL path the site is served at, with slashes at both ends.

    ``base_url`` may be a path (``/terrenkur/``) or a full URL
    (``https://example.org/terrenkur``).
    """
    parts = urlsplit(base_url.strip() or "/")
    if parts.query or parts.fragment:
        raise ExportError(f"--base-url {base_url!r}: no query or fragment, please")
    path = parts.path or "/"
    if not path.startswith("/"):
        path = "/" + path
    return path if path.endswith("/") else path + "/"


class _Writer:
    def __init__(self, root: Path, report: ExportReport):
        self.root = root
        self.report = report

    def write(self, rel: str, data: bytes | str) -> None:
        path = self.root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        body = data.encode("utf-8") if isinstance(data, str) else data
        path.write_bytes(body)
        self.report.files.append(rel)
        self.report.bytes += len(body)

    def copy(self, source: Path, rel: str) -> None:
        self.write(rel, source.read_bytes())

    def copy_tree(self, source: Path, rel: str, skip: tuple[str, ...] = ()) -> None:
        for file in sorted(source.rglob("*")):
            if file.is_file() and file.name not in skip and not file.name.startswith("."):
                self.copy(file, f"{rel}/{file.relative_to(source).as_posix()}")


def _prepare(directory: Path, force: bool) -> None:
    if directory.exists() and not directory.is_dir():
        raise ExportError(f"{directory} is a file, not a folder")
    if not directory.exists():
        directory.mkdir(parents=True)
        return
    if not any(directory.iterdir()):
        return
    if not force:
        raise ExportError(
            f"{directory} is not empty. Choose an empty or new folder, or pass --force "
            "to write over it (the files of an earlier export there are removed first; "
            "other files are left alone)."
        )
    marker = directory / MARKER
    if not marker.exists():
        return
    try:
        earlier = json.loads(marker.read_text(encoding="utf-8"))["files"]
    except (OSError, ValueError, KeyError, TypeError):
        raise ExportError(
            f"{marker} is unreadable; remove the folder's old export by hand"
        ) from None
    root = directory.resolve()
    for rel in earlier:
        path = (directory / rel).resolve()
        if path.is_relative_to(root) and path.is_file():
            path.unlink()
    for folder in sorted((p for p in directory.rglob("*") if p.is_dir()), reverse=True):
        if not any(folder.iterdir()):
            folder.rmdir()
    marker.unlink()


@contextmanager
def _page_request(
    app: Flask, base: str, path: str, lang: str, route: str | None = None
) -> Iterator[None]:
    """A request for one page in ``lang`` on ``route`` (``None``: no route, the home
    page). ``test_request_context`` runs no URL value preprocessor, so the route is
    set here as a request of its URL would set it."""
    with app.test_request_context(path, base_url=base, query_string={"lang": lang}):
        if route is not None:
            g.route_slug = route
        yield


@dataclass
class _Export:
    """What every route's part of an export shares."""

    app: Flask
    out: _Writer
    base: str  # the fake origin and root the pages are rendered at
    root: str  # the URL path the site is served at
    default: str  # the default language (its pages at the top of a route's folder)
    base_url: str  # as given (a full address lets the feeds link the event pages)
    home: bool  # whether the export has the home page listing the routes
    photos: dict[str, dict[str, Any]] = field(default_factory=dict)  # name: its work

    def urls(self, route_folder: str, slug: str | None = None, folder: str = "installations"):
        return ExportUrls(
            self.root + route_folder, self.default, slug, folder, root=self.root, home=self.home
        )

    def data(self, path: str) -> bytes:
        resp = self.app.test_client().get(path)
        if resp.status_code != 200:
            raise ExportError(f"{path} answered HTTP {resp.status_code}")
        return resp.get_data()


def export_site(
    app: Flask,
    directory: Path,
    *,
    base_url: str = "/",
    force: bool = False,
    route: str | None = None,
) -> ExportReport:
    """Write the public site into ``directory``; see the module docstring.

    Without ``route``: the home page listing the active routes at the root (in each
    language) and each route in its own folder, ``<route>/``. With ``route`` (a key):
    that route alone, at the root, with no home page.

    Raises :class:`ExportError` when the folder is not empty (unless ``force``), when
    the route is unknown, when a page links to something a static host cannot serve,
    or when a file a page needs is missing from the export.
    """
    prefix = base_path(base_url)
    directory = Path(directory)
    default = app.config.get("BABEL_DEFAULT_LOCALE", LANGUAGES[0])
    if default not in LANGUAGES:
        default = LANGUAGES[0]
    languages = (default, *(lang for lang in LANGUAGES if lang != default))
    base = "http://static.invalid" + prefix
    with app.app_context():
        index = route_index()
    if route is not None and route not in index.by_slug:
        known = ", ".join(sorted(index.by_slug)) or "none"
        raise ExportError(f"there is no route {route!r} (routes: {known})")
    _prepare(directory, force)
    report = ExportReport(directory, prefix, languages)
    out = _Writer(directory, report)
    job = _Export(app, out, base, prefix, default, base_url, home=route is None)

    if route is not None:
        _export_route(job, route, "", languages)
    else:
        for row in index.active:
            _export_route(job, row["slug"], f"{row['slug']}/", languages)
        for lang in languages:
            with _page_request(app, base, "/", lang), use(job.urls("")):
                out.write(language_dir(lang, default) + "index.html", route_views.render_home())
            report.pages += 1

    with _page_request(app, base, "/404.html", default, route), use(job.urls("")):
        text = _("There is no page at this address.")
        missing = render_template("error.html", error=NotFound(text), message=text)
    out.write("404.html", missing)

    # photos of published works only (and of their life's entries)
    media = Path(app.config["MEDIA_DIR"])
    for name, stop in sorted(job.photos.items()):
        if "/" in name or "\\" in name or name.startswith("."):
            raise ExportError(f"work {stop['slug']!r} has an unsafe photo name {name!r}")
        found = False
        for sub in ("", "phone/"):
            source = media / sub / name
            if source.is_file():
                out.copy(source, f"media/{sub}{name}")
                found = True
            else:
                report.missing_photos.append(f"{sub}{name}")
        report.photos += found

    # assets: the vendored libraries, our static files, the worker at the root
    for package, (folder, _version) in assets.PACKAGES.items():
        out.copy_tree(Path(folder), f"vendor/{package}")
    static = Path(app.static_folder or "")
    out.copy_tree(static, "static", skip=("sw.js",))
    out.copy(static / "sw.js", "sw.js")

    problems = check_site(directory, prefix)
    if problems:
        raise ExportError("the exported pages need files that are missing:\n" + "\n".join(problems))
    out.write(MARKER, json.dumps({"base_path": prefix, "files": sorted(report.files)}, indent=1))
    return report


def _export_route(job: _Export, slug: str, folder: str, languages: tuple[str, ...]) -> None:
    """One route's pages, data, feeds and manifests, in ``folder`` (``""``: the root)."""
    app, out, base, default, report = job.app, job.out, job.base, job.default, job.out.report
    report.routes.append(slug)
    with _page_request(app, base, f"/{slug}/", default, slug):
        walk = current_walk()
    stops = walk.stops
    api = f"/api/routes/{slug}"
    page_path = f"/{slug}"
    version = payloads.data_token(walk)

    def rel(url: str) -> str:
        return url.removeprefix(job.root)

    # pages: the map and a permalink per work, in every language; the plain list
    for lang in languages:
        for stop in [None, *stops]:
            work = None if stop is None else stop["slug"]
            path = f"{page_path}/" if stop is None else f"{page_path}/installations/{work}"
            urls = job.urls(folder, work)
            with _page_request(app, base, path, lang, slug), use(urls):
                body, _status = render_map_page(focus=stop)
            out.write(rel(urls.page(lang, work)) + "index.html", body)
            report.pages += 1
        for artist in walk.artist_keys():
            urls = job.urls(folder, artist, "artists")
            with _page_request(app, base, f"{page_path}/artists/{artist}", lang, slug), use(urls):
                body = render_artist_page(artist)
            out.write(rel(urls.page(lang, artist, "artists")) + "index.html", body)
            report.pages += 1
        _export_events(job, slug, folder, lang)
        urls = job.urls(folder)
        for page in range(1, stops_page_count(walk) + 1):
            with _page_request(app, base, f"{page_path}/stops", lang, slug), use(urls):
                out.write(rel(urls.stops_page(page)) + "index.html", render_stops_page(page))
            report.pages += 1
        with _page_request(app, base, f"{page_path}/manifest.webmanifest", lang, slug), use(urls):
            doc = manifest_doc(lang, urls.page(lang), urls.prefix)
        out.write(folder + language_dir(lang, default) + "manifest.webmanifest", manifest_json(doc))
        # the map's data in this language, once, as the API sends it
        with _page_request(app, base, f"{page_path}/", lang, slug), use(urls):
            stops_rel = rel(urls.stops_data(version, lang))
            details_rel = rel(urls.details_template(version, lang))
        out.write(stops_rel, job.data(f"{api}/stops.json?lang={lang}"))
        for n in range(payloads.chunk_count(len(stops))):
            out.write(
                details_rel.replace("{n}", str(n)), job.data(f"{api}/details/{n}.json?lang={lang}")
            )
    out.write(rel(job.urls(folder).route_data(version)), job.data(f"{api}/route.geojson"))
    # the data, as the API serves it, for other programs
    for data_rel in DATA_PATHS:
        out.write(folder + data_rel, job.data(api + data_rel.removeprefix("api")))
    for stop in stops:
        for name in _photo_names(stop) + [e.get("photo") or "" for e in stop.get("life") or ()]:
            if name:
                job.photos.setdefault(name, stop)


def _export_events(job: _Export, slug: str, folder: str, lang: str) -> None:
    """ "What's on", a page per event and the calendar feeds of one route, in one language.

    "What's on" is grouped as at the export (the map regroups by the reader's clock);
    the feeds link each event's page only when ``--base-url`` is a full address
    (RFC 5545 wants absolute URLs).
    """
    app, out, base = job.app, job.out, job.base
    parts = urlsplit(job.base_url.strip())
    origin = f"{parts.scheme}://{parts.netloc}" if parts.scheme in ("http", "https") else ""
    urls = job.urls(folder, None, "events")
    with _page_request(app, base, f"/{slug}/events", lang, slug), use(urls):
        body = event_views.render_whats_on()
        chosen = event_views.public_events(lang)
        route = event_views.route_feed_events(lang)
        feeds = {"calendar/route.ics": (event_views.route_calendar_name(), route)}
        for festival in current_walk().references.festivals:
            name = event_views.festival_calendar_name(festival, lang)
            feeds[f"calendar/festivals/{festival}.ics"] = (
                name,
                event_views.festival_feed_events(festival, lang) or [],
            )

        def link(event: Any) -> str:
            return origin + urls.event(event["slug"]) if origin else ""

        calendars = {
            rel: event_views.calendar_body(n, e, lang, link) for rel, (n, e) in feeds.items()
        }
    out.write(urls.page(lang, None, "events").removeprefix(job.root) + "index.html", body)
    out.report.pages += 1
    for rel, ics in calendars.items():
        out.write(folder + language_dir(lang, job.default) + rel, ics)
    for event in chosen:
        urls = job.urls(folder, event["slug"], "events")
        with _page_request(app, base, f"/{slug}/events/{event['slug']}", lang, slug), use(urls):
            body = event_views.render_event_page(event["slug"])
        out.write(
            urls.page(lang, event["slug"], "events").removeprefix(job.root) + "index.html", body
        )
        out.report.pages += 1


def _photo_names(stop: dict[str, Any]) -> list[str]:
    """The photos of a stop: its gallery's, cover first (or its one photo)."""
    names = [p["name"] for p in stop.get("photos") or []]
    cover = stop.get("photo") or ""
    return names or ([cover] if cover else [])


# checking an export ----------------------------------------------------------------


def local_urls(page_html: str, prefix: str, directory: Path | None = None) -> set[str]:
    """Every URL on our site that a page refers to: attributes, and the JSON blobs'
    strings. With ``directory`` (the export), the map's URL templates are expanded with
    the slugs, photo names and detail chunks of the stop table the page loads."""
    urls, templates = _page_urls(page_html, prefix)
    if directory is not None:
        for t in templates:
            urls.update(u for u in _expanded(t, directory, prefix) if "{" not in u)
    return urls


def _page_urls(page_html: str, prefix: str) -> tuple[set[str], list[dict[str, str]]]:
    """A page's own local URLs, and the map's URL templates it holds (to expand)."""
    urls = {html.unescape(m.group(2)) for m in _ATTRIBUTE.finditer(page_html)}
    templates = []
    for blob_id, text in _JSON_BLOB.findall(page_html):
        doc = json.loads(text)
        urls.update(s for s in _strings(doc) if s.startswith(prefix) and "{" not in s)
        if blob_id == SETTINGS_ID:
            templates.append(doc["contract"]["urls"])
    urls = {u for u in urls if u.startswith(prefix) or (u.startswith("/") and "//" not in u[:2])}
    return urls, templates


def _expanded(templates: dict[str, str], directory: Path, prefix: str) -> list[str]:
    """The permalinks, artists' pages, photos and detail chunks that the page's stop
    table names, and the photos of the galleries in those chunks."""
    file = file_for(templates["stops"], directory, prefix)
    if file is None or not file.is_file():
        return []  # reported as a missing file by the caller
    table = json.loads(file.read_text(encoding="utf-8"))
    out = [templates["permalink"].format(slug=s) for s in table["slug"]]
    out += [templates["artistUrl"].format(slug=a) for a in table.get("artistNames", {})]
    out += [templates["photoUrl"].format(name=p) for p in table["photo"] if p]
    chunks = [templates["details"].format(n=n) for n in range(payloads.chunk_count(table["count"]))]
    out += chunks
    for chunk in chunks:  # the galleries' photos are in the detail chunks
        part = file_for(chunk, directory, prefix)
        if part is not None and part.is_file():
            details = json.loads(part.read_text(encoding="utf-8"))
            names = {p["name"] for photos in details.get("photos", []) for p in photos}
            out += [templates["photoUrl"].format(name=n) for n in sorted(names)]
    return out


def _strings(doc: Any) -> Iterator[str]:
    if isinstance(doc, str):
        yield doc
    elif isinstance(doc, dict):
        for value in doc.values():
            yield from _strings(value)
    elif isinstance(doc, list):
        for value in doc:
            yield from _strings(value)


def file_for(url: str, directory: Path, prefix: str) -> Path | None:
    """The file a static server sends for ``url``, or ``None`` if it is not ours."""
    path = unquote(urlsplit(url).path)
    if not path.startswith(prefix):
        return None
    rel = path[len(prefix) :]
    if rel == "" or rel.endswith("/"):
        rel += "index.html"
    return directory / rel


def check_site(directory: Path, prefix: str = "/") -> list[str]:
    """Every local URL of every exported page that has no file, as ``page: url`` lines.

    Each URL is looked up once, and the URLs a stop table expands to once per table
    (every page of a language names the same), so a site of 10,000 works is checked
    in linear time.
    """
    problems = []
    exists: dict[str, bool] = {}

    def missing(url: str) -> bool:
        if url not in exists:
            file = file_for(url, directory, prefix)
            exists[url] = file is not None and file.is_file()
        return not exists[url]

    expanded: set[tuple] = set()
    for page in sorted(directory.rglob("*.html")):
        urls, templates = _page_urls(page.read_text(encoding="utf-8"), prefix)
        for t in templates:
            key = tuple(sorted(t.items()))
            if key not in expanded:
                expanded.add(key)
                urls.update(u for u in _expanded(t, directory, prefix) if "{" not in u)
        name = page.relative_to(directory)
        problems += [f"{name}: {url}" for url in sorted(urls) if missing(url)]
    return problems
