"""The bundled portfolio studies load: their specs, site scenarios and data check out.

Solving them takes a year of hourly operation per site (seconds to a minute); the
figures are in the README and benchmarks/README.md. Here each spec is read and every
site's inputs prepared, which checks the files, the data and the spec's rules.
"""

from __future__ import annotations

import numpy as np
import pytest

from grid_flex.resources import scenarios_dir
from grid_flex.studies.portfolio import check
from grid_flex.studies.portfolio_spec import load_portfolio

SPECS = sorted((scenarios_dir() / "portfolios").glob("*.yaml"))


def test_the_three_bundled_portfolios_are_there():
    assert [p.stem for p in SPECS] == ["migration_2021", "nordic_2018", "texas_2020"]


@pytest.mark.parametrize("path", SPECS, ids=[p.stem for p in SPECS])
def test_bundled_portfolio_loads_and_checks(path):
    _, sites, fleets, periods, moves, events, hosting = load_portfolio(path)
    check(sites, fleets, periods, events, hosting, str(path), moves)
    for s in sites:
        assert np.isfinite(s.inputs.import_price_usd_per_mwh).all()
        assert len(s.inputs.index) > 24 * 180  # at least half a year, hourly
    assert len(periods) >= 7
