"""Experiments on the program-heavy LP's compiled matrices (issue 15 item 2).

Each probe builds the scenario's LP once and solves it beside a variant, alternately
(A B A B ... with ``--repeat``), printing HiGHS's time, simplex iterations and
optimum for both, so machine load affects both alike::

    python benchmarks/probe_highs_programs.py split benchmarks/all_programs_2020.yaml
    python benchmarks/probe_highs_programs.py months benchmarks/all_programs_2020.yaml
    python benchmarks/probe_highs_programs.py lazy benchmarks/all_programs_2020.yaml \
        --family 'asset[s19xp_fleet].flex_down_stack' --family ...
    python benchmarks/probe_highs_programs.py peaks benchmarks/all_programs_2020.yaml \
        --group 24
    python benchmarks/probe_highs_programs.py zero benchmarks/all_programs_2020.yaml \
        --columns offer_battery
    python benchmarks/probe_highs_programs.py substitute \
        benchmarks/all_programs_2020.yaml \
        --family 'asset[battery].flex_down_stack' --columns 'ecrs].offer_battery'
    python benchmarks/probe_highs_programs.py delete benchmarks/all_programs_2020.yaml \
        --family flex_down_grid --family flex_up_grid

* ``split``: HiGHS's presolve alone (time, presolved shape) and the whole run (time,
  iterations, time per iteration).
* ``months``: the year solved, then the battery's state of charge at every local
  month edge fixed to the year's optimum: the LP falls apart into one block per
  month (connected components of the matrix), each solved on its own. The sum of
  the block times bounds what any exact temporal decomposition could reach (it
  would also have to find those edge values); the blocks' optima must add up to
  the year's.
* ``lazy``: row generation, exact: the LP without the named row families, then the
  violated rows of those families added and the LP re-solved (warm) until none is
  violated. The final optimum must equal the full LP's.
* ``peaks``: an exact rewrite of every demand-charge peak family: ``x_t ≤ P_m``
  becomes ``x_t ≤ D_g`` (groups ``g`` of ``--group`` consecutive rows of one
  month) and ``D_g ≤ P_m``, so the month's peak column holds one entry per group.
* ``substitute``: an exact rewrite of one offer per row of a family (e.g. the
  battery's stack rows ``o − c + d ≤ P``): each offer ``o`` (the row's column whose
  name contains ``--columns``) becomes ``o = b − q·x − z`` with a new column
  ``z ≥ 0`` (the headroom left: for the battery ``z = P + c − d − o``, the lowest
  power it may be asked for plus ``P``, an envelope column), so the row turns into
  ``z``'s bound and the offer's own bounds ``0 ≤ o ≤ ub`` into the row
  ``b − ub ≤ q·x + z ≤ b``; every other row and the cost read ``b − q·x − z``
  wherever they read ``o``.
* ``zero``: columns whose component name contains a pattern fixed to 0, a
  diagnosis (a different model): which offers cost the time.
* ``delete``: the named row families deleted, a diagnosis (a different model).

Program types (or ids) given after the scenario are dropped before the build
(``ancillary_services``: the site without reserves).
"""

from __future__ import annotations

import argparse
import dataclasses
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import highspy
import numpy as np
import scipy.sparse as sp
import yaml
from scipy.sparse.csgraph import connected_components

from grid_flex.inputs import prepare_inputs
from grid_flex.io.scenario import scenario_from_dict
from grid_flex.model.data import ModelInputs
from grid_flex.model.handoff import CompiledLP, compile_model
from grid_flex.model.sparse import Compressed
from grid_flex.site import build_model
from grid_flex.solve import SolveOptions, _highs

#: The built models, kept alive so that their components keep their full names.
_MODELS: list[Any] = []
#: A probe's outcome: HiGHS seconds, simplex iterations, optimum.
Outcome = tuple[float, int, float]


