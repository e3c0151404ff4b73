"""The declared dependencies tell the truth: each runtime dependency in pyproject.toml
is imported by ``mapapp/`` or ``notebooks/``, and each third-party import there comes
from a declared dependency or from one of theirs."""

from __future__ import annotations

import ast
import json
import sys
import tomllib
from functools import cache
from importlib import metadata
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parent.parent


def requirements(extra: str | None = None) -> list[Requirement]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    lines = project["optional-dependencies"][extra] if extra else project["dependencies"]
    return [Requirement(line) for line in lines]


def sources(folder: str) -> dict[str, str]:
    """Python source by file: ``.py`` files, and the code cells of notebooks."""
    out = {}
    for path in sorted((ROOT / folder).rglob("*.py")):
        out[str(path.relative_to(ROOT))] = path.read_text(encoding="utf-8")
    for path in sorted((ROOT / folder).rglob("*.ipynb")):
        cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
        code = ["".join(c["source"]) for c in cells if c["cell_type"] == "code"]
        lines = [
            ln for ln in "\n".join(code).splitlines() if not ln.lstrip().startswith(("%", "!"))
        ]
        out[str(path.relative_to(ROOT))] = "\n".join(lines)
    return out


def imported_modules(folder: str) -> set[str]:
    """Every absolute module name imported in ``folder`` (``a.b`` and, for
    ``from a.b import c``, also ``a.b.c``, which may be a module)."""
    found: set[str] = set()
    for name, text in sources(folder).items():
        for node in ast.walk(ast.parse(text, filename=name)):
            if isinstance(node, ast.Import):
                found.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                found.add(node.module)
                found.update(f"{node.module}.{alias.name}" for alias in node.names)
    return {m for m in found if m.split(".")[0] not in sys.stdlib_module_names | {"mapapp"}}


@cache
def modules_of(distribution: str) -> frozenset[str]:
    """The dotted module names a distribution's files provide."""
    names = set()
    for file in metadata.distribution(distribution).files or []:
        parts = file.parts
        if file.suffix == ".py":
            parts = (*parts[:-1], file.stem)
        elif file.suffix in (".so", ".pyd"):
            parts = (*parts[:-1], file.name.split(".")[0])
        else:
            continue
        if parts[-1] == "__init__":
            parts = parts[:-1]
        names.add(".".join(parts))
    return frozenset(names)


def distributions_of(modules: set[str]) -> dict[str, str]:
    """Module -> the installed distribution (canonical name) that provides it.

    ``packages_distributions()`` maps a top-level name to its distributions; when a
    namespace package (``xstatic``) is shared, the distribution's files decide.
    """
    owners = metadata.packages_distributions()
    out = {}
    for module in sorted(modules):
        candidates = owners.get(module.split(".")[0], [])
        if len(candidates) > 1:
            candidates = [d for d in candidates if module in modules_of(d)]
        if candidates:
            out[module] = canonicalize_name(candidates[0])
    return out


def closure(reqs: list[Requirement]) -> set[str]:
    """Canonical names of ``reqs`` and everything they require, recursively."""
    seen: set[str] = set()
    todo = [r for r in reqs if r.marker is None or r.marker.evaluate({"extra": ""})]
    while todo:
        req = todo.pop()
        name = canonicalize_name(req.name)
        if name in seen:
            continue
        seen.add(name)
        for line in metadata.requires(req.name) or []:
            sub = Requirement(line)
            if sub.marker is None or sub.marker.evaluate({"extra": ""}):
                todo.append(sub)
    return seen


def test_every_runtime_dependency_is_imported():
    used = set(
        distributions_of(imported_modules("mapapp") | imported_modules("notebooks")).values()
    )
    declared = {canonicalize_name(r.name) for r in requirements()}
    assert not declared - used, f"declared but imported by nothing: {sorted(declared - used)}"


def test_every_import_comes_from_a_declared_dependency():
    runtime = closure(requirements())
    for folder, allowed in (
        ("mapapp", runtime),
        ("notebooks", runtime | closure(requirements("test"))),
    ):
        imports = imported_modules(folder)
        owners = distributions_of(imports)
        known = metadata.packages_distributions()
        unknown = sorted(m for m in imports if m.split(".")[0] not in known)
        assert not unknown, f"{folder}: imports no installed distribution provides: {unknown}"
        undeclared = sorted({f"{m} ({d})" for m, d in owners.items() if d not in allowed})
        assert not undeclared, f"{folder}: imports from undeclared distributions: {undeclared}"


def test_the_mapping_knows_namespace_packages():
    owners = distributions_of({"xstatic.pkg.leaflet", "xstatic.pkg.leaflet_markercluster", "PIL"})
    assert owners == {
        "xstatic.pkg.leaflet": "xstatic-leaflet",
        "xstatic.pkg.leaflet_markercluster": "xstatic-leaflet-markercluster",
        "PIL": "pillow",
    }
