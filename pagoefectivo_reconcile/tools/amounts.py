"""Amounts as PagoEfectivo files write them, parsed to exact Decimals."""

import math
import re
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

DECIMAL_AUTO, DECIMAL_POINT, DECIMAL_COMMA = "auto", "point", "comma"
# How far a spreadsheet number may be from the amount it stands for: binary
# floats cannot hold most cents exactly (10.1 is 10.0999999999999996447...).
SPREADSHEET_NOISE = Decimal("0.000001")

_SYMBOL = r"(?:S/\.?|US\$|\$|PEN|USD)?"
# A sign before or after the number, or parentheses around it; a currency
# symbol before the number, inside or outside them.
_AMOUNT = re.compile(
    rf"(?i){_SYMBOL}(?P<open>\()?(?P<lead>-)?{_SYMBOL}(?P<lead2>-)?"
    r"(?P<number>[\d.,]+)(?P<trail>-)?(?P<close>\))?"
)


def parse_amount(value, decimal_separator=DECIMAL_AUTO):
    """A cell as a Decimal, or None when empty. Raises ValueError when unreadable.

    Numbers from spreadsheets are taken as written (through their repr, so
    22.05 stays 22.05; see `round_amount` for their binary noise). Text may
    carry a currency symbol (S/, US$, $, PEN, USD), spaces, thousands
    separators, and be negative with a leading or trailing minus (`-10.00`,
    `10.00-`) or accounting parentheses (`(10.00)`), one of them only. In
    auto mode the last of ',' and '.' is the decimal separator when both
    appear; when only one appears it is decimal unless it appears more than
    once or is followed by exactly three digits.
    """
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, bool):
        raise ValueError("not an amount")
    if isinstance(value, float) and not math.isfinite(value):
        raise ValueError(f"{value!r} is not an amount")
    if isinstance(value, int | float | Decimal):
        return Decimal(repr(value) if isinstance(value, float) else value)
    text = re.sub(r"\s", "", str(value)).replace("\u2212", "-")  # the minus sign
    match = _AMOUNT.fullmatch(text)
    if not match or bool(match["open"]) != bool(match["close"]):
        raise ValueError(f"{value!r} is not an amount")
    signs = [match[name] for name in ("open", "lead", "lead2", "trail") if match[name]]
    if len(signs) > 1:
        raise ValueError(f"{value!r} is not an amount")
    number = match["number"]
    decimal_mark = _decimal_mark(number, decimal_separator)
    thousands = {".": ",", ",": "."}[decimal_mark]
    number = number.replace(thousands, "").replace(decimal_mark, ".")
    if not re.fullmatch(r"\d+(\.\d+)?", number):
        raise ValueError(f"{value!r} is not an amount")
    try:
        amount = Decimal(number)
    except InvalidOperation as error:
        raise ValueError(f"{value!r} is not an amount") from error
    return -amount if signs else amount


def round_amount(value, amount, digits):
    """`amount`, parsed from the cell `value`, with `digits` decimals; None
    when it has more decimals than that.

    A spreadsheet number (a float) within SPREADSHEET_NOISE of an amount of
    `digits` decimals is that amount; text is exact: '10.005' has three
    decimals. Raises ValueError for an amount too large to round.
    """
    step = Decimal(1).scaleb(-digits)
    try:
        rounded = amount.quantize(step, rounding=ROUND_HALF_UP)
    except InvalidOperation as error:
        raise ValueError(f"{value!r} is not an amount") from error
    if rounded == amount:
        return rounded
    if isinstance(value, float) and abs(amount - rounded) <= SPREADSHEET_NOISE:
        return rounded
    return None


def _decimal_mark(text, decimal_separator):
    if decimal_separator == DECIMAL_POINT:
        return "."
    if decimal_separator == DECIMAL_COMMA:
        return ","
    if "," in text and "." in text:
        return "," if text.rfind(",") > text.rfind(".") else "."
    mark = "," if "," in text else "."
    if text.count(mark) > 1 or re.search(rf"\{mark}\d{{3}}$", text):
        return {".": ",", ",": "."}[mark]  # it is a thousands separator
    return mark
