"""The scenario: one site, one horizon, its series, assets and economics.

YAML keys equal these field names. Units are in the names; every field documents its
unit. ``Scenario.model_json_schema()`` is the generated input reference.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, PrivateAttr, field_validator, model_validator

from grid_flex.schema.assets import AssetEntry
from grid_flex.schema.base import NonNegativeFloat, PositiveFloat, StrictModel
from grid_flex.schema.catalog import AsicSpec, BatterySpec, GpuNodeSpec
from grid_flex.schema.magnitudes import magnitude_problems, opt_out_hint
from grid_flex.schema.program_entries import ProgramEntry
from grid_flex.schema.rolling import Rolling
from grid_flex.schema.series import SeriesSpec
from grid_flex.schema.sizing import ConnectionSize, NonFirmConnection
from grid_flex.schema.study import Study
from grid_flex.schema.windows import WindowSet

#: A catalogue entry written into a scenario (its ``kind`` says which).
FrozenCatalogEntry = Annotated[
    AsicSpec | BatterySpec | GpuNodeSpec, Field(discriminator="kind")
]


def _check_zone(name: str) -> str:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError(f"unknown time zone {name!r} (use an IANA name)") from exc
    return name


class Site(StrictModel):
    """The grid connection."""

    import_limit_mw: PositiveFloat | None = Field(
        default=None,
        description="Interconnection import limit [MW] (or give size)",
    )
    size: ConnectionSize | None = Field(
        default=None, description="Let the LP choose the import connection [MW]"
    )
    non_firm: NonFirmConnection | None = Field(
        default=None,
        description="A non-firm part of the connection, curtailable in stated "
        "intervals, beside the firm import_limit_mw or size [MW]",
    )
    export_limit_mw: NonNegativeFloat = Field(
        default=0.0, description="Export limit [MW]; 0 means the site cannot export"
    )
    timezone: str = Field(
        default="America/Chicago", description="Local zone for reports (IANA name)"
    )

    _zone = field_validator("timezone")(_check_zone)

    @model_validator(mode="after")
    def _one_limit(self) -> Site:
        if self.import_limit_mw is None and self.size is None:
            raise ValueError(
                "site.import_limit_mw is required (or give site.size to let the LP "
                "choose the connection)"
            )
        if self.import_limit_mw is not None and self.size is not None:
            raise ValueError("give site.import_limit_mw or site.size, not both")
        return self

    @property
    def import_upper_mw(self) -> float:
        """The import limit, or the largest connection a size block allows [MW]."""
        if self.size is not None:
            return self.size.max_mw if self.size.max_mw is not None else float("inf")
        assert self.import_limit_mw is not None
        return self.import_limit_mw


class Horizon(StrictModel):
    """The optimisation period: ``start`` ≤ t < ``end`` in steps of ``timestep_min``."""

    start: dt.datetime = Field(description="First interval start (local if naive)")
    end: dt.datetime = Field(description="End of the last interval (exclusive)")
    timestep_min: Literal[5, 15, 30, 60] = Field(
        default=60, description="Interval length [min]"
    )
    timezone: str = Field(
        default="America/Chicago",
        description="Zone of naive start/end times (IANA name)",
    )

    _zone = field_validator("timezone")(_check_zone)

    @model_validator(mode="after")
    def _order(self) -> Horizon:
        start, end = self.start, self.end
        if (start.tzinfo is None) != (end.tzinfo is None):
            raise ValueError("start and end must both carry a UTC offset or neither")
        if end <= start:
            raise ValueError(f"end {end} must be after start {start}")
        return self


class AdderWindow(WindowSet):
    """A per-MWh adder in force in its windows (time-of-use delivery charges)."""

    usd_per_mwh: float = Field(
        description="Charge on every MWh imported in these windows [USD/MWh]"
    )


class Energy(StrictModel):
    """What the site pays for electricity."""

    price: SeriesSpec = Field(description="Interval energy price series")
    adders_usd_per_mwh: float | list[float | AdderWindow] = Field(
        default=0.0,
        description=(
            "Per-MWh charges on top of the price (fees, delivery) [USD/MWh]: one "
            "number for every interval, or a list of numbers (every interval) and "
            "windowed adders {usd_per_mwh, periods / recurring / "
            "price_above_usd_per_mwh}, summed per interval"
        ),
    )
    export_price_frac: float = Field(
        default=1.0,
        ge=0.0,
        le=1.0,
        description="Exported energy earns this share of the interval price [-]",
    )


class HashpriceDerivation(StrictModel):
    """Hashprice from network data (finance.md §1.4, grid_flex.bitcoin).

    ``HP = (S + F) · 86,400 · 1e12 / (D · 2^32) · P_BTC`` [USD per TH/s per day]. The
    subsidy S follows the consensus rule by block height and steps at each halving
    block's expected time (heights after the anchor block are projected at
    ``mean_block_interval_s``). D is given (constant, growing, or a series) or taken
    from the network hashrate ``H`` as ``D = H · 600 / 2^32``.
    """

    btc_price_usd: PositiveFloat | SeriesSpec = Field(description="BTC price [USD]")
    difficulty: PositiveFloat | SeriesSpec | None = Field(
        default=None,
        description="Difficulty [-]: a constant or a series (unit difficulty)",
    )
    difficulty_growth_frac_per_yr: float | None = Field(
        default=None,
        gt=-1.0,
        description="Growth of a constant difficulty per year from difficulty_at "
        "[1/yr]; also sets the default mean block interval",
    )
    difficulty_at: dt.datetime | None = Field(
        default=None,
        description="When the constant difficulty holds (UTC if no offset); "
        "defaults to the horizon start",
    )
    network_hashrate_ehs: PositiveFloat | None = Field(
        default=None, description="Network hashrate [EH/s]"
    )
    fees_btc_per_block: NonNegativeFloat | SeriesSpec = Field(
        default=0.0,
        description="Mean transaction fees per block [BTC]: a constant or a series "
        "(unit btc_per_block)",
    )
    mean_block_interval_s: PositiveFloat | None = Field(
        default=None,
        description="Mean block interval after the anchor block [s]; default "
        "600 / (1+g)^(14/365) with g the difficulty growth, else 600",
    )
    anchor_height: int = Field(
        default=840_000, ge=0, description="Latest known block height [-]"
    )
    anchor_time: dt.datetime = Field(
        default=dt.datetime(2024, 4, 20, 0, 9, 27, tzinfo=dt.UTC),
        description="Time of the anchor block (UTC if no offset)",
    )

    @model_validator(mode="after")
    def _one_network_figure(self) -> HashpriceDerivation:
        if (self.difficulty is None) == (self.network_hashrate_ehs is None):
            raise ValueError("give exactly one of difficulty or network_hashrate_ehs")
        constant = isinstance(self.difficulty, float | int) or (
            self.network_hashrate_ehs is not None
        )
        if not constant and self.difficulty_growth_frac_per_yr is not None:
            raise ValueError(
                "difficulty_growth_frac_per_yr grows a constant difficulty; a "
                "difficulty series already carries its own path"
            )
        if not constant and self.difficulty_at is not None:
            raise ValueError("difficulty_at applies to a constant difficulty only")
        return self


class Hashprice(StrictModel):
    """Hashprice: a constant, a series, or derived from network data (exactly one)."""

    usd_per_ths_day: NonNegativeFloat | None = Field(
        default=None, description="Constant hashprice [USD per TH/s per day]"
    )
    series: SeriesSpec | None = Field(
        default=None, description="Hashprice series with unit usd_per_ths_day"
    )
    derive: HashpriceDerivation | None = None

    @model_validator(mode="after")
    def _exactly_one(self) -> Hashprice:
        given = [k for k in ("usd_per_ths_day", "series", "derive") if getattr(self, k)]
        if self.usd_per_ths_day == 0.0:
            given.append("usd_per_ths_day")
        if len(set(given)) != 1:
            raise ValueError(
                "give exactly one of usd_per_ths_day, series or derive "
                f"(got {sorted(set(given)) or 'none'})"
            )
        return self


class Economics(StrictModel):
    """Currency conversion for non-USD inputs."""

    usd_per_eur: PositiveFloat | None = Field(
        default=None, description="Exchange rate for EUR price series [USD/EUR]"
    )


class Outputs(StrictModel):
    """How results are written."""

    timeseries_format: Literal["csv", "parquet"] = "csv"


class SolverSettings(StrictModel):
    """HiGHS settings."""

    method: Literal["choose", "simplex", "ipm", "pdlp"] = "choose"
    time_limit_s: PositiveFloat | None = None
    presolve: bool = True
    threads: int | None = Field(default=None, gt=0)
    sizing_method: Literal["auto", "monolithic", "decomposed"] = Field(
        default="auto",
        description=(
            "How an LP with sized capacities is solved: whole (monolithic), or by "
            "fixing the capacities and re-solving the operating LP (decomposed, "
            "exact to sizing_gap_frac); auto decomposes large LPs with at most 40 "
            "bounded capacities"
        ),
    )
    sizing_gap_frac: float = Field(
        default=1e-7,
        gt=0.0,
        le=0.1,
        description="Relative optimality gap at which the decomposition stops [-]",
    )
    sizing_max_iterations: int = Field(
        default=50,
        ge=1,
        le=10_000,
        description="Operating-LP solves after which the decomposition gives up "
        "and the LP is solved whole",
    )


class Scenario(StrictModel):
    """A complete grid-flex study of one site."""

    _source: str | None = PrivateAttr(default=None)

    name: str = Field(description="Short name used in reports and output folders")
    description: str = ""
    era: str | None = Field(
        default=None,
        max_length=240,
        description=(
            "One line: the era the scenario represents and its main assumptions "
            "(hardware, hashprice, price year), printed with its results"
        ),
    )
    site: Site
    horizon: Horizon
    energy: Energy
    hashprice: Hashprice | None = Field(
        default=None, description="Required when the site has ASIC fleets"
    )
    assets: list[AssetEntry] = Field(min_length=1)
    programs: list[ProgramEntry] = Field(
        default_factory=list, description="Grid programs and policies (by type)"
    )
    economics: Economics = Field(default_factory=Economics)
    study: Study = Field(
        default_factory=Study, description="Finance and life-cycle settings"
    )
    solver: SolverSettings = Field(default_factory=SolverSettings)
    outputs: Outputs = Field(default_factory=Outputs)
    catalog_entries: dict[str, FrozenCatalogEntry] = Field(
        default_factory=dict,
        description=(
            "Catalogue entries frozen into the scenario, by reference "
            "(asic/antminer_s21); they take precedence over the catalogue. A results "
            "folder's scenario.yaml holds every entry its run used"
        ),
    )
    allow_extreme_values: bool = Field(
        default=False,
        description=(
            "Accept numbers beyond what any real site has (e.g. a connection above "
            "5,000 MW, prices beyond ±100,000 USD/MWh, hashprice above 10 USD/TH/s/day;"
            " grid_flex.schema.magnitudes lists the bounds)"
        ),
    )
    rolling: Rolling | None = Field(
        default=None,
        description="Rolling-horizon operation on forecasts (solve --rolling)",
    )

    @model_validator(mode="after")
    def _cross_checks(self) -> Scenario:
        ids = [a.id for a in self.assets]
        program_ids = [p.id for p in self.programs]
        clash = sorted({i for i in program_ids if program_ids.count(i) > 1 or i in ids})
        if clash:
            raise ValueError(
                f"program ids must be unique and differ from asset ids: {clash}"
            )
        dupes = sorted({i for i in ids if ids.count(i) > 1})
        if dupes:
            raise ValueError(f"asset ids must be unique; repeated: {', '.join(dupes)}")
        if "site" in ids:
            raise ValueError("'site' is reserved and cannot be an asset id")
        kinds = {a.id: a.type for a in self.assets}
        for a in self.assets:
            for i, source in enumerate(getattr(a, "sources", None) or []):
                kind = kinds.get(source)
                if source == a.id or kind in ("asic_fleet", "gpu_cluster"):
                    continue  # self-references are reported by the asset's checks
                what = (
                    "is not an asset id" if kind is None else f"({kind}) gives no heat"
                )
                raise ValueError(
                    f"assets.{a.id}.sources[{i}]: {source!r} {what}; heat sources "
                    "are ASIC fleets or GPU clusters"
                )
        if self.hashprice is None and any(a.type == "asic_fleet" for a in self.assets):
            raise ValueError("the site has ASIC fleets, so hashprice is required")
        return self

    @model_validator(mode="after")
    def _magnitudes(self) -> Scenario:
        if not self.allow_extreme_values:
            problems = magnitude_problems(self)
            if problems:
                raise ValueError("; ".join(problems) + f"; {opt_out_hint()}")
        return self


def scenario_source(scenario: Scenario) -> str:
    """The file a scenario was read from, for messages ("scenario" if built in code)."""
    return scenario._source or "scenario"


def with_source(scenario: Scenario, source: str) -> Scenario:
    """Record the file ``scenario`` came from (used in error messages)."""
    scenario._source = source
    return scenario
