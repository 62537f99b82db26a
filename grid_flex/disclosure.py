"""MiCA sustainability indicators of a solved site (domain.md §5).

MiCA (Reg. (EU) 2023/1114, Delegated Reg. (EU) 2025/422) asks issuers and service
providers to disclose the climate and environmental indicators of a consensus
mechanism: energy use, its non-renewable share, scope 1 and 2 greenhouse-gas
emissions, intensities per unit of output, waste and resource use. This module
computes the ones a site model can support from a solved run; the rest are rows
saying why they are missing ("not declared", "not available", "not applicable",
"not modelled").

Sources of each figure
----------------------
* Energy: the site's gross consumption, its grid imports over the horizon
  (``results.summary`` ``energy_bought_mwh``; energy a battery sells back is not
  netted off), and scaled to a year of 8,760 h.
* Scope 2 is location-based (grid imports × the average factor
  ``average_co2_tco2_per_mwh``), never marginal: without an average factor the
  scope 2 figure and the GHG intensities are "not available". The marginal
  (consequential) figures of the emissions program are reported beside it as
  ``grid_emissions_marginal`` and ``net_emissions_marginal``, marked as not a scope
  2 figure.
* Emissions: the KPIs of the scenario's emissions program
  (``summary["programs"][id]``: ``grid_tco2``, ``direct_tco2``,
  ``avoided_heat_tco2``, ``net_tco2``, ``location_based_tco2``).
* Intensities: site energy and emissions are shared between the compute activities
  (ASIC fleets, GPU clusters) pro rata to the electricity each drew over the horizon
  (``<asset>.net_load_mw`` × Δt); battery losses and auxiliaries follow that share.
  Per BTC: ``BTC = Σ_t Σ_fleets hashrate·Δt/24 · HP_t / P_BTC`` (expected BTC of the
  hashes, before pool fees), with the BTC price ``btc_price_usd`` of the emissions
  program or the constant BTC price the hashprice is derived from.
* Per validated transaction: the site's share of the network's validated
  transactions is an allocation assumption, ``s_t = H_site,t / H_network,t`` (site
  hashrate over network hashrate), so the site's transactions are
  ``Σ_t s_t · N_tx/day · Δt / 24`` with ``N_tx/day`` the user's
  ``transactions_per_day`` (no default). ``H_network`` is the program's
  ``network_hashrate_ehs``, else the hashprice derivation's (its network hashrate,
  or its constant or growing difficulty as ``H = D · 2^32 / 600``). Without these the
  per-transaction rows are "not available" with the reason.
* Scope 2 market-based (GHG Protocol Scope 2 Guidance 2015): grid imports × the
  declared contractual factor ``market_based_co2_tco2_per_mwh`` (RECs, PPAs,
  supplier mix), an extra row; the location-based figure stays the scope 2 used in
  every intensity.
* GPU-hours: read from each GPU cluster's KPIs in ``summary["assets"][id]``: a
  total (:data:`GPU_HOURS_KPIS`) or the sum of training, inference and spot GPU-hours
  (:data:`GPU_HOURS_PARTS`), see :func:`gpu_hours`.
* Heat reused share: heat served by heat-recovery assets (first of
  :data:`HEAT_SERVED_KPIS` in their KPIs [MWhth], else of
  :data:`HEAT_SERVED_COLUMNS` in the time series [MWth] × Δt) over the heat compute
  assets release, taken equal to the electricity they draw.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from grid_flex import bitcoin
from grid_flex.conventions import HOURS_PER_DAY
from grid_flex.io.atomic import write_text_atomic
from grid_flex.results import Results
from grid_flex.schema.programs import EmissionsEntry
from grid_flex.schema.scenario import Scenario

#: File name of the table in a results folder.
DISCLOSURE_FILE = "mica_disclosure.csv"
#: Hours in the year used to annualise a horizon [h].
HOURS_PER_YEAR = 8760.0
KWH_PER_MWH = 1000.0
KG_PER_T = 1000.0
#: TH/s in one EH/s.
THS_PER_EHS = 1e6

#: Why a GHG intensity is missing (scope 2 is location-based, never marginal).
NO_SCOPE2 = (
    "needs an emissions program with average_co2_tco2_per_mwh (scope 2 is "
    "location-based, never marginal)"
)
NOT_DECLARED = "not declared"
NOT_AVAILABLE = "not available"
NOT_APPLICABLE = "not applicable"
NOT_MODELLED = "not modelled"

#: Asset kinds whose electricity is compute (and leaves them as heat).
MINING_KIND = "asic_fleet"
GPU_KIND = "gpu_cluster"
HEAT_KIND = "heat_recovery"
COMPUTE_KINDS = (MINING_KIND, GPU_KIND)

#: GPU-cluster KPIs holding the GPU-hours delivered over the horizon [GPU-h].
GPU_HOURS_KPIS = ("gpu_h_delivered", "delivered_gpu_h", "gpu_hours_delivered")
#: Else the GPU-hours are the sum of these parts (training, inference, spot) [GPU-h].
GPU_HOURS_PARTS = (
    "training_delivered_gpu_h",
    "inference_served_gpu_h",
    "spot_gpu_h",
)
#: Heat-recovery KPIs holding the heat served to customers over the horizon [MWhth].
HEAT_SERVED_KPIS = ("served_mwhth", "heat_served_mwhth", "heat_delivered_mwhth")
#: Heat-recovery time-series quantities holding the heat served per interval [MWth].
HEAT_SERVED_COLUMNS = ("served_mwth", "heat_served_mwth", "heat_delivered_mwth")

COLUMNS = ("indicator", "value", "unit", "basis")


@dataclass(frozen=True)
class _SiteFigures:
    """Site totals shared out to the activities."""

    energy_mwh: float  # net grid energy over the horizon [MWh]
    scope_total_tco2: float | None  # scope 1 + 2 over the horizon [tCO2]
    scope_basis: str
    per_year: float  # annualisation factor [-]


def _row(indicator: str, value: Any, unit: str, basis: str) -> dict[str, Any]:
    return {"indicator": indicator, "value": value, "unit": unit, "basis": basis}


def _missing(
    names: Iterable[tuple[str, str]], value: str, basis: str
) -> list[dict[str, Any]]:
    """Rows of the indicators ``(name, unit)`` without a figure: ``value`` says why."""
    return [_row(name, value, unit, basis) for name, unit in names]


def _intensities(
    names: Sequence[tuple[str, str]],
    energy: float,
    ghg: float | None,
    output: float,
    per: str,
    allocation: str,
    scope_basis: str,
    *,
    annualised: bool = False,
) -> list[dict[str, Any]]:
    """Energy and GHG intensity rows: ``energy / output`` and ``ghg / output``.

    ``energy`` and ``ghg`` are the activity's share of the site's figures in the
    rows' units (``ghg`` None without a scope 2 figure); ``per`` names the output.
    """
    (energy_name, energy_unit), (ghg_name, ghg_unit) = names
    what = "annualised energy" if annualised else "energy over the horizon"
    scope = f"annualised {scope_basis}" if annualised else scope_basis
    return [
        _row(
            energy_name, energy / output, energy_unit, f"{what}, {allocation}, / {per}"
        ),
        _row(
            ghg_name,
            NOT_AVAILABLE if ghg is None else ghg / output,
            ghg_unit,
            NO_SCOPE2 if ghg is None else f"{scope}, {allocation}, / {per}",
        ),
    ]


def _first(mapping: Mapping[str, Any], names: Iterable[str]) -> tuple[str, Any] | None:
    for name in names:
        value = mapping.get(name)
        if isinstance(value, int | float) and not isinstance(value, bool):
            return name, float(value)
    return None


def gpu_hours(kpis: Mapping[str, Any]) -> tuple[float, str] | None:
    """GPU-hours a cluster delivered [GPU-h] and the KPI names used, or None.

    The first of :data:`GPU_HOURS_KPIS` the cluster reports, else the sum of those of
    :data:`GPU_HOURS_PARTS` it reports (per-job figures are not added: they are
    parts of ``training_delivered_gpu_h``).
    """
    found = _first(kpis, GPU_HOURS_KPIS)
    if found is not None:
        return found[1], found[0]
    parts = [p for p in GPU_HOURS_PARTS if _first(kpis, (p,)) is not None]
    if not parts:
        return None
    return float(sum(float(kpis[p]) for p in parts)), " + ".join(parts)


def emissions_entry(
    scenario: Scenario, program_id: str | None = None
) -> EmissionsEntry | None:
    """The scenario's emissions program (``program_id``, else the first), or None."""
    for entry in scenario.programs:
        if entry.type == "emissions" and program_id in (None, entry.id):
            return entry
    return None


