"""What the README and ``--help`` promise: every setting the app reads is in the
README's configuration table (and every row there is read), and every command of the
CLI answers ``--help`` and ``-h`` with an example."""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from mapapp.app import settings
from mapapp.cli import cli

ROOT = Path(__file__).resolve().parent.parent
#: Configuration keys that are not ours to document: Flask's own and its extensions'
#: (set by create_app or the tests), and the upload cap derived from our two limits.
INTERNAL_KEYS = {
    "DEBUG",
    "TESTING",
    "MAX_CONTENT_LENGTH",
    "SESSION_COOKIE_HTTPONLY",
    "SESSION_COOKIE_SAMESITE",
}
INTERNAL_PREFIXES = ("COMPRESS_", "BABEL_", "RATELIMIT_", "WTF_")


def _is_config(node: ast.expr) -> bool:
    """``app.config``, ``current_app.config`` or a local named ``config``."""
    return (isinstance(node, ast.Attribute) and node.attr == "config") or (
        isinstance(node, ast.Name) and node.id == "config"
    )


def settings_read() -> set[str]:
    """Every ``MAPAPP_*`` variable the code reads: ``MAPAPP_<KEY>`` for each config key
    (defaults, ``config[...]``, ``config.get/setdefault(...)``) and every literal name."""
    keys: set[str] = set()
    names: set[str] = set()
    for path in sorted((ROOT / "mapapp").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
            if isinstance(node, ast.Subscript) and _is_config(node.value):
                if isinstance(node.slice, ast.Constant) and isinstance(node.slice.value, str):
                    keys.add(node.slice.value)
            elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
                owner, method = node.func.value, node.func.attr
                if method == "from_mapping" and _is_config(owner):
                    keys.update(k.arg for k in node.keywords if k.arg)
                elif method in ("get", "setdefault", "pop") and _is_config(owner) and node.args:
                    first = node.args[0]
                    if isinstance(first, ast.Constant) and isinstance(first.value, str):
                        keys.add(first.value)
            elif (
                isinstance(node, ast.Constant)
                and isinstance(node.value, str)
                and re.fullmatch(r"MAPAPP_[A-Z0-9_]+", node.value)
            ):
                names.add(node.value)
    public = {k for k in keys if k not in INTERNAL_KEYS and not k.startswith(INTERNAL_PREFIXES)}
    ours = set(settings(Path("instance")))  # the app's own list: documented whatever the prefix
    return names | {f"MAPAPP_{k}" for k in public | ours}


def documented_settings() -> list[str]:
    """The variables in the first column of the README's configuration table."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("\n## Configuration\n", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"^\| `(MAPAPP_[A-Z0-9_]+)` \|", section, re.M)


def test_the_scan_finds_the_settings_it_should():
    assert {"MAPAPP_DB", "MAPAPP_TILES", "MAPAPP_MEDIA_DIR", "MAPAPP_INSTANCE"} <= settings_read()
    assert "MAPAPP_COMPRESS_MIN_SIZE" not in settings_read()


def test_every_setting_is_in_the_readme_table_and_every_row_is_read():
    read, documented = settings_read(), documented_settings()
    assert len(documented) == len(set(documented)), "a row appears twice"
    assert not read - set(documented), f"missing from the README: {sorted(read - set(documented))}"
    assert not set(documented) - read, f"read by nothing: {sorted(set(documented) - read)}"


def commands(group: click.Group, path: tuple[str, ...] = ()) -> Iterator[tuple[str, ...]]:
    for name, command in sorted(group.commands.items()):
        yield (*path, name)
        if isinstance(command, click.Group):
            yield from commands(command, (*path, name))


@pytest.mark.parametrize("flag", ["--help", "-h"])
@pytest.mark.parametrize("path", [(), *commands(cli)], ids=lambda p: " ".join(p) or "mapapp")
def test_every_command_answers_help_with_an_example(path: tuple[str, ...], flag: str):
    result = CliRunner().invoke(cli, [*path, flag], prog_name="mapapp")
    assert result.exit_code == 0, result.output
    assert result.output.startswith(f"Usage: mapapp {' '.join(path)}".rstrip())
    _, found, example = result.output.partition("\n  Example:\n")
    assert found, f"no Example section:\n{result.output}"
    assert re.search(rf"^\s+(\S+=\S* )?mapapp {' '.join(path)}", example, re.M), example


def test_every_command_is_in_the_readme():
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    missing = [" ".join(p) for p in commands(cli) if f"`mapapp {' '.join(p)}" not in text]
    assert not missing, f"commands the README does not mention: {missing}"