def compiled(path: str, drop: set[str]) -> tuple[CompiledLP, ModelInputs]:
    """The scenario's LP (programs in ``drop`` left out) and its inputs."""
    data = yaml.safe_load(Path(path).read_text())
    data["programs"] = [
        p
        for p in data.get("programs", [])
        if p["type"] not in drop and p.get("id") not in drop
    ]
    inputs = prepare_inputs(scenario_from_dict(data, source=path), Path(path).parent)
    site = build_model(inputs)
    _MODELS.append(site.model)
    return compile_model(site.model), inputs


def solve(lp: CompiledLP) -> tuple[highspy.Highs, Outcome]:
    """HiGHS with grid-flex's defaults on ``lp``: the solver and its outcome."""
    h = _highs(lp, SolveOptions())
    start = time.perf_counter()
    h.run()
    seconds = time.perf_counter() - start
    info = h.getInfo()
    return h, (seconds, info.simplex_iteration_count, info.objective_function_value)


def families(lp: CompiledLP) -> np.ndarray:
    """Each row's constraint family name."""
    out = np.empty(lp.shape[0], dtype=object)
    for owner in lp.row_owners:
        name = owner.family.component.name if owner.family is not None else "foreign"
        out[owner.start : owner.stop] = name
    return out


def column_names(lp: CompiledLP) -> np.ndarray:
    """Each column's component name."""
    return np.array([v.parent_component().name for v in lp.columns], dtype=object)


def with_matrix(
    lp: CompiledLP, m: Any, rows: np.ndarray | None = None, **changes: Any
) -> CompiledLP:
    """``lp`` with the matrix ``m`` (scipy), keeping ``rows`` of its row bounds."""
    m = sp.csc_array(m)
    m.sort_indices()
    a = Compressed(
        m.indptr.astype(np.int64), m.indices.astype(np.int64), m.data, m.shape
    )
    if rows is not None:
        changes |= {"row_lb": lp.row_lb[rows], "row_ub": lp.row_ub[rows]}
    return dataclasses.replace(lp, a=a, row_owners=[], **changes)


# ---- probes -------------------------------------------------------------------------
def probe_split(lp: CompiledLP) -> Outcome:
    """Presolve alone, then the whole run; prints the split."""
    h = _highs(lp, SolveOptions())
    start = time.perf_counter()
    h.presolve()
    pre_s = time.perf_counter() - start
    p = h.getPresolvedLp()
    _, out = solve(lp)
    per_it = (out[0] - pre_s) / max(out[1], 1) * 1e6
    print(
        f"    presolve {pre_s:.2f} s -> {p.num_row_} x {p.num_col_} "
        f"(nnz {len(p.a_matrix_.value_)}); simplex and the rest "
        f"{out[0] - pre_s:.2f} s = {per_it:.0f} µs per iteration",
        flush=True,
    )
    return out


