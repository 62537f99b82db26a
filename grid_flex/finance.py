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
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Literal

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


# ---- argument checks ---------------------------------------------------------------
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


# ---- annuity factors ---------------------------------------------------------------
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


def escalation_factors(
    escalation_frac_per_yr: float, years: int, escalation_starts_yr: int = 1
) -> np.ndarray:
    """``(1+e)^max(t − s + 1, 0)`` for ``t = 0 .. years``: year-t price per USD today.

    With ``s = 1`` year 1 is already escalated once (REopt ``annuity``); with
    ``s = 2`` year 1 is at today's price (REopt ``annuity_escalation``), matching
    :func:`pwf`.
    """
    e = check_rate("escalation_frac_per_yr", escalation_frac_per_yr)
    if int(escalation_starts_yr) != escalation_starts_yr or escalation_starts_yr < 1:
        raise FinanceInputError(
            f"escalation_starts_yr = {escalation_starts_yr!r}: "
            "must be a whole year >= 1"
        )
    t = np.arange(int(years) + 1, dtype=float)
    return np.asarray((1.0 + e) ** np.maximum(t - escalation_starts_yr + 1, 0.0))


def discount_factors(discount_frac_per_yr: float, years: int) -> np.ndarray:
    """``1 / (1+r)^t`` for ``t = 0 .. years`` (year 0 → 1)."""
    r = check_rate("discount_frac_per_yr", discount_frac_per_yr)
    return 1.0 / (1.0 + r) ** np.arange(int(years) + 1, dtype=float)


# ---- NPV, IRR, MIRR ----------------------------------------------------------------
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


# ---- payback -----------------------------------------------------------------------
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


# ---- depreciation ------------------------------------------------------------------
#: MACRS percentages per recovery year (year 1 = the tax year the asset is placed in
#: service), IRS Publication 946: 200 % declining balance, half-year convention
#: (Table A-1) and mid-quarter convention, placed in service in Q4 (Table A-5).
MACRS_TABLES: dict[str, tuple[float, ...]] = {
    "5yr_hy": (0.20, 0.32, 0.192, 0.1152, 0.1152, 0.0576),
    "7yr_hy": (0.1429, 0.2449, 0.1749, 0.1249, 0.0893, 0.0892, 0.0893, 0.0446),
    "5yr_mq4": (0.05, 0.38, 0.228, 0.1368, 0.1094, 0.0958),
    "none": (),
}


def _check_frac(name: str, value: float) -> float:
    v = float(value)
    if not 0.0 <= v <= 1.0:
        raise FinanceInputError(f"{name} = {value!r}: must be a fraction in [0, 1]")
    return v


def depreciable_basis_usd(
    cost_usd: float, itc_frac: float = 0.0, itc_basis_reduction_frac: float = 0.5
) -> float:
    """Depreciable basis [USD]: cost less a share of the investment tax credit.

    ``basis = cost × (1 − itc_basis_reduction_frac × itc_frac)`` (US: half the ITC,
    IRC §50(c)(3); REopt ``macrs_itc_reduction``).
    """
    itc = _check_frac("itc_frac", itc_frac)
    red = _check_frac("itc_basis_reduction_frac", itc_basis_reduction_frac)
    return float(cost_usd) * (1.0 - red * itc)


def macrs_usd(
    basis_usd: float, macrs: str = "5yr_hy", bonus_frac: float = 0.0
) -> pd.Series:
    """Tax depreciation [USD] by recovery year 1, 2, ... of one asset.

    Bonus depreciation takes ``bonus_frac`` of the basis in year 1; the rest follows
    the MACRS table.

    Parameters
    ----------
    basis_usd : float
        Depreciable basis [USD] (after any ITC reduction, see
        :func:`depreciable_basis_usd`).
    macrs : str
        A key of :data:`MACRS_TABLES`: ``5yr_hy``, ``7yr_hy``, ``5yr_mq4`` or
        ``none``.
    bonus_frac : float
        Bonus depreciation share of the basis [0-1], taken in year 1.

    Returns
    -------
    pandas.Series
        Depreciation [USD] indexed by recovery year (1 = year placed in service);
        sums to the basis (empty for ``none``).
    """
    if macrs not in MACRS_TABLES:
        raise FinanceInputError(
            f"macrs = {macrs!r}: expected one of {', '.join(MACRS_TABLES)}"
        )
    bonus = _check_frac("bonus_frac", bonus_frac)
    table = np.asarray(MACRS_TABLES[macrs], dtype=float)
    if table.size == 0:
        return pd.Series([], index=pd.Index([], dtype=int, name="recovery_yr"))
    amounts = float(basis_usd) * (1.0 - bonus) * table
    amounts[0] += float(basis_usd) * bonus
    return pd.Series(
        amounts, index=pd.RangeIndex(1, table.size + 1, name="recovery_yr")
    )


