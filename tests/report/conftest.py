"""Results folders of every bundled scenario on short horizons, written once a session.

Each bundled scenario is solved on a window of a few days to a month that keeps
what makes it interesting (Uri, the 4CP peaks, a GPU training job, DR events), so
the report and console tests see every kind of asset and program quickly. A
bundled scenario not listed in ``SHORT`` runs on its own horizon.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from grid_flex.api import run
from grid_flex.io.scenario import load_scenario
from grid_flex.output import write_results
from grid_flex.resources import scenarios_dir
from grid_flex.results import Results

GPU_JOB = (
    "assets.gpu_cluster.training_jobs=[{id: finetune_b, release: 2020-08-01T00:00:00,"
    " deadline: 2020-08-21T00:00:00, work_gpu_h: 400000, max_power_frac: 0.7,"
    " contract_value_usd: 800000, penalty_usd_per_gpu_h: 0.5}]"
)
SHORT: dict[str, list[str]] = {
    "caiso_2020_regulation": [
        "horizon.start=2020-08-10T00:00:00",
        "horizon.end=2020-08-24T00:00:00",
    ],
    "caiso_ironmtn_2019": [
        "horizon.start=2019-04-01T00:00:00",
        "horizon.end=2019-04-15T00:00:00",
    ],
    "ercot_summer_2019_4cp": [],  # June-September: the four peaks
    "ercot_uri_feb2021_15min": [],  # February 2021, 15-minute
    "ercot_uri_feb2021_contract": [],
    "germany_2018_smard": ["horizon.end=2018-01-15T00:00:00"],
    "houston_hospital_heat_2020": ["horizon.end=2020-01-15T00:00:00"],
    "west_texas_2020": ["horizon.end=2020-01-15T00:00:00"],
    "west_texas_gpu_mining_2020": [
        "horizon.start=2020-08-01T00:00:00",
        "horizon.end=2020-08-22T00:00:00",
        GPU_JOB,
    ],
}
BUNDLED = sorted(p.stem for p in scenarios_dir().glob("*.yaml"))


@pytest.fixture(scope="session")
def bundled_run(
    tmp_path_factory: pytest.TempPathFactory,
) -> Callable[[str], tuple[Results, Path]]:
    """Solve bundled scenario ``name`` (short) once; its Results and results folder."""
    cache: dict[str, tuple[Results, Path]] = {}
    root = tmp_path_factory.mktemp("bundled")

    def get(name: str) -> tuple[Results, Path]:
        if name not in cache:
            scenario, base = load_scenario(name, assignments=SHORT.get(name, []))
            results = run(scenario, base_dir=base)
            folder = write_results(results, scenario, root / name, base_dir=base)
            cache[name] = (results, folder)
        return cache[name]

    return get


# ---- folders written by the study commands ----------------------------------------
#: Bundled feasibility studies, shortened: one week of each weather year.
STUDY_SETS: dict[str, list[str]] = {
    "west_texas_greenfield_2025": ["horizon.end=2020-01-08T00:00:00"],
    "houston_hospital_heat_sizing_2020": ["horizon.end=2020-01-08T00:00:00"],
    # a week: the GPU offtake scaled to it (60 M GPU-h × 168 / 8784 h)
    "west_texas_40mw_gpu_asic_2025": [
        "horizon.end=2020-01-08T00:00:00",
        "assets.h100.training_jobs=[{id: reserved_contract, "
        "release: '2020-01-01T00:00:00', deadline: '2020-01-08T00:00:00', "
        "work_gpu_h: 1147541, revenue_usd_per_gpu_h: 2.0}]",
    ],
}
#: Rolling operation (``solve --rolling``), shortened where the scenario allows (the
#: 4CP summer needs its four published peaks inside the horizon).
ROLLING: dict[str, list[str]] = {
    "ercot_uri_feb2021_rolling": ["--set", "horizon.end=2021-02-08T00:00:00"],
    "ercot_summer_2019_4cp_rolling": [],
}
#: Sweeps: of an operating scenario (tornado, two-way) and of a feasibility study.
SWEEP_SPECS = {
    "west_texas_2020": """\
base: west_texas_2020
set: {horizon.end: 2020-01-04T00:00:00}
grid:
  - {path: hashprice.derive.btc_price_usd, values: [8000, 12000]}
  - {path: energy.adders_usd_per_mwh, values: [0, 30]}
one_at_a_time:
  - {path: site.import_limit_mw, low: 30, high: 70}
two_way: {x: hashprice.derive.btc_price_usd, y: energy.adders_usd_per_mwh}
""",
    "west_texas_greenfield_2025": """\
base: west_texas_greenfield_2025
set: {horizon.end: 2020-01-04T00:00:00}
grid:
  - {path: study.discount_frac_per_yr, values: [0.08, 0.12]}
