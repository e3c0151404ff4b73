"""What a request works on: the published walk, and a signed-in curator's workspace."""

from __future__ import annotations

from pathlib import Path

from flask import current_app
from flask_login import current_user

from ..catalog import Walk
from ..editing import Workspace
from .db import data_version, get_store
from .routing import current_route_slug


def current_walk() -> Walk:
    """The published walk of the request's route, rebuilt only when the data changes."""
    return walk_of(current_route_slug())


def content_order() -> tuple[str, ...]:
    """The request's route's content languages, in the order its texts fall back on."""
    return current_walk().languages


def walk_of(slug: str) -> Walk:
    """The published walk of route ``slug``, rebuilt only when the data changes."""
    walks = current_app.extensions["mapapp.walks"]
    return walks.get(get_store, current_app.config["DB"], data_version(), slug)


def workspace() -> Workspace:
    """The signed-in curator's workspace for :mod:`mapapp.editing`'s write path."""
    config = current_app.config
    return Workspace(
        store=get_store(),
        route=current_walk().route,
        username=current_user.username,
        max_offset_m=float(config["MAX_OFFSET_M"]),
        media_dir=Path(config["MEDIA_DIR"]),
    )
