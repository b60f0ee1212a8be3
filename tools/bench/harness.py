"""`make bench`: how fast leasewatch is, printed as one table and written as JSON under reports/bench/.

1. start-up: `leasewatch --help` wall time, and which heavy libraries it imports (akshare, plotly, polars and
   pandas must not be among them);
2. the demo: `make demo`'s work end to end in a fresh data directory (sample → raw → warehouse → reports):
   wall time and peak memory;
3. the full market: a generated sample of --firms × --years (its raw layer generated once and cached under
   <data dir>/bench/), built at each of --scales firms: the raw-to-warehouse build's time and peak memory, cold
   (nothing normalised yet) and warm (a full rebuild, `build --full`), and its ratio to the I/O floor, the
   time DuckDB takes just to read every column of the same raw files; then the incremental builds a daily refresh
   runs, each after a day's price snapshot for every firm and 5 firms' new statements (tools/bench/day.py, on a
   scratch copy: the cached raw layer is never changed), on the first day (from a copy of the live warehouse) and
   on the third (the steady state: the kept warehouse its pruning would delete, taken over in place);
4. reports for the full market (Excel and HTML): time, sizes, and whether the workbook fits Excel's limits;
5. the live-ingestion request budget (tools.bench.budget).

Each measured step runs in a child process (`python -m tools.bench.harness --worker …`), so its peak memory is that
child's own (wait4's ru_maxrss). Medians are over --runs rounds, and each round measures everything once in
turn, so a slow spell of a shared machine falls on every measure alike and the ratios hold.

Run: make bench    or    python -m tools.bench.harness --runs 3 --firms 5400 --years 10 --scales 108,1000,5400
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from pipeline.config import Paths

HEAVY = ("akshare", "plotly", "polars", "pandas")  # must not be imported to print help
ALSO_REPORTED = ("duckdb", "pyarrow", "numpy", "openpyxl")
EXCEL_MAX_ROWS, EXCEL_MAX_COLUMNS = 1_048_576, 16_384
GIB = 1024**3
DAILY_FILERS = 5  # firms whose statements change on the measured day (issue 16)
TARGETS = {  # issue 16
    "help_s": 0.5,
    "demo_s": 10.0,
    "cold_s": 60.0,
    "warm_s": 30.0,
    "daily_s": 10.0,
    "build_bytes": 1.5 * GIB,
    "floor_ratio": 3.0,
    "reports_s": 30.0,
    "reports_bytes": 1 * GIB,
}
_PROBE = """
import json, sys
from pipeline.cli import app
try:
    app(["--help"], prog_name="leasewatch")
except SystemExit:
    pass
