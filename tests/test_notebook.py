"""notebooks/coverage.ipynb runs offline on a temporary database and shows the report."""

from __future__ import annotations

import json
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

from mapapp import coverage
from mapapp.catalog import build_walk

NOTEBOOK = Path(__file__).resolve().parent.parent / "notebooks" / "coverage.ipynb"


def test_notebook_is_stored_without_outputs():
    raw = json.loads(NOTEBOOK.read_text(encoding="utf-8"))
    for cell in raw["cells"]:
        if cell["cell_type"] == "code":
            assert cell["outputs"] == [] and cell["execution_count"] is None


@pytest.fixture
def executed(db_path, monkeypatch):
    monkeypatch.setenv("MAPAPP_DB", str(db_path))
    nb = nbformat.read(NOTEBOOK, as_version=4)
    client = NotebookClient(
        nb,
        timeout=120,
        kernel_name="python3",
        resources={"metadata": {"path": str(NOTEBOOK.parent)}},
    )
    client.execute()
    return nb


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


def test_notebook_reproduces_the_report(executed, store):
    walk = build_walk(store)
    rep = coverage.coverage_report(
        walk.route, [s["lon"] for s in walk.stops], [s["lat"] for s in walk.stops]
    )
    text = "\n".join(outputs(executed, "text/plain"))
    assert f"{len(walk.stops)} of {len(walk.stops)} published works" in text
    html = "\n".join(outputs(executed, "text/html"))
    assert f"{round(rep.covered_m, 1)}" in html  # the summary table
    assert f"{round(rep.gaps[0].length_m, 1)}" in html  # the gaps table
    [svg] = outputs(executed, "image/svg+xml")
    assert "km along the route" in svg
    # the map: our layers, every script inlined, nothing from a CDN
    [folium_map] = [h for h in outputs(executed, "text/html") if "folium" in h]
    assert "TerrenkurPlanner.mount" in folium_map
    assert "data:text/javascript;base64," in folium_map
    assert "cdn" not in folium_map.lower() and "https://" not in folium_map.replace(
        "https://www.openstreetmap.org/copyright", ""
    )
