"""The inputs of the per-server model: the Assumptions, their validation, and loading them from TOML."""

from __future__ import annotations

import math
import tomllib
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Sequence

from pipeline.config import SEEDS_DIR
from pipeline.errors import UsageError

DEFAULTS_FILE = SEEDS_DIR / "economics_defaults.toml"

METHODS = ("straight_line", "double_declining", "sum_of_years")
REPAYMENTS = ("amortizing", "bullet")
BASES = ("term", "year1")
FORMATS = ("table", "json", "csv")

BENCHMARKS_FILE = SEEDS_DIR / "benchmarks.csv"

SOLVE_TOLERANCE = 1e-12
MARGIN_TOLERANCE = 1e-6


@dataclass(frozen=True)
class Assumptions:
    """Inputs for one server. Defaults live in sql/seeds/economics_defaults.toml (see `load_assumptions`)."""

    capex: float  # 元, ex-VAT capitalised cost
    residual_fraction: float  # of capex: salvage value and the book value depreciation stops at
    depreciation_life_years: int
    depreciation_method: str
    term_years: int
    rent_per_month: float  # 元 per month at 100 % utilisation, ex-VAT
    utilization: tuple[float, ...]  # one value for every year, or one per year of the term
    opex_fixed_per_year: float  # 元 per year whatever the utilisation (data-centre space, staff, maintenance)
    opex_variable_per_year_at_full: float  # 元 per year at 100 % utilisation, scaled by utilisation (power)
    debt_fraction: float  # of capex, drawn at year 0
    interest_rate: float
    debt_repayment: str
    tax_rate: float
    loss_carryforward_years: int
    discount_rate: float
    grid_utilization: tuple[float, ...]
    grid_rent_factors: tuple[float, ...]  # multiples of rent_per_month for the sensitivity grid

    def __post_init__(self) -> None:
        for name in ("utilization", "grid_utilization", "grid_rent_factors"):
            value = getattr(self, name)
            try:
                values = tuple(float(v) for v in (value if is_sequence(value) else (value,)))
            except (TypeError, ValueError):
                raise invalid(name, value, "numbers (one, or a list)") from None
            object.__setattr__(self, name, values)
        validate(self)

    def utilization_path(self) -> tuple[float, ...]:
        """Utilisation for each year of the term."""
        if len(self.utilization) == 1:
            return self.utilization * self.term_years
        return self.utilization



def is_sequence(value: object) -> bool:
    return isinstance(value, Sequence) and not isinstance(value, str)


def invalid(name: str, value: object, allowed: str) -> UsageError:
    return UsageError(f"economics input {name} = {value!r} is not allowed", f"allowed: {allowed}")


def validate(a: Assumptions) -> None:
    def number(name: str, lo: float, hi: float, allowed: str, *, lo_open: bool = False, hi_open: bool = False) -> None:
        value = getattr(a, name)
        if isinstance(value, bool) or not isinstance(value, (int, float)) or math.isnan(value):
            raise invalid(name, value, allowed)
        if value < lo or value > hi or (lo_open and value == lo) or (hi_open and value == hi):
            raise invalid(name, value, allowed)

    def whole(name: str, lo: int, hi: int) -> None:
        value = getattr(a, name)
        if (
            isinstance(value, bool)
            or not isinstance(value, (int, float))
            or not math.isfinite(value)
            or value != int(value)
            or not lo <= value <= hi
        ):
            raise invalid(name, value, f"a whole number of years from {lo} to {hi}")
        object.__setattr__(a, name, int(value))

    number("capex", 0, math.inf, "capex > 0 元 (ex-VAT)", lo_open=True, hi_open=True)
    number("residual_fraction", 0, 1, "0 ≤ residual_fraction < 1 (a fraction of capex)", hi_open=True)
    whole("depreciation_life_years", 1, 50)
    whole("term_years", 1, 50)
    if a.depreciation_method not in METHODS:
        raise invalid("depreciation_method", a.depreciation_method, ", ".join(METHODS))
    number("rent_per_month", 0, math.inf, "rent_per_month ≥ 0 元 per month", hi_open=True)
    for name in ("utilization", "grid_utilization"):
        values = getattr(a, name)
        if not values:
            raise invalid(name, values, "at least one value in [0, 1]")
        for v in values:
            if math.isnan(v) or not 0 <= v <= 1:
                raise invalid(name, v, "utilisation in [0, 1] (a fraction of capacity billed)")
    if len(a.utilization) not in (1, a.term_years):
        raise invalid("utilization", a.utilization, f"one value, or one per year of the {a.term_years}-year term")
    for v in a.grid_rent_factors:
        if math.isnan(v) or v < 0 or math.isinf(v):
            raise invalid("grid_rent_factors", v, "factors ≥ 0 (multiples of rent_per_month)")
    if not a.grid_rent_factors:
        raise invalid("grid_rent_factors", a.grid_rent_factors, "at least one factor ≥ 0")
    number("opex_fixed_per_year", 0, math.inf, "opex_fixed_per_year ≥ 0 元 per year", hi_open=True)
    number("opex_variable_per_year_at_full", 0, math.inf, "opex_variable_per_year_at_full ≥ 0 元 per year", hi_open=True)
    number("debt_fraction", 0, 1, "0 ≤ debt_fraction ≤ 1 (a fraction of capex)")
    number("interest_rate", 0, 1, "0 ≤ interest_rate ≤ 1 (a yearly fraction: 0.06 = 6 %)")
    if a.debt_repayment not in REPAYMENTS:
        raise invalid("debt_repayment", a.debt_repayment, ", ".join(REPAYMENTS))
    number("tax_rate", 0, 1, "0 ≤ tax_rate < 1 (0.25 = PRC CIT)", hi_open=True)
    whole("loss_carryforward_years", 0, 50)
    number("discount_rate", 0, 1, "0 ≤ discount_rate ≤ 1 (a yearly fraction: 0.08 = 8 %)")


