"""Issue 15 item 2: the exact rewrites measured by ``probe_highs_programs`` are exact.

On the all-programs benchmark site over four days across a local month edge (August
into September: 4CP months, the import cap's August in the window), each rewrite the
benchmark README reports as exact must reach the full LP's optimum: the months
solved apart with the battery's state of charge fixed at the month edge, the rows
of never-binding families generated lazily, the demand-charge peaks written as
a tree of group peaks, and offers substituted by their headroom slack (the
battery's envelope columns). The diagnosis probes (columns fixed to 0, families
deleted) must change it (they are different models).
"""

from __future__ import annotations

import dataclasses
import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest
import yaml

pytestmark = pytest.mark.solver

BENCHMARKS = Path(__file__).resolve().parents[2] / "benchmarks"
REL = 1e-9


def _probe() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "probe_highs_programs", BENCHMARKS / "probe_highs_programs.py"
    )
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def case(tmp_path_factory: pytest.TempPathFactory) -> tuple[ModuleType, object, object]:
    data = yaml.safe_load((BENCHMARKS / "all_programs_2020.yaml").read_text())
    data["horizon"]["start"] = "2020-08-29 00:00:00"
    data["horizon"]["end"] = "2020-09-02 00:00:00"
    path = tmp_path_factory.mktemp("probe") / "four_days.yaml"
    path.write_text(yaml.safe_dump(data))
    probe = _probe()
    lp, inputs = probe.compiled(str(path), set())
    return probe, lp, inputs


def _close(a: float, b: float) -> bool:
    return abs(a - b) <= REL * max(abs(b), 1.0)


def test_months_apart_reach_the_optimum(
    case: tuple[ModuleType, object, object], capsys: pytest.CaptureFixture[str]
) -> None:
    probe, lp, inputs = case
    year, blocks = probe.probe_months(lp, inputs)
    # August's part, September's part, and the cyclic end row (both SOCs fixed);
    # fixed: the initial SOC, the end of August and the horizon's last interval.
    assert "3 blocks with the SOC fixed at 3 month edges" in capsys.readouterr().out
    assert _close(blocks[2], year[2])
    assert blocks[1] > 0  # the blocks were solved, not copied


def test_lazy_rows_reach_the_optimum(
    case: tuple[ModuleType, object, object], capsys: pytest.CaptureFixture[str]
) -> None:
    probe, lp, _ = case
    full = probe.solve(lp)[1]
    lazy = probe.probe_lazy(
        lp,
        [
            "asset[battery].held_up_energy_end",
            "asset[battery].held_up_energy_start",
            "flex_up_grid",
        ],
    )
    out = capsys.readouterr().out
    assert "added back per round: [" in out
    assert "added back per round: []" not in out
    assert _close(lazy[2], full[2])


def test_peak_tree_reaches_the_optimum(case: tuple[ModuleType, object, object]) -> None:
    probe, lp, _ = case
    full = probe.solve(lp)[1]
    tree = probe.with_peak_groups(lp, 5)
    assert tree.shape[0] > lp.shape[0]
    assert tree.shape[1] > lp.shape[1]
    assert _close(probe.solve(tree)[1][2], full[2])


def test_diagnoses_are_other_models(case: tuple[ModuleType, object, object]) -> None:
    probe, lp, _ = case
    full = probe.solve(lp)[1][2]
    no_battery_offers = probe.solve(probe.with_zero_columns(lp, ["offer_battery"]))
    fewer_rows = probe.solve(probe.without_families(lp, ["flex_down_grid"]))
    assert no_battery_offers[1][2] < full - 1.0  # offers earn: less without them
    assert fewer_rows[1][2] >= full - 1e-6 * abs(full)  # a relaxation


@pytest.mark.parametrize(
    ("family", "pattern"),
    [
        # o − c + d ≤ P: the battery's envelope (z = P + c − d − o, lowest power + P)
        ("asset[battery].flex_down_stack", "ecrs].offer_battery"),
        ("asset[battery].flex_up_stack", "reg_down].offer_battery"),
        # s[t−1] − 2.169·o ≥ soc_min: a ≥ row, divided by the offer's coefficient
        ("asset[battery].held_up_energy_start", "ecrs].offer_battery"),
        ("asset[s19jpro_fleet].flex_up_stack", "offer_s19jpro"),
    ],
)
def test_offers_substituted_reach_the_optimum(
    case: tuple[ModuleType, object, object], family: str, pattern: str
) -> None:
    probe, lp, _ = case
    full = probe.solve(lp)[1]
    fam = probe.families(lp)
    rewritten = probe.with_substituted_offers(lp, fam, family, pattern)
    names = probe.column_names(lp)
    offers = [j for j, n in enumerate(names) if pattern in n and lp.col_ub[j] > 0]
    assert offers
    # each offer column now holds the headroom slack z ≥ 0, unbounded above
    assert all(rewritten.col_ub[j] == float("inf") for j in offers)
    assert all(rewritten.col_lb[j] == 0.0 for j in offers)
    assert (rewritten.A != lp.A).nnz > 0  # the matrix did change
    assert rewritten.shape == lp.shape
    assert _close(probe.solve(rewritten)[1][2], full[2])


def test_substitution_without_the_cost_shift_is_another_model(
    case: tuple[ModuleType, object, object],
) -> None:
    # The check above can fail: dropping the constant the substitution moves into
    # the objective (c_o · b) gives another optimum.
    probe, lp, _ = case
    full = probe.solve(lp)[1][2]
    fam = probe.families(lp)
    rewritten = probe.with_substituted_offers(
        lp, fam, "asset[battery].flex_down_stack", "ecrs].offer_battery"
    )
    wrong = dataclasses.replace(rewritten, c0=lp.c0)
    assert not _close(probe.solve(wrong)[1][2], full)
