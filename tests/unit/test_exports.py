"""The public API: every name in ``grid_flex.__all__`` exists, and nothing is missed."""

from __future__ import annotations

import grid_flex


def test_all_names_exist():
    for name in grid_flex.__all__:
        assert hasattr(grid_flex, name), name


def test_pipeline_stages_are_public():
    for stage in (
        "load_scenario",
        "prepare_inputs",
        "build_model",
        "build_site",
        "solve",
        "solve_model",
        "extract",
        "write_results",
        "run",
    ):
        assert stage in grid_flex.__all__
        assert callable(getattr(grid_flex, stage))


def test_version_is_the_one_pyproject_declares():
    # grid_flex/version.py and pyproject.toml each hold the number: keep them equal.
    import tomllib
    from pathlib import Path

    pyproject = Path(grid_flex.__file__).parent.parent / "pyproject.toml"
    declared = tomllib.loads(pyproject.read_text(encoding="utf-8"))["project"]
    assert grid_flex.__version__ == declared["version"]
    assert grid_flex.__version__ is grid_flex.version.__version__
