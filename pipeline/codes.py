"""A-share codes: normalising user input and mapping a code to its exchange and akshare symbol forms."""

from __future__ import annotations

import re
import unicodedata

from pipeline.errors import UsageError

# The embedded sample uses codes no listed A-share uses (990001–999999, up to 9,999 firms); they are treated as
# Shenzhen-listed.
SAMPLE_CODE_PREFIX = "99"

_SUFFIXED = re.compile(r"^(?:(SH|SZ|BJ)\.?)?([0-9]{1,6})(?:\.(SH|SZ|BJ|SS))?$", re.IGNORECASE)  # ASCII digits only


def normalize_code(raw: object) -> str:
    """Return the 6-digit code from user or spreadsheet input.

    Accepts `300442`, `300442.SZ`, `SZ300442`, `sz.300442`, and numbers whose leading zeros Excel dropped
    (`2230` → `002230`, `2230.0` → `002230`).
    """
    # NFKC: full-width digits and letters (３００４４２．ＳＺ, typed with a Chinese input method) as ASCII
    text = unicodedata.normalize("NFKC", str(raw)).strip().upper()
    if re.fullmatch(r"[0-9]+\.0+", text):
        text = text.split(".")[0]
    match = _SUFFIXED.match(text)
    if not match:
        raise UsageError(f"'{raw}' is not an A-share code", "use 6 digits, optionally with SH/SZ/BJ, e.g. 300442 or 300442.SZ")
    return match.group(2).zfill(6)


def exchange_of(code: str) -> str:
    """SH, SZ or BJ for a 6-digit code, by the exchanges' code ranges."""
    if code.startswith(SAMPLE_CODE_PREFIX):
        return "SZ"
    if code.startswith(("600", "601", "603", "605", "688", "689", "900")):
        return "SH"
    if code.startswith(("000", "001", "002", "003", "004", "300", "301", "302", "200")):
        return "SZ"
    if code.startswith(("920", "43", "83", "87", "88")):
        return "BJ"
    raise UsageError(f"code {code} belongs to no A-share exchange", "check the code; SH starts 6, SZ 0/3, BJ 92/4/8")


def em_symbol(code: str) -> str:
    """The prefixed form the EastMoney F10 functions need: `SZ300442`."""
    return f"{exchange_of(code)}{code}"


def secucode(code: str) -> str:
    """The `300442.SZ` form EastMoney uses in SECUCODE."""
    return f"{code}.{exchange_of(code)}"
