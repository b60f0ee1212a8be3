"""The root command: the Typer app, the global options, and the one place where errors become exit codes."""

from __future__ import annotations

import functools
import os
from pathlib import Path
from typing import Annotated, Callable, NoReturn, Optional

import typer

from pipeline.config import Paths
from pipeline.errors import INTERNAL_ERROR_EXIT, INTERRUPTED_EXIT, LeasewatchError, as_storage_error

app = typer.Typer(
    name="leasewatch",
    help="Track China's A-share compute-leasing (算力租赁) firms against the 40 %/20 % margin benchmark.",
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,  # logs of a scheduled job must never dump local variables
    add_completion=False,
    rich_markup_mode=None,
)


def paths_of(ctx: typer.Context) -> Paths:
    """The directories resolved by the global options (--data-dir, --reports-dir)."""
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
            _fail(exc)
        except KeyboardInterrupt:
            echo_err("Interrupted: everything stored so far is kept; rerun to continue.")
            raise typer.Exit(INTERRUPTED_EXIT)
        except (typer.Exit, typer.Abort, SystemExit):
            raise
        except Exception as exc:  # a bug, not bad input: one line, with a way to see the traceback
            if os.environ.get("LEASEWATCH_DEBUG"):
                raise
            storage = as_storage_error(exc, "the data or reports directory")  # the disk, wherever it refused
            if storage is not None:
                _fail(storage)
            echo_err(f"Error: internal error {type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}")
            echo_err("Hint: rerun with LEASEWATCH_DEBUG=1 for the traceback, and report it")
            raise typer.Exit(INTERNAL_ERROR_EXIT)

    return wrapper


def _fail(exc: LeasewatchError) -> NoReturn:
    """Print the error (a failed data test's offending rows first) and exit with its code."""
    for name, rows in (getattr(exc, "failures", None) or {}).items():
        echo_err(f"-- data test {name}: {len(rows)} offending rows")
        echo_err(rows.head(20).to_string(index=False))
    echo_err(f"Error: {exc.message}")
    if exc.remedy:
        echo_err(f"Hint: {exc.remedy}")
    raise typer.Exit(exc.exit_code)


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
    quiet: Annotated[
        bool, typer.Option("--quiet", "-q", help="Plain progress lines every 10 % instead of a progress bar.")
    ] = False,
) -> None:
    _tolerate_narrow_encodings()
    ctx.obj = Paths.resolve(data_dir, reports_dir)
    ctx.meta["quiet"] = quiet


def _tolerate_narrow_encodings() -> None:
    """Under an output encoding without Chinese (PYTHONIOENCODING=latin-1, an ASCII terminal) print what it cannot
    show as \\u escapes, with one note on stderr, instead of failing on the first firm name."""
    import sys

    import codecs

    narrowed = []
    for stream in (sys.stdout, sys.stderr):
        encoding = getattr(stream, "encoding", None) or "utf-8"
        try:
            if codecs.lookup(encoding).name == "ascii":
                continue  # click writes UTF-8 to a stream it finds misconfigured as ASCII
            "示例 — ".encode(encoding)
        except (UnicodeEncodeError, LookupError):
            if hasattr(stream, "reconfigure"):
                stream.reconfigure(errors="backslashreplace")
                narrowed.append(stream.encoding)
    if narrowed:
        echo_err(f"note: the output encoding {narrowed[0]} cannot show Chinese text; it is printed as \\u escapes "
                 "(set PYTHONIOENCODING=utf-8 or a UTF-8 locale to see it)")


def progress_of(ctx: typer.Context, label: str):
    """The progress callback for this invocation: a bar on a terminal, plain lines under cron or with --quiet."""
    from pipeline.cli.progress import progress

    return progress(label, quiet=bool(ctx.meta.get("quiet")))
