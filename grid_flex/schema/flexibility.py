"""Scenario entries for reserves (ancillary services) and demand response.

Grid direction throughout: **up** is what raises grid frequency, i.e. the site
*reduces* its load (or a battery discharges); **down** is a load *increase* (or a
battery charging). The formulations are in :mod:`grid_flex.programs.ancillary_services`
and :mod:`grid_flex.programs.demand_response`; domain.md §2.3 and §2.6.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field, field_validator, model_validator

from grid_flex.schema.base import (
    Fraction,
    NonNegativeFloat,
    PositiveFloat,
    SnakeId,
    StrictModel,
)
from grid_flex.schema.series import SeriesSpec
from grid_flex.schema.windows import WindowSet
from grid_flex.units import normalise_unit

#: Capacity price units a reserve series may carry (money per MW held for one hour).
CAPACITY_PRICE_UNITS = ("usd_per_mw_per_h", "usd_per_kw_per_h")


def _duplicates(values: list[str]) -> list[str]:
    return sorted({v for v in values if values.count(v) > 1})


def check_capacity_price_spec(spec: Any) -> Any:
    """Refuse a capacity-price series declared in energy units (or another quantity).

    A reserve is paid per MW *held* for an hour (USD/MW/h, DER-VET's $/kW per hour);
    an energy price (USD/MWh) would silently be read as one.
    """
    unit = getattr(spec, "unit", None)
    if unit is not None and normalise_unit(unit) not in CAPACITY_PRICE_UNITS:
        raise ValueError(
            f"unit {unit!r} is not a capacity price; a reserve is paid per MW held "
            "per hour: give the series in usd_per_mw_per_h (or usd_per_kw_per_h)"
        )
    if getattr(spec, "format", None) == "caiso_dervet" and spec.column == "price":
        raise ValueError(
            "column 'price' of the DER-VET file is the energy price [USD/MWh]; "
            "use column 'regup' or 'regdown' (capacity prices [USD/MW/h])"
        )
    return spec


class CommitmentSize(StrictModel):
    """The MW committed as a decision: chosen here and now for the season.

    In a feasibility or risk study the commitment is a first-stage capacity shared
    by every operating block and scenario: each scenario then delivers it when
    called (or pays the shortfall) and earns its capacity payment.
    """

    min_mw: NonNegativeFloat = Field(default=0.0, description="[MW]")
    max_mw: float = Field(
        gt=0.0,
        le=2000.0,
        description="Largest commitment the site could offer (a site's load, at "
        "most 2,000 MW) [MW]",
    )

    @model_validator(mode="after")
    def _order(self) -> CommitmentSize:
        if self.min_mw > self.max_mw:
            raise ValueError(f"min_mw {self.min_mw} is above max_mw {self.max_mw}")
        return self


class ReserveService(StrictModel):
    """One ancillary service the site offers capacity to (per interval, in MW).

    The offer is a decision per eligible asset and interval. It is paid
    ``price · offer · Δt``; an ``up`` offer holds load reduction (or battery
    discharge) ready, a ``down`` offer load increase (or charging). A battery must
    also hold the energy to sustain the offer for ``min_duration_h``.
    """

    name: SnakeId = Field(
        description="Service name, e.g. reg_up, reg_down, rrs, ecrs, non_spin"
    )
    direction: Literal["up", "down"] = Field(
        description="Grid direction: up = load reduction / discharge, "
        "down = load increase / charge"
    )
    capacity_price_usd_per_mw_per_h: NonNegativeFloat | None = Field(
        default=None,
        description="Constant capacity price per MW offered per hour [USD/MW/h]",
    )
    capacity_price: SeriesSpec | None = Field(
        default=None,
        description="Capacity price series in usd_per_mw_per_h, e.g. "
        "{format: caiso_dervet, column: regup} [USD/MW/h]",
    )
    deployment_frac: Fraction = Field(
        default=0.3,
        description="Expected energy called per MW-h offered (DER-VET eou/eod) "
        "[MWh per MW-h]",
    )
    min_duration_h: NonNegativeFloat = Field(
        default=1.0,
        description="How long an award must be sustainable at the full offer; "
        "energy-limited assets (batteries) hold that energy [h]",
    )
    eligible_assets: list[SnakeId] = Field(
        min_length=1,
        description="Asset ids that may offer this service (ASIC fleets, batteries; "
        "GPU clusters only if listed in gpu_clusters_allowed)",
    )
    windows: WindowSet | None = Field(
        default=None,
        description="Intervals in which the service may be offered (default: all)",
    )
    max_offer_mw: NonNegativeFloat | None = Field(
        default=None,
        description="Cap on the total offer per interval (qualification, market "
        "size) [MW]",
    )
    exclusive: bool = Field(
        default=False,
        description="May not be offered in a demand-response event interval (e.g. "
        "ERS vs ancillary services); overlapping windows are an error",
    )
    commitment: CommitmentSize | None = Field(
        default=None,
        description="Commit the offer for the season: the same total MW in every "
        "interval of the windows, chosen between min_mw and max_mw (a first-stage "
        "decision in a study) instead of interval by interval",
    )

    _price_unit = field_validator("capacity_price")(check_capacity_price_spec)

    @model_validator(mode="after")
    def _checks(self) -> ReserveService:
        given = [
            k
            for k in ("capacity_price_usd_per_mw_per_h", "capacity_price")
            if getattr(self, k) is not None
        ]
        if len(given) != 1:
            raise ValueError(
                "give exactly one of capacity_price_usd_per_mw_per_h (a constant) "
                f"or capacity_price (a series); got {given or 'none'}"
            )
        dupes = _duplicates(self.eligible_assets)
        if dupes:
            raise ValueError(f"eligible_assets lists {', '.join(dupes)} twice")
        return self


class AncillaryServicesEntry(StrictModel):
    """Capacity the site's own assets offer to ancillary services.

    Semantics as domain.md §2.3 and §2.6 (StorageVET).

    Eligibility is declared per service (``eligible_assets``). ASIC fleets and
    batteries may be listed freely; a GPU cluster only if it is also declared in
    ``gpu_clusters_allowed``, a deliberate opt-in because curtailing compute breaks
    service commitments that fleets do not have. Heat recovery has no controllable
    electric load and is refused.
    """

    type: Literal["ancillary_services"]
    id: SnakeId = "ancillary_services"
    services: list[ReserveService] = Field(
        min_length=1, description="The services offered"
    )
    gpu_clusters_allowed: list[SnakeId] = Field(
        default_factory=list,
        description="GPU clusters qualified to provide reserves (their ids)",
    )
    battery_deployment: Literal["settled", "state_of_charge"] = Field(
        default="settled",
        description="settled: a battery's expected deployed energy is bought (sold) "
        "back within the interval at the price with its round-trip losses; "
        "state_of_charge: the DER-VET convention, offers split into charge and "
        "discharge legs and the deployed energy moves the state of charge, settled "
        "at the energy price",
    )
    deployment_value_usd_per_mwh: dict[SnakeId, float] = Field(
        default_factory=dict,
        description="Per asset: value of one MWh it consumes (e.g. the fleet's "
        "hashing value); expected deployed energy changes its production at this "
        "value. Default: a battery's energy is bought back (sold back) at the "
        "interval price with its round-trip losses; another load's value is read "
        "from its revenue terms [USD/MWh]",
    )

    @model_validator(mode="after")
    def _checks(self) -> AncillaryServicesEntry:
        dupes = _duplicates([s.name for s in self.services])
        if dupes:
            raise ValueError(f"service names must be unique; repeated: {dupes}")
        dupes = _duplicates(self.gpu_clusters_allowed)
        if dupes:
            raise ValueError(f"gpu_clusters_allowed lists {dupes} twice")
        listed = {a for s in self.services for a in s.eligible_assets}
        stray = sorted(set(self.deployment_value_usd_per_mwh) - listed)
        if stray:
            raise ValueError(
                f"deployment_value_usd_per_mwh names {stray}, which no service lists "
                "in eligible_assets"
            )
        return self


class DemandResponseCapacity(StrictModel):
    """Capacity-type demand response: ``committed_mw`` of load reduction held ready.

    Outside events and within ``availability``, the commitment is held on
    ``assets`` (stacked with reserves: the same MW is never sold twice) and paid per
    MW per hour; in events it is delivered as curtailment.
    """

    assets: list[SnakeId] = Field(
        min_length=1, description="Asset ids that hold the committed reduction"
    )
    availability: WindowSet | None = Field(
        default=None,
        description="Intervals in which the commitment is held (default: all)",
    )
    price_usd_per_mw_per_h: NonNegativeFloat = Field(
        default=0.0,
        description="Capacity payment per MW committed per available hour [USD/MW/h]",
    )
    min_duration_h: NonNegativeFloat = Field(
        default=1.0,
        description="How long a call must be sustainable; batteries hold that "
        "energy [h]",
    )

    @model_validator(mode="after")
    def _unique(self) -> DemandResponseCapacity:
        dupes = _duplicates(self.assets)
        if dupes:
            raise ValueError(f"assets lists {', '.join(dupes)} twice")
        return self


class DemandResponseEntry(StrictModel):
    """Demand-response or emergency events: committed curtailment against a baseline.

    An event is a run of consecutive event intervals. In each, the site's net grid
    draw must fall ``committed_mw`` below the baseline; what it does not deliver is
    the shortfall, charged at ``penalty_usd_per_mwh``. Events of two programs may
    not overlap. ``baseline: import_limit`` is the most the site can draw (the
    connection capped at its assets' capacities), so curtailment the site could never
    deliver is not credited; the per-event payment is scaled by delivery.
    """

    type: Literal["demand_response"]
    id: SnakeId = "demand_response"
    events: WindowSet = Field(
        description="Event windows: periods, recurring hours, or "
        "price_above_usd_per_mwh"
    )
    committed_mw: PositiveFloat | None = Field(
        default=None,
        description="Curtailment committed in every event interval [MW]; give it "
        "or size",
    )
    size: CommitmentSize | None = Field(
        default=None,
        description="Choose the commitment (a first-stage decision in a study) "
        "between min_mw and max_mw instead of giving committed_mw",
    )
    baseline: Literal["declared", "pre_event_mean", "import_limit"] = Field(
        default="declared",
        description="declared: baseline_mw; pre_event_mean: mean net import over "
        "baseline_window_h before each event (decided by the LP); import_limit: the "
        "most the site can draw, site.import_limit_mw capped at the sum of the "
        "assets' capacities (loads at full power, batteries charging at full power)",
    )
    baseline_mw: PositiveFloat | None = Field(
        default=None, description="Declared baseline (baseline: declared) [MW]"
    )
    baseline_window_h: PositiveFloat = Field(
        default=4.0,
        description="Hours before each event averaged for baseline: pre_event_mean [h]",
    )
    payment_usd_per_mwh: NonNegativeFloat = Field(
        default=0.0,
        description="Paid per MWh curtailed in events, up to the commitment [USD/MWh]",
    )
    payment_usd_per_mw_per_event: NonNegativeFloat = Field(
        default=0.0,
        description="Paid for each event per MW delivered on average over the event "
        "(committed_mw less the mean shortfall) [USD/MW]",
    )
    penalty_usd_per_mwh: NonNegativeFloat = Field(
        default=0.0, description="Charged per MWh of shortfall [USD/MWh]"
    )
    capacity: DemandResponseCapacity | None = Field(
        default=None,
        description="Hold the commitment as capacity on assets between events",
    )

    @model_validator(mode="after")
    def _baseline(self) -> DemandResponseEntry:
        if (self.committed_mw is None) == (self.size is None):
            raise ValueError(
                "give committed_mw or size (to choose the commitment), not both"
            )
        if self.baseline == "declared" and self.baseline_mw is None:
            raise ValueError(
                "baseline: declared needs baseline_mw (or choose baseline: "
                "pre_event_mean or import_limit)"
            )
        if self.baseline != "declared" and self.baseline_mw is not None:
            raise ValueError(
                f"baseline_mw is only used with baseline: declared (got baseline: "
                f"{self.baseline}); remove one"
            )
        if (
            self.baseline != "pre_event_mean"
            and "baseline_window_h" in self.model_fields_set
        ):
            raise ValueError(
                "baseline_window_h is only used with baseline: pre_event_mean"
            )
        return self
