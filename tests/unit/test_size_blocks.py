"""``size`` blocks refuse bounds out of order and fields that exclude each other.

Every block checks each of its ``min_``/``max_``/``existing_`` triples the same way
(``min <= max``, ``existing <= max``); the fleet first refuses a quantity given in MW
and in units at once, the battery refuses a duration beside its own power bounds after
the order checks. The messages are what a user reads (wrapped in the scenario error).
"""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import BaseModel, ValidationError

from grid_flex.schema.sizing import (
    BatterySize,
    ConnectionSize,
    FleetSize,
    GpuClusterSize,
    HeatPumpSize,
    NonFirmConnection,
    StoreSize,
)

#: Fields every block of the class needs besides the bounds under test.
COSTS: dict[type[BaseModel], dict[str, Any]] = {
    FleetSize: {},
    GpuClusterSize: {},
    BatterySize: {},
    ConnectionSize: {"capex_usd_per_kw": 100.0, "life_yr": 30.0},
    NonFirmConnection: {
        "capex_usd_per_kw": 50.0,
        "life_yr": 30.0,
        "curtailed": {"price_above_usd_per_mwh": 100.0},
    },
    HeatPumpSize: {"capex_usd_per_kwth": 1200.0, "life_yr": 20.0},
    StoreSize: {"capex_usd_per_kwhth": 50.0, "life_yr": 30.0},
}
#: (class, unit) of every bounded triple.
TRIPLES = [
    (FleetSize, "mw"),
    (FleetSize, "count"),
    (GpuClusterSize, "nodes"),
    (BatterySize, "mwh"),
    (BatterySize, "mw"),
    (ConnectionSize, "mw"),
    (NonFirmConnection, "mw"),
    (HeatPumpSize, "mwth"),
    (StoreSize, "mwhth"),
]


def message(cls: type[BaseModel], **fields: Any) -> str:
    with pytest.raises(ValidationError) as err:
        cls(**COSTS[cls], **fields)
    (error,) = err.value.errors()
    return str(error["msg"])


@pytest.mark.parametrize(("cls", "unit"), TRIPLES)
def test_each_triple_is_checked_in_order(cls: type[BaseModel], unit: str) -> None:
    assert message(cls, **{f"min_{unit}": 5.0, f"max_{unit}": 3.0}) == (
        f"Value error, min_{unit} 5.0 is above max_{unit} 3.0"
    )
    assert message(cls, **{f"existing_{unit}": 4.0, f"max_{unit}": 3.0}) == (
        f"Value error, existing_{unit} 4.0 is above max_{unit} 3.0"
    )
    # In order (and equal bounds, a fixed size) is accepted.
    block = cls(**COSTS[cls], **{f"min_{unit}": 3.0, f"max_{unit}": 3.0})
    assert getattr(block, f"max_{unit}") == 3.0


def test_fleet_refuses_mw_and_count_together_before_the_order() -> None:
    # Both faults at once: the quantity given twice is named (it is checked first).
    assert message(FleetSize, min_mw=5.0, max_mw=3.0, min_count=1.0) == (
        "Value error, give min_mw or min_count, not both"
    )
    assert message(FleetSize, capex_usd_per_th=10.0, capex_usd_per_unit=3000.0) == (
        "Value error, give capex_usd_per_th or capex_usd_per_unit, not both"
    )


def test_battery_checks_its_duration_after_the_order() -> None:
    assert message(BatterySize, duration_h=4.0, max_mw=2.0) == (
        "Value error, give duration_h or min_mw/max_mw/existing_mw, not both"
    )
    # Both faults at once: the order is named (it is checked first).
    assert message(BatterySize, duration_h=4.0, min_mwh=5.0, max_mwh=3.0) == (
        "Value error, min_mwh 5.0 is above max_mwh 3.0"
    )


def test_non_firm_keeps_its_own_checks_after_the_order() -> None:
    with pytest.raises(ValidationError, match="one of them"):
        NonFirmConnection(capex_usd_per_kw=50.0, life_yr=30.0)
