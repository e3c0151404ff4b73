"""Request-size limits: one small cap for every request, larger ones for uploads.

Flask's ``MAX_CONTENT_LENGTH`` is set from ``MAX_REQUEST_BYTES``, so a request
that says it is larger is refused with a 413 before its body is read. A view
that takes a file is marked with :func:`upload_limit` and gets the limit of
that kind of file (``PHOTO_MAX_BYTES``, ``IMPORT_MAX_BYTES``) plus room for the
form's other fields; the view itself still checks the file and says how large
it may be.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from flask import Flask, request

#: Room for a form's other fields next to its file.
FORM_OVERHEAD_BYTES = 200_000

F = TypeVar("F", bound=Callable[..., Any])


def upload_limit(config_key: str) -> Callable[[F], F]:
    """Let requests to this view be as large as the ``config_key`` setting plus a form."""

    def mark(view: F) -> F:
        view.upload_limit = config_key  # type: ignore[attr-defined]
        return view

    return mark


def limit_for(config: Mapping[str, Any], config_key: str | None) -> int:
    """The most bytes a request may carry, for a view marked with ``config_key``."""
    cap = int(config["MAX_REQUEST_BYTES"])
    if config_key is None:
        return cap
    return max(cap, int(config[config_key]) + FORM_OVERHEAD_BYTES)


def largest_request(config: Mapping[str, Any]) -> int:
    """The largest request any view accepts (for the WSGI server's own cap)."""
    keys = (None, "PHOTO_MAX_BYTES", "AUDIO_MAX_BYTES", "IMPORT_MAX_BYTES")
    return max(limit_for(config, key) for key in keys)


def init_app(app: Flask) -> None:
    """The global cap, and the hook that raises it for upload views.

    Registered before CSRF protection, which reads the form in its own hook.
    """
    app.config["MAX_CONTENT_LENGTH"] = limit_for(app.config, None)

    @app.before_request
    def _upload_limit() -> None:
        view = app.view_functions.get(request.endpoint or "")
        key = getattr(view, "upload_limit", None)
        if key is not None:
            request.max_content_length = limit_for(app.config, key)