def btc_price_usd(
    scenario: Scenario, entry: EmissionsEntry | None
) -> tuple[float, str] | None:
    """BTC price for per-BTC figures [USD] and where it came from, or None."""
    if entry is not None and entry.btc_price_usd is not None:
        return entry.btc_price_usd, f"programs.{entry.id}.btc_price_usd"
    hp = scenario.hashprice
    if hp is not None and hp.derive is not None:
        price = hp.derive.btc_price_usd
        if isinstance(price, int | float):
            return float(price), "hashprice.derive.btc_price_usd"
    return None


def mica_disclosure(
    results: Results, scenario: Scenario, *, program_id: str | None = None
) -> pd.DataFrame:
    """MiCA climate and environmental indicators of a solved run.

    Parameters
    ----------
    results : Results
        A solved run of ``scenario``.
    scenario : Scenario
        The scenario solved (its emissions program, hashprice and asset kinds).
    program_id : str, optional
        Emissions program to report (default: the first one).

    Returns
    -------
    pandas.DataFrame
        Columns ``indicator``, ``value`` (a number, or a text saying why there is
        none), ``unit`` and ``basis`` (method and source of the figure).
    """
    s = results.summary
    ts = results.timeseries
    dt = ts["site.timestep_h"].to_numpy(dtype=float)
    hours = float(dt.sum())
    per_year = HOURS_PER_YEAR / hours
    period = f"{s['start_utc']} to {s['end_utc']} ({hours:g} h)"
    annual = f"× {HOURS_PER_YEAR:g} h / {hours:g} h of horizon"
    assets: Mapping[str, Mapping[str, Any]] = s["assets"]
    kinds = {aid: str(k.get("type")) for aid, k in assets.items()}

    def energy_mwh(aid: str) -> float:
        return float(ts[f"{aid}.net_load_mw"].to_numpy(dtype=float) @ dt)

    rows: list[dict[str, Any]] = []
    # ---- energy -------------------------------------------------------------------
    site_mwh = float(s["energy_bought_mwh"])  # gross: exports are not netted off
    rows.append(
        _row(
            "energy_consumption",
            site_mwh * KWH_PER_MWH,
            "kWh",
            f"gross consumption: grid imports over the horizon {period} (energy "
            "sold back is not netted off)",
        )
    )
    rows.append(
        _row(
            "energy_consumption_annualised",
            site_mwh * KWH_PER_MWH * per_year,
            "kWh/yr",
            f"energy_consumption {annual}",
        )
    )
    entry = emissions_entry(scenario, program_id)
    if entry is not None and entry.renewable_share_frac is not None:
        rows.append(
            _row(
                "non_renewable_energy_share",
                100.0 * (1.0 - entry.renewable_share_frac),
                "%",
                f"1 − programs.{entry.id}.renewable_share_frac (declared)",
            )
        )
    else:
        rows.append(
            _row(
                "non_renewable_energy_share",
                NOT_DECLARED,
                "%",
                "set renewable_share_frac in the emissions program",
            )
        )

    # ---- emissions ----------------------------------------------------------------
    kpis: Mapping[str, Any] | None = None
    if entry is not None:
        kpis = s.get("programs", {}).get(entry.id)
    heat_ids = [aid for aid, k in kinds.items() if k == HEAT_KIND]
    scope_total_t: float | None = None  # scope 1 + 2 over the horizon [tCO2]
    scope_basis = ""
    if kpis is None:
        why = "no emissions program in the scenario (programs: type emissions)"
        rows += _missing(
            (
                ("ghg_scope1", "tCO2e/yr"),
                ("ghg_scope2_location_based", "tCO2e/yr"),
                ("ghg_scope2_market_based", "tCO2e/yr"),
                ("grid_emissions_marginal", "tCO2/yr"),
                ("net_emissions_marginal", "tCO2/yr"),
            ),
            NOT_AVAILABLE,
            why,
        )
        rows.append(
            _row(
                "avoided_heat_emissions",
                NOT_AVAILABLE if heat_ids else NOT_APPLICABLE,
                "tCO2/yr",
                why if heat_ids else "no heat-recovery asset",
            )
        )
    else:
        assert entry is not None
        pid = entry.id
        direct_t = float(kpis.get("direct_tco2", 0.0))
        grid_t = float(kpis["grid_tco2"])
        location_t = float(kpis.get("location_based_tco2", float("nan")))
        rows.append(
            _row(
                "ghg_scope1",
                direct_t * per_year,
                "tCO2e/yr",
                f"direct emissions of the site's assets (programs.{pid}.direct_tco2; "
                f"no on-site combustion is modelled unless an asset reports it) "
                f"{annual}",
            )
        )
        if np.isfinite(location_t):
            rows.append(
                _row(
                    "ghg_scope2_location_based",
                    location_t * per_year,
                    "tCO2e/yr",
                    "grid imports × average factor "
                    f"{entry.average_co2_tco2_per_mwh:g} tCO2/MWh "
                    f"(programs.{pid}.average_co2_tco2_per_mwh) {annual}",
                )
            )
            scope_total_t = direct_t + location_t
            scope_basis = "scope 1 + scope 2 location-based"
        else:
            rows.append(
                _row(
                    "ghg_scope2_location_based",
                    NOT_AVAILABLE,
                    "tCO2e/yr",
                    f"set programs.{pid}.average_co2_tco2_per_mwh (grid average "
                    "factor, e.g. eGRID)",
                )
            )
            # Scope 2 is never marginal: no GHG intensities without the factor.
            scope_total_t = None
            scope_basis = ""
        rows.append(_market_based_row(entry, site_mwh, per_year, annual))
        exports = " minus exports credited" if entry.credit_exports else ""
        rows.append(
            _row(
                "grid_emissions_marginal",
                grid_t * per_year,
                "tCO2/yr",
                "marginal (consequential) emissions, not a scope 2 figure: "
                f"Σ grid imports{exports} × Δt × hourly marginal rate "
                f"(programs.{pid}.marginal_co2, {entry.marginal_co2.format}) {annual}",
            )
        )
        if heat_ids:
            rows.append(
                _row(
                    "avoided_heat_emissions",
                    float(kpis["avoided_heat_tco2"]) * per_year,
                    "tCO2/yr",
                    "boiler emissions avoided by heat served by "
                    f"{', '.join(heat_ids)} {annual}"
                    + ("" if entry.credit_avoided_heat else " (not credited in net)"),
                )
            )
        else:
            rows.append(
                _row(
                    "avoided_heat_emissions",
                    NOT_APPLICABLE,
                    "tCO2/yr",
                    "no heat-recovery asset",
                )
            )
        rows.append(
            _row(
                "net_emissions_marginal",
                float(kpis["net_tco2"]) * per_year,
                "tCO2/yr",
                "marginal grid emissions + scope 1 (not a scope 2 figure)"
                + (
                    " − avoided heat emissions"
                    if entry.credit_avoided_heat and heat_ids
                    else ""
                )
                + f" {annual}",
            )
        )

    # ---- intensities --------------------------------------------------------------
    compute_mwh = {
        aid: energy_mwh(aid) for aid, k in kinds.items() if k in COMPUTE_KINDS
    }
    compute_total = sum(compute_mwh.values())

    def share(kind: str) -> float:
        own = sum(e for aid, e in compute_mwh.items() if kinds[aid] == kind)
        return own / compute_total if compute_total > 0 else 0.0

    def allocation(kind: str) -> str:
        return (
            f"site figure × {100 * share(kind):.1f} % ({kind} share of the "
            "electricity drawn by compute assets)"
        )

    site_figures = _SiteFigures(site_mwh, scope_total_t, scope_basis, per_year)
    fleets = [aid for aid, k in kinds.items() if k == MINING_KIND]
    rows += _mining_rows(
        results,
        scenario,
        entry,
        fleets,
        share(MINING_KIND),
        allocation(MINING_KIND),
        site_figures,
    )
    rows += _transaction_rows(
        results,
        scenario,
        entry,
        fleets,
        share(MINING_KIND),
        allocation(MINING_KIND),
        site_figures,
    )
    clusters = [aid for aid, k in kinds.items() if k == GPU_KIND]
    rows += _gpu_rows(
        assets, clusters, share(GPU_KIND), allocation(GPU_KIND), site_figures
    )

    # ---- heat ---------------------------------------------------------------------
    rows.append(_heat_row(results, heat_ids, compute_total, dt))

    # ---- waste and resources ------------------------------------------------------
    rows += _missing(
        (
            ("waste_electrical_equipment", "t/yr"),
            ("non_recycled_weee_share", "%"),
            ("impact_on_natural_resources", "-"),
        ),
        NOT_MODELLED,
        "outside the scope of the operating model",
    )
    return pd.DataFrame(rows, columns=list(COLUMNS))


