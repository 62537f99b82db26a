"""A heat-recovery entry's data-free checks: sources, customers, demand units."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal, Protocol

from grid_flex.errors import DataError, ScenarioError
from grid_flex.schema import series as ss
from grid_flex.schema.assets import HeatCustomer, HeatRecoveryEntry
from grid_flex.units import unit_spec

#: What a customer's demand series holds and the series name prefixes to accept.
DemandKind = tuple[Literal["heat", "fuel"], tuple[str, ...]]


class _Customer(Protocol):
    @property
    def id(self) -> str: ...
    @property
    def supply_temp_degc(self) -> float: ...


class _Loop(Protocol):
    """A heat-recovery entry or its resolved parameters."""

    @property
    def id(self) -> str: ...
    @property
    def heat_pump(self) -> object | None: ...
    @property
    def customers(self) -> Sequence[_Customer]: ...


def demand_kinds(entry: HeatRecoveryEntry) -> list[DemandKind]:
    """Each customer's demand kind, after every check that needs no data.

    Raises
    ------
    ScenarioError
        Sources repeated or the entry itself, customer ids repeated, a boiler
        efficiency not above 0, a demand that is not heat or boiler fuel, or a fixed
        loop temperature below a customer's supply temperature without a heat pump.
    """
    where = f"assets.{entry.id}"
    problems: list[str] = []
    dupes = sorted({s for s in entry.sources if entry.sources.count(s) > 1})
    if dupes:
        problems.append(
            f"{where}.sources: {', '.join(dupes)} listed more than once "
            "(its heat would be counted twice)"
        )
    if entry.id in entry.sources:
        problems.append(
            f"{where}.sources: a heat recovery cannot take heat from itself "
            f"({entry.id!r})"
        )
    ids = [c.id for c in entry.customers]
    repeated = sorted({c for c in ids if ids.count(c) > 1})
    if repeated:
        problems.append(
            f"{where}.customers: customer ids must be unique; repeated: "
            f"{', '.join(repeated)}"
        )
    kinds: list[DemandKind | None] = []
    for i, cust in enumerate(entry.customers):
        field = f"{where}.customers[{i}]"
        if cust.boiler_eff_frac <= 0:
            problems.append(
                f"{field}.boiler_eff_frac: must be above 0 (the efficiency of the "
                "boiler the heat displaces, e.g. 0.8)"
            )
        kind, problem = demand_kind(cust, f"{field}.demand")
        kinds.append(kind)
        if problem:
            problems.append(problem)
    if entry.loop_temp_degc is not None:
        problems += temperature_problems(
            entry, entry.loop_temp_degc, f"loop_temp_degc = {entry.loop_temp_degc:g}"
        )
    if problems:
        raise ScenarioError(where, problems)

    return [k for k in kinds if k is not None]


def demand_kind(cust: HeatCustomer, field: str) -> tuple[DemandKind | None, str | None]:
    """What a demand series holds (heat or boiler fuel) and the series names to accept.

    Decided from the declaration, before any file is read. Returns
    ``((kind, accepted name prefixes), None)`` or ``(None, problem)``.
    """
    spec = cust.demand
    if isinstance(spec, ss.InlineSeries | ss.CsvSeries):
        try:
            unit = unit_spec(spec.unit)
        except DataError as exc:
            return None, f"{field}.unit: {exc}"
        if unit.quantity == "heat":
            return ("heat", ("heat_",)), None
        if unit.quantity == "fuel":
            return ("fuel", ("fuel_",)), None
        return None, (
            f"{field}.unit: {spec.unit!r} is {unit.quantity} ({unit.canonical}), not "
            "heat; give thermal power (mwth, kwth) or boiler fuel (mmbtu_per_h_fuel). "
            "Electric and thermal units are never converted into each other"
        )
    if isinstance(spec, ss.DoeCrbSeries):
        if spec.column.endswith("_mmbtu"):
            # the DOE reader names the series "<building>_<load>_fuel_mmbtu_per_h"
            stem = spec.column.removesuffix("_mmbtu").lower()
            return ("fuel", ("fuel_", f"{stem}_fuel_")), None
        return None, (
            f"{field}.column: {spec.column!r} is not a heating load; use a "
            "*_space_heating_mmbtu or *_domestic_hot_water_mmbtu column (boiler fuel)"
        )
    return None, (
        f"{field}: format {spec.format!r} holds prices or emission rates, not heat "
        "demand; use doe_crb, or inline / csv with unit mwth, kwth or mmbtu_per_h_fuel"
    )


def temperature_problems(entry: _Loop, loop_temp_degc: float, why: str) -> list[str]:
    """Customers the loop is too cold for, when there is no heat pump to lift it."""
    if entry.heat_pump is not None:
        return []
    customers = entry.customers
    out = []
    for i, c in enumerate(customers):
        if c.supply_temp_degc > loop_temp_degc:
            out.append(
                f"assets.{entry.id}.customers[{i}].supply_temp_degc: customer {c.id} "
                f"needs {c.supply_temp_degc:g} °C but the heat-recovery loop runs at "
                f"{loop_temp_degc:g} °C ({why}); a heat_pump is needed to lift loop "
                "heat to the supply temperature (or lower supply_temp_degc if the "
                "customer can take cooler water)"
            )
    return out