def probe_months(lp: CompiledLP, inputs: ModelInputs) -> tuple[Outcome, Outcome]:
    """The year, then one LP per month with the SOC at month edges fixed.

    Returns the year's outcome and the blocks' (times and iterations summed; the
    optimum assembled from the blocks' and the fixed columns').
    """
    h, year = solve(lp)
    x = np.asarray(h.getSolution().col_value)
    local = inputs.index.tz_convert(inputs.scenario.site.timezone)
    month = np.asarray(local.year * 12 + local.month)
    last = np.append(month[1:] != month[:-1], True)  # interval ends a month
    names = column_names(lp)
    edge = np.zeros(lp.shape[1], dtype=bool)
    for j, (v, name) in enumerate(zip(lp.columns, names, strict=True)):
        if name.endswith("soc_initial_mwh"):
            edge[j] = True
        elif name.endswith("soc_mwh"):
            edge[j] = bool(last[v.index()])
    a = lp.A.tocsc()
    free = np.flatnonzero(~edge)
    af = a[:, free]
    moved = a[:, edge] @ x[edge]
    nrow = lp.shape[0]
    graph = sp.bmat([[None, af], [af.T, None]])
    _, label = connected_components(graph, directed=False)
    row_label, col_label = label[:nrow], label[nrow:]
    total_s, total_it = 0.0, 0
    objective = lp.c0 + float(lp.c[edge] @ x[edge])
    blocks = np.unique(row_label)
    for k in blocks:
        rows = np.flatnonzero(row_label == k)
        cols = np.flatnonzero(col_label == k)
        part = with_matrix(
            lp,
            af[rows][:, cols],
            c=lp.c[free[cols]],
            c0=0.0,
            row_lb=lp.row_lb[rows] - moved[rows],
            row_ub=lp.row_ub[rows] - moved[rows],
            col_lb=lp.col_lb[free[cols]],
            col_ub=lp.col_ub[free[cols]],
            columns=[lp.columns[i] for i in free[cols]],
        )
        _, (s, it, obj) = solve(part)
        total_s, total_it, objective = total_s + s, total_it + it, objective + obj
    # Columns in no row sit at the bound their cost prefers.
    alone = free[~np.isin(col_label, blocks)]
    alone = alone[lp.c[alone] != 0]
    best = np.where(lp.c[alone] * lp.sense > 0, lp.col_lb[alone], lp.col_ub[alone])
    objective += float(lp.c[alone] @ best)
    print(
        f"    year {year[0]:.2f} s ({year[1]} it); {len(blocks)} blocks with the SOC "
        f"fixed at {int(edge.sum())} month edges: {total_s:.2f} s ({total_it} it), "
        f"optimum {objective:.6f} (year {year[2]:.6f}); year / blocks "
        f"{year[0] / total_s:.2f}",
        flush=True,
    )
    return year, (total_s, total_it, objective)


def probe_lazy(lp: CompiledLP, lazy: list[str]) -> Outcome:
    """Row generation over the families in ``lazy`` (exact)."""
    fam = families(lp)
    unknown = set(lazy) - set(fam)
    if unknown:
        raise SystemExit(f"no such row family: {sorted(unknown)}")
    held = np.isin(fam, lazy)
    a = lp.A.tocsr()
    kept = np.flatnonzero(~held)
    h, (s, it, obj) = solve(with_matrix(lp, a[kept], kept))
    out = a[held]
    lo, hi = lp.row_lb[held], lp.row_ub[held]
    added = np.zeros(len(lo), dtype=bool)
    inf = highspy.kHighsInf
    rounds = []
    while True:
        ax = out @ np.asarray(h.getSolution().col_value)
        bad = np.flatnonzero(((ax > hi + 1e-6) | (ax < lo - 1e-6)) & ~added)
        if not len(bad):
            break
        added[bad] = True
        r = out[bad]
        h.addRows(
            len(bad),
            np.where(np.isfinite(lo[bad]), lo[bad], -inf),
            np.where(np.isfinite(hi[bad]), hi[bad], inf),
            r.nnz,
            r.indptr.astype(np.int32),
            r.indices.astype(np.int32),
            r.data,
        )
        start = time.perf_counter()
        h.run()
        info = h.getInfo()
        s += time.perf_counter() - start
        it += info.simplex_iteration_count
        obj = info.objective_function_value
        rounds.append(len(bad))
    print(
        f"    {int(held.sum())} rows held back; added back per round: {rounds}",
        flush=True,
    )
    return s, it, obj