# ---- salvage and replacement -------------------------------------------------------
def linear_salvage_usd(cost_usd: float, life_yr: float, age_yr: float) -> float:
    """Linear salvage value [USD]: cost × remaining life / life (DER-VET).

    Zero once ``age_yr ≥ life_yr``; the full cost at age 0.
    """
    life = check_life("life_yr", life_yr)
    age = float(age_yr)
    if age < 0:
        raise FinanceInputError(f"age_yr = {age_yr!r}: must be >= 0")
    return float(cost_usd) * max(life - age, 0.0) / life


def replacement_years(install_yr: int, life_yr: int, analysis_yr: int) -> list[int]:
    """Years in which hardware installed at ``install_yr`` is bought again.

    Hardware bought at the end of year ``y`` serves years ``y+1 .. y+L``; it is
    replaced at ``y + k·L`` while that is before the last year ``N`` (hardware
    whose life ends exactly at ``N`` is not replaced).
    """
    life = _whole_years("life_yr", life_yr)
    n = _whole_years("analysis_yr", analysis_yr)
    return list(range(int(install_yr) + life, n, life))


#: Columns of the capex table taken by :func:`proforma`.
CAPEX_COLUMNS: dict[str, str] = {
    "year": "year offset of the purchase (0 = investment date) [yr]",
    "amount_usd": "purchase cost [USD], positive",
    "life_yr": "useful life [yr], whole years (with_replacements books others)",
    "macrs": f"tax depreciation table ({', '.join(MACRS_TABLES)}); default 5yr_hy",
    "bonus_frac": "bonus depreciation share [0-1]; default 0",
    "itc_frac": "investment tax credit share [0-1]; default 0",
    "salvage_usd": "value at the end of the analysis [USD]; default linear",
    "name": "label used in messages",
    "replacement": "True for a row added by with_replacements",
}


def with_replacements(
    capex: pd.DataFrame,
    analysis_yr: int,
    cost_change_frac_per_yr: float = 0.0,
    *,
    salvage: Salvage = "linear",
) -> pd.DataFrame:
    """The capex table plus a row for every replacement inside the analysis period.

    A replacement copies its row at year ``y + k·L`` (see :func:`replacement_years`)
    with the amount scaled by ``(1 + c)^(k·L)`` (``c < 0``: hardware gets cheaper).
    Adds a boolean ``replacement`` column.

    A life that is not a whole number of years (at least 1) is modelled on its true
    times: hardware bought at ``y`` is bought again at ``t_k = y + k·L`` while
    ``t_k < N``; each purchase is booked at the end of the year it falls in
    (``ceil(t_k)``, like every flow of the pro forma), its ``life_yr`` becomes the
    whole years it is booked in service (``ceil(t_k + L) − ceil(t_k)``, for
    depreciation), and the one still in service at ``N`` gets ``salvage_usd`` on its
    true age: ``amount × (L − (N − t_k)) / L`` (``salvage="linear"``) or 0
    (``"none"``), unless the row gives one.
    """
    c = check_rate("cost_change_frac_per_yr", cost_change_frac_per_yr)
    rows = []
    for _, row in capex.iterrows():
        first: dict[str, Any] = {str(k): v for k, v in row.to_dict().items()}
        first["replacement"] = False
        life = check_life("life_yr", row["life_yr"])
        if life != int(life):
            rows += _fractional_purchases(first, life, analysis_yr, c, salvage)
            continue
        rows.append(first)
        for year in replacement_years(int(row["year"]), row["life_yr"], analysis_yr):
            again = dict(first)
            again["year"] = year
            again["amount_usd"] = float(row["amount_usd"]) * (1.0 + c) ** (
                year - int(row["year"])
            )
            again["replacement"] = True
            rows.append(again)
    return pd.DataFrame(rows).reset_index(drop=True)


