"""The ``grid-flex`` command line: thin wrappers around :mod:`grid_flex.api`.

Exit codes: 0 success; 1 infeasible, unbounded or solver failure; 2 bad input
(scenario, data, catalogue, options, output folder); 3 internal error (a bug: a short
message and a hint to rerun with ``--debug``); 130 interrupted (Ctrl-C). No traceback
reaches the user unless ``--debug`` is given.
"""

from __future__ import annotations

import functools
import math
import os
import sys
import traceback
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

from grid_flex.console import quiet_stdout
from grid_flex.errors import (
    GridFlexError,
    InputError,
    InputWarning,
    InternalError,
    SolveError,
)
from grid_flex.version import __version__

if TYPE_CHECKING:
    from grid_flex.schema.scenario import Scenario
    from grid_flex.solve import SolveOptions

F = TypeVar("F", bound=Callable[..., Any])

EXIT_OK, EXIT_SOLVE, EXIT_INPUT, EXIT_INTERNAL, EXIT_INTERRUPTED = 0, 1, 2, 3, 130


def _show_warning(
    message: Warning | str,
    category: type[Warning],
    filename: str,
    lineno: int,
    file: Any = None,
    line: str | None = None,
) -> None:
    """Print grid-flex's input warnings as ``warning: ...`` lines (no file/line)."""
    click.echo(f"warning: {message}", err=True)


def _exit_now(code: int) -> None:
    """Flush the standard streams and end the process without tearing it down.

    Freeing a solved year's model object by object at interpreter shutdown costs
    0.4–1 s and returns nothing the operating system would not reclaim anyway. Every
    results file is closed and renamed into place before a command returns, so the
    only buffered output left is in ``sys.stdout`` and ``sys.stderr``.
    """
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except (OSError, ValueError):  # a closed pipe: exit as Python would
        os._exit(120)
    os._exit(code)


class _Program(click.Group):
    """The command group, ending a successful run at once (:func:`_exit_now`).

    Run as a program (arguments from ``sys.argv``), a command that succeeds ends the
    process without freeing its objects one by one.

    Called with explicit arguments (``main(args)``, as :class:`click.testing.CliRunner`
    and embedding code do), it behaves like any click group and returns or raises.
    """

    def main(self, args: Any = None, *rest: Any, **kwargs: Any) -> Any:
        if args is not None or not kwargs.get("standalone_mode", True):
            return super().main(args, *rest, **kwargs)
        try:
            return super().main(args, *rest, **kwargs)
        except SystemExit as exc:
            if exc.code in (None, EXIT_OK):
                _exit_now(EXIT_OK)
            raise


def _bug_text(exc: Exception) -> str:
    """The one-line report of a bug in grid-flex, with the ``--debug`` hint."""
    return (
        f"internal error: {type(exc).__name__}: {exc}\n"
        "  this is a bug in grid-flex; rerun with --debug for the traceback "
        "and report it"
    )


def _handle_errors(func: F) -> F:
    """Map exceptions to messages and exit codes (the only place).

    Grid-flex errors keep their codes (2 bad input, 1 no solution); an operating
    system error on a file (permissions, disk full) is exit 2 naming the file; Ctrl-C
    is exit 130; :class:`~grid_flex.errors.InternalError` and anything else is a
    bug: exit 3 with a short message. ``--debug``
    adds the traceback. Input warnings are printed as ``warning: ...``.
    """

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        debug = kwargs.pop("debug", False)

        def fail(text: str, code: int) -> None:
            if debug:
                traceback.print_exc()
            click.echo(text, err=True)
            sys.exit(code)

        try:
            with warnings.catch_warnings():
                warnings.simplefilter("always", InputWarning)
                warnings.showwarning = _show_warning
                return func(*args, **kwargs)
        except InputError as exc:
            fail(f"error: {exc}", EXIT_INPUT)
        except SolveError as exc:
            fail(f"no solution: {exc}", EXIT_SOLVE)
        except InternalError as exc:  # a bug grid-flex caught in itself
            fail(_bug_text(exc), EXIT_INTERNAL)
        except GridFlexError as exc:  # a worker's failure re-raised (sweep engine)
            fail(f"error: {exc}", EXIT_SOLVE)
        except KeyboardInterrupt:
            fail("interrupted: nothing was written", EXIT_INTERRUPTED)
        except OSError as exc:
            where = f"{exc.filename}: " if exc.filename else ""
            fail(f"error: {where}{exc.strerror or exc}", EXIT_INPUT)
        except (click.exceptions.Exit, click.ClickException, SystemExit):
            raise
        except Exception as exc:
            fail(_bug_text(exc), EXIT_INTERNAL)

    wrapper = click.option(
        "--debug", is_flag=True, help="Show the Python traceback of errors."
    )(wrapper)
    return wrapper  # type: ignore[return-value]


