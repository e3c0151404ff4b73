"""Reading untrusted text: JSON of bounded depth, CSV rows whose fields may be too long.

Requests, uploads and the CLI read JSON and CSV through these functions, so a
document nested 100,000 levels deep, a ``NaN`` or a 5,000-digit number, or a CSV
field longer than the csv module's limit is a clear :class:`InputError` (or a
row's error) instead of a crash deep in the parser. No Flask here.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from typing import Any

#: How deeply JSON may nest; GeoJSON needs 6 levels, our API bodies 2.
MAX_JSON_DEPTH = 32


class InputError(ValueError):
    """Text that cannot be read; ``code`` names the rule (``not_json``, ``too_deep``,
    ``json_number``) and ``params`` its values, as for a :class:`~mapapp.records.RowError`.
    """

    def __init__(self, code: str, message: str, **params: Any):
        super().__init__(message)
        self.code = code
        self.params = params


def _no_constant(name: str) -> Any:
    raise InputError("json_number", f"{name} is not a number JSON allows")


def load_json(text: str | bytes, max_depth: int = MAX_JSON_DEPTH) -> Any:
    """Parse JSON text; :class:`InputError` for bad JSON, ``NaN``, huge numbers or deep nesting."""
    too_deep = InputError("too_deep", f"nested more than {max_depth} levels deep", depth=max_depth)
    try:
        doc = json.loads(text, parse_constant=_no_constant)
    except json.JSONDecodeError as exc:
        raise InputError(
            "not_json", f"not valid JSON: {exc.msg} (line {exc.lineno})", line=exc.lineno
        ) from None
    except RecursionError:
        raise too_deep from None
    except InputError:
        raise
    except UnicodeDecodeError as exc:
        raise InputError(
            "not_utf8", f"not UTF-8 text ({exc.reason} at byte {exc.start})", byte=exc.start
        ) from None
    except ValueError:  # an integer of more than 4,300 digits, or bytes that are not text
        raise InputError("json_number", "a number has too many digits") from None
    if _deeper_than(doc, max_depth):
        raise too_deep
    return doc


def _deeper_than(doc: Any, max_depth: int) -> bool:
    """Whether containers in ``doc`` nest more than ``max_depth`` levels (no recursion)."""
    stack = [(doc, 1)] if isinstance(doc, dict | list) else []
    while stack:
        node, depth = stack.pop()
        if depth > max_depth:
            return True
        children = node.values() if isinstance(node, dict) else node
        stack.extend((c, depth + 1) for c in children if isinstance(c, dict | list))
    return False


def csv_records(reader: csv.DictReader) -> Iterator[tuple[int, dict[str, Any] | None]]:
    """``(line, row)`` for each row of ``reader``; ``row`` is ``None`` for one the csv
    module refused (a field longer than its limit, 131,072 characters).

    Reading goes on after a refused row, so every bad row can be reported.
    """
    while True:
        try:
            raw = next(reader)
        except StopIteration:
            return
        except csv.Error:
            yield reader.line_num + 1, None
            continue
        yield reader.line_num, raw


#: The csv module's longest field, for messages.
CSV_FIELD_LIMIT = csv.field_size_limit()
