"""Import only what a command needs: the package and the CLI load lazily.

Each check runs a fresh interpreter (``sys.modules`` of this test process already
holds everything).
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

import grid_flex

HEAVY = ("pandas", "numpy", "pyomo", "highspy", "pydantic", "pyarrow", "yaml")


def loaded_after(code: str, *argv: str) -> set[str]:
    """Top-level packages and ``pyomo.environ`` that ``code`` left in sys.modules."""
    probe = (
        f"{code}\nimport json, sys\n"
        "print(json.dumps(sorted({m.split('.')[0] for m in sys.modules} "
        "| ({'pyomo.environ'} & set(sys.modules)))))"
    )
    out = subprocess.run(
        [sys.executable, "-c", probe, *argv],
        capture_output=True,
        text=True,
        check=True,
    )
    return set(json.loads(out.stdout.strip().splitlines()[-1]))


def test_importing_the_package_and_the_cli_loads_no_heavy_library():
    loaded = loaded_after("import grid_flex, grid_flex.cli")
    assert loaded.isdisjoint(HEAVY), sorted(loaded & set(HEAVY))


def test_the_pyomo_model_uses_pyomo_core_not_pyomo_environ():
    # pyomo.environ loads every solver and writer plugin (about 0.3 s); the model
    # needs only pyomo.core. Users who want SolverFactory import pyomo.environ.
    loaded = loaded_after(
        "import grid_flex as gf\n"
        "sc, base = gf.load_scenario('ercot_uri_feb2021_contract')\n"
        "gf.build_model(gf.prepare_inputs(sc, base))"
    )
    assert "pyomo" in loaded
    assert "pyomo.environ" not in loaded


def test_solving_a_scenario_imports_no_pyomo():
    # The array-only build uses plain blocks and index sets: Pyomo (0.12-0.2 s CPU of
    # import) is loaded only for a Pyomo model (extra= hooks, full_model=True, and
    # the explanation of an infeasible or unbounded case).
    imported = imported_by_command(
        "solve", "ercot_uri_feb2021_contract", "--set", "horizon.timestep_min=60", "-q"
    )
    assert "highspy" in imported
    assert "grid_flex.site" in imported
    assert not any(m == "pyomo" or m.startswith("pyomo.") for m in imported)


def test_version_command_imports_nothing_heavy():
    # -X importtime lists every module the process imported, on stderr.
    out = subprocess.run(
        [
            sys.executable,
            "-X",
            "importtime",
            "-c",
            "from grid_flex.cli import main; main()",
            "--version",
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    assert out.stdout.strip() == f"grid-flex, version {grid_flex.__version__}"
    imported = {line.rsplit("|", 1)[-1].strip() for line in out.stderr.splitlines()}
    top = {m.split(".")[0] for m in imported}
    assert top.isdisjoint(HEAVY), sorted(top & set(HEAVY))
    assert "grid_flex.cli" in imported


def imported_by_command(*argv: str) -> set[str]:
    """Every module a fresh ``grid-flex ARGV`` imported (``-X importtime``)."""
    out = subprocess.run(
        [
            sys.executable,
            "-X",
            "importtime",
            "-c",
            "from grid_flex.cli import main; main()",
            *argv,
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    return {line.rsplit("|", 1)[-1].strip() for line in out.stderr.splitlines()}


#: Table, array and solver libraries: 0.2-0.5 s CPU each to import on this machine.
TABLES_AND_SOLVER = ("pandas", "numpy", "pyarrow", "pyomo", "highspy")


@pytest.mark.parametrize(
    "argv",
    [("catalog",), ("catalog", "asic/antminer_s21"), ("scenarios",)],
    ids=" ".join,
)
def test_light_commands_import_no_table_or_solver_library(argv: tuple[str, ...]):
    imported = imported_by_command(*argv)
    top = {m.split(".")[0] for m in imported}
    assert top.isdisjoint(TABLES_AND_SOLVER), sorted(top & set(TABLES_AND_SOLVER))


def test_the_scenario_schema_imports_no_table_library():
    loaded = loaded_after("import grid_flex.schema.scenario, grid_flex.io.scenario")
    assert loaded.isdisjoint(TABLES_AND_SOLVER), sorted(loaded & set(TABLES_AND_SOLVER))


@pytest.mark.parametrize(
    "scenario",
    [
        "west_texas_2020",  # fleets (one sized by count, one by power), battery
        "houston_hospital_heat_2020",  # heat recovery, emissions
        "ercot_uri_feb2021_contract",  # fixed-price contract
        "ercot_summer_2019_4cp",  # 4CP with listed intervals
        "scenarios/studies/west_texas_greenfield_2025.yaml",  # a study: sized assets
        "scenarios/studies/houston_hospital_heat_sizing_2020.yaml",
        "germany_2018_smard",
        "caiso_2020_regulation",  # reserves with price series, demand response
        "west_texas_gpu_mining_2020",  # GPU jobs and inference, emissions
        "benchmarks/all_assets_2020.yaml",
        "benchmarks/all_programs_2020.yaml",  # every program kind but the forward
        "benchmarks/uri_all_programs_2021.yaml",  # 15 minutes
    ],
)
def test_validate_without_data_loads_no_table_array_or_solver_library(scenario: str):
    # The horizon, catalogue and these kinds' checks run on the standard library:
    # pandas (with pyarrow) alone is 0.5 s CPU to import here, numpy 0.1 s.
    imported = imported_by_command("validate", scenario, "--no-data")
    assert "grid_flex.nodata.scenario" in imported
    assert "grid_flex.inputs" not in imported
    top = {m.split(".")[0] for m in imported}
    assert top.isdisjoint(TABLES_AND_SOLVER), sorted(top & set(TABLES_AND_SOLVER))


@pytest.mark.parametrize(
    "argv",
    [
        ("ercot_summer_2019_4cp", "--set", "programs.four_cp.intervals=ercot_historic"),
        (
            "ercot_summer_2019_4cp",
            "--set",
            "programs.four_cp.intervals=null",
            "--set",
            "programs.four_cp.months=[7]",
            "--set",
            "programs.four_cp.probabilities=[{time: 2019-07-01T17:00:00, weight: 1}]",
        ),
    ],
    ids=["4CP table", "4CP listed probabilities"],
)
def test_validate_without_data_checks_every_4cp_form_on_the_standard_library(
    argv: tuple[str, ...],
):
    # The bundled table is read with the csv module, listed probabilities are placed
    # on the horizon's intervals on the clock.
    imported = imported_by_command("validate", *argv, "--no-data")
    assert "grid_flex.nodata.scenario" in imported
    assert "grid_flex.inputs" not in imported
    top = {m.split(".")[0] for m in imported}
    assert top.isdisjoint(TABLES_AND_SOLVER), sorted(top & set(TABLES_AND_SOLVER))


@pytest.mark.parametrize("name", grid_flex.__all__)
def test_every_public_name_is_its_defining_modules_object(name: str):
    value = getattr(grid_flex, name)
    if name == "__version__":
        assert isinstance(value, str)
        return
    module = sys.modules[grid_flex._EXPORTS[name]]
    assert value is getattr(module, name)
    assert name in dir(grid_flex)


def test_solve_stays_the_function_when_its_module_is_imported_first():
    code = (
        "import grid_flex.solve\nimport grid_flex\n"
        "assert callable(grid_flex.solve) and grid_flex.solve.__module__ == "
        "'grid_flex.api', grid_flex.solve"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_an_unknown_name_is_an_attribute_error():
    with pytest.raises(AttributeError, match="no_such_name"):
        grid_flex.no_such_name  # noqa: B018