def _hashrate_ths(ts: pd.DataFrame, fleets: list[str]) -> np.ndarray:
    """The fleets' hashrate summed per interval [TH/s]."""
    return np.asarray(
        sum(ts[f"{f}.hashrate_ths"].to_numpy(dtype=float) for f in fleets),
        dtype=float,
    )


def _mining_rows(
    results: Results,
    scenario: Scenario,
    entry: EmissionsEntry | None,
    fleets: list[str],
    share_frac: float,
    allocation: str,
    site: _SiteFigures,
) -> list[dict[str, Any]]:
    """Hashrate, BTC mined and the intensities per TH/s and per BTC."""
    site_mwh, scope_total_t = site.energy_mwh, site.scope_total_tco2
    scope_basis, per_year = site.scope_basis, site.per_year
    names = (
        ("mean_hashrate", "TH/s"),
        ("energy_intensity_per_ths", "kWh/yr per TH/s"),
        ("ghg_intensity_per_ths", "kgCO2e/yr per TH/s"),
        ("btc_mined", "BTC"),
        ("energy_intensity_per_btc", "kWh/BTC"),
        ("ghg_intensity_per_btc", "tCO2e/BTC"),
    )
    if not fleets:
        return _missing(names, NOT_APPLICABLE, "no ASIC fleet")
    ts = results.timeseries
    dt = ts["site.timestep_h"].to_numpy(dtype=float)
    hashrate = _hashrate_ths(ts, fleets)
    mean_ths = float(hashrate @ dt) / float(dt.sum())
    energy_kwh = site_mwh * share_frac * KWH_PER_MWH
    ghg_t = None if scope_total_t is None else scope_total_t * share_frac
    rows = [
        _row(
            "mean_hashrate",
            mean_ths,
            "TH/s",
            f"time-weighted mean of {', '.join(fleets)} over the horizon",
        )
    ]
    if mean_ths > 0:
        rows += _intensities(
            names[1:3],
            energy_kwh * per_year,
            None if ghg_t is None else ghg_t * per_year * KG_PER_T,
            mean_ths,
            "mean hashrate",
            allocation,
            scope_basis,
            annualised=True,
        )
    else:
        rows += _missing(names[1:3], NOT_AVAILABLE, "the fleets did not hash")
    price = btc_price_usd(scenario, entry)
    hp_col = "site.hashprice_usd_per_ths_day"
    if price is None or hp_col not in ts:
        why = (
            "no BTC price: set btc_price_usd in the emissions program (or derive "
            "hashprice from a constant BTC price)"
        )
        return rows + _missing(names[3:], NOT_AVAILABLE, why)
    btc_usd, source = price
    btc_per_ths_day = ts[hp_col].to_numpy(dtype=float) / btc_usd
    btc = float((hashrate * dt / HOURS_PER_DAY) @ btc_per_ths_day)
    rows.append(
        _row(
            "btc_mined",
            btc,
            "BTC",
            "Σ hashrate × Δt / 24 × hashprice / BTC price "
            f"({btc_usd:g} USD, {source}); expected reward before pool fees, over "
            "the horizon",
        )
    )
    if btc <= 0:
        return rows + _missing(names[4:], NOT_AVAILABLE, "no BTC mined")
    return rows + _intensities(
        names[4:], energy_kwh, ghg_t, btc, "BTC mined", allocation, scope_basis
    )