def _scenario_options(func: F) -> F:
    func = click.option(
        "--set",
        "assignments",
        multiple=True,
        metavar="KEY.PATH=VALUE",
        help="Override one field, e.g. site.import_limit_mw=40 or "
        "assets.battery.count=20 (repeatable).",
    )(func)
    func = click.option(
        "--override",
        "overrides",
        multiple=True,
        type=click.Path(exists=True, dir_okay=False, path_type=Path),
        help="YAML patch applied to the scenario (repeatable, in order).",
    )(func)
    return func


def _rolling_assignments(text: str) -> tuple[str, str]:
    """``--rolling 48:24`` as ``--set`` patches of the scenario's rolling section."""
    parts = text.split(":")
    if len(parts) != 2 or not all(p.strip() for p in parts):
        raise click.BadParameter(
            f"{text!r}: expected LOOKAHEAD_H:COMMIT_H, e.g. 48:24",
            param_hint="--rolling",
        )
    return (f"rolling.lookahead_h={parts[0]}", f"rolling.commit_h={parts[1]}")


def _positive_finite(value: float | None, name: str) -> float | None:
    if value is not None and not (math.isfinite(value) and value > 0):
        raise click.BadParameter(
            f"{value}: expected a positive finite number of seconds", param_hint=name
        )
    return value


def _out_dir_option(text: str, *, required: bool = False) -> Callable[[F], F]:
    """``-o/--out DIR``: the folder a command writes (``out_dir``)."""
    return click.option(
        "-o",
        "--out",
        "out_dir",
        required=required,
        type=click.Path(file_okay=False, path_type=Path),
        help=text,
    )


def _out_file_option(text: str) -> Callable[[F], F]:
    """``-o/--out FILE``: the one file a command writes (``out_file``)."""
    return click.option(
        "-o",
        "--out",
        "out_file",
        type=click.Path(dir_okay=False, path_type=Path),
        help=text,
    )


def _time_limit_option() -> Callable[[F], F]:
    """``--time-limit-s S``: HiGHS's time limit, a positive finite number of seconds."""
    return click.option(
        "--time-limit-s",
        type=float,
        callback=lambda _ctx, _param, value: _positive_finite(value, "--time-limit-s"),
        help="HiGHS time limit [s].",
    )


def _quiet_option(text: str = "Print nothing but errors.") -> Callable[[F], F]:
    return click.option("-q", "--quiet", is_flag=True, help=text)


def _runner_options(workers_text: str, dask_text: str) -> Callable[[F], F]:
    """``--workers N`` and ``--dask ADDRESS|local:N`` (see :func:`_one_runner`)."""

    def add(func: F) -> F:
        func = click.option(
            "--dask", "dask_address", metavar="ADDRESS|local:N", help=dask_text
        )(func)
        return click.option(
            "--workers",
            type=click.IntRange(min=1),
            default=1,
            show_default=True,
            help=workers_text,
        )(func)

    return add


def _one_runner(workers: int, dask_address: str | None) -> None:
    """Refuse ``--workers`` beside ``--dask`` (a usage error, exit 2)."""
    if dask_address is not None and workers != 1:
        raise click.UsageError("give --workers or --dask, not both")


def _check_out_dir(out_dir: Path | None) -> None:
    """Refuse an unwritable ``-o`` folder before any work (nothing without ``-o``)."""
    if out_dir is not None:
        from grid_flex.io.results_folder import check_output_dir

        check_output_dir(out_dir)


def _bundled(path: Path, folder: str) -> Path:
    """PATH, or ``scenarios/FOLDER/PATH.yaml`` for a bare name that is no file here."""
    from grid_flex.resources import scenarios_dir

    bundled = scenarios_dir() / folder / f"{path}.yaml"
    if not path.exists() and path.parent == Path() and bundled.is_file():
        return bundled
    return path


