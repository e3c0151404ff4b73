"""Cultural Terrenkur: a walkable public-art map of the Esentai (Vesnovka) river.

Importing the package loads no web framework: the CLI's data commands, the notebooks
and the benchmarks use :mod:`mapapp.store`, :mod:`mapapp.geo` and the other lower
modules directly. The Flask app is built by :func:`mapapp.app.create_app`; where
its files and its instance folder are is said by :mod:`mapapp.resources`.
"""

from __future__ import annotations

#: The base map's tiles and their attribution unless ``MAPAPP_TILES`` says otherwise.
DEFAULT_TILES = "https://tile.openstreetmap.org/{z}/{x}/{y}.png"
DEFAULT_ATTRIBUTION = (
    '&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a> contributors'
)
