"""No input gives a 500: every route, every method, with odd parameters and bodies."""

from __future__ import annotations

import re

import pytest

from .conftest import AuthActions
from .routes_support import TEST_ROUTE, two_routes_app

ODD_VALUES = ["", "0", "-1", "abc", "nan", "1e309", "<script>", "99999999999999999999", "%00"]


def concrete_paths(app) -> list[tuple[str, str]]:
    out = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint in ("static", "assets.vendor"):
            continue
        for value in ("1", "zzz", "..%2f..%2fetc"):
            path = re.sub(r"<(?:[a-z]+:)?[a-z_]+>", value, rule.rule)
            for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
                out.append((method, path))
    return sorted(set(out))


@pytest.mark.parametrize("signed_in", [False, True], ids=["anonymous", "admin"])
def test_no_route_answers_500(cclient, auth, curator_app, signed_in):
    if signed_in:
        auth.login("ada")
    failures = sweep(cclient, concrete_paths(curator_app))
    assert not failures, "\n".join(failures[:20])


def sweep(cclient, paths: list[tuple[str, str]]) -> list[str]:
    """Each (method, path) with odd parameters and bodies: the answers that were 500s."""
    failures = []
    for method, path in paths:
        for odd in ODD_VALUES:
            query = "&".join(
                f"{k}={odd}"
                for k in (
                    "lat",
                    "lon",
                    "n",
                    "kind",
                    "festival",
                    "bbox",
                    "radius",
                    "gap",
                    "segment",
                    "k",
                    "format",
                    "lang",
                    "status",
                    "q",
                    "direction",
                    "corridor",
                    "avoid",
                    "access",
                    "spacing",
                    "route_error",
                    "sites",
                    "name",
                    "scenario",
                    "at",
                    "bucket",
                    "edition",
                    "venue",
                    "tour",
                )
            )
            kwargs = {}
            if method in ("POST", "PUT", "PATCH"):
                kwargs["data"] = {
                    "version": odd,
                    "title": odd,
                    "lat": odd,
                    "file": odd,
                    "action": odd,
                    "user_id": odd,
                    "route_id": odd,
                    "sites": odd,
                    "name": odd,
                    "query": odd,
                    "site": odd,
                    "kind": odd,
                    "start": odd,
                    "end": odd,
                    "venue": odd,
                    "edition": odd,
                    "status": odd,
                    "date": odd,
                    # photos, provenance, walkers' reports and their review
                    "author": odd,
                    "licence": odd,
                    "taken_on": odd,
                    "caption": odd,
                    "problem": odd,
                    "message": odd,
                    "contact": odd,
                    "reason": odd,
                    "lon": odd,
                    "surveyed_on": odd,
                    "surveyed_by": odd,
                    "position_method": odd,
                    "position_accuracy_m": odd,
                    "take_photo": odd,
                    "photo_author": odd,
                    "photo_licence": odd,
                    "photo_taken_on": odd,
                    "website": odd,
                    "trigger_m": odd,  # walk mode's page
                    "lang": odd,
                    "works": odd,
                    "duration_min": odd,
                    # routes and their curators (issue 16)
                    "slug": odd,
                    "city": odd,
                    "corridor_m": odd,
                    "languages": odd,
                    "country": odd,
                    "routes": odd,
                    "routes_sent": odd,
                    "confirm_overlap": odd,
                    "token": odd,
                }
            resp = cclient.open(f"{path}?{query}", method=method, **kwargs)
            if resp.status_code >= 500:
                failures.append(f"{method} {path}?{query} -> {resp.status_code}")
            resp.close()
            if method in ("PUT", "PATCH", "POST") and path.startswith("/api/curator"):
                for body in (
                    {"name": odd, "start": odd, "end": odd, "version": 1},
                    {"status": odd, "date": odd, "lat": odd, "lon": odd, "venue": odd},
                    {"start": "2026-02-30T25:00+99:00", "version": odd},
                ):
                    resp = cclient.open(path, method=method, json=body)
                    if resp.status_code >= 500:
                        failures.append(f"{method} {path} {body} -> {resp.status_code}")
                    resp.close()
            if method in ("PUT", "PATCH") or path.startswith("/api/curator"):
                resp = cclient.open(
                    path, method=method, data="{not json", content_type="application/json"
                )
                if resp.status_code >= 500:
                    failures.append(f"{method} {path} (bad JSON) -> {resp.status_code}")
                resp.close()
    return failures


def test_no_url_of_a_second_route_answers_500(db_path, tmp_path, users):
    """The same sweep over every route-scoped URL of the test route (test data), its
    variables filled with its own works and odd values."""
    app = two_routes_app(db_path, tmp_path, WTF_CSRF_ENABLED=False)
    paths = []
    for rule in app.url_map.iter_rules():
        if "route" not in rule.arguments:
            continue
        for value in ("1", "zzz", "test-tbilisi-mural"):
            path = re.sub(
                r"<(?:[a-z]+:)?[a-z_]+>", value, rule.rule.replace("<route:route>", TEST_ROUTE)
            )
            for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
                paths.append((method, path))
    client = app.test_client()
    failures = sweep(client, sorted(set(paths)))
    AuthActions(client).login("ada")
    failures += sweep(client, sorted(p for p in set(paths) if p[0] == "GET"))
    assert not failures, "\n".join(failures[:20])


