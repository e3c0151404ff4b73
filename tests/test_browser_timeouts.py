"""Every timeout of the browser tests derives from one setting,
``TERRENKUR_BROWSER_TIMEOUT_SCALE``: no literal number of milliseconds or seconds
is passed as a timeout there, in Python or in the JavaScript they run."""

from __future__ import annotations

import ast
import importlib.util
import re
import sys
from pathlib import Path

import pytest

BROWSER_TESTS = Path(__file__).resolve().parent / "browser"


def literal_timeouts(path: Path) -> list[str]:
    found = []

    def number(node: ast.expr) -> bool:
        return isinstance(node, ast.Constant) and isinstance(node.value, int | float)

    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        where = f"{path.name}:{getattr(node, 'lineno', '?')}"
        if isinstance(node, ast.keyword) and node.arg == "timeout" and number(node.value):
            found.append(f"{where}: timeout={ast.unparse(node.value)}")
        elif isinstance(node, ast.Assign) and number(node.value):
            for target in node.targets:
                if isinstance(target, ast.Name) and re.search(r"_MS$|TIMEOUT", target.id):
                    found.append(f"{where}: {target.id} = {ast.unparse(node.value)}")
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            if "timeout" in node.func.attr and any(number(a) for a in node.args):
                found.append(f"{where}: {ast.unparse(node)}")
        elif (
            isinstance(node, ast.Constant)
            and isinstance(node.value, str)
            and re.search(r"setTimeout\([^;]*?,\s*\d", node.value)
        ):
            found.append(f"{where}: a JavaScript setTimeout with a literal delay")
    return found


def test_no_browser_test_has_a_literal_timeout():
    files = sorted(BROWSER_TESTS.glob("*.py"))
    assert len(files) > 3
    found = [hit for path in files for hit in literal_timeouts(path)]
    assert not found, "use browser_support.timeout_ms/timeout_s:\n" + "\n".join(found)


def load_support(monkeypatch, value: str | None):
    if value is None:
        monkeypatch.delenv("TERRENKUR_BROWSER_TIMEOUT_SCALE", raising=False)
    else:
        monkeypatch.setenv("TERRENKUR_BROWSER_TIMEOUT_SCALE", value)
    spec = importlib.util.spec_from_file_location("support", BROWSER_TESTS / "browser_support.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    monkeypatch.setitem(sys.modules, "support", module)  # dataclasses look it up
    spec.loader.exec_module(module)
    return module


def test_the_scale_multiplies_every_timeout(monkeypatch):
    default = load_support(monkeypatch, None)
    assert (default.TIMEOUT_MS, default.EXPECT_TIMEOUT_MS) == (10_000, 5_000)
    slow = load_support(monkeypatch, "2.5")
    assert (slow.TIMEOUT_MS, slow.EXPECT_TIMEOUT_MS) == (25_000, 12_500)
    assert slow.timeout_ms(3000) == 7500 and slow.timeout_s(10) == 25


@pytest.mark.parametrize("value", ["0", "-1", "fast", "nan"])
def test_a_bad_scale_is_refused(monkeypatch, value):
    with pytest.raises(pytest.UsageError, match="positive number"):
        load_support(monkeypatch, value)
