"""The contract between the site model and the asset and program modules.

Each asset kind is one module in :mod:`grid_flex.assets`, each program kind one module
in :mod:`grid_flex.programs`, exposing

* ``resolve(entry, rctx) -> params``: scenario entry → frozen parameters, reading the
  catalogue and any series it needs through a :class:`ResolveContext` (so that files
  are read in the input stage, never while building);
* ``build(ctx, params) -> AssetTerms | ProgramTerms``: declares variables and
  constraints on its own block ``ctx.block`` and returns the terms the site sums.

An asset module may set ``PHASE = 1`` to be built after the plain electrical assets
(heat recovery needs the heat its sources produce: it reads ``ctx.built``). Programs are
built after every asset and receive the site's terms in ``ctx.site``.

The site balance and the objective only sum registered terms; nothing central names an
asset or program kind.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np
import pandas as pd

from grid_flex.conventions import interval_bounds_ns, to_utc
from grid_flex.model.holdings import Holdings
from grid_flex.model.linear import (
    ConstraintArray,
    FloatArray,
    IntArray,
    LinearLayer,
    LinExpr,
    VarArray,
)

if TYPE_CHECKING:
    from grid_flex.model.capacity import Capacity, CapacitySpec
    from grid_flex.model.data import ModelInputs
    from grid_flex.schema.catalog import AsicSpec, BatterySpec, GpuNodeSpec


class DataNeeded(Exception):
    """Raised when a data-free check reaches a step that needs data.

    :func:`grid_flex.validation.check_scenario` resolves entries without reading
    any file; ``rctx.load`` (and anything needing the energy price) raises this to skip
    the rest of that entry's checks, which :func:`grid_flex.inputs.prepare_inputs`
    then makes.
    """


class SpecCatalog(Protocol):
    """The catalogue lookups a module's ``resolve`` makes, by reference.

    :class:`grid_flex.io.catalog.Catalog` is one; the model floor names only these
    lookups so that it never imports the readers above it.
    """

    def get_asic(self, ref: str) -> AsicSpec:
        """The ASIC model ``ref`` (e.g. ``"asic/antminer_s21"``)."""
        ...

    def get_battery(self, ref: str) -> BatterySpec:
        """The battery unit ``ref``."""
        ...

    def get_gpu(self, ref: str) -> GpuNodeSpec:
        """The GPU node ``ref``."""
        ...


@dataclass(frozen=True)
class ResolveContext:
    """What ``resolve`` gets: the catalogue, the horizon and a series loader.

    Attributes
    ----------
    catalog : SpecCatalog
        Equipment catalogue (a :class:`grid_flex.io.catalog.Catalog`).
    index : pandas.DatetimeIndex
        The horizon's UTC interval starts.
    timestep_h : ndarray
        Interval lengths [h].
    load : callable
        ``load(spec, field, expect) -> ndarray`` reads a declared series, checks
        that its quantity name starts with one of ``expect`` (e.g. ``("co2_",)``),
        and returns it on the horizon in canonical units.
    timezone : str
        The horizon's zone: naive date-times in entries are local to it.
    price_usd_per_mwh : ndarray or None
        The energy price on the horizon (None in checks that read no data).
    asset_kinds : mapping
        Asset id → type for every asset of the scenario (for programs' checks).
    """

    catalog: SpecCatalog
    index: pd.DatetimeIndex
    timestep_h: FloatArray
    load: Callable[[Any, str, tuple[str, ...]], FloatArray]
    timezone: str = "UTC"
    price_usd_per_mwh: FloatArray | None = None
    asset_kinds: Mapping[str, str] = field(default_factory=dict)

    def utc(self, t: Any) -> pd.Timestamp:
        """A scenario date-time as a UTC timestamp (naive = horizon-local)."""
        return to_utc(t, self.timezone)

    def bounds_ns(self) -> tuple[IntArray, IntArray]:
        """Start and end of every interval [ns since the epoch, UTC]."""
        return interval_bounds_ns(self.index, self.timestep_h)


@dataclass(frozen=True)
class Evaluation:
    """Solved values handed to a module's ``kpis`` function."""

    values: Mapping[str, FloatArray]
    dual: Callable[[ConstraintArray], FloatArray]
    timestep_h: FloatArray
    capacities: Mapping[str, float] = field(default_factory=dict)

    def capacity(self, cap: Capacity) -> float:
        """The solved value of a capacity [its unit]."""
        if cap.var is None:
            return cap.value_fixed
        return self.capacities[cap.key]


@dataclass(frozen=True)
class Quantity:
    """A per-interval result a module reports, with its unit in ``name``."""

    name: str
    expr: LinExpr


KpiFunction = Callable[[Evaluation], dict[str, Any]]


@dataclass(frozen=True)
class AssetTerms:
    """What an asset contributes to the site.

    Attributes
    ----------
    net_load_mw : LinExpr
        Power drawn from the site bus per interval, + = load [MW].
    cost_usd : LinExpr
        Costs per interval other than energy (opex, wear, penalties) [USD].
    revenue_usd : LinExpr
        Revenue per interval (hashing, compute, heat) [USD].
    outputs : tuple of Quantity
        Per-interval quantities for the results table (decisions, hashrate, ...).
    kpis : callable, optional
        ``kpis(evaluation) -> dict`` of summary figures.
    capacity_mw : float, optional
        Most power the asset can draw [MW]; for a sized asset the most it can draw
        at its largest size (pre-solve checks only).
    capacity_expr_mw : LinExpr, optional
        Most power the asset can draw as a one-row expression (a constant, or the
        capacity column of a sized asset), for rows [MW].
    heat_mwth : LinExpr, optional
        Heat the asset releases per interval, available for recovery [MWth].
    cooling : str, optional
        How that heat leaves the asset (``air``, ``immersion``, ``hydro``).
    emissions_tco2 : LinExpr, optional
        Direct emissions per interval; negative for avoided emissions [tCO2].
    flex_down_mw, flex_up_mw : LinExpr, optional
        How much the asset could reduce / increase its net load in each interval
        (the headroom grid programs may sell) [MW].
    """

    net_load_mw: LinExpr
    cost_usd: LinExpr
    revenue_usd: LinExpr
    outputs: tuple[Quantity, ...] = ()
    kpis: KpiFunction | None = None
    capacity_mw: float | None = None
    capacity_expr_mw: LinExpr | None = None
    heat_mwth: LinExpr | None = None
    cooling: str | None = None
    emissions_tco2: LinExpr | None = None
    flex_down_mw: LinExpr | None = None
    flex_up_mw: LinExpr | None = None
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class SiteTerms:
    """The site as programs see it (all per interval)."""

    grid_import_mw: LinExpr
    grid_export_mw: LinExpr | None
    net_load_mw: LinExpr
    assets: Mapping[str, AssetTerms]
    kinds: Mapping[str, str]
    #: Flexibility held by the programs built before (reserves, capacity DR);
    #: empty for those programs themselves (see :mod:`grid_flex.model.headroom`).
    holdings: Holdings = field(default_factory=Holdings)


@dataclass(frozen=True)
class FlexUse:
    """Flexibility of one asset that a program has sold, per interval [MW].

    ``down_mw`` is load reduction held ready (reserves up, capacity demand response),
    ``up_mw`` load increase held ready (reserves down). The site adds, per asset,
    ``Σ_programs down_mw ≤ flex_down_mw`` and ``Σ_programs up_mw ≤ flex_up_mw``: the
    same MW is never sold twice. ``expected_down_mw`` / ``expected_up_mw`` are the
    mean power an expected deployment takes off / adds to the asset's load in each
    interval (reserves: ``deployment_frac`` × offer); programs counting energy
    (quotas, demand charges, 4CP, emissions) add it to the import. ``down_mwh`` /
    ``up_mwh`` are the energy an energy-limited asset (battery) must hold to sustain
    the reduction / increase (offer × ``min_duration_h``) [MWh]: the site sums them
    over programs and keeps them in store once per asset.
    """

    asset_id: str
    down_mw: LinExpr | None = None
    up_mw: LinExpr | None = None
    expected_down_mw: LinExpr | None = None
    expected_up_mw: LinExpr | None = None
    down_mwh: LinExpr | None = None
    up_mwh: LinExpr | None = None
    #: The program's own rows already keep these MW within the asset's headroom
    #: (e.g. DER-VET legs); when every use of an asset says so, the site writes no
    #: ``flex_*_stack`` row for it (it would duplicate them).
    within_room: bool = False


@dataclass(frozen=True)
class ProgramTerms:
    """What a grid program contributes: money per interval, results and KPIs.

    ``flex_uses`` lists the asset flexibility the program holds (see
    :class:`FlexUse`); programs that change load directly (events, limits) add their
    constraints on their own block instead, limits through
    :func:`grid_flex.model.headroom.load_ceiling` / ``import_ceiling`` so that the
    headroom held on the limited assets is limited too. A program module that holds
    flexibility sets ``HOLDS_FLEX = True``: it is built before every other program.
    """

    cost_usd: LinExpr
    revenue_usd: LinExpr
    outputs: tuple[Quantity, ...] = ()
    kpis: KpiFunction | None = None
    flex_uses: tuple[FlexUse, ...] = ()
    extra: dict[str, Any] = field(default_factory=dict)


#: Capacity units as written in messages.
UNIT_TEXT = {"mw": "MW", "mwh": "MWh", "mwth": "MWth", "mwhth": "MWhth", "ths": "TH/s"}


def size_max_field(scenario: Any, key: str, unit: str) -> str:
    """Scenario path of the largest size of capacity ``key`` (``<owner>.<name>``).

    The size block's ``max_*`` field the user set (``max_count`` or ``max_nodes``
    where given instead of MW); ``max_<unit>`` otherwise.
    """
    owner, name = key.split(".", 1)
    size: Any = None
    if owner == "site":
        site = scenario.site
        part = getattr(site, "non_firm", None) if name.startswith("non_firm") else None
        base = "site.non_firm" if part is not None else "site.size"
        size = part if part is not None else getattr(site, "size", None)
    else:
        base = f"assets.{owner}.size"
        entry = next((e for e in scenario.assets if e.id == owner), None)
        if entry is None:
            base = f"programs.{owner}.size"
            entry = next((e for e in scenario.programs if e.id == owner), None)
        if entry is not None and name.startswith("heat_pump"):
            base = f"assets.{owner}.heat_pump.size"
            entry = getattr(entry, "heat_pump", None)
        elif entry is not None and name.startswith("storage"):
            base = f"assets.{owner}.storage.size"
            entry = getattr(entry, "storage", None)
        elif entry is not None and name.endswith("_committed_mw"):
            # a reserve service's season commitment: <id>.<service>_committed_mw
            service = name.removesuffix("_committed_mw")
            for i, svc in enumerate(getattr(entry, "services", None) or []):
                if svc.name == service:
                    base = f"programs.{owner}.services[{i}].commitment"
                    size = svc.commitment
                    entry = None
        if entry is not None:
            size = getattr(entry, "size", None)
    given = (
        [
            f
            for f in type(size).model_fields
            if f.startswith("max_") and getattr(size, f) is not None
        ]
        if size is not None
        else []
    )
    own = f"max_{unit}"
    return f"{base}.{own if own in given or not given else given[0]}"


@dataclass(frozen=True)
class BuildContext:
    """What a builder gets: its block, the shared layer and the prepared inputs.

    ``built`` holds the terms of the assets built so far (by id); ``site`` is set for
    programs only.
    """

    block: Any
    layer: LinearLayer
    inputs: ModelInputs
    T: Any
    built: Mapping[str, AssetTerms] = field(default_factory=dict)
    site: SiteTerms | None = None
    capacities: dict[str, Capacity] = field(default_factory=dict)
    shared: frozenset[str] = frozenset()

    def capacity(self, key: str, spec: CapacitySpec, *, doc: str) -> Capacity:
        """The capacity ``key`` (``"<asset_id>.<name>"``): a number or a column.

        A sized spec, or a key a study shares across blocks, becomes a scalar
        column ``capacity_<name>`` on this block within the spec's bounds.
        """
        from grid_flex.model.capacity import Capacity

        if spec.sized or key in self.shared:
            lo = spec.lower if spec.sized else spec.fixed
            hi = spec.upper
            var = self.var(
                "capacity_" + key.rsplit(".", 1)[-1],
                lb=lo,
                ub=hi,
                doc=f"{doc} [{spec.unit}]",
                scalar=True,
            )
            cap = Capacity(key, spec, var)
            if spec.sized and math.isfinite(spec.max):
                # The largest size the user allows: a limit an infeasible site may
                # have to relax (explain.py names it).
                self.declare_limit(
                    var,
                    field=size_max_field(self.inputs.scenario, key, spec.unit),
                    what=f"largest size of {key}",
                    unit=UNIT_TEXT.get(spec.unit, spec.unit),
                    side="upper",
                )
        else:
            cap = Capacity(key, spec)
        self.capacities[key] = cap
        return cap

    @property
    def n(self) -> int:
        """Number of intervals."""
        return len(self.inputs.index)

    @property
    def dt_h(self) -> FloatArray:
        """Interval lengths [h]."""
        return self.inputs.timestep_h

    def var(
        self,
        name: str,
        *,
        lb: Any = 0.0,
        ub: Any = np.inf,
        doc: str,
        scalar: bool = False,
    ) -> VarArray:
        """Add a variable family on this block, indexed by T unless ``scalar``."""
        return self.layer.add_var(
            self.block, name, None if scalar else self.T, lb=lb, ub=ub, doc=doc
        )

    def constraint(
        self, name: str, expr: LinExpr, sense: Any, rhs: Any = 0.0, *, doc: str
    ) -> ConstraintArray:
        """Add a constraint family indexed by T (scalar when ``expr`` has one row)."""
        labels: Sequence[Any]
        if expr.n == self.n:
            index, labels = self.T, self.inputs.labels
        elif expr.n == 1:
            index, labels = None, ["horizon"]
        else:
            raise ValueError(f"{name}: {expr.n} rows, expected {self.n} or 1")
        return self.layer.add_constraint(
            self.block, name, index, expr, sense, rhs, doc=doc, labels=labels
        )

    def rows(
        self,
        name: str,
        expr: LinExpr,
        sense: Any,
        rhs: Any = 0.0,
        *,
        doc: str,
        labels: Sequence[Any],
    ) -> ConstraintArray:
        """Add a constraint family with its own row count, indexed 0..k−1."""
        index = self.layer.index_set(self.block, f"{name}_index", range(expr.n), doc="")
        return self.layer.add_constraint(
            self.block, name, index, expr, sense, rhs, doc=doc, labels=labels
        )

    def declare_limit(
        self,
        target: ConstraintArray | VarArray,
        *,
        field: str,
        what: str,
        unit: str,
        side: str,
    ) -> None:
        """Declare rows or variable bounds as a limit the user set.

        An infeasible site is explained by relaxing declared limits only (see
        :mod:`grid_flex.model.limits`); ``side`` is ``upper``, ``lower`` or ``both``.
        """
        from grid_flex.model.limits import UserLimit

        if isinstance(target, ConstraintArray):
            family, var, labels = target, None, target.labels
        else:
            family, var = None, target
            labels = self.inputs.labels if target.n == self.n else ["horizon"]
        self.layer.limits.append(
            UserLimit(
                field=field,
                what=what,
                unit=unit,
                side=side,  # type: ignore[arg-type]
                family=family,
                var=var,
                labels=labels,
                timezone=self.inputs.scenario.horizon.timezone,
            )
        )

    def expression(self, name: str, expr: LinExpr, *, doc: str) -> Any:
        """Expose a per-interval (or scalar) expression as a Pyomo ``Expression``."""
        index = self.T if expr.n == self.n else None
        return self.layer.add_expression(self.block, name, index, expr, doc=doc)


class AssetModule(Protocol):
    """The two functions every asset or program module provides."""

    def resolve(self, entry: Any, rctx: ResolveContext) -> Any:  # pragma: no cover
        """Turn a scenario entry into frozen parameters."""
        ...

    def build(self, ctx: BuildContext, params: Any) -> Any:  # pragma: no cover
        """Declare the module's LP on ``ctx.block`` and return its terms."""
        ...
