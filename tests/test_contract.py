"""The browser contract: values defined once in Python, handed to every page and the worker."""

from __future__ import annotations

import inspect
import json
import re
from urllib.parse import parse_qs, urlsplit

import pytest

from mapapp import contract, geo, resources
from mapapp.records import LANGUAGES
from mapapp.web.urls import current_urls

SW_JS = resources.static_dir() / "sw.js"


def blob(html: str, element_id: str) -> dict:
    m = re.search(
        rf'<script type="application/json" id="{element_id}"[^>]*>(.*?)</script>', html, re.S
    )
    assert m, f"no #{element_id} on the page"
    return json.loads(m.group(1))


def test_values_are_the_python_constants():
    c = contract.browser_contract()
    assert c["languages"] == list(LANGUAGES)
    assert c["walkingSpeedKmh"] == geo.WALKING_SPEED_KMH
    assert c["passedWithinM"] == geo.PASSED_WITHIN_M
    assert c["popupOffRouteM"] == contract.POPUP_OFF_ROUTE_M
    assert c["listOffRouteM"] == contract.LIST_OFF_ROUTE_M
    assert c["farFromRouteM"] == contract.FAR_FROM_ROUTE_M
    assert c["urls"] == {}
    # geo.next_stop counts stops within the same margin as reached
    default = inspect.signature(geo.next_stop).parameters["passed_within_m"].default
    assert default == geo.PASSED_WITHIN_M


def test_is_json_serialisable_and_a_fresh_copy():
    urls = {"permalink": "/ru/installations/{slug}/", "photoUrl": "/media/phone/{name}"}
    c = contract.browser_contract(urls)
    assert json.loads(json.dumps(c, allow_nan=False)) == c
    assert c["urls"] == urls and c["urls"] is not urls
    c["projection"]["lon0"] = 0.0
    assert contract.browser_contract()["projection"]["lon0"] == 75.0


def test_projection_is_the_metric_crs():
    p = contract.metric_projection()
    assert geo.METRIC_CRS == "EPSG:32643"  # UTM 43N
    assert (p["lon0"], p["k0"], p["falseEasting"], p["falseNorthing"]) == (75, 0.9996, 5e5, 0)
    assert p["a"] == 6378137.0 and p["f"] == pytest.approx(1 / 298.257223563)
    with pytest.raises(ValueError, match="not a transverse Mercator"):
        contract.metric_projection("EPSG:3857")


def test_url_templates_are_the_apps_routes(app):
    adapter = app.url_map.bind("localhost")
    with app.test_request_context("/"):
        urls = current_urls()
        assert adapter.match(urls.work_template().format(slug="x"))[0] == "public.installation"
        assert adapter.match(urls.photo_template().format(name="a.jpg"))[0] == "public.media"
        assert adapter.match(urls.report_template().format(slug="x"))[0] == "reports.problem"


def test_every_page_hands_the_contract_over(client, cclient, auth):
    expected = contract.browser_contract()
    html = client.get("/esentai/?lang=ru").get_data(as_text=True)
    settings = blob(html, "terrenkur-settings")
    v = settings["version"]
    assert settings["contract"] == {
        **expected,
        "urls": {
            "permalink": "/esentai/installations/{slug}?lang=ru",
            "photoUrl": "/media/phone/{name}",
            "artistUrl": "/esentai/artists/{slug}?lang=ru",
            "route": f"/api/routes/esentai/route.geojson?v={v}",
            "stops": f"/api/routes/esentai/stops.json?lang=ru&v={v}",
            "details": f"/api/routes/esentai/details/{{n}}.json?lang=ru&v={v}",
            "reportUrl": "/esentai/installations/{slug}/report?lang=ru",
        },
    }
    assert blob(html, "offline-settings")["contract"] == expected
    planner = client.get("/esentai/planner").get_data(as_text=True)
    assert blob(planner, "planner-settings")["contract"] == {
        **expected,
        "urls": {
            "scenario": "/api/routes/esentai/scenario",
            "page": "/esentai/planner",
            "report": "/esentai/planner/report",
        },
    }
    auth.login()
    edit = cclient.get("/curator/new").get_data(as_text=True)
    assert blob(edit, "picker-settings")["contract"] == {
        **expected,
        "urls": {"locate": "/api/curator/locate", "works": "/api/curator/installations"},
    }
    survey = cclient.get("/curator/survey").get_data(as_text=True)
    assert blob(survey, "survey-settings")["contract"]["nearWorkM"] == contract.NEAR_WORK_M


def test_list_marks_the_stops_beyond_the_contract_threshold(client):
    stops = client.get("/api/routes/esentai/installations.geojson").get_json()["features"]
    far = [
        f["properties"] for f in stops if f["properties"]["offset_m"] > contract.LIST_OFF_ROUTE_M
    ]
    assert far, "the shipped data has no stop that far from the route any more"
    plain = client.get("/esentai/stops").get_data(as_text=True)  # the list without a script
    assert plain.count(" km from the river") == len(far)
    for p in far:
        assert f"{p['offset_m'] / 1000:.1f} km from the river" in plain
    # the map page's script gets the threshold, the template and the offsets
    settings = blob(client.get("/esentai/").get_data(as_text=True), "terrenkur-settings")
    assert settings["strings"]["listOffRiver"] == "{dist} km from the river"
    table = client.get(settings["contract"]["urls"]["stops"]).get_json()
    assert sorted(o for o in table["offset"] if o > contract.LIST_OFF_ROUTE_M) == sorted(
        round(p["offset_m"]) for p in far
    )


def test_worker_url_carries_the_languages(client):
    settings = blob(client.get("/esentai/").get_data(as_text=True), "offline-settings")
    query = parse_qs(urlsplit(settings["worker"]).query)
    assert query["langs"] == [",".join(LANGUAGES)]


def _code_only(js: str) -> str:
    """The script without its comments (block comments and `// ` comments)."""
    js = re.sub(r"/\*.*?\*/", "", js, flags=re.S)
    return re.sub(r"(?m)(^|\s)//\s.*$", "", js)


def test_service_worker_hard_codes_no_language():
    code = _code_only(SW_JS.read_text(encoding="utf-8"))
    assert "en|ru|kk" not in code
    found = re.findall(rf"(?<![\w-])(?:{'|'.join(LANGUAGES)})(?![\w-])", code)
    assert not found, f"sw.js names languages itself: {found}"
    assert 'get("langs")' in code
