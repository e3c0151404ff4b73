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
import io
from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass
from typing import Any

from flask import Response, g, request

from .cache import cached, full_key
from .security import allow_inline_script

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
#: Bodies at least this large go to the server as a file (``wsgi.file_wrapper``):
#: waitress then sends them as they are instead of copying them into its buffers
#: (and onto disk above 1 MB).
FILE_WRAPPER_BYTES = 64 * 1024
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
    #: CSP sources of the inline scripts a page holds (see :mod:`.security`)
    scripts: tuple[str, ...] = ()

    @classmethod
    def of(
        cls,
        body: bytes,
        mimetype: str,
        *,
        compress: bool = True,
        best: bool = False,
        scripts: tuple[str, ...] = (),
    ) -> Encoded:
        """``body`` encoded; ``best`` compresses as hard as possible whatever its size
        (for files that are encoded once and kept: the scripts, the worker)."""
        etag = hashlib.blake2b(body, digest_size=12).hexdigest()
        if not compress or len(body) < MIN_COMPRESS_BYTES:
            return cls(mimetype, etag, len(body), body, None, None, scripts)
        small = best or len(body) <= BEST_MAX_BYTES
        gz = gzip.compress(body, 9 if small else 6, mtime=0)
        br = brotli.compress(body, quality=11 if small else 9) if brotli is not None else None
        return cls(mimetype, etag, len(body), None, gz, br, scripts)

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


def send(
    enc: Encoded,
    cache_control: str,
    *,
    vary: str = "",
    replay: Hashable | None = None,
    source: str | None = None,
) -> Response:
    """``enc`` as this request accepts it, or a 304 when the client's copy is current.

    ``replay`` names the cache entry holding ``enc``: the replay layer
    (:mod:`.replay`) may then answer the same request again without running the app,
    while the data version is the same (or, with ``source``, while that file is).
    """
    for script in enc.scripts:
        allow_inline_script(script)
    headers = {
        "ETag": f'W/"{enc.etag}"',
        "Cache-Control": cache_control,
        "Vary": ", ".join(filter(None, [vary, "Accept-Encoding"])),
    }
    if replay is not None:
        depends = ("file", source) if source else ("data", g.get("data_version"))
        request.environ["mapapp.replay"] = (replay, depends, "Accept-Language" in vary)
    if request.if_none_match.contains_weak(enc.etag):
        return Response(status=304, headers=headers)
    body, encoding = enc.pick(request.headers.get("Accept-Encoding", ""))
    resp = Response(
        wsgi_body(request.environ, body),
        mimetype=enc.mimetype,
        headers={**headers, "Content-Length": str(len(body))},
        direct_passthrough=True,
    )
    if encoding:
        resp.headers["Content-Encoding"] = encoding
    return resp


def wsgi_body(environ: dict[str, Any], body: bytes) -> Iterable[bytes]:
    """``body`` as a WSGI response iterable: a large one as a file the server sends."""
    wrapper = environ.get("wsgi.file_wrapper")
    if wrapper is None or len(body) < FILE_WRAPPER_BYTES:
        return [body]
    if str(environ.get("SERVER_SOFTWARE", "")).startswith("waitress"):
        return wrapper(_Views(body), FILE_WRAPPER_BYTES)  # sends memoryviews as they come
    return wrapper(io.BytesIO(body), FILE_WRAPPER_BYTES)


class _Views:
    """A read-only file over bytes whose reads are views into them, not copies.

    waitress reads up to a socket buffer's worth (megabytes) on every send and sends
    what it got as is: with views, a large body is never copied per request.
    """

    def __init__(self, data: bytes) -> None:
        self._view = memoryview(data)
        self._pos = 0

    def read(self, size: int = -1) -> memoryview:
        end = (
            len(self._view) if size is None or size < 0 else min(len(self._view), self._pos + size)
        )
        chunk = self._view[self._pos : end]
        self._pos = end
        return chunk

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        base = {io.SEEK_SET: 0, io.SEEK_CUR: self._pos, io.SEEK_END: len(self._view)}[whence]
        self._pos = max(0, min(len(self._view), base + offset))
        return self._pos

    def tell(self) -> int:
        return self._pos

    def seekable(self) -> bool:
        return True

    def close(self) -> None:
        pass


def cached_encoded(
    namespace: str,
    key: Hashable,
    build: Callable[[], bytes],
    mimetype: str,
    *,
    compress: bool = True,
    best: bool = False,
) -> Encoded:
    """``build()``'s bytes, encoded once per ``(namespace, key)`` in the app's cache."""
    return cached(
        namespace, key, lambda: Encoded.of(build(), mimetype, compress=compress, best=best)
    )


def send_cached(
    namespace: str,
    key: Hashable,
    build: Callable[[], Encoded],
    cache_control: str,
    *,
    vary: str = "",
) -> Response:
    """The :class:`Encoded` ``build()`` makes, kept once per ``(namespace, key)`` and sent
    (:func:`send`); the same request may be replayed from the cache."""
    enc = cached(namespace, key, build)
    return send(enc, cache_control, vary=vary, replay=full_key(namespace, key))
