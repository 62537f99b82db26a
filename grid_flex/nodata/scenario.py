"""``checked_without_index``: a scenario's data-free checks on the standard library.

Horizon, catalogue references and the data-free checks of the asset and program
kinds listed in :data:`CHECKS` run here. An entry of another kind, or one whose
checks need the horizon's intervals (explicit window periods, the bundled 4CP
table, GPU jobs, events), makes it return False:
:func:`grid_flex.validation.check_scenario` then hands the whole scenario to
:func:`grid_flex.inputs.check_scenario_on_index`, which resolves every entry on a
pandas index: the same checks, in the same order, so the first problem reported is
the same either way.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any, Final

from grid_flex.io.catalog import Catalog
from grid_flex.io.horizon import horizon_bounds_utc
from grid_flex.nodata import four_cp
from grid_flex.nodata.battery import size_prices, soc_settings
from grid_flex.nodata.heat import demand_kinds
from grid_flex.nodata.mining import curve_points, size_costs
from grid_flex.nodata.naming import entry_errors, naming
from grid_flex.schema.scenario import AdderWindow, Scenario


def checked_without_index(scenario: Scenario, catalog: Catalog) -> bool:
    """Run the data-free checks on the standard library; False: some need the index.

    Raises
    ------
    ScenarioError, DataError
        A problem found before the first entry that needs the index.
    """
    with naming(scenario):
        horizon = horizon_bounds_utc(scenario.horizon)
        adders = scenario.energy.adders_usd_per_mwh
        if isinstance(adders, list) and any(
            isinstance(a, AdderWindow) and a.periods for a in adders
        ):
            return False  # periods are checked against the horizon's intervals
        for entries, what in (
            (scenario.assets, "assets"),
            (scenario.programs, "programs"),
        ):
            for i, entry in enumerate(entries):
                check = CHECKS.get(entry.type)
                if check is None:
                    return False
                with entry_errors(what, i, entry):
                    if not check(entry, catalog, horizon):
                        return False
    return True


# ---- per kind: the checks its module's resolve makes before it reads a series ------
#: Start and end of the horizon, UTC.
Span = tuple[dt.datetime, dt.datetime]


def _asic_fleet(entry: Any, catalog: Catalog, horizon: Span) -> bool:
    spec = catalog.get_asic(entry.model)
    if entry.size is not None:
        size_costs(entry, spec)
    curve_points(entry, spec)
    return True  # then the ambient temperature, if any, is data


def _battery(entry: Any, catalog: Catalog, horizon: Span) -> bool:
    spec = catalog.get_battery(entry.model)
    if entry.size is not None:
        size_prices(entry, spec)
    soc_settings(entry, spec)
    return True


def _heat_recovery(entry: Any, catalog: Catalog, horizon: Span) -> bool:
    demand_kinds(entry)
    return True  # then every customer's demand is data (at least one customer)


def _emissions(entry: Any, catalog: Catalog, horizon: Span) -> bool:
    return True  # its first step reads the marginal emission rate


def _fixed_price_contract(entry: Any, catalog: Catalog, horizon: Span) -> bool:
    # recurring hours raise nothing and a price trigger needs the price; periods are
    # checked against the horizon's intervals
    return entry.windows is None or not entry.windows.periods


def _four_cp(entry: Any, catalog: Catalog, horizon: Span) -> bool:
    return four_cp.check(entry, horizon)


#: Scenario ``type`` → its data-free check (False: the entry needs the index).
CHECKS: Final[dict[str, Callable[[Any, Catalog, Span], bool]]] = {
    "asic_fleet": _asic_fleet,
    "battery": _battery,
    "heat_recovery": _heat_recovery,
    "emissions": _emissions,
    "fixed_price_contract": _fixed_price_contract,
    "four_cp": _four_cp,
}
