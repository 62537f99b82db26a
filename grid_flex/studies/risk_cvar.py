"""Expected value and CVaR over scenario blocks (Rockafellar–Uryasev, as PyPSA).

Convention (documented once, used everywhere): losses are ``L_s = −NPV_s`` [USD];
``CVaR_α(L)`` is the mean of the worst ``1 − α`` probability share of the losses, so
``CVaR_α(NPV) = −CVaR_α(L)`` is the mean NPV of the worst ``1 − α`` share. The study
minimises ``(1 − ω) · E[L] + ω · CVaR_α(L)``, i.e. maximises
``(1 − ω) · E[NPV] + ω · CVaR_α(NPV)``; ω = 0 is risk-neutral, ω = 1 pure CVaR.

Rockafellar–Uryasev (2000): ``CVaR_α(L) = min_ζ ζ + Σ_s p_s (L_s − ζ)⁺ / (1 − α)``,
made linear with excess variables ``e_s ≥ L_s − ζ``, ``e_s ≥ 0``; at the optimum ζ is
the value at risk ``VaR_α(L)``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pyomo.core as pyo

from grid_flex.errors import ScenarioError


def check_risk_parameters(alpha: float, omega: float, source: str = "risk") -> None:
    """Raise ScenarioError unless 0 < α < 1 and 0 ≤ ω ≤ 1."""
    problems = []
    if not (math.isfinite(alpha) and 0.0 < alpha < 1.0):
        problems.append(f"risk.alpha: {alpha} is not inside (0, 1)")
    if not (math.isfinite(omega) and 0.0 <= omega <= 1.0):
        problems.append(f"risk.omega: {omega} is not inside [0, 1]")
    if problems:
        raise ScenarioError(source, problems)


def add_cvar(
    m: Any,
    loss_usd: Mapping[str, Any],
    probability: Mapping[str, float],
    alpha: float,
    omega: float,
) -> Any:
    """Add the Rockafellar–Uryasev rows to ``m``; return the objective to minimise.

    Parameters
    ----------
    m : pyomo block
        Receives ``risk_var_usd`` (ζ, the VaR of the loss), ``risk_excess_usd[s]``,
        ``risk_excess_def[s]`` and the expressions ``risk_expected_loss_usd`` and
        ``risk_cvar_loss_usd``.
    loss_usd : mapping scenario → linear expression
        Loss per scenario [USD] (``−NPV``).
    probability : mapping scenario → float
        Probabilities [frac], summing to 1.
    alpha, omega : float
        Confidence level in (0, 1) and weight on CVaR in [0, 1].

    Returns
    -------
    expression
        ``(1 − ω) E[L] + ω CVaR_α(L)`` [USD].
    """
    check_risk_parameters(alpha, omega)
    names = list(loss_usd)
    m.RISK_S = pyo.Set(initialize=names, ordered=True, doc="scenarios")
    m.risk_var_usd = pyo.Var(doc="ζ: value at risk of the loss at α [USD]")
    m.risk_excess_usd = pyo.Var(
        m.RISK_S, within=pyo.NonNegativeReals, doc="loss above ζ [USD]"
    )
    m.risk_excess_def = pyo.Constraint(
        m.RISK_S,
        rule=lambda _m, s: m.risk_excess_usd[s] - loss_usd[s] + m.risk_var_usd >= 0,
        doc="e_s ≥ L_s − ζ",
    )
    m.risk_expected_loss_usd = pyo.Expression(
        expr=sum(probability[s] * loss_usd[s] for s in names)
    )
    m.risk_cvar_loss_usd = pyo.Expression(
        expr=m.risk_var_usd
        + sum(probability[s] * m.risk_excess_usd[s] for s in names) / (1.0 - alpha)
    )
    if omega == 0.0:
        return m.risk_expected_loss_usd
    if omega == 1.0:
        return m.risk_cvar_loss_usd
    return (1.0 - omega) * m.risk_expected_loss_usd + omega * m.risk_cvar_loss_usd


def tail_stats(
    npv_usd: Sequence[float], probability: Sequence[float], alpha: float
) -> dict[str, float]:
    """Expected value, VaR and CVaR of a discrete NPV distribution [USD].

    ``var_usd`` is ``−VaR_α(L)`` in the Rockafellar–Uryasev convention of this module:
    the smallest loss ζ with ``P(L ≤ ζ) ≥ α`` (the lower α-quantile of the loss), i.e.
    the highest NPV ``x`` with ``P(NPV < x) ≤ 1 − α``. At tied probabilities this is
    the first NPV past the worst ``1 − α`` share (60 equiprobable scenarios at
    α = 0.95: the 4th-worst). ``cvar_usd`` is the probability-weighted mean of the
    worst ``1 − α`` share, splitting the scenario at the boundary.
    """
    v = np.asarray(npv_usd, dtype=float)
    p = np.asarray(probability, dtype=float)
    order = np.argsort(v, kind="stable")
    v, p = v[order], p[order]
    tail = 1.0 - alpha
    taken = np.minimum(p, np.maximum(tail - (np.cumsum(p) - p), 0.0))
    cvar = float(taken @ v / tail)
    # first sorted scenario whose cumulative probability exceeds the tail (1e-12
    # absorbs the rounding of Σ p, e.g. 3 · (1/60) against 1 − 0.95)
    k = int(np.searchsorted(np.cumsum(p), tail + 1e-12, side="right"))
    return {
        "expected_usd": float(p @ v),
        "var_usd": float(v[min(k, len(v) - 1)]),
        "cvar_usd": cvar,
    }