sys.stderr.write("\\nMODULES " + json.dumps(sorted(sys.modules)) + "\\n")
"""


@dataclass
class Child:
    """A finished child process: wall time, peak resident memory, exit code, and the JSON it wrote (workers)."""

    seconds: float
    peak_bytes: int
    returncode: int
    stdout: str
    stderr: str
    result: dict = field(default_factory=dict)


def run_child(args: list[str], *, out: Path | None = None, env: dict | None = None) -> Child:
    """Run a process to the end and measure it. wait4 gives this child's own peak RSS (RUSAGE_CHILDREN would be the
    largest of every child so far)."""
    with tempfile.TemporaryFile("w+") as stdout, tempfile.TemporaryFile("w+") as stderr:
        started = time.perf_counter()
        proc = subprocess.Popen(args, stdout=stdout, stderr=stderr, env={**os.environ, **(env or {})})
        _, status, usage = os.wait4(proc.pid, 0)
        seconds = time.perf_counter() - started
        proc.returncode = os.waitstatus_to_exitcode(status)
        stdout.seek(0)
        stderr.seek(0)
        child = Child(seconds, usage.ru_maxrss * 1024, proc.returncode, stdout.read(), stderr.read())
    if out is not None and out.exists():
        child.result = json.loads(out.read_text(encoding="utf-8"))
        out.unlink()
    return child


def worker(kind: str, scratch: Path, *, env: dict | None = None, **options) -> Child:
    """Run one measured step (see _WORKERS) in a child process (with `env` added); raises when it fails."""
    out = scratch / f"{kind}-{os.getpid()}-{time.monotonic_ns()}.json"
    args = [sys.executable, "-m", "tools.bench.harness", "--worker", kind, "--out", str(out)]
    for name, value in options.items():
        args += [f"--{name.replace('_', '-')}", str(value)]
    child = run_child(args, out=out, env=env)
    if child.returncode != 0:
        tail = "\n".join((child.stderr or child.stdout).strip().splitlines()[-15:])
        raise RuntimeError(f"bench worker {kind} failed (exit {child.returncode}):\n{tail}")
    return child


# -- Workers: each runs in its own process and writes what it measured as JSON ------------------------------


def _work_demo(opts) -> dict:
    """The demo's work as `leasewatch demo` does it (pipeline.ops.demo.run: sample → raw → warehouse → summary → both
    reports), split into phases by the steps it reports."""
    from pipeline.ops import demo

    paths = Paths.resolve(opts.data_dir, opts.reports_dir)
    marks: dict[str, float] = {}

    def step(message: str) -> None:
        marks.setdefault("build" if "build" not in marks else message, time.perf_counter())

    started = time.perf_counter()
    result = demo.run(paths, firms=opts.firms, years=opts.years, on_step=step)
    ended = time.perf_counter()
    reports_at = marks.get("writing the reports", ended)
    phases = {
        "ingest (sample → raw)": marks.get("build", reports_at) - started,
        "build + summary": reports_at - marks.get("build", reports_at),
        "reports": ended - reports_at,
    }
    written = [{"path": str(p), "bytes": p.stat().st_size} for p in result.reports]
    return {"phases": phases, "reports": written}


def _work_generate(opts) -> dict:
    """The full-market sample's raw layer, as `leasewatch ingest --source sample --firms N --years Y` stores it."""
    from pipeline.extract.ingest import ingest_sample
    from pipeline.raw import tidy
    from pipeline.raw.store import RawStore

    root = Path(opts.data_dir)
    started = time.perf_counter()
    report = ingest_sample(RawStore(root / "raw"), firms=opts.firms, years=opts.years)
    seconds = time.perf_counter() - started
    if report.failures:
        raise RuntimeError(f"the sample failed for {len(report.failures)} firms, e.g. {next(iter(report.failures.items()))}")
    store = RawStore(root / "raw")
    files = tidy.files(store)
    meta = {
        "firms": opts.firms,
        "years": opts.years,
        "seconds": round(seconds, 1),
        "payloads": len({r.path for r in store.records()}),
        "files": len(files),
        "bytes": sum(files.values()),
        "fingerprint": sample_fingerprint(),
        "generated_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
    }
    (root / "generated.json").write_text(json.dumps(meta, indent=1), encoding="utf-8")
    return meta


def _work_build(opts) -> dict:
    """One full build of the cached raw layer; `cold` first deletes the normalised payloads kept by earlier builds."""
    paths = Paths.resolve(opts.data_dir, Path(opts.data_dir) / "reports")
    if opts.cold:
        shutil.rmtree(paths.normalized_dir, ignore_errors=True)
    return _timed_build(paths, full=True)


