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


class AmbiguousAmount(ValueError):
    """Text whose one separator may be decimal or thousands: '1,234', '10.005'."""

    def __init__(self, value, number):
        super().__init__(f"{value!r} is ambiguous")
        self.value = value
        self.mark = "," if "," in number else "."
        self.as_thousands = Decimal(number.replace(self.mark, ""))
        self.as_decimal = Decimal(number.replace(self.mark, "."))


def parse_amount(value, decimal_separator=DECIMAL_AUTO):
    """A cell as a Decimal, or None when empty. Raises ValueError when unreadable.

    Numbers from spreadsheets are taken as written (through their repr, so
    22.05 stays 22.05; see `round_amount` for their binary noise). Text may
    carry a currency symbol (S/, US$, $, PEN, USD), spaces, thousands
    separators, and be negative with a leading or trailing minus (`-10.00`,
    `10.00-`) or accounting parentheses (`(10.00)`), one of them only. In
    auto mode the last of ',' and '.' is the decimal separator when both
    appear; when only one appears it is decimal unless it appears more than
    once. Once and followed by exactly three digits, after one to three
    digits (`1,234`, `10.005`), it may be either: AmbiguousAmount is raised,
    and `column_decimal_separator` may tell from the other cells.
    """
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, bool):
        raise ValueError("not an amount")
    if isinstance(value, float) and not math.isfinite(value):
        raise ValueError(f"{value!r} is not an amount")
    if isinstance(value, int | float | Decimal):
        return Decimal(repr(value) if isinstance(value, float) else value)
    match = _match(value)
    if not match:
        raise ValueError(f"{value!r} is not an amount")
    signs = [match[name] for name in ("open", "lead", "lead2", "trail") if match[name]]
    if len(signs) > 1:
        raise ValueError(f"{value!r} is not an amount")
    number = match["number"]
    decimal_mark = _decimal_mark(number, decimal_separator)
    if not decimal_mark:
        raise AmbiguousAmount(value, number)
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


def column_decimal_separator(values):
    """DECIMAL_POINT or DECIMAL_COMMA when the text amounts among `values`
    (a column's cells) that show their decimal separator all show the same
    one; None when none shows it, or they disagree."""
    marks = set()
    for value in values:
        match = _match(value) if isinstance(value, str) else None
        if match and re.search(r"[.,]", match["number"]):
            marks.add(_shown_decimal_mark(match["number"]))
    marks.discard(None)
    if len(marks) != 1:
        return None
    return {".": DECIMAL_POINT, ",": DECIMAL_COMMA}[marks.pop()]


def _match(value):
    """The _AMOUNT match of a text cell, None when it is not one."""
    text = re.sub(r"\s", "", str(value)).replace("\u2212", "-")  # the minus sign
    match = _AMOUNT.fullmatch(text)
    if not match or bool(match["open"]) != bool(match["close"]):
        return None
    return match


def _decimal_mark(number, decimal_separator):
    """The decimal mark of `number` (digits, ',' and '.'); None when auto
    mode cannot tell."""
    if decimal_separator == DECIMAL_POINT:
        return "."
    if decimal_separator == DECIMAL_COMMA:
        return ","
    return _shown_decimal_mark(number)


def _shown_decimal_mark(number):
    """The decimal mark the number shows by itself; None when its one
    separator, once, follows one to three digits (not a lone 0) and precedes
    exactly three: thousands ('1,234') or decimals ('10.005') alike."""
    if "," in number and "." in number:
        return "," if number.rfind(",") > number.rfind(".") else "."
    mark = "," if "," in number else "."
    if number.count(mark) > 1:
        return {".": ",", ",": "."}[mark]  # it is a thousands separator
    whole, _mark, decimals = number.partition(mark)
    if len(decimals) == 3 and re.fullmatch(r"[1-9]\d{0,2}", whole):
        return None
    return mark
