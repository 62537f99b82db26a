"""Grid programs and policies, one module per kind, registered by scenario ``type``.

A program module provides ``resolve(entry, rctx)`` and ``build(ctx, params) ->
ProgramTerms`` (see :mod:`grid_flex.model.terms`); it is built after every asset and
sees the site's terms in ``ctx.site``.
"""

from __future__ import annotations

from types import MappingProxyType
from typing import Final

from grid_flex.model.terms import AssetModule
from grid_flex.programs import emissions

#: Scenario ``type`` → module providing ``resolve`` and ``build``.
REGISTRY: Final[MappingProxyType[str, AssetModule]] = MappingProxyType(
    {"emissions": emissions}
)
