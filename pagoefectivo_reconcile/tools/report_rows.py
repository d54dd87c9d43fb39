"""Rows of a PagoEfectivo paid-CIP report or settlement, read through a mapping profile.

Everything here is exact (Decimal) and Lima dates become naive UTC once,
through pagoefectivo_payment's `lima_time` (see `report_dates`).
"""

import re
from dataclasses import dataclass, field
from decimal import Decimal

from odoo.tools.translate import LazyTranslate

from .amounts import (
    DECIMAL_AUTO,
    AmbiguousAmount,
    column_decimal_separator,
    parse_amount,
    round_amount,
)
from .file_format_error import FileFormatError
from .headers import aliases, locate_header, normalize, words
from .report_dates import parse_cell_date

_lt = LazyTranslate(__name__)

PAYMENT, REFUND, DEPOSIT = "payment", "refund", "deposit"
PAID_REPORT, SETTLEMENT = "paid", "settlement"
_ZERO = Decimal("0.00")
# The label of a totals or record-count line ('Total', 'TOTAL GENERAL',
# 'Sub-total S/ 1,234.50', 'Total de registros: 25', 'Cantidad de
# operaciones', 'N° de registros', 'Registros: 25', 'Record count: 25'), as
# `headers.words` writes it.
_SUMMARY_LABEL = re.compile(
    r"(sub ?)?total(es)?( .*)?"
    r"|(cantidad|numero|nro|num|n|no|nb)( de)? "
    r"(registros|operaciones|cips|transacciones|pagos|filas|movimientos)( \d+)?"
    r"|(registros|records|record count|row count)( \d+)?"
)

# Columns each kind of file cannot do without.
REQUIRED_COLUMNS = {
    PAID_REPORT: ("cip", "gross", "date"),
    SETTLEMENT: ("type", "date", "gross", "net"),
}


@dataclass(frozen=True)
class ProfileSpec:
    """What a mapping profile says, detached from the database."""

    file_kind: str
    columns: dict  # key -> 'Alias one | Alias two'
    decimal_separator: str = DECIMAL_AUTO
    type_values: dict = field(default_factory=dict)  # PAYMENT/REFUND/DEPOSIT -> aliases
    paid_states: str = ""
    date_format: str = ""  # strptime codes; empty: the forms parse_cell_date reads
    currency_digits: dict = field(default_factory=dict)  # code -> decimal places
    default_digits: int = 2  # for rows that do not say their currency


@dataclass(frozen=True)
class ReportRow:
    row: int
    kind: str
    cip: str
    transaction_code: str
    currency: str
    date: object  # naive UTC datetime
    gross: Decimal
    commission: Decimal
    igv: Decimal
    net: Decimal  # signed effect on the PagoEfectivo balance


@dataclass
class ParsedFile:
    rows: list
    skipped_rows: int  # rows the profile says are not for import (e.g. not paid)


def parse_rows(table, spec, currencies):
    """A ParsedFile; raises FileFormatError at the first bad row, naming it.

    `table` is what table_reader.read_table returns: the rows are those of
    the sheet (or CSV separator) whose header row the profile recognises.
    Title lines above the header, blank lines, and totals or record-count
    lines are left out.
    """
    wanted = {key: aliases(value) for key, value in spec.columns.items()}
    sheet, header_index, columns = locate_header(
        table, wanted, REQUIRED_COLUMNS[spec.file_kind]
    )
    rows_in = sheet.rows
    reader = _RowReader(spec, columns, rows_in, header_index, currencies, sheet)
    rows, skipped = [], 0
    for index in range(header_index + 1, len(rows_in)):
        row = reader.parse_row(index + 1, rows_in[index])
        if row is None:
            skipped += 1
        elif row is not False:
            rows.append(row)
    if not rows:
        raise FileFormatError(_lt("The file has no rows to import."))
    return ParsedFile(rows, skipped)


