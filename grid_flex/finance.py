"""Pure finance functions: annuity factors, NPV, IRR/MIRR, payback, depreciation.

No Pyomo, no files, no scenario: numbers, numpy arrays and pandas objects in, numbers
and frames out, so the sizing LP and the pro forma take their coefficients from the
same code and cannot drift apart.

Conventions (see the README's "Finance conventions")
    * **Timing.** Cash flows are indexed by whole year offsets ``t = 0 .. N``. Year 0
      is the investment date and is not discounted; every later flow falls at the
      **end** of its year and is discounted by ``(1 + r)^t``.
    * **Rates** are fractions per year (0.08 = 8 %/yr) and must exceed −1 (−100 %).
    * **Undefined results** are :class:`Outcome` ``(value=None, reason=...)``, never a
      sentinel such as 0 or −1. Nothing is rounded.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy_financial as npf
import pandas as pd

from grid_flex.errors import FinanceInputError

#: Cash flows accepted by the functions here: a Series indexed by year offset, or a
#: plain sequence/array taken as years 0, 1, 2, ...
CashFlows = pd.Series | Sequence[float] | np.ndarray


@dataclass(frozen=True)
class Outcome:
    """A result that may be undefined.

    Attributes
    ----------
    value : float or None
        The result, or None when it does not exist (then ``reason`` says why).
    reason : str
        Why ``value`` is None, or a warning that qualifies a value (empty when the
        value needs no comment).
    """

    value: float | None
    reason: str = ""

    @property
    def defined(self) -> bool:
        """True when ``value`` is not None."""
        return self.value is not None


# ---- argument checks -----------------------------------------------------------------
def check_rate(name: str, rate_frac_per_yr: float) -> float:
    """Validate a rate per year: finite and above −1 (−100 %).

    Raises
    ------
    FinanceInputError
        Naming ``name`` and the value given.
    """
    r = float(rate_frac_per_yr)
    if not math.isfinite(r) or r <= -1.0:
        raise FinanceInputError(
            f"{name} = {rate_frac_per_yr!r}: a rate per year must be a finite fraction "
            "above -1 (-100 %), e.g. 0.08 for 8 %/yr"
        )
    return r


def check_life(name: str, life_yr: float) -> float:
    """Validate a life or period in years: finite and positive."""
    n = float(life_yr)
    if not math.isfinite(n) or n <= 0.0:
        raise FinanceInputError(
            f"{name} = {life_yr!r}: must be a positive number of years"
        )
    return n


def _whole_years(name: str, years: float) -> int:
    n = check_life(name, years)
    if n != int(n):
        raise FinanceInputError(f"{name} = {years!r}: must be a whole number of years")
    return int(n)


def cash_flow_array(
    cash_flow_usd: CashFlows, name: str = "cash_flow_usd"
) -> np.ndarray:
    """Cash flows as a float array on years ``0 .. N`` (missing years are 0).

    A Series must be indexed by whole, non-negative year offsets; a sequence is taken
    as years 0, 1, 2, ...

    Raises
    ------
    FinanceInputError
        Empty flows, a non-finite value (the year is named) or a bad year index.
    """
    if isinstance(cash_flow_usd, pd.Series):
        if cash_flow_usd.empty:
            raise FinanceInputError(f"{name}: no cash flows")
        try:
            years_f = np.asarray(cash_flow_usd.index, dtype=float)
        except (TypeError, ValueError) as exc:
            raise FinanceInputError(
                f"{name}: the index must be year offsets 0, 1, 2, ... "
                f"(got {cash_flow_usd.index.dtype})"
            ) from exc
        bad = ~np.isfinite(years_f) | (years_f < 0) | (years_f != np.round(years_f))
        if bad.any():
            raise FinanceInputError(
                f"{name}: year offset {cash_flow_usd.index[bad][0]} is not a whole, "
                "non-negative number of years"
            )
        years = years_f.astype(int)
        if len(np.unique(years)) != len(years):
            raise FinanceInputError(f"{name}: a year offset appears twice")
        values = cash_flow_usd.to_numpy(dtype=float)
        flows = np.zeros(int(years.max()) + 1)
        flows[years] = values
        labels = years
    else:
        flows = np.asarray(cash_flow_usd, dtype=float).ravel()
        if flows.size == 0:
            raise FinanceInputError(f"{name}: no cash flows")
        labels = np.arange(flows.size)
        values = flows
    nonfinite = ~np.isfinite(values)
    if nonfinite.any():
        raise FinanceInputError(
            f"{name}: year {labels[nonfinite][0]} is {values[nonfinite][0]}; "
            "every cash flow must be a finite number of USD"
        )
    return flows


# ---- annuity factors -----------------------------------------------------------------
def crf(rate_frac_per_yr: float, life_yr: float) -> float:
    """Capital recovery factor: the level end-of-year payment per USD of capex.

    ``CRF = r (1+r)^n / ((1+r)^n − 1)``, and ``1/n`` when ``r = 0``. Annualised
    capex [USD/yr] = CRF × capex [USD].

    Parameters
    ----------
    rate_frac_per_yr : float
        Discount rate [1/yr], above −1.
    life_yr : float
        Life or recovery period [yr], positive (need not be whole).

    Returns
    -------
    float
        The factor [1/yr].
    """
    r = check_rate("rate_frac_per_yr", rate_frac_per_yr)
    n = check_life("life_yr", life_yr)
    if r == 0.0:
        return 1.0 / n
    growth = (1.0 + r) ** n
    return float(r * growth / (growth - 1.0))


def pwf(
    rate_frac_per_yr: float,
    life_yr: int,
    escalation_frac_per_yr: float = 0.0,
    escalation_starts_yr: int = 1,
    degradation_frac_per_yr: float = 0.0,
) -> float:
    """Present-worth factor of a yearly amount over years ``1 .. n`` (end of year).

    ``Σ_{k=1..n} (1+e)^max(k − s + 1, 0) (1−g)^(k−1) / (1+d)^k``: the present value of
    an amount worth 1 USD at year-0 prices, escalated at ``e`` from year ``s`` on and
    produced by an asset that loses ``g`` of its output per year.

    * ``e = 0, g = 0``: the level-payment factor ``1/CRF = (1 − (1+d)^−n)/d``.
    * ``s = 1``: REopt's ``annuity(n, e, d)`` (escalation already in year 1).
    * ``s = 2``: REopt's ``annuity_escalation(n, e, d)`` (year 1 at today's price).

    Parameters
    ----------
    rate_frac_per_yr : float
        Discount rate ``d`` [1/yr], above −1.
    life_yr : int
        Number of years ``n`` [yr], whole and positive.
    escalation_frac_per_yr : float
        Escalation ``e`` of the amount [1/yr], above −1.
    escalation_starts_yr : int
        First escalated year ``s`` (1 or later).
    degradation_frac_per_yr : float
        Output lost per year ``g`` [1/yr], in [0, 1).

    Returns
    -------
    float
        The factor [yr]; never rounded (REopt rounds to 5 decimals).
    """
    d = check_rate("rate_frac_per_yr", rate_frac_per_yr)
    n = _whole_years("life_yr", life_yr)
    e = check_rate("escalation_frac_per_yr", escalation_frac_per_yr)
    if int(escalation_starts_yr) != escalation_starts_yr or escalation_starts_yr < 1:
        raise FinanceInputError(
            f"escalation_starts_yr = {escalation_starts_yr!r}: "
            "must be a whole year >= 1"
        )
    g = float(degradation_frac_per_yr)
    if not 0.0 <= g < 1.0:
        raise FinanceInputError(
            f"degradation_frac_per_yr = {degradation_frac_per_yr!r}: must be in [0, 1)"
        )
    k = np.arange(1, n + 1, dtype=float)
    escalated = np.maximum(k - escalation_starts_yr + 1, 0.0)
    terms = (1.0 + e) ** escalated * (1.0 - g) ** (k - 1) / (1.0 + d) ** k
    return float(terms.sum())


def levelization_factor(
    rate_frac_per_yr: float,
    life_yr: int,
    escalation_frac_per_yr: float,
    degradation_frac_per_yr: float,
) -> float:
    """REopt's production levelisation factor: degraded over undegraded present worth.

    ``pwf(d, n, e, g=g) / pwf(d, n, e)`` with escalation from year 1.
    """
    return pwf(
        rate_frac_per_yr,
        life_yr,
        escalation_frac_per_yr,
        degradation_frac_per_yr=degradation_frac_per_yr,
    ) / pwf(rate_frac_per_yr, life_yr, escalation_frac_per_yr)


def discount_factors(discount_frac_per_yr: float, years: int) -> np.ndarray:
    """``1 / (1+r)^t`` for ``t = 0 .. years`` (year 0 → 1)."""
    r = check_rate("discount_frac_per_yr", discount_frac_per_yr)
    return 1.0 / (1.0 + r) ** np.arange(int(years) + 1, dtype=float)


# ---- NPV, IRR, MIRR ------------------------------------------------------------------
def npv(cash_flow_usd: CashFlows, discount_frac_per_yr: float) -> float:
    """Net present value [USD] of end-of-year cash flows.

    ``NPV = Σ_t CF_t / (1+r)^t``: year 0 undiscounted, each later flow at the end of
    its year.

    Parameters
    ----------
    cash_flow_usd : Series or sequence
        Cash flows [USD] indexed by year offset (0 = investment date).
    discount_frac_per_yr : float
        Discount rate [1/yr], above −1.
    """
    r = check_rate("discount_frac_per_yr", discount_frac_per_yr)
    flows = cash_flow_array(cash_flow_usd)
    return float(npf.npv(r, flows))


def sign_changes(cash_flow_usd: CashFlows) -> int:
    """Number of sign changes in the cash flows, zeros skipped (Descartes' bound)."""
    flows = cash_flow_array(cash_flow_usd)
    signs = np.sign(flows[flows != 0.0])
    return int(np.count_nonzero(signs[1:] != signs[:-1]))


def irr_roots(cash_flow_usd: CashFlows) -> list[float]:
    """Every real rate above −1 at which the NPV is zero, ascending [1/yr].

    The roots of ``Σ CF_t x^t`` in ``x = 1/(1+r) > 0`` (numpy's companion-matrix
    solver).
    """
    flows = cash_flow_array(cash_flow_usd)
    if not np.any(flows):
        return []
    # np.roots wants the highest power first: CF_N x^N + ... + CF_0.
    roots = np.roots(flows[::-1])
    scale = max(1.0, float(np.max(np.abs(roots)))) if roots.size else 1.0
    real = roots[np.abs(roots.imag) <= 1e-9 * scale].real
    real = real[real > 0.0]
    return sorted({float(1.0 / x - 1.0) for x in real})


def irr(cash_flow_usd: CashFlows) -> Outcome:
    """Internal rate of return [1/yr], defined only for one sign change.

    Flows with exactly one sign change have exactly one IRR above −100 %. With none
    there is no IRR; with two or more there may be several (or none), so no value is
    given and the reason lists the roots found and points to :func:`mirr`.

    Parameters
    ----------
    cash_flow_usd : Series or sequence
        Cash flows [USD] indexed by year offset.

    Returns
    -------
    Outcome
        The rate [1/yr], or None with the reason.
    """
    flows = cash_flow_array(cash_flow_usd)
    changes = sign_changes(flows)
    if changes == 0:
        kind = "zero" if not np.any(flows) else "of one sign"
        return Outcome(
            None, f"all cash flows are {kind}: no rate makes the NPV zero, so no IRR"
        )
    if changes > 1:
        roots = irr_roots(flows)
        found = (
            "roots at " + ", ".join(f"{100 * x:.4g} %" for x in roots)
            if roots
            else "no real root"
        )
        return Outcome(
            None,
            f"{changes} sign changes: IRR not unique ({found}); use mirr",
        )
    value = float(npf.irr(flows))
    if not math.isfinite(value):  # pragma: no cover - one sign change has a root
        return Outcome(None, "the IRR root finder found no real root")
    return Outcome(value)


def mirr(
    cash_flow_usd: CashFlows,
    finance_frac_per_yr: float,
    reinvest_frac_per_yr: float,
) -> Outcome:
    """Modified internal rate of return [1/yr].

    ``MIRR = (FV_N(positive flows at the reinvestment rate) /
    −PV_0(negative flows at the finance rate))^(1/N) − 1``, N = last year offset.

    Parameters
    ----------
    cash_flow_usd : Series or sequence
        Cash flows [USD] indexed by year offset.
    finance_frac_per_yr : float
        Rate at which outflows are financed [1/yr].
    reinvest_frac_per_yr : float
        Rate at which inflows are reinvested [1/yr].

    Returns
    -------
    Outcome
        The rate, or None when the flows lack an inflow or an outflow.
    """
    fin = check_rate("finance_frac_per_yr", finance_frac_per_yr)
    rei = check_rate("reinvest_frac_per_yr", reinvest_frac_per_yr)
    flows = cash_flow_array(cash_flow_usd)
    if flows.size < 2:
        return Outcome(None, "MIRR needs at least two years of cash flows")
    if not np.any(flows > 0):
        return Outcome(None, "no positive cash flow: nothing is ever earned, no MIRR")
    if not np.any(flows < 0):
        return Outcome(None, "no negative cash flow: nothing is invested, no MIRR")
    return Outcome(float(npf.mirr(flows, fin, rei)))


# ---- payback -------------------------------------------------------------------------
def payback_yr(cash_flow_usd: CashFlows, discount_frac_per_yr: float = 0.0) -> Outcome:
    """Payback period [yr], interpolated within the year it is reached.

    Simple payback with ``discount_frac_per_yr = 0``; discounted payback otherwise
    (on ``CF_t / (1+r)^t``). With ``C_t`` the cumulative and ``t`` the first year with
    ``C_t ≥ 0``: ``payback = t − 1 + (−C_{t−1}) / CF_t``.

    Returns
    -------
    Outcome
        * None with a reason when the cumulative never becomes non-negative, or when
          it does but is negative again at the end (e.g. after a replacement).
        * The last crossing, with a warning in ``reason``, when the cumulative dips
          below zero after the first payback and recovers.
        * None when nothing is invested (the cumulative is never negative).
    """
    flows = cash_flow_array(cash_flow_usd)
    factors = discount_factors(discount_frac_per_yr, flows.size - 1)
    disc = flows * factors
    cum = np.cumsum(disc)
    kind = "discounted cumulative" if discount_frac_per_yr else "cumulative"
    negative = cum < 0.0
    if not negative.any():
        return Outcome(
            None, f"the {kind} cash flow is never negative: nothing to pay back"
        )
    n = flows.size - 1

    def crossing(t: int) -> float:
        return float(t - 1 + (-cum[t - 1]) / disc[t])

    # years t ≥ 1 where the cumulative goes from negative to non-negative
    ups = [t for t in range(1, n + 1) if cum[t - 1] < 0.0 <= cum[t]]
    if not ups:
        return Outcome(
            None,
            f"never paid back within {n} yr ({kind} at year {n}: {cum[-1]:,.2f} USD)",
        )
    first = ups[0]
    if negative[-1]:
        again = next(t for t in range(first, n + 1) if cum[t] < 0.0)
        return Outcome(
            None,
            f"the {kind} cash flow reaches 0 at {crossing(first):.3f} yr but is "
            f"negative again from year {again} to the end (year {n}): not paid back",
        )
    last = ups[-1]
    if last != first:
        again = next(t for t in range(first, n + 1) if cum[t] < 0.0)
        return Outcome(
            crossing(last),
            f"the {kind} cash flow first reached 0 at {crossing(first):.3f} yr, turned "
            f"negative again in year {again}; payback given at the last crossing",
        )
    return Outcome(crossing(first))
