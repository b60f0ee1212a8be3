"""The compute-segment picker (metrics.md, Compute segment) on constructed 主营构成 rows, one rule per test.

The models run as the build runs them (sql/10_staging/stg_segments.sql → int_segments_classified →
int_segment_choice → int_compute_segment → marts.segments) on a raw.segments table built by hand, with the seeds
of sql/seeds; the statement side is one revenue per report. Amounts in 元.
"""

from __future__ import annotations

import re
import unicodedata

import duckdb
import pytest

from pipeline.build.models import load_models
from pipeline.build.seeds import load_seeds
from pipeline.config import SQL_DIR

PRODUCT, INDUSTRY, REGION = "按产品分类", "按行业分类", "按地区分类"
MODELS = ("staging.stg_segments", "intermediate.int_segments_classified", "intermediate.int_segment_choice",
          "intermediate.int_compute_segment", "marts.segments")


def key(name: str) -> str:
    """The normalised name pipeline/normalize/tables.py matches on: NFKC, upper case, no spaces."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", name).upper())


def run(rows: list[tuple], reports: dict[str, float] | None = None) -> duckdb.DuckDBPyConnection:
    """rows: (code, period 'YYYY-MM-DD', classification, segment, revenue, cost or None)."""
    con = duckdb.connect()
    for schema in ("raw", "seeds", "staging", "intermediate", "marts"):
        con.execute(f"create schema {schema}")
    load_seeds(con, None, None)
    con.execute((SQL_DIR / "macros.sql").read_text(encoding="utf-8"))
    con.execute(
        "create table raw.segments (code varchar, period_end date, raw_sha varchar, last_seen_at timestamp, "
        "classification varchar, segment varchar, segment_key varchar, revenue double, revenue_ratio double, "
        "cost double, gross_profit double, gross_margin_reported double, is_sample boolean)"
    )
    for code, period, classification, segment, revenue, cost in rows:
        con.execute(
            "insert into raw.segments values (?, ?, 'sha1', timestamp '2025-09-01 18:00', ?, ?, ?, ?, NULL, ?, ?, NULL, false)",
            [code, period, classification, segment, key(segment), revenue, cost, None if cost is None else revenue - cost],
        )
    periods = reports or {}
    if not periods:
        periods = {f"{code}|{period}": 1000.0 for code, period, *_ in rows}
    con.execute("create table intermediate.int_statements_ytd (code varchar, period_end date, revenue double)")
    for code_period, revenue in periods.items():
        code, period = code_period.split("|")
        con.execute("insert into intermediate.int_statements_ytd values (?, ?, ?)", [code, period, revenue])
    models = {m.qualified: m for m in load_models()}
    for name in MODELS:
        con.execute(f"create table {name} as\n{models[name].sql}")
    return con


def compute(con, code: str, period: str) -> dict:
    cursor = con.execute(
        "select * from intermediate.int_compute_segment where code = ? and period_end = ?", [code, period]
    )
    names = [d[0] for d in cursor.description]
    return dict(zip(names, cursor.fetchone()))


def decisions(con, code: str, period: str) -> dict[str, str]:
    return dict(con.execute(
        "select segment, decision from marts.segments where code = ? and period_end = ? order by segment", [code, period]
    ).fetchall())


def test_a_firm_whose_only_tier_1_row_is_under_industry_takes_it_from_there():
    con = run([
        ("300001", "2024-12-31", PRODUCT, "云计算服务", 300.0, 200.0),  # tier 2 only by product
        ("300001", "2024-12-31", PRODUCT, "彩票印刷", 700.0, 600.0),
        ("300001", "2024-12-31", INDUSTRY, "算力服务", 250.0, 150.0),  # the only tier-1 row
        ("300001", "2024-12-31", INDUSTRY, "印刷业", 750.0, 650.0),
    ])
    row = compute(con, "300001", "2024-12-31")
    assert (row["classification_used"], row["compute_tier_used"]) == (INDUSTRY, 1)
    assert (row["compute_revenue"], row["compute_cost"], row["compute_revenue_broad"]) == (250.0, 150.0, 250.0)
    assert decisions(con, "300001", "2024-12-31") == {
        "云计算服务": f"not counted: compute is taken from {INDUSTRY} this period",
        "彩票印刷": "not compute",
        "算力服务": "counted (tier 1)",
        "印刷业": "not compute",
    }


def test_a_region_only_period_is_unknown_and_one_without_compute_rows_is_zero():
    con = run([
        ("300001", "2024-06-30", REGION, "华东", 600.0, None),
        ("300001", "2024-06-30", REGION, "华北", 400.0, None),
        ("300001", "2024-12-31", PRODUCT, "味精", 1000.0, 800.0),
        ("300001", "2024-12-31", REGION, "华东", 1000.0, None),
    ])
    h1 = compute(con, "300001", "2024-06-30")
    assert h1["region_only"] is True and h1["segments_disclosed"] is False
    assert (h1["compute_revenue"], h1["compute_cost"], h1["compute_revenue_broad"]) == (None, None, None)
    fy = compute(con, "300001", "2024-12-31")
    assert (fy["compute_revenue"], fy["compute_cost"], fy["compute_revenue_broad"]) == (0.0, 0.0, 0.0)
    assert decisions(con, "300001", "2024-06-30")["华东"] == "not counted: region rows say nothing about compute"


def test_server_sales_are_excluded_with_the_keyword_that_decided():
    con = run([
        ("300001", "2024-12-31", PRODUCT, "AI服务器销售", 500.0, 480.0),
        ("300001", "2024-12-31", PRODUCT, "算力租赁", 200.0, 120.0),
        ("300001", "2024-12-31", PRODUCT, "GPU销售", 100.0, 95.0),
    ])
    assert compute(con, "300001", "2024-12-31")["compute_revenue"] == 200.0
    got = con.execute(
        "select segment, is_compute, matched_keyword, excluded_by, is_counted from marts.segments order by segment"
    ).fetchall()
    assert got == [
        ("AI服务器销售", False, "AI服务器", "服务器销售", False),
        ("GPU销售", False, "GPU", "GPU销售", False),
        ("算力租赁", True, "算力租赁", None, True),
    ]
    assert decisions(con, "300001", "2024-12-31")["AI服务器销售"].startswith('excluded by "服务器销售": server sales')


def test_a_firm_with_only_tier_2_rows_counts_them_and_says_the_tier():
    con = run([("300001", "2024-12-31", PRODUCT, "IDC服务", 400.0, 300.0), ("300001", "2024-12-31", PRODUCT, "其他", 600.0, 500.0)])
    row = compute(con, "300001", "2024-12-31")
    assert (row["compute_tier_used"], row["compute_revenue"], row["compute_cost"]) == (2, 400.0, 300.0)
    assert decisions(con, "300001", "2024-12-31")["IDC服务"] == "counted (tier 2)"


def test_tier_2_rows_beside_tier_1_count_in_broad_only():
    con = run([("300001", "2024-12-31", PRODUCT, "算力租赁", 300.0, 180.0), ("300001", "2024-12-31", PRODUCT, "IDC服务", 200.0, 150.0)])
    row = compute(con, "300001", "2024-12-31")
    assert (row["compute_revenue"], row["compute_cost"], row["compute_revenue_broad"]) == (300.0, 180.0, 500.0)


def test_the_classification_follows_the_latest_fy_and_a_switch_is_flagged():
    con = run([
        # FY2024: tier 1 only by industry → the firm's classification is 按行业
        ("300001", "2024-12-31", PRODUCT, "云服务", 300.0, 200.0),
        ("300001", "2024-12-31", INDUSTRY, "算力服务", 300.0, 200.0),
        # H1 2025: tier 1 in both → 按行业 again, although 按产品 would come first
        ("300001", "2025-06-30", PRODUCT, "算力租赁", 150.0, 90.0),
        ("300001", "2025-06-30", INDUSTRY, "算力服务", 160.0, 95.0),
        # H1 2024: tier 1 only by product → it has to use 按产品, flagged
        ("300001", "2024-06-30", PRODUCT, "算力租赁", 120.0, 80.0),
        ("300001", "2024-06-30", INDUSTRY, "信息技术", 120.0, 80.0),
    ])
    h1_2025 = compute(con, "300001", "2025-06-30")
    assert (h1_2025["classification_used"], h1_2025["compute_revenue"], h1_2025["classification_switched"]) == (INDUSTRY, 160.0, False)
    h1_2024 = compute(con, "300001", "2024-06-30")
    assert (h1_2024["classification_used"], h1_2024["compute_revenue"], h1_2024["classification_switched"]) == (PRODUCT, 120.0, True)
    assert compute(con, "300001", "2024-12-31")["classification_switched"] is False


def test_a_row_listed_twice_counts_once_and_a_sub_row_never_beside_its_whole():
    con = run([
        ("300001", "2024-12-31", PRODUCT, "算力服务", 100.0, 60.0),
        ("300001", "2024-12-31", PRODUCT, "算力服务", 100.0, 60.0),  # EastMoney repeats the row
        ("300001", "2024-12-31", PRODUCT, "其中:算力租赁", 70.0, 40.0),  # part of the row above
        ("300001", "2024-12-31", PRODUCT, "其他(补充)", 5.0, 1.0),
        ("300001", "2024-12-31", INDUSTRY, "其他(补充)", 5.0, 1.0),  # repeats under each classification
    ])
    row = compute(con, "300001", "2024-12-31")
    assert (row["compute_revenue"], row["compute_cost"]) == (100.0, 60.0)
    assert con.execute("select duplicates_dropped from marts.segments where segment = '算力服务'").fetchone() == (1,)
    assert decisions(con, "300001", "2024-12-31")["其中:算力租赁"] == "not counted: a 其中 sub-row of a counted row"


def test_sub_rows_count_when_their_whole_is_not_compute():
    con = run([
        ("300001", "2024-12-31", PRODUCT, "技术服务", 400.0, 300.0),
        ("300001", "2024-12-31", PRODUCT, "其中：算力租赁", 150.0, 90.0),  # full-width colon
        ("300001", "2024-12-31", PRODUCT, "印刷", 600.0, 500.0),
    ])
    row = compute(con, "300001", "2024-12-31")
    assert (row["compute_revenue"], row["compute_cost"]) == (150.0, 90.0)


def test_a_counted_row_without_its_cost_leaves_the_cost_unknown():
    con = run([("300001", "2024-12-31", PRODUCT, "算力租赁", 300.0, None), ("300001", "2024-12-31", PRODUCT, "智算服务", 100.0, 60.0)])
    row = compute(con, "300001", "2024-12-31")
    assert (row["compute_revenue"], row["compute_cost"]) == (400.0, None)


def test_no_segment_rows_at_all_build_empty_models_and_unknown_compute():
    con = run([], reports={"300001|2024-12-31": 1000.0})
    row = compute(con, "300001", "2024-12-31")
    assert (row["segments_disclosed"], row["compute_revenue"], row["classification_used"]) == (False, None, None)
    assert con.execute("select count(*) from marts.segments").fetchone() == (0,)


@pytest.mark.parametrize("name", ["ＧＰＵ 算力 租赁服务", "gpu算力租赁"])
def test_names_match_in_their_normalised_form(name):
    con = run([("300001", "2024-12-31", PRODUCT, name, 100.0, 50.0)])
    assert compute(con, "300001", "2024-12-31")["compute_revenue"] == 100.0


# -- the sample's firms for each rule, through ingest and the real build ------------------------------------


@pytest.fixture(scope="module")
def sample_con(tmp_path_factory):
    from tests.conftest import sample_warehouse

    con = sample_warehouse(tmp_path_factory.mktemp("picker_sample"), firms=99, years=2)
    yield con
    con.close()


def generated_compute(code: str, period: str) -> float:
    """The sample's own compute revenue (元) of a report: what the segment rows were built from."""
    from datetime import date

    from pipeline.sources.sample.books import simulate
    from pipeline.sources.sample.dates import qidx

    day = date.fromisoformat(period)
    firm = simulate(20240801, int(code) - 990000)
    return int(firm.ytd("COMP_REV")[qidx(day.year, (day.month - 1) // 3 + 1)]) / 100


def test_sample_server_sales_are_not_compute(sample_con):
    row = sample_con.execute(
        "select decision, is_counted from marts.segments where code = '990043' and period_end = '2026-06-30' "
        "and segment = 'AI服务器销售'"
    ).fetchone()
    assert row == ('excluded by "服务器销售": server sales: hardware sold, not compute rented out', False)
    got = sample_con.execute(
        "select compute_revenue_ytd from marts.fundamentals where code = '990043' and period_end = '2026-06-30'"
    ).fetchone()[0]
    assert got == pytest.approx(generated_compute("990043", "2026-06-30"), abs=0.005)


def test_sample_industry_only_tier_1_is_taken_from_industry(sample_con):
    rows = sample_con.execute(
        "select period_end::varchar, classification_used, compute_tier_used, compute_revenue "
        "from intermediate.int_compute_segment where code = '990053' and compute_revenue > 0 order by 1"
    ).fetchall()
    assert rows and {(r[1], r[2]) for r in rows} == {("按行业分类", 1)}
    for period, _, _, revenue in rows:
        assert revenue == pytest.approx(generated_compute("990053", period), abs=0.005)


def test_sample_region_only_report_is_unknown_not_zero(sample_con):
    row = sample_con.execute(
        "select region_only, compute_revenue, compute_revenue_broad from intermediate.int_compute_segment "
        "where code = '990063' and period_end = '2025-06-30'"
    ).fetchone()
    assert row == (True, None, None)
    fy = sample_con.execute(
        "select compute_revenue from intermediate.int_compute_segment where code = '990063' and period_end = '2025-12-31'"
    ).fetchone()[0]
    assert fy == pytest.approx(generated_compute("990063", "2025-12-31"), abs=0.005)


def test_sample_firm_without_a_segment_table_has_unknown_compute(sample_con):
    assert sample_con.execute(
        "select count(*), count(compute_revenue_ytd) from marts.fundamentals where code = '990077'"
    ).fetchone()[1] == 0
    assert sample_con.execute("select not_disclosed from marts.universe where code = '990077'").fetchone() == ("segments",)
    assert sample_con.execute("select not_disclosed from marts.universe where code = '990099'").fetchone() == ("cashflow",)