def _market_based_row(
    entry: EmissionsEntry, site_mwh: float, per_year: float, annual: str
) -> dict[str, Any]:
    """Scope 2 market-based: grid imports × the declared contractual factor."""
    name, unit = "ghg_scope2_market_based", "tCO2e/yr"
    factor = entry.market_based_co2_tco2_per_mwh
    if factor is None:
        return _row(
            name,
            NOT_DECLARED,
            unit,
            f"set programs.{entry.id}.market_based_co2_tco2_per_mwh (factor of the "
            "contractual instruments: RECs, PPAs, supplier mix); extra to the "
            "location-based scope 2, which the intensities use",
        )
    return _row(
        name,
        site_mwh * factor * per_year,
        unit,
        f"grid imports × contractual factor {factor:g} tCO2/MWh "
        f"(programs.{entry.id}.market_based_co2_tco2_per_mwh, declared; GHG "
        "Protocol Scope 2 Guidance 2015); extra column, not used in the "
        f"intensities {annual}",
    )


def network_hashrate_ths(
    scenario: Scenario, entry: EmissionsEntry | None, index: pd.DatetimeIndex
) -> tuple[np.ndarray, str] | str:
    """Network hashrate per interval [TH/s] and its source, or why there is none.

    The emissions program's ``network_hashrate_ehs``, else the hashprice
    derivation's ``network_hashrate_ehs``, else its constant (possibly growing)
    difficulty as ``H = D · 2^32 / 600``.
    """
    n = len(index)
    if entry is not None and entry.network_hashrate_ehs is not None:
        return (
            np.full(n, entry.network_hashrate_ehs * THS_PER_EHS),
            f"{entry.network_hashrate_ehs:g} EH/s "
            f"(programs.{entry.id}.network_hashrate_ehs, declared)",
        )
    hp = scenario.hashprice
    d = hp.derive if hp is not None else None
    where = (
        "programs.<emissions>.network_hashrate_ehs"
        if entry is None
        else (f"programs.{entry.id}.network_hashrate_ehs")
    )
    if d is None:
        return f"no network hashrate: set {where} (the hashprice is not derived)"
    if d.network_hashrate_ehs is not None:
        return (
            np.full(n, d.network_hashrate_ehs * THS_PER_EHS),
            f"{d.network_hashrate_ehs:g} EH/s (hashprice.derive.network_hashrate_ehs)",
        )
    if not isinstance(d.difficulty, int | float):
        return f"no network hashrate: the difficulty is a series; set {where}"
    difficulty = np.full(n, float(d.difficulty))
    grows = ""
    g = d.difficulty_growth_frac_per_yr
    if g is not None:
        at = index[0]
        if d.difficulty_at is not None:  # UTC if no offset
            at = pd.Timestamp(d.difficulty_at)
            at = at.tz_localize("UTC") if at.tzinfo is None else at.tz_convert("UTC")
        difficulty = bitcoin.difficulty_path(
            index, float(d.difficulty), g, start_time=at
        ).to_numpy(dtype=float)
        grows = f", growing {100 * g:g} %/yr"
    ths = (
        difficulty
        * bitcoin.HASHES_PER_DIFFICULTY
        / bitcoin.TARGET_BLOCK_INTERVAL_S
        / 1e12
    )
    return (
        ths,
        f"D · 2^32 / 600 s from hashprice.derive.difficulty {float(d.difficulty):g}"
        f"{grows} (mean {float(ths.mean()) / THS_PER_EHS:.4g} EH/s)",
    )


