"""Fuzzing the public and curator endpoints (Hypothesis): no input gives a 500, and
every error under /api/ is JSON saying what went wrong.

Deterministic (``derandomize``) and bounded (a fixed number of examples each), so
a run takes a few seconds and fails the same way twice.
"""

from __future__ import annotations

import io
import json
from urllib.parse import quote

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from .test_curator import NEW_WORK

FUZZ = settings(
    max_examples=60,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

#: Values people and programs send that parsers trip over.
ODD = [
    "",
    " ",
    "0",
    "-0",
    "-1",
    "1e309",
    "-1e309",
    "nan",
    "NaN",
    "inf",
    "Infinity",
    "0x10",
    "1_000",
    "²",
    "٣",
    "３",
    "9" * 5000,
    "1" + "0" * 400,
    "%00",
    "\x00",
    "<script>",
    "'; DROP TABLE installations; --",
    "../../etc/passwd",
    "43,24",
    "43.24.1",
    "1e-400",
    "\u202e",
    "\ud800",
]
odd_text = st.one_of(
    st.sampled_from(ODD),
    st.text(max_size=40),
    st.integers(min_value=-(2**80), max_value=2**80).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.text(alphabet=st.characters(categories=["Nd", "No"]), min_size=1, max_size=6),
)
#: Each query parameter with a value that passes, so that a fuzzed request also gets
#: past the first check and reaches the later ones.
GOOD = {
    "lat": "43.24",
    "lon": "76.92",
    "n": "3",
    "kind": "mural",
    "festival": "PARK FEST",
    "bbox": "76.9,43.2,77.0,43.3",
    "lang": "ru",
    "direction": "backward",
    "radius": "150",
    "gap": "300",
    "segment": "100",
    "k": "2",
    "format": "csv",
    "q": "red",
    "status": "draft",
    "next": "/curator",
    "size": "small",
}


def queries_for(names: list[str]) -> st.SearchStrategy[dict[str, str]]:
    """Each of ``names`` missing, good or odd."""
    value = {n: st.one_of(st.none(), st.just(GOOD[n]), odd_text) for n in names}
    return st.fixed_dictionaries(value).map(lambda d: {k: v for k, v in d.items() if v is not None})


COVERAGE = ["radius", "gap", "segment", "k", "kind", "festival", "format", "lang"]
PUBLIC = {
    "/": ["lang"],
    "/api/routes/esentai/route.geojson": ["lang"],
    "/api/routes/esentai/installations.geojson": ["kind", "festival", "bbox", "lang"],
    "/api/routes/esentai/nearest": ["lat", "lon", "n", "lang"],
    "/api/routes/esentai/next": ["lat", "lon", "direction", "lang"],
    "/api/routes/esentai/coverage": COVERAGE,
    "/esentai/planner": COVERAGE,
    "/esentai/planner/chart.svg": [*COVERAGE, "size"],
    "/esentai/manifest.webmanifest": ["lang"],
    "/login": ["next", "lang"],
}
queries = st.dictionaries(st.sampled_from(list(GOOD)), odd_text, max_size=6)
ID_PATHS = [
    "/api/routes/esentai/installations/{}",
    "/esentai/installations/{}",
    "/media/phone/{}",
    "/media/{}",
]


def _safe(text: str) -> str:
    """A string the test client can put in a URL (lone surrogates cannot be encoded)."""
    return text.encode("utf-8", "replace").decode("utf-8")


def check(resp, path: str) -> None:
    assert resp.status_code < 500, f"{path}: {resp.status_code}"
    if path.startswith("/api/routes/esentai/") and resp.status_code >= 400:
        doc = resp.get_json()
        assert doc is not None, f"{path}: {resp.status_code} is not JSON"
        assert doc["status"] == resp.status_code and doc["message"]
    resp.close()


def _query(params: dict[str, str]) -> str:
    return "&".join(f"{k}={quote(_safe(v), safe='')}" for k, v in params.items())


@pytest.mark.parametrize("path", list(PUBLIC))
def test_public_pages_and_api_with_odd_queries(client, path):
    @settings(FUZZ, max_examples=40)
    @given(params=queries_for(PUBLIC[path]))
    def run(params):
        check(client.get(f"{path}?{_query(params)}"), path)

    run()


@FUZZ
@given(template=st.sampled_from(ID_PATHS), value=odd_text)
def test_odd_ids_and_names_in_paths(client, template, value):
    path = template.format(quote(_safe(value), safe="") or "x")
    check(client.get(path), path)


# the curator's write API and forms ---------------------------------------------------------

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=12,
)
FIELDS = [*NEW_WORK, "id", "version", "history_id", "photo", "year", "title_ru"]
bodies = st.one_of(
    st.dictionaries(st.sampled_from(FIELDS), json_values | odd_text, max_size=8),
    st.builds(
        lambda extra: {**NEW_WORK, **extra},
        st.dictionaries(st.sampled_from(FIELDS), json_values | odd_text, max_size=3),
    ),
    json_values,
)


