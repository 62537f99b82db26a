"""``checked_without_index``: a scenario's data-free checks on the standard library.

Horizon, catalogue references, the energy adders' windows and the data-free checks of
the asset and program kinds listed in :data:`CHECKS` (every registered kind) run here,
each entry up to the point where its next check needs a series. An entry of a kind
without a check there (a new kind) makes it return False:
:func:`grid_flex.validation.check_scenario` then hands the whole scenario to
:func:`grid_flex.inputs.check_scenario_on_index`, which resolves every entry on a
pandas index: the same checks, in the same order, so the first problem reported is
the same either way.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Final

from grid_flex.io.catalog import Catalog
from grid_flex.nodata import compute, four_cp, programs, windows
from grid_flex.nodata.battery import size_prices, soc_settings
from grid_flex.nodata.heat import demand_kinds
from grid_flex.nodata.intervals import Intervals
from grid_flex.nodata.mining import curve_points, size_costs
from grid_flex.nodata.naming import entry_errors, naming
from grid_flex.nodata.windows import DataNext
from grid_flex.schema.scenario import AdderWindow, Scenario


def checked_without_index(scenario: Scenario, catalog: Catalog) -> bool:
    """Run the data-free checks on the standard library; False: some need the index.

    Raises
    ------
    ScenarioError, DataError
        A problem found before the first entry that needs the index.
    """
    with naming(scenario):
        grid = Intervals.of(scenario.horizon)
        adders = scenario.energy.adders_usd_per_mwh
        if isinstance(adders, list):
            with contextlib.suppress(DataNext):  # a price trigger: stop there
                for i, item in enumerate(adders):
                    if isinstance(item, AdderWindow):
                        field = f"energy.adders_usd_per_mwh[{i}]"
                        windows.check(item, grid, field=field)
        ctx = Context(catalog, grid, {a.id: a.type for a in scenario.assets})
        for entries, what in (
            (scenario.assets, "assets"),
            (scenario.programs, "programs"),
        ):
            for i, entry in enumerate(entries):
                check = CHECKS.get(entry.type)
                if check is None:
                    return False
                with contextlib.suppress(DataNext), entry_errors(what, i, entry):
                    if not check(entry, ctx):
                        return False
    return True


@dataclass(frozen=True)
class Context:
    """What an entry's check may read: the catalogue, the horizon, the asset kinds."""

    catalog: Catalog
    grid: Intervals
    asset_kinds: Mapping[str, str]


# ---- per kind: the checks its module's resolve makes before it reads a series ------
def _asic_fleet(entry: Any, ctx: Context) -> bool:
    spec = ctx.catalog.get_asic(entry.model)
    if entry.size is not None:
        size_costs(entry, spec)
    curve_points(entry, spec)
    return True  # then the ambient temperature, if any, is data


def _battery(entry: Any, ctx: Context) -> bool:
    spec = ctx.catalog.get_battery(entry.model)
    if entry.size is not None:
        size_prices(entry, spec)
    soc_settings(entry, spec)
    return True


def _gpu_cluster(entry: Any, ctx: Context) -> bool:
    compute.check(entry, ctx.catalog.get_gpu(entry.model), ctx.grid)
    return True


def _heat_recovery(entry: Any, ctx: Context) -> bool:
    demand_kinds(entry)
    return True  # then every customer's demand is data (at least one customer)


def _emissions(entry: Any, ctx: Context) -> bool:
    return True  # its first step reads the marginal emission rate


def _four_cp(entry: Any, ctx: Context) -> bool:
    return four_cp.check(entry, ctx.grid)


def _program(
    check: Callable[[Any, Intervals, Mapping[str, str]], bool],
) -> Callable[[Any, Context], bool]:
    """A program's check (:mod:`grid_flex.nodata.programs`) on the context."""
    return lambda entry, ctx: check(entry, ctx.grid, ctx.asset_kinds)


#: Scenario ``type`` → its data-free check (False: the entry needs the index).
CHECKS: Final[dict[str, Callable[[Any, Context], bool]]] = {
    "asic_fleet": _asic_fleet,
    "battery": _battery,
    "gpu_cluster": _gpu_cluster,
    "heat_recovery": _heat_recovery,
    "emissions": _emissions,
    "four_cp": _four_cp,
    "fixed_price_contract": _program(programs.fixed_price_contract),
    "demand_charge": _program(programs.demand_charge),
    "import_cap": _program(programs.import_cap),
    "energy_quota": _program(programs.energy_quota),
    "mining_ban": _program(programs.mining_ban),
    "emergency_curtailment": _program(programs.emergency_curtailment),
    "hashrate_forward": _program(programs.hashrate_forward),
    "ancillary_services": _program(programs.ancillary_services),
    "demand_response": _program(programs.demand_response),
}
