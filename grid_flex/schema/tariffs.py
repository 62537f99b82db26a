"""Scenario entries for tariffs and peak charges (being written; see the issue)."""

from __future__ import annotations

from typing import Literal

from grid_flex.schema.base import SnakeId, StrictModel


class DemandChargeEntry(StrictModel):
    """Monthly demand charge on the peak import (placeholder)."""

    type: Literal["demand_charge"]
    id: SnakeId = "demand_charge"


class FourCpEntry(StrictModel):
    """ERCOT four-coincident-peak transmission charge (placeholder)."""

    type: Literal["four_cp"]
    id: SnakeId = "four_cp"
