from datetime import datetime

from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError

from ..tools.amounts import DECIMAL_AUTO, DECIMAL_COMMA, DECIMAL_POINT
from ..tools.file_format_error import FileFormatError
from ..tools.headers import aliases, locate_header
from ..tools.report_rows import (
    DEPOSIT,
    PAID_REPORT,
    PAYMENT,
    REFUND,
    REQUIRED_COLUMNS,
    SETTLEMENT,
    ProfileSpec,
)

# Profile field -> key of tools.report_rows.
COLUMN_FIELDS = {
    "column_cip": "cip",
    "column_transaction_code": "transaction_code",
    "column_currency": "currency",
    "column_state": "state",
    "column_date": "date",
    "column_type": "type",
    "column_gross": "gross",
    "column_commission": "commission",
    "column_igv": "igv",
    "column_net": "net",
}


class PagoEfectivoImportProfile(models.Model):
    _name = "pagoefectivo.import.profile"
    _description = "PagoEfectivo File Mapping Profile"
    _order = "sequence, id"

    name = fields.Char(required=True, translate=True)
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)
    file_kind = fields.Selection(
        [(PAID_REPORT, "Paid-CIP report"), (SETTLEMENT, "Settlement (liquidación)")],
        required=True,
    )
    decimal_separator = fields.Selection(
        [
            (DECIMAL_AUTO, "Detect"),
            (DECIMAL_POINT, "Point (1,234.50)"),
            (DECIMAL_COMMA, "Comma (1.234,50)"),
        ],
        required=True,
        default=DECIMAL_AUTO,
    )
    date_format = fields.Char(
        help="Only for files whose dates are written otherwise: the form of their "
        "dates in Python's strftime codes, e.g. %m/%d/%Y %I:%M %p for "
        "12/31/2026 11:30 PM. Empty: dd/mm/yyyy hh:mm:ss (seconds, or the time, "
        "may be left out), yyyy-mm-dd hh:mm:ss (ISO) and spreadsheet dates are "
        "read. Dates are Lima time.",
    )
    default_currency_id = fields.Many2one(
        "res.currency",
        help="Currency of the rows when the file has no currency column and "
        "Odoo does not know their CIPs.",
        default=lambda self: self.env.ref("base.PEN", raise_if_not_found=False),
    )
    column_cip = fields.Char(string="CIP Column", default="CIP")
    column_transaction_code = fields.Char(string="Transaction Code Column")
    column_currency = fields.Char(string="Currency Column")
    column_state = fields.Char(string="Status Column")
    column_date = fields.Char(string="Date Column", required=True)
    column_type = fields.Char(string="Operation Type Column")
    column_gross = fields.Char(string="Gross Amount Column", required=True)
    column_commission = fields.Char(string="Commission Column")
    column_igv = fields.Char(string="Commission IGV Column")
    column_net = fields.Char(string="Net Amount Column")
    paid_states = fields.Char(
        string="Paid Status Values",
        help="Rows of a paid report whose status is not one of these are skipped.",
    )
    type_payment = fields.Char(string="Payment Type Values")
    type_refund = fields.Char(string="Refund Type Values")
    type_deposit = fields.Char(string="Deposit Type Values")

    @api.constrains("date_format")
    def _check_date_format(self):
        sample = datetime(2026, 12, 31, 23, 59, 58)
        for profile in self.filtered("date_format"):
            try:
                read = datetime.strptime(
                    sample.strftime(profile.date_format), profile.date_format
                )
            except ValueError:
                read = None
            if not read or read.date() != sample.date():
                raise ValidationError(
                    self.env._(
                        "“%(format)s” is not a date format: write it with Python's "
                        "strftime codes, which must give the day, the month and "
                        "the year, e.g. %%d/%%m/%%Y %%H:%%M.",
                        format=profile.date_format,
                    )
                )

    def _spec(self):
        self.ensure_one()
        currencies = self.env["res.currency"].search([("active", "=", True)])
        return ProfileSpec(
            file_kind=self.file_kind,
            columns={
                key: self[name] for name, key in COLUMN_FIELDS.items() if self[name]
            },
            decimal_separator=self.decimal_separator,
            type_values={
                PAYMENT: self.type_payment or "",
                REFUND: self.type_refund or "",
                DEPOSIT: self.type_deposit or "",
            },
            paid_states=self.paid_states or "",
            date_format=self.date_format or "",
            currency_digits={c.name: c.decimal_places for c in currencies},
            default_digits=(
                self.default_currency_id.decimal_places
                if self.default_currency_id
                else 2
            ),
        )

    def _fits(self, table):
        spec = self._spec()
        wanted = {key: aliases(value) for key, value in spec.columns.items()}
        try:
            locate_header(table, wanted, REQUIRED_COLUMNS[spec.file_kind])
        except FileFormatError:
            return False
        return True

    @api.model
    def _detect(self, table):
        """The first active profile whose required columns the file has."""
        for profile in self.search([("active", "=", True)]):
            if profile._fits(table):
                return profile
        raise UserError(
            self.env._(
                "No mapping profile recognises this file's columns. Choose a profile "
                "or adapt one under Invoicing > PagoEfectivo > Mapping Profiles."
            )
        )
