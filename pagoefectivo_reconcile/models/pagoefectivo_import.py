import hashlib
import logging
from collections import Counter, defaultdict
from dataclasses import replace

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.fields import Domain
from odoo.tools import SQL, split_every
from odoo.tools.translate import LazyTranslate

from odoo.addons.pagoefectivo_payment.tools.lima_time import lima_date

from ..tools.file_format_error import FileFormatError
from ..tools.report_rows import DEPOSIT, PAYMENT, REFUND, SETTLEMENT, parse_rows
from ..tools.settlement_balance import check_balance
from ..tools.table_reader import read_table

_logger = logging.getLogger(__name__)
_lt = LazyTranslate(__name__)

# Row keys looked up per query.
KEY_CHUNK = 10000


class PagoEfectivoImport(models.Model):
    """One imported PagoEfectivo file."""

    _name = "pagoefectivo.import"
    _inherit = ["mail.thread", "mail.activity.mixin"]
    _mail_post_access = "read"  # files are read-only to users: notes still welcome
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
    exception_count = fields.Integer(compute="_compute_counts", store=True)
    matched_count = fields.Integer(
        string="Reconciled", compute="_compute_counts", store=True
    )

    @api.depends("operation_ids.state", "settled_operation_ids.state")
    def _compute_counts(self):
        """Stored, so that the list reads them; one grouped query for all files
        however many operations they have (an operation a file both imported
        and settled counts once)."""
        counts = defaultdict(Counter)
        ids = tuple(record_id for record_id in self.ids if record_id)  # not new ones
        if ids:
            self.env["pagoefectivo.operation"].flush_model(
                ["state", "import_id", "settlement_id"]
            )
            self.env.cr.execute(
                SQL(
                    """SELECT import_id, state, COUNT(*) FROM pagoefectivo_operation
                        WHERE import_id IN %(ids)s GROUP BY import_id, state
                    UNION ALL
                    SELECT settlement_id, state, COUNT(*) FROM pagoefectivo_operation
                        WHERE settlement_id IN %(ids)s AND settlement_id != import_id
                        GROUP BY settlement_id, state""",
                    ids=ids,
                )
            )
            for record_id, state, count in self.env.cr.fetchall():
                counts[record_id][state] += count
        for record in self:
            record.exception_count = counts[record.id]["exception"]
            record.matched_count = counts[record.id]["reconciled"]

    # === IMPORT === #

    @api.model
    def _import_file(self, content, filename, profile=None, source_vals=None):
        """Accept a file for the current company's clearing journals; its rows
        are stored and reconciled in the background (see pagoefectivo_import_job.py).

        All or nothing: a bad row or an unbalanced settlement raises a
        UserError naming the row, the column and the problem. `source_vals`
        say who or what brought the file (default: the current user).

        :return: the import, in the caller's environment
        """
        self._check_can_act()
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
        record = self.sudo().create(
            {
                "name": filename,
                "profile_id": profile.id,
                "checksum": hashlib.sha1(content).hexdigest(),
                "ignored_count": parsed.skipped_rows,
                **(source_vals or {}),
            }
        )
        record._enqueue(parsed.rows)
        return record.with_env(self.env)

    def _describe_error(self, filename, error):
        where = []
        if error.sheet:
            where.append(self.env._("sheet “%(sheet)s”", sheet=error.sheet))
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

    def _journals_for(self, rows):
        """{currency code: the company's clearing journal in it} for these rows."""
        Currency = self.env["res.currency"]
        journals = {}
        for code in {row.currency for row in rows}:
            currency = Currency.search([("name", "=", code)], limit=1)
            journals[code] = self.env["account.journal"]._pagoefectivo_journal(
                self.company_id, currency
            )
        return journals

    @api.model
    def _row_keys(self, rows):
        """Each row's unique key, for the whole file at once: a row that comes
        twice in one file keeps its second copy apart, by its row number."""
        seen, keys = set(), []
        for row in rows:
            key = self._row_key(row)
            if (row.currency, key) in seen:
                key = "%s|row %s" % (key, row.row)  # the same row twice in one file
            seen.add((row.currency, key))
            keys.append(key)
        return keys

    def _known_rows(self, rows, journals):
        """[(operation, first settlement)] per row: the operation another file
        imported for it (empty when none), and whether this file, a
        settlement, is the first to report that paid CIP (it then links it).
        A few queries per batch."""
        Operation = self.env["pagoefectivo.operation"]
        keys = list({self._row_key(row) for row in rows})
        found = {}
        for chunk in split_every(KEY_CHUNK, keys):
            for op in Operation.search_fetch(
                Domain("journal_id", "in", [j.id for j in journals.values()])
                & Domain("unique_key", "in", list(chunk))
                & Domain("import_id", "!=", self.id or False),
                ["journal_id", "unique_key", "settlement_id"],
            ):
                found[op.journal_id.id, op.unique_key] = op
        settlement = self.file_kind == SETTLEMENT
        known = []
        for row in rows:
            op = found.get((journals[row.currency].id, self._row_key(row)), Operation)
            first = settlement and row.kind == PAYMENT and op and not op.settlement_id
            known.append((op, bool(first)))
        return known

    def _create_operations(self, rows, keys):
        """Store a batch of the file's rows (`keys`: their `_row_keys`).

        Rows another file imported are skipped (the operations this file made
        in its earlier batches are not theirs: a row twice in one file); a
        settlement links the paid CIPs it is the first to report. Linear: one
        lookup and one create per batch, counts added to the file's.

        :return: the operations to reconcile now; deposits wait for the end
            of the file (`_finish_import`), which flags those that may pay
            CIPs twice.
        """
        self.ensure_one()
        Operation = self.env["pagoefectivo.operation"]
        journals = self._journals_for(rows)
        known = self._known_rows(rows, journals)
        vals_list, settle = [], defaultdict(list)
        for row, key, (op, first) in zip(rows, keys, known, strict=True):
            if not op:
                vals_list.append(self._operation_vals(row, journals[row.currency], key))
            elif first:
                settle[row.commission, row.igv].append(op.id)
        created = Operation.create(vals_list)
        settled_ids = []
        for (commission, igv), ids in settle.items():
            Operation.browse(ids).write(
                {"settlement_id": self.id, "commission": commission, "igv": igv}
            )
            settled_ids += ids
        self.write(
            {
                "created_count": self.created_count + len(vals_list),
                "skipped_count": self.skipped_count + len(rows) - len(vals_list),
            }
        )
        return created.filtered(lambda op: op.kind != DEPOSIT) | Operation.browse(
            settled_ids
        )

    def _resettled_operations(self, rows):
        """Paid CIPs of this settlement that an earlier settlement paid out."""
        if self.file_kind != SETTLEMENT:
            return self.env["pagoefectivo.operation"]
        payments = [row for row in rows if row.kind == PAYMENT]
        known = self._known_rows(payments, self._journals_for(payments))
        return self.env["pagoefectivo.operation"].union(
            *(
                op
                for op, first in known
                if op and not first and op.settlement_id != self
            )
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

    def _check_can_act(self):
        """Refuse, before anything is done, a user who may not import or
        reconcile these files (an accountant's group, the files' companies),
        and files the background job is still importing.

        Nobody writes files or operations directly (the access rights only
        let users read them): the actions check this, then do their work as
        superuser, still under the user's id (entries, "done by").
        """
        if not self.env.su and not self.env.user.has_group(
            "account.group_account_basic"
        ):
            raise AccessError(
                self.env._(
                    "Only accountants can import and reconcile PagoEfectivo files."
                )
            )
        self.check_access("read")
        self._check_not_processing()

    def action_reconcile(self):
        self._check_can_act()
        self._check_not_stopped()
        self.sudo()._operations()._reconcile()
        return True

    def action_undo(self):
        """Undo everything the file booked, commissions included."""
        self._check_can_act()
        operations = self.sudo()._operations()
        operations._undo(keep_waiting=False)
        # A report's CIPs share their commissions with the rest of the
        # settlement that reported them: only the settlement's undo takes them.
        operations.filtered(lambda op: op.settlement_id in self)._undo_commissions()
        return True

    @api.ondelete(at_uninstall=False)
    def _unlink_except_booked(self):
        self._check_not_processing()
        if self.operation_ids.statement_line_id | self.operation_ids.commission_line_id:
            raise UserError(
                self.env._("Undo the reconciliation of the file before deleting it.")
            )

    def action_view_operations(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "pagoefectivo_reconcile.action_pagoefectivo_operations"
        )
        action["domain"] = [
            "|",
            ("import_id", "=", self.id),
            ("settlement_id", "=", self.id),
        ]
        action["context"] = {"search_default_exceptions": self.exception_count > 0}
        return action

    @api.model
    def _message_for(self, record):
        """What the user is told after an import, or while it runs."""
        if record.state != "done":
            return record._progress_message()
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