def _work_daily(opts) -> dict:
    """Daily incremental builds (tools/bench/day.py: each day one snapshot for every firm, `filers` firms' statements
    restated), on a scratch copy of the cached market whose live warehouse the warm build made. Day 1 starts from a
    copy of the live warehouse (nothing kept is due for pruning yet: the first days of a data directory); day 2 is
    not measured; day 3 is the steady state, taking over the kept warehouse its pruning would delete."""
    from tools.bench import day

    root = Path(opts.data_dir)
    scratch = Path(tempfile.mkdtemp(prefix="daily-", dir=opts.scratch_dir))
    try:
        day.copy_market(root, scratch, own_warehouses=True)
        meta = json.loads((root / "generated.json").read_text(encoding="utf-8"))
        paths = Paths.resolve(scratch, scratch / "reports")
        out = {}
        for nth, label in ((1, "first"), (2, None), (3, "steady")):
            added = day.add_day(scratch / "raw", firms=meta["firms"], years=meta["years"], filers=opts.filers, nth=nth,
                                first_filer=(nth - 1) * opts.filers)
            result = _timed_build(paths, full=False)
            if label:
                out[label] = {**result, "day": added}
        return out
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def _timed_build(paths: Paths, *, full: bool) -> dict:
    from pipeline.build.run import build

    marks: list[tuple[str, float]] = []
    result = build(paths, on_step=lambda message: marks.append((message, time.perf_counter())), full=full)
    ended = time.perf_counter()
    steps: dict[str, float] = {}  # seconds from each step's message to the next one
    for (message, at), until in zip(marks, [t for _, t in marks[1:]] + [ended]):
        name = "models" if message.startswith("model ") else message.split(":")[0]
        if message.startswith("incremental build from"):  # a copy of the live warehouse, or a kept one taken over
            name = "starting from the base"
        steps[name] = steps.get(name, 0.0) + until - at
    return {"seconds": result.seconds, "steps": steps, "rows": result.row_counts, "incremental": result.incremental,
            "full_reason": result.full_reason, "changes": result.changes, "reused": result.reused}


def _work_floor(opts) -> dict:
    """The I/O floor: DuckDB scanning the files holding the raw payloads a build reads (one scan per akshare
    function): every payload's bytes decompressed (what a build must read at least), and the footers alone."""
    import duckdb

    from pipeline.raw.store import RawStore

    store = RawStore(Path(opts.data_dir) / "raw")
    files: dict[str, set[str]] = {}
    for record in store.records():
        location = store.location(record.path)
        files.setdefault(record.function, set()).add(str(store.root / (location.pack if location else record.path)))
    con = duckdb.connect()
    timings = {}
    for label, select in (
        ("footers", "count(*)"),
        # every payload's bytes decompressed: what a build must read at least (it then decodes the columns it maps)
        ("columns", "sum(octet_length(ipc))"),
    ):
        started = time.perf_counter()
        for function, paths in files.items():
            con.execute(f"select {select} from read_parquet(?)", [sorted(paths)]).fetchall()
        timings[label] = time.perf_counter() - started
    return {"seconds": timings["columns"], "footers_seconds": timings["footers"], "files": sum(len(p) for p in files.values())}


def _work_compact(opts) -> dict:
    """`leasewatch raw compact` on a raw layer stored before packs (one file per payload): the migration."""
    from pipeline.raw import tidy
    from pipeline.raw.store import RawStore

    started = time.perf_counter()
    report = tidy.compact(RawStore(Path(opts.data_dir) / "raw"))
    return {"seconds": time.perf_counter() - started, "payloads": report.payloads, "files_before": report.files_before,
            "files_after": report.files_after, "bytes_before": report.bytes_before, "bytes_after": report.bytes_after}


def _work_reports(opts) -> dict:
    """Both reports for the latest period, as a refresh writes them."""
    from pipeline.reports import write_reports

    paths = Paths.resolve(opts.data_dir, opts.reports_dir)
    started = time.perf_counter()
    written = [{"path": str(p), "bytes": p.stat().st_size} for p in write_reports(paths)]
    return {"seconds": time.perf_counter() - started, "reports": written, "excel": _excel_shapes(written)}


def _work_budget(opts) -> dict:
    from tools.bench import budget as bench_requests

    rows = bench_requests.request_budget(firms=opts.firms, years=opts.years)
    return {
        "rows": [
            {"scenario": r.scenario, "universe": r.universe, "requests": r.requests, "target": r.target}
            for r in rows
        ]
    }


_WORKERS = {
    "demo": _work_demo,
    "generate": _work_generate,
    "compact": _work_compact,
    "build": _work_build,
    "daily": _work_daily,
    "floor": _work_floor,
    "reports": _work_reports,
    "budget": _work_budget,
}


