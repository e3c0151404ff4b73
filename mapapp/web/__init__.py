"""The web seam: everything the blueprints share, registered once on the app.

- :mod:`.db`: the request's database handle and its teardown;
- :mod:`.routing`: the request's route (``/<route>/...``), old URLs redirected;
- :mod:`.walk`: the published walk of the request's route at the current data version;
- :mod:`.cache`: one versioned LRU, bounded by bytes, for built pages, encoded data,
  reports and tiles;
- :mod:`.encoded`: responses encoded once (gzip, brotli, ETag) and sent as negotiated;
- :mod:`.replay`: answers again, before Flask runs, what the cache already holds;
- :mod:`.params`: query and form parsing, JSON responses and JSON errors;
- :mod:`.errors`: error pages (HTML, or JSON under ``/api/``);
- :mod:`.limits`: the request-size cap and the larger ones of upload views;
- :mod:`.labels`: translated labels of kinds, statuses, history actions and
  validation messages; :mod:`.gallery`: photo licences and credit lines;
- :mod:`.assets`, :mod:`.auth`, :mod:`.i18n`, :mod:`.security`, :mod:`.urls`.

Views import from here; nothing here imports a view, and nothing below this
package (records, store, geo, catalog, editing, ...) imports Flask.
"""

from __future__ import annotations

from flask import Flask

from ..catalog import WalkCache
from . import db, errors, gallery, labels, limits, params, routing, urls
from .cache import VersionedCache


def init_app(app: Flask) -> None:
    """Register the shared handle, caches, parameter errors and error pages."""
    app.extensions["mapapp.walks"] = WalkCache()
    app.extensions["mapapp.cache"] = VersionedCache(int(app.config["CACHE_MAX_BYTES"]))
    db.init_app(app)
    routing.init_app(app)
    limits.init_app(app)
    params.init_app(app)
    errors.init_app(app)
    labels.init_app(app)
    gallery.init_app(app)
    app.jinja_env.globals.update(urls.template_globals())
