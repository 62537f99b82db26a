"""The package's imports only run down: no cycle between modules or between floors.

A floor is a top-level module (``grid_flex/site.py``) or subpackage (``grid_flex/io``)
and stands above everything it imports. Every ``import grid_flex...`` statement
counts, wherever it is (module level, inside a function, under ``TYPE_CHECKING``):
an import that runs back up a floor closes a cycle, and the test names its lines.
Importing ``grid_flex.a.b`` also runs ``grid_flex/a/__init__.py``: that counts too.
"""

from __future__ import annotations

import ast
import graphlib
import itertools
from collections import defaultdict
from pathlib import Path

import pytest

import grid_flex

PACKAGE = Path(grid_flex.__file__).parent


def _modules() -> dict[str, Path]:
    found = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        found[".".join(parts)] = path
    return found


def _imports(path: Path, modules: dict[str, Path]) -> list[tuple[int, str]]:
    """(line, module) for every grid_flex module ``path`` imports by name."""
    out = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            out += [(node.lineno, a.name) for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            subs = [f"{node.module}.{a.name}" for a in node.names]
            subs = [s for s in subs if s in modules]
            names_only = len(subs) < len(node.names)  # some names are not modules
            out += [(node.lineno, t) for t in [node.module] * names_only + subs]
    return [(line, t) for line, t in out if t in modules]


def _floor(module: str) -> str:
    """``grid_flex.io.catalog`` → ``grid_flex.io``; the root stays the root."""
    return ".".join(module.split(".")[:2])


def _run_by_import(importer: str, target: str) -> list[str]:
    """``target`` and the subpackages whose ``__init__`` importing it runs.

    The root's ``__init__`` is left out (its exports are lazy), and so are the
    importer's own packages (already running).
    """
    parts = target.split(".")
    packages = [".".join(parts[:i]) for i in range(2, len(parts))]
    return [p for p in packages if not (importer + ".").startswith(p + ".")] + [target]


def _graph(by_floor: bool) -> tuple[dict[str, set[str]], dict[tuple[str, str], str]]:
    modules = _modules()
    edges: dict[str, set[str]] = defaultdict(set)
    where: dict[tuple[str, str], str] = {}
    for name, path in modules.items():
        for line, target in _imports(path, modules):
            for b in _run_by_import(name, target):
                a, b = (_floor(name), _floor(b)) if by_floor else (name, b)
                if a != b:
                    edges[a].add(b)
                    where.setdefault((a, b), f"{name}:{line} imports {target}")
    return edges, where


@pytest.mark.parametrize("by_floor", [False, True], ids=["modules", "floors"])
def test_no_import_cycle(by_floor: bool):
    edges, where = _graph(by_floor)
    try:
        order = list(graphlib.TopologicalSorter(edges).static_order())
    except graphlib.CycleError as err:
        cycle = err.args[1][::-1]  # graphlib lists it from dependency to dependant
        lines = [where[(a, b)] for a, b in itertools.pairwise(cycle)]
        pytest.fail("imports run in a circle:\n  " + "\n  ".join(lines))
    assert "grid_flex.site" in order  # the walk saw the package


def test_the_check_counts_imports_under_type_checking_and_in_functions():
    # model/terms.py imports the schema's spec classes only for type checkers; the
    # CLI imports the API inside its commands: both kinds of line must count.
    edges, _ = _graph(by_floor=False)
    assert "grid_flex.schema.catalog" in edges["grid_flex.model.terms"]
    assert "grid_flex.api" in edges["grid_flex.cli"]
    floors, _ = _graph(by_floor=True)
    assert "grid_flex.io" not in floors["grid_flex.model"]
    assert {"grid_flex.assets", "grid_flex.programs"} <= floors["grid_flex.site"]