@pytest.fixture
def signed_in(cclient, auth):
    auth.login("ada")
    return cclient


def _json_text(body) -> str:
    return json.dumps(body, allow_nan=True)


@FUZZ
@given(
    method_path=st.sampled_from(
        [
            ("POST", "/api/curator/installations"),
            ("PUT", "/api/curator/installations/1"),
            ("PATCH", "/api/curator/installations/2"),
            ("POST", "/api/curator/installations/3/retire"),
            ("POST", "/api/curator/installations/4/restore"),
        ]
    ),
    body=bodies,
)
def test_curator_api_with_odd_json(signed_in, method_path, body):
    method, path = method_path
    resp = signed_in.open(
        path, method=method, data=_json_text(body), content_type="application/json"
    )
    check(resp, path)


@FUZZ
@given(
    raw=st.binary(max_size=300) | st.text(max_size=300).map(lambda t: t.encode("utf-8", "replace"))
)
def test_curator_api_with_bytes_that_are_not_json(signed_in, raw):
    resp = signed_in.post("/api/curator/installations", data=raw, content_type="application/json")
    check(resp, "/api/curator/installations")


form_values = st.dictionaries(
    st.sampled_from([*FIELDS, "remove_photo", "pending_photo"]), odd_text, max_size=10
)


@FUZZ
@given(
    path=st.sampled_from(["/curator/new", "/curator/1", "/curator/1/restore/1"]), form=form_values
)
def test_curator_forms_with_odd_fields(signed_in, path, form):
    resp = signed_in.post(path, data={k: _safe(v) for k, v in form.items()})
    check(resp, path)


@FUZZ
@given(
    path=st.sampled_from(["/curator", "/curator/export.csv", "/curator/1/history"]), params=queries
)
def test_curator_pages_with_odd_queries(signed_in, path, params):
    check(signed_in.get(f"{path}?{_query(params)}"), path)


# uploads ----------------------------------------------------------------------------------

HEADER = "slug,title,kind,lat,lon,location_precision,source_url,id,year,status\n"
csv_cells = st.lists(odd_text.map(lambda v: _safe(v).replace("\n", " ")), min_size=1, max_size=11)


@FUZZ
@given(rows=st.lists(csv_cells, min_size=1, max_size=4))
def test_imports_of_odd_csv(signed_in, rows):
    import csv

    out = io.StringIO()
    csv.writer(out).writerows(rows)
    data = {"file": (io.BytesIO((HEADER + out.getvalue()).encode()), "fuzz.csv")}
    resp = signed_in.post("/curator/import", data=data, content_type="multipart/form-data")
    check(resp, "/curator/import")


@FUZZ
@given(doc=json_values, as_features=st.booleans())
def test_imports_and_routes_of_odd_geojson(signed_in, doc, as_features):
    if as_features:
        doc = {
            "type": "FeatureCollection",
            "features": [{"type": "Feature", "geometry": doc, "properties": doc}],
        }
    content = _json_text(doc).encode()
    for path, field in (("/curator/import", "file"), ("/curator/route", "file")):
        data = {field: (io.BytesIO(content), "fuzz.geojson")}
        check(signed_in.post(path, data=data, content_type="multipart/form-data"), path)


points = st.lists(st.tuples(odd_text, odd_text), min_size=0, max_size=6)


@FUZZ
@given(pts=points)
def test_routes_of_odd_gpx(signed_in, pts):
    from xml.sax.saxutils import quoteattr

    body = "".join(
        f"<trkpt lat={quoteattr(_safe(lat))} lon={quoteattr(_safe(lon))}/>" for lat, lon in pts
    )
    gpx = f'<gpx xmlns="http://www.topografix.com/GPX/1/1"><trk><trkseg>{body}</trkseg></trk></gpx>'
    data = {"file": (io.BytesIO(gpx.encode("utf-8", "replace")), "fuzz.gpx")}
    check(
        signed_in.post("/curator/route", data=data, content_type="multipart/form-data"),
        "/curator/route",
    )