def _fractional_purchases(
    row: dict[str, Any], life_yr: float, analysis_yr: int, c: float, salvage: Salvage
) -> list[dict[str, Any]]:
    """The purchases of a capex row whose life is not whole (see with_replacements)."""
    n = _whole_years("analysis_yr", analysis_yr)
    name = row.get("name")
    if life_yr < 1.0:
        raise FinanceInputError(
            (f"capex row {name!s}: " if name else "")
            + f"life_yr = {life_yr!r}: a life under one year cannot be booked in a "
            "yearly pro forma; give at least 1"
        )
    eps = 1e-9
    y0 = float(row["year"])
    times = [y0]
    while times[-1] + life_yr < n - eps:
        times.append(y0 + len(times) * life_yr)
    given = row.get("salvage_usd")
    out = []
    for k, t in enumerate(times):
        booked = math.ceil(t - eps)
        again = dict(row)
        again["year"] = booked
        again["amount_usd"] = float(row["amount_usd"]) * (1.0 + c) ** (t - y0)
        again["life_yr"] = max(math.ceil(t + life_yr - eps) - booked, 1)
        again["replacement"] = k > 0
        if t + life_yr > n + eps and (given is None or given != given):
            left = (life_yr - (n - t)) / life_yr if salvage == "linear" else 0.0
            again["salvage_usd"] = again["amount_usd"] * left
        out.append(again)
    return out


# ---- pro forma ---------------------------------------------------------------------
#: Revenue lines of the operating table [USD/yr], each a positive amount received.
REVENUE_LINES: tuple[str, ...] = (
    "mining_revenue_usd",
    "compute_revenue_usd",
    "heat_revenue_usd",
    "program_credit_usd",
    "other_revenue_usd",
)
#: Cost lines of the operating table [USD/yr], each a positive amount paid.
COST_LINES: tuple[str, ...] = (
    "energy_cost_usd",
    "demand_charge_usd",
    "four_cp_charge_usd",
    "fixed_om_usd",
    "variable_om_usd",
    "other_cost_usd",
)
#: Signed cash columns of the pro forma whose sum is ``net_cash_flow_usd``.
CASH_LINES: tuple[str, ...] = (
    "capex_usd",
    *REVENUE_LINES,
    *COST_LINES,
    "state_tax_usd",
    "federal_tax_usd",
    "itc_usd",
    "salvage_usd",
)
#: Treatment of negative taxable income and default salvage, see :func:`proforma`.
TaxLosses = Literal["offset", "carry_forward"]
Salvage = Literal["linear", "none"]


def _operating_frame(operating_usd: pd.DataFrame, n: int) -> pd.DataFrame:
    known = REVENUE_LINES + COST_LINES
    unknown = [c for c in operating_usd.columns if c not in known]
    if unknown:
        raise FinanceInputError(
            f"operating_usd: unknown column {unknown[0]!r}; revenue columns are "
            f"{', '.join(REVENUE_LINES)}; cost columns are {', '.join(COST_LINES)}"
        )
    years = pd.Index(operating_usd.index)
    expected = pd.RangeIndex(1, n + 1)
    missing = expected.difference(years)
    extra = years.difference(expected)
    if len(missing) or len(extra):
        what = (
            f"years {list(missing)} are missing"
            if len(missing)
            else f"years {list(extra)} are outside 1..{n}"
        )
        raise FinanceInputError(
            f"operating_usd: the index must be the operating years 1..{n} "
            f"(one row each); {what}"
        )
    frame = operating_usd.reindex(index=expected, columns=list(known)).astype(float)
    frame = frame.fillna({c: 0.0 for c in known if c not in operating_usd.columns})
    bad = ~np.isfinite(frame.to_numpy())
    if bad.any():
        row, col = np.argwhere(bad)[0]
        raise FinanceInputError(
            f"operating_usd: year {expected[row]}, column {known[col]!r} is "
            f"{float(frame.to_numpy()[row, col])}; expected a finite amount of USD"
        )
    return frame


