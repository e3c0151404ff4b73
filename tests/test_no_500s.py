"""No input gives a 500: every route, every method, with odd parameters and bodies."""

from __future__ import annotations

import re

import pytest

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
    failures = []
    for method, path in concrete_paths(curator_app):
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
                    "trigger_m": odd,  # walk mode's page
                    "lang": odd,
                    "works": odd,
                    "duration_min": odd,
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
    assert not failures, "\n".join(failures[:20])
