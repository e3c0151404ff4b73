"""The edit form's photo buttons: delete a photo, make one the cover, move one later,
save a photo's credit (HTML, POST).

The same changes as ``DELETE``/``PUT .../order``/``PATCH`` of :mod:`.curator_photos`, through
the same functions of :mod:`mapapp.editing`; each button posts the edit form here
(``formaction``) with its CSRF token, and lands back on the form.
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, request, url_for
from flask_babel import gettext as _

from .. import editing
from ..credits import CREDIT_FIELDS
from ..store import NotFound
from ..web.auth import role_required
from ..web.db import get_store
from ..web.labels import field_errors
from ..web.walk import workspace

bp = Blueprint("curator_gallery", __name__)


@bp.post("/curator/<int:id>/photos/<int:photo_id>/delete")
@role_required("curator")
def delete(id: int, photo_id: int):
    try:
        editing.delete_photo(workspace(), id, photo_id)
    except NotFound:
        abort(404, description=_("There is no such work or photo."))
    flash(_("The photo was deleted."))
    return redirect(url_for("curator.edit", id=id) + "#photos"), 303


def _ids_or_404(id: int, photo_id: int) -> list[int]:
    ids = [p["id"] for p in get_store().work_photos(id)]
    if photo_id not in ids:
        abort(404, description=_("There is no such work or photo."))
    return ids


def _back(id: int):
    return redirect(url_for("curator.edit", id=id) + "#photos"), 303


@bp.post("/curator/<int:id>/photos/<int:photo_id>/cover")
@role_required("curator")
def cover(id: int, photo_id: int):
    ids = _ids_or_404(id, photo_id)
    editing.reorder_photos(workspace(), id, [photo_id, *(i for i in ids if i != photo_id)])
    flash(_("The photo is now the cover."))
    return _back(id)


@bp.post("/curator/<int:id>/photos/<int:photo_id>/later")
@role_required("curator")
def later(id: int, photo_id: int):
    ids = _ids_or_404(id, photo_id)
    at = ids.index(photo_id)
    if at + 1 < len(ids):
        ids[at], ids[at + 1] = ids[at + 1], ids[at]
        editing.reorder_photos(workspace(), id, ids)
    return _back(id)


@bp.post("/curator/<int:id>/photos/<int:photo_id>/credit")
@role_required("curator")
def credit(id: int, photo_id: int):
    """The credit fields the form sent for this photo (``credit_<photo id>_author``...)."""
    _ids_or_404(id, photo_id)
    data = {k: request.form.get(f"credit_{photo_id}_{k}") for k in CREDIT_FIELDS}
    try:
        editing.update_photo(workspace(), id, photo_id, data)
    except editing.Invalid as exc:
        flash(" ".join(field_errors(exc.errors).values()), "error")
        return _back(id)
    flash(_("The photo's credit is saved."))
    return _back(id)
