"""`leasewatch economics`: per-server unit economics of a leased GPU server."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from pipeline.cli.options import Format
from pipeline.cli.root import command


@command()
def economics(
    capex: Annotated[Optional[float], typer.Option("--capex", help="Server capex, 元 ex-VAT [default: config, 1,950,000].")] = None,
    rent: Annotated[Optional[float], typer.Option("--rent", help="Rent per month at 100 % utilisation, 元 [default: config, 70,000].")] = None,
    utilization: Annotated[
        Optional[str],
        typer.Option("--utilization", help="Billed utilisation: 0.7, or one per year: 0.5,0.7,0.8,0.85,0.85 [default: config, 1.0]."),
    ] = None,
    life: Annotated[Optional[int], typer.Option("--life", help="Depreciation life in years [default: config, 5].")] = None,
    method: Annotated[
        Optional[str], typer.Option("--method", help="straight_line, double_declining or sum_of_years [default: config, straight_line].")
    ] = None,
    rate: Annotated[Optional[float], typer.Option("--rate", help="Discount rate for NPV, a fraction [default: config, 0.08].")] = None,
    config: Annotated[
        Optional[Path], typer.Option("--config", help="TOML file with any subset of the keys in sql/seeds/economics_defaults.toml.")
    ] = None,
    output: Annotated[Format, typer.Option("--format", help="Output format.")] = Format.table,
) -> None:
    """Per-server unit economics of a leased GPU server: P&L by year, payback, IRR, NPV and the utilisation needed.

    Example: leasewatch economics --method double_declining --utilization 0.5,0.7,0.8,0.85,0.85
    """
    from pipeline.economics import model as core

    # each option given replaces one assumption of the file (or of the defaults); None keeps it
    overrides = {"capex": capex, "rent_per_month": rent, "utilization": utilization, "depreciation_life_years": life,
                 "depreciation_method": method, "discount_rate": rate}
    typer.echo(core.report(config, output.value, **overrides))
