"""Option sets shared by several commands, each declared once."""

from __future__ import annotations

import functools
import inspect
from enum import Enum
from typing import Annotated, Callable

import typer

from pipeline.config import SAMPLE_FIRMS, SAMPLE_YEARS


class Format(str, Enum):
    table = "table"
    csv = "csv"
    json = "json"


class SourceName(str, Enum):
    sample = "sample"
    akshare = "akshare"


FirmsOption = Annotated[int, typer.Option("--firms", min=1, max=20000, help="Sample firms to generate.")]
YearsOption = Annotated[int, typer.Option("--years", min=1, max=20, help="Sample years of quarterly reports.")]
AcceptOption = Annotated[
    bool, typer.Option("--accept-changes", help="Apply a membership change of more than 10 % in one step.")
]

# The politeness options of every command that calls akshare: (name, type, default, typer.Option).
_POLITENESS: tuple[tuple[str, type, object, object], ...] = (
    ("min_interval", float, 1.5,
     typer.Option("--min-interval", min=0, envvar="LEASEWATCH_MIN_INTERVAL", help="Seconds between upstream calls.")),
    ("timeout", float, 120.0,
     typer.Option("--timeout", min=0.1, envvar="LEASEWATCH_TIMEOUT", help="Seconds before one upstream call is given up.")),
    ("retries", int, 3,
     typer.Option("--retries", min=0, max=10, envvar="LEASEWATCH_RETRIES", help="Retries after a connection error or timeout.")),
    ("max_failures", int, 5,
     typer.Option("--max-failures", min=1, envvar="LEASEWATCH_MAX_FAILURES", help="Consecutive failures that stop the run (circuit breaker).")),
    ("cooldown", float, 60.0,
     typer.Option("--cooldown", min=0, envvar="LEASEWATCH_COOLDOWN", help="Minutes the source is left alone after the breaker opens.")),
)


def politeness_options(fn: Callable) -> Callable:
    """Add the politeness options to a command; it receives them as one `politeness` keyword (a Politeness)."""
    signature = inspect.signature(fn, eval_str=True)  # typer reads Annotated metadata from the evaluated signature
    params = [p for p in signature.parameters.values() if p.name != "politeness"]
    params += [
        inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY, default=default, annotation=Annotated[kind, option])
        for name, kind, default, option in _POLITENESS
    ]

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        from pipeline.sources.polite import Politeness

        given = {name: kwargs.pop(name) for name, *_ in _POLITENESS}
        given["cooldown"] *= 60  # minutes on the command line, seconds in the policy
        return fn(*args, politeness=Politeness(**given), **kwargs)

    wrapper.__signature__ = signature.replace(parameters=params)
    return wrapper


__all__ = ["AcceptOption", "FirmsOption", "Format", "SAMPLE_FIRMS", "SAMPLE_YEARS", "SourceName", "YearsOption", "politeness_options"]
