"""Cultural Terrenkur: a walkable public-art map of the Esentai (Vesnovka) river.

Importing the package loads no web framework: the CLI's data commands, the notebooks
and the benchmarks use :mod:`mapapp.store`, :mod:`mapapp.geo` and the other lower
modules directly. The Flask app is built by :func:`mapapp.app.create_app`; where
its files and its instance folder are is said by :mod:`mapapp.resources`.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager

#: The base map's tiles and their attribution unless ``MAPAPP_TILES`` says otherwise.
DEFAULT_TILES = "https://tile.openstreetmap.org/{z}/{x}/{y}.png"
DEFAULT_ATTRIBUTION = (
    '&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a> contributors'
)


@contextmanager
def without(*modules: str) -> Iterator[None]:
    """Import within this block as if ``modules`` were not installed.

    sqlite-utils and folium load pandas when it is present, only to accept its types;
    we never hand them any, and pandas costs a server some 40 MB. A module already
    imported elsewhere (a notebook's pandas) is left alone and used as usual.
    """
    hidden = [m for m in modules if m not in sys.modules]
    for name in hidden:
        sys.modules[name] = None  # type: ignore[assignment]  # makes `import name` fail
    try:
        yield
    finally:
        for name in hidden:
            if sys.modules.get(name, 0) is None:
                del sys.modules[name]
