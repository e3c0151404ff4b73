"""One parser for numbers typed by people or sent by programs.

Only ASCII digits are numbers here (``int("²")`` and ``float("١")`` accept other
Unicode digits), values have a bounded length, and every value is checked against
its bounds, so a 5,000-digit id or a 400-digit coordinate is a clear error rather
than a crash deep in SQLite or numpy.
"""

from __future__ import annotations

import math
import re

#: Longest text accepted as a number; real values are far shorter.
MAX_CHARS = 40
_INT = re.compile(r"[+-]?[0-9]+")
_FLOAT = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]{1,3})?")
#: The largest id SQLite can store (a signed 64-bit integer).
MAX_ID = 2**63 - 1


class NumberError(ValueError):
    """Not a number in range; ``code`` says which rule failed (``not_number``, ``range``)."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code


def parse_int(text: str | int, low: int, high: int) -> int:
    """A whole number from ``low`` to ``high``, from text of ASCII digits."""
    if isinstance(text, bool):
        raise NumberError("not_number", "not a whole number")
    if isinstance(text, int):
        value = text
    else:
        raw = str(text).strip()
        if len(raw) > MAX_CHARS or not _INT.fullmatch(raw):
            raise NumberError("not_number", "not a whole number")
        value = int(raw)
    if not low <= value <= high:
        raise NumberError("range", f"must be from {low} to {high}")
    return value


def parse_float(text: str | float | int, low: float, high: float) -> float:
    """A finite number from ``low`` to ``high``, from text of ASCII digits."""
    if isinstance(text, bool):
        raise NumberError("not_number", "not a number")
    if isinstance(text, int | float):
        if isinstance(text, int) and abs(text) > 10**MAX_CHARS:
            raise NumberError("range", f"must be from {low:g} to {high:g}")
        value = float(text)
    else:
        raw = str(text).strip()
        if len(raw) > MAX_CHARS or not _FLOAT.fullmatch(raw):
            raise NumberError("not_number", "not a number")
        value = float(raw)
        if not math.isfinite(value):  # written as digits, too large for a float
            raise NumberError("range", f"must be from {low:g} to {high:g}")
    if not math.isfinite(value):
        raise NumberError("not_number", "must be a finite number")
    if not low <= value <= high:
        raise NumberError("range", f"must be from {low:g} to {high:g}")
    return value


def int_or_none(text: str | None, low: int = 0, high: int = MAX_ID) -> int | None:
    """``parse_int`` for optional form fields: ``None`` when missing or invalid."""
    if text is None:
        return None
    try:
        return parse_int(text, low, high)
    except NumberError:
        return None
