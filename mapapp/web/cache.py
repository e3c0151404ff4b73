"""A small LRU of built values keyed by data version (pages, reports, tile lists)."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any

from flask import current_app


class VersionedCache:
    """The last ``size`` built values; keys name the database and its data version.

    A key that includes the data version never goes stale: a write makes a new key,
    and the old entry falls out of the LRU. Two threads asking for the same missing
    key may both build it; the value is the same, so either is kept.
    """

    def __init__(self, size: int = 64) -> None:
        self._lock = threading.Lock()
        self._items: OrderedDict[Hashable, Any] = OrderedDict()
        self._size = size

    def get(self, key: Hashable, build: Callable[[], Any]) -> Any:
        with self._lock:
            if key in self._items:
                self._items.move_to_end(key)
                return self._items[key]
        value = build()
        with self._lock:
            self._items[key] = value
            while len(self._items) > self._size:
                self._items.popitem(last=False)
        return value

    def __len__(self) -> int:
        return len(self._items)


def cached(namespace: str, key: Hashable, build: Callable[[], Any]) -> Any:
    """``build()`` once per ``(namespace, database, key)`` in the app's cache."""
    cache: VersionedCache = current_app.extensions["mapapp.cache"]
    return cache.get((namespace, current_app.config["DB"], key), build)
