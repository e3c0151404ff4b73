"""Helpers for the browser tests: data, live servers, the guarded page record."""

from __future__ import annotations

import csv
import datetime as dt
import functools
import json
import os
import re
import threading
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from werkzeug.serving import WSGIRequestHandler, make_server

from mapapp import lifecycle, resources
from mapapp.app import create_app
from mapapp.catalog import load_seed, seed
from mapapp.records import Installation
from mapapp.store import Store

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]
DATA_DIR = resources.data_dir()

#: The two viewports every core check runs at.
VIEWPORTS: dict[str, dict[str, Any]] = {
    "phone": {
        "viewport": {"width": 390, "height": 844},
        "is_mobile": True,
        "has_touch": True,
        "device_scale_factor": 2,
    },
    "desktop": {"viewport": {"width": 1280, "height": 800}},
}

#: Every timeout of the browser tests is multiplied by this variable's value
#: (default 1; e.g. 3 on a slow or busy machine).
TIMEOUT_SCALE_VARIABLE = "TERRENKUR_BROWSER_TIMEOUT_SCALE"


def _timeout_scale() -> float:
    raw = os.environ.get(TIMEOUT_SCALE_VARIABLE, "").strip() or "1"
    try:
        scale = float(raw)
    except ValueError:
        scale = float("nan")
    if not scale > 0:
        raise pytest.UsageError(f"{TIMEOUT_SCALE_VARIABLE} must be a positive number, not {raw!r}")
    return scale


TIMEOUT_SCALE = _timeout_scale()


def timeout_ms(ms: float) -> int:
    """A timeout in milliseconds (Playwright's unit), scaled."""
    return round(ms * TIMEOUT_SCALE)


def timeout_s(seconds: float) -> float:
    """A timeout in seconds (the standard library's unit), scaled."""
    return seconds * TIMEOUT_SCALE


#: Playwright's default for every wait, locator action and navigation in these tests.
TIMEOUT_MS = timeout_ms(10_000)
#: ... and for every ``expect`` assertion (Playwright's own default, scaled).
EXPECT_TIMEOUT_MS = timeout_ms(5_000)


# data -----------------------------------------------------------------------------


def published_rows() -> list[dict[str, str]]:
    """The rows of ``data/installations.csv`` that are published, in file order."""
    return [r for r in data_rows() if (r.get("status") or "published") == "published"]


def standing_rows() -> list[dict[str, str]]:
    """The published rows the map shows by default: standing today (in Almaty) or
    of unknown date (:func:`mapapp.lifecycle.state_on`); the seed has no life entries."""
    today = dt.datetime.now(ZoneInfo("Asia/Almaty")).date()
    return [r for r in published_rows() if lifecycle.state_on(r, today) in ("standing", "unknown")]


def data_rows(name: str = "installations.csv") -> list[dict[str, str]]:
    """The rows of a file in ``data/`` (works, festivals, editions, artists)."""
    with (DATA_DIR / name).open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


# live servers -----------------------------------------------------------------------


@dataclass
class LiveServer:
    """The app served by werkzeug in a background thread on a free loopback port."""

    base_url: str
    port: int
    db_path: Path
    config: dict[str, Any]

    def url(self, path: str = "/") -> str:
        return self.base_url + path

    def get_json(self, path: str, **params: Any) -> Any:
        """GET ``path`` with ``params`` from the live server, outside the browser."""
        query = f"?{urllib.parse.urlencode(params)}" if params else ""
        with urllib.request.urlopen(self.url(path) + query, timeout=timeout_s(10)) as resp:  # noqa: S310
            assert resp.status == 200, f"{path}: HTTP {resp.status}"
            return json.loads(resp.read().decode("utf-8"))


class QuietHandler(WSGIRequestHandler):
    """Logs errors but not every request (a page load is twenty lines otherwise)."""

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        if str(code).startswith("5"):
            super().log_request(code, size)


def build_db(
    path: Path,
    extra: Iterable[Installation] = (),
    prepare: Callable[[Store], Any] | None = None,
) -> Path:
    """A database seeded from the shipped ``data/``, plus ``extra`` installations;
    then ``prepare(store)`` (e.g. a second route)."""
    store = Store.open(path)
    try:
        seed(store, load_seed(DATA_DIR))
        extra = list(extra)
        if extra:
            added = store.insert_missing(extra)
            assert added == len(extra), "an extra installation clashed with the seed data"
        if prepare is not None:
            prepare(store)
    finally:
        store.close()
    return path


