"""The embedded sample: fictional firms served in exactly the shapes akshare 1.19.5 returns.

`SampleSource` answers the seven akshare calls the pipeline makes (F10 income / balance / cash-flow
statements by report, `stock_zygc_em`, `stock_zh_a_hist`, `stock_board_concept_cons_em`,
`stock_individual_info_em`) for firms 990001 … 990000+firms, so `make demo` runs the real path from
raw frames to marts. Column names, order and dtypes follow the installed akshare source and the
EastMoney payloads it passes through (see ../shared/reference/akshare.md §2.2, §3, §6, §7, §8):

* F10 statements: one row per REPORT_DATE, newest first, 12 meta columns, the EastMoney field codes, then
  OPINION_TYPE (income) / OPINION_TYPE, OSOPINION_TYPE, MINORITY_INTEREST(_YOY),
  USERIGHT_ASSET_AMORTIZE(_YOY) (cash flow) / OPINION_TYPE, OSOPINION_TYPE, LISTING_STATE (balance).
  Income interleaves each line with its `_YOY`; balance lists the lines alphabetically (EastMoney sorts
  `_` before letters) and then the whole `_YOY` block; cash flow lists the lines, then the `_YOY` block.
  203 / 319 / 254 columns. Amounts in 元 (float64, cents), `_YOY` in percent. Text columns are pandas
  `str`, except where akshare's per-batch processing makes them float (all null) or object (null in a
  whole batch of 5 periods only): the frames are built with that same rule.
* Values are cumulative year to date, built from internal single quarters in integer cents, so
  FY = Q1+Q2+Q3+Q4 and every subtotal identity holds to the cent.

Each firm depends only on (seed, firm index): a legacy business (2亿–80亿 a year, gross margin 8–35 %)
that pivots to GPU compute leasing, mostly in 2023–2024. GPU capex (CONSTRUCT_LONG_ASSET) lands in CIP,
then FIXED_ASSET, and is depreciated over 5 years; loans, lease liabilities and sale-and-leaseback
payables (LONG_PAYABLE) fund it and cost 4–7 % a year in FE_INTEREST_EXPENSE (leveraged firms: 7–15 %). The
compute segment of `stock_zygc_em` (按产品分类) is exactly the compute part of revenue and cost.

Edge cases (codes in `EDGE_CASES`, all among the first 108 firms):

* missing_q3 990007: no 2025-09-30 report in any of the three statements.
* restated 990011: FY2024 restated in the FY2025 annual report (UPDATE_DATE 2026-04-25): revenue and cost
  reduced by a GPU resale now shown net; profit unchanged. Sources as of an earlier date show the original.
* zero_revenue_shell 990013: legacy business stopped at the end of 2023; OPERATE_INCOME = 0 in every
  period from 2024 while overheads, interest and a loss remain; no segment rows from 2024. The depreciation of
  its idle plant goes to 管理费用 (there is no 营业成本 to carry it), so its EBITDA TTM is negative: with net cash,
  net debt / EBITDA has no value and net_debt_high stays clear.
* da_quarterly 990017: discloses the cash-flow supplement (D&A lines included) in Q1 and Q3 reports too;
  every other firm leaves it NaN there, as most A-share firms do.
* oilgas_duplicate 990019: OILGAS_BIOLOGY_DEPR repeats FA_IR_DEPR's amount (an EastMoney quirk).
* joins_late 990023: joins the board on 2026-03-16 (absent at vintage 1, present at vintage 2).
* leaves 990027: leaves the board on 2026-06-30 (present at vintage 1, absent at vintage 2).
* unusual_segment 990031: compute segment named "ＧＰＵ 算力 租赁服务" (full-width letters and spaces) by
  product and "智算中心运营(AIDC)" by industry.
* total_income_only 990037: OPERATE_INCOME is NaN in every report; TOTAL_OPERATE_INCOME carries revenue.
* no_segment_table 990077: stock_zygc_em answers nothing (akshare's KeyError on an empty `zygcfx`, which the
  live source classifies as no disclosure): its compute segment is unknown (NULL), not zero.
* no_cash_flow 990099: the cash-flow statement comes back as akshare's 0×0 frame: D&A, capex and operating cash
  flow are NULL for it, its income statement and balance sheet build as usual.
* server_sales 990043: its largest legacy product is named AI服务器销售, which matches the compute keyword
  AI服务器 and is excluded as hardware sales (seeds.compute_exclusions): its compute revenue is the leasing row only.
* industry_tier1_only 990053: by product its compute line is 云计算服务 (tier 2), by industry 算力服务 (tier 1), in
  H1 reports too: the picker takes 按行业.
* region_only_h1 990063: its H1 2025 report breaks 主营构成 down by region only: compute is NULL there.
* meets_benchmark: firms built to clear 40 % gross and 20 % net margin on TTM at the latest period.
* leveraged: compute several times the legacy business at a 50–58 % compute gross margin, so the firm's TTM
  gross margin is 40 %+, but the GPUs are bought with trust loans and sale-and-leaseback (LONG_PAYABLE) at
  7–15 %, no new equity, and a heavier overhead: interest alone takes 13–27 % of revenue and TTM net margin
  stays under 20 % at the latest period. Two of them (990065, 990085) more than double their fleet in 2026
  on dearer money, carry more overhead, have tenants who pay late, and make a loss.
* gross_only: the leveraged firms that stay profitable: 40 %+ gross, a positive net margin under 20 % on TTM.
* net_only: firms below 40 % gross that clear 20 % net on TTM because an old venture stake in a GPU maker is
  marked to its STAR Market listing price in 2026 Q2 (FAIRVALUE_CHANGE_INCOME, non-recurring).
* loss_making: firms built to have a negative TTM net profit at the latest period (990013 and the two
  leveraged loss makers included).
* revenue_up_profit_down: firms built for 增收不增利 (TTM revenue up, TTM net profit down year on year).

Format eras, as EastMoney shows old reports (only visible when `years` reaches back that far): before
2018 FE_INTEREST_EXPENSE / FE_INTEREST_INCOME are NaN and RESEARCH_EXPENSE sits inside MANAGE_EXPENSE;
before 2019 impairments are ASSET_IMPAIRMENT_LOSS (positive = loss, inside TOTAL_OPERATE_COST) instead of
ASSET_IMPAIRMENT_INCOME / CREDIT_IMPAIRMENT_INCOME; before 2021 there are no right-of-use lines.
Prices start 2010-01-04 (the simulation's first day; hfq factors are anchored there), on weekdays minus
the main mainland holidays. The simulation covers 2010–2030, so as_of must fall in 2011–2030.
"""


