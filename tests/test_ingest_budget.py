"""The request budget (tools/bench/budget.py), run small: the simulated upstream counts what a day costs."""

from __future__ import annotations

from tools.bench.budget import bench_code, request_budget, table


def test_request_budget_rows_and_targets():
    rows = {(r.scenario, r.universe): r for r in request_budget(firms=2, years=2)}
    board = rows[("daily, no new filings", "EastMoney board")]
    imported = rows[("daily, no new filings", "imported list")]
    # one board page of 2 members; cninfo's whole-market schedule in one request
    assert board.by_function == {"stock_board_concept_cons_em": 1, "stock_report_disclosure": 1}
    assert imported.by_function == {"ulist_quotes_em": 1, "stock_report_disclosure": 1}  # the two members' quotes
    assert board.within_target and imported.within_target and imported.target == board.target == 20

    # the fallbacks: EastMoney's calendar (11 pages + 1), the Shanghai and Shenzhen spot lists (23 + 29 pages)
    no_schedule = rows[("daily, no new filings; cninfo lists no schedule", "imported list")]
    assert no_schedule.by_function == {**imported.by_function, "stock_yysj_em": 12}
    drifted = rows[("daily, no new filings; the quotes answer drifted", "imported list")]
    assert drifted.by_function == {**imported.by_function, "stock_sh_a_spot_em": 23, "stock_sz_a_spot_em": 29}

    filed = rows[("daily, 2 firms filed", "EastMoney board")]
    # each filer: three statements of 1 date list + 1 batch (5 periods), 1 HTML page, segments, share facts,
    # share-change history
    assert filed.requests == board.requests + 2 * (3 * 2 + 1 + 1 + 1 + 1)
    backfill = rows[("cold backfill", "either")]
    naive = rows[("naive daily loop (every function, every stock)", "any")]
    # 4 periods before Q1 2026 was filed
    assert naive.requests == backfill.requests == 2 * (3 * 2 + 1 + 1 + 2 + 1 + 1)
    assert "daily, no new filings" in table(list(rows.values()))


def test_the_simulated_universe_covers_both_exchanges_and_star_and_chinext():
    assert [bench_code(i) for i in range(1, 5)] == ["688801", "002802", "300803", "603804"]
