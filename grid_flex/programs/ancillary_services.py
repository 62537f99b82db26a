"""Placeholder: being written (see the issue)."""

from __future__ import annotations

from typing import Any

TYPE = "ancillary_services"


def resolve(entry: Any, rctx: Any) -> Any:
    """Not implemented yet."""
    raise NotImplementedError("the ancillary_services program is not implemented yet")


def build(ctx: Any, params: Any) -> Any:
    """Not implemented yet."""
    raise NotImplementedError("the ancillary_services program is not implemented yet")
