"""Numbers as the request's language writes them (Babel): ``4,3`` in Russian and Kazakh.

Pages format numbers here, never with Python's ``f"{x:.1f}"``, so that a decimal
comma is where a reader expects it; the map script does the same with
``Intl.NumberFormat`` and the page's language.
"""

from __future__ import annotations

from babel.numbers import get_decimal_symbol, get_group_symbol
from flask_babel import format_decimal, get_locale


def decimal(value: float, digits: int = 1) -> str:
    """``value`` with exactly ``digits`` decimals in the request's language."""
    pattern = "#,##0." + "0" * digits if digits else "#,##0"
    return str(format_decimal(value, format=pattern))


def km(metres: float) -> str:
    """A distance in metres as kilometres with one decimal (``4,3`` in ru and kk)."""
    return decimal(metres / 1000, 1)


def number_symbols() -> dict[str, str]:
    """The request's language's decimal and group symbols, for the map script."""
    locale = get_locale()
    return {"decimal": get_decimal_symbol(locale), "group": get_group_symbol(locale)}
