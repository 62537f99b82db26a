"""Grid programs and policies, one module per kind, registered by scenario ``type``.

A program module provides ``resolve(entry, rctx)`` and ``build(ctx, params) ->
ProgramTerms`` (see :mod:`grid_flex.model.terms`) and names the scenario ``type`` it
builds in a module constant ``TYPE``; modules of this package are found by that
constant. A program is built after every asset and sees the site's terms in
``ctx.site``.
"""

from __future__ import annotations

import importlib
import pkgutil
from types import MappingProxyType
from typing import Final

from grid_flex.model.terms import AssetModule
from grid_flex.programs import emissions


def _discover() -> dict[str, AssetModule]:
    found: dict[str, AssetModule] = {"emissions": emissions}
    for info in pkgutil.iter_modules(__path__):
        module = importlib.import_module(f"{__name__}.{info.name}")
        kind = getattr(module, "TYPE", None)
        if isinstance(kind, str):
            found[kind] = module
    return found


#: Scenario ``type`` → module providing ``resolve`` and ``build``.
REGISTRY: Final[MappingProxyType[str, AssetModule]] = MappingProxyType(_discover())
