"""The translations say what the English means, not what its words are.

A stop on the river walk is a work of art or a cultural place, not a bus stop:
"остановка" and "аялдама" read as bus stops; "Найти меня" and "Мені табу" are the
English "Locate me" word for word ("find me" as in a search party).
"""

from __future__ import annotations

import pytest
from babel.messages.pofile import read_po

from mapapp.resources import translations_dir

#: Words that read as something else in each language.
MISREAD = {"ru": ("остановк",), "kk": ("аялдам",)}
LITERAL = {"ru": "Найти меня", "kk": "Мені табу"}


def catalogue(lang: str):
    with open(translations_dir() / lang / "LC_MESSAGES" / "messages.po", "rb") as f:
        return read_po(f)


def texts(message) -> list[str]:
    return [message.string] if isinstance(message.string, str) else list(message.string)


@pytest.mark.parametrize("lang", ["ru", "kk"])
def test_stops_are_not_bus_stops(lang):
    found = [
        (m.id, text)
        for m in catalogue(lang)
        if m.id
        for text in texts(m)
        if any(word in text.lower() for word in MISREAD[lang])
    ]
    assert not found, found


@pytest.mark.parametrize("lang", ["ru", "kk"])
def test_locate_me_is_not_word_for_word(lang):
    message = catalogue(lang)["Locate me"]
    assert message.string and message.string != LITERAL[lang]
