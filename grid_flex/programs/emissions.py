"""Placeholder: being written (see the issue). Not registered for use yet."""

from __future__ import annotations

from typing import Any


def resolve(entry: Any, rctx: Any) -> Any:
    """Not implemented yet."""
    raise NotImplementedError("the emissions program is not implemented yet")


def build(ctx: Any, params: Any) -> Any:
    """Not implemented yet."""
    raise NotImplementedError("the emissions program is not implemented yet")
