"""Lima time (UTC-5, no daylight saving) and the date formats of the contract."""

import re
from datetime import date, datetime, timedelta, timezone

LIMA = timezone(timedelta(hours=-5))
EMPTY_DATE = "1900-01-01T00:00:00-05:00"
_ISO = re.compile(r"\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}:\d{2}(\.\d+)?([+-]\d{2}:\d{2}|Z)")
_REPORT_FORMAT = "%d/%m/%Y %H:%M:%S"
_DAY_FORMAT = "%d/%m/%Y"


def now() -> datetime:
    """The current Lima time, to the second."""
    return datetime.now(LIMA).replace(microsecond=0)


def from_timestamp(seconds: float) -> datetime:
    return datetime.fromtimestamp(seconds, LIMA).replace(microsecond=0)


def to_iso(value: datetime | None) -> str | None:
    """`2026-11-20T10:15:00-05:00`; None stays None."""
    if value is None:
        return None
    return value.astimezone(LIMA).isoformat(timespec="seconds")


def parse_iso(text: object) -> datetime:
    """Parse `YYYY-MM-DD HH:MM:SS±hh:mm` or the `T` form; the offset is required.

    Raises ValueError for anything else.
    """
    if not isinstance(text, str) or not _ISO.fullmatch(text):
        raise ValueError(f"not an ISO 8601 date with offset: {text!r}")
    return datetime.fromisoformat(text).astimezone(LIMA).replace(microsecond=0)


def as_datetime(value: datetime | str) -> datetime:
    """A datetime for the Python API: an aware datetime or an ISO string."""
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise ValueError("datetime must be timezone-aware")
        return value.astimezone(LIMA).replace(microsecond=0)
    return parse_iso(value)


def to_report(value: datetime | None) -> str:
    """`dd/mm/yyyy hh:mm:ss` in Lima time; empty for None."""
    return "" if value is None else value.astimezone(LIMA).strftime(_REPORT_FORMAT)


def as_day(value: date | str | None) -> date | None:
    """A report filter day: a date, `dd/mm/yyyy`, or None."""
    if value is None or isinstance(value, date):
        return value
    return datetime.strptime(value, _DAY_FORMAT).date()


def next_business_day(day: date) -> date:
    day += timedelta(days=1)
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return day