def _solve_options(
    scenario: Scenario,
    time_limit_s: float | None,
    method: str | None = None,
    sizing_method: str | None = None,
) -> SolveOptions:
    """The scenario's HiGHS options with the command line's time limit and methods."""
    from dataclasses import replace

    from grid_flex.api import solve_options

    opts = solve_options(scenario)
    if time_limit_s is not None:
        opts = replace(opts, time_limit_s=time_limit_s)
    if method is not None:
        opts = replace(opts, method=method)  # type: ignore[arg-type]
    if sizing_method is not None:
        opts = replace(opts, sizing_method=sizing_method)  # type: ignore[arg-type]
    return opts


def _echo_results(text: str, out_dir: Path | None, quiet: bool) -> None:
    """Print a study's text and where its results went (nothing when quiet)."""
    if not quiet:
        click.echo(text)
        if out_dir is not None:
            click.echo(f"\n  results written to {out_dir}")


@click.group(cls=_Program, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="grid-flex")
def main() -> None:
    """Optimise a flexible computing site (miners, battery) on real grid prices."""


@main.command()
@click.argument("scenario", required=False)
@_out_dir_option("Write the time series, summary.json and the resolved scenario here.")
@_scenario_options
@_time_limit_option()
@click.option(
    "--method",
    type=click.Choice(["choose", "simplex", "ipm", "pdlp"]),
    help="HiGHS LP method (default: the scenario's, else HiGHS's choice).",
)
@click.option(
    "--sizing-method",
    type=click.Choice(["auto", "monolithic", "decomposed"]),
    help="How sized capacities are solved (default: the scenario's solver."
    "sizing_method, else auto): see README, How sizes are solved.",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["csv", "parquet"]),
    help="Time-series file format (default: the scenario's outputs setting).",
)
@click.option(
    "--rolling",
    "rolling",
    metavar="LOOKAHEAD_H:COMMIT_H",
    help="Operate in rolling windows (e.g. 48:24) on the scenario's forecasts "
    "(its rolling: section) and settle at actual prices.",
)
@_quiet_option()
@click.option(
    "--report",
    "make_report",
    is_flag=True,
    help="Also write the HTML report, DIR/report.html (needs -o).",
)
@_handle_errors
def solve(
    scenario: str | None,
    out_dir: Path | None,
    overrides: tuple[Path, ...],
    assignments: tuple[str, ...],
    time_limit_s: float | None,
    method: str | None,
    sizing_method: str | None,
    fmt: str | None,
    rolling: str | None,
    quiet: bool,
    make_report: bool,
) -> None:
    """Solve SCENARIO (a file or bundled name; default: the bundled default).

    With --rolling, or when the scenario has a rolling: section, the site is operated
    window by window and the results add foresight.csv.
    """
    from grid_flex.api import run
    from grid_flex.io.scenario import default_scenario_path, load_scenario
    from grid_flex.output import summary_text, write_results

    if make_report and out_dir is None:
        raise InputError("--report writes DIR/report.html: give the folder with -o DIR")
    _check_out_dir(out_dir)
    path = scenario or default_scenario_path()
    if rolling is not None:
        assignments = (*assignments, *_rolling_assignments(rolling))
    sc, base = load_scenario(path, override_files=overrides, assignments=assignments)
    opts = _solve_options(sc, time_limit_s, method, sizing_method)
    extra_text = ""
    with quiet_stdout(quiet):  # HiGHS writes its banner to the C-level stdout
        if sc.rolling is not None:
            from grid_flex.studies.progress import progress_bar
            from grid_flex.studies.rolling import run_rolling
            from grid_flex.studies.rolling_report import rolling_text

            with progress_bar(None, "rolling windows", quiet=quiet):
                results = run_rolling(sc, base_dir=base, options=opts)
            extra_text = rolling_text(results)
        else:
            results = run(sc, base_dir=base, options=opts)
    if out_dir is not None:
        write_results(results, sc, out_dir, base_dir=base, timeseries_format=fmt)
    report_file = None
    if make_report and out_dir is not None:
        from grid_flex.report import render_report

        report_file = render_report(out_dir)
    if not quiet:
        if sc.era:
            click.echo(f"  era: {sc.era}")
        click.echo(summary_text(results) + extra_text)
        if out_dir is None:
            click.echo("\n  (use -o DIR to write the time series and summary)")
        elif report_file is None:
            click.echo(f"\n  results written to {out_dir}")
        else:
            click.echo(f"\n  report written to {report_file}")
            click.echo(f"  results written to {out_dir}")


