"""Column meanings of the tables studies write, and of the run's summary KPIs.

:mod:`grid_flex.columns` reads these when it writes ``columns.csv``: the tables of a
feasibility study (``sizes.csv``, ``proforma*.csv``), a risk study
(``scenario_set.csv``, ``scenario_results.csv``, ``designs.csv``, ``frontier.csv``),
rolling operation (``foresight.csv``, ``rolling_windows.csv``), a sweep
(``summary.csv``, ``failures.csv``, ``tornado.csv``, ``two_way.csv``) and a portfolio
(``allocation*.csv``, ``moves.csv``, ``sites.csv``). A sweep's summary has one column
per scalar KPI of a run's ``summary.json`` (:data:`KPIS`, per asset or program as
``assets.<id>.<kpi>`` / ``programs.<id>.<kpi>``).
"""

from __future__ import annotations

import re

Entry = tuple[str, str]  # (unit, meaning)

#: Pro forma lines (one row per year; received > 0, paid < 0) [USD unless noted].
PROFORMA: dict[str, Entry] = {
    "year": ("yr", "years after the investment (0: the investment, not discounted)"),
    "capex_usd": ("USD", "capital spent (purchases and replacements)"),
    "mining_revenue_usd": ("USD", "mining revenue"),
    "compute_revenue_usd": ("USD", "GPU compute revenue"),
    "heat_revenue_usd": ("USD", "revenue from heat sold"),
    "program_credit_usd": ("USD", "program credits (reserves, demand response)"),
    "other_revenue_usd": ("USD", "other revenue"),
    "energy_cost_usd": ("USD", "energy bill net of exports"),
    "demand_charge_usd": ("USD", "demand charges"),
    "four_cp_charge_usd": ("USD", "4CP transmission charges"),
    "fixed_om_usd": ("USD", "fixed operation and maintenance"),
    "variable_om_usd": ("USD", "variable operation and maintenance"),
    "other_cost_usd": ("USD", "other operating costs"),
    "operating_cash_flow_usd": ("USD", "revenue less operating costs"),
    "depreciation_usd": ("USD", "tax depreciation (MACRS, bonus, write-offs)"),
    "taxable_income_usd": ("USD", "operating cash flow less depreciation"),
    "state_tax_usd": ("USD", "state income tax (a loss is a benefit > 0)"),
    "federal_tax_usd": ("USD", "federal income tax on income less state tax"),
    "itc_usd": ("USD", "investment tax credit"),
    "salvage_usd": ("USD", "salvage value at the end of the analysis"),
    "net_cash_flow_usd": ("USD", "sum of the signed cash columns of the year"),
    "cumulative_usd": ("USD", "net cash flow summed up to the year"),
    "discount_factor": ("", "1 / (1 + discount rate)^year"),
    "discounted_cash_flow_usd": ("USD", "net cash flow times the discount factor"),
    "cumulative_discounted_usd": ("USD", "discounted cash flow summed up to the year"),
}

