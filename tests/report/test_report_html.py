"""The HTML report: one offline file per folder, every section it can draw, bad folders.

Sections are checked on the real results folders of every bundled scenario (short
horizons, ``conftest.py``) and on small study, sweep and risk folders written here.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from grid_flex.cli import main
from grid_flex.headline import headline
from grid_flex.numfmt import format_number
from grid_flex.report import read_folder, render_report
from grid_flex.report.html import report_charts
from grid_flex.resources import scenarios_dir

pytestmark = pytest.mark.solver

BUNDLED = sorted(p.stem for p in scenarios_dir().glob("*.yaml"))
MAX_BYTES = 15_000_000


def chart_data(page: str) -> dict:
    match = re.search(
        r'<script type="application/json" id="gf-data">(.*?)</script>', page, re.S
    )
    assert match is not None
    return json.loads(match.group(1))


def assert_self_contained(page: str) -> None:
    # Nothing is fetched: no external script, style sheet, image or font.
    assert not re.search(r"<script[^>]+src=", page)
    assert not re.search(r"<link[^>]+href=", page)
    assert not re.search(r"<img[^>]+src=['\"]?https?:", page)
    assert "@import" not in page.split("<script>")[0]


def trace_points(trace: dict) -> int:
    for key in ("z", "y", "x"):
        if key in trace and trace[key] is not None:
            return sum(len(r) if isinstance(r, list) else 1 for r in trace[key])
    return 0


@pytest.mark.parametrize("name", BUNDLED)
def test_report_of_every_bundled_scenario(name, bundled_run, tmp_path):
    results, folder = bundled_run(name)
    out = render_report(folder, tmp_path / "report.html")
    page = out.read_text(encoding="utf-8")
    assert out.stat().st_size < MAX_BYTES
    assert_self_contained(page)
    figs = chart_data(page)
    # Every chart has traces and each trace has data.
    assert figs
    for key, figure in figs.items():
        assert figure["data"], key
        for trace in figure["data"]:
            assert trace_points(trace) > 0, (key, trace.get("name"))
    # The charts the issue names, where the run has them.
    assert any(k.startswith("dispatch-") for k in figs)
    for key in ("price-duration", "heatmap-price", "monthly-money", "monthly-bill"):
        assert key in figs
    summary = results.summary
    kinds = {k["type"] for k in summary["assets"].values()}
    if "asic_fleet" in kinds:
        assert "heatmap-mining" in figs
        names = [t["name"] for t in figs["price-duration"]["data"]]
        for aid, kpis in summary["assets"].items():
            if kpis["type"] == "asic_fleet":
                assert f"{aid} breakeven, full load" in names
    if any(p["type"] == "emissions" for p in summary["programs"].values()):
        assert "monthly-emissions" in figs
        assert "MiCA sustainability indicators" in page
    # The headline in the page is the console's: same lines, same numbers.
    for line in headline(summary, results.timeseries):
        assert line.label in page
        assert format_number(line.value_usd) in page
    assert format_number(summary["profit_usd"]) in page


def test_dispatch_stack_draws_each_asset_price_and_storage(bundled_run):
    _, folder = bundled_run("west_texas_gpu_mining_2020")
    _, charts = report_charts(read_folder(folder))
    dispatch = next(c for c in charts if c.key.startswith("dispatch-"))
    names = {t["name"]: t for t in dispatch.figure["data"]}
    for name in (
        "s19xp_fleet (asic_fleet)",
        "gpu_cluster (gpu_cluster)",
        "battery charge",
        "battery discharge",
        "grid import",
        "price [USD/MWh]",
        "battery stored [MWh]",
    ):
        assert name in names, name
    assert names["price [USD/MWh]"]["yaxis"] == "y2"
    assert names["battery stored [MWh]"]["yaxis"] == "y3"
    assert max(names["battery discharge"]["y"]) <= 0.0  # supply drawn below zero
    # The stack adds up to the import (no export here) in every interval.
    stacked = [t for t in dispatch.figure["data"] if t.get("stackgroup")]
    total = pd.DataFrame([t["y"] for t in stacked]).sum()
    grid = pd.Series(names["grid import"]["y"])
    assert (total - grid).abs().max() < 0.01


def test_heat_reuse_in_dispatch(bundled_run):
    _, folder = bundled_run("houston_hospital_heat_2020")
    _, charts = report_charts(read_folder(folder))
    dispatch = next(c for c in charts if c.key.startswith("dispatch-"))
    names = [t["name"] for t in dispatch.figure["data"]]
    assert "hospital_heat heat served [MWth]" in names
    assert "hospital_heat heat stored [MWhth]" in names


def test_price_duration_keeps_the_extremes_and_the_hours(bundled_run):
    results, folder = bundled_run("ercot_uri_feb2021_15min")
    _, charts = report_charts(read_folder(folder))
    pdc = next(c for c in charts if c.key == "price-duration").figure
    price = next(t for t in pdc["data"] if t["name"] == "price [USD/MWh]")
    ts = results.timeseries
    assert price["y"][0] == pytest.approx(ts["site.price_usd_per_mwh"].max(), abs=0.01)
    assert price["y"][-1] == pytest.approx(ts["site.price_usd_per_mwh"].min(), abs=0.01)
    assert price["x"][-1] == pytest.approx(ts["site.timestep_h"].sum(), abs=0.01)
    assert len(price["y"]) <= 1000 < len(ts)  # decimated, 2,688 intervals


def test_monthly_money_sums_to_the_profit(bundled_run):
    results, folder = bundled_run("ercot_summer_2019_4cp")
    _, charts = report_charts(read_folder(folder))
    money = next(c for c in charts if c.key == "monthly-money").figure
    bars = [t for t in money["data"] if t["type"] == "bar"]
    assert len(money["data"][0]["x"]) == 4  # June to September
    total = sum(sum(t["y"]) for t in bars)
    # Monthly sums are rounded to the dollar: at most 0.5 USD per bar.
    assert abs(total - results.summary["profit_usd"]) <= 0.5 * sum(
        len(t["y"]) for t in bars
    )
    bill = next(c for c in charts if c.key == "monthly-bill").figure
    assert [t["name"] for t in bill["data"]] == [
        "energy (imports less exports)",
        "4CP transmission charge (four_cp)",
    ]


def test_weeks_can_be_chosen(bundled_run, tmp_path):
    _, folder = bundled_run("west_texas_2020")
    result = CliRunner().invoke(
        main,
        ["report", str(folder), "-o", str(tmp_path / "r.html"), "--week", "2020-01-06"],
    )
    assert result.exit_code == 0, result.output
    figs = chart_data((tmp_path / "r.html").read_text())
    dispatch = [f for k, f in figs.items() if k.startswith("dispatch-")]
    assert len(dispatch) == 1
    first = dispatch[0]["data"][0]["x"][0]
    assert first == "2020-01-06 00:00"


def test_rendering_leaves_pyomo_unloaded(bundled_run, tmp_path):
    _, folder = bundled_run("west_texas_2020")
    code = (
        "import sys\n"
        "from grid_flex.report import render_report\n"
        f"render_report(r'{folder}', r'{tmp_path / 'r.html'}')\n"
        "print('pyomo' in sys.modules, 'grid_flex.api' in sys.modules)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert done.stdout.split() == ["False", "False"]


def test_solve_report_flag_writes_the_report(tmp_path):
    out = tmp_path / "run"
    result = CliRunner().invoke(
        main,
        [
            "solve",
            "--set",
            "horizon.end=2020-01-03T00:00:00",
            "-o",
            str(out),
            "--report",
        ],
    )
    assert result.exit_code == 0, result.output
    assert (out / "report.html").is_file()
    assert "report written to" in result.output


def test_solve_report_flag_needs_a_folder():
    result = CliRunner().invoke(main, ["solve", "--report"])
    assert result.exit_code == 2
    assert "-o DIR" in result.output


# ---- bad folders -------------------------------------------------------------------
def _copy(folder: Path, tmp_path: Path) -> Path:
    target = tmp_path / "copy"
    shutil.copytree(folder, target)
    return target


def _report_fails(folder: Path, tmp_path: Path, *names: str) -> str:
    out = tmp_path / "bad.html"
    result = CliRunner().invoke(main, ["report", str(folder), "-o", str(out)])
    assert result.exit_code == 2, result.output
    assert not out.exists()  # nothing written
    for name in names:
        assert name in result.output, result.output
    return result.output


def test_report_on_a_missing_folder(tmp_path):
    _report_fails(tmp_path / "nowhere", tmp_path, "nowhere", "not a folder")


def test_report_on_a_folder_that_is_not_a_results_folder(tmp_path):
    (tmp_path / "stuff").mkdir()
    (tmp_path / "stuff" / "notes.txt").write_text("hello")
    _report_fails(
        tmp_path / "stuff", tmp_path, "stuff", "not a grid-flex results folder"
    )


@pytest.mark.parametrize(
    ("damage", "names"),
    [
        ("drop_timeseries", ("timeseries.csv", "missing")),
        ("truncate_timeseries", ("timeseries.csv", "rows")),
        ("corrupt_summary", ("summary.json", "JSON")),
        ("empty_summary", ("summary.json", "JSON")),
        ("tamper_price", ("timeseries.csv", "site.price_usd_per_mwh", "not a number")),
        ("drop_column", ("timeseries.csv", "site.profit_usd")),
        ("corrupt_bids", ("bid_curves.csv", "power_mw")),
        ("corrupt_scenario", ("scenario.yaml", "YAML")),
        ("bad_stamp", ("timeseries.csv", "time stamp")),
    ],
)
def test_report_on_a_half_written_or_tampered_folder(
    damage, names, bundled_run, tmp_path
):
    _, folder = bundled_run("west_texas_2020")
    bad = _copy(folder, tmp_path)
    ts = bad / "timeseries.csv"
    lines = ts.read_text().splitlines()
    if damage == "drop_timeseries":
        ts.unlink()
    elif damage == "truncate_timeseries":
        ts.write_text("\n".join(lines[: len(lines) // 2]) + "\n")
    elif damage == "corrupt_summary":
        (bad / "summary.json").write_text('{"summary": {"scenario": ')
    elif damage == "empty_summary":
        (bad / "summary.json").write_text("")
    elif damage == "tamper_price":
        table = pd.read_csv(ts)
        table["site.price_usd_per_mwh"] = table["site.price_usd_per_mwh"].astype(object)
        table.loc[5, "site.price_usd_per_mwh"] = "abc"
        table.to_csv(ts, index=False)
    elif damage == "drop_column":
        pd.read_csv(ts).drop(columns=["site.profit_usd"]).to_csv(ts, index=False)
    elif damage == "corrupt_bids":
        (bad / "bid_curves.csv").write_text("asset_id,price_usd_per_mwh\nx,1\n")
    elif damage == "corrupt_scenario":
        (bad / "scenario.yaml").write_text("site: [unclosed\n")
    elif damage == "bad_stamp":
        table = pd.read_csv(ts)
        table.iloc[3, 0] = "yesterday"
        table.to_csv(ts, index=False)
    _report_fails(bad, tmp_path, *names)


# ---- study, sweep and risk folders -------------------------------------------------
def _proforma(npv_rate: float, capex: float, yearly: float, years: int) -> pd.DataFrame:
    rows = []
    for y in range(years + 1):
        capex_usd = -capex if y == 0 else 0.0
        operating = yearly if y > 0 else 0.0
        net = capex_usd + operating
        factor = (1 + npv_rate) ** -y
        rows.append(
            {
                "year": y,
                "capex_usd": capex_usd,
                "operating_cash_flow_usd": operating,
                "state_tax_usd": 0.0,
                "federal_tax_usd": -0.21 * operating,
                "itc_usd": 0.0,
                "salvage_usd": 0.0,
                "net_cash_flow_usd": net - 0.21 * operating,
                "discounted_cash_flow_usd": (net - 0.21 * operating) * factor,
            }
        )
    return pd.DataFrame(rows)


def write_study_folder(root: Path, run_folder: Path) -> dict:
    """A run folder plus the files a feasibility study adds."""
    shutil.copytree(run_folder, root)
    proforma = _proforma(0.08, 1_000_000.0, 300_000.0, 5)
    bau = _proforma(0.08, 0.0, 50_000.0, 5)
    proforma.to_csv(root / "proforma.csv", index=False)
    bau.to_csv(root / "proforma_bau.csv", index=False)
    pd.DataFrame(
        [
            {
                "key": "s19xp_fleet.count",
                "asset_id": "s19xp_fleet",
                "optimal": 812.4,
                "rounded": 812,
            }
        ]
    ).to_csv(root / "sizes.csv", index=False)
    # NPV at 8 %: -1,000,000 + 237,000 × annuity(5 y, 8 %), the annuity 3.99271
    npv = float(proforma["discounted_cash_flow_usd"].sum())
    assert npv == pytest.approx(-1_000_000 + 237_000 * 3.99271, abs=1.0)
    meta = json.loads((root / "summary.json").read_text())
    meta["summary"]["finance"] = {
        "npv_usd": npv,
        "irr_frac": None,
        "irr_reason": "no sign change",
        "mirr_frac": 0.012,
        "payback_yr": 4.2,
        "discounted_payback_yr": None,
        "discounted_payback_reason": "never within the analysis",
        "cost_per_btc_usd": 31_000.0,
        "breakeven_btc_price_usd": 27_500.0,
        "npv_vs_bau_usd": npv - float(bau["discounted_cash_flow_usd"].sum()),
    }
    (root / "summary.json").write_text(json.dumps(meta))
    return meta["summary"]["finance"]


def write_sweep_folder(root: Path) -> None:
    root.mkdir()
    pd.DataFrame(
        {
            "case": range(6),
            "group": ["base", "low", "high", "grid", "grid", "grid"],
            "status": ["ok"] * 6,
            "profit_usd": [10.0, 8.0, 13.0, 9.0, 11.0, 12.0],
        }
    ).to_csv(root / "summary.csv", index=False)
    pd.DataFrame(
        {
            "parameter": ["economics.hashprice", "site.import_limit_mw"],
            "low_value": [0.04, 40],
            "high_value": [0.06, 80],
            "kpi": ["profit_usd", "profit_usd"],
            "kpi_low": [8.0, 9.5],
            "kpi_high": [13.0, 10.5],
            "kpi_base": [10.0, 10.0],
            "swing": [5.0, 1.0],
        }
    ).to_csv(root / "tornado.csv", index=False)
    pd.DataFrame(
        {
            "x_name": ["a"] * 4,
            "x_value": [1, 2, 1, 2],
            "y_name": ["b"] * 4,
            "y_value": [10, 10, 20, 20],
            "kpi_name": ["profit_usd"] * 4,
            "kpi_value": [1.0, 2.0, 3.0, 4.0],
        }
    ).to_csv(root / "two_way.csv", index=False)


def write_risk_folder(root: Path, run_folder: Path) -> None:
    shutil.copytree(run_folder, root)
    profits = [100.0, 80.0, 60.0, 40.0, -20.0]
    pd.DataFrame(
        {"scenario": range(5), "probability": [0.2] * 5, "profit_usd": profits}
    ).to_csv(root / "scenario_results.csv", index=False)
    pd.DataFrame(
        {"cvar_usd": [-20.0, 0.0, 10.0], "expected_usd": [60.0, 55.0, 45.0]}
    ).to_csv(root / "frontier.csv", index=False)
    meta = json.loads((root / "summary.json").read_text())
    # 5 equiprobable scenarios, alpha = 0.2: VaR is the worst 20 %, -20; CVaR the mean
    # of the worst 20 %, also -20; the expectation (100+80+60+40-20)/5 = 52.
    meta["risk"] = {
        "expected_usd": 52.0,
        "var_usd": -20.0,
        "cvar_usd": -20.0,
        "alpha": 0.2,
    }
    (root / "summary.json").write_text(json.dumps(meta))


def test_study_sections(bundled_run, tmp_path):
    _, run_folder = bundled_run("west_texas_2020")
    finance = write_study_folder(tmp_path / "study", run_folder)
    page = render_report(tmp_path / "study").read_text()
    figs = chart_data(page)
    assert "cumulative-cash" in figs
    names = [t["name"] for t in figs["cumulative-cash"]["data"]]
    assert names == ["project", "business as usual"]
    waterfall = figs["npv-waterfall"]["data"][0]
    assert waterfall["x"][-1] == "NPV"
    assert waterfall["y"][-1] == pytest.approx(finance["npv_usd"], abs=1)
    assert sum(waterfall["y"][:-1]) == pytest.approx(
        finance["npv_usd"], abs=len(waterfall["y"])
    )
    for text in (
        "Feasibility study",
        "Pro forma",
        "Sizes",
        "no sign change",
        "never within",
    ):
        assert text in page
    assert format_number(finance["npv_usd"]) in page


def test_sweep_sections(tmp_path):
    write_sweep_folder(tmp_path / "sweep")
    page = render_report(tmp_path / "sweep").read_text()
    figs = chart_data(page)
    tornado = figs["tornado"]["data"]
    assert tornado[0]["y"] == [
        "site.import_limit_mw",
        "economics.hashprice",
    ]  # largest on top
    assert tornado[0]["x"] == [-0.5, -2.0]  # low minus base
    assert figs["two-way"]["data"][0]["z"] == [[1.0, 2.0], [3.0, 4.0]]
    assert "Cases (6)" in page


def test_risk_sections(bundled_run, tmp_path):
    _, run_folder = bundled_run("west_texas_2020")
    write_risk_folder(tmp_path / "risk", run_folder)
    page = render_report(tmp_path / "risk").read_text()
    figs = chart_data(page)
    shapes = figs["profit-distribution"]["layout"]["shapes"]
    assert [s["x0"] for s in shapes] == [52.0, -20.0, -20.0]
    assert "frontier" in figs


def test_static_export_of_every_chart(tmp_path):
    import os

    from grid_flex.report.static import BROWSERS

    browser = os.environ.get("BROWSER_PATH") or next(
        (shutil.which(b) for b in BROWSERS if shutil.which(b)), None
    )
    try:
        import kaleido  # noqa: F401
    except ImportError:
        browser = None
    if browser is None:
        if os.environ.get("CI"):
            pytest.fail(
                "static export cannot be tested in CI: kaleido or Chromium missing"
            )
        pytest.skip("static export needs kaleido and Chromium")
    folder = tmp_path / "sweep"  # two charts: the export is what is tested
    write_sweep_folder(folder)
    figures = tmp_path / "figures"
    result = CliRunner().invoke(
        main,
        [
            "report",
            str(folder),
            "-o",
            str(tmp_path / "r.html"),
            "--static",
            str(figures),
        ],
    )
    assert result.exit_code == 0, result.output
    keys = chart_data((tmp_path / "r.html").read_text()).keys()
    charts = sorted(f"{k}.svg" for k in keys)
    files = sorted(p.name for p in figures.iterdir() if p.name != ".grid-flex-files")
    assert files == charts
    for path in figures.iterdir():
        if path.suffix == ".svg":
            head = path.read_text()[:200]
            assert head.startswith("<svg"), path
    # listed as grid-flex's own, so the same command may run again
    assert (figures / ".grid-flex-files").read_text().split() == charts
    result = CliRunner().invoke(
        main,
        [
            "report",
            str(folder),
            "-o",
            str(tmp_path / "r.html"),
            "--static",
            str(figures),
        ],
    )
    assert result.exit_code == 0, result.output


def test_report_inside_a_results_folder_keeps_it_grid_flex_s(bundled_run, tmp_path):
    from grid_flex.io.results_folder import check_output_dir

    _, folder = bundled_run("west_texas_2020")
    own = _copy(folder, tmp_path)
    render_report(own)  # own/report.html
    assert (own / "report.html").is_file()
    check_output_dir(own)  # a later solve -o may still replace the folder