def serve(
    tmp_path_factory: pytest.TempPathFactory,
    name: str,
    *,
    tiles: str = "",
    extra: Iterable[Installation] = (),
    config: dict[str, Any] | None = None,
    prepare: Callable[[Store], Any] | None = None,
) -> Iterator[LiveServer]:
    """Generator for fixtures: start a live server on its own seeded DB, stop it after.

    ``config`` adds settings (e.g. ``RATELIMIT_ENABLED: False`` for many sign-ins);
    ``prepare`` changes the seeded database first (see :func:`build_db`).
    """
    db_path = build_db(tmp_path_factory.mktemp(name) / "mapapp.sqlite", extra, prepare)
    config = {
        "TESTING": True,
        "DB": str(db_path),
        "SECRET_KEY": "test",
        "TILES": tiles,
        **(config or {}),
    }
    app = create_app(config)
    server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=QuietHandler)
    thread = threading.Thread(target=server.serve_forever, name=f"live-{name}", daemon=True)
    thread.start()
    try:
        yield LiveServer(f"http://127.0.0.1:{server.port}", server.port, db_path, config)
    finally:
        server.shutdown()
        thread.join(timeout=timeout_s(10))
        server.server_close()
        assert not thread.is_alive(), f"live server {name!r} did not stop"


class StaticHandler(SimpleHTTPRequestHandler):
    def log_message(self, *args: Any) -> None:
        pass


def serve_static(site: Path, config: dict[str, Any]) -> Iterator[LiveServer]:
    """Generator for fixtures: an exported ``site`` served by the standard library's
    static file server (``config``: the settings it was exported with)."""
    handler = functools.partial(StaticHandler, directory=str(site))
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    port = httpd.server_port
    try:
        yield LiveServer(f"http://127.0.0.1:{port}", port, Path(config["DB"]), config)
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(timeout=timeout_s(10))


def hold_workers_to(guarded: Guarded) -> None:
    """A service worker's own requests stay on loopback too (``page.route`` does not
    see them): route the whole context, recording what it blocks."""
    prefix = guarded.server.base_url + "/"

    def route(r) -> None:
        if r.request.url.startswith(prefix) or r.request.url.startswith("data:"):
            r.fallback()
        else:
            guarded.blocked.append(r.request.url)
            r.abort("blockedbyclient")

    guarded.page.context.route("**/*", route)


@dataclass
class Guarded:
    """A page plus what its guards saw."""

    page: Any
    server: LiveServer
    viewport: str
    blocked: list[str] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)
    ignored_console: list[re.Pattern[str]] = field(default_factory=list)

    @property
    def is_phone(self) -> bool:
        return self.viewport == "phone"

    def ignore_console(self, pattern: str) -> None:
        """Do not count console errors matching ``pattern`` (a regex) in this test."""
        self.ignored_console.append(re.compile(pattern))

    def goto(self, path: str = "/esentai/", *, expect_status: int = 200):
        resp = self.page.goto(self.server.url(path), wait_until="load")
        assert resp is not None, f"no response for {path}"
        assert resp.status == expect_status, f"{path}: HTTP {resp.status}"
        return resp

    def open_map(self, path: str = "/esentai/") -> Any:
        """Go to a map page and wait until our script has mounted the map."""
        self.goto(path)
        self.page.wait_for_selector(".folium-map[data-ready]", state="attached")
        return self.page

    def show_every_work(self) -> None:
        """Turn on "Show works that are gone": every published work on the map."""
        self.open_panel()
        self.page.locator("#show-gone").check()

    def open_panel(self) -> None:
        """On a phone the stop list is behind the panel toggle: open it."""
        if not self.is_phone:
            return
        toggle = self.page.locator("#panel-toggle")
        if toggle.get_attribute("aria-expanded") != "true":
            toggle.click()
        assert toggle.get_attribute("aria-expanded") == "true"
        self.page.locator("#panel-body").wait_for(state="visible")

    def problems(self) -> list[str]:
        errors = [
            e for e in self.console_errors if not any(p.search(e) for p in self.ignored_console)
        ]
        out = [f"blocked request (not our server): {u}" for u in self.blocked]
        out += [f"console error: {e}" for e in errors]
        out += [f"page error: {e}" for e in self.page_errors]
        out += [f"dialog opened: {d}" for d in self.dialogs]
        return out


def work_id(server: LiveServer, slug: str) -> int:
    """The id of the published work ``slug`` on ``server``."""
    doc = server.get_json("/api/routes/esentai/installations.geojson")
    return next(f["id"] for f in doc["features"] if f["properties"]["slug"] == slug)


def show_card(
    page: Any, server: LiveServer, slug: str, wait_for: str = ".leaflet-popup-content h2"
):
    """Open work ``slug``'s card on the map (``Terrenkur.openWork``); wait for ``wait_for``."""
    page.evaluate("(id) => Terrenkur.openWork(id, false)", work_id(server, slug))
    page.wait_for_selector(wait_for)
    page.wait_for_timeout(timeout_ms(600))  # the pan and the cluster's animations