#: Summary KPIs of a run (site level, or per asset/program) by name.
KPIS: dict[str, Entry] = {
    # site and run
    "scenario": ("", "scenario name"),
    "era": ("", "the scenario's era and main assumptions in one line"),
    "assumptions": ("", "assumptions grid-flex filled in, in one line"),
    "start_utc": ("UTC", "start of the horizon (ISO 8601, UTC)"),
    "end_utc": ("UTC", "end of the horizon (ISO 8601, UTC)"),
    "intervals": ("", "number of intervals"),
    "horizon_h": ("h", "length of the horizon"),
    "profit_usd": ("USD", "operating profit over the horizon"),
    "net_profit_usd": ("USD", "operating profit less the capacity cost"),
    "capacity_cost_usd": ("USD", "annualised cost of the chosen capacities"),
    "revenue_usd": ("USD", "revenue over the horizon"),
    "energy_cost_usd": ("USD", "energy bill over the horizon, net of exports"),
    "other_cost_usd": ("USD", "costs other than energy (opex, wear, penalties)"),
    "unallocated_energy_cost_usd": (
        "USD",
        "energy cost not attributed to an asset (simultaneous import and export)",
    ),
    "mining_revenue_usd": ("USD", "mining revenue"),
    "compute_revenue_usd": ("USD", "GPU compute revenue"),
    "energy_bought_mwh": ("MWh", "energy imported"),
    "energy_sold_mwh": ("MWh", "energy exported to the grid"),
    "peak_import_mw": ("MW", "highest import"),
    "average_price_usd_per_mwh": ("USD/MWh", "time-weighted mean energy price"),
    "average_price_paid_usd_per_mwh": (
        "USD/MWh",
        "energy cost divided by energy bought",
    ),
    # every asset and program
    "type": ("", "asset or program type"),
    "cost_usd": ("USD", "costs other than energy"),
    "net_value_usd": ("USD", "revenue less costs less attributed energy cost"),
    "energy_mwh": ("MWh", "energy drawn (battery: usable capacity)"),
    "power_mw": ("MW", "rated power"),
    "unit_count": ("", "number of units (miners, battery modules, GPU nodes)"),
    # fleets
    "nameplate_power_mw": ("MW", "nameplate power of the fleet"),
    "available_power_mw": ("MW", "power available after availability derating"),
    "pue": ("", "power usage effectiveness (site power / miner power)"),
    "auxiliary_mwh": ("MWh", "cooling and auxiliary energy"),
    "site_energy_mwh": ("MWh", "miners' plus auxiliary energy"),
    "opex_usd": ("USD", "operating cost per MWh times energy"),
    "curtailed_mwh": ("MWh", "energy not drawn below available power"),
    "curtailed_full_load_h": ("h", "curtailed energy in hours at full load"),
    "hours_curtailed_h": ("h", "hours with any curtailment"),
    "hours_fully_off_h": ("h", "hours fully off"),
    "curtailed_share_of_hours_frac": ("share (0 to 1)", "share of hours curtailed"),
    "curtailment_rate_frac": ("share (0 to 1)", "curtailed share of available energy"),
    "hashrate_weighted_uptime_frac": (
        "share (0 to 1)",
        "hashrate delivered over hashrate available",
    ),
    "mean_hashrate_ths": ("TH/s", "mean hashrate"),
    "mean_hashprice_usd_per_ths_day": ("USD/(TH/s)/day", "mean hashprice"),
    "breakeven_full_load_usd_per_mwh": (
        "USD/MWh",
        "energy price at which full-load mining breaks even",
    ),
    "breakeven_marginal_usd_per_mwh": (
        "USD/MWh",
        "energy price at which the last MW of mining breaks even",
    ),
    # batteries
    "charged_mwh": ("MWh", "energy charged"),
    "discharged_mwh": ("MWh", "energy discharged"),
    "equivalent_full_cycles": ("", "discharged energy / usable capacity"),
    "degradation_usd": ("USD", "wear cost of the energy discharged"),
    "simultaneous_charge_discharge_h": (
        "h",
        "hours charging and discharging at once (should be 0)",
    ),
    # GPU clusters
    "available_it_power_mw": ("MW", "IT power of the available GPU nodes"),
    "nameplate_it_power_mw": ("MW", "nameplate IT power of the GPU nodes"),
    "node_count": ("", "GPU nodes (sized clusters: may be fractional before rounding)"),
    "facility_capacity_mw": ("MW", "facility power of the cluster (IT × PUE)"),
    "gpus_available_count": ("", "GPUs available"),
    "it_energy_mwh": ("MWh", "IT energy drawn"),
    "utilisation_frac": ("share (0 to 1)", "busy IT energy over available"),
    "compute_revenue_usd_per_mwh": ("USD/MWh", "compute revenue per MWh drawn"),
    "inference_revenue_usd": ("USD", "inference revenue"),
    "inference_served_gpu_h": ("GPU-h", "GPU-hours of inference served"),
    "inference_reduction_mwh": ("MWh", "inference energy reduced below must-serve"),
    "inference_reduction_h": ("h", "hours with inference reduced"),
    "inference_reduction_full_depth_h": (
        "h",
        "reduced inference energy in hours at the full allowed depth",
    ),
    "spot_gpu_h": ("GPU-h", "GPU-hours sold on the spot market"),
    "spot_revenue_usd": ("USD", "spot revenue"),
    "training_revenue_usd": ("USD", "training-job revenue"),
    "training_delivered_gpu_h": ("GPU-h", "training GPU-hours delivered"),
    "training_undelivered_gpu_h": ("GPU-h", "training GPU-hours not delivered"),
    # heat recovery
    "captured_mwhth": ("MWh thermal", "heat captured from the sources"),
    "served_mwhth": ("MWh thermal", "heat delivered to the customers"),
    "demand_mwhth": ("MWh thermal", "heat demand of the customers"),
    "dumped_mwhth": ("MWh thermal", "captured heat rejected"),
    "storage_losses_mwhth": ("MWh thermal", "heat lost by the store"),
    "demand_met_frac": ("share (0 to 1)", "share of heat demand met"),
    "captured_reused_frac": ("share (0 to 1)", "share of captured heat used"),
    "immersion_miners_capture_frac": (
        "share (0 to 1)",
        "share of the miners' heat captured by immersion cooling",
    ),
    "loop_temp_degc": ("°C", "temperature of the heat-recovery loop"),
    "fan_energy_mwh": ("MWh", "energy of the dump fans"),
    "heat_pump_energy_mwh": ("MWh", "electric energy of the heat pump"),
    "heat_pump_output_mwhth": ("MWh thermal", "heat delivered by the heat pump"),
    "heat_value_usd": ("USD", "value of the heat served"),
    "fuel_saved_mmbtu": ("MMBtu", "boiler fuel avoided"),
    "avoided_tco2": ("tCO2", "boiler emissions avoided"),
    # emissions
    "grid_tco2": ("tCO2", "emissions of the energy imported (marginal)"),
    "direct_tco2": ("tCO2", "direct emissions on site"),
    "avoided_heat_tco2": ("tCO2", "boiler emissions avoided by reused heat"),
    "net_tco2": ("tCO2", "grid plus direct less avoided emissions"),
    "location_based_tco2": ("tCO2", "emissions at the average (location-based) rate"),
    "cap_tco2": ("tCO2", "emissions cap"),
    "cap_binding": ("", "true when the cap limits the schedule"),
    "cap_shadow_price_usd_per_tco2": (
        "USD/tCO2",
        "profit lost per tonne the cap is tightened",
    ),
    "carbon_price_usd_per_tco2": ("USD/tCO2", "carbon price"),
    "carbon_cost_usd": ("USD", "carbon price times net emissions"),
    "marginal_abatement_cost_usd_per_tco2": (
        "USD/tCO2",
        "profit lost per tonne avoided at the margin",
    ),
    "mean_marginal_rate_tco2_per_mwh": ("tCO2/MWh", "mean marginal emission rate"),
    "mean_marginal_rate_bought_tco2_per_mwh": (
        "tCO2/MWh",
        "marginal emission rate weighted by energy bought",
    ),
    "heat_credit_counted": ("", "true when avoided boiler emissions are credited"),
    # demand charges and 4CP
    "charge_usd": ("USD", "charge paid"),
    "full_load_charge_usd": ("USD", "charge at full load without flexibility"),
    "charge_avoided_usd": ("USD", "full-load charge less the charge paid"),
    "tag_mw": ("MW", "4CP tag: weighted import at the coincident peaks"),
    "full_load_tag_mw": ("MW", "4CP tag at full load"),
    "usd_per_kw_year": ("USD/kW/yr", "4CP rate per kW of tag"),
    "peaks_per_year": ("", "coincident peaks counted per year"),
    "peak_months_in_horizon": ("", "peak months inside the horizon"),
    "form": ("", "known intervals or expected (probability-weighted) peaks"),
    "usd_per_kw_month": ("USD/kW/month", "demand-charge rate"),
    "months_billed": ("", "months with a demand charge"),
    "max_monthly_peak_mw": ("MW", "highest billed monthly peak"),
    "full_load_peak_mw": ("MW", "highest monthly peak at full load"),
    # limits: import caps, quotas, mining bans, emergency curtailment
    "capped_intervals": ("", "intervals with an import cap"),
    "capped_h": ("h", "hours with an import cap"),
    "lowest_cap_mw": ("MW", "lowest cap in force"),
    "binding_intervals": ("", "intervals where the limit binds (shadow price > 0)"),
    "binding_h": ("h", "hours where the limit binds"),
    "withheld_mwh": ("MWh", "energy the limit kept the site from drawing, at most"),
    "profit_lost_at_most_usd": ("USD", "upper bound of the profit the limit cost"),
    "cap_value_usd_per_mw": ("USD/MW", "profit per MW more of cap, summed over time"),
    "period": ("", "quota period (month, week, year, ...)"),
    "periods": ("", "number of quota periods"),
    "binding_periods": ("", "periods where the quota binds"),
    "quota_mwh": ("MWh", "energy quota"),
    "fleets": ("", "fleets the ban applies to"),
    "banned_intervals": ("", "intervals of the ban"),
    "banned_h": ("h", "hours of the ban"),
    "max_power_in_window_mw": ("MW", "highest fleet power during the ban"),
    "energy_outside_window_mwh": ("MWh", "fleet energy outside the ban"),
    "assets": ("", "assets the program applies to"),
    "capacity_mw": ("MW", "load the program can curtail"),
    "min_curtail_frac": ("share (0 to 1)", "least share curtailed in an event"),
    "event_intervals": ("", "intervals of events"),
    "event_h": ("h", "hours of events"),
    "curtailed_in_events_mwh": ("MWh", "load curtailed during the events"),
    "max_load_in_events_mw": ("MW", "highest load during the events"),
    "storage_held": ("", "stores held back for the events"),
    "storage_binding_intervals": ("", "intervals where holding storage binds"),
    # hashrate forwards
    "forward_ths": ("TH/s", "hashrate sold forward"),
    "fixed_hashprice_usd_per_ths_day": ("USD/(TH/s)/day", "forward hashprice"),
    "mean_spot_hashprice_usd_per_ths_day": ("USD/(TH/s)/day", "mean spot hashprice"),
    "delivered_ths": ("TH/s", "mean hashrate delivered"),
    "delivery_margin_ths": ("TH/s", "delivered less sold forward"),
    # contracts
    "block_mw": ("MW", "contracted block"),
    "fixed_price_usd_per_mwh": ("USD/MWh", "contract price"),
    "contracted_mwh": ("MWh", "contracted energy"),
    "used_mwh": ("MWh", "contracted (or quota) energy used"),
    "unused_mwh": ("MWh", "contracted energy not used"),
    "forfeited_mwh": ("MWh", "contracted energy neither used nor sold back"),
    "fixed_payments_usd": ("USD", "fixed price times the block"),
    "sell_back_revenue_usd": ("USD", "unused contracted energy sold at spot"),
    "sell_back_unused": ("", "true when unused contracted energy is sold back"),
    "power_credits_usd": ("USD", "spot less fixed price on unused contracted energy"),
    "settlement_usd": ("USD", "what the contract paid the site, net"),
    "curtailed_h": ("h", "hours with unused contracted energy"),
    "energy_price_after_contract_usd_per_mwh": (
        "USD/MWh",
        "spot cost of imports less the settlement, per MWh bought",
    ),
    # demand response and reserves
    "events": ("", "number of events"),
    "event_hours_h": ("h", "hours of events"),
    "committed_mw": ("MW", "curtailment committed in each event (chosen if sized)"),
    "committed_mwh": ("MWh", "curtailment committed over the events"),
    "delivered_mwh": ("MWh", "curtailment delivered"),
    "shortfall_mwh": ("MWh", "commitment not delivered"),
    "delivery_frac": ("share (0 to 1)", "delivered over committed"),
    "payments_usd": ("USD", "payments received"),
    "penalties_usd": ("USD", "penalties paid"),
    "penalty_usd": ("USD", "penalty paid"),
    "capacity_revenue_usd": ("USD", "capacity payments for reserves offered"),
    "deployed_mwh": ("MWh", "expected energy deployed"),
    "deployment_cost_usd": ("USD", "expected cost of deployed energy"),
    "direction": ("", "up or down"),
    "offered_mw_max": ("MW", "largest offer"),
    "offered_mw_mean": ("MW", "mean offer"),
    "offered_mwh": ("MWh", "offers summed over time"),
    # feasibility studies (a sweep of studies: the finance section)
    "design": ("", "the design the figures are for (rounded: whole units)"),
    "npv_usd": ("USD", "net present value after tax"),
    "bau_npv_usd": ("USD", "NPV of business as usual (existing capacities only)"),
    "npv_vs_bau_usd": ("USD", "NPV less business as usual's"),
    "irr_frac": (
        "share (0 to 1)",
        "internal rate of return per yr (empty: see irr_reason)",
    ),
    "irr_reason": ("", "why there is no unique IRR"),
    "mirr_frac": ("share (0 to 1)", "modified IRR per yr"),
    "mirr_reason": ("", "why there is no MIRR"),
    "return_basis": ("", "irr or mirr: the return reported"),
    "payback_yr": ("yr", "simple payback"),
    "payback_reason": ("", "why the payback is missing, or how it was read"),
    "discounted_payback_yr": ("yr", "discounted payback"),
    "discounted_payback_reason": (
        "",
        "why the discounted payback is missing, or how it was read",
    ),
    "cost_per_btc_usd": ("USD", "levelised all-in cost per bitcoin mined"),
    "energy_cost_per_btc_usd": ("USD", "energy cost per bitcoin mined"),
    "cash_cost_per_btc_usd": ("USD", "cash operating cost per bitcoin mined"),
    "cost_per_btc_reason": ("", "why the cost per bitcoin is missing"),
    "breakeven_btc_price_usd": ("USD", "bitcoin price at which the NPV is 0"),
    "breakeven_reason": ("", "why there is no breakeven bitcoin price"),
    "lp_objective_pretax_npv_usd": ("USD", "the sizing LP's objective: pre-tax NPV"),
    # rolling operation
    "lookahead_h": ("h", "length of each rolling window"),
    "commit_h": ("h", "hours committed from each window"),
    "windows": ("", "number of rolling windows"),
    "realised_profit_usd": ("USD", "profit settled at actual prices"),
    "perfect_foresight_profit_usd": ("USD", "profit with perfect foresight"),
    "rolling_perfect_forecast_profit_usd": (
        "USD",
        "profit of rolling windows on perfect forecasts",
    ),
    "value_of_perfect_foresight_usd": ("USD", "perfect foresight less realised"),
    "value_of_better_forecast_usd": (
        "USD",
        "rolling on perfect forecasts less realised",
    ),
}