def with_peak_groups(lp: CompiledLP, group: int) -> CompiledLP:
    """Every ``*.peak_def`` family rewritten as a tree of group peaks (exact)."""
    fam = families(lp)
    names = column_names(lp)
    coo = lp.A.tocoo()
    r, c, v = coo.row, coo.col.copy(), coo.data
    nrow, ncol = lp.shape
    peak_col = np.char.endswith(names.astype(str), ".peak_mw")
    extra_r: list[int] = []
    extra_c: list[int] = []
    extra_v: list[float] = []
    for name in sorted({f for f in fam if f.endswith(".peak_def")}):
        entries = np.flatnonzero((fam[r] == name) & peak_col[coo.col])
        entries = entries[np.argsort(r[entries], kind="stable")]
        peaks = c[entries]
        start = np.ones(len(entries), dtype=bool)
        start[1:] = peaks[1:] != peaks[:-1]
        run = np.arange(len(entries)) - np.maximum.accumulate(
            np.where(start, np.arange(len(entries)), 0)
        )
        new = np.cumsum(start | (run % group == 0)) - 1  # group of each row
        firsts = np.flatnonzero(np.diff(np.append(-1, new)) > 0)
        c[entries] = ncol + new  # x_t ≤ D_g: the row's peak column becomes D_g
        groups = len(firsts)
        rows = nrow + len(extra_r) // 2 + np.arange(groups)
        for k in range(groups):  # D_g − P_m ≤ 0
            extra_r += [int(rows[k])] * 2
            extra_c += [ncol + k, int(peaks[firsts[k]])]
            extra_v += [1.0, -1.0]
        ncol += groups
    added_rows = len(extra_r) // 2
    added_cols = ncol - lp.shape[1]
    m = sp.csc_array(
        (np.append(v, extra_v), (np.append(r, extra_r), np.append(c, extra_c))),
        shape=(nrow + added_rows, ncol),
    )
    zeros = np.zeros(added_cols)
    return with_matrix(
        lp,
        m,
        c=np.append(lp.c, zeros),
        col_lb=np.append(lp.col_lb, np.full(added_cols, -np.inf)),
        col_ub=np.append(lp.col_ub, np.full(added_cols, np.inf)),
        row_lb=np.append(lp.row_lb, np.full(added_rows, -np.inf)),
        row_ub=np.append(lp.row_ub, np.zeros(added_rows)),
        columns=list(lp.columns) + [None] * added_cols,
    )


