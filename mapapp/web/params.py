"""Query parameters, ids in paths, JSON bodies and JSON responses, shared by every blueprint.

A :class:`ParamError` raised anywhere in a request becomes a 400 with a JSON
message; public 200s are cacheable with an ETag, everything else is ``no-store``.
``<int:id>`` in any URL rule is :class:`IdConverter`: ASCII digits up to SQLite's
largest id, so any other value is a 404.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Hashable
from typing import Any

from flask import Flask, Response, current_app, request
from flask_babel import gettext as _
from werkzeug.routing import BaseConverter, ValidationError

from ..inputs import MAX_JSON_DEPTH, InputError, load_json
from ..numbers import MAX_ID, NumberError, parse_float, parse_int
from .encoded import IMMUTABLE, Encoded, send_cached

GEOJSON = "application/geo+json"
JSON = "application/json"


class ParamError(Exception):
    """A query parameter is missing or wrong; becomes a 400 with this message."""


def json_response(
    doc: Any, mimetype: str = "application/json", status: int = 200, public: bool = True
) -> Response:
    """A JSON response; public 200s are cacheable with an ETag, the rest never cached."""
    body = json.dumps(doc, ensure_ascii=False, separators=(",", ":"))
    resp = Response(body, status=status, mimetype=mimetype)
    if status == 200 and public:
        cacheable(resp)
    else:
        resp.headers["Cache-Control"] = "no-store"
    return resp


def cacheable(resp: Response) -> Response:
    """Mark a public response cacheable for a short while, with an ETag (and 304s)."""
    resp.headers["Cache-Control"] = f"public, max-age={current_app.config['API_MAX_AGE']}"
    resp.add_etag()
    resp.make_conditional(request)
    return resp


def data_cache_control(token: str) -> str:
    """For data: for good when the URL names the current version (``?v=``), else briefly."""
    if request.args.get("v") == token:
        return IMMUTABLE
    return f"public, max-age={current_app.config['API_MAX_AGE']}"


def encoded_data(
    namespace: str,
    key: Hashable,
    build: Callable[[], bytes],
    token: str,
    mimetype: str = JSON,
    vary: str = "",
) -> Response:
    """JSON bytes built and compressed once per ``key``, sent with an ETag (and 304s)."""
    return send_cached(
        namespace, key, lambda: Encoded.of(build(), mimetype), data_cache_control(token), vary=vary
    )


def json_error(status: int, message: str, error: str | None = None, **extra: Any) -> Response:
    """``{"error", "message", "status", ...}`` with ``status``, never cached."""
    doc = {"error": error or message, "message": message, "status": status, **extra}
    return json_response(doc, status=status, public=False)


def float_arg(name: str, low: float, high: float) -> float:
    """A required number in ``request.args``."""
    raw = request.args.get(name)
    if raw is None or not raw.strip():
        raise ParamError(_("%(name)s is required", name=name))
    try:
        return parse_float(raw, low, high)
    except NumberError as exc:
        if exc.code == "range":
            raise ParamError(
                _(
                    "%(name)s must be between %(low)s and %(high)s",
                    name=name,
                    low=f"{low:g}",
                    high=f"{high:g}",
                )
            ) from None
        raise ParamError(_("%(name)s must be a number", name=name)) from None


def int_arg(name: str, low: int, high: int, default: int | None = None) -> int:
    """A whole number in ``request.args`` (``default`` when missing)."""
    raw = request.args.get(name)
    if raw is None or not raw.strip():
        if default is None:
            raise ParamError(_("%(name)s is required", name=name))
        return default
    try:
        return parse_int(raw, low, high)
    except NumberError:
        raise ParamError(
            _(
                "%(name)s must be a whole number from %(low)s to %(high)s",
                name=name,
                low=low,
                high=high,
            )
        ) from None


def choice_arg(name: str, allowed: tuple[str, ...]) -> str | None:
    """One of ``allowed`` in ``request.args``, or ``None`` when missing or empty."""
    raw = request.args.get(name)
    if raw is None or raw == "":
        return None
    if raw not in allowed:
        raise ParamError(
            _("%(name)s must be one of: %(allowed)s", name=name, allowed=", ".join(allowed))
        )
    return raw


def bbox_arg() -> tuple[float, float, float, float] | None:
    """``?bbox=west,south,east,north`` in degrees, or ``None``."""
    raw = request.args.get("bbox")
    if not raw:
        return None
    parts = raw.split(",")
    try:
        if len(parts) != 4:
            raise NumberError("not_number", "four numbers")
        w, e = (parse_float(parts[i], -180, 180) for i in (0, 2))
        s, n = (parse_float(parts[i], -90, 90) for i in (1, 3))
    except NumberError:
        raise ParamError(_("bbox must be four numbers: west,south,east,north")) from None
    if not (w <= e and s <= n):
        raise ParamError(
            _("bbox must be west,south,east,north with west <= east and south <= north")
        )
    return w, s, e, n


def json_body() -> dict[str, Any]:
    """The request's JSON object; a :class:`ParamError` for anything else.

    Read with :func:`mapapp.inputs.load_json`: deep nesting, ``NaN`` and huge
    numbers are refused with a message, not a crash.
    """
    if not request.is_json:
        raise ParamError(_("send a JSON object"))
    try:
        data = load_json(request.get_data(cache=True))
    except InputError as exc:
        if exc.code == "too_deep":
            raise ParamError(
                _("the JSON is nested more than %(n)s levels deep", n=MAX_JSON_DEPTH)
            ) from None
        if exc.code == "json_number":
            raise ParamError(
                _("the JSON holds a number that is not allowed (NaN, Infinity or too many digits)")
            ) from None
        raise ParamError(_("send a JSON object")) from None
    if not isinstance(data, dict):
        raise ParamError(_("send a JSON object"))
    return data


class IdConverter(BaseConverter):
    """``<int:...>`` in our URLs: ASCII digits from 0 to :data:`~mapapp.numbers.MAX_ID`.

    Werkzeug's own accepts other Unicode digits and values SQLite cannot store.
    """

    regex = r"[0-9]{1,19}"
    weight = 50

    def to_python(self, value: str) -> int:
        try:
            return parse_int(value, 0, MAX_ID)
        except NumberError:
            raise ValidationError() from None

    def to_url(self, value: Any) -> str:
        return str(int(value))


def init_app(app: Flask) -> None:
    """The id converter (before any blueprint adds its rules) and the 400 for a ParamError."""
    app.url_map.converters["int"] = IdConverter

    @app.errorhandler(ParamError)
    def _param_error(exc: ParamError) -> Response:
        return json_error(400, str(exc), error="Bad Request")