def _excel_shapes(written: list[dict]) -> list[dict]:
    """Rows and columns of every sheet of each workbook, read from the sheet XML: a streamed (write-only)
    workbook does not record its dimensions, so the last <row r="…"> and the widest cell reference tell."""
    import re
    import zipfile

    from openpyxl.utils import column_index_from_string

    row_number = re.compile(rb'<row r="(\d+)"')
    cell_column = re.compile(rb'<c r="([A-Z]+)\d+"')
    shapes = []
    for item in written:
        if not item["path"].endswith(".xlsx"):
            continue
        with zipfile.ZipFile(item["path"]) as book:
            names = _sheet_names(book)
            for member, title in names.items():
                rows = columns = 0
                tail = b""
                with book.open(member) as stream:
                    while chunk := stream.read(1 << 20):
                        text = tail + chunk
                        found = row_number.findall(text)
                        if found:
                            rows = max(rows, int(found[-1]))
                        for letters in set(cell_column.findall(text)):
                            columns = max(columns, column_index_from_string(letters.decode()))
                        tail = text[-64:]  # a tag split across two chunks is matched in the next one
                shapes.append({"file": Path(item["path"]).name, "sheet": title, "rows": rows, "columns": columns})
    return shapes


def _sheet_names(book) -> dict[str, str]:
    """xl/worksheets/sheetN.xml → sheet title, from the workbook's relationships."""
    import re

    workbook = book.read("xl/workbook.xml").decode("utf-8")
    rels = book.read("xl/_rels/workbook.xml.rels").decode("utf-8")
    targets = dict(re.findall(r'<Relationship[^>]*Id="([^"]+)"[^>]*Target="([^"]+)"', rels))
    targets.update({k: v for v, k in re.findall(r'<Relationship[^>]*Target="([^"]+)"[^>]*Id="([^"]+)"', rels)})
    out = {}
    for title, rid in re.findall(r'<sheet [^>]*name="([^"]+)"[^>]*r:id="([^"]+)"', workbook):
        target = targets[rid].lstrip("/")
        out[target if target.startswith("xl/") else f"xl/{target}"] = title
    return out


# -- The benchmark ------------------------------------------------------------------------------------------


def sample_fingerprint() -> str:
    """The sample generator's fingerprint, recorded with a cached raw layer."""
    from pipeline.sources.sample import fingerprint

    return fingerprint()[:16]


def cached_market(bench_root: Path, firms: int, years: int, scratch: Path, *, regenerate: bool, say) -> dict:
    """The raw layer of the generated sample of `firms` × `years`, generated now if missing (or asked to)."""
    root = bench_root / f"sample-{firms}x{years}"
    meta_path = root / "generated.json"
    meta = json.loads(meta_path.read_text(encoding="utf-8")) if meta_path.exists() else None
    reason = "--regenerate" if regenerate else "not generated yet" if meta is None else None
    if reason:
        say(f"generating the sample's raw layer for {firms:,} firms × {years} years ({reason}); this is done once")
        shutil.rmtree(root, ignore_errors=True)
        root.mkdir(parents=True)
        child = worker("generate", scratch, data_dir=root, firms=firms, years=years)
        meta = {**child.result, "generated_now": True, "peak_bytes": child.peak_bytes}
    if not (root / "raw" / "packs.jsonl").exists():  # cached before packs: migrate it once, and time that
        say(f"moving the cached raw layer of {firms:,} firms into packs (leasewatch raw compact); this is done once")
        child = worker("compact", scratch, data_dir=root)
        meta = {**meta, "compacted": {**child.result, "peak_bytes": child.peak_bytes}}
        meta_path.write_text(json.dumps(meta, indent=1), encoding="utf-8")
    # Timings hardly depend on the fictional figures, so a layer from an earlier generator is kept, and said so.
    return {**meta, "root": str(root), "stale": meta.get("fingerprint") != sample_fingerprint()}


@dataclass
class Row:
    section: str
    measure: str
    value: str
    target: str = ""
    met: bool | None = None


def median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


def _s(seconds: float) -> str:
    return f"{seconds:.2f} s" if seconds < 10 else f"{seconds:.1f} s"


