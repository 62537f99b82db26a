"""The union of every program entry, discriminated by ``type``."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from grid_flex.schema.contracts import (
    EmergencyCurtailmentEntry,
    EnergyQuotaEntry,
    FixedPriceContractEntry,
    HashrateForwardEntry,
    ImportCapEntry,
    MiningBanEntry,
)
from grid_flex.schema.flexibility import AncillaryServicesEntry, DemandResponseEntry
from grid_flex.schema.programs import EmissionsEntry
from grid_flex.schema.tariffs import DemandChargeEntry, FourCpEntry

ProgramEntry = Annotated[
    EmissionsEntry
    | DemandChargeEntry
    | FourCpEntry
    | FixedPriceContractEntry
    | HashrateForwardEntry
    | ImportCapEntry
    | EnergyQuotaEntry
    | MiningBanEntry
    | EmergencyCurtailmentEntry
    | AncillaryServicesEntry
    | DemandResponseEntry,
    Field(discriminator="type"),
]