class _RowReader:
    def __init__(self, spec, columns, rows, header_index, currencies, sheet):
        self.spec = spec
        self.columns = columns
        self.header = rows[header_index]
        self.data_rows = rows[header_index + 1 :]
        self.separators = {}  # column key -> the decimal separator its cells show
        self.currencies = currencies
        self.sheet = sheet
        self.types = {
            normalize(alias): kind
            for kind, values in spec.type_values.items()
            for alias in aliases(values)
        }
        self.paid_states = {normalize(a) for a in aliases(spec.paid_states)}

    def _cell(self, cells, key):
        index = self.columns.get(key)
        if index is None or index >= len(cells):
            return None
        value = cells[index]
        return value.strip() if isinstance(value, str) else value

    def _fail(self, row, key, problem):
        raise FileFormatError(
            problem,
            row=row,
            column=str(self.header[self.columns[key]]),
            sheet=self.sheet.name,
        )

    def _amount(self, row, cells, key, digits, required=True):
        value = self._cell(cells, key)
        try:
            amount = self._parse_amount(key, value)
            rounded = None if amount is None else round_amount(value, amount, digits)
        except AmbiguousAmount as error:
            self._fail(
                row,
                key,
                _lt(
                    "%(value)r may be %(thousands)s or %(decimal)s, and no other "
                    "amount of this column shows whether “%(mark)s” separates "
                    "thousands or decimals: set the Decimal Separator of the "
                    "mapping profile.",
                    value=value,
                    thousands=error.as_thousands,
                    decimal=error.as_decimal,
                    mark=error.mark,
                ),
            )
        except ValueError:
            amount = rounded = False
        if amount is False:
            self._fail(row, key, _lt("%(value)r is not an amount.", value=value))
        if amount is None:
            if required:
                self._fail(row, key, _lt("The amount is missing."))
            return _ZERO
        if rounded is None:
            self._fail(
                row,
                key,
                _lt(
                    "%(value)s has more than %(digits)s decimals.",
                    value=value,
                    digits=digits,
                ),
            )
        return rounded

    def _parse_amount(self, key, value):
        """The cell's amount; a separator its text leaves open ('1,234') is
        read as the column's other amounts show it."""
        try:
            return parse_amount(value, self.spec.decimal_separator)
        except AmbiguousAmount:
            if key not in self.separators:
                index = self.columns[key]
                self.separators[key] = column_decimal_separator(
                    cells[index] for cells in self.data_rows if index < len(cells)
                )
            if not self.separators[key]:
                raise
            return parse_amount(value, self.separators[key])

    def _is_summary(self, cells):
        """Whether the row is a totals or record-count line, not an operation:
        its first cell (blank ones aside) is such a label, and neither its CIP
        (unless the label is in the CIP's column) nor its operation type say
        what it is."""
        first = next(
            (cell for cell in cells if cell is not None and str(cell).strip()), ""
        )
        if not isinstance(first, str) or not _SUMMARY_LABEL.fullmatch(words(first)):
            return False
        cip = self._cell(cells, "cip")
        if cip not in (None, "", first.strip()):
            return False
        return not self.types.get(normalize(self._cell(cells, "type")))

    def parse_row(self, row, cells):
        """A ReportRow; None for a row to skip and count; False for a blank,
        totals or record-count row."""
        if not any(str(cell).strip() for cell in cells if cell is not None):
            return False
        if self._is_summary(cells):
            return False
        cip = str(self._cell(cells, "cip") or "").strip()
        if cip.endswith(".0"):  # a CIP read as a spreadsheet number
            cip = cip[:-2]
        if self.spec.file_kind == PAID_REPORT:
            state = normalize(self._cell(cells, "state"))
            if (
                self.paid_states
                and "state" in self.columns
                and state not in self.paid_states
            ):
                return None
            kind = PAYMENT
        else:
            kind = self._kind(row, cells)
        if kind != DEPOSIT and not cip:
            self._fail(
                row,
                "cip" if "cip" in self.columns else "type",
                _lt("The CIP is missing."),
            )
        return self._build(row, cells, kind, cip)

    def _kind(self, row, cells):
        value = self._cell(cells, "type")
        kind = self.types.get(normalize(value))
        if not kind:
            self._fail(
                row,
                "type",
                _lt(
                    "Unknown operation type %(value)r (expected one of %(known)s).",
                    value=value,
                    known=", ".join(
                        v
                        for values in self.spec.type_values.values()
                        for v in aliases(values)
                    ),
                ),
            )
        return kind

    def _date(self, row, cells):
        value = self._cell(cells, "date")
        date_format = self.spec.date_format
        try:
            date = parse_cell_date(value, date_format, self.sheet.epoch)
        except (TypeError, ValueError):
            date = False
        if date is False and date_format:
            self._fail(
                row,
                "date",
                _lt(
                    "%(value)r is not a date in the profile's date format %(format)s.",
                    value=value,
                    format=date_format,
                ),
            )
        if date is False:
            self._fail(
                row,
                "date",
                _lt(
                    "%(value)r is not a date (dd/mm/yyyy hh:mm:ss, dd/mm/yyyy "
                    "hh:mm, dd/mm/yyyy, yyyy-mm-dd hh:mm:ss or a spreadsheet "
                    "date); set a date format on the mapping profile for other "
                    "forms.",
                    value=value,
                ),
            )
        if date is None:
            self._fail(row, "date", _lt("The date is missing."))
        return date

    def _currency(self, row, cells):
        """The row's currency code; empty when the file does not say (see
        pagoefectivo.import._fill_currencies)."""
        code = str(self._cell(cells, "currency") or "").upper()
        if code and code not in self.currencies:
            self._fail(
                row,
                "currency",
                _lt("Unknown or inactive currency %(code)r.", code=code),
            )
        return code

    def _build(self, row, cells, kind, cip):
        currency = self._currency(row, cells)
        digits = self.spec.currency_digits.get(currency, self.spec.default_digits)
        gross = self._amount(row, cells, "gross", digits)
        commission = abs(self._amount(row, cells, "commission", digits, required=False))
        igv = abs(self._amount(row, cells, "igv", digits, required=False))
        if kind == PAYMENT:
            net = gross - commission - igv
            if gross <= 0:
                self._fail(
                    row,
                    "gross",
                    _lt("A payment must be positive, not %(amount)s.", amount=gross),
                )
            written = "net" in self.columns and self._amount(
                row, cells, "net", digits, required=False
            )
            if written and written != net:
                self._fail(
                    row,
                    "net",
                    _lt(
                        "The net %(net)s is not gross %(gross)s minus commission "
                        "%(commission)s and IGV %(igv)s.",
                        net=written,
                        gross=gross,
                        commission=commission,
                        igv=igv,
                    ),
                )
        elif kind == REFUND:
            written = self._amount(row, cells, "net", digits, required=False)
            gross = -abs(gross or written)
            net = gross
        else:
            net = self._amount(row, cells, "net", digits)
        return ReportRow(
            row=row,
            kind=kind,
            cip=cip,
            transaction_code=str(self._cell(cells, "transaction_code") or "").strip(),
            currency=currency,
            date=self._date(row, cells),
            gross=gross,
            commission=commission,
            igv=igv,
            net=net,
        )
