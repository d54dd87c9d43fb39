from odoo import api, fields, models
from odoo.exceptions import UserError

from ..tools.report_rows import DEPOSIT, PAYMENT, REFUND

STATES = [
    ("to_match", "To Reconcile"),
    ("reconciled", "Reconciled"),
    ("exception", "Exception"),
]
REASONS = [
    ("unknown_cip", "Unknown CIP"),
    ("amount_mismatch", "Amount mismatch"),
    ("currency_mismatch", "Currency mismatch"),
    ("duplicate", "Duplicate"),
    ("refund_without_credit_note", "Refund without credit note"),
    ("not_confirmed", "Transaction could not be confirmed"),
    ("unverified", "Not confirmed by PagoEfectivo"),
]


class PagoEfectivoOperation(models.Model):
    """One row of a PagoEfectivo file: a paid CIP, a refund or a deposit.

    Operations carry the per-CIP matching the accountant looks at; the journal
    entries are statement lines of the clearing journal, several operations
    per line when they match cleanly (see pagoefectivo_operation_booking.py).
    """

    _name = "pagoefectivo.operation"
    _description = "PagoEfectivo Operation"
    _order = "date desc, id desc"
    _rec_name = "cip"
    _check_company_auto = True

    import_id = fields.Many2one(
        "pagoefectivo.import",
        required=True,
        index=True,
        ondelete="cascade",
        string="Imported From",
    )
    settlement_id = fields.Many2one(
        "pagoefectivo.import",
        index="btree_not_null",
        ondelete="set null",
        help="The settlement file that reported this operation, when one did.",
    )
    company_id = fields.Many2one("res.company", required=True, index=True)
    journal_id = fields.Many2one(
        "account.journal", required=True, index=True, check_company=True
    )
    currency_id = fields.Many2one("res.currency", required=True)
    kind = fields.Selection(
        [(PAYMENT, "Paid CIP"), (REFUND, "Refund"), (DEPOSIT, "Deposit")],
        required=True,
    )
    file_row = fields.Integer(readonly=True)
    cip = fields.Char(string="CIP", index=True, readonly=True)
    transaction_code = fields.Char(readonly=True)
    date = fields.Datetime(required=True, readonly=True)
    local_date = fields.Date(
        string="Lima Date",
        required=True,
        readonly=True,
        help="The operation's day in Lima; its journal entries carry this date.",
    )
    gross = fields.Monetary(readonly=True)
    commission = fields.Monetary(readonly=True)
    igv = fields.Monetary(string="Commission IGV", readonly=True)
    amount = fields.Monetary(
        readonly=True,
        help="Effect on the PagoEfectivo balance: paid, refunded or deposited.",
    )
    unique_key = fields.Char(required=True, readonly=True)
    state = fields.Selection(STATES, required=True, default="to_match", index=True)
    reason = fields.Selection(REASONS, readonly=True)
    note = fields.Text(readonly=True)
    transaction_id = fields.Many2one(
        "payment.transaction", readonly=True, index="btree_not_null"
    )
    partner_id = fields.Many2one("res.partner", readonly=True)
    candidate_line_ids = fields.Many2many(
        "account.move.line",
        string="Candidates",
        readonly=True,
        help="Open journal items this operation could settle.",
    )
    statement_line_id = fields.Many2one(
        "account.bank.statement.line",
        readonly=True,
        index="btree_not_null",
        ondelete="set null",
    )
    commission_line_id = fields.Many2one(
        "account.bank.statement.line",
        readonly=True,
        index="btree_not_null",
        ondelete="set null",
    )
    writeoff_amount = fields.Monetary(string="Written Off", readonly=True)
    overlap = fields.Text(
        readonly=True,
        help="For a deposit: the paid CIPs its settlement lists that an earlier "
        "settlement already paid out.",
    )
    manual = fields.Boolean(
        string="Reconciled by Hand",
        readonly=True,
        help="An exception someone reconciled in a reconciliation screen; its "
        "reason says why it needed a human.",
    )
    overdue = fields.Boolean(
        string="Not Settled in Time",
        readonly=True,
        help="Paid, but no settlement reported it within the journal's delay.",
    )

    _unique_key = models.Constraint(
        "UNIQUE(journal_id, unique_key)",
        "This operation was already imported in this journal.",
    )

    @api.depends("kind", "cip", "amount", "currency_id")
    def _compute_display_name(self):
        kinds = dict(self._fields["kind"]._description_selection(self.env))
        for op in self:
            op.display_name = " ".join(
                part for part in (kinds.get(op.kind), op.cip or "") if part
            )

    # === ACTIONS === #

    def _check_can_act(self):
        """Refuse a user who may not reconcile these operations, or operations
        of a file still being imported or stopped (see pagoefectivo.import's)."""
        self._check_can_undo()
        (self.import_id | self.settlement_id)._check_not_stopped()

    def _check_can_undo(self):
        self.check_access("read")
        (self.import_id | self.settlement_id)._check_can_act()

    def action_reconcile(self):
        self._check_can_act()
        self.sudo()._reconcile()
        return True

    def action_accept_candidate(self):
        """Settle the operation with its only candidate (or the one in context);
        when their amounts differ, a wizard asks what to do with the rest."""
        self.ensure_one()
        self._check_can_act()
        line = (
            self.env["account.move.line"].browse(
                self.env.context.get("candidate_line_id")
            )
            or self.candidate_line_ids
        )
        if (
            self.state != "exception"
            or len(line) != 1
            or line not in self.candidate_line_ids
        ):
            raise UserError(self.env._("Choose one of the operation's candidates."))
        if not self.currency_id.is_zero(self._difference_with(line)):
            return self._difference_wizard(line)
        self.sudo()._settle_difference(line)
        return True

    def action_write_off(self):
        """Ask why, then write off the whole operation."""
        self.ensure_one()
        self._check_can_act()
        if self.state != "exception":
            raise UserError(self.env._("Only exceptions can be written off."))
        self._check_write_off(self.amount)
        return self._difference_wizard(self.env["account.move.line"])

    def action_book_deposit(self):
        """Ask why, then book the part of a deposit held back as a possible
        double payment, once the accountant has seen it arrive in the bank
        (see `_book_held`)."""
        self.ensure_one()
        self._check_can_act()
        self._check_can_book_held()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Book %(operation)s", operation=self.display_name),
            "res_model": "pagoefectivo.book.deposit.wizard",
            "view_mode": "form",
            "views": [(False, "form")],
            "target": "new",
            "context": {"default_operation_id": self.id},
        }

    def action_open_document(self):
        """The order (or invoice) the paid CIP was for."""
        self.ensure_one()
        tx = self.transaction_id
        document = tx.sale_order_ids[:1] or tx.invoice_ids[:1] or self.statement_line_id
        if not document:
            raise UserError(
                self.env._("This operation has no order, invoice or entry.")
            )
        return {
            "type": "ir.actions.act_window",
            "res_model": document._name,
            "res_id": document.id,
            "view_mode": "form",
        }
