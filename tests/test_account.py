"""Signing in and out: where sign-in leads, sessions that end on the server, timing."""

from __future__ import annotations

from urllib.parse import quote

import pytest

from .conftest import PASSWORDS

HOSTILE_NEXT = [
    "https://evil.example/",
    "//evil.example/",
    "/\\evil.example",
    "/\t/evil.example",
    "/\n/evil.example",
    "/\r\n/evil.example",
    "/ /evil.example",
    "\t//evil.example",
    " //evil.example",
    "/\x00/evil.example",
    "/\x7f/evil.example",
    "javascript:alert(1)",
    "http:/evil.example",
    "/%0a/evil.example",
    "evil.example",
    "",
]


@pytest.mark.parametrize("target", HOSTILE_NEXT)
def test_sign_in_never_leads_off_site(cclient, target):
    resp = cclient.post(
        f"/login?next={quote(target, safe='')}",
        data={"username": "cora", "password": PASSWORDS["cora"]},
    )
    assert resp.status_code == 302
    location = resp.headers["Location"]
    assert location.startswith("/") and not location.startswith(("//", "/\\"))
    assert all(c.isprintable() and not c.isspace() for c in location)
    assert "evil.example" not in location.split("?")[0].lstrip("/").split("/")[0]


@pytest.mark.parametrize(
    "target", ["/curator/new", "/curator?q=red+men&status=draft", "/curator/1/history"]
)
def test_sign_in_leads_back_to_the_page_asked_for(cclient, target):
    resp = cclient.post(
        f"/login?next={quote(target, safe='')}",
        data={"username": "cora", "password": PASSWORDS["cora"]},
    )
    assert resp.headers["Location"] == target
