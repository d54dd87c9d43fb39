"""Dates of report cells, Lima time, as naive UTC.

The text forms (`dd/mm/yyyy hh:mm[:ss]`, ISO 8601) and the conversion to
UTC are pagoefectivo_payment's (`lima_time`); this adds what only files
have: spreadsheet dates and serial numbers, and a profile's own format.
"""

import re
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from openpyxl.utils.datetime import WINDOWS_EPOCH, from_excel

from odoo.addons.pagoefectivo_payment.tools.lima_time import (
    parse_lima,
    parse_report_date,
)

# A serial date written as text, as a CSV saved from a spreadsheet may have it.
_SERIAL_TEXT = re.compile(r"\d{1,7}(\.\d+)?")
_LAST_SERIAL = 2958465  # 9999-12-31


def parse_cell_date(value, date_format="", epoch=WINDOWS_EPOCH):
    """A cell's date (Lima time) as naive UTC; None when empty or
    PagoEfectivo's 1900 placeholder. Raises ValueError when unreadable.

    Reads spreadsheet dates, spreadsheet serial numbers (days since `epoch`,
    the workbook's), and text: with `date_format` (strptime codes, e.g.
    `%m/%d/%Y %I:%M %p`) text must match it; without, `dd/mm/yyyy` with or
    without `hh:mm` or `hh:mm:ss`, ISO 8601 (`yyyy-mm-dd[Thh:mm[:ss]]`, with
    an offset or Lima time) and serial numbers are read.
    """
    if value is None or isinstance(value, bool):
        if value:
            raise ValueError(f"{value!r} is not a date")
        return None
    if isinstance(value, datetime):
        return parse_report_date(value)
    if isinstance(value, date):
        return parse_report_date(datetime.combine(value, time()))
    if isinstance(value, int | float | Decimal):
        return parse_report_date(_from_serial(value, epoch))
    text = str(value).strip()
    if not text:
        return None
    if date_format:
        return parse_report_date(datetime.strptime(text, date_format))
    if _SERIAL_TEXT.fullmatch(text):
        return parse_report_date(_from_serial(Decimal(text), epoch))
    return parse_lima(text)


def _from_serial(serial, epoch):
    """A spreadsheet serial date as a naive datetime, to the second."""
    if not 0 < serial <= _LAST_SERIAL:
        raise ValueError(f"{serial!r} is not a date")
    try:
        when = from_excel(float(serial), epoch)
    except OverflowError:
        raise ValueError(f"{serial!r} is not a date") from None
    if not isinstance(when, datetime):  # a time of day, no date
        raise ValueError(f"{serial!r} is not a date")
    return (when + timedelta(microseconds=500_000)).replace(microsecond=0)