@main.command()
@click.argument("results_dir", type=click.Path(path_type=Path))
@_out_file_option("HTML file to write (default: RESULTS_DIR/report.html).")
@click.option(
    "--week",
    "weeks",
    multiple=True,
    metavar="YYYY-MM-DD",
    help="Draw the dispatch of the week starting this local date (repeatable; "
    "default: the dearest and a typical week).",
)
@click.option(
    "--static",
    "static_dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Also write every chart as an image into this folder (needs kaleido and "
    "Chromium).",
)
@click.option(
    "--static-format",
    type=click.Choice(["svg", "png", "pdf"]),
    default="svg",
    show_default=True,
    help="Image format of --static.",
)
@_quiet_option()
@_handle_errors
def report(
    results_dir: Path,
    out_file: Path | None,
    weeks: tuple[str, ...],
    static_dir: Path | None,
    static_format: str,
    quiet: bool,
) -> None:
    """Write the HTML report of RESULTS_DIR (a results, study or sweep folder)."""
    from grid_flex.report import render_report

    path = render_report(
        results_dir,
        out_file,
        weeks=weeks,
        static_dir=static_dir,
        static_format=static_format,
    )
    if not quiet:
        click.echo(f"report written to {path}")
        if static_dir is not None:
            click.echo(f"charts written to {static_dir}")


@main.command()
@_handle_errors
def scenarios() -> None:
    """List the bundled scenarios, one line each (name, horizon, what it is)."""
    from grid_flex.console import scenario_lines

    for line in scenario_lines():
        click.echo(line)


@main.command()
@click.argument("study", type=click.Path(dir_okay=False, path_type=Path))
@_out_dir_option(
    "Write scenario_set.csv, scenario_results.csv, designs.csv, frontier.csv, "
    "summary.json (with a risk section) and the resolved scenario here."
)
@click.option(
    "--set",
    "assignments",
    multiple=True,
    metavar="KEY.PATH=VALUE",
    help="Override one field of the base scenario (repeatable).",
)
@_time_limit_option()
@_quiet_option()
@_handle_errors
def risk(
    study: Path,
    out_dir: Path | None,
    assignments: tuple[str, ...],
    time_limit_s: float | None,
    quiet: bool,
) -> None:
    """Size a site under a scenario set (risk study file STUDY): E[NPV] and CVaR.

    STUDY is a risk study file or the name of a bundled one (scenarios/risk/).

    Prints expected NPV, VaR, CVaR, EVPI, VSS, the cost of risk aversion and the
    capacities of the risk-neutral and risk-averse designs side by side.
    """
    from grid_flex.studies.progress import progress_bar
    from grid_flex.studies.risk_set import load_risk_study
    from grid_flex.studies.risk_study import risk_text, run_risk, write_risk

    _check_out_dir(out_dir)
    study = _bundled(study, "risk")  # a bundled risk study (scenarios/risk/) by name
    rs = load_risk_study(study, assignments=assignments)
    opts = _solve_options(rs.base, time_limit_s)
    with progress_bar(None, "risk study", quiet=quiet):
        result, _ = run_risk(
            rs.base,
            rs.scenarios,
            rs.base_dir,
            alpha=rs.alpha,
            omega=rs.omega,
            frontier_omegas=rs.frontier_omegas,
            options=opts,
        )
    if out_dir is not None:
        write_risk(result, rs.scenarios, rs.base, out_dir, base_dir=rs.base_dir)
    _echo_results(risk_text(result), out_dir, quiet)


