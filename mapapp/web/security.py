"""Security headers for every response, with a per-request nonce for our scripts.

The Content-Security-Policy lets pages run only scripts from our own origin plus
inline scripts that carry this request's nonce or whose SHA-256 the page declared
(:func:`allow_inline_script`): the map page's folium script is the same on every
request, so its body (nonce-free) is built and compressed once; images may also come
from the configured tile server.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
from functools import lru_cache
from urllib.parse import urlsplit

from flask import Flask, Response, g, request


def csp_nonce() -> str:
    """This request's nonce for inline ``<script>`` elements."""
    if "csp_nonce" not in g:
        g.csp_nonce = secrets.token_urlsafe(16)
    return g.csp_nonce


def script_hash(script: str) -> str:
    """The CSP source (``'sha256-...'``) that allows one inline script's exact text."""
    digest = hashlib.sha256(script.encode("utf-8")).digest()
    return f"'sha256-{base64.b64encode(digest).decode('ascii')}'"


def allow_inline_script(source: str) -> None:
    """Let this response run the inline script of :func:`script_hash` ``source``."""
    g.csp_script_hashes = (*g.get("csp_script_hashes", ()), source)


def tile_origin(tiles_url: str | None) -> str:
    """The scheme and host of a tile URL template, for the policy's ``img-src``."""
    if not tiles_url:
        return ""
    parts = urlsplit(tiles_url.replace("{s}", "a"))
    if not parts.scheme or not parts.netloc:
        return ""  # a relative URL is our own origin
    host = parts.netloc
    if "{s}" in tiles_url:
        host = "*." + host.split(".", 1)[1] if "." in host else host
    return f"{parts.scheme}://{host}"


def content_security_policy(
    nonce: str, tiles_url: str | None, script_hashes: tuple[str, ...] = ()
) -> str:
    head, tail = _policy_parts(tiles_url)
    scripts = " ".join([f"'nonce-{nonce}'", *dict.fromkeys(script_hashes)])
    return f"{head} {scripts}{tail}"


@lru_cache(maxsize=8)
def _policy_parts(tiles_url: str | None) -> tuple[str, str]:
    """The policy before and after the request's own script sources (built once)."""
    img = " ".join(filter(None, ["'self'", "data:", "blob:", tile_origin(tiles_url)]))
    rest = [
        "style-src 'self'",
        f"img-src {img}",
        "connect-src 'self'",
        "font-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "frame-ancestors 'none'",
        "form-action 'self'",
    ]
    return "default-src 'self'; script-src 'self'", "; " + "; ".join(rest)


def init_app(app: Flask) -> None:
    @app.after_request
    def _headers(resp: Response) -> Response:
        h = resp.headers
        h.setdefault(
            "Content-Security-Policy",
            content_security_policy(
                csp_nonce(), app.config.get("TILES"), g.get("csp_script_hashes", ())
            ),
        )
        h.setdefault("X-Content-Type-Options", "nosniff")
        h.setdefault("X-Frame-Options", "DENY")
        # Tile servers such as OpenStreetMap's ask for a Referer: send only the origin.
        h.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")
        h.setdefault("Permissions-Policy", "geolocation=(self), camera=(), microphone=()")
        h.setdefault("Cross-Origin-Opener-Policy", "same-origin")
        if request.is_secure:
            h.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
        return resp
