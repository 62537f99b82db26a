"""Placeholder: being written (see the issue)."""

from __future__ import annotations

from typing import Any

TYPE = "demand_response"


def resolve(entry: Any, rctx: Any) -> Any:
    """Not implemented yet."""
    raise NotImplementedError("the demand_response program is not implemented yet")


def build(ctx: Any, params: Any) -> Any:
    """Not implemented yet."""
    raise NotImplementedError("the demand_response program is not implemented yet")
