"""Live: real akshare calls for one stock (marked `live`: deselected by default, run with `pytest -m live`).
Skipped when EastMoney does not answer a 2 s connect. Polite: 1.5 s between calls, about 45 requests in all."""

from __future__ import annotations

import math
import socket

import pytest

from pipeline import sources
from pipeline.build.run import build
from pipeline.config import Paths
from pipeline.extract.common import check_frame
from pipeline.extract.ingest import ingest_live
from pipeline.sources.polite import Politeness, PoliteCaller
from pipeline.raw.store import RawStore
from pipeline.sources.akshare import AkshareSource
from pipeline.sources.shapes import COLUMNS
from pipeline.extract.universe import import_file

pytestmark = pytest.mark.live

HOST = "push2his.eastmoney.com"
STOCK = "300442"  # 润泽科技, a listed IDC and compute operator


@pytest.fixture(scope="module")
def source() -> AkshareSource:
    try:
        socket.create_connection((HOST, 443), timeout=2).close()
    except OSError as exc:
        pytest.skip(f"{HOST} is unreachable ({exc})")
    return AkshareSource(PoliteCaller(Politeness(min_interval=1.5, retries=1)))


def test_one_stock_through_ingest_and_build(source, tmp_path):
    paths = Paths.resolve(tmp_path / "data", tmp_path / "reports")
    store = RawStore(paths.raw_dir)
    members = tmp_path / "members.csv"
    members.write_text(f"代码,名称\n{STOCK},\n", encoding="utf-8")
    import_file(store, members)
    report = ingest_live(source, store)
    assert report.failures == {}, report.failures
    for record in store.records():
        if record.source == source.name:
            frame = store.read(record)
            check_frame(record.function, record.args, frame)
            if record.function in COLUMNS:
                assert list(frame.columns) == list(COLUMNS[record.function]), record.key
    result = build(paths)
    assert result.row_counts["marts.fundamentals"] > 8 and result.row_counts["marts.valuation"] > 100


def test_request_costs_are_those_the_budget_assumes(source):
    before = source.http_requests
    frame = source.fetch(sources.INCOME, symbol="SH600519")  # a symbol akshare has not cached a company type for
    assert source.http_requests - before == 2 + math.ceil(len(frame) / 5)  # HTML page + date list + batches of five
    before = source.http_requests
    source.fetch(sources.PRICES, symbol="600519", period="daily", start_date="20250101", end_date="20250131", adjust="hfq")
    assert source.http_requests - before == 1
