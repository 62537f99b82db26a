"""Headroom held for grid programs, and the limits it must respect.

Programs that *hold* flexibility (reserves, capacity demand response) are built
first and return :class:`~grid_flex.model.terms.FlexUse` entries; the site collects
them in a :class:`Holdings` and hands it to every later program in
``ctx.site.holdings``. Programs that *limit* load or import then declare their
limit once, through :func:`load_ceiling` or :func:`import_ceiling`, and the headroom
rows derive from it:

* a limit on assets ``A`` in intervals ``R`` (a mining ban, an emergency ceiling,
  a battery kept from charging) is written ::

      Σ_{a∈A} net_load_a[t] + Σ_{a∈A} held_increase_a[t] ≤ ceiling[t]     t ∈ R

  so load increase sold (reg-down) on those assets fits under the limit even when
  fully deployed: a banned fleet at 0 MW can sell no reg-down in banned hours;
* a cap on the site's import is written ``import[t] + Σ_a held_increase_a[t] ≤
  cap[t]`` (with export allowed: ``import − export + Σ held ≤ cap`` beside
  ``import ≤ cap``, as a deployed increase first eats into the export).

Load *reduction* held (reg-up, capacity DR) needs no such row: a ceiling on load
never forbids a reduction.

The expected energy that reserves deploy (``deployment_frac`` × offer) changes the
site's import: :func:`expected_import_mw` is what energy-counting programs read.
Quotas and demand-charge peaks count the expected increase only (a limit or a peak
must hold whether or not a reduction is called: expected reductions are not
credited); emissions and the 4CP expected tag are expectations and count both.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import ArrayLike

from grid_flex.model.holdings import Holdings, total_of
from grid_flex.model.linear import ConstraintArray, IntArray, LinExpr

if TYPE_CHECKING:
    from grid_flex.model.terms import AssetTerms, BuildContext, ProgramTerms, SiteTerms

#: Keys an energy-limited asset puts in ``AssetTerms.extra``.
SOC_KEYS = (
    "soc_mwh",
    "soc_initial_mwh",
    "soc_min_mwh",
    "soc_max_mwh",
    "charge_eff_frac",
    "discharge_eff_frac",
)


def _with(doc: str, note: str) -> str:
    """``doc`` with ``(note)`` inserted before a trailing unit such as ``[MW]``."""
    head, sep, unit = doc.rpartition(" [")
    if sep and unit.endswith("]"):
        return f"{head} ({note}) [{unit}"
    return f"{doc} ({note})"


def collect(programs: Mapping[str, ProgramTerms]) -> Holdings:
    """The :class:`Holdings` of the programs built so far (their ``flex_uses``)."""
    inc: dict[str, list[LinExpr]] = {}
    red: dict[str, list[LinExpr]] = {}
    exp_inc: list[LinExpr] = []
    exp_red: list[LinExpr] = []
    for terms in programs.values():
        for use in terms.flex_uses:
            if use.up_mw is not None:
                inc.setdefault(use.asset_id, []).append(use.up_mw)
            if use.down_mw is not None:
                red.setdefault(use.asset_id, []).append(use.down_mw)
            if use.expected_up_mw is not None:
                exp_inc.append(use.expected_up_mw)
            if use.expected_down_mw is not None:
                exp_red.append(use.expected_down_mw)

    def totals(d: dict[str, list[LinExpr]]) -> dict[str, LinExpr]:
        out = {}
        for k, v in d.items():
            t = total_of(v)
            assert t is not None
            out[k] = t
        return out

    return Holdings(totals(inc), totals(red), total_of(exp_inc), total_of(exp_red))


def expected_import_mw(site: SiteTerms, *, credit_reductions: bool) -> LinExpr:
    """Grid import plus the expected deployment of reserves [MW].

    ``import + expected increase`` and, with ``credit_reductions``, ``− expected
    reduction`` (mean power over each interval).
    """
    imp = site.grid_import_mw
    h = site.holdings
    if h.expected_increase_mw is not None:
        imp = imp + h.expected_increase_mw
    if credit_reductions and h.expected_reduction_mw is not None:
        imp = imp - h.expected_reduction_mw
    return imp


def load_ceiling(
    ctx: BuildContext,
    name: str,
    asset_ids: Sequence[str],
    rows: IntArray,
    ceiling_mw: ArrayLike | LinExpr,
    *,
    doc: str,
    labels: Sequence[Any],
) -> ConstraintArray:
    """``Σ_a net_load_a + Σ_a held increase_a ≤ ceiling`` in intervals ``rows``.

    The one way a program limits the load of some assets: the load increase other
    programs hold on them (reg-down) counts against the same ceiling. The ceiling
    is numbers, or one expression row per interval in ``rows`` (sized capacities).
    """
    site = ctx.site
    assert site is not None, "limits are declared by programs"
    load = site.assets[asset_ids[0]].net_load_mw
    for aid in asset_ids[1:]:
        load = load + site.assets[aid].net_load_mw
    held = site.holdings.increase_on(asset_ids)
    if held is not None:
        load = load + held
        doc = _with(doc, "+ load increase held for grid programs on these assets")
    if isinstance(ceiling_mw, LinExpr):
        return ctx.rows(
            name, load.take(rows) - ceiling_mw, "<=", 0.0, doc=doc, labels=labels
        )
    return ctx.rows(name, load.take(rows), "<=", ceiling_mw, doc=doc, labels=labels)


def import_ceiling(
    ctx: BuildContext,
    name: str,
    rows: IntArray,
    cap_mw: ArrayLike,
    *,
    doc: str,
    labels: Sequence[Any],
) -> ConstraintArray:
    """``import ≤ cap`` in ``rows``, with the load increase held deliverable under it.

    Without export: one row ``import + Σ held increase ≤ cap``. With export a
    deployed increase first reduces the export, so ``import − export + Σ held ≤
    cap`` is added beside ``import ≤ cap`` (the family returned).
    """
    site = ctx.site
    assert site is not None, "limits are declared by programs"
    imp = site.grid_import_mw
    held = site.holdings.any_increase
    cap = np.asarray(cap_mw, dtype=float)
    if held is None:
        return ctx.rows(name, imp.take(rows), "<=", cap, doc=doc, labels=labels)
    held_doc = "+ load increase held for grid programs"
    if site.grid_export_mw is None:
        return ctx.rows(
            name,
            (imp + held).take(rows),
            "<=",
            cap,
            doc=_with(doc, held_doc),
            labels=labels,
        )
    family = ctx.rows(name, imp.take(rows), "<=", cap, doc=doc, labels=labels)
    ctx.rows(
        f"{name}_headroom",
        (imp - site.grid_export_mw + held).take(rows),
        "<=",
        cap,
        doc=_with(doc, f"− export {held_doc}"),
        labels=labels,
    )
    return family


def hold_energy(
    ctx: BuildContext,
    name: str,
    soc: Mapping[str, Any],
    up_mwh: LinExpr | None,
    down_mwh: LinExpr | None,
    *,
    who: str,
) -> None:
    """Keep the energy of up / down commitments in a store at both interval ends.

    ``up_mwh`` is energy to deliver to the grid (drawn as ``up / η_d`` from the
    store), ``down_mwh`` energy to absorb (stored as ``down · η_c``) [MWh].
    """
    n = ctx.n
    end: LinExpr = soc["soc_mwh"]
    start = LinExpr.stack(soc["soc_initial_mwh"], end.take(np.arange(n - 1)))
    lo, hi = _level(soc["soc_min_mwh"], n), _level(soc["soc_max_mwh"], n)
    for at, level in (("start", start), ("end", end)):
        if up_mwh is not None:
            ctx.constraint(
                f"{name}_up_energy_{at}",
                level - up_mwh * (1.0 / float(soc["discharge_eff_frac"])) - lo,
                ">=",
                0.0,
                doc=f"{who}: energy stored at the interval {at} ≥ soc_min + the "
                "energy of the up commitments for min_duration_h / η_d [MWh]",
            )
        if down_mwh is not None:
            ctx.constraint(
                f"{name}_down_energy_{at}",
                level + down_mwh * float(soc["charge_eff_frac"]) - hi,
                "<=",
                0.0,
                doc=f"{who}: energy stored at the interval {at} + the energy of the "
                "down commitments for min_duration_h × η_c ≤ soc_max [MWh]",
            )


def _level(value: Any, n: int) -> LinExpr:
    """A SOC limit on ``n`` rows: a number, or a sized store's one-row expression."""
    if isinstance(value, LinExpr):
        return value.take(np.zeros(n, dtype=np.int64))
    return LinExpr.constant(float(value), n)


def soc_terms(terms: AssetTerms) -> dict[str, Any] | None:
    """The state-of-charge entries of an energy-limited asset (None for loads)."""
    if "soc_mwh" not in terms.extra:
        return None
    missing = [k for k in SOC_KEYS if k not in terms.extra]
    if missing:
        raise ValueError(f"AssetTerms.extra has soc_mwh but lacks {missing}")
    return {k: terms.extra[k] for k in SOC_KEYS}
