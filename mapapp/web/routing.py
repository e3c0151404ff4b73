"""Which route a request is about: pages at ``/<route>/...``, data at
``/api/routes/<route>/...``.

Views put :data:`PAGE` or :data:`API` in front of their rules; the value is taken
off before the view runs (so views never see it) and kept as the request's route,
and ``url_for`` puts it back in every URL built during the request, so a page's links
stay on its route. A route's old key (it was renamed) redirects to its new one, and
the URLs from before there were several routes (``/installations/<slug>``,
``/api/stops.json``...), printed on plaques and QR codes, redirect to the same page
of the default route.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode, urlsplit

from flask import Flask, abort, current_app, g, redirect, request, url_for
from flask_babel import gettext as _
from werkzeug.exceptions import HTTPException, MethodNotAllowed, NotFound
from werkzeug.routing import BaseConverter, RequestRedirect, ValidationError

from ..records import RESERVED_ROUTE_SLUGS
from .cache import cached
from .db import data_version, get_store

#: The prefix of a route's pages.
PAGE = "/<route:route>"
#: The prefix of a route's data.
API = "/api/routes/<route:route>"


class RouteConverter(BaseConverter):
    """A route's key in a URL: never the name of one of the site's own pages, so
    ``/planner`` is the old planner's URL, not a route called "planner"."""

    regex = (
        "(?!(?:"
        + "|".join(re.escape(x) for x in sorted(RESERVED_ROUTE_SLUGS))
        + ")$)[a-z0-9]+(?:-[a-z0-9]+)*"
    )

    def to_python(self, value: str) -> str:
        if value in RESERVED_ROUTE_SLUGS:
            raise ValidationError()
        return value


@dataclass(frozen=True)
class RouteIndex:
    """The stored routes by key, their old keys, and the default route's key."""

    by_slug: dict[str, dict[str, Any]] = field(default_factory=dict)
    renamed: dict[str, str] = field(default_factory=dict)
    default: str = ""
    #: The keys of the routes that have a line (a new route has none until uploaded).
    lined: frozenset[str] = frozenset()

    @property
    def active(self) -> list[dict[str, Any]]:
        """The routes listed: active, with a line."""
        return [
            r for r in self.by_slug.values() if r["status"] == "active" and r["slug"] in self.lined
        ]


def route_index() -> RouteIndex:
    """The routes at this data version (read once per version)."""
    return cached("routes", data_version(), _read_index)


def _read_index() -> RouteIndex:
    store = get_store()
    rows = store.route_records()
    default = store.default_route()
    lines = store.current_lines()
    return RouteIndex(
        {r["slug"]: r for r in rows},
        store.route_renames(),
        default["slug"] if default else "",
        frozenset(r["slug"] for r in rows if r["id"] in lines),
    )


def current_route_slug() -> str:
    """The key of the request's route: the one in its URL, else the default route."""
    return g.get("route_slug") or route_index().default


def in_route() -> bool:
    """Whether the request's URL names a route."""
    return bool(g.get("route_slug"))


def _take_route(endpoint: str | None, values: dict[str, Any] | None) -> None:
    if not values or "route" not in values:
        return
    slug = values["route"]
    index = route_index()
    if slug in index.by_slug:
        if slug not in index.lined:
            abort(404, description=_("This route has no line yet."))
        values.pop("route")
        g.route_slug = slug
        return
    new = index.renamed.get(slug)
    if new and endpoint:
        url = url_for(endpoint, **{**values, "route": new})
        query = request.query_string.decode()
        raise RequestRedirect(url + (f"?{query}" if query else ""))
    abort(404)


def _give_route(endpoint: str, values: dict[str, Any]) -> None:
    if "route" in values or not current_app.url_map.is_endpoint_expecting(endpoint, "route"):
        return
    values["route"] = current_route_slug()


def legacy_target(path: str, method: str) -> str | None:
    """Where an unprefixed URL of before several routes now lives, or ``None``."""
    default = route_index().default
    if not default:
        return None
    adapter = current_app.url_map.bind("")
    candidates = [f"/{default}{path}"]
    if path.startswith("/api/"):
        candidates.insert(0, f"/api/routes/{default}{path[4:]}")
    for candidate in candidates:
        try:
            _endpoint, args = adapter.match(candidate, method=method)
        except (RequestRedirect, NotFound, MethodNotAllowed):
            continue
        if args.get("route") == default:
            return candidate
    return None


def _unknown_route(exc: RequestRedirect) -> bool:
    """Whether a trailing-slash redirect leads to a route that does not exist."""
    path = urlsplit(exc.new_url).path.removeprefix(request.script_root)
    try:
        _endpoint, args = current_app.url_map.bind("").match(path, method=request.method)
    except HTTPException:
        return False
    slug = args.get("route")
    index = route_index()
    return slug is not None and slug not in index.by_slug and slug not in index.renamed


def _redirect_legacy():
    exc = request.routing_exception
    if isinstance(exc, RequestRedirect):
        if _unknown_route(exc):
            abort(404)
        return None
    if not isinstance(exc, NotFound):
        return None
    target = legacy_target(request.path, request.method)
    if target is None:
        return None
    args = request.args.items(multi=True)
    query = urlencode(list(args))
    return redirect(request.script_root + target + (f"?{query}" if query else ""), 308)


def add_converter(app: Flask) -> None:
    """Teach the app's URL map the ``route`` converter (before any rule uses it)."""
    app.url_map.converters["route"] = RouteConverter


def init_app(app: Flask) -> None:
    add_converter(app)
    app.url_value_preprocessor(_take_route)
    app.url_defaults(_give_route)
    app.before_request(_redirect_legacy)
