"""``import grid_flex`` is cheap: exports load on first use, Pyomo only when needed."""

from __future__ import annotations

import subprocess
import sys

import grid_flex


def _modules_after(code: str) -> set[str]:
    out = subprocess.run(
        [sys.executable, "-c", f"{code}\nimport sys\nprint(' '.join(sys.modules))"],
        check=True,
        capture_output=True,
        text=True,
    )
    return set(out.stdout.split())


def test_import_grid_flex_leaves_pyomo_unloaded():
    loaded = _modules_after("import grid_flex")
    assert "pyomo" not in loaded
    assert "grid_flex.api" not in loaded


def test_every_export_resolves():
    for name in grid_flex.__all__:
        assert getattr(grid_flex, name) is not None
    assert set(grid_flex.__all__) <= set(dir(grid_flex))