def _mib(n: float) -> str:
    return f"{n / 1024**2:,.0f} MiB"


def run(args) -> dict:
    paths = Paths.resolve(args.data_dir, args.reports_dir)
    bench_root = paths.data_dir / "bench"
    bench_root.mkdir(parents=True, exist_ok=True)
    scratch = Path(tempfile.mkdtemp(prefix="scratch-", dir=bench_root))
    say = (lambda message: print(f"· {message}", file=sys.stderr, flush=True)) if not args.quiet else (lambda m: None)
    try:
        return _run(args, paths, bench_root, scratch, say)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def _run(args, paths: Paths, bench_root: Path, scratch: Path, say) -> dict:
    scales = sorted({int(s) for s in args.scales.split(",") if s.strip()} | {args.firms})
    markets = {
        n: cached_market(bench_root, n, args.years, scratch, regenerate=args.regenerate, say=say) for n in scales
    }
    leasewatch = Path(sys.executable).with_name("leasewatch")
    help_cmd = [str(leasewatch), "--help"] if leasewatch.exists() else [sys.executable, "-c", _PROBE]

    samples: dict[str, list] = {}

    def keep(key: str, value) -> None:
        samples.setdefault(key, []).append(value)

    # The demo after `make install`: install replays the sample once into the sample cache, the demo copies it.
    cache = {"LEASEWATCH_SAMPLE_CACHE": str(bench_root / "sample-cache")}
    say("the sample cache, as make install fills it")
    samples["install"] = [run_child([sys.executable, "-m", "pipeline.ops.demo", str(args.demo_firms), str(args.demo_years)],
                                    env=cache)]

    def demo(env: dict) -> Child:
        demo_dir = Path(tempfile.mkdtemp(prefix="demo-", dir=scratch))
        try:
            return worker("demo", scratch, env=env, data_dir=demo_dir / "data", reports_dir=demo_dir / "reports",
                          firms=args.demo_firms, years=args.demo_years)
        finally:
            shutil.rmtree(demo_dir, ignore_errors=True)

    for round_no in range(1, args.runs + 1):
        say(f"round {round_no} of {args.runs}")
        keep("help", run_child(help_cmd).seconds)
        keep("demo", demo(cache))
        if round_no == 1:  # once: the demo replaying the sample itself (no cache), what it cost before the cache
            keep("demo-replay", demo({"LEASEWATCH_SAMPLE_CACHE": "off"}))
        for n in scales:
            root = markets[n]["root"]
            say(f"round {round_no}: {n:,} firms — I/O floor, cold build, warm build")
            keep(f"floor-{n}", worker("floor", scratch, data_dir=root))
            keep(f"cold-{n}", worker("build", scratch, data_dir=root, cold=1))
            keep(f"warm-{n}", worker("build", scratch, data_dir=root, cold=0))
            keep(f"daily-{n}", worker("daily", scratch, data_dir=root, scratch_dir=scratch, filers=DAILY_FILERS))
        out = Path(markets[args.firms]["root"]) / "reports"
        shutil.rmtree(out, ignore_errors=True)
        keep("reports", worker("reports", scratch, data_dir=markets[args.firms]["root"], reports_dir=out))

    probe = run_child([sys.executable, "-c", _PROBE])
    modules = set(json.loads(probe.stderr.rsplit("MODULES ", 1)[1])) if "MODULES " in probe.stderr else set()
    say("request budget")
    budget = worker("budget", scratch, firms=args.budget_firms, years=args.budget_years).result

    return _summarise(args, scales, markets, samples, modules, budget)


def _median_steps(results: list[dict]) -> dict[str, float]:
    """Each build step's median seconds over the rounds' results."""
    return {k: median([r["steps"].get(k, 0.0) for r in results]) for k in results[0]["steps"]}


