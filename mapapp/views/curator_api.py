"""The write API for curators: create, update with version, retire, restore.

Session sign-in as on the web pages; state-changing requests carry the CSRF token
in an ``X-CSRFToken`` header (``GET /api/curator/session`` hands it out). Errors are
JSON: 400 with per-field messages (``fields``, in the request's language) and
their rule codes (``codes``), 401, 403, 404, and 409 for a stale version. Every
change goes through :mod:`mapapp.editing`, as the form's do.

Creating and updating take an ``Idempotency-Key`` header (e.g. a UUID the client
made when the change was queued): a request sent again with the same key changes
nothing and answers 200 with the work as it is and ``Idempotent-Replay: true``
(the field-survey page's offline queue relies on it). A body may say how its point
was placed (``placed``: gps, map or typed, with a ``fix`` for gps): the precision
is then the one the placement earns (:mod:`mapapp.survey`).
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, request
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf.csrf import generate_csrf

from .. import editing
from ..catalog import place_stops
from ..numbers import MAX_ID, NumberError, parse_int
from ..store import NotFound, StaleEdit
from ..web.auth import role_required
from ..web.db import get_store
from ..web.labels import invalid_json
from ..web.params import ParamError, float_arg, json_body, json_error, json_response
from ..web.walk import current_walk, workspace

bp = Blueprint("curator_api", __name__, url_prefix="/api/curator")


def _json(doc: Any, status: int = 200):
    """Curator data is private: never cached by the browser or a proxy."""
    return json_response(doc, status=status, public=False)


def _placed(row: dict[str, Any]) -> dict[str, Any]:
    return place_stops(current_walk().route, [row])[0]


def _row_or_404(id: int) -> dict[str, Any]:
    row = get_store().installation(id, published_only=False)
    if row is None:
        raise NotFound(id)
    editing.check_access(workspace(), row)  # 403 off the curator's routes
    return row


@bp.errorhandler(NotFound)
def _not_found(exc: NotFound):
    return json_error(404, _("There is no installation with id %(id)s.", id=exc.args[0]))


@bp.errorhandler(StaleEdit)
def _stale(exc: StaleEdit):
    message = _(
        "Installation %(id)s changed since the version you sent; it is now at version "
        "%(v)s. Nothing was written.",
        id=exc.current["id"],
        v=exc.current["version"],
    )
    return json_error(409, message, current=exc.current)


@bp.errorhandler(editing.Invalid)
def _invalid(exc: editing.Invalid):
    return invalid_json(exc.errors)


@bp.get("/session")
@role_required("curator")
def session_info():
    return _json(
        {
            "username": current_user.username,
            "role": current_user.role,
            "csrf_token": generate_csrf(),
        }
    )


@bp.get("/installations")
@role_required("curator")
def list_installations():
    rows = get_store().installations(statuses=("draft", "published", "retired"))
    return _json(place_stops(current_walk().route, rows))


@bp.get("/installations/<int:id>")
@role_required("curator")
def get_installation(id: int):
    return _json(_placed(_row_or_404(id)))


def _idempotency_key() -> str | None:
    """The request's ``Idempotency-Key``: the same key again repeats nothing."""
    return request.headers.get("Idempotency-Key")


def _written(row: dict[str, Any], status: int = 200):
    """A write's answer; a replayed one says so (``Idempotent-Replay: true``)."""
    replayed = isinstance(row, editing.Replayed)
    resp = _json(_placed(row), status=200 if replayed else status)
    if replayed:
        resp.headers["Idempotent-Replay"] = "true"
    return resp


@bp.post("/installations")
@role_required("curator")
def create_installation():
    row = editing.create_work(workspace(), json_body(), key=_idempotency_key())
    resp = _written(row, status=201)
    resp.headers["Location"] = f"/api/curator/installations/{row['id']}"
    return resp


def _whole(data: dict[str, Any], name: str, message: str) -> int:
    value = data.get(name)
    if not isinstance(value, int) or isinstance(value, bool):
        raise ParamError(message)
    try:
        return parse_int(value, 1, MAX_ID)
    except NumberError:
        raise ParamError(message) from None


def _version(data: dict[str, Any]) -> int:
    return _whole(data, "version", _("version is required: the version you last read"))


@bp.route("/installations/<int:id>", methods=["PUT", "PATCH"])
@role_required("curator")
def update_installation(id: int):
    data = json_body()
    version = _version(data)
    _row_or_404(id)
    return _written(editing.save_work(workspace(), id, data, version, key=_idempotency_key()))


@bp.post("/installations/<int:id>/retire")
@role_required("curator")
def retire_installation(id: int):
    version = _version(json_body())
    _row_or_404(id)
    return _json(_placed(editing.retire_work(workspace(), id, version)))


@bp.post("/installations/<int:id>/restore")
@role_required("curator")
def restore_installation(id: int):
    data = json_body()
    version = _version(data)
    entry = _whole(data, "history_id", _("history_id is required"))
    _row_or_404(id)
    return _json(_placed(editing.restore_work(workspace(), id, entry, version)))


@bp.get("/installations/<int:id>/history")
@role_required("curator")
def installation_history(id: int):
    _row_or_404(id)
    return _json(get_store().history(id))


@bp.get("/locate")
@role_required("curator")
def locate():
    """Chainage and offset of a point, for the edit form's live read-out."""
    lat = float_arg("lat", -90, 90)
    lon = float_arg("lon", -180, 180)
    route = current_walk().route
    chainage, offset = route.locate([lon], [lat])
    max_offset = current_app.config["MAX_OFFSET_M"]
    return _json(
        {
            "chainage_m": round(float(chainage[0]), 1),
            "offset_m": round(float(offset[0]), 1),
            "max_offset_m": max_offset,
            "within": bool(offset[0] <= max_offset),
        }
    )