@pytest.mark.parametrize(
    "path",
    [
        "/nope/",
        "/nope/stops",
        "/nope/installations/vodoskop",
        "/api/routes/nope",
        "/api/routes/nope/stops.json",
        "/api/routes/nope/next?lat=43.2&lon=76.9",
        "/api/routes/planner/stops.json",  # a reserved word
        "/curator/stops",
        "/Esentai/",
        "/esentai--x/",
        "/" + "a" * 300 + "/",
        "/api/routes/%00/stops.json",
    ],
)
def test_bad_route_keys_are_404s(client, path):
    resp = client.get(path)
    assert resp.status_code == 404, (path, resp.status_code)
    if path.startswith("/api/"):
        assert resp.is_json, path


#: Files nobody should be able to crash an upload with.
ODD_FILES = [b"", b"GIF89a", b"\xff\xd8\xff\xe0" + b"\0" * 40, b"\x89PNG\r\n\x1a\n" + b"x" * 30]


@pytest.mark.parametrize("signed_in", [False, True], ids=["anonymous", "curator"])
def test_no_upload_answers_500(cclient, auth, signed_in):
    """Photos and reports with odd files, odd fields, odd headers and odd JSON."""
    import io

    if signed_in:
        auth.login()
    failures = []
    targets = [
        ("POST", "/api/curator/works/1/photos"),
        ("POST", "/esentai/installations/auezov-theatre/report"),
        ("POST", "/esentai/suggest"),
        ("POST", "/curator/1"),
        ("POST", "/curator/new"),
    ]
    for method, path in targets:
        for data in ODD_FILES:
            for odd in ODD_VALUES:
                form = {
                    "file": (io.BytesIO(data), odd or "x.jpg"),
                    "photo_file": (io.BytesIO(data), odd or "x.jpg"),
                    "author": odd,
                    "licence": odd,
                    "taken_on": odd,
                    "problem": odd,
                    "message": odd,
                    "lat": odd,
                    "lon": odd,
                    "contact": odd,
                    "photo_author": odd,
                    "photo_licence": odd,
                }
                resp = cclient.open(
                    path,
                    method=method,
                    data=form,
                    content_type="multipart/form-data",
                    headers={"Idempotency-Key": odd or "k"},
                )
                if resp.status_code >= 500:
                    failures.append(
                        f"{method} {path} file={data[:8]!r} odd={odd!r} -> {resp.status_code}"
                    )
                resp.close()
    for body in (
        '{"order": [1, "x"]}',
        '{"order": [true]}',
        '{"order": null}',
        "[]",
        '{"licence": 5}',
    ):
        for method, path in (
            ("PUT", "/api/curator/works/1/photos/order"),
            ("PATCH", "/api/curator/works/1/photos/1"),
        ):
            resp = cclient.open(path, method=method, data=body, content_type="application/json")
            if resp.status_code >= 500:
                failures.append(f"{method} {path} {body} -> {resp.status_code}")
            resp.close()
    assert not failures, "\n".join(failures[:20])


def test_survey_writes_never_answer_500(cclient, auth):
    """Odd placements, fixes and Idempotency-Keys (the field survey page's) are 400s."""
    auth.login()
    base = {
        "title": "Odd survey",
        "kind": "mural",
        "lat": 43.2399,
        "lon": 76.9203,
        "source_url": "https://example.org/",
    }
    odd_fixes = [
        None,
        [],
        "x",
        {"lat": "nan", "lon": 1, "accuracy_m": 1, "fixed_at": "2026-01-01T00:00:00Z"},
        {"lat": 43.2, "lon": 76.9, "accuracy_m": "1e309", "fixed_at": 5},
        {"lat": 43.2, "lon": 76.9, "accuracy_m": 8, "fixed_at": "9999-99-99T99:99:99+00:00"},
        {"lat": 43.2, "lon": 76.9, "accuracy_m": 8, "fixed_at": "x" * 10_000},
        {"lat": 10**400, "lon": 76.9, "accuracy_m": 8, "fixed_at": "2026-01-01T00:00:00Z"},
    ]
    failures = []
    for placed in ("gps", "clicked", "typed", "", 5, None, ["gps"], "<script>"):
        for fix in odd_fixes:
            for key in (None, "", " ", "k" * 500, "\u00e9t\u00e9"):
                headers = {} if key is None else {"Idempotency-Key": key}
                body = {**base, "placed": placed, "fix": fix}
                for method, path in (
                    ("POST", "/api/curator/installations"),
                    ("PATCH", "/api/curator/installations/1"),
                ):
                    resp = cclient.open(
                        path, method=method, json={**body, "version": 1}, headers=headers
                    )
                    if resp.status_code >= 500:
                        failures.append(f"{method} {placed!r} {fix!r:.60} {key!r:.20}")
                    resp.close()
    assert not failures, "\n".join(failures[:20])
