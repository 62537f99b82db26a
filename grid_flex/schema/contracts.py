"""Scenario entries for power contracts and grid or government limits."""

from __future__ import annotations

from typing import Literal

from grid_flex.schema.base import SnakeId, StrictModel


class FixedPriceContractEntry(StrictModel):
    """A block of energy at a fixed price (placeholder)."""

    type: Literal["fixed_price_contract"]
    id: SnakeId = "contract"


class ImportCapEntry(StrictModel):
    """A time-varying import cap (placeholder)."""

    type: Literal["import_cap"]
    id: SnakeId = "import_cap"


class EnergyQuotaEntry(StrictModel):
    """An energy quota per period (placeholder)."""

    type: Literal["energy_quota"]
    id: SnakeId = "energy_quota"


class MiningBanEntry(StrictModel):
    """Mining forced to zero in windows (placeholder)."""

    type: Literal["mining_ban"]
    id: SnakeId = "mining_ban"


class EmergencyCurtailmentEntry(StrictModel):
    """Minimum curtailment during emergencies (placeholder)."""

    type: Literal["emergency_curtailment"]
    id: SnakeId = "emergency_curtailment"
