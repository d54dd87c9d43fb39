"""PagoEfectivo speaks Lima time (UTC-5, no daylight saving); Odoo stores naive UTC.

Every conversion between the two happens here, at the edge.
"""

from datetime import datetime, timedelta, timezone

LIMA = timezone(timedelta(hours=-5), "America/Lima")

# PagoEfectivo's way of saying "no date".
EMPTY_DATE_YEAR = 1900

REPORT_FORMAT = "%d/%m/%Y %H:%M:%S"
# What the reports and some replies write: day first, Lima time.
DAY_FIRST_FORMATS = (REPORT_FORMAT, "%d/%m/%Y %H:%M", "%d/%m/%Y")


def _as_lima(utc_naive):
    return utc_naive.replace(tzinfo=timezone.utc).astimezone(LIMA)


def to_lima_iso(utc_naive):
    """`2026-11-15T15:45:00-05:00`, as `dateRequest` and the replies use it."""
    return _as_lima(utc_naive).isoformat(timespec="seconds")


def to_lima_expiry(utc_naive):
    """`2026-12-31 23:59:59-05:00`, the form of `dateExpiry` in the CIP request."""
    return _as_lima(utc_naive).isoformat(sep=" ", timespec="seconds")


def parse_lima(value):
    """A PagoEfectivo date as naive UTC; None when it says "no date".

    Reads ISO 8601 with or without an offset (without one it is Lima time),
    with `T` or a space, and `dd/mm/yyyy hh:mm[:ss]` (Lima time).
    Returns None for an empty value or PagoEfectivo's 1900-01-01 placeholder;
    raises ValueError for anything else it cannot read.
    """
    if isinstance(value, datetime):
        return _to_utc(value)
    if not value or not str(value).strip():
        return None
    text = str(value).strip()
    if "/" in text:
        return _to_utc(_parse_day_first(text))
    try:
        parsed = datetime.fromisoformat(text.replace(" ", "T", 1))
    except ValueError:
        raise ValueError(f"{value!r} is not a PagoEfectivo date.") from None
    return _to_utc(parsed)


def parse_lima_or_none(value):
    """parse_lima for callers that must never fail: None also for garbage."""
    try:
        return parse_lima(value)
    except ValueError:
        return None


def parse_report_date(value):
    """A report date `dd/mm/yyyy[ hh:mm[:ss]]` (Lima) as naive UTC; None when empty.

    Raises ValueError for a value it cannot read.
    """
    if isinstance(value, datetime):
        return _to_utc(value)
    if not value or not str(value).strip():
        return None
    return _to_utc(_parse_day_first(str(value).strip()))


def _parse_day_first(text):
    for fmt in DAY_FIRST_FORMATS:
        try:
            return datetime.strptime(text, fmt)
        except ValueError:
            continue
    raise ValueError(f"{text!r} is not a date dd/mm/yyyy hh:mm:ss.")


def _to_utc(parsed):
    """A parsed date (naive = Lima) as naive UTC; None for the placeholder."""
    if parsed.year <= EMPTY_DATE_YEAR:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=LIMA)
    try:
        return parsed.astimezone(timezone.utc).replace(tzinfo=None)
    except OverflowError:
        raise ValueError(f"{parsed.isoformat()!r} is out of range.") from None


def lima_date(utc_naive):
    """The calendar day in Lima of a naive UTC datetime."""
    return _as_lima(utc_naive).date()


def lima_day_start(day):
    """Naive UTC of midnight in Lima at the start of `day` (a date)."""
    return (
        datetime(day.year, day.month, day.day, tzinfo=LIMA)
        .astimezone(timezone.utc)
        .replace(tzinfo=None)
    )


def format_lima(utc_naive, fmt="%d/%m/%Y %H:%M"):
    """A naive UTC datetime shown in Lima time, for customers."""
    return _as_lima(utc_naive).strftime(fmt)
