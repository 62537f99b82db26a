"""Fixed-price power contract: a block of energy at a fixed price (domain.md §2.5).

The site buys a block ``B[t]`` MW (``block_mw`` in the contract's windows, 0
outside) at the fixed price ``F``; it keeps buying its imports at spot ``p[t]``, and
the contract settles the difference, as a swap.

With sell-back (``sell_back_unused: true``, the default) contracted energy the site
does not use is sold back at spot, which is the same as the contract paying
``(p − F) · B · Δt`` whatever the site draws::

    cost[t]    = F · B[t] · Δt[t]        fixed payments                     [USD]
    revenue[t] = p[t] · B[t] · Δt[t]     the block valued at spot            [USD]

No variable is added: the contract does not change the dispatch, since the opportunity
cost of a contracted MWh is the spot price. A fleet worth ``V`` per MWh runs when
``p < V``; when it curtails, the unused block earns ``p − F`` ("power credits"). On a
site whose fleets use the block when they run, the profit per contracted MWh is
``max(V, p) − F``.

Without sell-back, unused contracted energy is forfeited::

    0 ≤ c[t] ≤ B[t],   c[t] ≤ import[t]  energy taken under the contract     [MW]
    cost[t]    = F · B[t] · Δt[t]                                           [USD]
    revenue[t] = p[t] · c[t] · Δt[t]     spot refunded on covered imports   [USD]

so the site pays ``F · B`` plus spot on ``import − c``. For ``p ≥ 0`` the optimum has
``c = min(B, import)``. Where ``p < 0`` the LP would rather not count covered energy,
so there ``c = B`` is fixed and ``c ≤ import`` dropped: exact whenever the site draws
at least the block (it does at a negative price unless another limit stops it),
conservative otherwise (the unused part is then charged the negative price).

The block can be a decision (``size: {min_mw, max_mw}`` instead of ``block_mw``): a
capacity ``contract_id.block_mw`` (:mod:`grid_flex.model.capacity`) that a feasibility
or risk study shares across its operating blocks and scenarios, a hedge bought ahead.
``B[t]`` is then ``on[t] · C`` (``on`` = 1 in the windows), both money terms stay
linear in ``C``, and without sell-back ``c ≤ on · C`` (``c = on · C`` where ``p < 0``)
become rows. A sized block hedges the site's consumption, so it is held to what the
site can draw: ``C ≤ Σ_a capacity_a`` (each asset's most draw, linear in sized
capacities) and ``C ≤`` the connection's import limit in the windows. The hedge has
no capex; ``premium_usd_per_mw_yr`` is booked as its
fixed O&M.

KPIs: ``contracted_mwh`` (Σ B·Δt), ``used_mwh`` (Σ min(import, B)·Δt: contracted
energy the site consumed), ``unused_mwh``, ``fixed_payments_usd`` (Σ F·B·Δt),
``power_credits_usd`` (with sell-back: Σ (p − F) · unused · Δt, what selling the
unused block back earned over its fixed price, as Riot reports it),
``sell_back_revenue_usd`` (Σ p · unused · Δt), ``forfeited_mwh`` (without
sell-back), ``settlement_usd`` (revenue − cost: what the contract paid the site net),
``curtailed_h`` (hours with unused contracted energy) and
``energy_price_after_contract_usd_per_mwh`` (spot cost of imports minus the
settlement, per MWh imported; adders excluded).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from grid_flex.model.capacity import CapacitySpec
from grid_flex.model.linear import FloatArray
from grid_flex.model.terms import (
    BuildContext,
    Evaluation,
    ProgramTerms,
    Quantity,
    ResolveContext,
)
from grid_flex.programs._paths import field_path
from grid_flex.programs.windows import window_mask
from grid_flex.schema.contracts import FixedPriceContractEntry

TYPE = "fixed_price_contract"

#: Contracted energy counts as unused above this share of the block.
UNUSED_RTOL = 1e-6


@dataclass(frozen=True)
class ContractParams:
    """Resolved parameters of one fixed-price contract."""

    id: str
    on_frac: FloatArray  # per interval: 1 inside the contract's windows, else 0
    block: CapacitySpec  # the block [MW]: a number, or sized (a first-stage hedge)
    fixed_price_usd_per_mwh: float
    sell_back_unused: bool


def block_spec(entry: FixedPriceContractEntry) -> CapacitySpec:
    """The block as a capacity: ``block_mw``, or chosen within ``size``."""
    if entry.size is None:
        assert entry.block_mw is not None
        return CapacitySpec.of(entry.block_mw, "mw")
    return CapacitySpec(
        unit="mw",
        min=entry.size.min_mw,
        max=entry.size.max_mw,
        life_yr=1.0,
        fixed_om_usd_per_unit_yr=entry.size.premium_usd_per_mw_yr,
    )


def resolve(entry: FixedPriceContractEntry, rctx: ResolveContext) -> ContractParams:
    """Scenario entry → :class:`ContractParams`: the block per interval."""
    n = len(rctx.index)
    if entry.windows is None:
        mask = np.ones(n, dtype=bool)
    else:
        mask = window_mask(entry.windows, rctx, field=field_path(entry.id, "windows"))
    return ContractParams(
        id=entry.id,
        on_frac=mask.astype(float),
        block=block_spec(entry),
        fixed_price_usd_per_mwh=entry.fixed_price_usd_per_mwh,
        sell_back_unused=entry.sell_back_unused,
    )


def build(ctx: BuildContext, params: ContractParams) -> ProgramTerms:
    """Declare the contract's money (and its covered energy without sell-back)."""
    site = ctx.site
    assert site is not None, "programs are built with the site's terms"
    dt = ctx.dt_h
    who = f"fixed-price contract {params.id}"
    spot = ctx.inputs.price_usd_per_mwh
    on = params.on_frac
    cap = ctx.capacity(
        f"{params.id}.block_mw", params.block, doc=f"{who}: contracted block (size)"
    )
    block_expr = cap.rows(ctx.n, on)  # B[t] = on[t] · C  [MW]
    if cap.is_variable:
        _within_site_draw(ctx, params, cap, who)
    fixed = params.fixed_price_usd_per_mwh
    cost = block_expr * (fixed * dt)
    outputs = [Quantity("block_mw", block_expr)]
    if params.sell_back_unused:
        covered = block_expr
    else:
        negative = spot < 0
        var = ctx.var(
            "covered_mw",
            lb=np.where(negative, cap.lb(on), 0.0),
            ub=cap.ub(on),
            doc=f"{who}: imports covered by the contracted block, ≤ block_mw "
            "(the whole block where the spot price is negative) [MW]",
        )
        covered = var.expr
        cap.limit(
            ctx,
            "covered_within_block",
            covered,
            share=on,
            doc=f"{who}: covered imports ≤ the contracted block [MW]",
        )
        neg = np.flatnonzero(negative & (on > 0))
        if cap.is_variable and len(neg):
            ctx.rows(
                "covered_whole_block",
                covered.take(neg) - cap.rows(len(neg), on[neg]),
                ">=",
                0.0,
                doc=f"{who}: the whole block is covered where the spot price is "
                "negative [MW]",
                labels=list(ctx.inputs.index[neg]),
            )
        rows = np.flatnonzero(~negative & (on > 0))
        if len(rows):
            ctx.rows(
                "covered_within_import",
                covered.take(rows) - site.grid_import_mw.take(rows),
                "<=",
                0.0,
                doc=f"{who}: contracted energy taken ≤ grid import "
                f"(programs.{params.id}.sell_back_unused is false: the rest of "
                "the block is forfeited) [MW]",
                labels=list(ctx.inputs.index[rows]),
            )
        outputs += [
            Quantity("covered_mw", covered),
            Quantity("forfeited_mw", block_expr - covered),
        ]
    revenue = covered * (spot * dt)

    def kpis(ev: Evaluation) -> dict[str, Any]:
        block = on * ev.capacity(cap)
        imp = ev.values["grid_import_mw"]
        used = np.minimum(np.maximum(imp, 0.0), block)
        unused = block - used
        contracted = float(block @ dt)
        used_mwh = float(used @ dt)
        settlement = float(ev.values["revenue_usd"].sum() - ev.values["cost_usd"].sum())
        bought = float(imp @ dt)
        spot_cost = float((spot * imp) @ dt)
        sells = params.sell_back_unused
        return {
            "block_mw": float(block.max()),
            "fixed_price_usd_per_mwh": fixed,
            "sell_back_unused": sells,
            "contracted_mwh": contracted,
            "used_mwh": used_mwh,
            "unused_mwh": contracted - used_mwh,
            "fixed_payments_usd": float(ev.values["cost_usd"].sum()),
            "power_credits_usd": float(((spot - fixed) * unused) @ dt)
            if sells
            else 0.0,
            "sell_back_revenue_usd": float((spot * unused) @ dt) if sells else 0.0,
            "forfeited_mwh": 0.0 if sells else contracted - used_mwh,
            "settlement_usd": settlement,
            "curtailed_h": float(dt[unused > UNUSED_RTOL * block].sum()),
            "energy_price_after_contract_usd_per_mwh": (spot_cost - settlement) / bought
            if bought > 0
            else float("nan"),
        }

    return ProgramTerms(
        cost_usd=cost,
        revenue_usd=revenue,
        outputs=tuple(outputs),
        kpis=kpis,
    )


