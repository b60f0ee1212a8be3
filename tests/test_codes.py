"""Codes as users and spreadsheets write them, and the exchange prefixes akshare's F10 functions need."""

from __future__ import annotations

import pytest

from pipeline.codes import em_symbol, exchange_of, normalize_code, secucode
from pipeline.errors import UsageError


@pytest.mark.parametrize(
    "raw, code",
    [
        ("300442", "300442"),
        ("300442.SZ", "300442"),
        ("SZ300442", "300442"),
        ("sz.300442", "300442"),
        ("600519.SS", "600519"),
        (2230, "002230"),  # Excel dropped the leading zeros
        ("2230.0", "002230"),
        (" 688041 ", "688041"),
        ("３００４４２", "300442"),  # full-width, as a Chinese input method types it
        ("３００４４２．ＳＺ", "300442"),
        ("ｓｚ３００４４２", "300442"),
    ],
)
def test_normalize_code(raw, code):
    assert normalize_code(raw) == code


@pytest.mark.parametrize("raw", ["", "abc", "30044212", "300442.HK", "SZ-300442", "٣٠٠٤٤٢", "३००४४२"])
def test_bad_code_is_a_usage_error(raw):
    with pytest.raises(UsageError):
        normalize_code(raw)


@pytest.mark.parametrize(
    "code, exchange",
    [
        ("600519", "SH"), ("601318", "SH"), ("603000", "SH"), ("605001", "SH"), ("688041", "SH"), ("689009", "SH"),
        ("000001", "SZ"), ("001979", "SZ"), ("002230", "SZ"), ("003816", "SZ"), ("300442", "SZ"), ("301389", "SZ"),
        ("920001", "BJ"), ("430047", "BJ"), ("830799", "BJ"), ("873001", "BJ"),
        ("990001", "SZ"),  # the embedded sample's range
    ],
)
def test_exchange_of(code, exchange):
    assert exchange_of(code) == exchange
    assert em_symbol(code) == f"{exchange}{code}"
    assert secucode(code) == f"{code}.{exchange}"


def test_unknown_range_is_a_usage_error():
    with pytest.raises(UsageError):
        exchange_of("100001")
