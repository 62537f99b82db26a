"""What rolling operation reports: profit per stream and the value of foresight.

Streams split a settled profit into its sources; they add up to ``profit_usd``:

* ``energy``: minus the site's energy cost (imports at price + adders, exports);
* one stream per asset kind (``asic_fleet``, ``battery``, ``gpu_cluster``,
  ``heat_recovery``): its revenue minus its non-energy costs (hashing revenue, wear);
* one stream per program kind (``four_cp``, ``demand_charge``,
  ``demand_response``, ``ancillary_services``, ...): its revenue minus its cost.

``foresight.csv`` has one row per stream and a ``total`` row with the profit of the
perfect-foresight solve, of rolling on perfect forecasts and of rolling on the chosen
forecasts (all settled at actual prices), then
``value_of_perfect_foresight_usd = perfect foresight − realised`` and
``value_of_better_forecast_usd = rolling on perfect forecasts − realised``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import pandas as pd

from grid_flex.results import Results
from grid_flex.schema.rolling import Rolling

if TYPE_CHECKING:
    from grid_flex.studies.rolling_state import RollingRun

#: File name of the foresight table in a results folder.
FORESIGHT_FILE = "foresight.csv"


def streams(results: Results) -> dict[str, float]:
    """Profit by stream [USD]; the values add up to ``summary["profit_usd"]``."""
    table = results.timeseries
    out: dict[str, float] = {"energy": -float(table["site.energy_cost_usd"].sum())}
    for section in ("assets", "programs"):
        for mid, kpis in results.summary[section].items():
            kind = str(kpis["type"])
            value = float(table[f"{mid}.revenue_usd"].sum()) - float(
                table[f"{mid}.cost_usd"].sum()
            )
            out[kind] = out.get(kind, 0.0) + value
    return out


def foresight_table(realised: Results, others: Mapping[str, Results]) -> pd.DataFrame:
    """Profit per stream for each run and the value of foresight [USD]."""
    runs = {
        "perfect_foresight_usd": others["perfect_foresight"],
        "rolling_perfect_forecast_usd": others["rolling_perfect_forecast"],
        "realised_usd": realised,
    }
    by_run = {name: streams(r) for name, r in runs.items()}
    names = list(dict.fromkeys(k for s in by_run.values() for k in s))
    frame = pd.DataFrame(
        {name: [s.get(k, 0.0) for k in names] for name, s in by_run.items()},
        index=pd.Index(names, name="stream"),
    )
    frame.loc["total"] = frame.sum()
    frame["value_of_perfect_foresight_usd"] = (
        frame["perfect_foresight_usd"] - frame["realised_usd"]
    )
    frame["value_of_better_forecast_usd"] = (
        frame["rolling_perfect_forecast_usd"] - frame["realised_usd"]
    )
    return frame.reset_index()


def rolling_summary(
    spec: Rolling,
    run: RollingRun,
    realised: Results,
    others: Mapping[str, Results],
    undecided: list[str],
) -> dict[str, Any]:
    """The ``rolling`` section of ``summary.json``."""
    profit = float(realised.summary["profit_usd"])
    out: dict[str, Any] = {
        "lookahead_h": spec.lookahead_h,
        "commit_h": spec.commit_h,
        "windows": len(run.log),
        "forecasts": run.forecast_methods,
        "end_of_window": "stored energy valued at the window's median forecast price "
        "x discharge efficiency (last window: the scenario's end state)",
        "realised_profit_usd": profit,
        "decided_in_settlement": undecided,
    }
    if others:
        pf = float(others["perfect_foresight"].summary["profit_usd"])
        rp = float(others["rolling_perfect_forecast"].summary["profit_usd"])
        out |= {
            "perfect_foresight_profit_usd": pf,
            "rolling_perfect_forecast_profit_usd": rp,
            "value_of_perfect_foresight_usd": pf - profit,
            "value_of_better_forecast_usd": rp - profit,
        }
    return out


def rolling_text(results: Results) -> str:
    """A few console lines on the rolling run (below the normal summary)."""
    r = results.summary.get("rolling")
    if not r:
        return ""
    lines = [
        "",
        f"  rolling: {r['windows']} windows of {r['lookahead_h']:g} h committing "
        f"{r['commit_h']:g} h; price forecast {r['forecasts']['price']}"
        + (
            f"; decided on forecasts of {', '.join(r['forecasts']['programs'])}"
            if r["forecasts"]["programs"]
            else ""
        ),
        f"  realised profit at actual prices   {r['realised_profit_usd']:>16,.0f} USD",
    ]
    if "perfect_foresight_profit_usd" in r:
        lines += [
            f"  perfect-foresight profit           "
            f"{r['perfect_foresight_profit_usd']:>16,.0f} USD",
            f"  value of perfect foresight         "
            f"{r['value_of_perfect_foresight_usd']:>16,.0f} USD",
            f"  value of a perfect forecast        "
            f"{r['value_of_better_forecast_usd']:>16,.0f} USD",
        ]
    return "\n".join(lines)
