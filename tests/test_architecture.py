"""The architecture holds: nothing below the web layer loads Flask.

The layer contracts themselves are import-linter's (``lint-imports`` in ``make
lint``, configured in pyproject.toml); this checks what a user of the library and
of the CLI's data commands actually loads.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

WEB = ("flask", "flask_babel", "flask_login", "flask_wtf", "flask_limiter", "flask_compress")


def loaded_after(code: str) -> list[str]:
    probe = (
        f"{code}\nimport sys, json\n"
        f"print(json.dumps(sorted(m for m in sys.modules if m.split('.')[0] in {WEB!r})))"
    )
    out = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, timeout=120
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_the_library_loads_no_flask():
    code = (
        "import mapapp, mapapp.geo, mapapp.store, mapapp.coverage, mapapp.coverage_formats,"
        " mapapp.catalog, mapapp.editing, mapapp.exchange, mapapp.records, mapapp.maps,"
        " mapapp.tiles, mapapp.accounts, mapapp.osm, mapapp.gis, mapapp.selection,"
        " mapapp.lifecycle, mapapp.timeline, mapapp.uncertainty, mapapp.scenarios,"
        " mapapp.payloads"
    )
    assert loaded_after(code) == []


def test_the_cli_data_commands_load_no_flask(db_path: Path):
    code = f"""
from click.testing import CliRunner
from mapapp.cli import cli
for args in (["export", "--format", "gpx"], ["coverage", "--format", "csv"], ["osm", "export"]):
    result = CliRunner().invoke(cli, [*args, "--db", {str(db_path)!r}])
    assert result.exit_code == 0, result.output
"""
    assert loaded_after(code) == []


def test_the_probe_sees_flask_when_it_is_loaded():
    assert "flask" in loaded_after("import mapapp.app")


def test_the_app_starts_without_pandas_scipy_or_folium(db_path: Path):
    """Loaded when a request needs them (folium: the first map page; scipy: the first
    nearest query), pandas never: they cost the server some 100 MB."""
    probe = (
        "import sys\nfrom mapapp.app import create_app\n"
        f"create_app({{'TESTING': True, 'SECRET_KEY': 'x', 'DB': {str(db_path)!r}}})\n"
        "print(sorted(m for m in ('pandas', 'scipy', 'folium', 'matplotlib') if m in sys.modules))"
    )
    out = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, timeout=120
    )
    assert out.stdout.strip().splitlines()[-1] == "[]"
