"""The seeds a build loads into the `seeds` schema: the benchmarks, the carry screen's thresholds (with this build's
`--screen` overrides), the compute keywords and exclusions, the field dictionary, and the per-server economics model
at its defaults (pipeline/economics/) as tables."""

from __future__ import annotations

import csv
import math
from typing import Mapping

from pipeline.config import SEEDS_DIR
from pipeline.economics import solver, tables
from pipeline.economics.assumptions import load_assumptions
from pipeline.errors import UsageError

def screen_thresholds() -> dict[str, tuple[float, str]]:
    """The carry screen's default thresholds and units by name (sql/seeds/carry_screen.csv)."""
    with (SEEDS_DIR / "carry_screen.csv").open(encoding="utf-8") as fh:
        return {row["name"]: (float(row["threshold"]), row["unit"]) for row in csv.DictReader(fh)}


MAX_RUN_QUARTERS = 400  # a run threshold longer than any stored history (100 years) flags nothing


def screen_overrides(screen: Mapping[str, float] | None) -> dict[str, float]:
    """Validate `--screen` overrides against the seed: a known name and a finite, non-negative value."""
    known = screen_thresholds()
    for name, value in (screen or {}).items():
        if name not in known:
            raise UsageError(f"unknown carry-screen threshold '{name}'", f"use one of: {', '.join(known)}")
        default, unit = known[name]
        if unit == "quarters":  # a run length: a whole number of quarters, at least one
            if not math.isfinite(value) or value != int(value) or not 1 <= value <= MAX_RUN_QUARTERS:
                raise UsageError(f"carry-screen threshold {name}={value:g} is not a whole number of quarters from 1 "
                                 f"to {MAX_RUN_QUARTERS}", f"give a value like {name}={default:g}")
        elif not math.isfinite(value) or value < 0:
            raise UsageError(f"carry-screen threshold {name}={value} is not a finite number ≥ 0",
                             f"give a value like {name}={default:g}")
    return dict(screen or {})


def load_seeds(con, gross_benchmark: float | None, net_benchmark: float | None,
                screen: Mapping[str, float] | None = None) -> None:
    con.execute(
        f"create table seeds.benchmarks as select * from read_csv('{SEEDS_DIR / 'benchmarks.csv'}', header=true, "
        "columns={'metric': 'VARCHAR', 'threshold': 'DOUBLE', 'source': 'VARCHAR', 'note': 'VARCHAR'})"
    )
    # Command-line overrides replace the seed values for this build and say so in `source`.
    for metric, value in (("gross_margin", gross_benchmark), ("net_margin", net_benchmark)):
        if value is not None:
            con.execute(
                "update seeds.benchmarks set threshold = ?, source = 'command-line override' where metric = ?",
                [value, metric],
            )
    con.execute(
        f"create table seeds.carry_screen as select *, 'sql/seeds/carry_screen.csv' as source, "
        f"row_number() over () as priority from read_csv('{SEEDS_DIR / 'carry_screen.csv'}', header=true, "
        "columns={'name': 'VARCHAR', 'flag': 'VARCHAR', 'threshold': 'DOUBLE', 'unit': 'VARCHAR', 'note': 'VARCHAR'})"
    )
    for name, value in (screen or {}).items():
        con.execute("update seeds.carry_screen set threshold = ?, source = 'command-line override' where name = ?",
                    [value, name])
    con.execute(
        f"create table seeds.compute_keywords as select *, row_number() over () as priority "
        f"from read_csv('{SEEDS_DIR / 'compute_keywords.csv'}', header=true, "
        "columns={'keyword': 'VARCHAR', 'tier': 'INTEGER', 'note': 'VARCHAR'})"
    )
    con.execute(
        f"create table seeds.compute_exclusions as select *, row_number() over () as priority "
        f"from read_csv('{SEEDS_DIR / 'compute_exclusions.csv'}', header=true, "
        "columns={'keyword': 'VARCHAR', 'reason': 'VARCHAR'})"
    )
    con.execute(
        f"create table seeds.field_dictionary as select * from read_csv('{SEEDS_DIR / 'field_dictionary.csv'}', "
        "header=true, all_varchar=true)"
    )
    _load_economics(con)


# The per-server model of pipeline/economics/ at the defaults of sql/seeds/economics_defaults.toml, as tables.
_ECONOMICS_TABLES = {
    "economics_assumptions": (tables.assumption_rows, {"input": "varchar", "value": "varchar", "unit": "varchar"}),
    "economics_model": (
        tables.model_rows,
        {
            "method": "varchar", "is_assumed_method": "boolean", "year": "integer", "utilization": "double",
            "revenue": "double", "depreciation": "double", "opex": "double", "interest": "double",
            "disposal_gain": "double", "tax": "double", "net_profit": "double", "gross_margin": "double",
            "net_margin": "double", "da_to_revenue": "double", "interest_to_revenue": "double",
        },
    ),
    "economics_solve": (
        solver.solve_rows,
        {
            "basis": "varchar", "years": "integer", "revenue_at_full": "double", "depreciation": "double",
            "opex_fixed": "double", "opex_variable_at_full": "double",
        },
    ),
}


def _load_economics(con) -> None:
    assumptions = load_assumptions()
    for table, (function, columns) in _ECONOMICS_TABLES.items():
        rows = function(assumptions)
        con.execute(f"create table seeds.{table} ({', '.join(f'{c} {t}' for c, t in columns.items())})")
        con.executemany(
            f"insert into seeds.{table} values ({', '.join('?' * len(columns))})",
            [[row[c] for c in columns] for row in rows],
        )
    con.execute("create table seeds.economics_description as select ? as description", [tables.describe(assumptions)])
