"""`leasewatch report`: the Excel workbook and the HTML page an investor opens."""

from __future__ import annotations

from enum import Enum
from pathlib import Path
from typing import Annotated, Optional

import typer

from pipeline.cli.root import command, paths_of


class ReportFormat(str, Enum):
    excel = "excel"
    html = "html"
    all = "all"


@command()
def report(
    ctx: typer.Context,
    output: Annotated[ReportFormat, typer.Option("--format", help="Which report to write.")] = ReportFormat.all,
    as_of: Annotated[str, typer.Option("--as-of", help="Report period: 2024Q3, 2024-09-30 or latest.")] = "latest",
    gross: Annotated[
        Optional[float], typer.Option("--gross", min=0, max=1, help="Gross-margin benchmark for this report (fraction) [default: warehouse, 0.40].")
    ] = None,
    net: Annotated[
        Optional[float], typer.Option("--net", min=-1, max=1, help="Net-margin benchmark for this report (fraction) [default: warehouse, 0.20].")
    ] = None,
    out: Annotated[
        Optional[Path], typer.Option("--out", help="Folder for the dated report folders [default: the reports directory].")
    ] = None,
    economics: Annotated[
        Optional[Path],
        typer.Option("--economics", help="TOML of per-server assumptions for the economics view (keys as in "
                     "sql/seeds/economics_defaults.toml) [default: the warehouse's, those defaults]."),
    ] = None,
) -> None:
    """Write the Excel workbook and the interactive HTML report to reports/<date>/ and print their paths.

    Example: leasewatch report --as-of 2024Q3 --format all
    """
    from pipeline.reports import write_reports

    for path in write_reports(paths_of(ctx), output.value, as_of, gross, net, out, economics=economics):
        typer.echo(str(path))
