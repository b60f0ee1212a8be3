"""The command line: parse options, call one function of a stage, print. No business logic, no SQL.

`root` holds the app, the global options and the error → exit-code mapping; each other module is one group of
commands and registers them on the app when imported (below). Imports run one way: cli → stages → ground floor.
"""

from pipeline.cli import economics, ingest, ops, raw, reports, universe, warehouse  # noqa: F401  (each registers its commands)
from pipeline.cli.root import app

# `leasewatch --help` lists commands in the order a newcomer meets them, not in the order the modules load.
HELP_ORDER = ("demo", "build", "query", "schema", "firm", "economics", "ingest", "refresh", "rollback", "verify", "schedule", "export", "report")
app.registered_commands.sort(key=lambda c: HELP_ORDER.index(c.name or c.callback.__name__))

__all__ = ["app"]
