"""One database handle per request, opened on first use and closed at teardown."""

from __future__ import annotations

from flask import current_app, g

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
