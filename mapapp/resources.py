"""Where the app's files are, in a checkout and in an installed wheel.

A checkout keeps ``static/`` and ``data/`` at the repository's top level (the
client's layout); the wheel carries copies of them inside the package as
``mapapp/_static`` and ``mapapp/_data`` (copied by ``setup.py`` at build time).
Templates and translation catalogues are package data in both.

The instance folder (database, secret key, media, compiled catalogues) is never
inside the package: it is ``MAPAPP_INSTANCE`` when set, else ``instance/`` under
the current directory (so ``make run`` in a checkout uses the checkout's).

No Flask here: the app, the CLI and the notebooks use it alike.
"""

from __future__ import annotations

import os
from pathlib import Path

#: The ``mapapp`` package folder.
PACKAGE_DIR = Path(__file__).resolve().parent


def _shipped(folder: str) -> Path:
    """The wheel's copy of a top-level folder, else the checkout's."""
    for candidate in (PACKAGE_DIR / f"_{folder}", PACKAGE_DIR.parent / folder):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(
        f"mapapp's {folder}/ is missing: neither {PACKAGE_DIR / ('_' + folder)} (installed) "
        f"nor {PACKAGE_DIR.parent / folder} (checkout) exists; reinstall the package"
    )


def static_dir() -> Path:
    """Our CSS, JavaScript, icons and the service worker."""
    return _shipped("static")


def data_dir() -> Path:
    """The shipped data: ``installations.csv`` (the seed) and the ``geo/`` layers."""
    return _shipped("data")


def translations_dir() -> Path:
    """The message catalogues' sources (``<lang>/LC_MESSAGES/messages.po``)."""
    return PACKAGE_DIR / "translations"


def instance_dir() -> Path:
    """The writable folder for this installation: ``MAPAPP_INSTANCE``, else ``./instance``."""
    configured = os.environ.get("MAPAPP_INSTANCE", "").strip()
    return Path(configured).absolute() if configured else Path.cwd() / "instance"