@main.command()
@click.argument("scenario")
@_out_dir_option(
    "Write sizes.csv, proforma.csv, proforma_bau.csv, summary.json (with a "
    "finance section), the time series and the resolved scenario here."
)
@_scenario_options
@_time_limit_option()
@click.option(
    "--sizing-method",
    type=click.Choice(["auto", "monolithic", "decomposed"]),
    help="How the study's capacities are solved (default: the scenario's solver."
    "sizing_method, else auto): see README, How sizes are solved.",
)
@_quiet_option()
@_handle_errors
def size(
    scenario: str,
    out_dir: Path | None,
    overrides: tuple[Path, ...],
    assignments: tuple[str, ...],
    time_limit_s: float | None,
    sizing_method: str | None,
    quiet: bool,
) -> None:
    """Size SCENARIO over its life (its size blocks and study section).

    Prints the sizes, NPV, IRR or MIRR, paybacks, cost per BTC and the comparison
    with business as usual (only the existing capacities).
    """
    from grid_flex.io.scenario import load_scenario
    from grid_flex.studies.feasibility import (
        feasibility_text,
        run_feasibility,
        write_feasibility,
    )
    from grid_flex.studies.progress import progress_bar

    _check_out_dir(out_dir)
    # a bundled study (scenarios/studies/) by name; a file of that name here wins
    scenario = str(_bundled(Path(scenario), "studies"))
    sc, base = load_scenario(
        scenario, override_files=overrides, assignments=assignments
    )
    opts = _solve_options(sc, time_limit_s, sizing_method=sizing_method)
    with progress_bar(None, "feasibility study", quiet=quiet):
        result = run_feasibility(sc, base, options=opts)
    if out_dir is not None:
        write_feasibility(result, out_dir, base_dir=base)
    _echo_results(feasibility_text(result), out_dir, quiet)


@main.command()
@click.argument("scenario")
@_scenario_options
@click.option(
    "--no-data",
    is_flag=True,
    help="Check the scenario file only, without reading its data files.",
)
@_handle_errors
def validate(
    scenario: str,
    overrides: tuple[Path, ...],
    assignments: tuple[str, ...],
    no_data: bool,
) -> None:
    """Check SCENARIO: fields, catalogue references and (by default) its data."""
    from grid_flex.io.scenario import load_scenario
    from grid_flex.validation import check_scenario

    sc, base = load_scenario(
        scenario, override_files=overrides, assignments=assignments
    )
    check_scenario(sc)
    if not no_data:
        from grid_flex.inputs import prepare_inputs

        inputs = prepare_inputs(sc, base)
        click.echo(
            f"{scenario}: valid ({len(inputs.index)} intervals, "
            f"{len(inputs.assets)} assets, data cover the horizon)"
        )
    else:
        click.echo(f"{scenario}: valid (data not read)")


@main.command()
@click.argument("ref", required=False)
@click.option(
    "--path",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    help="Catalogue folder (default: the bundled one).",
)
@_handle_errors
def catalog(ref: str | None, path: Path | None) -> None:
    """List the equipment catalogue, or show entry REF (e.g. asic/antminer_s21)."""
    import yaml

    from grid_flex.io.catalog import load_catalog

    cat = load_catalog(path)
    if ref is None:
        click.echo(cat.listing())
    else:
        entry = cat.get(ref)
        click.echo(yaml.safe_dump(entry.model_dump(mode="json"), sort_keys=False))


@main.command()
@click.argument("scenario", required=False)
@_handle_errors
def describe(scenario: str | None) -> None:
    """List the LP's components (variables, constraints, expressions) with docs."""
    import pyomo.core as pyo

    from grid_flex.api import build_model, prepare_inputs
    from grid_flex.io.scenario import default_scenario_path, load_scenario

    sc, base = load_scenario(scenario or default_scenario_path())
    site = build_model(prepare_inputs(sc, base))
    for ctype in (pyo.Var, pyo.Constraint, pyo.Expression, pyo.Objective):
        click.echo(f"{ctype.__name__}s:")
        for comp in site.model.component_objects(ctype, descend_into=True):
            click.echo(f"  {comp.name:<48} {len(comp):>7}  {comp.doc or ''}")