@dataclass(frozen=True)
class _Purchase:
    year: int
    amount_usd: float
    life_yr: int
    macrs: str
    bonus_frac: float
    itc_frac: float
    salvage_usd: float | None


def _capex_rows(capex: pd.DataFrame, n: int) -> list[_Purchase]:
    unknown = [c for c in capex.columns if c not in CAPEX_COLUMNS]
    if unknown:
        raise FinanceInputError(
            f"capex: unknown column {unknown[0]!r}; expected {', '.join(CAPEX_COLUMNS)}"
        )
    for col in ("year", "amount_usd", "life_yr"):
        if col not in capex.columns:
            raise FinanceInputError(f"capex: column {col!r} is required")
    rows = []
    for i, row in enumerate(capex.to_dict("records")):
        name = row.get("name")
        label = f"capex row {i}" + (f" ({name!s})" if name else "")
        year = float(row["year"])
        if not (year == int(year) and 0 <= year <= n):
            raise FinanceInputError(
                f"{label}: year = {row['year']!r}; expected a whole year in 0..{n}"
            )
        amount = float(row["amount_usd"])
        if not (math.isfinite(amount) and amount >= 0):
            raise FinanceInputError(
                f"{label}: amount_usd = {row['amount_usd']!r}; expected a finite "
                "amount >= 0"
            )
        try:
            life = _whole_years("life_yr", row["life_yr"])
        except FinanceInputError as exc:
            raise FinanceInputError(f"{label}: {exc}") from exc
        macrs = row.get("macrs")
        macrs = "5yr_hy" if macrs is None or macrs != macrs else str(macrs)
        salvage = row.get("salvage_usd")
        salvage_f = None if salvage is None or salvage != salvage else float(salvage)
        try:
            bonus = _check_frac("bonus_frac", _or0(row.get("bonus_frac")))
            itc = _check_frac("itc_frac", _or0(row.get("itc_frac")))
            if macrs not in MACRS_TABLES:
                macrs_usd(0.0, macrs)
        except FinanceInputError as exc:
            raise FinanceInputError(f"{label}: {exc}") from exc
        rows.append(_Purchase(int(year), amount, life, macrs, bonus, itc, salvage_f))
    return rows


def _or0(value: object) -> float:
    if value is None:
        return 0.0
    v = float(value)  # type: ignore[arg-type]
    return 0.0 if v != v else v


def _tax(
    taxable_usd: np.ndarray, rate_frac: float, losses: str, nol_limit_frac: float
) -> np.ndarray:
    """Tax paid per year [USD, positive = paid] on a taxable-income path."""
    if losses == "offset":
        return rate_frac * taxable_usd
    paid = np.zeros_like(taxable_usd)
    pool = 0.0
    for t, income in enumerate(taxable_usd):
        if income <= 0.0:
            pool -= income
            continue
        used = min(pool, nol_limit_frac * income)
        pool -= used
        paid[t] = rate_frac * (income - used)
    return paid


