"""Magnitudes no real site has: bounds by unit suffix, for scenario fields and series.

Every number in a scenario is finite (the schema's base model refuses NaN and
infinities). On top of that, a number whose unit says it is a power, a price, an
energy... is checked against the largest value a real site could have; a value beyond
it is nearly always a typo or a wrong unit (``1e308`` MW, 1e12 USD/MWh) and, if
solved, gives a meaningless answer or stalls the solver. Users who mean it set
``allow_extreme_values: true`` in the scenario.

The bounds are on the absolute value and are stated in every message.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any, Final, NamedTuple

from pydantic import BaseModel

#: The scenario field that turns these checks off.
OPT_OUT: Final = "allow_extreme_values"


class Limit(NamedTuple):
    """The largest absolute value of a quantity, found by the end of its name."""

    suffix: str
    bound: float
    unit: str


#: Checked in order: the first suffix that ends the name applies.
LIMITS: Final[tuple[Limit, ...]] = (
    Limit("usd_per_ths_day", 10.0, "USD/TH/s/day"),
    Limit("usd_per_mw_per_event", 1e7, "USD/MW per event"),
    Limit("usd_per_mw_per_h", 1e5, "USD/MW/h"),
    Limit("usd_per_mwhth", 1e5, "USD/MWh(th)"),
    Limit("usd_per_mwh", 1e5, "USD/MWh"),
    Limit("eur_per_mwh", 1e5, "EUR/MWh"),
    Limit("usd_per_kw_month", 1e3, "USD/kW-month"),
    Limit("usd_per_kw_year", 1e4, "USD/kW-year"),
    Limit("usd_per_tco2", 1e4, "USD/tCO2"),
    Limit("usd_per_mmbtu", 1e3, "USD/MMBtu"),
    Limit("usd_per_gpu_h", 1e3, "USD/GPU-h"),
    Limit("usd_per_btc", 1e7, "USD/BTC"),
    Limit("btc_price_usd", 1e7, "USD/BTC"),
    Limit("usd_per_eur", 100.0, "USD/EUR"),
    Limit("usd_per_mw_yr", 1e8, "USD/MW/yr"),
    Limit("usd_per_mw", 1e9, "USD/MW"),
    Limit("usd_per_kw_yr", 1e5, "USD/kW/yr"),
    Limit("usd_per_kwth_yr", 1e5, "USD/kWth/yr"),
    Limit("usd_per_kwhth_yr", 1e4, "USD/kWhth/yr"),
    Limit("usd_per_kwth", 1e6, "USD/kWth"),
    Limit("usd_per_kwhth", 1e5, "USD/kWhth"),
    Limit("usd_per_node_yr", 1e7, "USD/node/yr"),
    Limit("usd_per_node", 1e8, "USD/node"),
    Limit("usd_per_kw", 1e6, "USD/kW"),
    Limit("usd_per_kwh", 1e5, "USD/kWh"),
    Limit("usd_per_th", 1e4, "USD/TH/s"),
    Limit("usd_per_unit", 1e8, "USD/unit"),
    Limit("_usd", 1e11, "USD"),
    Limit("tco2_per_mwh", 10.0, "tCO2/MWh"),
    Limit("tco2_per_mmbtu", 1.0, "tCO2/MMBtu"),
    Limit("_tco2", 1e9, "tCO2"),
    Limit("mw_per_mwth", 1.0, "MW/MWth"),
    Limit("mmbtu_per_h", 2e4, "MMBtu/h"),
    Limit("_mw", 5e3, "MW"),
    Limit("_mwth", 5e3, "MWth"),
    Limit("_mwh", 5e7, "MWh"),
    Limit("_mwhth", 5e7, "MWh(th)"),
    Limit("_kw", 5e6, "kW"),
    Limit("_gpu_h", 1e9, "GPU-h"),
    Limit("_h", 1e5, "h"),
    Limit("_ths", 1e10, "TH/s"),
    Limit("_ehs", 1e6, "EH/s"),
    Limit("difficulty", 1e18, "(difficulty)"),
    Limit("_btc", 50.0, "BTC"),
    Limit("_btc_per_block", 50.0, "BTC/block"),
    Limit("count", 1e7, "units"),
    Limit("_nodes", 1e6, "nodes"),
    Limit("life_yr", 100.0, "yr"),
    Limit("analysis_yr", 100.0, "yr"),
    Limit("_frac_per_yr", 10.0, "1/yr"),
    Limit("_degc", 1e3, "°C"),
    Limit("cop", 100.0, "(COP)"),
    Limit("pue", 10.0, "(PUE)"),
)
#: Any other number beyond this is refused too.
ANY_BOUND: Final = 1e15


def limit_of(name: str) -> Limit:
    """The :class:`Limit` of a field or series named ``name``."""
    for limit in LIMITS:
        if name.endswith(limit.suffix):
            return limit
    return Limit("", ANY_BOUND, "")


def describe(limit: Limit) -> str:
    """``"±5,000 MW"``."""
    unit = f" {limit.unit}" if limit.unit else ""
    return f"±{limit.bound:,.10g}{unit}"


def _number_problem(path: str, name: str, value: float) -> str | None:
    if not math.isfinite(value):
        return f"{path}: {value} is not a finite number"
    limit = limit_of(name)
    if abs(value) > limit.bound:
        return (
            f"{path}: {value:g} is beyond {describe(limit)}, more than any real site "
            "has (a typo or a wrong unit?)"
        )
    return None


def _walk(value: Any, path: str, name: str, out: list[str]) -> None:
    if isinstance(value, BaseModel):
        for field in type(value).model_fields:
            sub = f"{path}.{field}" if path else field
            _walk(getattr(value, field), sub, field, out)
    elif isinstance(value, list | tuple):
        for i, item in enumerate(value):
            _walk(item, f"{path}[{i}]", name, out)
    elif isinstance(value, int | float) and not isinstance(value, bool):
        if name == "values":  # inline series: checked in their unit when read
            return
        problem = _number_problem(path, name, float(value))
        if problem:
            out.append(problem)


def derived_problems(where: str, amounts: Iterable[tuple[str, float]]) -> list[str]:
    """Numbers computed from a scenario entry that are beyond their bound.

    ``amounts`` are ``(name, value)`` pairs named with their unit suffix, e.g.
    ``("power_mw", 35000.0)`` for a fleet's ``count`` × its catalogue unit's power;
    the entry's own fields were checked when the scenario was read, but a product
    of two fine numbers may be beyond what any real site has.
    """
    out = []
    for name, value in amounts:
        limit = limit_of(name)
        if math.isfinite(value) and abs(value) > limit.bound:
            out.append(
                f"{where}: {name} = {value:,.10g} (its unit count × the catalogue "
                f"unit's rating) is beyond {describe(limit)}, more than any real site "
                "has (a typo or a wrong unit?)"
            )
    return out


def magnitude_problems(model: BaseModel) -> list[str]:
    """One ``field.path: ...`` message per number beyond its bound in ``model``."""
    out: list[str] = []
    _walk(model, "", "", out)
    return out


def opt_out_hint() -> str:
    """How to say that extreme values are meant."""
    return f"set {OPT_OUT}: true in the scenario if you mean it"
