"""Units accepted in time-series files and their conversion to canonical units.

Every value read from a file is converted to one canonical unit per quantity, and the
series is named ``<quantity>_<canonical unit>`` (see
:data:`grid_flex.conventions.UNIT_SUFFIXES`):

=================  =======================  ==========================================
quantity           canonical unit           accepted units (factor to canonical)
=================  =======================  ==========================================
price              ``usd_per_mwh``          ``usd_per_mwh`` (1), ``usd_per_kwh`` (1000)
price              ``eur_per_mwh``          ``eur_per_mwh`` (1), ``eur_per_kwh`` (1000)
capacity_price     ``usd_per_mw_per_h``     ``usd_per_mw_per_h`` (1),
                                            ``usd_per_kw_per_h`` (1000)
capacity_price     ``eur_per_mw_per_h``     ``eur_per_mw_per_h`` (1),
                                            ``eur_per_kw_per_h`` (1000)
co2                ``tco2_per_mwh``         ``tco2_per_mwh`` (1), ``kg_per_mwh`` (1e-3),
                                            ``kg_per_kwh`` (1), ``lb_per_mwh``
                                            (0.45359237e-3), ``lb_per_kwh``
                                            (0.45359237)
heat               ``mwth``                 ``mwth`` (1), ``kwth`` (1e-3)
fuel               ``mmbtu_per_h``          ``mmbtu_per_h_fuel`` (1)
hashprice          ``usd_per_ths_day``      ``usd_per_ths_day`` (1), ``usd_per_phs_day``
                                            (1e-3)
btc_price          ``usd_per_btc``          ``usd_per_btc`` (1)
network            ``difficulty``           ``difficulty`` (1), ``t_difficulty`` (1e12)
fees               ``btc_per_block``        ``btc_per_block`` (1), ``sat_per_block``
                                            (1e-8)
power              ``mw``                   ``mw`` (1), ``kw`` (1e-3)
temperature        ``degc``                 ``degc`` (1)
=================  =======================  ==========================================

Currencies are never converted here (EUR stays EUR). Fuel input (MMBtu/h of boiler
fuel) is kept as is: turning it into thermal power needs a boiler efficiency and is done
by the heat model. Electric (``mw``) and thermal (``mwth``) units are distinct
quantities and are never converted into each other.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Final, NamedTuple, TypeVar

from grid_flex.conventions import T_PER_LB
from grid_flex.errors import DataError

if TYPE_CHECKING:  # the schema reads units before any table exists: no pandas here
    import numpy as np
    import pandas as pd


class UnitSpec(NamedTuple):
    """Quantity, canonical unit and multiplicative factor of one accepted unit."""

    quantity: str
    canonical: str
    factor: float


#: Accepted unit strings (lower case) -> (quantity, canonical unit, factor).
UNITS: Final[dict[str, UnitSpec]] = {
    # energy prices
    "usd_per_mwh": UnitSpec("price", "usd_per_mwh", 1.0),
    "usd_per_kwh": UnitSpec("price", "usd_per_mwh", 1000.0),
    "eur_per_mwh": UnitSpec("price", "eur_per_mwh", 1.0),
    "eur_per_kwh": UnitSpec("price", "eur_per_mwh", 1000.0),
    # capacity (ancillary service) prices: money per MW held for one hour
    "usd_per_mw_per_h": UnitSpec("capacity_price", "usd_per_mw_per_h", 1.0),
    "usd_per_kw_per_h": UnitSpec("capacity_price", "usd_per_mw_per_h", 1000.0),
    "eur_per_mw_per_h": UnitSpec("capacity_price", "eur_per_mw_per_h", 1.0),
    "eur_per_kw_per_h": UnitSpec("capacity_price", "eur_per_mw_per_h", 1000.0),
    # emission rates
    "tco2_per_mwh": UnitSpec("co2", "tco2_per_mwh", 1.0),
    "kg_per_mwh": UnitSpec("co2", "tco2_per_mwh", 1e-3),
    "kg_per_kwh": UnitSpec("co2", "tco2_per_mwh", 1.0),
    "lb_per_mwh": UnitSpec("co2", "tco2_per_mwh", T_PER_LB),
    "lb_per_kwh": UnitSpec("co2", "tco2_per_mwh", T_PER_LB * 1000.0),
    # thermal power
    "mwth": UnitSpec("heat", "mwth", 1.0),
    "kwth": UnitSpec("heat", "mwth", 1e-3),
    # boiler fuel input (converted to heat elsewhere, with a boiler efficiency)
    "mmbtu_per_h_fuel": UnitSpec("fuel", "mmbtu_per_h", 1.0),
    # hashprice and bitcoin price
    "usd_per_ths_day": UnitSpec("hashprice", "usd_per_ths_day", 1.0),
    "usd_per_phs_day": UnitSpec("hashprice", "usd_per_ths_day", 1e-3),
    "usd_per_btc": UnitSpec("btc_price", "usd_per_btc", 1.0),
    # bitcoin network difficulty and fees per block
    "difficulty": UnitSpec("network", "difficulty", 1.0),
    "t_difficulty": UnitSpec("network", "difficulty", 1e12),
    "btc_per_block": UnitSpec("fees", "btc_per_block", 1.0),
    "sat_per_block": UnitSpec("fees", "btc_per_block", 1e-8),
    # electric power
    "mw": UnitSpec("power", "mw", 1.0),
    "kw": UnitSpec("power", "mw", 1e-3),
    # ambient temperature (fleet derating)
    "degc": UnitSpec("temperature", "degc", 1.0),
}

ValuesT = TypeVar("ValuesT", "pd.Series", "np.ndarray")


def normalise_unit(unit: str) -> str:
    """Return ``unit`` in the spelling used as key of :data:`UNITS`.

    Lower case, surrounding blanks removed, ``/`` read as ``_per_``, ``$`` as ``usd``
    and ``€`` as ``eur`` (so ``"$/kWh"`` is ``"usd_per_kwh"``).
    """
    text = unit.strip().lower().replace(" ", "")
    text = text.replace("$", "usd").replace("€", "eur").replace("/", "_per_")
    return text


def unit_spec(unit: str) -> UnitSpec:
    """Look up ``unit``; raise :class:`DataError` listing the accepted units."""
    key = normalise_unit(unit)
    try:
        return UNITS[key]
    except KeyError:
        accepted = ", ".join(sorted(UNITS))
        raise DataError(f"unknown unit {unit!r}; accepted units: {accepted}") from None


def series_name(unit: str) -> str:
    """Name ``<quantity>_<canonical unit>`` of a series read in ``unit``."""
    spec = unit_spec(unit)
    return f"{spec.quantity}_{spec.canonical}"


def convert(values: ValuesT, unit: str) -> tuple[ValuesT, str, str]:
    """Convert ``values`` from ``unit`` to the canonical unit of its quantity.

    Parameters
    ----------
    values : pandas.Series or numpy.ndarray
        Numbers in ``unit``; NaN stays NaN.
    unit : str
        One of :data:`UNITS` (case-insensitive, ``$/kWh`` style accepted).

    Returns
    -------
    tuple
        ``(converted values, quantity, canonical unit)``.

    Raises
    ------
    DataError
        If ``unit`` is not accepted; the message lists the accepted units.
    """
    spec = unit_spec(unit)
    converted = values * spec.factor if spec.factor != 1.0 else values.copy()
    return converted, spec.quantity, spec.canonical
