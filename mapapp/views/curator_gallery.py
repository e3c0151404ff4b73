"""The edit form's photo buttons: delete a photo, make one the cover (HTML, POST).

The same changes as ``DELETE``/``PUT .../order`` of :mod:`.curator_photos`, through
the same functions of :mod:`mapapp.editing`; each button posts the edit form here
(``formaction``) with its CSRF token, and lands back on the form.
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, url_for
from flask_babel import gettext as _

from .. import editing
from ..store import NotFound
from ..web.auth import role_required
from ..web.db import get_store
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


@bp.post("/curator/<int:id>/photos/<int:photo_id>/cover")
@role_required("curator")
def cover(id: int, photo_id: int):
    ids = [p["id"] for p in get_store().work_photos(id)]
    if photo_id not in ids:
        abort(404, description=_("There is no such work or photo."))
    editing.reorder_photos(workspace(), id, [photo_id, *(i for i in ids if i != photo_id)])
    flash(_("The photo is now the cover."))
    return redirect(url_for("curator.edit", id=id) + "#photos"), 303