def with_substituted_offers(
    lp: CompiledLP, fam: np.ndarray, family: str, pattern: str
) -> CompiledLP:
    """Each offer of ``family``'s rows replaced by its headroom slack (exact).

    Row ``r``: ``k·o + q·x ≤ b`` with ``k > 0``, or ``≥ b`` with ``k < 0`` (``o`` the
    one column whose name contains ``pattern``), divided by ``k``. With ``o = b − q·x
    − z``: ``A' = A − A[:, O] Q``, column ``o`` becomes ``z`` (``−A[:, o]``), every
    row's bounds move by ``−A[:, O] b``, the cost gains ``−c_o q`` on ``x`` and
    ``−c_o`` on ``z`` (and ``c_o b`` in its constant), and row ``r`` becomes ``b − ub_o
    ≤ q·x + z ≤ b``. Offers fixed to 0 are left alone. ``fam``: each row's family
    (:func:`families` of the LP before any rewrite).
    """
    names = column_names(lp)
    hit = np.array([pattern in n for n in names])
    rows = np.flatnonzero(fam == family)
    if not len(rows):
        raise SystemExit(f"no such row family: {family}")
    a = sp.csr_array(lp.A.tocsr())
    offers = np.empty(len(rows), dtype=np.int64)
    scale = np.empty(len(rows))  # 1 / the offer's coefficient
    for k, r in enumerate(rows):
        cols = a.indices[a.indptr[r] : a.indptr[r + 1]]
        vals = a.data[a.indptr[r] : a.indptr[r + 1]]
        mine = np.flatnonzero(hit[cols])
        upper = np.isfinite(lp.row_ub[r]) and not np.isfinite(lp.row_lb[r])
        lower = np.isfinite(lp.row_lb[r]) and not np.isfinite(lp.row_ub[r])
        if len(mine) != 1 or not (
            (upper and vals[mine[0]] > 0) or (lower and vals[mine[0]] < 0)
        ):
            raise SystemExit(f"row {r} of {family}: not o + q·x ≤ b in {pattern!r}")
        offers[k], scale[k] = cols[mine[0]], 1.0 / vals[mine[0]]
    keep = (lp.col_ub[offers] > 0) & (lp.col_lb[offers] == 0)
    rows, offers, scale = rows[keep], offers[keep], scale[keep]
    # each row divided by its offer's coefficient: o + q·x ≤ b
    b = np.where(scale > 0, lp.row_ub[rows], lp.row_lb[rows]) * scale
    a = sp.csr_array(
        sp.diags_array(np.where(np.isin(np.arange(lp.shape[0]), rows), 0.0, 1.0)) @ a
        + sp.csr_array(
            (scale, (rows, np.arange(len(rows)))), shape=(lp.shape[0], len(rows))
        )
        @ a[rows]
    )
    ub = lp.col_ub[offers]
    q = sp.csr_array(a[rows])
    q = q - sp.csr_array(
        (np.ones(len(rows)), (np.arange(len(rows)), offers)), shape=q.shape
    )  # q: row r without its offer
    if (sp.csc_array(q)[:, offers]).nnz:
        raise SystemExit(f"{family}: a row holds another substituted offer")
    nrow, ncol = lp.shape
    ao = sp.csc_array(a)[:, offers]  # A[:, O]
    each = np.arange(len(rows))
    place = sp.csr_array((np.ones(len(rows)), (each, offers)), shape=(len(rows), ncol))
    at_rows = sp.csr_array((np.ones(len(rows)), (rows, each)), shape=(nrow, len(rows)))
    other_rows = sp.diags_array(np.where(np.isin(np.arange(nrow), rows), 0.0, 1.0))
    other_cols = sp.diags_array(np.where(np.isin(np.arange(ncol), offers), 0.0, 1.0))
    m = other_rows @ ((a - ao @ q) @ other_cols - ao @ place) + at_rows @ (q + place)
    m.eliminate_zeros()  # c − d cancelled where a row read o − c + d
    shift = ao @ b
    row_lb = lp.row_lb - shift
    row_ub = lp.row_ub - shift
    row_lb[rows], row_ub[rows] = b - ub, b
    c = lp.c.copy()
    co = lp.c[offers]
    c0 = lp.c0 + float(co @ b)
    c -= q.T @ co
    c[offers] = -co
    col_lb, col_ub = lp.col_lb.copy(), lp.col_ub.copy()
    col_lb[offers], col_ub[offers] = 0.0, np.inf
    print(f"    {len(rows)} offers substituted", flush=True)
    return with_matrix(
        lp,
        m,
        c=c,
        c0=c0,
        row_lb=row_lb,
        row_ub=row_ub,
        col_lb=col_lb,
        col_ub=col_ub,
    )


def without_families(lp: CompiledLP, names: list[str]) -> CompiledLP:
    """``lp`` without the rows of the families ``names``."""
    fam = families(lp)
    unknown = set(names) - set(fam)
    if unknown:
        raise SystemExit(f"no such row family: {sorted(unknown)}")
    rows = np.flatnonzero(~np.isin(fam, names))
    return with_matrix(lp, lp.A.tocsr()[rows], rows)


def with_zero_columns(lp: CompiledLP, patterns: list[str]) -> CompiledLP:
    """Columns whose component name contains any of ``patterns`` fixed to 0."""
    names = column_names(lp)
    hit = np.array([any(p in n for p in patterns) for n in names])
    if not hit.any():
        raise SystemExit(f"no column matches {patterns}")
    return dataclasses.replace(
        lp, col_lb=np.where(hit, 0.0, lp.col_lb), col_ub=np.where(hit, 0.0, lp.col_ub)
    )


