"""PagoEfectivo speaks Lima time (UTC-5, no daylight saving); Odoo stores naive UTC.

Every conversion between the two happens here, at the edge.
"""

from datetime import datetime, timedelta, timezone

LIMA = timezone(timedelta(hours=-5), "America/Lima")

# PagoEfectivo's way of saying "no date".
EMPTY_DATE_YEAR = 1900

REPORT_FORMAT = "%d/%m/%Y %H:%M:%S"


def _as_lima(utc_naive):
    return utc_naive.replace(tzinfo=timezone.utc).astimezone(LIMA)


def to_lima_iso(utc_naive):
    """`2026-11-15T15:45:00-05:00`, as `dateRequest` and the replies use it."""
    return _as_lima(utc_naive).isoformat(timespec="seconds")


def to_lima_expiry(utc_naive):
    """`2026-12-31 23:59:59-05:00`, the form of `dateExpiry` in the CIP request."""
    return _as_lima(utc_naive).isoformat(sep=" ", timespec="seconds")


def parse_lima(value):
    """A PagoEfectivo date (ISO with offset, or naive Lima) as naive UTC.

    Returns None for an empty value or PagoEfectivo's 1900-01-01 placeholder.
    """
    if not value:
        return None
    parsed = datetime.fromisoformat(str(value).strip().replace(" ", "T", 1))
    if parsed.year <= EMPTY_DATE_YEAR:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=LIMA)
    return parsed.astimezone(timezone.utc).replace(tzinfo=None)


def parse_report_date(value):
    """A report date `dd/mm/yyyy hh:mm:ss` (Lima) as naive UTC; None when empty."""
    if not value or not str(value).strip():
        return None
    if isinstance(value, datetime):
        local = value
    else:
        text = str(value).strip()
        fmt = REPORT_FORMAT if " " in text else REPORT_FORMAT.split(" ", maxsplit=1)[0]
        local = datetime.strptime(text, fmt)
    if local.year <= EMPTY_DATE_YEAR:
        return None
    return local.replace(tzinfo=LIMA).astimezone(timezone.utc).replace(tzinfo=None)


def lima_date(utc_naive):
    """The calendar day in Lima of a naive UTC datetime."""
    return _as_lima(utc_naive).date()


def format_lima(utc_naive, fmt="%d/%m/%Y %H:%M"):
    """A naive UTC datetime shown in Lima time, for customers."""
    return _as_lima(utc_naive).strftime(fmt)