#: KPI names made of ids: (pattern, unit, meaning with the id).
KPI_PATTERNS: tuple[tuple[re.Pattern[str], str, str], ...] = (
    (re.compile(r"job_(?P<id>.+)_work_gpu_h"), "GPU-h", "work of training job {id}"),
    (
        re.compile(r"job_(?P<id>.+)_delivered_gpu_h"),
        "GPU-h",
        "GPU-hours delivered to training job {id}",
    ),
    (
        re.compile(r"job_(?P<id>.+)_undelivered_gpu_h"),
        "GPU-h",
        "GPU-hours of training job {id} not delivered",
    ),
    (
        re.compile(r"job_(?P<id>.+)_delivered_frac"),
        "share (0 to 1)",
        "share of training job {id} delivered",
    ),
    (re.compile(r"job_(?P<id>.+)_revenue_usd"), "USD", "revenue of training job {id}"),
    (re.compile(r"job_(?P<id>.+)_penalty_usd"), "USD", "penalty of training job {id}"),
    (
        re.compile(r"(?P<id>.+)_served_mwhth"),
        "MWh thermal",
        "heat delivered to customer {id}",
    ),
    (
        re.compile(r"(?P<id>.+)_demand_met_frac"),
        "share (0 to 1)",
        "share of customer {id}'s heat demand met",
    ),
    (re.compile(r"(?P<id>.+)_revenue_usd"), "USD", "revenue of the {id} assets"),
    (re.compile(r"(?P<id>.+)_value_usd"), "USD", "net value of {id}"),
)