@main.command()
@click.argument("scenario")
@click.option(
    "--points",
    type=click.IntRange(min=2),
    default=5,
    show_default=True,
    help="Number of points on the curve (one solve each).",
)
@click.option(
    "--by",
    type=click.Choice(["cap", "carbon_price"]),
    default="cap",
    show_default=True,
    help="Tighten a cap on net emissions, or raise the carbon price from 0.",
)
@click.option(
    "--max-carbon-price",
    "max_carbon_price_usd_per_tco2",
    type=click.FloatRange(min=0.0, min_open=True),
    default=500.0,
    show_default=True,
    help="Highest carbon price for --by carbon_price [USD/tCO2].",
)
@click.option(
    "--program",
    "program_id",
    help="Id of the emissions program to vary (default: the first).",
)
@_out_file_option("Write the curve to this CSV file.")
@_runner_options(
    "Solve the points on this many local worker processes (1: this process).",
    "Solve the points on a Dask scheduler, or a local Dask cluster of N workers.",
)
@_scenario_options
@_quiet_option("Print nothing but errors (no table, no progress bar).")
@_handle_errors
def tradeoff(
    scenario: str,
    points: int,
    by: str,
    max_carbon_price_usd_per_tco2: float,
    program_id: str | None,
    out_file: Path | None,
    workers: int,
    dask_address: str | None,
    overrides: tuple[Path, ...],
    assignments: tuple[str, ...],
    quiet: bool,
) -> None:
    """Profit versus emissions of SCENARIO (needs an emissions program).

    The points are solved on the sweep engine: re-solved in place in this process,
    or on local worker processes (--workers) or Dask (--dask).
    """
    from grid_flex.io.atomic import write_atomic
    from grid_flex.io.results_folder import (
        check_output_file,
        record_if_results_folder,
    )
    from grid_flex.io.scenario import load_scenario
    from grid_flex.studies.progress import progress_bar
    from grid_flex.tradeoff import is_tradeoff_table, tradeoff_curve

    _one_runner(workers, dask_address)
    if out_file is not None:
        check_output_file(out_file, ours=is_tradeoff_table, what="trade-off table")
    sc, base = load_scenario(
        scenario, override_files=overrides, assignments=assignments
    )
    with quiet_stdout(quiet), progress_bar(None, "trade-off curve", quiet=quiet):
        table = tradeoff_curve(
            sc,
            base,
            points=points,
            by=by,  # type: ignore[arg-type]  # click.Choice guarantees the literal
            max_carbon_price_usd_per_tco2=max_carbon_price_usd_per_tco2,
            program_id=program_id,
            workers=workers,
            dask=dask_address,
        )
    if out_file is not None:
        out_file.parent.mkdir(parents=True, exist_ok=True)
        write_atomic(out_file, lambda tmp: table.to_csv(tmp, index=False))
        record_if_results_folder(out_file)
    if quiet:
        return
    click.echo(
        table.drop(columns=["by"]).to_string(index=False, float_format="{:,.4g}".format)
    )
    if out_file is not None:
        click.echo(f"\n  curve written to {out_file}")


@main.command()
@click.argument("scenario", required=False)
@_out_dir_option("Write the results folder here, with mica_disclosure.csv in it.")
@click.option(
    "--program",
    "program_id",
    help="Id of the emissions program to report (default: the first).",
)
@_scenario_options
@_quiet_option()
@_handle_errors
def disclose(
    scenario: str | None,
    out_dir: Path | None,
    program_id: str | None,
    overrides: tuple[Path, ...],
    assignments: tuple[str, ...],
    quiet: bool,
) -> None:
    """Solve SCENARIO and print its MiCA sustainability indicators."""
    from grid_flex.api import run
    from grid_flex.disclosure import mica_disclosure, write_disclosure
    from grid_flex.io.scenario import default_scenario_path, load_scenario

    _check_out_dir(out_dir)
    sc, base = load_scenario(
        scenario or default_scenario_path(),
        override_files=overrides,
        assignments=assignments,
    )
    with quiet_stdout(quiet):  # HiGHS writes its banner to the C-level stdout
        results = run(sc, base_dir=base, out_dir=out_dir)
    table = mica_disclosure(results, sc, program_id=program_id)
    if out_dir is not None and program_id is not None:
        # the results folder has the first program's
        write_disclosure(results, sc, out_dir, program_id=program_id)
    if quiet:
        return
    shown = table.assign(
        value=[f"{v:,.6g}" if isinstance(v, float) else v for v in table["value"]]
    )
    click.echo(shown[["indicator", "value", "unit"]].to_string(index=False))
    if out_dir is not None:
        click.echo(f"\n  results and mica_disclosure.csv written to {out_dir}")


