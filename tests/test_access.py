"""Who may open what, derived from the URL map: a new route is either on the public
list below or refuses anonymous users (and, under ``admin``, curators too)."""

from __future__ import annotations

import re

import pytest
from werkzeug.routing import Rule

from .conftest import AuthActions

#: Blueprints anyone may use: the map, its data, assets, offline files, the planner,
#: walkers' reports.
#: tours with QR codes and plaques, the offline search index.
PUBLIC_BLUEPRINTS = {
    "public", "api", "assets", "offline", "planner", "tours", "finder", "reports", "routes",
}  # fmt: skip
#: Single public endpoints: Flask's static files, signing in, signing out (which
#: changes nothing for someone not signed in), what walkers see of events, walk mode's data.
PUBLIC_ENDPOINTS = {
    "static",
    "account.login",
    "account.logout",
    # the events blueprint's public half (its curator pages and API stay protected)
    "events.whats_on",
    "events.event_page",
    "events.route_calendar",
    "events.festival_calendar",
    "events.api_events",
    # walk mode's data and audio stories (its curator page stays protected)
    "walk.data",
    "walk.audio_file",
}
#: Blueprints for admins only; every other non-public endpoint is for curators.
ADMIN_BLUEPRINTS = {"admin"}


def blueprint(rule: Rule) -> str:
    return rule.endpoint.rpartition(".")[0]


def is_public(rule: Rule) -> bool:
    return rule.endpoint in PUBLIC_ENDPOINTS or blueprint(rule) in PUBLIC_BLUEPRINTS


def requests(app, rules) -> list[tuple[str, str, str]]:
    """(endpoint, method, URL) for every method of ``rules``: ids as 1, the route as the
    shipped one, other parts x."""
    urls = app.url_map.bind("localhost")
    out = []
    for rule in rules:
        values = {
            name: 1 if converter == "int" else "esentai" if converter == "route" else "x"
            for converter, name in re.findall(r"<(?:(\w+)(?:\([^)]*\))?:)?(\w+)>", rule.rule)
        }
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            out.append((rule.endpoint, method, urls.build(rule.endpoint, values, method=method)))
    return out


def protected(app) -> list[tuple[str, str, str]]:
    return requests(app, [r for r in app.url_map.iter_rules() if not is_public(r)])


def test_the_public_list_names_only_what_exists(curator_app):
    rules = list(curator_app.url_map.iter_rules())
    assert {blueprint(r) for r in rules} >= PUBLIC_BLUEPRINTS | ADMIN_BLUEPRINTS
    assert {r.endpoint for r in rules} >= PUBLIC_ENDPOINTS
    assert protected(curator_app), "no protected endpoint at all"


def test_every_protected_endpoint_refuses_anonymous_users(cclient, curator_app):
    wrong = []
    for endpoint, method, url in protected(curator_app):
        resp = cclient.open(url, method=method, json={})
        if url.startswith("/api/"):
            ok = (
                resp.status_code == 401 and resp.is_json and resp.json["message"] == "sign in first"
            )
        else:
            location = resp.headers.get("Location", "")
            ok = resp.status_code == 302 and location.startswith("/login?next=")
        if not ok:
            wrong.append(f"{method} {url} ({endpoint}): {resp.status_code}")
    assert not wrong, "open to anonymous users:\n" + "\n".join(wrong)


def test_admin_endpoints_refuse_curators(cclient, auth, curator_app):
    auth.login("cora")
    admin_only = [r for r in curator_app.url_map.iter_rules() if blueprint(r) in ADMIN_BLUEPRINTS]
    assert admin_only
    wrong = [
        f"{method} {url}: {resp.status_code}"
        for _, method, url in requests(curator_app, admin_only)
        if (resp := cclient.open(url, method=method)).status_code != 403
    ]
    assert not wrong, "open to curators:\n" + "\n".join(wrong)


@pytest.mark.parametrize("user", ["cora", "ada"])
def test_signed_in_users_are_let_in_where_their_role_allows(curator_app, user):
    client = curator_app.test_client()
    AuthActions(client).login(user)
    wrong = []
    for endpoint, method, url in protected(curator_app):
        admin_only = endpoint.rpartition(".")[0] in ADMIN_BLUEPRINTS
        if method != "GET" or (admin_only and user != "ada"):
            continue
        resp = client.get(url)
        if resp.status_code in (401, 403) or resp.headers.get("Location", "").startswith("/login"):
            wrong.append(f"GET {url}: {resp.status_code}")
    assert not wrong, f"{user} was refused:\n" + "\n".join(wrong)


def test_public_endpoints_never_ask_to_sign_in(client, app):
    public = [r for r in app.url_map.iter_rules() if is_public(r)]
    wrong = []
    for _, method, url in requests(app, public):
        if method != "GET":
            continue
        resp = client.get(url)
        if resp.status_code in (401, 403) or "/login" in resp.headers.get("Location", ""):
            wrong.append(f"GET {url}: {resp.status_code}")
        resp.close()
    assert not wrong, "\n".join(wrong)
