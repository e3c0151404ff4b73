"""Build hook: the wheel carries the top-level ``static/`` and ``data/``.

The repository keeps both at its top level (the client's layout), outside the
package; the built package gets copies as ``mapapp/_static`` and ``mapapp/_data``,
which :mod:`mapapp.resources` prefers when they exist. An editable install copies
nothing and reads the checkout's folders. Everything else is in ``pyproject.toml``.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

ROOT = Path(__file__).resolve().parent
#: Top-level folder -> its name inside the built ``mapapp`` package.
SHIPPED = {"static": "_static", "data": "_data"}


class BuildPyWithSharedFolders(build_py):
    """``build_py``, then copy the shared top-level folders into the built package."""

    def run(self) -> None:
        super().run()
        if self.editable_mode:
            return
        for folder, packaged in SHIPPED.items():
            source = ROOT / folder
            if not (source.is_dir() and any(source.iterdir())):
                raise FileNotFoundError(f"{source} is missing or empty: the wheel needs it")
            target = Path(self.build_lib) / "mapapp" / packaged
            shutil.rmtree(target, ignore_errors=True)
            shutil.copytree(source, target, ignore=shutil.ignore_patterns(".*", "__pycache__"))


setup(cmdclass={"build_py": BuildPyWithSharedFolders})
