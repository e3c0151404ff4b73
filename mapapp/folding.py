"""Spellings folded to one Latin key, so that a search meets across scripts.

``Кастеев`` (Russian), ``Қастеев`` (Kazakh), ``Kasteyev`` and ``Kasteev`` (two
English transcriptions) and ``Qasteev`` (Kazakh Latin) all fold to ``kastev``.
The search index keeps each text as written (SQLite's unicode61 tokenizer folds
case and Latin diacritics) and a folded copy of it; a query is folded the same
way. Pure functions, no SQL.

The folding: Cyrillic letters of Kazakh and Russian are transliterated (our own
table, so that the Kazakh letters Ә, Ғ, Қ, Ң, Ө, Ұ, Ү, Һ, І come out as plain
Latin letters); Latin letters lose their diacritics (Kazakh Latin ş, ç, ğ keep
their sound as sh, ch, g); then the spelling differences between transcriptions
are evened out: y is i, q is k, w is v, j is zh, kh is h, doubled letters are
single and "ie" is "e" (so Kasteyev, Kasteev and Кастеев meet).
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from text_unidecode import unidecode

_CYRILLIC = {
    "а": "a",
    "б": "b",
    "в": "v",
    "г": "g",
    "д": "d",
    "е": "e",
    "ё": "e",
    "ж": "zh",
    "з": "z",
    "и": "i",
    "й": "i",
    "к": "k",
    "л": "l",
    "м": "m",
    "н": "n",
    "о": "o",
    "п": "p",
    "р": "r",
    "с": "s",
    "т": "t",
    "у": "u",
    "ф": "f",
    "х": "kh",
    "ц": "ts",
    "ч": "ch",
    "ш": "sh",
    "щ": "shch",
    "ъ": "",
    "ы": "y",
    "ь": "",
    "э": "e",
    "ю": "iu",
    "я": "ia",
    # Kazakh
    "ә": "a",
    "ғ": "g",
    "қ": "k",
    "ң": "n",
    "ө": "o",
    "ұ": "u",
    "ү": "u",
    "һ": "h",
    "і": "i",
}
#: Latin letters whose sound a plain base letter would lose.
_LATIN = {"ş": "sh", "ç": "ch", "ğ": "g", "ı": "i", "ñ": "n", "ß": "ss", "æ": "ae", "ø": "o"}
#: Spelling differences between transcriptions, evened out in this order.
_EVEN = (("y", "i"), ("q", "k"), ("w", "v"), ("j", "zh"), ("kh", "h"))
_WORD = re.compile(r"\w+")
_DOUBLE = re.compile(r"(.)\1+")


@lru_cache(maxsize=4096)
def fold_word(word: str) -> str:
    """One word as its folded Latin key (lowercase ASCII letters and digits)."""
    out = []
    for ch in word.lower():
        if ch in _CYRILLIC:
            out.append(_CYRILLIC[ch])
        elif ch in _LATIN:
            out.append(_LATIN[ch])
        elif ch.isascii():
            out.append(ch)
        else:
            base = unicodedata.normalize("NFKD", ch)
            base = "".join(c for c in base if not unicodedata.combining(c))
            out.append(base if base.isascii() else unidecode(base).lower())
    text = "".join(c for c in "".join(out) if c.isalnum() and c.isascii())
    for old, new in _EVEN:
        text = text.replace(old, new)
    text = _DOUBLE.sub(r"\1", text)
    text = text.replace("ie", "e")
    return _DOUBLE.sub(r"\1", text)


def words(text: str) -> list[str]:
    """The words of a text, as the search sees them (letters and digits, any script)."""
    return _WORD.findall(text or "")


def fold(text: str) -> str:
    """A text as its folded words, separated by spaces."""
    return " ".join(f for f in (fold_word(w) for w in words(text)) if f)


def browser_tables() -> dict[str, object]:
    """The folding's tables for the map script, which folds a query the same way offline.

    ``static/js/search.js`` applies them in :func:`fold_word`'s order; NFKD with
    combining marks removed stands in for the rare letters Unidecode would spell.
    """
    return {"cyrillic": dict(_CYRILLIC), "latin": dict(_LATIN), "even": [list(p) for p in _EVEN]}