def _transaction_rows(
    results: Results,
    scenario: Scenario,
    entry: EmissionsEntry | None,
    fleets: list[str],
    share_frac: float,
    allocation: str,
    site: _SiteFigures,
) -> list[dict[str, Any]]:
    """Validated transactions allocated to the site and the intensities per tx."""
    names = (
        ("validated_transactions_allocated", "tx"),
        ("energy_intensity_per_transaction", "kWh/tx"),
        ("ghg_intensity_per_transaction", "kgCO2e/tx"),
    )
    if not fleets:
        return _missing(names, NOT_APPLICABLE, "no ASIC fleet")
    if entry is None or entry.transactions_per_day is None:
        why = (
            "no network transaction count: set transactions_per_day in the "
            "emissions program (validated transactions of the whole network per day)"
        )
        return _missing(names, NOT_AVAILABLE, why)
    ts = results.timeseries
    dt = ts["site.timestep_h"].to_numpy(dtype=float)
    network = network_hashrate_ths(scenario, entry, pd.DatetimeIndex(ts.index))
    if isinstance(network, str):
        return _missing(names, NOT_AVAILABLE, network)
    network_ths, source = network
    hashrate = _hashrate_ths(ts, fleets)
    share_t = hashrate / network_ths
    tx = float(share_t @ (dt / HOURS_PER_DAY)) * entry.transactions_per_day
    mean_share = float(share_t @ dt) / float(dt.sum())
    assumption = (
        "ASSUMPTION (allocation by hashrate, not a measurement): the site validates "
        "its hashrate share s = site hashrate / network hashrate of the network's "
        f"transactions; mean s = {mean_share:.4g} (network {source}) × "
        f"{entry.transactions_per_day:g} tx/day "
        f"(programs.{entry.id}.transactions_per_day) × Δt / 24, over the horizon"
    )
    rows = [_row(names[0][0], tx, names[0][1], assumption)]
    if tx <= 0:
        return rows + _missing(names[1:], NOT_AVAILABLE, "the fleets did not hash")
    ghg_t = site.scope_total_tco2
    return rows + _intensities(
        names[1:],
        site.energy_mwh * share_frac * KWH_PER_MWH,
        None if ghg_t is None else ghg_t * share_frac * KG_PER_T,
        tx,
        "validated_transactions_allocated (hashrate-share assumption)",
        allocation,
        site.scope_basis,
    )


