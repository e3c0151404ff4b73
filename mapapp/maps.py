"""Folium map builders for the pages. No Flask, no SQL.

folium assembles the Leaflet map (tiles, the scale; the route on the curator's and
planner's maps); the behaviour that needs the data (the route and clusters per kind
on the walk map, popups built with ``textContent``, "locate me", the stop list) lives
in our own ``static/js/terrenkur.js`` (helpers shared by the pages in
``static/js/common.js``), which a small :class:`MountScript` element starts once the
map exists. Every asset URL is ours: folium's CDN defaults are replaced on each
element instance, never on the class. Elements are named by position
(:func:`render_parts`), so the same map renders to the same bytes.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from jinja2 import Template

from . import contract, resources, without
from .coverage_formats import COVERAGE_COLOURS

with without("pandas"):
    import folium
    from branca.element import Figure, MacroElement
    from folium.elements import JSCSSMixin

#: Scripts and styles a map page needs, in load order, as (name, asset path).
#: ``vendor/...`` paths are served from installed xstatic packages, the rest from
#: our ``static/`` folder.
SCRIPTS = (
    ("leaflet", "vendor/leaflet/leaflet.js"),
    ("markercluster", "vendor/leaflet-markercluster/leaflet.markercluster.js"),
    ("common", "js/common.js"),
    ("terrenkur", "js/terrenkur.js"),
    ("walk", "js/walk.js"),
    ("seen", "js/seen.js"),
    ("share", "js/share.js"),
    ("search", "js/search.js"),
    ("tours", "js/tours.js"),
    ("offline", "js/offline.js"),
)
STYLES = (
    ("leaflet_css", "vendor/leaflet/leaflet.css"),
    ("markercluster_css", "vendor/leaflet-markercluster/MarkerCluster.css"),
    ("markercluster_default_css", "vendor/leaflet-markercluster/MarkerCluster.Default.css"),
    ("terrenkur_css", "css/terrenkur.css"),
    ("offline_css", "css/offline.css"),
    ("walk_css", "css/walk.css"),
)

#: The curator's point picker: Leaflet, then our scripts.
PICKER_SCRIPTS = (
    ("leaflet", "vendor/leaflet/leaflet.js"),
    ("common", "js/common.js"),
    ("curator", "js/curator.js"),
)
#: The field survey page ("Add a work here"): the picker's scripts, then its own.
SURVEY_SCRIPTS = (*PICKER_SCRIPTS, ("survey", "js/survey.js"))

ROUTE_STYLE = {"color": "#0b5cad", "weight": 6, "opacity": 0.9}
ROUTE_CASING = {"color": "#ffffff", "weight": 11, "opacity": 0.9}
#: The route as the walk map's script draws it: the casing, then the line.
ROUTE_STYLES = (ROUTE_CASING, ROUTE_STYLE)


class MountScript(MacroElement):
    """Calls ``entry(map, settings_id)`` from one of our scripts once the map exists.

    ``scripts`` and ``styles`` are the (name, URL) assets that script needs.
    """

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        {{ this.entry }}({{ this._parent.get_name() }}, {{ this.settings_id|tojson }});
        {% endmacro %}
        """
    )

    def __init__(
        self,
        entry: str,
        settings_id: str,
        scripts: list[tuple[str, str]],
        styles: list[tuple[str, str]] | None = None,
    ):
        super().__init__()
        self._name = "MountScript"
        self.entry = entry
        self.settings_id = settings_id
        self.default_js = scripts
        self.default_css = styles or []