# ---- driver -------------------------------------------------------------------------
def paired(
    base: Callable[[], Outcome], variant: Callable[[], Outcome], repeat: int
) -> None:
    """Run ``base`` and ``variant`` alternately; print each and the median ratios.

    Wall time is what HiGHS reports to a user; the process's CPU time (all threads,
    including whatever the probe does between solves) varies far less with the
    machine's load, so both ratios are printed.
    """
    ratios, cpu_ratios = [], []
    for _ in range(repeat):
        outcomes = []
        for label, run in (("base", base), ("variant", variant)):
            cpu = time.process_time()
            s, it, obj = run()
            cpu = time.process_time() - cpu
            outcomes.append((s, obj, cpu))
            print(
                f"  {label:8s} {s:7.2f} s  cpu {cpu:7.2f} s  {it:7d} it  "
                f"optimum {obj:.6f}",
                flush=True,
            )
        ratios.append(outcomes[1][0] / outcomes[0][0])
        cpu_ratios.append(outcomes[1][2] / outcomes[0][2])
        rel = abs(outcomes[1][1] - outcomes[0][1]) / max(abs(outcomes[0][1]), 1.0)
        print(f"  optimum relative difference {rel:.1e}", flush=True)
    for what, values in (("time", ratios), ("cpu", cpu_ratios)):
        values.sort()
        print(
            f"variant / base {what}, paired: median {values[len(values) // 2]:.2f} "
            f"({', '.join(f'{x:.2f}' for x in values)})"
        )


def main() -> None:
    """Run the probe named on the command line."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "probe",
        choices=["split", "months", "lazy", "peaks", "zero", "delete", "substitute"],
    )
    parser.add_argument("scenario")
    parser.add_argument("drop", nargs="*", help="program types or ids to leave out")
    parser.add_argument(
        "--family", action="append", default=[], help="lazy / delete: rows"
    )
    parser.add_argument("--group", type=int, default=24, help="rows per group peak")
    parser.add_argument(
        "--columns", action="append", default=[], help="zero / substitute: names"
    )
    parser.add_argument("--repeat", type=int, default=1)
    args = parser.parse_args()
    lp, inputs = compiled(args.scenario, set(args.drop))
    print(f"LP {lp.shape[0]} x {lp.shape[1]} (nnz {len(lp.a.data)})", flush=True)

    def base() -> Outcome:
        return solve(lp)[1]

    if args.probe == "split":
        paired(base, lambda: probe_split(lp), args.repeat)
    elif args.probe == "months":  # the year is solved inside, beside its blocks
        ratios = []
        for _ in range(args.repeat):
            year, blocks = probe_months(lp, inputs)
            ratios.append(blocks[0] / year[0])
        ratios.sort()
        print(f"blocks / year time: median {ratios[len(ratios) // 2]:.2f}")
    elif args.probe == "lazy":
        paired(base, lambda: probe_lazy(lp, args.family), args.repeat)
    elif args.probe == "peaks":
        grouped = with_peak_groups(lp, args.group)
        print(f"grouped LP {grouped.shape[0]} x {grouped.shape[1]}", flush=True)
        paired(base, lambda: solve(grouped)[1], args.repeat)
    elif args.probe == "substitute":
        if len(args.family) != len(args.columns):
            raise SystemExit("substitute: one --columns pattern per --family")
        rewritten, fam = lp, families(lp)
        for family, pattern in zip(args.family, args.columns, strict=True):
            rewritten = with_substituted_offers(rewritten, fam, family, pattern)
        paired(base, lambda: solve(rewritten)[1], args.repeat)
    elif args.probe == "zero":
        zeroed = with_zero_columns(lp, args.columns)
        paired(base, lambda: solve(zeroed)[1], args.repeat)
    else:
        fewer = without_families(lp, args.family)
        print(f"LP without them {fewer.shape[0]} x {fewer.shape[1]}", flush=True)
        paired(base, lambda: solve(fewer)[1], args.repeat)


if __name__ == "__main__":
    main()
