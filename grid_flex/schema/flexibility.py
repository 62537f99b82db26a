"""Scenario entries for reserves and demand response (being written; see the issue)."""

from __future__ import annotations

from typing import Literal

from grid_flex.schema.base import SnakeId, StrictModel


class AncillaryServicesEntry(StrictModel):
    """Capacity offered to ancillary services (placeholder)."""

    type: Literal["ancillary_services"]
    id: SnakeId = "ancillary_services"


class DemandResponseEntry(StrictModel):
    """Demand-response or emergency events (placeholder)."""

    type: Literal["demand_response"]
    id: SnakeId = "demand_response"