def describe_kpi(name: str) -> Entry | None:
    """(unit, meaning) of a summary KPI; None when undeclared.

    Per-owner KPIs are ``assets.<id>.<kpi>`` / ``programs.<id>.<kpi>``, a reserve
    service's ``programs.<id>.<service>.<kpi>``.
    """
    owner = ""
    head, _, tail = name.partition(".")
    if head in ("assets", "programs") and tail:
        owner, _, name = tail.partition(".")
    service, _, kpi = name.rpartition(".")
    entry = KPIS.get(kpi)
    if entry is None:
        for pattern, unit, meaning in KPI_PATTERNS:
            match = pattern.fullmatch(kpi)
            if match:
                entry = (unit, meaning.format(**match.groupdict()))
                break
    if entry is None:
        return None
    where = ", ".join(p for p in (owner, service) if p)
    return entry if not where else (entry[0], f"{entry[1]} ({where})")


#: Sweep bookkeeping columns of summary.csv and failures.csv.
SWEEP: dict[str, Entry] = {
    "case": ("", "case number in the sweep file's order"),
    "key": ("", "case key: hash of the case's resolved scenario"),
    "group": ("", "how the case was made: base, grid, low, high, sample or file"),
    "param": ("", "the field a low or high case moves"),
    "file": ("", "scenario file of the case (a folder of scenarios)"),
    "status": ("", "ok, infeasible, bad_input, failed or not_run"),
    "error": ("", "the error of a failed case"),
    "worker_pid": ("", "process that solved the case"),
    "highs_s": ("s", "time in HiGHS"),
    "highs_cpu_s": ("s", "CPU time of the worker while HiGHS ran"),
    "resolve_mode": ("", "cold, in_place, basis or full: how HiGHS re-solved"),
    "solve_s": ("s", "time to build and solve the case"),
    "run_id": ("", "sweep run that solved the case"),
}
#: Sweep columns of a study's sizes: (pattern, meaning with the capacity key).
SWEEP_SIZES = (
    (re.compile(r"size\.(?P<key>.+)"), "size bought (rounded) of {key}"),
    (re.compile(r"size_optimal\.(?P<key>.+)"), "optimal size of {key}"),
)

