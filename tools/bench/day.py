"""A trading day after the sample, for measuring the daily incremental build: what a daily refresh stores.

- one price snapshot (PRICE_SNAPSHOT, the shape `_store_bars` stores): every firm's bar for the next session;
- `filers` firms fetched again (income, balance, cash-flow statements and 主营构成), their latest income statement
  restated (revenue up 1 %): new payloads for those firms, the rest of their fetches unchanged.

Stored into a scratch copy of a cached bench market (see copy_market), never into the cache itself.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

# Files that never change once written (packs, normalised segments, warehouses): hard-linked into a scratch copy.
# Everything else (manifest, indexes) is appended to and is copied.
_IMMUTABLE = (".parquet", ".duckdb", ".arrow", ".pack")


def copy_market(source: Path, target: Path, *, own_warehouses: bool = False) -> None:
    """A scratch copy of a bench data directory that costs little: immutable files linked, logs copied. With
    `own_warehouses` the kept warehouses are copied (with their times, and the live file linked to its copy): a build
    may then take one over and write it in place, which it never does to a file linked elsewhere."""
    copies: dict[int, Path] = {}  # inode in `source` → its copy
    live: list[tuple[Path, Path]] = []  # files linked to a kept warehouse, linked to its copy once it is made
    for folder, _dirs, files in os.walk(source):
        relative = Path(folder).relative_to(source)
        if relative.parts[:1] in (("reports",), ("bench",)):
            continue
        (target / relative).mkdir(parents=True, exist_ok=True)
        for name in files:
            src, dst = Path(folder) / name, target / relative / name
            if own_warehouses and name.endswith(".duckdb"):
                if relative.parts[:1] == ("warehouses",):
                    shutil.copy2(src, dst)
                    copies[src.stat().st_ino] = dst
                else:
                    live.append((src, dst))
            elif name.endswith(_IMMUTABLE) or relative.parts[:2] == ("raw", "packs"):
                os.link(src, dst)
            else:
                shutil.copy2(src, dst)
    for src, dst in live:
        if src.stat().st_ino in copies:
            os.link(copies[src.stat().st_ino], dst)
        else:
            shutil.copy2(src, dst)


def add_day(raw_dir: Path, *, firms: int, years: int, filers: int = 5, nth: int = 1, first_filer: int = 0) -> dict:
    """Store the snapshot of the `nth` session after the sample's for every firm, and restated statements of
    `filers` firms from the `first_filer`-th on."""
    from pipeline import sources
    from pipeline.codes import em_symbol
    from pipeline.raw.store import RawStore
    from pipeline.sources.sample import SAMPLE_VINTAGES, SampleSource
    from pipeline.sources.sample.dates import trading_days

    import pandas as pd

    last = SAMPLE_VINTAGES[-1]
    session = sorted(d for d in trading_days()[1] if d > last)[nth - 1]
    source = SampleSource(as_of=session, firms=firms, years=years)
    day = session.strftime("%Y%m%d")
    bars = [source.fetch(sources.PRICES, symbol=code, start_date=day, end_date=day, adjust="") for code in source.codes()]
    bars = pd.concat([b for b in bars if len(b)], ignore_index=True)
    store = RawStore(raw_dir)
    stored = 0
    with store.batch():
        store.put(source=source.name, function=sources.PRICE_SNAPSHOT,
                  args={"trade_date": day, "adjust": "", "from": "bench"}, frame=bars, fetched_at=source.now(),
                  source_version=source.version, is_sample=True)
        stored += 1
        for code in source.codes()[first_filer:first_filer + filers]:
            symbol = em_symbol(code)
            for function in (*sources.STATEMENTS, sources.SEGMENTS):
                frame = source.fetch(function, symbol=symbol)
                if function == sources.INCOME and len(frame):
                    latest = frame["REPORT_DATE"].astype(str).idxmax()
                    frame.loc[latest, "TOTAL_OPERATE_INCOME"] = frame.loc[latest, "TOTAL_OPERATE_INCOME"] * 1.01
                store.put(source=source.name, function=function, args={"symbol": symbol}, frame=frame,
                          fetched_at=source.now(), source_version=source.version, is_sample=True)
                stored += 1
    return {"session": session.isoformat(), "bars": len(bars), "fetches": stored, "filers": filers}
