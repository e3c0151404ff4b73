"""Every setting is documented: the README's Configuration table lists each one."""

from __future__ import annotations

import re
from pathlib import Path

from mapapp import PROJECT_ROOT
from mapapp.app import settings


def _table_rows() -> set[str]:
    readme = (PROJECT_ROOT / "README.md").read_text(encoding="utf-8")
    table = readme.split("## Configuration", 1)[1].split("\n\n", 2)[1]
    return set(re.findall(r"^\| `(MAPAPP_[A-Z_]+)` \|", table, flags=re.M))


def test_the_readme_lists_every_setting():
    documented = _table_rows()
    ours = {f"MAPAPP_{name}" for name in settings(Path("instance"))}
    assert ours - documented == set(), "settings missing from README's Configuration table"
    assert documented - ours == set(), "README documents settings the app does not have"
