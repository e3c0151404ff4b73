"""What the browser needs from Python, defined once: the contract between them.

Every page's settings blob carries :func:`browser_contract` under ``"contract"``:
the interface languages, the walking speed, the distance thresholds the scripts
apply, the projection that gives metres, and the URL templates the page's scripts
use (made by the URL builder, :mod:`mapapp.web.urls`, which the routes define).
The service worker gets the languages in its own URL (``/sw.js?langs=``).
No Flask and no SQL here: views, the static export and the notebooks share it.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache
from typing import Any

from pyproj import CRS

from . import geo
from .records import LANGUAGES

#: A popup says how far its work is from the river walk beyond this many metres.
POPUP_OFF_ROUTE_M = 50.0
#: The stop list says how far a stop is from the river beyond this many metres.
LIST_OFF_ROUTE_M = 300.0
#: "Locate me" tells walkers farther than this from the route how far they are.
FAR_FROM_ROUTE_M = 500.0
#: Curators placing a work are warned when another work is this close (metres).
NEAR_WORK_M = 10.0
#: Walk mode nudges a walker who comes this close to a work (curators may set another).
TRIGGER_M = 30.0
#: The trigger zones a curator may set, in metres.
TRIGGER_MIN_M = 5.0
TRIGGER_MAX_M = 300.0


@lru_cache(maxsize=32)
def metric_projection(crs: str = geo.METRIC_CRS) -> dict[str, float]:
    """The transverse Mercator parameters of ``crs`` (a route's UTM zone; UTM 43N by
    default), for the page's locator.

    The browser projects with these the way :meth:`mapapp.geo.Route.locate` does
    with pyproj, so both give the same chainage and offset.
    """
    found = CRS(crs)
    operation = found.coordinate_operation
    if operation is None or operation.method_name != "Transverse Mercator":
        raise ValueError(f"{crs} is not a transverse Mercator projection")
    params = {p.code: float(p.value) for p in operation.params}
    if params.get("8801", 0.0) != 0.0:
        raise ValueError(f"{crs}: the page's locator needs a latitude of origin of 0")
    ellipsoid = found.ellipsoid
    assert ellipsoid is not None
    return {
        "lon0": params["8802"],
        "k0": params["8805"],
        "falseEasting": params["8806"],
        "falseNorthing": params["8807"],
        "a": float(ellipsoid.semi_major_metre),
        "f": 1.0 / float(ellipsoid.inverse_flattening),
    }


def browser_contract(
    urls: Mapping[str, str] | None = None,
    *,
    speed_kmh: float = geo.WALKING_SPEED_KMH,
    crs: str = geo.METRIC_CRS,
) -> dict[str, Any]:
    """The values a page's scripts need, as a JSON-able dict.

    ``urls`` are the URLs and templates this page's scripts use (``permalink``,
    ``photoUrl``, ``locate``), made by the request's URL builder
    (:mod:`mapapp.web.urls`: language kept, site prefix added); only those are
    handed over, so a static page names no URL it cannot serve. ``speed_kmh`` and
    ``crs`` are the page's route's walking speed and UTM zone (``Walk.speed_kmh``,
    ``Walk.route.crs``): minutes and chainage in the page agree with the API's.
    """
    return {
        "languages": list(LANGUAGES),
        "walkingSpeedKmh": speed_kmh,
        "passedWithinM": geo.PASSED_WITHIN_M,
        "popupOffRouteM": POPUP_OFF_ROUTE_M,
        "listOffRouteM": LIST_OFF_ROUTE_M,
        "farFromRouteM": FAR_FROM_ROUTE_M,
        "nearWorkM": NEAR_WORK_M,
        "triggerM": TRIGGER_M,
        "projection": dict(metric_projection(crs)),
        "urls": dict(urls or {}),
    }