def _gpu_rows(
    assets: Mapping[str, Mapping[str, Any]],
    clusters: list[str],
    share_frac: float,
    allocation: str,
    site: _SiteFigures,
) -> list[dict[str, Any]]:
    """GPU-hours and the intensities per GPU-hour."""
    site_mwh, scope_total_t = site.energy_mwh, site.scope_total_tco2
    scope_basis = site.scope_basis
    names = (
        ("gpu_hours", "GPU-h"),
        ("energy_intensity_per_gpu_hour", "kWh/GPU-h"),
        ("ghg_intensity_per_gpu_hour", "kgCO2e/GPU-h"),
    )
    if not clusters:
        return _missing(names, NOT_APPLICABLE, "no GPU cluster")
    total, used = 0.0, []
    for cid in clusters:
        found = gpu_hours(assets[cid])
        if found is None:
            why = (
                f"GPU cluster {cid} reports no delivered GPU-hours "
                f"(looked for {', '.join(GPU_HOURS_KPIS + GPU_HOURS_PARTS)})"
            )
            return _missing(names, NOT_AVAILABLE, why)
        total += found[0]
        used.append(f"{cid}.{found[1]}")
    rows = [_row("gpu_hours", total, "GPU-h", f"over the horizon: {', '.join(used)}")]
    if total <= 0:
        return rows + _missing(names[1:], NOT_AVAILABLE, "no GPU-hours delivered")
    return rows + _intensities(
        names[1:],
        site_mwh * share_frac * KWH_PER_MWH,
        None if scope_total_t is None else scope_total_t * share_frac * KG_PER_T,
        total,
        "GPU-hours",
        allocation,
        scope_basis,
    )


