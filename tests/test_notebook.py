"""notebooks/coverage.ipynb runs offline on a temporary database and shows the report."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

from mapapp import coverage, resources, selection
from mapapp.catalog import build_walk, load_seed, seed
from mapapp.store import Store

NOTEBOOK = Path(__file__).resolve().parent.parent / "notebooks" / "coverage.ipynb"


def test_notebook_is_stored_without_outputs():
    raw = json.loads(NOTEBOOK.read_text(encoding="utf-8"))
    for cell in raw["cells"]:
        if cell["cell_type"] == "code":
            assert cell["outputs"] == [] and cell["execution_count"] is None


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    """The notebook executed once on a seeded database, writing a GeoPackage."""
    folder = tmp_path_factory.mktemp("notebook")
    db, gpkg = folder / "mapapp.sqlite", folder / "coverage.gpkg"
    store = Store.open(db)
    seed(store, load_seed(resources.data_dir()))
    store.close()
    nb = nbformat.read(NOTEBOOK, as_version=4)
    # as papermill does: a cell after the parameters cell overrides them
    [at] = [i for i, c in enumerate(nb.cells) if "parameters" in c.metadata.get("tags", [])]
    nb.cells.insert(at + 1, nbformat.v4.new_code_cell(f"DB = {str(db)!r}\nGPKG = {str(gpkg)!r}"))
    client = NotebookClient(
        nb,
        timeout=120,
        kernel_name="python3",
        resources={"metadata": {"path": str(NOTEBOOK.parent)}},
    )
    client.execute()
    return nb, gpkg


@pytest.fixture
def executed(run):
    return run[0]


@pytest.fixture
def gpkg(run):
    return run[1]


def outputs(nb, mime: str) -> list[str]:
    found = []
    for cell in nb.cells:
        for out in cell.get("outputs", []):
            if out.get("output_type") == "error":
                pytest.fail(f"{out['ename']}: {out['evalue']}")
            data = out.get("data", {})
            if mime in data:
                found.append(data[mime])
            if mime == "text/plain" and out.get("output_type") == "stream":
                found.append(out["text"])
    return found


def art_report(walk):
    """The notebook's default: art works within the corridor, and the report on them."""
    works, excluded = selection.split_by_corridor(
        selection.Selection().apply(walk.stops), selection.corridor_for(150.0)
    )
    rep = coverage.coverage_report(walk.route, [s["lon"] for s in works], [s["lat"] for s in works])
    return works, excluded, rep


def test_notebook_reproduces_the_report(executed, store):
    walk = build_walk(store)
    works, excluded, rep = art_report(walk)
    text = "\n".join(outputs(executed, "text/plain"))
    assert f"{len(works)} of {len(walk.stops)} published works counted" in text
    assert f"{len(excluded)} beyond the corridor" in text
    assert "have no date" in text
    html = "\n".join(outputs(executed, "text/html"))
    assert f"{round(rep.covered_m, 1)}" in html  # the summary table
    assert f"{round(rep.gaps[0].length_m, 1)}" in html  # the gaps table
    [svg] = outputs(executed, "image/svg+xml")
    assert "km along the route" in svg
    [png] = outputs(executed, "image/png")  # the geopandas map
    assert base64.b64decode(png).startswith(b"\x89PNG")
    # the map: our layers, every script inlined, nothing from a CDN
    [folium_map] = [h for h in outputs(executed, "text/html") if "folium" in h]
    assert "TerrenkurPlanner.mount" in folium_map
    assert "data:text/javascript;base64," in folium_map
    assert "cdn" not in folium_map.lower() and "https://" not in folium_map.replace(
        "https://www.openstreetmap.org/copyright", ""
    )


def test_notebook_writes_the_layers_as_a_geopackage(executed, gpkg, store):
    import geopandas as gpd

    walk = build_walk(store)
    works, _excluded, rep = art_report(walk)
    counts = {
        name: len(gpd.read_file(gpkg, layer=name)) for name in ("segment", "gap", "site", "work")
    }
    assert counts == {
        "segment": len(rep.segments),
        "gap": len(rep.gaps),
        "site": len(rep.suggestions),
        "work": len(works),
    }
    gaps = gpd.read_file(gpkg, layer="gap")
    assert gaps.crs.to_epsg() == 4326
    assert sorted(gaps["length_m"], reverse=True) == [round(g.length_m, 1) for g in rep.gaps]
