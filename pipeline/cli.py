"""The command line. Parses options, prints, and maps errors to exit codes; every command calls one core function."""

from __future__ import annotations

import functools
import os
import sys
from enum import Enum
from pathlib import Path
from typing import Annotated, Callable, Optional

import typer

from pipeline.config import Paths
from pipeline.errors import LeasewatchError

app = typer.Typer(
    name="leasewatch",
    help="Track China's A-share compute-leasing (算力租赁) firms against the 40 %/20 % margin benchmark.",
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,  # logs of a scheduled job must never dump local variables
    add_completion=False,
    rich_markup_mode=None,
)

INTERNAL_ERROR_EXIT = 70


class Format(str, Enum):
    table = "table"
    csv = "csv"
    json = "json"


def _paths(ctx: typer.Context) -> Paths:
    return ctx.obj


def echo_err(message: str) -> None:
    typer.echo(message, err=True)


def command(*args, on: typer.Typer | None = None, **kwargs) -> Callable:
    """Register a command (on `app`, or on the sub-app `on`) whose LeasewatchErrors become one `Error:` line
    and the error's exit code."""

    def decorate(fn: Callable) -> Callable:
        return (on or app).command(*args, **kwargs)(handle_errors(fn))

    return decorate


def handle_errors(fn: Callable) -> Callable:
    """LeasewatchErrors become one `Error:` line (plus a `Hint:`) and the error's exit code; no traceback."""

    @functools.wraps(fn)
    def wrapper(*a, **kw):
        try:
            return fn(*a, **kw)
        except LeasewatchError as exc:
            failures = getattr(exc, "failures", None)
            for name, rows in (failures or {}).items():
                echo_err(f"-- data test {name}: {len(rows)} offending rows")
                echo_err(rows.head(20).to_string(index=False))
            echo_err(f"Error: {exc.message}")
            if exc.remedy:
                echo_err(f"Hint: {exc.remedy}")
            raise typer.Exit(exc.exit_code)
        except KeyboardInterrupt:
            echo_err("Interrupted: everything stored so far is kept; rerun to continue.")
            raise typer.Exit(130)
        except (typer.Exit, typer.Abort, SystemExit):
            raise
        except Exception as exc:  # a bug, not bad input: one line, with a way to see the traceback
            if os.environ.get("LEASEWATCH_DEBUG"):
                raise
            echo_err(f"Error: internal error {type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}")
            echo_err("Hint: rerun with LEASEWATCH_DEBUG=1 for the traceback, and report it")
            raise typer.Exit(INTERNAL_ERROR_EXIT)

    return wrapper


@app.callback()
def main(
    ctx: typer.Context,
    data_dir: Annotated[
        Optional[Path],
        typer.Option("--data-dir", envvar="LEASEWATCH_DATA_DIR", help="Raw data and warehouse directory [default: data/ in the project folder]."),
    ] = None,
    reports_dir: Annotated[
        Optional[Path],
        typer.Option("--reports-dir", envvar="LEASEWATCH_REPORTS_DIR", help="Where reports are written [default: reports/ in the project folder]."),
    ] = None,
) -> None:
    ctx.obj = Paths.resolve(data_dir, reports_dir)


def _progress(label: str) -> Callable[[int, int, str], None]:
    """Counts and an ETA on one terminal line; a plain log line every 10 % otherwise (cron)."""
    import time

    interactive = sys.stderr.isatty()
    state = {"last": -1, "started": time.monotonic(), "done": 0}

    def report(done: int, total: int, item: str) -> None:
        if done < state["done"]:  # a new pass (the sample's second vintage): its own clock and steps
            state.update(last=-1, started=time.monotonic())
        state["done"] = done
        elapsed = time.monotonic() - state["started"]
        eta = _duration(elapsed / done * (total - done)) if 0 < done < total else "0s"
        if interactive:
            end = "\n" if done == total else ""
            sys.stderr.write(f"\r{label}: {done}/{total} {item:<10} ETA {eta:<8}{end}")
            sys.stderr.flush()
        else:
            tenth = done * 10 // max(total, 1)
            if tenth != state["last"] or done == total:
                state["last"] = tenth
                echo_err(f"{label}: {done}/{total} ({item}), elapsed {_duration(elapsed)}, ETA {eta}")

    return report


