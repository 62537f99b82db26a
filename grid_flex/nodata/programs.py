"""Program entries' data-free checks on the standard library, kind by kind.

Each function makes the checks its module's ``resolve`` makes before it reads a
series, in the same order and through the same functions (``nodata.assets``,
``nodata.windows``, ``nodata.demand_response``); a price
trigger or a price series raises :class:`~grid_flex.nodata.windows.DataNext` (the
entry is checked up to there). Each returns True: the entry needs no index.
"""

from __future__ import annotations

from collections.abc import Mapping

from grid_flex.errors import ScenarioError
from grid_flex.nodata import windows
from grid_flex.nodata.assets import (
    ASIC_KIND,
    CURTAILABLE_KINDS,
    asset_problems,
    check_assets,
    forward_fleets,
    select_assets,
)
from grid_flex.nodata.demand_response import baseline_windows
from grid_flex.nodata.intervals import Intervals
from grid_flex.schema.contracts import (
    EmergencyCurtailmentEntry,
    FixedPriceContractEntry,
    HashrateForwardEntry,
    ImportCapEntry,
    MiningBanEntry,
)
from grid_flex.schema.flexibility import AncillaryServicesEntry, DemandResponseEntry
from grid_flex.schema.tariffs import DemandChargeEntry

Kinds = Mapping[str, str]


def demand_charge_selects_nothing(field: str) -> ScenarioError:
    """A demand charge's window that selects no interval of the horizon."""
    return ScenarioError(
        field,
        [
            f"{field}: the window selects no interval of the horizon, so "
            "the demand charge would measure no peak; widen it or drop it"
        ],
    )


def demand_charge(entry: DemandChargeEntry, grid: Intervals, kinds: Kinds) -> bool:
    """Its window must select some interval (recurring hours walked on the clock)."""
    if entry.windows is not None:
        field = f"programs.{entry.id}.windows"
        if not windows.any_selected(entry.windows, grid, field=field):
            raise demand_charge_selects_nothing(field)
    return True


def fixed_price_contract(
    entry: FixedPriceContractEntry, grid: Intervals, kinds: Kinds
) -> bool:
    """Its windows' periods (a price trigger is data)."""
    if entry.windows is not None:
        windows.check(entry.windows, grid, field=f"programs.{entry.id}.windows")
    return True


def import_cap(entry: ImportCapEntry, grid: Intervals, kinds: Kinds) -> bool:
    """Each cap's windows; then ``cap_series``, if any, is data."""
    for i, rule in enumerate(entry.caps):
        windows.check(rule, grid, field=f"programs.{entry.id}.caps[{i}]")
    return True


def energy_quota(entry: object, grid: Intervals, kinds: Kinds) -> bool:
    """Nothing to refuse before the solve: calendar periods always exist."""
    return True


def mining_ban(entry: MiningBanEntry, grid: Intervals, kinds: Kinds) -> bool:
    """The banned fleets, then the windows."""
    select_assets(
        kinds,
        entry.asset_ids,
        {ASIC_KIND},
        field=f"programs.{entry.id}.asset_ids",
        rule="a mining ban",
    )
    windows.check(entry.windows, grid, field=f"programs.{entry.id}.windows")
    return True


def emergency_curtailment(
    entry: EmergencyCurtailmentEntry, grid: Intervals, kinds: Kinds
) -> bool:
    """The curtailed loads, then the events."""
    select_assets(
        kinds,
        entry.asset_ids,
        CURTAILABLE_KINDS,
        field=f"programs.{entry.id}.asset_ids",
        rule="emergency curtailment",
    )
    windows.check(entry.events, grid, field=f"programs.{entry.id}.events")
    return True


def hashrate_forward(
    entry: HashrateForwardEntry, grid: Intervals, kinds: Kinds
) -> bool:
    """The delivering fleets."""
    forward_fleets(entry, kinds)
    return True


def ancillary_services(
    entry: AncillaryServicesEntry, grid: Intervals, kinds: Kinds
) -> bool:
    """The listed assets, then each service's price (a series is data) and windows."""
    check_assets(entry, kinds)
    for i, s in enumerate(entry.services):
        where = f"programs.{entry.id}.services[{i}]"
        if s.capacity_price is not None:
            raise windows.DataNext(f"{where}.capacity_price")
        if s.windows is not None:
            windows.check(s.windows, grid, field=f"{where}.windows")
    return True


def capacity_assets(entry: DemandResponseEntry, kinds: Kinds) -> None:
    """The assets of a demand-response capacity commitment must be able to reduce.

    Raises
    ------
    ScenarioError
        Naming every listed asset that is unknown, or of a kind with no
        controllable load.
    """
    if entry.capacity is None:
        return
    where = f"programs.{entry.id}"
    problems = asset_problems(
        entry.capacity.assets,
        kinds,
        direction="up",
        field=f"{where}.capacity.assets",
        gpu_allowed=None,
    )
    if problems:
        raise ScenarioError(where, problems)


def demand_response(entry: DemandResponseEntry, grid: Intervals, kinds: Kinds) -> bool:
    """Capacity assets, events (a price trigger is data), baselines, availability."""
    where = f"programs.{entry.id}"
    capacity_assets(entry, kinds)
    mask = windows.selected(entry.events, grid, field=f"{where}.events")
    if entry.baseline == "pre_event_mean":
        baseline_windows(
            mask, grid.start, grid.step, entry.baseline_window_h, field=where
        )
    if entry.capacity is not None and entry.capacity.availability is not None:
        windows.check(
            entry.capacity.availability, grid, field=f"{where}.capacity.availability"
        )
    return True
