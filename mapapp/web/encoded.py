"""Responses encoded once: a body kept with its gzip and brotli forms and its ETag.

Whatever depends only on the data version, the language and the query (the GeoJSON,
the stop tables, the page shell, static files) is built once, compressed once and kept
in the app's cache (:mod:`.cache`) as an :class:`Encoded`. Each request then only
picks the encoding the client accepts, or answers 304. Flask-Compress leaves these
responses alone: it skips any response that already has a ``Content-Encoding``, and
an identity body goes only to clients that accept neither gzip nor brotli.
"""

from __future__ import annotations

import gzip
import hashlib
from collections.abc import Callable, Hashable
from dataclasses import dataclass

from flask import Response, request

from .cache import cached

try:  # Flask-Compress depends on it; without it, gzip alone
    import brotli
except ImportError:  # pragma: no cover
    brotli = None

#: Bodies smaller than this are sent as they are (as ``COMPRESS_MIN_SIZE``).
MIN_COMPRESS_BYTES = 500
#: The best qualities (brotli 11, gzip 9) cost seconds on large bodies for a few per
#: cent; above this size brotli 9 and gzip 6 (a tenth of the time; brotli 9 is still
#: some 10 % smaller than gzip).
BEST_MAX_BYTES = 128 * 1024
#: Versioned URLs (``?v=<hash>``, data with its version) never change.
IMMUTABLE = "public, max-age=31536000, immutable"
#: Pages: keep a copy but ask each time (a 304 when nothing changed).
REVALIDATE = "no-cache"


@dataclass(frozen=True)
class Encoded:
    """One body in the forms it is sent in. The identity form is kept only when the
    body is not compressed (gzip holds it otherwise: decompressed on demand, for the
    rare client that accepts no encoding)."""

    mimetype: str
    etag: str
    length: int
    identity: bytes | None
    gzip: bytes | None
    br: bytes | None

    @classmethod
    def of(cls, body: bytes, mimetype: str, *, compress: bool = True) -> Encoded:
        etag = hashlib.blake2b(body, digest_size=12).hexdigest()
        if not compress or len(body) < MIN_COMPRESS_BYTES:
            return cls(mimetype, etag, len(body), body, None, None)
        small = len(body) <= BEST_MAX_BYTES
        gz = gzip.compress(body, 9 if small else 6, mtime=0)
        br = brotli.compress(body, quality=11 if small else 9) if brotli is not None else None
        return cls(mimetype, etag, len(body), None, gz, br)

    @property
    def nbytes(self) -> int:
        """Bytes held (for the cache's bound)."""
        return sum(len(b) for b in (self.identity, self.gzip, self.br) if b) + 200

    def body(self) -> bytes:
        """The body itself, uncompressed."""
        if self.identity is not None:
            return self.identity
        assert self.gzip is not None
        return gzip.decompress(self.gzip)

    def pick(self, accept_encoding: str) -> tuple[bytes, str | None]:
        """The smallest form the client accepts, with its ``Content-Encoding``."""
        accepted = _accepted(accept_encoding)
        if self.br is not None and "br" in accepted:
            return self.br, "br"
        if self.gzip is not None and "gzip" in accepted:
            return self.gzip, "gzip"
        return self.body(), None


def _accepted(header: str) -> set[str]:
    """Codings in an ``Accept-Encoding`` header with a quality above zero."""
    out = set()
    for part in header.lower().split(","):
        name, _, params = part.strip().partition(";")
        quality = 1.0
        for param in params.split(";"):
            key, _, value = param.strip().partition("=")
            if key == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        if name and quality > 0:
            out.add(name.strip())
    if "*" in out:
        out |= {"gzip", "br"}
    return out


def send(enc: Encoded, cache_control: str, *, vary: str = "") -> Response:
    """``enc`` as this request accepts it, or a 304 when the client's copy is current."""
    etag = f'W/"{enc.etag}"'
    headers = {
        "ETag": etag,
        "Cache-Control": cache_control,
        "Vary": ", ".join(filter(None, [vary, "Accept-Encoding"])),
    }
    if request.if_none_match.contains_weak(enc.etag):
        return Response(status=304, headers=headers)
    body, encoding = enc.pick(request.headers.get("Accept-Encoding", ""))
    resp = Response(body, mimetype=enc.mimetype, headers=headers)
    if encoding:
        resp.headers["Content-Encoding"] = encoding
    return resp


def cached_encoded(
    namespace: str,
    key: Hashable,
    build: Callable[[], bytes],
    mimetype: str,
    *,
    compress: bool = True,
) -> Encoded:
    """``build()``'s bytes, encoded once per ``(namespace, key)`` in the app's cache."""
    return cached(namespace, key, lambda: Encoded.of(build(), mimetype, compress=compress))