def _summarise(args, scales, markets, samples, modules, budget) -> dict:
    rows: list[Row] = []
    loaded = lambda name: name in modules or any(m.startswith(name + ".") for m in modules)  # noqa: E731

    help_s = median(samples["help"])
    heavy = [m for m in HEAVY if loaded(m)]
    others = [m for m in ALSO_REPORTED if loaded(m)]
    rows.append(Row("1 start-up", "leasewatch --help, wall", _s(help_s), "≤ 0.5 s", help_s <= TARGETS["help_s"]))
    rows.append(Row("1 start-up", f"imports {', '.join(HEAVY)}", ", ".join(heavy) or "none", "none", not heavy))
    rows.append(Row("1 start-up", "other heavy modules imported", ", ".join(others) or "none"))

    demos = samples["demo"]
    demo_s = median([c.seconds for c in demos])
    phases = demos[0].result["phases"]
    label = f"demo after install ({args.demo_firms} firms × {args.demo_years} y), wall"
    rows.append(Row("2 demo", label, _s(demo_s), "≤ 10 s", demo_s <= TARGETS["demo_s"]))
    for name in phases:
        rows.append(Row("2 demo", f"  of which {name}", _s(median([c.result["phases"][name] for c in demos]))))
    rows.append(Row("2 demo", "peak memory", _mib(median([c.peak_bytes for c in demos]))))
    rows.append(Row("2 demo", "make install's sample replay into the cache (once)", _s(samples["install"][0].seconds)))
    replay = samples["demo-replay"][0]
    rows.append(Row("2 demo", "demo replaying the sample itself (LEASEWATCH_SAMPLE_CACHE=off)",
                    f"{_s(replay.seconds)} (ingest {_s(replay.result['phases']['ingest (sample → raw)'])})"))

    per_scale = {}
    for n in scales:
        market = markets[n]
        floor = median([c.result["seconds"] for c in samples[f"floor-{n}"]])
        cold = median([c.result["seconds"] for c in samples[f"cold-{n}"]])
        warm = median([c.result["seconds"] for c in samples[f"warm-{n}"]])
        cold_peak = median([c.peak_bytes for c in samples[f"cold-{n}"]])
        warm_peak = median([c.peak_bytes for c in samples[f"warm-{n}"]])
        daily = {k: [c.result[k] for c in samples[f"daily-{n}"]] for k in ("first", "steady")}
        footers = median([c.result["footers_seconds"] for c in samples[f"floor-{n}"]])
        steps, cold_steps = (_median_steps([c.result for c in samples[f"{kind}-{n}"]]) for kind in ("warm", "cold"))
        per_scale[n] = {
            "floor_s": floor, "footers_s": footers, "cold_s": cold, "warm_s": warm, "cold_peak_bytes": cold_peak,
            "warm_peak_bytes": warm_peak, "warm_steps": steps, "cold_steps": cold_steps,
            "daily": {k: {"seconds": median([r["seconds"] for r in v]), "steps": _median_steps(v),
                          "changes": v[-1]["changes"], "reused": v[-1]["reused"]} for k, v in daily.items()},
            "payloads": market["payloads"], "raw_bytes": market["bytes"],
        }
        full = n == args.firms
        section = f"3 market {n:,} firms" if full else f"3 scale {n:,}"
        generated = "generated now" if market.get("generated_now") else "generated once, cached"
        if market.get("stale"):
            generated += " (by an earlier sample generator; --regenerate to refresh)"
        files = market.get("compacted", {}).get("files_after") or market.get("files") or market["payloads"]
        rows.append(Row(section, f"raw layer: {n:,} firms × {args.years} y", f"{market['payloads']:,} payloads in {files:,} "
                        f"files, {market['bytes'] / 1024**2:,.0f} MiB; {generated} in {_s(market['seconds'])}"))
        if market.get("compacted"):
            moved = market["compacted"]
            rows.append(Row(section, "  moved into packs (leasewatch raw compact, once)",
                            f"{_s(moved['seconds'])}: {moved['files_before']:,} → {moved['files_after']:,} files, "
                            f"{_mib(moved['bytes_before'])} → {_mib(moved['bytes_after'])}"))
        rows.append(Row(section, "I/O floor: DuckDB reads every payload's bytes", _s(floor)))
        rows.append(Row(section, "  footers alone (count(*))", _s(footers)))
        rows.append(Row(section, "build, cold (nothing normalised yet)", _s(cold), "≤ 60 s" if full else "",
                        cold <= TARGETS["cold_s"] if full else None))
        rows.append(Row(section, "  of which normalising raw frames", _s(cold_steps.get("normalising raw frames", 0.0))))
        rows.append(Row(section, "build, warm (full rebuild)", _s(warm), "≤ 30 s" if full else "",
                        warm <= TARGETS["warm_s"] if full else None))
        rows.append(Row(section, "  of which models", _s(steps.get("models", 0.0))))
        for kind, how in (("first", "first days, from a copy of the live warehouse"),
                          ("steady", "steady state, a kept warehouse taken over")):
            builds = daily[kind]
            seconds = per_scale[n]["daily"][kind]["seconds"]
            incremental = all(r["incremental"] for r in builds)
            reused = all(r["reused"] for r in builds) == (kind == "steady")
            target = kind == "steady" and full
            rows.append(Row(section, f"build, incremental: a day's snapshot, {DAILY_FILERS} firms filed ({how})",
                            _s(seconds) + ("" if incremental else " (fell back to a full build)")
                            + ("" if reused else " (did not start as intended)"),
                            "≤ 10 s" if target else "", seconds <= TARGETS["daily_s"] and incremental if target else None))
            daily_steps = per_scale[n]["daily"][kind]["steps"]
            for label, key in (("starting from the base", "starting from the base"),
                               ("merging new raw payloads", "merging new raw payloads"), ("models", "models"),
                               ("data tests", "running data tests"),
                               ("comparing, checkpoint and hashing", "comparing with the previous warehouse")):
                rows.append(Row(section, f"  of which {label}", _s(daily_steps.get(key, 0.0))))
        rows.append(Row(section, "build ÷ floor, cold / warm", f"{cold / floor:.1f}× / {warm / floor:.1f}×",
                        "≤ 3× cold" if full else "", cold / floor <= TARGETS["floor_ratio"] if full else None))
        rows.append(Row(section, "peak memory, cold / warm", f"{_mib(cold_peak)} / {_mib(warm_peak)}",
                        "≤ 1.5 GiB" if full else "", max(cold_peak, warm_peak) <= TARGETS["build_bytes"] if full else None))
    if len(scales) > 1:
        smallest, largest = scales[0], scales[-1]
        per_firm = lambda n, k: per_scale[n][k] / n * 1000  # noqa: E731
        rows.append(Row("3 scaling", "warm build per 1,000 firms", " / ".join(
            f"{n:,}: {_s(per_firm(n, 'warm_s'))}" for n in scales)))
        rows.append(Row("3 scaling", "cold build per 1,000 firms", " / ".join(
            f"{n:,}: {_s(per_firm(n, 'cold_s'))}" for n in scales)))
        growth = (per_scale[largest]["cold_s"] / per_scale[smallest]["cold_s"]) / (largest / smallest)
        rows.append(Row("3 scaling", f"cold cost growth vs firms ({smallest:,}→{largest:,})", f"{growth:.2f}× linear",
                        "~1×", growth <= 1.5))

    reports = samples["reports"]
    seconds = median([c.result["seconds"] for c in reports])
    last = reports[-1].result
    peak = median([c.peak_bytes for c in reports])
    rows.append(Row("4 reports", f"{args.firms:,} firms, Excel + HTML", _s(seconds), "≤ 30 s", seconds <= TARGETS["reports_s"]))
    rows.append(Row("4 reports", "peak memory", _mib(peak), "≤ 1 GiB", peak <= TARGETS["reports_bytes"]))
    for item in last["reports"]:
        rows.append(Row("4 reports", f"  {Path(item['path']).name}", _mib(item["bytes"])))
    fits = all(s["rows"] <= EXCEL_MAX_ROWS and s["columns"] <= EXCEL_MAX_COLUMNS for s in last["excel"])
    largest_sheet = max(last["excel"], key=lambda s: s["rows"], default=None)
    rows.append(Row("4 reports", "workbook within Excel's limits",
                    f"largest sheet {largest_sheet['sheet']}: {largest_sheet['rows']:,} rows" if largest_sheet else "no workbook",
                    "≤ 1,048,576 rows", fits and largest_sheet is not None))
    report_rows = {"seconds": seconds, "files": last["reports"], "excel": last["excel"]}

    for item in budget["rows"]:
        target = item["target"]
        rows.append(Row(
            "5 request budget", f"{item['scenario']} ({item['universe']})", f"{item['requests']:,} requests",
            f"≤ {target}" if target else "", None if target is None else item["requests"] <= target,
        ))

    return {
        "measured_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "machine": {"cpus": os.cpu_count(), "python": sys.version.split()[0]},
        "options": {k: v for k, v in vars(args).items() if k not in ("worker", "out")},
        "rows": [r.__dict__ for r in rows],
        "startup": {"help_s": samples["help"], "modules": sorted(m for m in modules if m.split(".")[0] in HEAVY + ALSO_REPORTED and "." not in m)},
        "demo": {"seconds": [c.seconds for c in samples["demo"]], "peak_bytes": [c.peak_bytes for c in samples["demo"]],
                 "phases": [c.result.get("phases") for c in samples["demo"]]},
        "scales": {str(n): v for n, v in per_scale.items()},
        "reports": report_rows,
        "request_budget": budget,
    }


