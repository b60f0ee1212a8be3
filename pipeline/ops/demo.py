"""The demo: the embedded sample through the real path — source → raw layer → warehouse → summary → reports."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from pipeline.build.run import build
from pipeline.config import SAMPLE_FIRMS, SAMPLE_YEARS, Paths
from pipeline.errors import UsageError
from pipeline.extract import sample_cache
from pipeline.extract.ingest import ingest_sample
from pipeline.raw.store import RawStore
from pipeline.reports import write_reports
from pipeline.reports.summary import benchmark_summary


@dataclass
class DemoResult:
    warehouse: Path
    summary: str
    reports: list[Path] = field(default_factory=list)


def run(
    paths: Paths,
    *,
    firms: int = SAMPLE_FIRMS,
    years: int = SAMPLE_YEARS,
    on_progress: Callable[[int, int, str], None] | None = None,
    on_step: Callable[[str], None] | None = None,
) -> DemoResult:
    """Ingest the sample (idempotent: a second run stores nothing new), build, summarise, and write both reports."""
    store = RawStore(paths.raw_dir)
    live = [r for r in store.records() if not r.is_sample]
    if live:
        raise UsageError(
            f"{paths.data_dir} holds live data ({len(live)} fetches); the demo would mix the sample into it",
            "run the demo elsewhere: leasewatch --data-dir /tmp/leasewatch-demo demo",
        )
    ingest = ingest_sample(store, firms=firms, years=years, on_progress=on_progress)
    # the sample's normalised rows come with its raw layer, and a build that had to make them keeps them there
    if ingest.sample_entry is not None:
        sample_cache.restore_normalized(ingest.sample_entry, paths.normalized_dir)
    result = build(paths, on_step=on_step)
    if ingest.sample_entry is not None:
        sample_cache.save_normalized(ingest.sample_entry, paths.normalized_dir)
    summary = benchmark_summary(paths)
    if on_step:
        on_step("writing the reports")
    reports = write_reports(paths)
    return DemoResult(warehouse=result.warehouse, summary=summary, reports=reports)


def warm_sample_cache(firms: int = SAMPLE_FIRMS, years: int = SAMPLE_YEARS) -> str:
    """Replay the default sample once into the per-user sample cache (pipeline/extract/sample_cache.py), and
    normalise it, so that `make demo` copies both instead of making them; `make install` runs this."""
    import tempfile

    from pipeline.normalize.cache import NormalizedCache

    where = sample_cache.cache_root()
    if where is None:
        return "sample cache is off (LEASEWATCH_SAMPLE_CACHE=off): make demo replays the sample each time"
    with tempfile.TemporaryDirectory() as scratch:
        paths = Paths.resolve(Path(scratch), Path(scratch) / "reports")
        store = RawStore(paths.raw_dir)
        report = ingest_sample(store, firms=firms, years=years)
        if report.sample_entry is not None and not sample_cache.restore_normalized(report.sample_entry, paths.normalized_dir):
            NormalizedCache(paths.normalized_dir).prepare(store)
            sample_cache.save_normalized(report.sample_entry, paths.normalized_dir)
    return f"sample cache: {where} ({'already there' if report.restored else 'replayed the sample once'})"


if __name__ == "__main__":  # python -m pipeline.ops.demo [FIRMS YEARS]
    import sys

    print(warm_sample_cache(*(int(a) for a in sys.argv[1:3])))
