"""The offline search's data: each published work's names, folded as the server's index."""

from __future__ import annotations

from flask import Blueprint

from ..sharing import offline_search_index
from ..web.cache import cached
from ..web.params import json_response
from ..web.routing import API
from ..web.walk import current_walk

bp = Blueprint("finder", __name__)


@bp.get(f"{API}/search-index")
def search_index():
    """``ids`` and ``keys`` (folded names in every language) of the published works.

    The map fetches it once per data version and searches it on the phone, so that
    search works offline; ``/api/search`` remains the full-text search online.
    """
    walk = current_walk()
    doc = cached("search-index", walk.version, lambda: offline_search_index(walk.stops))
    return json_response(doc)