def proforma(
    operating_usd: pd.DataFrame,
    capex: pd.DataFrame,
    *,
    discount_frac_per_yr: float,
    analysis_yr: int | None = None,
    federal_tax_frac: float = 0.21,
    state_tax_frac: float = 0.0,
    tax_losses: TaxLosses = "offset",
    nol_limit_frac: float = 0.8,
    salvage: Salvage = "linear",
    itc_basis_reduction_frac: float = 0.5,
) -> pd.DataFrame:
    """Year-by-year pro forma: one row per year 0..N, one column per line item.

    Cash columns are signed (received > 0, paid < 0) and ``net_cash_flow_usd`` is
    their sum (:data:`CASH_LINES`); ``depreciation_usd`` and ``taxable_income_usd``
    are tax figures, not cash. All flows fall at the end of their year; year 0 holds
    the initial capex and is not discounted.

    Conventions
        * **Capex** at its ``year``; equipment bought at the end of year ``y`` serves
          and depreciates from year ``y+1``. Replacements are rows of ``capex`` (see
          :func:`with_replacements`).
        * **Depreciation** by the row's MACRS table (after bonus and the ITC basis
          reduction). When the life ends inside the period, or at the last year, the
          undepreciated basis is written off then.
        * **ITC** received at the end of the year after purchase (REopt).
        * **Salvage** at year N for equipment still in service: the row's
          ``salvage_usd``, else ``amount × remaining life / life`` (``linear``) or 0
          (``none``). It is a sale: taxable in full, against the basis written off.
        * **Tax**: state tax on taxable income, federal tax on taxable income less
          state tax. ``tax_losses="offset"``: a loss is a tax benefit used against the
          owner's other income in the same year (REopt-style, negative tax).
          ``"carry_forward"``: a loss is carried forward (per jurisdiction, no
          expiry, each year's use capped at ``nol_limit_frac`` of that year's income,
          US federal rule since 2018); losses unused at year N are lost.

    Parameters
    ----------
    operating_usd : DataFrame
        Index: operating years 1..N. Columns from :data:`REVENUE_LINES` and
        :data:`COST_LINES`, positive amounts [USD/yr] (a missing column is 0).
    capex : DataFrame
        One row per purchase; columns :data:`CAPEX_COLUMNS`.
    discount_frac_per_yr : float
        Discount rate [1/yr].
    analysis_yr : int, optional
        N; defaults to the last year of ``operating_usd``.
    federal_tax_frac, state_tax_frac : float
        Income tax rates [0-1].
    tax_losses : {"offset", "carry_forward"}
        Treatment of negative taxable income (see Conventions).
    nol_limit_frac : float
        Share of a year's taxable income a carried-forward loss may offset [0-1].
    salvage : {"linear", "none"}
        Default salvage of equipment still in service at year N.
    itc_basis_reduction_frac : float
        Share of the ITC taken off the depreciable basis [0-1].

    Returns
    -------
    pandas.DataFrame
        Index ``year`` 0..N. ``attrs`` hold ``discount_frac_per_yr`` and
        ``cash_lines``.
    """
    r = check_rate("discount_frac_per_yr", discount_frac_per_yr)
    n = (
        _whole_years("analysis_yr", analysis_yr)
        if analysis_yr is not None
        else _whole_years("analysis_yr", max(operating_usd.index, default=0))
    )
    fed = _check_frac("federal_tax_frac", federal_tax_frac)
    state = _check_frac("state_tax_frac", state_tax_frac)
    nol = _check_frac("nol_limit_frac", nol_limit_frac)
    if tax_losses not in ("offset", "carry_forward"):
        raise FinanceInputError(
            f"tax_losses = {tax_losses!r}: expected 'offset' or 'carry_forward'"
        )
    if salvage not in ("linear", "none"):
        raise FinanceInputError(f"salvage = {salvage!r}: expected 'linear' or 'none'")
    ops = _operating_frame(operating_usd, n)
    years = pd.RangeIndex(0, n + 1, name="year")
    out = pd.DataFrame(index=years)

    capex_cf = np.zeros(n + 1)
    depreciation = np.zeros(n + 1)
    itc_cf = np.zeros(n + 1)
    salvage_cf = np.zeros(n + 1)
    for row in _capex_rows(capex, n):
        y, amount, life = row.year, row.amount_usd, row.life_yr
        capex_cf[y] -= amount
        if row.itc_frac and y + 1 <= n:
            itc_cf[y + 1] += row.itc_frac * amount
        basis = depreciable_basis_usd(amount, row.itc_frac, itc_basis_reduction_frac)
        schedule = macrs_usd(basis, row.macrs, row.bonus_frac).to_numpy()
        end = min(y + life, n)
        within = schedule[: max(end - y, 0)]
        depreciation[y + 1 : y + 1 + within.size] += within
        if end > y or y == n:  # bought at N: written off (and sold) at once
            depreciation[end] += basis - within.sum()  # write-off at retirement/sale
        if y + life > n:
            if row.salvage_usd is not None:
                salvage_cf[n] += row.salvage_usd
            elif salvage == "linear":
                salvage_cf[n] += linear_salvage_usd(amount, life, n - y)

    out["capex_usd"] = capex_cf
    for col in REVENUE_LINES:
        out[col] = np.concatenate([[0.0], ops[col].to_numpy()])
    for col in COST_LINES:
        out[col] = -np.concatenate([[0.0], ops[col].to_numpy()])
    operating = out[list(REVENUE_LINES + COST_LINES)].sum(axis=1).to_numpy()
    out["operating_cash_flow_usd"] = operating
    out["depreciation_usd"] = depreciation
    taxable = operating - depreciation + salvage_cf
    out["taxable_income_usd"] = taxable
    state_paid = _tax(taxable, state, tax_losses, nol)
    federal_paid = _tax(taxable - state_paid, fed, tax_losses, nol)
    out["state_tax_usd"] = -state_paid
    out["federal_tax_usd"] = -federal_paid
    out["itc_usd"] = itc_cf
    out["salvage_usd"] = salvage_cf
    net = out[list(CASH_LINES)].sum(axis=1).to_numpy()
    out["net_cash_flow_usd"] = net
    out["cumulative_usd"] = np.cumsum(net)
    factor = discount_factors(r, n)
    out["discount_factor"] = factor
    out["discounted_cash_flow_usd"] = net * factor
    out["cumulative_discounted_usd"] = np.cumsum(net * factor)
    out.attrs["discount_frac_per_yr"] = r
    out.attrs["cash_lines"] = list(CASH_LINES)
    return out