def parse_utilization(text: str | float | Sequence[float]) -> tuple[float, ...]:
    """`0.7` → (0.7,); `"0.5,0.7,0.8"` → a path by year. Range checks happen in Assumptions."""
    if isinstance(text, (int, float)) and not isinstance(text, bool):
        return (float(text),)
    if is_sequence(text):
        return tuple(float(v) for v in text)
    parts = [p.strip() for p in str(text).split(",")]
    try:
        return tuple(float(p) for p in parts)
    except ValueError:
        raise UsageError(
            f"utilization '{text}' is not a number or a comma-separated list of numbers",
            "e.g. --utilization 0.7 or --utilization 0.5,0.7,0.8,0.85,0.85",
        ) from None


def _read_toml(path: Path) -> dict:
    try:
        with open(path, "rb") as handle:
            data = tomllib.load(handle)
    except FileNotFoundError:
        raise UsageError(f"economics config {path} does not exist", "pass an existing TOML file to --config") from None
    except tomllib.TOMLDecodeError as exc:
        raise UsageError(f"economics config {path} is not valid TOML: {exc}", "fix the file's syntax") from None
    flat: dict = {}
    # Sections ([server], [revenue] …) only group keys for readers; every key names one Assumptions field.
    for key, value in data.items():
        items = value.items() if isinstance(value, dict) else [(key, value)]
        for name, item in items:
            if name in flat:
                raise UsageError(f"economics config {path} sets {name} twice", "keep one")
            flat[name] = item
    known = {f.name for f in fields(Assumptions)}
    unknown = sorted(set(flat) - known)
    if unknown:
        raise UsageError(
            f"economics config {path} has unknown keys: {', '.join(unknown)}",
            f"known keys: {', '.join(sorted(known))}",
        )
    return flat


def load_assumptions(config: Path | str | None = None, **overrides) -> Assumptions:
    """Defaults from sql/seeds/economics_defaults.toml, then a user TOML (any subset of keys), then overrides.

    An override of None means "not given" and is skipped, so the CLI can pass every option through.
    """
    values = _read_toml(DEFAULTS_FILE)
    if config is not None:
        values.update(_read_toml(Path(config)))
    known = {f.name for f in fields(Assumptions)}
    for name, value in overrides.items():
        if name not in known:
            raise UsageError(f"unknown economics input {name}", f"known inputs: {', '.join(sorted(known))}")
        if value is not None:
            values[name] = value
    missing = sorted(known - set(values))
    if missing:
        raise UsageError(f"economics defaults {DEFAULTS_FILE} lack {', '.join(missing)}", "restore the seed file")
    if isinstance(values["utilization"], str):
        values["utilization"] = parse_utilization(values["utilization"])
    return Assumptions(**values)
