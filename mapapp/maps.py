"""Folium map builders for the pages. No Flask, no SQL.

folium assembles the Leaflet map (tiles, the route, the scale); the behaviour that
needs the data (clusters per kind, popups built with ``textContent``, "locate me",
the stop list) lives in our own ``static/js/terrenkur.js``, which a small
:class:`WalkLayers` element starts once the map exists. Every asset URL is ours:
folium's CDN defaults are replaced on each element instance, never on the class.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import folium
from branca.element import Figure, MacroElement
from jinja2 import Template

#: Scripts and styles a map page needs, in load order, as (name, asset path).
#: ``vendor/...`` paths are served from installed xstatic packages, the rest from
#: our ``static/`` folder.
SCRIPTS = (
    ("leaflet", "vendor/leaflet/leaflet.js"),
    ("markercluster", "vendor/leaflet-markercluster/leaflet.markercluster.js"),
    ("terrenkur", "js/terrenkur.js"),
)
STYLES = (
    ("leaflet_css", "vendor/leaflet/leaflet.css"),
    ("markercluster_css", "vendor/leaflet-markercluster/MarkerCluster.css"),
    ("markercluster_default_css", "vendor/leaflet-markercluster/MarkerCluster.Default.css"),
    ("terrenkur_css", "css/terrenkur.css"),
)

ROUTE_STYLE = {"color": "#0b5cad", "weight": 6, "opacity": 0.9}
ROUTE_CASING = {"color": "#ffffff", "weight": 11, "opacity": 0.9}


class WalkLayers(MacroElement):
    """Hands the folium map to ``Terrenkur.mount`` with the id of the settings blob."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        Terrenkur.mount({{ this._parent.get_name() }}, {{ this.settings_id|tojson }});
        {% endmacro %}
        """
    )

    def __init__(self, settings_id: str, asset_url: Callable[[str], str]):
        super().__init__()
        self._name = "WalkLayers"
        self.settings_id = settings_id
        self.default_js = [(n, asset_url(p)) for n, p in SCRIPTS[1:]]
        self.default_css = [(n, asset_url(p)) for n, p in STYLES[1:]]


def walk_map(
    route_coords: list[list[float]],
    *,
    tiles_url: str | None,
    tiles_attribution: str,
    asset_url: Callable[[str], str],
    settings_id: str = "terrenkur-settings",
    route_name: str = "Route",
) -> folium.Map:
    """The pedestrian map: tiles (optional), the route drawn prominently, our layers.

    ``route_coords`` are GeoJSON ``[lon, lat]`` pairs; ``asset_url`` turns an asset
    path such as ``js/terrenkur.js`` into the URL our server serves it at.
    """
    lats = [c[1] for c in route_coords]
    lons = [c[0] for c in route_coords]
    m = folium.Map(
        location=[sum(lats) / len(lats), sum(lons) / len(lons)],
        zoom_start=14,
        tiles=None,
        control_scale=True,
        maxZoom=19,
        zoomSnap=0.5,
    )
    (js_name, js_path), (css_name, css_path) = SCRIPTS[0], STYLES[0]
    m.default_js = [(js_name, asset_url(js_path))]
    m.default_css = [(css_name, asset_url(css_path))]
    if tiles_url:
        folium.TileLayer(
            tiles=tiles_url,
            attr=tiles_attribution,
            name="Base map",
            max_zoom=19,
            max_native_zoom=19,
            overlay=False,
            control=False,
        ).add_to(m)
    latlngs = [[c[1], c[0]] for c in route_coords]
    folium.PolyLine(latlngs, interactive=False, **ROUTE_CASING).add_to(m)
    folium.PolyLine(latlngs, tooltip=route_name, **ROUTE_STYLE).add_to(m)
    m.fit_bounds([[min(lats), min(lons)], [max(lats), max(lons)]], padding=(16, 16))
    WalkLayers(settings_id, asset_url).add_to(m)
    return m


def render_parts(m: folium.Map) -> dict[str, Any]:
    """The map's ``<div>`` and its script, to place in our own page template."""
    root = m.get_root()
    assert isinstance(root, Figure)
    root.render()
    return {
        "map_id": m.get_name(),
        "html": root.html.render(),
        "script": root.script.render(),
    }
