"""The refresh lock: one refresh at a time per data directory, a clear message naming the holder, --wait."""

from __future__ import annotations

import subprocess
import sys
import threading
from datetime import date

from typer.testing import CliRunner

from pipeline.runtime import lock as ops
from pipeline.build.run import build
from pipeline.cli import app
from pipeline.config import PROJECT_ROOT
from pipeline.errors import WarehouseLocked
from pipeline.runtime.runlog import RunLog
from pipeline.ops.refresh import Ingest, refresh
from tests.ops_worker import copy_built, fixture_ingest

runner = CliRunner()
TUESDAY = date(2026, 11, 24)
SAFETY = 120  # seconds before a broken test gives up waiting; never reached when the code works

HOLD_LOCK = """
import sys
from pipeline.runtime import lock as ops
from pipeline.config import Paths
lock = ops.refresh_lock(Paths.resolve(sys.argv[1], sys.argv[2]), "refresh")
lock.__enter__()
print("held", flush=True)
sys.stdin.read()
"""


def test_a_refresh_while_another_process_holds_the_lock_exits_7_naming_it_and_queries_still_run(tmp_path, fixture_paths):
    paths = copy_built(fixture_paths, tmp_path)
    raw_files = sorted(paths.raw_dir.rglob("*.parquet"))
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD_LOCK, str(paths.data_dir), str(paths.reports_dir)],
        cwd=PROJECT_ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "held"
        result = runner.invoke(
            app, ["--data-dir", str(paths.data_dir), "refresh", "--source", "sample", "--force", "--no-reports"]
        )
        assert result.exit_code == 7, result.output
        assert f"Error: another refresh is running (pid {holder.pid}, since " in result.output
        assert "Traceback" not in result.output
        assert sorted(paths.raw_dir.rglob("*.parquet")) == raw_files  # nothing was fetched
        locked = RunLog(paths).runs()[-1]
        assert (locked.status, locked.exit_code) == ("locked", 7)
        # One writer of the raw layer at a time: ingest, universe import and sync, raw compact, rebuild-manifest and
        # verify wait their turn (exit 7); sync before any request.
        members = paths.data_dir.parent / "members.csv"
        members.write_text("代码,名称\n300001,测试一\n", encoding="utf-8")
        for command in (["ingest", "--source", "sample"], ["universe", "import", str(members)], ["universe", "sync"],
                        ["raw", "compact"], ["raw", "rebuild-manifest"], ["verify"]):
            other = runner.invoke(app, ["--data-dir", str(paths.data_dir), *command])
            assert other.exit_code == 7 and "another refresh is running" in other.output, (command, other.output)
        assert sorted(paths.raw_dir.rglob("*.parquet")) == raw_files
        # Analysts never wait for the lock.
        query = runner.invoke(app, ["--data-dir", str(paths.data_dir), "query", "select count(*) from marts.universe"])
        assert query.exit_code == 0 and "3" in query.output
    finally:
        holder.stdin.close()
        holder.wait(SAFETY)
    # The kernel frees the lock with its process: the next refresh runs.
    assert refresh(paths, fixture_ingest(), today=TUESDAY, reports=False).status == "success"


def test_two_refreshes_started_at_once_exactly_one_runs(paths):
    start = threading.Barrier(2)
    loser_done = threading.Event()
    outcomes: dict[str, object] = {}

    def slow_ingest(store, on_progress, step):
        loser_done.wait(SAFETY)  # the winner holds the lock until the other has been refused
        return fixture_ingest().run(store, on_progress, step)

    def attempt(name: str) -> None:
        start.wait(SAFETY)
        try:
            outcomes[name] = refresh(paths, Ingest("fixture", slow_ingest), today=TUESDAY, reports=False)
        except WarehouseLocked as exc:
            outcomes[name] = exc
            loser_done.set()

    threads = [threading.Thread(target=attempt, args=(n,)) for n in ("a", "b")]
    for t in threads:
        t.start()
    for t in threads:
        t.join(SAFETY)
    kinds = sorted(type(o).__name__ for o in outcomes.values())
    assert kinds == ["RunRecord", "WarehouseLocked"]
    ran = next(o for o in outcomes.values() if not isinstance(o, WarehouseLocked))
    refused = next(o for o in outcomes.values() if isinstance(o, WarehouseLocked))
    assert ran.status == "success" and refused.exit_code == 7 and "another refresh is running" in refused.message
    assert sorted(r.status for r in RunLog(paths).runs()) == ["locked", "success"]


def test_wait_blocks_until_the_lock_is_free(paths):
    held, release, waiting = threading.Event(), threading.Event(), threading.Event()
    messages: list[str] = []

    def hold() -> None:
        with ops.refresh_lock(paths, "refresh"):
            held.set()
            release.wait(SAFETY)

    def on_step(message: str) -> None:
        messages.append(message)
        if message.startswith("waiting: another refresh is running"):
            waiting.set()

    holder = threading.Thread(target=hold)
    holder.start()
    held.wait(SAFETY)
    result: dict[str, object] = {}
    waiter = threading.Thread(
        target=lambda: result.update(run=refresh(paths, fixture_ingest(), today=TUESDAY, wait=True, reports=False, on_step=on_step))
    )
    waiter.start()
    assert waiting.wait(SAFETY)
    assert "run" not in result  # still waiting while the lock is held
    release.set()
    holder.join(SAFETY)
    waiter.join(SAFETY)
    assert result["run"].status == "success"


def test_a_build_under_a_refresh_reuses_its_lock_but_a_second_process_cannot_build(paths):
    with ops.refresh_lock(paths, "refresh"):
        with ops.refresh_lock(paths, "refresh"):  # re-entrant in one thread: refresh → build
            assert ops.lock_holder(paths).command == "refresh"
        assert ops.lock_holder(paths).pid is not None
        errors = []
        worker = threading.Thread(target=lambda: _try(lambda: build(paths), errors))
        worker.start()
        worker.join(SAFETY)
        assert len(errors) == 1 and isinstance(errors[0], WarehouseLocked)
    assert not ops._sidecar(paths).exists()  # released with its sidecar


def test_the_lock_message_survives_a_missing_sidecar(paths):
    assert ops.lock_holder(paths).describe() == "another refresh is running (pid unknown, since an unknown time)"


def _try(fn, errors: list) -> None:
    try:
        fn()
    except Exception as exc:
        errors.append(exc)


def test_rollback_is_refused_while_a_refresh_runs(paths):
    from pipeline.ops.refresh import rollback

    with ops.refresh_lock(paths, "refresh"):
        errors: list = []
        worker = threading.Thread(target=lambda: _try(lambda: rollback(paths), errors))
        worker.start()
        worker.join(SAFETY)
    assert len(errors) == 1 and isinstance(errors[0], WarehouseLocked) and errors[0].exit_code == 7
