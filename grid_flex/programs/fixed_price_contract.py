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

from grid_flex.model.linear import FloatArray, LinExpr
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
    block_mw: FloatArray  # per interval, 0 outside the contract's windows
    fixed_price_usd_per_mwh: float
    sell_back_unused: bool


def resolve(entry: FixedPriceContractEntry, rctx: ResolveContext) -> ContractParams:
    """Scenario entry → :class:`ContractParams`: the block per interval."""
    n = len(rctx.index)
    if entry.windows is None:
        mask = np.ones(n, dtype=bool)
    else:
        mask = window_mask(entry.windows, rctx, field=field_path(entry.id, "windows"))
    return ContractParams(
        id=entry.id,
        block_mw=np.where(mask, entry.block_mw, 0.0),
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
    block = params.block_mw
    fixed = params.fixed_price_usd_per_mwh
    cost = LinExpr.constant(fixed * block * dt)
    outputs = [Quantity("block_mw", LinExpr.constant(block))]
    if params.sell_back_unused:
        covered = LinExpr.constant(block)
    else:
        negative = spot < 0
        var = ctx.var(
            "covered_mw",
            lb=np.where(negative, block, 0.0),
            ub=block,
            doc=f"{who}: imports covered by the contracted block, ≤ block_mw "
            "(the whole block where the spot price is negative) [MW]",
        )
        covered = var.expr
        rows = np.flatnonzero(~negative & (block > 0))
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
            Quantity("forfeited_mw", LinExpr.constant(block) - covered),
        ]
    revenue = covered * (spot * dt)

    def kpis(ev: Evaluation) -> dict[str, Any]:
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
