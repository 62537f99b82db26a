"""The ``study`` section: finance settings that sizing and feasibility studies use."""

from __future__ import annotations

from pydantic import Field

from grid_flex.schema.base import StrictModel


class Study(StrictModel):
    """How capacities are paid for.

    Capex is annualised with the capital recovery factor at ``discount_frac_per_yr``
    over each asset's life and charged for the horizon's share of a year (8,760 h).
    """

    discount_frac_per_yr: float = Field(
        default=0.10,
        gt=-1.0,
        description="Discount rate (nominal, after tax) [1/yr]; must be above -100 %",
    )