def _within_site_draw(
    ctx: BuildContext, params: ContractParams, cap: Any, who: str
) -> None:
    """A sized block is a hedge of the site's consumption: ``C ≤ its most draw``.

    ``C ≤ Σ_a capacity_a`` (each asset's most draw, a column for a sized asset) and
    ``C ≤ min import limit`` over the contract's windows: a risk-averse design
    cannot buy a block larger than anything the site can draw (a speculative swap).
    """
    site = ctx.site
    assert site is not None
    exprs = [t.capacity_expr_mw for t in site.assets.values()]
    on = params.on_frac > 0
    limit = float(np.min(ctx.inputs.import_limit_mw[on])) if on.any() else 0.0
    where = field_path(params.id, "size.max_mw")
    if all(e is not None for e in exprs):
        total = cap.expr
        for e in exprs:
            assert e is not None
            total = total - e
        ctx.constraint(
            "block_within_load",
            total,
            "<=",
            0.0,
            doc=f"{who}: contracted block ≤ the site's assets' most draw "
            f"({where}: a hedge of consumption) [MW]",
        )
    ctx.constraint(
        "block_within_connection",
        cap.expr,
        "<=",
        limit,
        doc=f"{who}: contracted block ≤ the connection's import limit in its "
        f"windows ({where}) [MW]",
    )