# ---- metrics and breakeven ---------------------------------------------------------
def metrics(
    proforma_usd: pd.DataFrame,
    *,
    discount_frac_per_yr: float | None = None,
    finance_frac_per_yr: float | None = None,
    reinvest_frac_per_yr: float | None = None,
    btc_mined: pd.Series | None = None,
) -> dict[str, float | str | None]:
    """Headline figures of a pro forma, undefined ones as None with a reason.

    Parameters
    ----------
    proforma_usd : DataFrame
        From :func:`proforma` (uses ``net_cash_flow_usd``).
    discount_frac_per_yr : float, optional
        Defaults to the rate the pro forma was built with.
    finance_frac_per_yr, reinvest_frac_per_yr : float, optional
        MIRR rates; default to the discount rate.
    btc_mined : Series, optional
        BTC mined per operating year (index 1..N); adds cost per BTC figures.

    Returns
    -------
    dict
        ``npv_usd``; ``irr_frac`` and ``irr_reason``; ``mirr_frac`` and
        ``mirr_reason``; ``return_basis`` (``irr`` when the IRR is defined, else
        ``mirr``); ``simple_payback_yr``/``_reason``; ``discounted_payback_yr``/
        ``_reason``; with ``btc_mined``: ``energy_cost_per_btc_usd`` (energy cost),
        ``cash_cost_per_btc_usd`` (every operating cost) and
        ``levelised_cost_per_btc_usd`` (present worth of operating costs + capex −
        ITC − salvage over present worth of BTC, pre-tax).
    """
    r = (
        float(proforma_usd.attrs["discount_frac_per_yr"])
        if discount_frac_per_yr is None
        else check_rate("discount_frac_per_yr", discount_frac_per_yr)
    )
    fin_r = r if finance_frac_per_yr is None else finance_frac_per_yr
    rei_r = r if reinvest_frac_per_yr is None else reinvest_frac_per_yr
    flows = proforma_usd["net_cash_flow_usd"]
    rate = irr(flows)
    modified = mirr(flows, fin_r, rei_r)
    simple = payback_yr(flows)
    discounted = payback_yr(flows, r)
    result: dict[str, float | str | None] = {
        "npv_usd": npv(flows, r),
        "irr_frac": rate.value,
        "irr_reason": rate.reason,
        "mirr_frac": modified.value,
        "mirr_reason": modified.reason,
        "return_basis": "irr" if rate.defined else "mirr",
        "simple_payback_yr": simple.value,
        "simple_payback_reason": simple.reason,
        "discounted_payback_yr": discounted.value,
        "discounted_payback_reason": discounted.reason,
    }
    if btc_mined is not None:
        result.update(_cost_per_btc(proforma_usd, btc_mined, r))
    return result