def table(summary: dict) -> str:
    from pipeline import display

    verdict = {True: "yes", False: "NO", None: ""}
    body, previous = [], None
    for r in summary["rows"]:
        body.append((r["section"] if r["section"] != previous else "", r["measure"], r["value"], r["target"], verdict[r["met"]]))
        previous = r["section"]
    return display.table(["section", "measure", "value", "target", "met"], body, right_align_numbers=False)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m tools.bench.harness", description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=1, help="rounds to take medians over [1; 3 for figures to quote]")
    parser.add_argument("--firms", type=int, default=1000,
                        help="firms of the market sample [1000, so that make bench ends within 5 minutes on a fresh "
                             "clone; --firms 5400 for the full market: its raw layer is generated once, ~10 minutes]")
    parser.add_argument("--years", type=int, default=10, help="years of quarterly reports in it [10]")
    parser.add_argument("--scales", default="108", help="smaller universes built too, to show how cost grows [108]")
    parser.add_argument("--demo-firms", type=int, default=108)
    parser.add_argument("--demo-years", type=int, default=6)
    parser.add_argument("--budget-firms", type=int, default=108)
    parser.add_argument("--budget-years", type=int, default=10)
    parser.add_argument("--regenerate", action="store_true", help="generate the cached raw layers again")
    parser.add_argument("--data-dir", help="[LEASEWATCH_DATA_DIR or ./data]; the cache goes to <data dir>/bench")
    parser.add_argument("--reports-dir", help="[LEASEWATCH_REPORTS_DIR or ./reports]; JSON goes to <reports dir>/bench")
    parser.add_argument("--quiet", action="store_true", help="no progress lines on stderr")
    parser.add_argument("--worker", choices=sorted(_WORKERS), help=argparse.SUPPRESS)
    parser.add_argument("--out", help=argparse.SUPPRESS)
    parser.add_argument("--cold", type=int, default=0, help=argparse.SUPPRESS)
    parser.add_argument("--filers", type=int, default=5, help=argparse.SUPPRESS)
    parser.add_argument("--scratch-dir", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    if args.worker:
        result = _WORKERS[args.worker](args)
        Path(args.out).write_text(json.dumps(result, default=str), encoding="utf-8")
        return

    summary = run(args)
    print(table(summary))
    folder = Paths.resolve(args.data_dir, args.reports_dir).reports_dir / "bench"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"bench-{datetime.now(timezone.utc):%Y%m%dT%H%M%SZ}.json"
    path.write_text(json.dumps(summary, indent=1, ensure_ascii=False, default=str), encoding="utf-8")
    print(f"\nWritten to {path}")


if __name__ == "__main__":
    main()
