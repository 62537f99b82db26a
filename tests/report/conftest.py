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