""",
}


def _cli(*args: str | Path) -> None:
    from click.testing import CliRunner

    from grid_flex.cli import main

    result = CliRunner().invoke(main, [str(a) for a in args])
    assert result.exit_code == 0, result.output


def _risk_file(path: Path, bundled: Path) -> Path:
    """A bundled risk study with 3 paths and a 2-point frontier (same scenario)."""
    import yaml

    spec = yaml.safe_load(bundled.read_text(encoding="utf-8"))
    spec["scenario"] = str((bundled.parent / spec["scenario"]).resolve())
    for generator in (spec.get("generate") or {}).values():
        generator["paths"] = 3
    spec["alpha"] = 0.6  # with 3 equiprobable paths, VaR and CVaR sit on the worst
    spec["frontier_omegas"] = [0.0, 1.0]
    path.write_text(yaml.safe_dump(spec), encoding="utf-8")
    return path


def _portfolio_file(folder: Path) -> Path:
    """One fleet, two West-Texas sites (four days); the cheap one bans mining halfway.

    ``north`` has the lower adders, so the fleet starts there; from the second period
    ``north`` hosts nothing (a policy event), so the fleet moves south. The static
    allocation (never moves) must respect the ban in every period: all south.
    """
    import yaml

    base = yaml.safe_load(
        (scenarios_dir() / "west_texas_2020.yaml").read_text(encoding="utf-8")
    )
    base["horizon"]["end"] = "2020-01-05T00:00:00"
    for name, adders in (("north", 4.0), ("south", 60.0)):
        site = dict(base, name=name)
        site["energy"] = dict(base["energy"], adders_usd_per_mwh=adders)
        (folder / f"{name}.yaml").write_text(yaml.safe_dump(site), encoding="utf-8")
    half, end = "2020-01-03T06:00:00Z", "2020-01-05T06:00:00Z"
    spec = {
        "name": "two West-Texas sites",
        "sites": [
            {"id": "north", "scenario": "north.yaml"},
            {"id": "south", "scenario": "south.yaml"},
        ],
        "fleets": [{"id": "s19xp_fleet", "power_mw": 40.0}],
        "periods": [
            {"name": "first", "start": "2020-01-01T06:00:00Z", "end": half},
            {"name": "second", "start": half, "end": end},
        ],
        "moves": {"cost_usd_per_mw": 100.0, "downtime_days": 0.125},
        "events": [{"site": "north", "start": half, "max_mw": 0}],
    }
    path = folder / "portfolio.yaml"
    path.write_text(yaml.safe_dump(spec), encoding="utf-8")
    return path


def _write_command_folder(kind: str, name: str, root: Path) -> Path:
    out = root / kind / name
    if kind == "size":
        _cli("size", name, "-o", out, "-q", *_sets(STUDY_SETS[name]))
    elif kind == "risk":
        spec = _risk_file(
            root / f"{name}.yaml", scenarios_dir() / "risk" / f"{name}.yaml"
        )
        _cli("risk", spec, "-o", out, "-q", "--set", "horizon.end=2020-01-05T00:00:00")
    elif kind == "rolling":
        _cli("solve", name, "--rolling", "24:24", "-o", out, "-q", *ROLLING[name])
    elif kind == "sweep":
        spec = root / f"sweep_{name}.yaml"
        spec.write_text(SWEEP_SPECS[name], encoding="utf-8")
        _cli("sweep", spec, "-o", out, "-q")
    elif kind == "portfolio" and name != "two_sites":  # a bundled portfolio, whole
        _cli("portfolio", scenarios_dir() / "portfolios" / f"{name}.yaml", "-o", out)
    elif kind == "portfolio":
        spec_dir = root / "portfolio_spec"
        spec_dir.mkdir(exist_ok=True)
        _cli("portfolio", _portfolio_file(spec_dir), "-o", out)
    else:  # pragma: no cover - a typo in a test
        raise ValueError(kind)
    return out


def _sets(assignments: list[str]) -> list[str]:
    return [arg for a in assignments for arg in ("--set", a)]


#: Every folder kind the commands write: (kind, name).
COMMAND_FOLDERS = [
    *(("size", p.stem) for p in sorted((scenarios_dir() / "studies").glob("*.yaml"))),
    *(("risk", p.stem) for p in sorted((scenarios_dir() / "risk").glob("*.yaml"))),
    *(("rolling", name) for name in ROLLING),
    *(("sweep", name) for name in SWEEP_SPECS),
    ("portfolio", "two_sites"),
    *(
        ("portfolio", p.stem)
        for p in sorted((scenarios_dir() / "portfolios").glob("*.yaml"))
    ),
]


@pytest.fixture(scope="session")
def command_folder(
    tmp_path_factory: pytest.TempPathFactory,
) -> Callable[[str, str], Path]:
    """The folder ``grid-flex <kind>`` writes for ``name`` (once a session)."""
    cache: dict[tuple[str, str], Path] = {}
    root = tmp_path_factory.mktemp("commands")

    def get(kind: str, name: str) -> Path:
        if (kind, name) not in cache:
            cache[kind, name] = _write_command_folder(kind, name, root)
        return cache[kind, name]

    return get
