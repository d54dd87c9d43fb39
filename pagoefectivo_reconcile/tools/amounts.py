"""Amounts as PagoEfectivo files write them, parsed to exact Decimals."""

import re
from decimal import Decimal, InvalidOperation

DECIMAL_AUTO, DECIMAL_POINT, DECIMAL_COMMA = "auto", "point", "comma"
_SYMBOL = re.compile(r"(?i)^(S/\.?|US\$|\$|PEN|USD)")


def parse_amount(value, decimal_separator=DECIMAL_AUTO):
    """A cell as a Decimal, or None when empty. Raises ValueError when unreadable.

    Numbers from spreadsheets are taken as written (through their repr, so
    22.05 stays 22.05). Text may carry a leading currency symbol (S/, US$,
    $, PEN, USD), spaces, thousands
    separators, a leading minus or accounting parentheses. In auto mode the
    last of ',' and '.' is the decimal separator when both appear; when only
    one appears it is decimal unless followed by exactly three digits.
    """
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, bool):
        raise ValueError("not an amount")
    if isinstance(value, int | float | Decimal):
        return Decimal(repr(value) if isinstance(value, float) else value)
    text = _SYMBOL.sub("", re.sub(r"\s", "", str(value)))
    negative = text.startswith("-") or (text.startswith("(") and text.endswith(")"))
    text = text.strip("-()")
    decimal_mark = _decimal_mark(text, decimal_separator)
    thousands = {".": ",", ",": "."}[decimal_mark]
    text = text.replace(thousands, "").replace(decimal_mark, ".")
    if not re.fullmatch(r"\d+(\.\d+)?", text):
        raise ValueError(f"{value!r} is not an amount")
    try:
        amount = Decimal(text)
    except InvalidOperation as error:
        raise ValueError(f"{value!r} is not an amount") from error
    return -amount if negative else amount


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