@main.command()
@click.argument("spec", type=click.Path(dir_okay=False, path_type=Path))
@_out_dir_option(
    "Sweep folder (an existing one is resumed: finished cases are skipped).",
    required=True,
)
@_runner_options(
    "Local worker processes.",
    "Run on a Dask scheduler, or on a local Dask cluster of N workers.",
)
@_quiet_option("No progress bar.")
@_handle_errors
def sweep(
    spec: Path, out_dir: Path, workers: int, dask_address: str | None, quiet: bool
) -> None:
    """Solve every case of the sweep file SPEC; write a queryable folder."""
    from grid_flex.studies.sweep import run_sweep

    _one_runner(workers, dask_address)
    outcome = run_sweep(spec, out_dir, workers=workers, dask=dask_address, quiet=quiet)
    if not quiet:
        click.echo(
            f"{outcome.cases} cases ({outcome.unique} distinct): "
            f"{outcome.skipped} already done, {outcome.solved} solved now, "
            f"{outcome.failed} failed; {outcome.seconds:.1f} s\n"
            f"  summary: {outcome.root / 'summary.csv'}"
        )
    if outcome.lost:
        click.echo(
            f"  {outcome.lost} cases were not run (a worker died); run the same "
            "command again to finish them",
            err=True,
        )
        sys.exit(1)


@main.command()
@click.argument("spec", type=click.Path(dir_okay=False, path_type=Path))
@_out_dir_option("Write allocation.csv, moves.csv, sites.csv and summary.json here.")
@_quiet_option("Print nothing but errors (no summary, no progress bar).")
@_handle_errors
def portfolio(spec: Path, out_dir: Path | None, quiet: bool) -> None:
    """Allocate fleets across the sites of portfolio SPEC, period by period.

    SPEC is a file or a bundled portfolio name (e.g. nordic_2018).
    """
    from grid_flex.studies.portfolio_spec import run_portfolio_file
    from grid_flex.studies.progress import progress_bar

    spec = _bundled(spec, "portfolios")  # a bundled portfolio by name
    _check_out_dir(out_dir)
    with quiet_stdout(quiet), progress_bar(None, "portfolio", quiet=quiet):
        res = run_portfolio_file(spec, out_dir)
    if quiet:
        return
    s = res.summary
    click.echo(f"Portfolio {s.get('name', '')}")
    click.echo(f"  Profit with moves [USD]     {res.objective_usd:,.0f}")
    static, value = res.static_objective_usd, res.value_of_mobility_usd
    if static is None or value is None:
        click.echo("  Profit, static [USD]        infeasible (machines must move)")
    else:
        click.echo(f"  Profit, static [USD]        {static:,.0f}")
        click.echo(f"  Value of mobility [USD]     {value:,.0f}")
    click.echo(f"  Moved [MW]                  {s['moved_mw']:,.3g}")
    shown = res.allocation[res.allocation["allocated_mw"] > 0]
    click.echo(
        shown[["fleet", "site", "period", "allocated_mw"]].to_string(index=False)
    )
    click.echo(
        "\n  Per site (with moves): operating profit [USD], grid energy [MWh], "
        "emissions [tCO2]"
    )
    for site_id, t in {**s["by_site"], "total": s["total"]}.items():
        co2 = t["emissions_tco2"]
        click.echo(
            f"  {site_id:<12} {t['profit_usd']:>14,.0f} {t['grid_import_mwh']:>12,.0f}"
            f" {'n/a' if co2 is None else f'{co2:,.0f}':>10}"
        )
    if s["total"]["emissions_unknown_sites"]:
        missing = ", ".join(s["total"]["emissions_unknown_sites"])
        click.echo(
            f"  (emissions total leaves out sites without emissions data: {missing})"
        )
    if quotas := s["quotas"]:
        full = [q for q in quotas if q["used_mwh"] >= q["quota_mwh"] - 1e-6]
        click.echo(
            f"  Energy quotas used up in {len(full)} of {len(quotas)} site quota "
            "periods (summary.json: quotas)"
        )
    for note in s["notes"]:
        click.echo(f"  note: {note}")
    if out_dir is not None:
        click.echo(f"\n  allocation, moves, sites and summary written to {out_dir}")
