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
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import ArrayLike

from grid_flex.model.linear import ConstraintArray, IntArray, LinExpr

if TYPE_CHECKING:
    from grid_flex.model.terms import BuildContext, ProgramTerms, SiteTerms


@dataclass(frozen=True)
class Holdings:
    """Flexibility the holding programs sold, per asset, and its expected deployment.

    Attributes
    ----------
    increase_mw, reduction_mw : mapping of asset id to LinExpr
        Σ over programs of the load increase (reg-down) / reduction (reg-up,
        capacity DR) held on each asset per interval [MW].
    expected_increase_mw, expected_reduction_mw : LinExpr or None
        Site totals of the expected deployed load increase / reduction, the mean
        power over each interval (``deployment_frac`` × offer) [MW].
    """

    increase_mw: Mapping[str, LinExpr] = field(default_factory=dict)
    reduction_mw: Mapping[str, LinExpr] = field(default_factory=dict)
    expected_increase_mw: LinExpr | None = None
    expected_reduction_mw: LinExpr | None = None

    def increase_on(self, asset_ids: Sequence[str]) -> LinExpr | None:
        """Σ of the load increase held on ``asset_ids`` (None when none is) [MW]."""
        held = [self.increase_mw[a] for a in asset_ids if a in self.increase_mw]
        return _total(held)

    @property
    def any_increase(self) -> LinExpr | None:
        """Σ over every asset of the load increase held (None when none is) [MW]."""
        return _total(list(self.increase_mw.values()))


def _with(doc: str, note: str) -> str:
    """``doc`` with ``(note)`` inserted before a trailing unit such as ``[MW]``."""
    head, sep, unit = doc.rpartition(" [")
    if sep and unit.endswith("]"):
        return f"{head} ({note}) [{unit}"
    return f"{doc} ({note})"


def _total(exprs: Sequence[LinExpr]) -> LinExpr | None:
    if not exprs:
        return None
    total = exprs[0]
    for e in exprs[1:]:
        total = total + e
    return total


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
            t = _total(v)
            assert t is not None
            out[k] = t
        return out

    return Holdings(totals(inc), totals(red), _total(exp_inc), _total(exp_red))


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
