import hashlib
import logging
from dataclasses import replace

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.fields import Domain
from odoo.tools.translate import LazyTranslate

from odoo.addons.pagoefectivo_payment.tools.lima_time import lima_date

from ..tools.file_format_error import FileFormatError
from ..tools.report_rows import DEPOSIT, PAYMENT, REFUND, SETTLEMENT, parse_rows
from ..tools.settlement_balance import check_balance
from ..tools.table_reader import read_table

_logger = logging.getLogger(__name__)
_lt = LazyTranslate(__name__)


class PagoEfectivoImport(models.Model):
    """One imported PagoEfectivo file."""

    _name = "pagoefectivo.import"
    _description = "PagoEfectivo File Import"
    _order = "id desc"

    name = fields.Char(string="File", required=True, readonly=True)
    company_id = fields.Many2one(
        "res.company",
        required=True,
        readonly=True,
        default=lambda self: self.env.company,
    )
    profile_id = fields.Many2one("pagoefectivo.import.profile", readonly=True)
    file_kind = fields.Selection(related="profile_id.file_kind", store=True)
    checksum = fields.Char(readonly=True, index=True)
    operation_ids = fields.One2many(
        "pagoefectivo.operation", "import_id", readonly=True
    )
    settled_operation_ids = fields.One2many(
        "pagoefectivo.operation",
        "settlement_id",
        string="Settled Operations",
        readonly=True,
    )
    created_count = fields.Integer(string="Rows Imported", readonly=True)
    skipped_count = fields.Integer(
        string="Rows Already Imported",
        readonly=True,
        help="Rows found in an earlier import; nothing was created for them.",
    )
    ignored_count = fields.Integer(
        string="Rows Ignored",
        readonly=True,
        help="Rows the mapping profile leaves out, such as unpaid CIPs.",
    )
    exception_count = fields.Integer(compute="_compute_counts")
    matched_count = fields.Integer(string="Reconciled", compute="_compute_counts")

    def _compute_counts(self):
        for record in self:
            ops = record.operation_ids | record.settled_operation_ids
            record.exception_count = len(
                ops.filtered(lambda op: op.state == "exception")
            )
            record.matched_count = len(
                ops.filtered(lambda op: op.state == "reconciled")
            )

    # === IMPORT === #

    @api.model
    def _import_file(self, content, filename, profile=None):
        """Import a file into the current company's clearing journals, then reconcile.

        All or nothing: a bad row or an unbalanced settlement raises a
        UserError naming the row, the column and the problem.
        """
        try:
            table = read_table(content, filename)
            profile = profile or self.env["pagoefectivo.import.profile"]._detect(table)
            parsed = parse_rows(table, profile._spec(), self._currency_codes())
            parsed.rows = self._fill_currencies(parsed.rows, profile)
            if profile.file_kind == SETTLEMENT:
                check_balance(parsed.rows)
        except FileFormatError as error:
            message = self._describe_error(filename, error)
            _logger.warning("PagoEfectivo file rejected: %s", message)
            raise UserError(message) from error
        record = self.create(
            {
                "name": filename,
                "profile_id": profile.id,
                "checksum": hashlib.sha1(content).hexdigest(),
                "ignored_count": parsed.skipped_rows,
            }
        )
        record._create_operations(parsed.rows)
        (record.operation_ids | record.settled_operation_ids)._reconcile()
        return record

    def _describe_error(self, filename, error):
        where = []
        if error.row:
            where.append(self.env._("row %(row)s", row=error.row))
        if error.column:
            where.append(self.env._("column “%(column)s”", column=error.column))
        if not where:
            return self.env._(
                "%(file)s: %(problem)s", file=filename, problem=error.problem
            )
        return self.env._(
            "%(file)s, %(where)s: %(problem)s",
            file=filename,
            where=", ".join(where),
            problem=error.problem,
        )

    @api.model
    def _fill_currencies(self, rows, profile):
        """Rows without a currency (PagoEfectivo's paid report has no such
        column) take their transaction's, else the file's single known one,
        else the profile's default."""
        if all(row.currency for row in rows):
            return rows
        by_cip, by_code = self.env["payment.transaction"]._pagoefectivo_lookup(
            self.env.company,
            {row.cip for row in rows if row.cip},
            {row.transaction_code for row in rows if row.transaction_code},
        )

        no_tx = self.env["payment.transaction"]

        def known(row):
            tx = by_cip.get(row.cip) or by_code.get(row.transaction_code) or no_tx
            return row.currency or tx.currency_id.name

        found = {known(row) for row in rows} - {False, ""}
        fallback = found.pop() if len(found) == 1 else profile.default_currency_id.name
        if not fallback:
            raise FileFormatError(
                _lt(
                    "The file has no currency column: set a default currency on "
                    "its mapping profile."
                )
            )
        return [
            row if row.currency else replace(row, currency=known(row) or fallback)
            for row in rows
        ]

    @api.model
    def _currency_codes(self):
        return set(
            self.env["res.currency"].search([("active", "=", True)]).mapped("name")
        )

    def _create_operations(self, rows):
        self.ensure_one()
        Currency = self.env["res.currency"]
        journals = {}
        for code in {row.currency for row in rows}:
            currency = Currency.search([("name", "=", code)], limit=1)
            journals[code] = self.env["account.journal"]._pagoefectivo_journal(
                self.company_id, currency
            )
        keyed = [(row, journals[row.currency], self._row_key(row)) for row in rows]
        existing = {
            (op.journal_id, op.unique_key): op
            for op in self.env["pagoefectivo.operation"].search(
                Domain("journal_id", "in", [j.id for j in journals.values()])
                & Domain("unique_key", "in", [key for _row, _journal, key in keyed])
            )
        }
        vals_list, seen, settle = [], set(), {}
        resettled = self.env["pagoefectivo.operation"]
        for row, journal, key in keyed:
            op = existing.get((journal, key))
            if (journal, key) in seen:
                key = "%s|row %s" % (key, row.row)  # the same row twice in one file
            seen.add((journal, key))
            if op:
                if self.file_kind == SETTLEMENT and row.kind == PAYMENT:
                    if not op.settlement_id:
                        settle.setdefault((row.commission, row.igv), []).append(op.id)
                    else:
                        resettled |= op
                continue
            vals_list.append(self._operation_vals(row, journal, key))
        created = self.env["pagoefectivo.operation"].create(vals_list)
        if resettled:
            created._flag_deposits_overlapping(resettled)
        for (commission, igv), ids in settle.items():
            self.env["pagoefectivo.operation"].browse(ids).write(
                {"settlement_id": self.id, "commission": commission, "igv": igv}
            )
        self.write(
            {
                "created_count": len(vals_list),
                "skipped_count": len(rows) - len(vals_list),
            }
        )

    def _operation_vals(self, row, journal, key):
        return {
            "import_id": self.id,
            "settlement_id": self.id if self.file_kind == SETTLEMENT else False,
            "company_id": self.company_id.id,
            "journal_id": journal.id,
            "currency_id": journal.pagoefectivo_currency_id.id,
            "kind": row.kind,
            "file_row": row.row,
            "cip": row.cip or False,
            "transaction_code": row.transaction_code or False,
            "date": row.date,
            "local_date": lima_date(row.date),
            "gross": float(row.gross),
            "commission": float(row.commission),
            "igv": float(row.igv),
            "amount": float(self._balance_effect(row)),
            "unique_key": key,
        }

    @api.model
    def _balance_effect(self, row):
        """What the row does to the money PagoEfectivo holds for the merchant."""
        return {PAYMENT: row.gross, REFUND: row.net, DEPOSIT: -row.net}[row.kind]

    @api.model
    def _row_key(self, row):
        """What makes a row the same row when it comes again, in any file."""
        if row.kind == PAYMENT:
            return "payment|%s|%s" % (row.cip, row.gross)
        return "%s|%s|%s|%s" % (row.kind, row.cip, row.date.isoformat(), row.net)

    # === ACTIONS === #

    def _operations(self):
        return self.operation_ids | self.settled_operation_ids

    def action_reconcile(self):
        self._operations()._reconcile()
        return True

    def action_undo(self):
        """Undo everything the file booked, commissions included."""
        operations = self._operations()
        operations.action_undo()
        operations._undo_commissions()
        return True

    @api.ondelete(at_uninstall=False)
    def _unlink_except_booked(self):
        if self.operation_ids.statement_line_id | self.operation_ids.commission_line_id:
            raise UserError(
                self.env._("Undo the reconciliation of the file before deleting it.")
            )

    def action_view_operations(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "pagoefectivo_reconcile.action_pagoefectivo_operations"
        )
        action["domain"] = [("id", "in", self._operations().ids)]
        action["context"] = {"search_default_exceptions": self.exception_count > 0}
        return action

    @api.model
    def _message_for(self, record):
        """What the user is told after an import."""
        return self.env._(
            "%(file)s. Rows imported: %(created)s; already imported, skipped: "
            "%(skipped)s; ignored: %(ignored)s. Reconciled: %(matched)s; "
            "exceptions: %(exceptions)s.",
            file=record.name,
            created=record.created_count,
            skipped=record.skipped_count,
            ignored=record.ignored_count,
            matched=record.matched_count,
            exceptions=record.exception_count,
        )