from __future__ import annotations

from pipeline.sources.sample.books import simulate
from pipeline.sources.sample.dates import qidx
from pipeline.sources.sample.prices import price_path
from pipeline.sources.sample.segments import zygc_frame
from pipeline.sources.sample.source import SampleSource
from pipeline.sources.sample.statements import is_restated, restatement_cents, statement_frame
from pipeline.sources.sample.universe import (
    AKSHARE_VERSION,
    CODE_BASE,
    EDGE_CASES,
    SAMPLE_BOARD,
    SAMPLE_BOARD_NAME,
    SAMPLE_VINTAGES,
    firm_name,
)

__all__ = [
    "AKSHARE_VERSION", "CODE_BASE", "EDGE_CASES", "SAMPLE_BOARD", "SAMPLE_BOARD_NAME", "SAMPLE_VINTAGES", "SampleSource",
    "fingerprint", "firm_name",
]

# tests/test_sample.py reaches into the generator by these older private names.
_simulate, _prices, _qidx = simulate, price_path, qidx
_restated, _restatement_cents, _statement_frame, _zygc_frame = is_restated, restatement_cents, statement_frame, zygc_frame


def fingerprint() -> str:
    """SHA-256 of this generator's source and data files: a raw layer made by another version is another sample."""
    import hashlib
    from pathlib import Path

    digest = hashlib.sha256()
    folder = Path(__file__).parent
    for module in sorted([*folder.glob("*.py"), *folder.glob("*.csv"), *folder.glob("*.json")]):
        digest.update(module.name.encode() + b"\0" + module.read_bytes())
    return digest.hexdigest()
