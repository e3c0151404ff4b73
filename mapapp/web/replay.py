"""Answer again, before Flask runs, a request whose encoded response is in the cache.

A view that sends a cached :class:`~.encoded.Encoded` (the map page, the stop tables,
the GeoJSON, the plain list) names its cache entry (:func:`.encoded.send_cached`).
This WSGI layer then remembers, for that request (path and query; and the language
when the response varies by ``Accept-Language``), the entry, the data version it was
built from and the headers the app added. The next such request is answered from
the cache with those headers (a fresh CSP nonce, the encoding it accepts, or a 304)
as long as the data version is the same (for a static file: the file's size and
time) and the entry is still cached; anything else goes through the app as usual.
Only cookie-less GETs are replayed, and only 200s without a ``Set-Cookie`` are
remembered: a signed-in curator always gets the app.
"""

from __future__ import annotations

import os
import secrets
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass
from typing import Any

from flask import Flask

from .cache import VersionedCache
from .db import app_data_version
from .encoded import Encoded, wsgi_body
from .i18n import browser_language
from .security import content_security_policy

#: Requests remembered at most (the responses themselves stay in the app's cache).
MAX_ENTRIES = 4096
#: Headers not replayed as they were: made again for each answer.
_FRESH = {"content-length", "content-encoding", "content-security-policy", "date", "etag"}


@dataclass(frozen=True)
class Entry:
    cache_key: Hashable
    #: ("data", version) or ("file", path, mtime, size): what the answer was built from
    depends: tuple
    headers: tuple[tuple[str, str], ...]


class Replay:
    """Wraps ``app.wsgi_app``; see the module docstring."""

    def __init__(self, app: Flask) -> None:
        self.app = app
        self.inner = app.wsgi_app
        self.cache: VersionedCache = app.extensions["mapapp.cache"]
        self._entries: OrderedDict[Hashable, Entry] = OrderedDict()
        self._varies: set[Hashable] = set()  # request keys whose answer depends on the language
        self._lock = threading.Lock()
        self.replayed = 0

    def _key(self, environ: dict[str, Any], by_language: bool) -> Hashable:
        base = (
            environ.get("wsgi.url_scheme"),
            environ.get("SCRIPT_NAME", ""),
            environ.get("PATH_INFO", ""),
            environ.get("QUERY_STRING", ""),
        )
        if not by_language:
            return base
        return (*base, browser_language(environ.get("HTTP_ACCEPT_LANGUAGE")))

    def __call__(self, environ: dict[str, Any], start_response: Callable) -> Iterable[bytes]:
        eligible = environ.get("REQUEST_METHOD") == "GET" and "HTTP_COOKIE" not in environ
        if not eligible:
            return self.inner(environ, start_response)
        base = self._key(environ, False)
        key = self._key(environ, True) if base in self._varies else base
        entry = self._entries.get(key)
        if entry is not None:
            answer = self._answer(entry, environ, start_response)
            if answer is not None:
                return answer
        seen: dict[str, Any] = {}

        def remembering(status: str, headers: list[tuple[str, str]], exc_info: Any = None):
            seen["status"], seen["headers"] = status, headers
            return start_response(status, headers, exc_info)

        result = self.inner(environ, remembering)
        info = environ.get("mapapp.replay")
        if info is not None and seen.get("status", "").startswith("200 "):
            self._remember(environ, base, info, seen["headers"])
        return result

    def _remember(
        self, environ: dict[str, Any], base: Hashable, info: tuple, headers: list
    ) -> None:
        cache_key, depends, by_language = info
        if depends[1] is None or any(k.lower() == "set-cookie" for k, _v in headers):
            return
        if depends[0] == "file":
            depends = ("file", depends[1], *_stat(depends[1]))
        kept = tuple((k, v) for k, v in headers if k.lower() not in _FRESH)
        with self._lock:
            if by_language:
                if len(self._varies) >= MAX_ENTRIES:
                    self._varies.clear()  # forgotten ones just go through the app again
                self._varies.add(base)
            self._entries[self._key(environ, by_language)] = Entry(cache_key, depends, kept)
            while len(self._entries) > MAX_ENTRIES:
                self._entries.popitem(last=False)

    def _answer(
        self, entry: Entry, environ: dict[str, Any], start_response: Callable
    ) -> Iterable[bytes] | None:
        enc = self.cache.peek(entry.cache_key)
        if not isinstance(enc, Encoded) or not self._current(entry.depends):
            return None
        etag = f'W/"{enc.etag}"'
        nonce = secrets.token_urlsafe(16)
        headers = [
            *entry.headers,
            ("ETag", etag),
            (
                "Content-Security-Policy",
                content_security_policy(nonce, self.app.config.get("TILES"), enc.scripts),
            ),
        ]
        self.replayed += 1
        asked = environ.get("HTTP_IF_NONE_MATCH", "")
        if enc.etag in asked or asked.strip() == "*":
            start_response("304 Not Modified", [h for h in headers if h[0] != "Content-Type"])
            return []
        body, encoding = enc.pick(environ.get("HTTP_ACCEPT_ENCODING", ""))
        if encoding:
            headers.append(("Content-Encoding", encoding))
        headers.append(("Content-Length", str(len(body))))
        start_response("200 OK", headers)
        return wsgi_body(environ, body)

    def _current(self, depends: tuple) -> bool:
        if depends[0] == "data":
            return app_data_version(self.app) == depends[1]
        return _stat(depends[1]) == depends[2:]

    def stats(self) -> dict[str, int]:
        return {"requests": len(self._entries), "replayed": self.replayed}


def _stat(path: str) -> tuple[float, int]:
    try:
        st = os.stat(path)
    except OSError:
        return (-1.0, -1)
    return (st.st_mtime, st.st_size)
