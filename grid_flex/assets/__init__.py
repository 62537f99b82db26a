"""Asset modules, one per kind, registered by the scenario ``type`` they build.

To add a kind: write ``grid_flex/assets/<kind>.py`` with ``resolve`` and ``build``
(see :mod:`grid_flex.model.terms`), add its entry class to
:mod:`grid_flex.schema.assets`, and register it here.
"""

from __future__ import annotations

from types import MappingProxyType
from typing import Final

from grid_flex.assets import battery, compute, heat, mining
from grid_flex.model.terms import AssetModule

#: Scenario ``type`` → module providing ``resolve`` and ``build``.
REGISTRY: Final[MappingProxyType[str, AssetModule]] = MappingProxyType(
    {
        "asic_fleet": mining,
        "battery": battery,
        "gpu_cluster": compute,
        "heat_recovery": heat,
    }
)