def _heat_row(
    results: Results, heat_ids: list[str], compute_mwh: float, dt: np.ndarray
) -> dict[str, Any]:
    """Share of the heat released by compute assets that heat recovery served."""
    name, unit = "heat_reused_share", "%"
    if not heat_ids:
        return _row(name, NOT_APPLICABLE, unit, "no heat-recovery asset")
    served, used = 0.0, []
    for hid in heat_ids:
        found = _first(results.summary["assets"][hid], HEAT_SERVED_KPIS)
        if found is not None:
            served += found[1]
            used.append(f"{hid}.{found[0]}")
            continue
        col = next(
            (
                f"{hid}.{c}"
                for c in HEAT_SERVED_COLUMNS
                if f"{hid}.{c}" in results.timeseries
            ),
            None,
        )
        if col is None:
            return _row(
                name,
                NOT_AVAILABLE,
                unit,
                f"heat-recovery asset {hid} reports no heat served (looked for "
                f"{', '.join(HEAT_SERVED_KPIS)})",
            )
        served += float(results.timeseries[col].to_numpy(dtype=float) @ dt)
        used.append(f"Σ {col} × Δt")
    if compute_mwh <= 0:
        return _row(name, NOT_AVAILABLE, unit, "compute assets drew no electricity")
    return _row(
        name,
        100.0 * served / compute_mwh,
        unit,
        f"heat served ({' + '.join(used)}) / heat released by compute assets, "
        "taken equal to the electricity they drew",
    )


def write_disclosure(
    results: Results,
    scenario: Scenario,
    out_dir: str | Path,
    *,
    program_id: str | None = None,
) -> Path:
    """Write :func:`mica_disclosure` to ``out_dir/mica_disclosure.csv``; return it.

    ``out_dir`` is created if needed (typically a results folder); the file is
    written to a temporary name and renamed into place.
    """
    folder = Path(out_dir)
    folder.mkdir(parents=True, exist_ok=True)
    table = mica_disclosure(results, scenario, program_id=program_id)
    return write_text_atomic(
        folder / DISCLOSURE_FILE, table.to_csv(index=False), newline=""
    )
