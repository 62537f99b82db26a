"""The ``rolling:`` section: operate in windows on forecasts, settle at actual prices.

A rolling run solves a window of ``lookahead_h`` hours, keeps (commits) its first
``commit_h`` hours, carries every module's state to the end of that part and starts
the next window there. Decisions are made on the forecasts below; money is settled at
the scenario's own (actual) series.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field, model_validator

from grid_flex.schema.base import PositiveFloat, StrictModel
from grid_flex.schema.series import SeriesSpec

#: Forecast methods for a series that need no file.
ForecastMethod = Literal["perfect", "persistence_day", "persistence_week"]


class Forecasts(StrictModel):
    """What the operator believes when deciding, per series."""

    price: ForecastMethod | SeriesSpec = Field(
        default="perfect",
        description=(
            "Forecast of energy.price: perfect (the actual series), persistence_day "
            "or persistence_week (the same hour one day or one week before the "
            "window start, repeated), or a series (e.g. the day-ahead price as the "
            "forecast of a real-time price)"
        ),
    )
    hashprice: Literal["perfect", "persistence_day", "persistence_week"] = Field(
        default="perfect", description="Forecast of the hashprice"
    )
    programs: dict[str, dict[str, Any]] = Field(
        default_factory=dict,
        description=(
            "Per program id, fields replaced in the model the operator decides on "
            "(e.g. a 4CP program's probabilities instead of its known intervals); "
            "the program as written in the scenario settles the money"
        ),
    )


class Rolling(StrictModel):
    """Rolling-horizon operation (used by ``grid-flex solve --rolling``)."""

    lookahead_h: PositiveFloat = Field(description="Length of each window [h]")
    commit_h: PositiveFloat = Field(
        description="Hours of each window that are kept before the next window [h]"
    )
    forecasts: Forecasts = Field(default_factory=Forecasts)
    foresight: bool = Field(
        default=True,
        description=(
            "Also solve with perfect foresight and roll on perfect forecasts, to "
            "report the value of foresight and of a better forecast (foresight.csv)"
        ),
    )

    @model_validator(mode="after")
    def _commit_within_lookahead(self) -> Rolling:
        if self.commit_h > self.lookahead_h:
            raise ValueError(
                f"rolling.commit_h ({self.commit_h:g} h) is longer than "
                f"rolling.lookahead_h ({self.lookahead_h:g} h): a window cannot "
                "commit more than it looks at"
            )
        return self
