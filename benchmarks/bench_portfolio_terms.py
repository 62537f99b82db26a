"""What terms shared across a portfolio's blocks cost: nordic_2018 with and without.

In one process (inputs prepared once), each case solved with moves and static,
CPU seconds (user + system, all threads) per solve (after a garbage collection
outside the timing), cases in turn so that the machine's load falls on all alike:

* ``plain`` — the bundled study as it is;
* ``quota`` — a daily energy quota of 300 MWh on every site (the 20 MW fleet
  could draw 480 MWh a day: it binds), one row per site and day over the blocks;
* ``dc`` — a 5 USD/kW-month demand charge on every site, one peak per site and
  month shared by the month's blocks (7 days of downtime split every month after
  January into two blocks);
* ``dc, no downtime`` — the same with ``downtime_days: 0``: periods are whole
  months, so no peak is shared: the shared peaks' own cost is the difference.

Also the Sweden 4 site alone (:func:`grid_flex.api.run`) with and without the same
terms, to separate what the terms cost any LP from what sharing them costs::

    python benchmarks/bench_portfolio_terms.py --repeat 2
"""

from __future__ import annotations

import argparse
import dataclasses
import gc
import os
import resource
import statistics
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from grid_flex.api import run
from grid_flex.inputs import prepare_inputs
from grid_flex.io.scenario import load_scenario
from grid_flex.studies.portfolio import PortfolioSite, run_portfolio
from grid_flex.studies.portfolio_spec import load_portfolio

ROOT = Path(__file__).resolve().parents[1]
SPEC = ROOT / "scenarios" / "portfolios" / "nordic_2018.yaml"
QUOTA = {"type": "energy_quota", "id": "q", "quota_mwh": 300.0, "period": "day"}
CHARGE = {"type": "demand_charge", "id": "dc", "usd_per_kw_month": 5.0}


def cpu_s() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def with_programs(site: PortfolioSite, base: Path, extra: list[dict[str, Any]]) -> Any:
    """The site's scenario with ``extra`` programs, and its prepared inputs."""
    sc = site.inputs.scenario  # carries the spec's exchange rate
    data = sc.model_dump()
    data["programs"] = [*(data.get("programs") or []), *extra]
    sc2 = type(sc).model_validate(data)
    return sc2, dataclasses.replace(site, inputs=prepare_inputs(sc2, base))


def main() -> None:
    """Solve each case ``--repeat`` times in turn; print median CPU seconds."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=2)
    args = ap.parse_args()
    spec, sites, fleets, periods, moves, events, hosting = load_portfolio(SPEC)
    bases = {s.id: load_scenario(SPEC.parent / s.scenario)[1] for s in spec.sites}
    variants = {
        name: [with_programs(s, bases[s.id], extra) for s in sites]
        for name, extra in (("quota", [QUOTA]), ("dc", [CHARGE]))
    }
    still = dataclasses.replace(moves, downtime_h=0.0)
    se4 = next(i for i, s in enumerate(sites) if s.id == "se4_heat")

    def study(ss: list[PortfolioSite], mv: Any) -> Callable[[], float]:
        return lambda: (
            run_portfolio(ss, fleets, periods, mv, events, hosting).objective_usd
        )

    cases: dict[str, Callable[[], float]] = {
        "portfolio plain": study(sites, moves),
        "portfolio quota": study([v[1] for v in variants["quota"]], moves),
        "portfolio dc": study([v[1] for v in variants["dc"]], moves),
        "portfolio dc, no downtime": study([v[1] for v in variants["dc"]], still),
        "portfolio plain, no downtime": study(sites, still),
        "se4 alone plain": lambda: (
            run(sites[se4].inputs.scenario, base_dir=bases["se4_heat"]).objective_usd
        ),
        "se4 alone quota": lambda: (
            run(variants["quota"][se4][0], base_dir=bases["se4_heat"]).objective_usd
        ),
        "se4 alone dc": lambda: (
            run(variants["dc"][se4][0], base_dir=bases["se4_heat"]).objective_usd
        ),
    }
    times: dict[str, list[float]] = {k: [] for k in cases}
    for _ in range(args.repeat):
        for name, case in cases.items():
            gc.collect()  # the previous case's garbage is not this one's time
            t = cpu_s()
            wall = time.perf_counter()
            objective = case()
            times[name].append(cpu_s() - t)
            print(
                f"  {name:<30} cpu {times[name][-1]:6.2f} s  wall "
                f"{time.perf_counter() - wall:6.2f} s  objective {objective:,.0f}",
                flush=True,
            )
    print(f"load average {os.getloadavg()[0]:.1f}; {args.repeat} rounds")
    plain = statistics.median(times["portfolio plain"])
    for name, ts in times.items():
        med = statistics.median(ts)
        print(f"{name:<30} median cpu {med:6.2f} s  ({med / plain:4.2f}× plain)")


if __name__ == "__main__":
    main()