def _cost_per_btc(
    pf: pd.DataFrame, btc_mined: pd.Series, r: float
) -> dict[str, float | str | None]:
    n = len(pf.index) - 1
    btc = btc_mined.reindex(pd.RangeIndex(1, n + 1)).fillna(0.0).to_numpy(float)
    btc = np.concatenate([[0.0], btc])
    factor = discount_factors(r, n)
    total = float(btc.sum())
    if total <= 0.0:
        reason = "no BTC mined: cost per BTC undefined"
        return {
            "energy_cost_per_btc_usd": None,
            "cash_cost_per_btc_usd": None,
            "levelised_cost_per_btc_usd": None,
            "cost_per_btc_reason": reason,
        }
    energy = -float(pf["energy_cost_usd"].sum())
    cash = -float(pf[list(COST_LINES)].sum(axis=1).sum())
    all_in = (
        -pf[list(COST_LINES)].sum(axis=1)
        - pf["capex_usd"]
        - pf["itc_usd"]
        - pf["salvage_usd"]
    ).to_numpy(float)
    return {
        "energy_cost_per_btc_usd": energy / total,
        "cash_cost_per_btc_usd": cash / total,
        "levelised_cost_per_btc_usd": float((all_in * factor).sum())
        / float((btc * factor).sum()),
        "cost_per_btc_reason": "",
    }


def breakeven(
    f: Callable[[float], float],
    lo: float,
    hi: float,
    *,
    xtol: float = 1e-6,
    rtol: float = 1e-9,
    max_evals: int = 60,
) -> Outcome:
    """A root of ``f`` in ``[lo, hi]`` (e.g. the BTC price at which NPV is 0).

    Bracketing regula falsi with the Illinois modification: every step keeps a sign
    change inside the bracket, and converges superlinearly, so an ``f`` that re-solves
    an LP is called few times. (scipy's ``brentq`` is not a runtime dependency.)

    Parameters
    ----------
    f : callable
        Continuous function of one float, e.g. NPV [USD] of a BTC price [USD].
    lo, hi : float
        Bracket; ``f(lo)`` and ``f(hi)`` must differ in sign (or one be 0).
    xtol, rtol : float
        Stop when the bracket is narrower than ``xtol + rtol × |x|``.
    max_evals : int
        Most calls of ``f``.

    Returns
    -------
    Outcome
        The root, or None when the bracket holds no sign change or the search did
        not converge (the reason gives the last bracket).
    """
    a, b = float(lo), float(hi)
    if not (math.isfinite(a) and math.isfinite(b) and a < b):
        raise FinanceInputError(f"breakeven: need finite lo < hi (got {lo!r}, {hi!r})")

    def call(x: float) -> float:
        y = float(f(x))
        if not math.isfinite(y):
            raise FinanceInputError(f"breakeven: f({x!r}) = {y}; expected a number")
        return y

    fa, fb = call(a), call(b)
    evals = 2
    if fa == 0.0:
        return Outcome(a)
    if fb == 0.0:
        return Outcome(b)
    if (fa > 0) == (fb > 0):
        return Outcome(
            None,
            f"f({a:g}) = {fa:,.6g} and f({b:g}) = {fb:,.6g} have the same sign: "
            f"no breakeven in [{a:g}, {b:g}]",
        )
    side = 0
    while evals < max_evals:
        x = (a * fb - b * fa) / (fb - fa)
        if not a < x < b:  # numerical guard: fall back to bisection
            x = 0.5 * (a + b)
        fx = call(x)
        evals += 1
        if fx == 0.0:
            return Outcome(x)
        if (fx > 0) == (fb > 0):
            b, fb = x, fx
            if side == 1:
                fa *= 0.5
            side = 1
        else:
            a, fa = x, fx
            if side == -1:
                fb *= 0.5
            side = -1
        if b - a <= xtol + rtol * abs(x):
            return Outcome(x)
    return Outcome(
        None,
        f"no convergence in {max_evals} evaluations; root in [{a:.10g}, {b:.10g}]",
    )
