"""One database handle per request, opened on first use and closed at teardown; and the
data version, read on a connection each server thread keeps, so that a request the
cache answers opens no database at all."""

from __future__ import annotations

import threading

from flask import Flask, current_app, g

from ..store import Store


def get_store() -> Store:
    """The request's database handle, opened on first use."""
    if "store" not in g:
        config = current_app.config
        g.store = Store.open(config["DB"], timeout=float(config["DB_TIMEOUT"]))
    return g.store


def close_store(exc: BaseException | None = None) -> None:
    store = g.pop("store", None)
    if store is not None:
        store.close()


def data_version() -> str:
    """The store's data version, read on this thread's long-lived connection.

    Each read is its own transaction, so it sees every write committed before it.
    """
    version = app_data_version(current_app)
    g.data_version = version  # what this response is built from (see web/replay.py)
    return version


class _Reader:
    """A thread's connection for reading the data version; closed when the thread (or
    the app) is gone and this is collected."""

    def __init__(self, path: str) -> None:
        self.store = Store.open(path)

    def __del__(self) -> None:
        self.store.close()


def app_data_version(app: Flask) -> str:
    """:func:`data_version` of ``app``, also outside a request (the replay layer)."""
    readers = app.extensions["mapapp.version-readers"]
    reader = getattr(readers, "reader", None)
    if reader is None:
        reader = readers.reader = _Reader(app.config["DB"])
    return reader.store.data_version()


def init_app(app: Flask) -> None:
    # per app (closed with it), per server thread
    app.extensions["mapapp.version-readers"] = threading.local()
    app.teardown_appcontext(close_store)
