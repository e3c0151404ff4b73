"""The write API for curators: create, update with version, retire, restore.

Session sign-in as on the web pages; state-changing requests carry the CSRF token
in an ``X-CSRFToken`` header (``GET /api/curator/session`` hands it out). Errors are
JSON: 400 with per-field messages, 401, 403, 404, and 409 for a stale version.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, request
from flask_login import current_user
from flask_wtf.csrf import generate_csrf

from .. import editing, get_store
from ..auth import role_required
from ..catalog import place_stops
from ..store import EDITABLE, DuplicateSlug, NotFound, StaleEdit
from .api import ParamError, _float, _param_error
from .api import _json as _public_json
from .public import current_walk

bp = Blueprint("curator_api", __name__, url_prefix="/api/curator")
bp.register_error_handler(ParamError, _param_error)


def _json(doc: Any, status: int = 200):
    """Curator data is private: never cached by the browser or a proxy."""
    return _public_json(doc, status=status, public=False)


def _error(status: int, message: str, **extra: Any):
    return _json({"error": message, "message": message, "status": status, **extra}, status=status)


def _body() -> dict[str, Any]:
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        raise ParamError("send a JSON object")
    return data


def _placed(row: dict[str, Any]) -> dict[str, Any]:
    return place_stops(current_walk().route, [row])[0]


def _row_or_404(id: int) -> dict[str, Any]:
    row = get_store().installation(id, published_only=False)
    if row is None:
        raise NotFound(id)
    return row


@bp.errorhandler(NotFound)
def _not_found(exc: NotFound):
    return _error(404, f"no installation with id {exc.args[0]}")


@bp.errorhandler(StaleEdit)
def _stale(exc: StaleEdit):
    return _error(
        409,
        f"installation {exc.current['id']} changed since version you sent; now at version "
        f"{exc.current['version']}; nothing was written",
        current=exc.current,
    )


@bp.errorhandler(DuplicateSlug)
def _dupe(exc: DuplicateSlug):
    return _error(400, "validation failed", fields={"slug": f"{exc.args[0]!r} is already used"})


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


def _validated(data: dict[str, Any], previous: dict[str, Any] | None) -> dict[str, Any]:
    rec, errors = editing.check_installation(
        data, current_walk().route, current_app.config["MAX_OFFSET_M"], previous
    )
    if rec is None:
        raise _ValidationFailed(errors)
    return rec.model_dump()


class _ValidationFailed(Exception):
    def __init__(self, fields: dict[str, str]):
        self.fields = fields


@bp.errorhandler(_ValidationFailed)
def _invalid(exc: _ValidationFailed):
    return _error(400, "validation failed", fields=exc.fields)


@bp.post("/installations")
@role_required("curator")
def create_installation():
    data = _body()
    data.setdefault("status", "draft")
    data.pop("id", None)
    fields = _validated(data, None)
    row = get_store().create_installation(fields, current_user.username)
    resp = _json(_placed(row), status=201)
    resp.headers["Location"] = f"/api/curator/installations/{row['id']}"
    return resp


def _version(data: dict[str, Any]) -> int:
    version = data.get("version")
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        raise ParamError("version is required: the version you last read")
    return version


@bp.route("/installations/<int:id>", methods=["PUT", "PATCH"])
@role_required("curator")
def update_installation(id: int):
    data = _body()
    version = _version(data)
    row = _row_or_404(id)
    merged = {k: row[k] for k in EDITABLE} | {k: v for k, v in data.items() if k in EDITABLE}
    fields = _validated(merged, row)
    saved = get_store().update_installation(id, fields, version, current_user.username)
    return _json(_placed(saved))


@bp.post("/installations/<int:id>/retire")
@role_required("curator")
def retire_installation(id: int):
    version = _version(_body())
    _row_or_404(id)
    saved = get_store().update_installation(
        id, {"status": "retired"}, version, current_user.username, action="retire"
    )
    return _json(_placed(saved))


@bp.post("/installations/<int:id>/restore")
@role_required("curator")
def restore_installation(id: int):
    data = _body()
    version = _version(data)
    entry = data.get("history_id")
    if not isinstance(entry, int):
        raise ParamError("history_id is required")
    saved = get_store().restore_version(id, entry, version, current_user.username)
    return _json(_placed(saved))


@bp.get("/installations/<int:id>/history")
@role_required("curator")
def installation_history(id: int):
    _row_or_404(id)
    return _json(get_store().history(id))


@bp.get("/locate")
@role_required("curator")
def locate():
    """Chainage and offset of a point, for the edit form's live read-out."""
    lat = _float("lat", -90, 90)
    lon = _float("lon", -180, 180)
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