def _duration(seconds: float) -> str:
    minutes, secs = divmod(int(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}h{minutes:02d}m" if hours else f"{minutes}m{secs:02d}s" if minutes else f"{secs}s"


FirmsOption = Annotated[int, typer.Option("--firms", min=1, max=20000, help="Sample firms to generate.")]
YearsOption = Annotated[int, typer.Option("--years", min=1, max=20, help="Sample years of quarterly reports.")]


@command()
def demo(ctx: typer.Context, firms: FirmsOption = 108, years: YearsOption = 6) -> None:
    """Build the warehouse from the embedded sample, print the benchmark summary and write both reports.

    Example: leasewatch demo
    """
    from pipeline import demo as demo_core

    paths = _paths(ctx)
    result = demo_core.run(paths, firms=firms, years=years, on_progress=_progress("sample firms"), on_step=echo_err)
    typer.echo(result.summary)
    typer.echo(f"\nWarehouse: {result.warehouse}")
    for report in result.reports:
        typer.echo(f"Report:    {report}")


@command()
def build(
    ctx: typer.Context,
    gross: Annotated[Optional[float], typer.Option("--gross", min=0, max=1, help="Gross-margin benchmark (fraction) [default: seed, 0.40].")] = None,
    net: Annotated[Optional[float], typer.Option("--net", min=-1, max=1, help="Net-margin benchmark (fraction) [default: seed, 0.20].")] = None,
) -> None:
    """Rebuild the warehouse from the raw layer, run the data tests and swap it in atomically.

    Example: leasewatch build
    """
    from pipeline.build import build as run_build

    paths = _paths(ctx)
    result = run_build(paths, gross_benchmark=gross, net_benchmark=net, on_step=echo_err)
    if result.is_sample:
        from pipeline import display

        echo_err(display.SAMPLE_BANNER)
    marts = {k: v for k, v in result.row_counts.items() if k.startswith("marts.")}
    typer.echo(
        f"Built {result.warehouse} in {result.seconds:.1f} s: {len(result.models)} models, "
        f"{result.tests_run} data tests passed"
    )
    typer.echo("  " + ", ".join(f"{k} {v:,}" for k, v in marts.items()))


@command()
def query(
    ctx: typer.Context,
    sql: Annotated[str, typer.Argument(help="One SQL statement; the warehouse is opened read-only.")],
    output: Annotated[Format, typer.Option("--format", help="Output format.")] = Format.table,
) -> None:
    """Run a read-only SQL query against the warehouse.

    Example: leasewatch query "select status, count(*) from marts.benchmark group by 1"
    """
    from pipeline import display, warehouse

    result = warehouse.query(_paths(ctx), sql)
    if result.is_sample:
        echo_err(display.SAMPLE_BANNER)  # on stderr, so CSV and JSON output stay parseable
    render = {Format.table: display.table, Format.csv: display.to_csv, Format.json: display.to_json}[output]
    typer.echo(render(result.columns, result.rows))


@command()
def schema(
    ctx: typer.Context,
    table: Annotated[Optional[str], typer.Argument(help="A table, e.g. marts.benchmark; all tables if omitted.")] = None,
) -> None:
    """List the warehouse tables, or one table's columns, with their documented definitions.

    Example: leasewatch schema marts.benchmark
    """
    from pipeline import display, warehouse

    paths = _paths(ctx)
    result = warehouse.columns(paths, table) if table else warehouse.tables(paths)
    typer.echo(display.table(result.columns, result.rows, right_align_numbers=False))


@command()
def firm(
    ctx: typer.Context,
    code: Annotated[str, typer.Argument(help="A-share code: 300442, 300442.SZ or SZ300442.")],
    quarters: Annotated[int, typer.Option("--quarters", min=1, max=80, help="How many recent quarters.")] = 12,
) -> None:
    """Show one firm's quarterly panel: revenue, margins, burdens, benchmark status and flags.

    Example: leasewatch firm 990001
    """
    from pipeline.codes import normalize_code
    from pipeline.summary import firm_panel

    typer.echo(firm_panel(_paths(ctx), normalize_code(code), quarters=quarters))


# Commands of other areas register themselves on `app` when imported (each module imports only Typer at top).
from pipeline import cli_economics  # noqa: E402,F401
from pipeline import cli_ingest  # noqa: E402,F401  (ingest, universe)
from pipeline import cli_ops  # noqa: E402,F401  (refresh, rollback, schedule, export)
from pipeline import cli_reports  # noqa: E402,F401  (report)
