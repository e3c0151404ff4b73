"""The photos of a work, for curators: upload, credit, reorder, delete (JSON).

``POST /api/curator/works/<id>/photos`` takes a multipart form: ``file`` and the
credit (``author``, ``licence``, ``taken_on``, ``caption``, ``caption_ru``,
``caption_kk``). Sign-in and the ``X-CSRFToken`` header as for the rest of
``/api/curator/``. An ``Idempotency-Key`` header makes the upload safe to send
again (an offline queue replayed): the first answer is 201 with the photo, a
replay 200 with the same photo (``Idempotent-Replay: true``), never a second
copy. 400 with ``fields``/``codes`` for a bad file or credit, 404 for an unknown
work or photo, 409 for a key used for another work's upload.

The photo is checked and stripped exactly as the form's (:mod:`mapapp.photos`:
Pillow decode, EXIF and GPS gone, random name, a phone-sized copy).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import Blueprint, current_app, request
from flask_babel import gettext as _

from .. import editing, photos
from ..credits import CREDIT_FIELDS
from ..numbers import MAX_ID, NumberError, parse_int
from ..records import row_error
from ..store import NotFound
from ..web.auth import role_required
from ..web.db import get_store
from ..web.labels import invalid_json
from ..web.limits import upload_limit
from ..web.params import ParamError, json_body, json_error, json_response
from ..web.walk import workspace

bp = Blueprint("curator_photos", __name__, url_prefix="/api/curator")

#: What an ``Idempotency-Key`` may be: printable ASCII without spaces, 1 to 200 long
#: (a UUID is typical).


def _json(doc: Any, status: int = 200):
    return json_response(doc, status=status, public=False)


def photo_json(row: dict[str, Any]) -> dict[str, Any]:
    """A photo as the API gives it: credit, place in the order, where to fetch it."""
    return {
        "id": row["id"],
        "work_id": row["installation_id"],
        "name": row["name"],
        "position": row["position"],
        "cover": row["position"] == 0,
        **{k: row.get(k) or "" for k in CREDIT_FIELDS},
        "url": f"/media/{row['name']}",
        "phone_url": f"/media/phone/{row['name']}",
        "created_at": row.get("created_at") or "",
    }


@bp.errorhandler(NotFound)
def _not_found(exc: NotFound):
    return json_error(404, _("There is no such work or photo."))


@bp.errorhandler(editing.Invalid)
def _invalid(exc: editing.Invalid):
    return invalid_json(exc.errors)


@bp.errorhandler(editing.KeyReused)
def _key_reused(exc: editing.KeyReused):
    return json_error(
        409, _("This Idempotency-Key was used for an upload to another work."), "key_reused"
    )


def _media_dir() -> Path:
    return Path(current_app.config["MEDIA_DIR"])


def _work_or_404(id: int) -> dict[str, Any]:
    row = get_store().installation(id, published_only=False)
    if row is None:
        raise NotFound(id)
    editing.check_access(workspace(), row)  # 403 off the curator's routes
    return row


def _listing(id: int):
    return _json({"work_id": id, "photos": [photo_json(p) for p in get_store().work_photos(id)]})


@bp.get("/works/<int:id>/photos")
@role_required("curator")
def list_photos(id: int):
    _work_or_404(id)
    return _listing(id)


@bp.post("/works/<int:id>/photos")
@upload_limit("PHOTO_MAX_BYTES")
@role_required("curator")
def add_photo(id: int):
    _work_or_404(id)
    key = request.headers.get("Idempotency-Key", "")
    if key and not editing.KEY_RE.fullmatch(key):
        raise ParamError(_("Idempotency-Key must be 1 to 200 printable characters, no spaces."))
    ws = workspace()
    earlier = get_store().work_photo_by_key(ws.username, key)
    if earlier is not None:  # a replay: answer as before, without reading the file again
        if earlier["installation_id"] != id:
            raise editing.KeyReused(key)
        resp = _json(photo_json(earlier), 200)
        resp.headers["Idempotent-Replay"] = "true"
        return resp
    checked = None
    upload = request.files.get("file")
    credits = {k: request.form.get(k) for k in CREDIT_FIELDS}
    if upload is not None and upload.filename:
        limit = current_app.config["PHOTO_MAX_BYTES"]
        try:
            checked = photos.check_photo(upload.read(limit + 1), limit)
        except photos.PhotoError as exc:
            error = row_error(0, "file", exc.code, str(exc), **exc.params)
            raise editing.Invalid([error]) from None
    row, created = editing.add_photo(ws, id, checked, credits, key)
    resp = _json(photo_json(row), 201 if created else 200)
    if created:
        resp.headers["Location"] = f"/api/curator/works/{id}/photos/{row['id']}"
    else:
        resp.headers["Idempotent-Replay"] = "true"
    return resp


@bp.route("/works/<int:id>/photos/<int:photo_id>", methods=["PATCH", "PUT"])
@role_required("curator")
def update_photo(id: int, photo_id: int):
    data = json_body()
    row = editing.update_photo(workspace(), id, photo_id, data)
    return _json(photo_json(row))


@bp.delete("/works/<int:id>/photos/<int:photo_id>")
@role_required("curator")
def delete_photo(id: int, photo_id: int):
    editing.delete_photo(workspace(), id, photo_id)
    return _listing(id)


@bp.put("/works/<int:id>/photos/order")
@role_required("curator")
def reorder_photos(id: int):
    """Body ``{"order": [photo ids...]}``: every photo of the work, once; first is the cover."""
    order = json_body().get("order")
    if not isinstance(order, list):
        raise ParamError(_("order must be a list of the work's photo ids"))
    try:
        ids = [parse_int(x, 1, MAX_ID) for x in order]
    except (NumberError, TypeError):
        raise ParamError(_("order must be a list of the work's photo ids")) from None
    editing.reorder_photos(workspace(), id, ids)
    return _listing(id)
