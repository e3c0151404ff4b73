"""Interface language: Kazakh, Russian or English, chosen and kept in the URL.

The language comes from ``?lang=`` when given (so a shared link keeps it), else from
the browser's Accept-Language, else English. Links built with ``url_for`` during a
request that named a language carry it on. Message catalogues live in
``mapapp/translations`` (Flask-Babel, gettext).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from flask import Flask, has_request_context, request
from flask_babel import Babel, get_locale
from werkzeug.datastructures import LanguageAccept
from werkzeug.http import parse_accept_header

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


TRANSLATIONS = Path(__file__).resolve().parent.parent / "translations"


def compile_catalogs(directory: Path = TRANSLATIONS) -> list[Path]:
    """Build ``messages.mo`` from each ``messages.po`` that is newer; return those built.

    The ``.po`` files are the source kept in the repository; compiled files are not.
    """
    built = []
    for po in sorted(directory.glob("*/LC_MESSAGES/messages.po")):
        mo = po.with_suffix(".mo")
        if mo.exists() and mo.stat().st_mtime >= po.stat().st_mtime:
            continue
        with po.open("rb") as f:
            catalog = read_po(f)
        tmp = mo.with_suffix(f".{os.getpid()}.tmp")
        with tmp.open("wb") as f:
            write_mo(f, catalog)
        tmp.replace(mo)
        built.append(mo)
    return built


def init_app(app: Flask) -> None:
    compile_catalogs()
    app.config.setdefault("BABEL_TRANSLATION_DIRECTORIES", str(TRANSLATIONS))
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
