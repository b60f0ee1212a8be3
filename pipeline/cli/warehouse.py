"""Commands on the warehouse: `build`, `query`, `schema`, `firm`, `export`."""

from __future__ import annotations

from enum import Enum
from pathlib import Path
from typing import Annotated, Optional

import typer

from pipeline.cli.options import Format
from pipeline.cli.root import command, echo_err, paths_of


class ExportFormat(str, Enum):
    parquet = "parquet"
    csv = "csv"


@command()
def build(
    ctx: typer.Context,
    gross: Annotated[Optional[float], typer.Option("--gross", min=0, max=1, help="Gross-margin benchmark (fraction) [default: seed, 0.40].")] = None,
    net: Annotated[Optional[float], typer.Option("--net", min=-1, max=1, help="Net-margin benchmark (fraction) [default: seed, 0.20].")] = None,
    screen: Annotated[Optional[list[str]], typer.Option("--screen", metavar="NAME=VALUE", help="Override a carry-screen threshold of sql/seeds/carry_screen.csv for this build, e.g. --screen net_debt_to_ebitda_max=3 (repeatable).")] = None,
    full: Annotated[bool, typer.Option("--full", help="Recompute every model over every firm, not only what changed since the live warehouse.")] = False,
) -> None:
    """Build the next warehouse from the raw layer, run the data tests and swap it in atomically.

    Incremental by default: a copy of the live warehouse gets the rows of the firms whose inputs changed recomputed
    (a full build when there is none, or it was built by other code, models or overrides). --full recomputes all.

    Example: leasewatch build --screen interest_coverage_min=2
    """
    from pipeline import display
    from pipeline.build.run import build as run_build

    result = run_build(paths_of(ctx), gross_benchmark=gross, net_benchmark=net, on_step=echo_err,
                       screen=parse_screen(screen or []), full=full)
    if result.is_sample:
        echo_err(display.SAMPLE_BANNER)
    marts = {k: v for k, v in result.row_counts.items() if k.startswith("marts.")}
    how = f"incremental, {result.changes}" if result.incremental else f"full: {result.full_reason}"
    typer.echo(
        f"Built {result.warehouse} in {result.seconds:.1f} s ({how}): {len(result.models)} models, "
        f"{result.tests_run} data tests passed"
    )
    typer.echo("  " + ", ".join(f"{k} {v:,}" for k, v in marts.items()))


# Typer reads each command's options from its signature, so commands taking a path or SQL plus a --format option
# share a shape (`duplicates` reports query and export); the signature is the declaration and stays spelled out.
@command()
def query(
    ctx: typer.Context,
    sql: Annotated[str, typer.Argument(help="One SQL statement; the warehouse is opened read-only.")],
    output: Annotated[Format, typer.Option("--format", help="Output format.")] = Format.table,
) -> None:
    """Run a read-only SQL query against the warehouse.

    Example: leasewatch query "select status, count(*) from marts.benchmark group by 1"
    """
    from pipeline import display
    from pipeline.build import warehouse

    result = warehouse.query(paths_of(ctx), sql)
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
    from pipeline import display
    from pipeline.build import warehouse

    paths = paths_of(ctx)
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
    from pipeline.reports.summary import firm_panel

    typer.echo(firm_panel(paths_of(ctx), normalize_code(code), quarters=quarters))


@command()
def export(
    ctx: typer.Context,
    directory: Annotated[Path, typer.Argument(help="Directory to write the mart files into (created if missing).")],
    fmt: Annotated[ExportFormat, typer.Option("--format", help="File format.")] = ExportFormat.parquet,
) -> None:
    """Write every mart as a Parquet or CSV file, plus export_info.json describing the warehouse they came from.

    Example: leasewatch export --format csv exports/
    """
    from pipeline.build.export import export_marts

    result = export_marts(paths_of(ctx), fmt.value, directory)
    if result.is_sample:
        typer.echo("SAMPLE — exported from the embedded fictional sample (示例), not real company data")
    for path in result.files:
        typer.echo(f"{path}  {result.rows[path.stem]:,} rows")
    typer.echo(f"{result.info_file}")


def parse_screen(items: list[str]) -> dict[str, float]:
    """`NAME=VALUE` pairs of --screen; names are checked against the seed by the build."""
    from pipeline.errors import UsageError

    parsed: dict[str, float] = {}
    for item in items:
        name, sep, value = item.partition("=")
        try:
            number = float(value)
        except ValueError:
            number = None
        if not sep or not name.strip() or number is None:
            raise UsageError(f"--screen '{item}' is not NAME=VALUE", "write it like --screen interest_coverage_min=2")
        if name.strip() in parsed:
            raise UsageError(f"--screen gives {name.strip()} twice", "give each threshold once")
        parsed[name.strip()] = number
    return parsed
