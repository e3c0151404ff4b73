"""One LRU of built values keyed by data version (pages, encoded data, reports, tile lists).

Bounded by bytes, not by count: an encoded response knows its size (``nbytes``),
anything else is measured once when stored (:func:`approx_size`). The cache says
how full it is (:meth:`VersionedCache.stats`), for ``/api/status`` and the benchmarks.
"""

from __future__ import annotations

import sys
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import fields, is_dataclass
from typing import Any

from flask import current_app, g

#: The default bound of the app's cache (``CACHE_MAX_BYTES``).
DEFAULT_MAX_BYTES = 96 * 1024 * 1024


def approx_size(value: Any, _depth: int = 0) -> int:
    """Roughly how many bytes ``value`` holds: containers walked, leaves by ``getsizeof``.

    Values that know their size say so with an ``nbytes`` attribute (numpy arrays,
    :class:`~mapapp.web.encoded.Encoded`).
    """
    nbytes = getattr(value, "nbytes", None)
    if isinstance(nbytes, int):
        return nbytes
    size = sys.getsizeof(value)
    if _depth > 6:
        return size
    if isinstance(value, dict):
        return size + sum(
            approx_size(k, _depth + 1) + approx_size(v, _depth + 1) for k, v in value.items()
        )
    if isinstance(value, (list, tuple, set, frozenset)):
        return size + sum(approx_size(v, _depth + 1) for v in value)
    if is_dataclass(value) and not isinstance(value, type):
        return size + sum(approx_size(getattr(value, f.name), _depth + 1) for f in fields(value))
    return size


class VersionedCache:
    """The values built last, up to ``max_bytes``; keys name the database and data version.

    A key that includes the data version never goes stale: a write makes a new key,
    and the old entry falls out of the LRU. A value larger than a quarter of the bound
    is handed back but not kept (it would push everything else out). A missing key is
    built by one thread; others asking for it meanwhile wait for that value (:meth:`get`).
    """

    def __init__(self, max_bytes: int = DEFAULT_MAX_BYTES) -> None:
        self._lock = threading.Lock()
        self._items: OrderedDict[Hashable, tuple[Any, int]] = OrderedDict()
        self._building: dict[Hashable, threading.Event] = {}
        self.max_bytes = max_bytes
        self.bytes = 0
        self.hits = self.misses = self.evictions = self.too_large = 0

    def get(self, key: Hashable, build: Callable[[], Any]) -> Any:
        """The value under ``key``, built by ``build()`` if missing.

        One thread builds a missing key; others asking for it meanwhile wait for that
        value instead of building their own copy (a cold 10,000-work GeoJSON asked for
        by eight threads at once is built once, not eight times).
        """
        mine: threading.Event | None = None
        while True:
            with self._lock:
                found = self._items.get(key)
                if found is not None:
                    self._items.move_to_end(key)
                    self.hits += 1
                    return found[0]
                pending = self._building.get(key)
                if pending is None:
                    mine = self._building[key] = threading.Event()
                    self.misses += 1
                    break
            pending.wait()
            with self._lock:
                found = self._items.get(key)
                if found is None:  # too large to keep, or the build failed: build our own
                    mine = None
                    self.misses += 1
                    break
                self._items.move_to_end(key)
                self.hits += 1
                return found[0]
        try:
            value = build()
            self._store(key, value)
            return value
        finally:
            if mine is not None:
                with self._lock:
                    del self._building[key]
                mine.set()

    def _store(self, key: Hashable, value: Any) -> None:
        size = approx_size(value)
        with self._lock:
            if size > self.max_bytes // 4:
                self.too_large += 1
                return
            old = self._items.pop(key, None)
            if old is not None:
                self.bytes -= old[1]
            self._items[key] = (value, size)
            self.bytes += size
            while self.bytes > self.max_bytes and self._items:
                _key, (_value, dropped) = self._items.popitem(last=False)
                self.bytes -= dropped
                self.evictions += 1

    def peek(self, key: Hashable) -> Any:
        """The value kept under ``key``, or ``None`` (never builds)."""
        with self._lock:
            found = self._items.get(key)
            if found is None:
                return None
            self._items.move_to_end(key)
            self.hits += 1
            return found[0]

    def stats(self) -> dict[str, int]:
        """Entries, bytes held and the bound, hits, misses, evictions."""
        with self._lock:
            return {
                "entries": len(self._items),
                "bytes": self.bytes,
                "max_bytes": self.max_bytes,
                "hits": self.hits,
                "misses": self.misses,
                "evictions": self.evictions,
                "too_large": self.too_large,
            }

    def __len__(self) -> int:
        return len(self._items)


def app_cache() -> VersionedCache:
    return current_app.extensions["mapapp.cache"]


def full_key(namespace: str, key: Hashable) -> Hashable:
    """The key :func:`cached` keeps ``(namespace, key)`` under: with the database and
    the request's route (``None`` outside one), so no route is served another's."""
    return (namespace, current_app.config["DB"], g.get("route_slug"), key)


def cached(namespace: str, key: Hashable, build: Callable[[], Any]) -> Any:
    """``build()`` once per ``(namespace, database, key)`` in the app's cache."""
    return app_cache().get(full_key(namespace, key), build)
