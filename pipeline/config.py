"""Where things live: data directory, reports directory, the project's SQL and seed files."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
SQL_DIR = PROJECT_ROOT / "sql"
SEEDS_DIR = SQL_DIR / "seeds"

WAREHOUSE_NAME = "leasewatch.duckdb"

SAMPLE_FIRMS = 108  # the embedded sample's universe, the size of THS's 算力租赁 board when it was designed
SAMPLE_YEARS = 6  # years of quarterly reports in the sample
MEMBERSHIP_REVIEW_SHARE = 0.10  # a membership change above this share of the universe waits for --accept-changes


@dataclass(frozen=True)
class Paths:
    """The directories one run reads and writes. Built once by the CLI and passed down."""

    data_dir: Path
    reports_dir: Path

    @classmethod
    def resolve(cls, data_dir: Path | str | None = None, reports_dir: Path | str | None = None) -> "Paths":
        data = data_dir or os.environ.get("LEASEWATCH_DATA_DIR") or PROJECT_ROOT / "data"
        reports = reports_dir or os.environ.get("LEASEWATCH_REPORTS_DIR") or PROJECT_ROOT / "reports"
        return cls(Path(data).expanduser().resolve(), Path(reports).expanduser().resolve())

    @property
    def raw_dir(self) -> Path:
        return self.data_dir / "raw"

    @property
    def warehouse(self) -> Path:
        return self.data_dir / WAREHOUSE_NAME

    @property
    def warehouses_dir(self) -> Path:
        """Where builds are written and previous warehouses are kept for rollback."""
        return self.data_dir / "warehouses"

    @property
    def logs_dir(self) -> Path:
        return self.data_dir / "logs"

    @property
    def normalized_dir(self) -> Path:
        """Typed rows of raw payloads kept between builds (pipeline/normalize/cache.py); safe to delete."""
        return self.data_dir / "normalized"