def base_map(
    route_coords: list[list[float]],
    *,
    tiles_url: str | None,
    tiles_attribution: str,
    asset_url: Callable[[str], str],
    route_name: str = "Route",
    draw_route: bool = True,
    zoom_start: int = 14,
    **options: Any,
) -> folium.Map:
    """A map of the route: optional tiles, the route drawn prominently, local assets.

    ``route_coords`` are GeoJSON ``[lon, lat]`` pairs; ``asset_url`` turns an asset
    path such as ``js/terrenkur.js`` into the URL our server serves it at. With
    ``draw_route=False`` the caller draws the route itself (the planner colours it).
    ``options`` are Leaflet map options (``minZoom=10``).
    """
    lats = [c[1] for c in route_coords]
    lons = [c[0] for c in route_coords]
    m = folium.Map(
        location=[sum(lats) / len(lats), sum(lons) / len(lons)],
        zoom_start=zoom_start,
        tiles=None,
        control_scale=True,
        maxZoom=19,
        zoomSnap=0.5,
        **options,
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
    if draw_route:
        latlngs = [[c[1], c[0]] for c in route_coords]
        folium.PolyLine(latlngs, interactive=False, **ROUTE_CASING).add_to(m)
        folium.PolyLine(latlngs, tooltip=route_name, **ROUTE_STYLE).add_to(m)
    # No fit_bounds here: the page scripts fit the route at once, without animation
    # (an animated fit would race with opening a permalink's popup).
    return m


#: The smallest zoom of the walk map: the whole city. Fewer zoom levels also make
#: fewer cluster levels for Leaflet.markercluster to build.
WALK_MIN_ZOOM = 10


def walk_map(
    route_coords: list[list[float]],
    *,
    tiles_url: str | None,
    tiles_attribution: str,
    asset_url: Callable[[str], str],
    settings_id: str = "terrenkur-settings",
) -> folium.Map:
    """The pedestrian map: tiles and scale; our script draws the route and the stops it
    fetches (:data:`ROUTE_STYLES`), started from the page's settings."""
    m = base_map(
        route_coords,
        tiles_url=tiles_url,
        tiles_attribution=tiles_attribution,
        asset_url=asset_url,
        draw_route=False,
        minZoom=WALK_MIN_ZOOM,
    )
    MountScript(
        "Terrenkur.mount",
        settings_id,
        [(n, asset_url(p)) for n, p in SCRIPTS[1:]],
        [(n, asset_url(p)) for n, p in STYLES[1:]],
    ).add_to(m)
    return m


def point_picker_map(
    route_coords: list[list[float]],
    *,
    tiles_url: str | None,
    tiles_attribution: str,
    asset_url: Callable[[str], str],
    settings_id: str = "picker-settings",
    entry: str = "TerrenkurCurator.mount",
    scripts: tuple[tuple[str, str], ...] = PICKER_SCRIPTS,
) -> folium.Map:
    """The curator's map for placing one work beside the route.

    ``entry`` is the script function that takes the map over (the field survey
    page's, with ``scripts`` = :data:`SURVEY_SCRIPTS`).
    """
    m = base_map(
        route_coords,
        tiles_url=tiles_url,
        tiles_attribution=tiles_attribution,
        asset_url=asset_url,
    )
    lats = [c[1] for c in route_coords]
    lons = [c[0] for c in route_coords]
    m.fit_bounds([[min(lats), min(lons)], [max(lats), max(lons)]], padding=(16, 16))
    MountScript(entry, settings_id, [(n, asset_url(p)) for n, p in scripts[1:]]).add_to(m)
    return m


def _name_by_position(m: folium.Map) -> None:
    """Name the map and its elements by their place in it instead of at random."""
    elements: list[Any] = [m]
    for i, element in enumerate(elements):
        element._id = f"tk{i}"
        elements.extend(element._children.values())


def render_parts(m: folium.Map) -> dict[str, Any]:
    """The map's ``<div>`` and its script, to place in our own page template.

    The same map gives the same bytes: elements are named by position, and the
    script's blank lines and indentation are dropped.
    """
    _name_by_position(m)
    root = m.get_root()
    assert isinstance(root, Figure)
    root.render()
    script = "\n".join(line.strip() for line in root.script.render().splitlines() if line.strip())
    return {"map_id": m.get_name(), "html": root.html.render().strip(), "script": script}


# planner -------------------------------------------------------------------------
#
# The planner map: the route coloured by how many works lie within the walking
# radius of each segment, the gaps labelled, the works with their radius circles
# and the suggested sites. As for the walk map, folium builds the map and its
# assets; our ``static/js/planner.js`` draws the layers from one settings blob,
# setting any text with ``textContent``.

PLANNER_SCRIPTS = (
    ("leaflet", "vendor/leaflet/leaflet.js"),
    ("common", "js/common.js"),
    ("planner", "js/planner.js"),
)
PLANNER_STYLES = (
    ("leaflet_css", "vendor/leaflet/leaflet.css"),
    ("terrenkur_css", "css/terrenkur.css"),
    ("planner_css", "css/planner.css"),
)

#: English defaults of the strings the planner script shows; the web view passes
#: translated ones.
PLANNER_STRINGS = {
    "segment": "km {start}–{end}: {n} work(s) within {r} m, {pct} % covered",
    "gap": "Gap {rank}: {len}",
    "gapTip": "Gap {rank}: km {start}–{end}, {len} with no work within {r} m",
    "site": "Suggested site {rank}: km {km}, adds {gain} of covered route",
    "work": "{title} (km {km})",
    "legend": "Coverage",
    "none": "No work within {r} m",
    "one": "1 work within {r} m",
    "two": "2 works",
    "many": "3 or more works",
    "gaps": "Gap of {g} or more",
    "works": "Work and its {r} m radius",
    "sites": "Suggested site",
    "m": "{n} m",
    "km": "{n} km",
    "layerWorks": "Works and their radius",
    "layerGaps": "Gap labels",
    "layerSites": "Suggested sites",
    "excludedTip": "{title}: not counted, {why}",
    "excluded": "Work too far from the route to count",
    "proposal": "Proposed site and its radius",
    "newly": "Newly covered by the scenario",
    "layerExcluded": "Works not counted",
    "layerProposals": "Scenario",
    "addSite": "Add a site",
    "addSiteHelp": "Click the map to add a proposed site; drag a site to move it.",
    "addSiteOn": "Adding sites: click the map. Press again to stop.",
    "proposalTip": "Proposed site {n}: drag to move",
    "removeSite": "Remove site {n}",
    "noSites": "No proposed sites yet.",
    "updating": "Updating the comparison…",
    "updated": "Comparison updated for {n} proposed site(s).",
    "failed": "The comparison could not be updated; use the Update button.",
    "year": "Year",
    "yearNow": "Today: every work counted, dated or not",
    "yearText": "{year}: {n} work(s) standing, {share} % of the route covered",
    "yearLayer": "Covered in the chosen year",
}


class PlannerLayers(JSCSSMixin):
    """Hands the folium map to ``TerrenkurPlanner.mount`` with its settings.

    Its scripts and styles go into the folium page's header (a notebook shows that
    page); our own page template lists them itself.

    ``settings`` is either the id of a ``<script type="application/json">`` element
    in the page, or the settings themselves (inlined, for notebooks).
    """

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        TerrenkurPlanner.mount({{ this._parent.get_name() }}, {{ this.settings|tojson }});
        {% endmacro %}
        """
    )

    def __init__(self, settings: str | dict[str, Any], asset_url: Callable[[str], str]):
        super().__init__()
        self._name = "PlannerLayers"
        self.settings = settings
        self.default_js = [(n, asset_url(p)) for n, p in PLANNER_SCRIPTS[1:]]
        self.default_css = [(n, asset_url(p)) for n, p in PLANNER_STYLES[1:]]


def planner_settings(
    route: Any,
    report: Any,
    works: list[dict[str, Any]],
    strings: dict[str, str] | None = None,
    links: dict[str, str] | None = None,
) -> dict[str, Any]:
    """The planner script's settings: the report as GeoJSON, the works and strings.

    Parameters
    ----------
    route : mapapp.geo.Route
        The route the report is about.
    report : mapapp.coverage.CoverageReport
        The coverage report.
    works : list of dict
        The works counted (after filtering), each with ``lon``, ``lat``,
        ``title``, ``kind`` and ``chainage_m``. The page adds what it knows more
        (works left out, proposed sites, the timeline); the script draws what it gets.
    strings : dict, optional
        Translated strings; any missing key falls back to :data:`PLANNER_STRINGS`.
    links : dict, optional
        URLs the script calls (``scenario``, ``page``, ``report``); without them
        (a notebook) the map shows the scenario but cannot change it.
    """
    from . import coverage_formats

    doc = coverage_formats.coverage_geojson(route, report)
    by_kind: dict[str, list[dict[str, Any]]] = {"segment": [], "gap": [], "site": []}
    for feature in doc["features"]:
        by_kind[feature["properties"]["feature"]].append(feature)
    return {
        "radius_m": report.radius_m,
        "gap_m": report.gap_m,
        "colours": list(COVERAGE_COLOURS),
        "segments": {"type": "FeatureCollection", "features": by_kind["segment"]},
        "gaps": {"type": "FeatureCollection", "features": by_kind["gap"]},
        "sites": {"type": "FeatureCollection", "features": by_kind["site"]},
        "works": [
            [round(w["lon"], 6), round(w["lat"], 6), w["title"], w.get("chainage_m", 0.0)]
            for w in works
        ],
        "strings": {**PLANNER_STRINGS, **(strings or {})},
        "contract": contract.browser_contract(links),
    }


def planner_map(
    route_coords: list[list[float]],
    settings: str | dict[str, Any],
    *,
    tiles_url: str | None,
    tiles_attribution: str,
    asset_url: Callable[[str], str],
) -> folium.Map:
    """The planner map: tiles (optional), fitted to the route, and our coverage layers.

    ``settings`` is the id of the page's settings element, or the settings from
    :func:`planner_settings` to inline them (for a notebook).
    """
    m = base_map(
        route_coords,
        tiles_url=tiles_url,
        tiles_attribution=tiles_attribution,
        asset_url=asset_url,
        draw_route=False,
    )
    # no fit_bounds here: planner.js fits the route at once (folium's call would animate)
    PlannerLayers(settings, asset_url).add_to(m)
    return m


#: The xstatic packages behind ``vendor/<package>/...`` asset paths.
_VENDOR_MODULES = {
    "leaflet": "xstatic.pkg.leaflet",
    "leaflet-markercluster": "xstatic.pkg.leaflet_markercluster",
}


def inline_asset_url(path: str) -> str:
    """A ``data:`` URL holding the asset itself, for maps shown outside the app.

    A notebook shows a folium map in an iframe with no server behind it; inlining
    keeps it working offline, with no CDN.
    """
    import base64
    import importlib
    import mimetypes

    if path.startswith("vendor/"):
        _, package, filename = path.split("/", 2)
        base = Path(importlib.import_module(_VENDOR_MODULES[package]).BASE_DIR)
    else:
        base, filename = resources.static_dir(), path
    file = base / filename
    mime = mimetypes.guess_type(file.name)[0] or "application/octet-stream"
    return f"data:{mime};base64,{base64.b64encode(file.read_bytes()).decode('ascii')}"


# the routes' overview -------------------------------------------------------------


#: The home page's scripts: Leaflet, the shared helpers, the overview's own.
OVERVIEW_SCRIPTS = (
    ("leaflet", "vendor/leaflet/leaflet.js"),
    ("common", "js/common.js"),
    ("home", "js/home.js"),
)


def overview_map(
    routes: list[dict[str, Any]],
    *,
    tiles_url: str | None,
    tiles_attribution: str,
    asset_url: Callable[[str], str],
    settings_id: str = "home-settings",
) -> folium.Map:
    """The home page's map of where the routes are: tiles and scale; our
    ``static/js/home.js`` draws each route's line and a marker linking to its walk
    from the page's settings (:func:`overview_settings`)."""
    every = [c for r in routes for c in r["coordinates"]] or [[76.9286, 43.2389]]
    m = base_map(
        [list(c) for c in every],
        tiles_url=tiles_url,
        tiles_attribution=tiles_attribution,
        asset_url=asset_url,
        draw_route=False,
        zoom_start=4 if len(routes) > 1 else 12,
    )
    MountScript(
        "TerrenkurHome.mount", settings_id, [(n, asset_url(p)) for n, p in OVERVIEW_SCRIPTS[1:]]
    ).add_to(m)
    return m


def overview_settings(routes: list[dict[str, Any]]) -> dict[str, Any]:
    """What ``home.js`` draws: each route's ``name``, ``city``, ``url`` and line."""
    return {
        "routes": [
            {
                "name": r["name"],
                "city": r["city"],
                "url": r["url"],
                "coordinates": [[round(x, 5), round(y, 5)] for x, y in r["coordinates"]],
            }
            for r in routes
        ],
        "styles": list(ROUTE_STYLES),
    }
