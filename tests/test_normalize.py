"""Normalisation: the field dictionary maps source columns; missing required columns are schema drift."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from pipeline import sources
from pipeline.errors import SchemaDriftError
from pipeline.extract.ingest import fetch
from pipeline.normalize.tables import check_columns, field_dictionary, normalize
from pipeline.raw.store import RawStore
from tests import akshare_shapes as shapes
from tests import period_fixture


def test_dictionary_maps_every_metrics_line():
    names = {(f.table, f.model_name) for f in field_dictionary()}
    for table, name in [
        ("income", "revenue_reported"), ("income", "operating_cost"), ("income", "interest_expense"),
        ("income", "net_profit_deducted"), ("cashflow", "fa_depreciation"), ("cashflow", "capex"),
        ("balance", "long_payable"), ("balance", "lease_liab"), ("segments", "segment"), ("prices", "close"),
    ]:
        assert (table, name) in names
    interest = next(f for f in field_dictionary() if f.model_name == "interest_expense")
    assert interest.source_column == "FE_INTEREST_EXPENSE"  # not the financial-subsidiary INTEREST_EXPENSE


def test_missing_required_column_names_function_symbol_and_columns():
    frame = shapes.f10("300001", "测试算力", period_fixture.income_300001()).drop(columns=["NETPROFIT", "OPERATE_COST"])
    with pytest.raises(SchemaDriftError) as raised:
        check_columns(sources.INCOME, {"symbol": "SZ300001"}, list(frame.columns))
    message = str(raised.value)
    assert "stock_profit_sheet_by_report_em" in message and "SZ300001" in message
    assert "NETPROFIT" in message and "OPERATE_COST" in message


def test_renamed_segment_column_is_drift_at_fetch_time(tmp_path):
    frame = shapes.zygc("300001", [("2024-12-31", "按产品分类", "算力租赁", 1.0, 0.5)]).rename(columns={"主营构成": "主营构成名称"})
    source = shapes.FrameSource({(sources.SEGMENTS, "SZ300001"): frame}, at=datetime(2025, 1, 1))
    store = RawStore(tmp_path)
    with pytest.raises(SchemaDriftError, match="主营构成"):
        fetch(source, store, sources.SEGMENTS, symbol="SZ300001")
    assert store.records() == []  # nothing half-stored


def test_statement_rows_are_typed_and_keep_provenance(tmp_path):
    store = RawStore(tmp_path)
    source = period_fixture.source()
    fetch(source, store, sources.INCOME, symbol="SZ300001")
    income = normalize(store)["income"]
    first = income.sort("period_end").row(0, named=True)
    assert first["period_end"] == date(2023, 3, 31)  # from the string '2023-03-31 00:00:00'
    assert first["revenue_reported"] == 100e6 and first["code"] == "300001"
    assert first["source"] == "fixture" and first["source_version"] == "1.19.5"
    assert income.height == 7


def test_segment_names_are_matched_on_a_canonical_form(tmp_path):
    store = RawStore(tmp_path)
    frame = shapes.zygc("300001", [("2024-12-31", "按产品分类", "ＧＰＵ 算力 租赁", 1.0, 0.5)])
    fetch(shapes.FrameSource({(sources.SEGMENTS, "SZ300001"): frame}, at=datetime(2025, 1, 1)), store, sources.SEGMENTS, symbol="SZ300001")
    segments = normalize(store)["segments"]
    assert segments["segment"][0] == "ＧＰＵ 算力 租赁"  # the disclosed name is kept
    assert segments["segment_key"][0] == "GPU算力租赁"
