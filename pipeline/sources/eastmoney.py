"""EastMoney's quotes for a list of codes: leasewatch's one adapter outside akshare's public API (a design decision).

Why: an imported universe has no board list to read the day's closes from, and akshare 1.19.5 has no public
function that quotes an arbitrary list of codes. Its exchange spot lists (stock_sh/sz/bj_a_spot_em) page the whole
exchange at 100 rows a request (EastMoney caps clist pages: akshare issues #5623, #5672, #5862), 52 requests for
the Shanghai and Shenzhen lists; stock_zh_a_spot_tx takes 28 (200 rows a page); stock_zh_a_hist one per stock.
EastMoney's `ulist.np` endpoint quotes up to 100 given securities in one request, 2 requests for 108 members.

What it is: akshare's own call, in akshare/stock/stock_hot_rank_em.py (stock_hot_rank_em, and stock_hot_up_em the
same): GET https://push2.eastmoney.com/api/qt/ulist.np/get with its `ut`, `fltt=2`, `invt=2`, `fields` and
`secids` ("1.600519,0.300442", up to 100, as akshare sends the 100 stocks of the popularity list). Only the field
list is longer. Each field means what akshare's spot lists (stock_feature/stock_hist_em.py, stock_sh_a_spot_em:
the same push2 field numbers, also with fltt=2) name it, in the units akshare's output has:

    f2 最新价, f15 最高, f16 最低, f17 今开, f18 昨收, f4 涨跌额   元, decimals (fltt=2 sends them unscaled)
    f5 成交量 手 (100 shares) · f6 成交额 元 · f3 涨跌幅, f7 振幅, f8 换手率 %
    f12 代码 · f13 market: 1 Shanghai, 0 Shenzhen and Beijing (akshare stock_zh_a_hist: 1 for codes starting 6,
        else 0; its spot lists filter Beijing as m:0 t:81) · f14 名称

A suspended stock's prices come as "-" and become NaN, as akshare's pd.to_numeric(errors="coerce") makes them.
The answer is read by field name, never by position, and keyed by (f13, f12), so a row EastMoney adds or reorders
cannot shift a column or give one code another's price. A row without one of the fields is SchemaDriftError, and
pipeline.extract.market then takes the day's prices from akshare's spot lists instead, saying so.
It is called like an akshare function, through the same live source, politeness layer and raw layer.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from pipeline import codes as code_forms
from pipeline.errors import SchemaDriftError, UsageError
from pipeline.sources.shapes import COLUMNS, QUOTES

if TYPE_CHECKING:
    import pandas as pd

URL = "https://push2.eastmoney.com/api/qt/ulist.np/get"
UT = "f057cbcbce2a86e2866ab8877db1d059"  # akshare stock_hot_rank_em's token
BATCH = 100  # secids per request: as many as akshare sends
FIELDS = {
    "f12": "代码", "f14": "名称", "f2": "最新价", "f17": "今开", "f15": "最高", "f16": "最低", "f18": "昨收",
    "f5": "成交量", "f6": "成交额", "f7": "振幅", "f3": "涨跌幅", "f4": "涨跌额", "f8": "换手率",
}
MARKET_FIELD = "f13"
FUNCTIONS = frozenset({QUOTES})
_DRIFT_REMEDY = (
    "EastMoney's ulist answer changed; the day's prices come from akshare's exchange spot lists meanwhile (more "
    "requests); compare the answer with akshare/stock/stock_hot_rank_em.py and pipeline/sources/eastmoney.py"
)


def secid(code: str) -> str:
    """EastMoney's security id: '1.600519' (Shanghai), '0.300442' (Shenzhen), '0.920118' (Beijing)."""
    return f"{market_id(code)}.{code}"


def market_id(code: str) -> int:
    return 1 if code_forms.exchange_of(code) == "SH" else 0


def ulist_quotes_em(codes: str) -> "pd.DataFrame":
    """Quotes of up to 100 codes ("300442,600519") in one request, as a frame of COLUMNS[QUOTES]; a code EastMoney
    does not know is absent from it; no codes give the columns without rows (and no request)."""
    import requests

    wanted = [code_forms.normalize_code(c) for c in codes.split(",") if c.strip()]
    if len(wanted) > BATCH:
        raise UsageError(f"{QUOTES} takes at most {BATCH} codes a request, not {len(wanted)}", "ask in batches")
    if not wanted:
        return quotes_frame({"data": None}, [])
    params = {
        "ut": UT,
        "fltt": "2",
        "invt": "2",
        "fields": ",".join([*FIELDS, MARKET_FIELD]),
        "secids": ",".join(secid(c) for c in wanted),
    }
    response = requests.get(URL, params=params)
    return quotes_frame(response.json(), wanted)


def quotes_frame(payload, wanted: list[str]) -> "pd.DataFrame":
    """The frame of one ulist answer: `data` null or an empty `diff` is EastMoney knowing none of the codes."""
    import pandas as pd

    label = f"{QUOTES} of {len(wanted)} codes"
    if not isinstance(payload, dict) or "data" not in payload:
        keys = sorted(payload)[:8] if isinstance(payload, dict) else type(payload).__name__
        raise SchemaDriftError(f"{label}: the answer has no `data` ({keys})", _DRIFT_REMEDY)
    diff = (payload["data"] or {}).get("diff") or []
    rows = list(diff.values()) if isinstance(diff, dict) else list(diff)
    asked = {(market_id(c), c) for c in wanted}
    records = []
    for row in rows:
        missing = [f for f in (*FIELDS, MARKET_FIELD) if not isinstance(row, dict) or f not in row]
        if missing:
            raise SchemaDriftError(f"{label}: a quote lacks the fields {missing}", _DRIFT_REMEDY)
        code = str(row["f12"]).zfill(6)
        try:
            key = (int(row[MARKET_FIELD]), code)
        except (TypeError, ValueError):
            message = f"{label}: market {row[MARKET_FIELD]!r} of {code} is not a number"
            raise SchemaDriftError(message, _DRIFT_REMEDY) from None
        if key in asked:
            records.append({name: row[field] for field, name in FIELDS.items()} | {"代码": code})
    frame = pd.DataFrame(records, columns=list(COLUMNS[QUOTES]))
    frame["代码"] = frame["代码"].astype(str)
    frame["名称"] = frame["名称"].astype(str)
    for column in COLUMNS[QUOTES][2:]:
        frame[column] = pd.to_numeric(frame[column], errors="coerce").astype("float64")
    return frame
