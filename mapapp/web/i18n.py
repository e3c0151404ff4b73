"""Interface language: Kazakh, Russian or English, chosen and kept in the URL.

The language comes from ``?lang=`` when given (so a shared link keeps it), else from
the browser's Accept-Language, else English. Links built with ``url_for`` during a
request that named a language carry it on. Message catalogues live in
``mapapp/translations`` (Flask-Babel, gettext); they are compiled at start-up into
the instance folder, since an installed package may be read-only.
"""

from __future__ import annotations

import io
import os
from functools import lru_cache
from pathlib import Path
from typing import Any

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from flask import Flask, has_request_context, request
from flask_babel import Babel, get_locale
from werkzeug.datastructures import LanguageAccept
from werkzeug.http import parse_accept_header

from .. import resources
from ..records import LANGUAGES

#: How each language names itself, for the switcher.
LANGUAGE_NAMES = {"kk": "Қазақша", "ru": "Русский", "en": "English"}
#: The river's name in each language: the main name, and the others to show with it.
RIVER_NAMES = {
    "kk": ("Есентай", "Весновка · Esentai (Vesnovka)"),
    "ru": ("Весновка", "Есентай · Esentai"),
    "en": ("Esentai (Vesnovka)", "Есентай · Весновка"),
}
#: Endpoints whose URLs never carry a language (files, data).
_NO_LANG = ("static", "assets.vendor", "public.media")


def select_language() -> str:
    if not has_request_context():
        return LANGUAGES[0]
    asked = request.args.get("lang")
    if asked in LANGUAGES:
        return asked
    return request.accept_languages.best_match(LANGUAGES) or LANGUAGES[0]


def browser_language(accept_language: str | None) -> str:
    """The language :func:`select_language` picks from an ``Accept-Language`` header alone."""
    accepted = parse_accept_header(accept_language, LanguageAccept)
    return accepted.best_match(LANGUAGES) or LANGUAGES[0]


def current_language() -> str:
    return str(get_locale() or LANGUAGES[0])


#: The catalogues' sources, kept in the repository and shipped in the wheel.
TRANSLATIONS = resources.translations_dir()


@lru_cache(maxsize=16)
def _compiled(po: str, mtime_ns: int, size: int) -> bytes:
    """``messages.mo`` bytes for a ``.po`` file (cached while the file is unchanged)."""
    with open(po, "rb") as f:
        catalog = read_po(f)
    out = io.BytesIO()
    write_mo(out, catalog)
    return out.getvalue()


def compile_catalogs(target: Path, source: Path = TRANSLATIONS) -> list[Path]:
    """Write ``<lang>/LC_MESSAGES/messages.mo`` under ``target`` from each ``.po`` in
    ``source`` whose compiled form differs from what is there; return those written.

    The sources may be read-only (an installed package), so the compiled files go to
    a writable folder, the app's instance folder; they are compared by content, so an
    upgraded package never leaves stale translations behind.
    """
    written = []
    for po in sorted(source.glob("*/LC_MESSAGES/messages.po")):
        stat = po.stat()
        data = _compiled(str(po), stat.st_mtime_ns, stat.st_size)
        mo = target / po.relative_to(source).with_suffix(".mo")
        if mo.is_file() and mo.read_bytes() == data:
            continue
        mo.parent.mkdir(parents=True, exist_ok=True)
        tmp = mo.with_suffix(f".{os.getpid()}.tmp")
        tmp.write_bytes(data)
        tmp.replace(mo)
        written.append(mo)
    return written


def init_app(app: Flask) -> None:
    """Babel on catalogues compiled into ``<instance>/translations`` at start-up."""
    compiled = Path(app.instance_path) / "translations"
    compile_catalogs(compiled)
    app.config.setdefault("BABEL_TRANSLATION_DIRECTORIES", str(compiled))
    Babel(app, locale_selector=select_language)

    @app.url_defaults
    def _keep_language(endpoint: str, values: dict[str, Any]) -> None:
        if endpoint in _NO_LANG or "lang" in values or not has_request_context():
            return
        asked = request.args.get("lang")
        if asked in LANGUAGES:
            values["lang"] = asked

    @app.context_processor
    def _language_globals() -> dict[str, Any]:
        lang = current_language()
        return {
            "current_lang": lang,
            "languages": LANGUAGE_NAMES,
            "river_name": RIVER_NAMES[lang][0],
            "river_other_names": RIVER_NAMES[lang][1],
        }