#: Fixed columns of every table other than the time series, by file name.
TABLES: dict[str, dict[str, Entry]] = {
    "sizes.csv": {
        "key": ("", "capacity: <asset or site>.<quantity>"),
        "asset_id": ("", "asset (or site)"),
        "quantity": ("", "the quantity sized"),
        "unit": ("", "unit of min, max, existing, optimal and rounded"),
        "min": ("row's unit", "smallest size allowed"),
        "max": ("row's unit", "largest size allowed"),
        "existing": ("row's unit", "capacity already there (business as usual)"),
        "optimal": ("row's unit", "size chosen by the LP"),
        "rounded": ("row's unit", "size rounded to whole units"),
        "unit_count": ("", "whole units of the rounded size"),
        "capex_usd_per_unit": ("USD per row's unit", "capital cost"),
        "life_yr": ("yr", "life of the equipment"),
        "build_out_usd_per_unit": (
            "USD per row's unit",
            "capital cost of the build-out bought once (infrastructure_life_yr)",
        ),
        "build_out_life_yr": ("yr", "life of that build-out"),
        "fixed_om_usd_per_unit_yr": ("USD per row's unit per yr", "fixed O&M"),
        "present_cost_usd_per_unit": (
            "USD per row's unit",
            "present value of capex, replacements and O&M over the analysis",
        ),
    },
    "proforma.csv": PROFORMA,
    "proforma_bau.csv": PROFORMA,
    "scenario_set.csv": {
        "scenario": ("", "scenario of the risk set"),
        "probability": ("share (0 to 1)", "its probability"),
        "patch": ("", "the changes to the base scenario (--set form)"),
    },
    "scenario_results.csv": {
        "scenario": ("", "scenario of the risk set"),
        "probability": ("share (0 to 1)", "its probability"),
        "profit_usd": ("USD", "pre-tax NPV of the risk-averse design"),
        "profit_risk_neutral_usd": ("USD", "pre-tax NPV of the risk-neutral design"),
    },
    "designs.csv": {
        "key": ("", "capacity: <asset or site>.<quantity>"),
        "unit": ("", "unit of the capacities"),
        "risk_neutral": ("row's unit", "capacity chosen maximising expected NPV"),
        "risk_averse": ("row's unit", "capacity chosen with CVaR weighted by ω"),
    },
    "frontier.csv": {
        "omega": ("share (0 to 1)", "weight ω of CVaR in the objective"),
        "expected_usd": ("USD", "expected pre-tax NPV of the design"),
        "cvar_usd": ("USD", "CVaR at α of the design's pre-tax NPV"),
    },
    "foresight.csv": {
        "stream": ("", "revenue or cost stream (asset type, energy, total)"),
        "perfect_foresight_usd": ("USD", "value with perfect foresight"),
        "rolling_perfect_forecast_usd": (
            "USD",
            "value of rolling windows on perfect forecasts",
        ),
        "realised_usd": ("USD", "value realised on the forecasts, settled at actuals"),
        "value_of_perfect_foresight_usd": ("USD", "perfect foresight less realised"),
        "value_of_better_forecast_usd": (
            "USD",
            "rolling on perfect forecasts less realised",
        ),
    },
    "rolling_windows.csv": {
        "window": ("", "window number"),
        "start_utc": ("UTC", "start of the window"),
        "commit_end_utc": ("UTC", "end of the intervals committed"),
        "end_utc": ("UTC", "end of the window's look-ahead"),
        "intervals": ("", "intervals in the window"),
        "window_objective_usd": ("USD", "objective of the window's LP (forecasts)"),
        "seconds": ("s", "time to build and solve the window"),
        "solve": ("", "how the window was solved: in_place, basis, cold or pyomo"),
        "state_in": ("", "state carried into the window (JSON)"),
        "state_out": ("", "state carried out at the commit end (JSON)"),
    },
    "summary.csv": SWEEP,
    "failures.csv": SWEEP,
    "tornado.csv": {
        "parameter": ("", "scenario field moved"),
        "low_value": ("field's unit", "its low value"),
        "high_value": ("field's unit", "its high value"),
        "kpi": ("", "KPI compared"),
        "kpi_low": ("KPI's unit", "KPI at the low value"),
        "kpi_high": ("KPI's unit", "KPI at the high value"),
        "kpi_base": ("KPI's unit", "KPI of the base case"),
        "swing": ("KPI's unit", "|kpi_high − kpi_low|"),
    },
    "two_way.csv": {
        "x_name": ("", "first scenario field"),
        "x_value": ("field's unit", "its value"),
        "y_name": ("", "second scenario field"),
        "y_value": ("field's unit", "its value"),
        "kpi_name": ("", "KPI of the table"),
        "kpi_value": ("KPI's unit", "KPI at (x, y)"),
    },
    "allocation.csv": {
        "fleet": ("", "fleet"),
        "site": ("", "site"),
        "period": ("", "period"),
        "start": ("UTC", "start of the period"),
        "allocated_mw": ("MW", "fleet power at the site in the period"),
    },
    "moves.csv": {
        "fleet": ("", "fleet"),
        "from_site": ("", "site the machines leave"),
        "to_site": ("", "site the machines go to"),
        "period": ("", "period they arrive in"),
        "start": ("UTC", "start of that period"),
        "moved_mw": ("MW", "fleet power moved"),
        "cost_usd": ("USD", "moving cost"),
        "downtime_h": ("h", "hours the moved machines are off"),
        "downtime_mwh": ("MWh", "mining energy lost to the move"),
    },
    "sites.csv": {
        "site": ("", "site or hosting offer"),
        "period": ("", "period"),
        "start": ("UTC", "start of the period"),
        "profit_usd": ("USD", "operating profit, before moving costs"),
        "grid_import_mwh": ("MWh", "energy imported by the site"),
        "fleet_mwh": ("MWh", "energy drawn by the portfolio's fleets at the site"),
        "emissions_tco2": ("tCO2", "emissions of the site (empty: no emissions data)"),
    },
}
TABLES["tradeoff.csv"] = {
    "point": ("", "point on the curve"),
    "by": ("", "cap or carbon_price: what was varied"),
    "carbon_price_usd_per_tco2": ("USD/tCO2", "carbon price of the point"),
    "cap_tco2": ("tCO2", "cap on net emissions of the point (empty: none)"),
    "net_tco2": ("tCO2", "net emissions"),
    "grid_tco2": ("tCO2", "emissions of the energy imported"),
    "energy_bought_mwh": ("MWh", "energy imported"),
    "operating_profit_usd": ("USD", "profit before the carbon cost"),
    "carbon_cost_usd": ("USD", "carbon price times net emissions"),
    "profit_usd": ("USD", "profit after the carbon cost"),
    "cap_shadow_price_usd_per_tco2": (
        "USD/tCO2",
        "profit lost per tonne the cap is tightened",
    ),
}
TABLES["hosting_capacity.csv"] = {
    "curtailment_limit_frac": ("share (0 to 1)", "allowed curtailment share"),
    "hosting_capacity_mw": ("MW", "largest fleet load within the limit"),
    "curtailment_frac": ("share (0 to 1)", "curtailment share of that case"),
    "case": ("", "the case"),
    "key": ("", "its case key"),
    "at_sweep_max": ("", "true: the largest load swept qualifies (may be higher)"),
}
TABLES["allocation_static.csv"] = TABLES["allocation.csv"]
TABLES["sites_static.csv"] = TABLES["sites.csv"]
TABLES["summary.parquet"] = TABLES["summary.csv"]
