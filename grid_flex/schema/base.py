"""Shared pydantic base model and constrained types for every input schema."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

#: A share or efficiency in [0, 1].
Fraction = Annotated[float, Field(ge=0.0, le=1.0)]
#: A strictly positive number.
PositiveFloat = Annotated[float, Field(gt=0.0)]
#: A non-negative number.
NonNegativeFloat = Annotated[float, Field(ge=0.0)]
#: A snake_case identifier (asset ids, catalogue ids).
SnakeId = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]*$")]


class StrictModel(BaseModel):
    """Base of every input schema: strict, finite and frozen.

    Unknown keys are errors, numbers are finite (no NaN or infinity anywhere) and
    instances are frozen.
    """

    model_config = ConfigDict(
        extra="forbid",
        frozen=True,
        validate_default=True,
        allow_inf_nan=False,
        # Validators are built on a model's first use, not at import: the ~70
        # models a command never validates (studies, sizing) cost it nothing.
        defer_build=True,
    )
