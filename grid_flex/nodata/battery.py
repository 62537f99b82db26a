"""A battery entry's data-free checks against its catalogue unit."""

from __future__ import annotations

from grid_flex.errors import ScenarioError
from grid_flex.schema.assets import BatteryEntry
from grid_flex.schema.catalog import BatterySpec


def soc_settings(entry: BatteryEntry, spec: BatterySpec) -> tuple[float, float, float]:
    """Round-trip efficiency and the state-of-charge range, checked [-].

    Returns
    -------
    tuple
        ``(round_trip_eff_frac, soc_min_frac, soc_max_frac)``: the entry's values,
        else the catalogue unit's.

    Raises
    ------
    ScenarioError
        Efficiency not above 0, ``soc_min >= soc_max``, or an initial or final state
        of charge outside the range.
    """

    def pick(value: float | None, default: float) -> float:
        return default if value is None else value

    rte = pick(entry.round_trip_eff_frac, spec.round_trip_eff_frac)
    lo = pick(entry.soc_min_frac, spec.soc_min_frac)
    hi = pick(entry.soc_max_frac, spec.soc_max_frac)
    where = f"assets.{entry.id}"
    problems = []
    if rte <= 0:
        problems.append(f"{where}.round_trip_eff_frac: must be above 0")
    if lo >= hi:
        problems.append(f"{where}: soc_min_frac {lo} must be below soc_max_frac {hi}")
    init = entry.initial_soc_frac
    if init is not None and not lo <= init <= hi:
        problems.append(
            f"{where}.initial_soc_frac: {init} lies outside [{lo}, {hi}] "
            "(soc_min_frac, soc_max_frac)"
        )
    if not isinstance(entry.final_soc, str) and not entry.final_soc <= hi:
        problems.append(
            f"{where}.final_soc: {entry.final_soc} is above soc_max_frac {hi}"
        )
    if problems:
        raise ScenarioError(where, problems)
    return rte, lo, hi


def size_prices(
    entry: BatteryEntry, spec: BatterySpec
) -> tuple[float, float, float, float | None]:
    """Costs of a sized battery: the size block's, else the catalogue price's.

    Returns
    -------
    tuple
        ``(capex_usd_per_kwh, capex_usd_per_kw, life_yr, fixed_om_usd_per_kw_yr)``
        (the last None when neither gives it).

    Raises
    ------
    ScenarioError
        A price part given by neither.
    """
    size = entry.size
    assert size is not None
    where = f"assets.{entry.id}.size"
    price = spec.price
    per_kwh = size.capex_usd_per_kwh
    per_kw = size.capex_usd_per_kw
    life = size.life_yr
    fom = size.fixed_om_usd_per_kw_yr
    if price is not None:
        per_kwh = price.usd_per_kwh if per_kwh is None else per_kwh
        per_kw = price.usd_per_kw if per_kw is None else per_kw
        life = price.life_yr if life is None else life
        fom = price.fixed_om_usd_per_kw_yr if fom is None else fom
    missing = [
        name
        for name, v in (
            ("capex_usd_per_kwh", per_kwh),
            ("capex_usd_per_kw", per_kw),
            ("life_yr", life),
        )
        if v is None
    ]
    if missing:
        raise ScenarioError(
            where,
            [
                f"{where}: catalogue entry {entry.model} has no price; give "
                f"size.{', size.'.join(missing)}, or add a price to "
                f"models/{entry.model}.yaml"
            ],
        )
    assert per_kwh is not None
    assert per_kw is not None
    assert life is not None
    return per_kwh, per_kw, life, fom
