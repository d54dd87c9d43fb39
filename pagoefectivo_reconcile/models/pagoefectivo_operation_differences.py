from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.fields import Command

from ..tools.report_rows import PAYMENT, REFUND


class PagoEfectivoOperation(models.Model):
    """Differences settled by hand: who may write off what, and where it goes.

    Up to the journal's tolerance a difference is written off automatically;
    beyond it an accounting administrator writes it off and says why. A gain
    goes to income and a loss to expense, but what a customer paid beyond the
    tolerance is not income, nor a write-off: it stays the customer's credit,
    which any accountant records. A whole paid CIP written off is an unknown
    receipt that waits on a liability until it is assigned to a customer, and
    a whole refund waits for its credit note.
    """

    _inherit = "pagoefectivo.operation"

    writeoff_by_id = fields.Many2one(
        "res.users", string="Written Off By", readonly=True, copy=False
    )
    writeoff_note = fields.Text(string="Write-off Reason", readonly=True, copy=False)
    assignment_move_id = fields.Many2one(
        "account.move",
        string="Assigned By",
        readonly=True,
        copy=False,
        help="The entry that moved this unknown receipt to its customer's receivable.",
    )
    can_assign = fields.Boolean(
        compute="_compute_can_assign",
        help="An unknown receipt waiting to be assigned to a customer.",
    )

    @api.depends("state", "statement_line_id", "assignment_move_id")
    def _compute_can_assign(self):
        for op in self:
            op.can_assign = bool(op._open_advance())

    # === SETTLING BY HAND === #

    def _settle_difference(self, line, keep_open=False, reason=""):
        """Settle this exception with its candidate `line` (none: write off
        its whole amount). What `line` leaves over is written off, unless
        `keep_open` leaves the rest of `line` open."""
        self.ensure_one()
        if self.state != "exception":
            raise UserError(self.env._("Only exceptions can be settled by hand."))
        if line and line not in self.candidate_line_ids:
            raise UserError(self.env._("Choose one of the operation's candidates."))
        difference = self._difference_with(line)
        writes_off = not keep_open and not self.currency_id.is_zero(difference)
        if keep_open:
            self._check_keep_open(line)
        elif writes_off:
            self._check_write_off(difference, line)
            if self._overpaid(-difference, line):
                self._keep_customer_credit(line, difference, reason)
                return
            if self._needs_approval(difference) and not (reason or "").strip():
                raise UserError(
                    self.env._(
                        "Say why %(amount)s of %(operation)s is written off.",
                        amount=self._money(abs(difference)),
                        operation=self.display_name,
                    )
                )
        self._settle_by_hand(line, reason=reason, partial=keep_open)
        if writes_off:
            self.write(
                {"writeoff_by_id": self.env.uid, "writeoff_note": reason or False}
            )

    def _keep_customer_credit(self, line, difference, reason):
        """Settle this paid CIP with `line`, leaving the `difference` it paid
        beyond it open as the customer's credit; the note says who did."""
        self._settle_by_hand(
            line,
            label=self.env._("Customer credit: overpaid CIP %(cip)s", cip=self.cip),
        )
        note = self.env._(
            "%(amount)s overpaid kept as the customer's credit by %(user)s.",
            amount=self._money(abs(difference)),
            user=self.env.user.name,
        )
        self.note = "%s %s" % (note, reason) if (reason or "").strip() else note

    def _difference_with(self, line):
        """What is left of this operation's amount once `line` is settled."""
        return self.currency_id.round(
            self.amount - sum(line.mapped("amount_residual_currency"))
        )

    def _check_keep_open(self, line):
        if not line:
            raise UserError(self.env._("Choose the candidate to keep partly open."))
        if (
            self.currency_id.compare_amounts(
                abs(self.amount), abs(line.amount_residual_currency)
            )
            > 0
        ):
            raise UserError(
                self.env._(
                    "%(operation)s is for %(amount)s, more than the %(open)s open on "
                    "%(item)s: the surplus cannot stay open. Write off the "
                    "difference instead.",
                    operation=self.display_name,
                    amount=self._money(abs(self.amount)),
                    open=self._money(abs(line.amount_residual_currency)),
                    item=line.move_id.display_name,
                )
            )

    def _check_write_off(self, difference, line=None):
        """Refuse a write-off of `difference` this user may not do; what a
        customer paid beyond `line` is the customer's credit, not a write-off:
        it needs the customer, not an administrator."""
        if self.reason == "unverified":
            raise UserError(
                self.env._(
                    "PagoEfectivo did not confirm %(operation)s: it cannot be "
                    "written off. Reconcile it again once PagoEfectivo confirms "
                    "it, or undo it.",
                    operation=self.display_name,
                )
            )
        tx = self.transaction_id
        if self.kind == PAYMENT and tx._pagoefectivo_awaits_payment():
            raise UserError(
                self.env._(
                    "%(operation)s waits for the payment Odoo makes for "
                    "transaction %(reference)s: written off, that payment would "
                    "credit the customer a second time. Reconcile it again once "
                    "the payment is made.",
                    operation=self.display_name,
                    reference=tx.reference,
                )
            )
        if self._overpaid(-difference, line):
            if not self._customer_of(line):
                raise UserError(
                    self.env._(
                        "%(operation)s paid %(amount)s more than %(item)s: beyond "
                        "the tolerance, that stays the customer's credit, but "
                        "neither has a customer. Assign a customer to %(item)s "
                        "first.",
                        operation=self.display_name,
                        amount=self._money(abs(difference)),
                        item=line.move_id.display_name,
                    )
                )
            return
        if self._needs_approval(difference) and not self.env.user.has_group(
            "account.group_account_manager"
        ):
            raise AccessError(
                self.env._(
                    "Writing off %(amount)s of %(operation)s is above the tolerance "
                    "of %(tolerance)s of the journal %(journal)s: only an "
                    "accounting administrator can do it.",
                    amount=self._money(abs(difference)),
                    operation=self.display_name,
                    tolerance=self._money(self.journal_id.pagoefectivo_tolerance),
                    journal=self.journal_id.display_name,
                )
            )

    def _needs_approval(self, difference):
        return (
            self.currency_id.compare_amounts(
                abs(difference), self.journal_id.pagoefectivo_tolerance
            )
            > 0
        )

    def _overpaid(self, left, targets):
        """Whether `left`, what the operation's `targets` leave over, is what
        the customer paid beyond them and beyond the tolerance."""
        return bool(
            targets
            and self.kind == PAYMENT
            and self.currency_id.compare_amounts(left, 0.0) < 0
            and self._needs_approval(left)
        )

    def _customer_credit_account(self, left, targets, partner):
        """The receivable of `partner` (the customer's commercial partner)
        when `left` is an overpayment (see `_overpaid`): it stays open there,
        the customer's credit for their next invoice. Else no account."""
        if partner and self._overpaid(left, targets):
            return partner.with_company(self.company_id).property_account_receivable_id
        return self.env["account.account"]

    def _customer_of(self, line):
        """The customer a settlement with `line` is booked for (see
        `_settle_by_hand`)."""
        return (self.partner_id or line.partner_id[:1]).commercial_partner_id

    def _difference_field(self, left, targets):
        """The journal's field of the account that takes `left`, what the
        operation's `targets` leave over (negative: a credit)."""
        if not targets and self.kind == PAYMENT:
            return "pagoefectivo_advance_account_id"
        if not targets and self.kind == REFUND:
            return "pagoefectivo_refund_account_id"
        if self.currency_id.compare_amounts(left, 0.0) < 0:
            return "pagoefectivo_gain_account_id"
        return "pagoefectivo_loss_account_id"

    def _difference_wizard(self, line):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Settle %(operation)s", operation=self.display_name),
            "res_model": "pagoefectivo.difference.wizard",
            "view_mode": "form",
            "views": [(False, "form")],
            "target": "new",
            "context": {
                "default_operation_id": self.id,
                "default_line_id": line.id,
            },
        }

    # === UNKNOWN RECEIPTS === #

    def action_assign_customer(self):
        self.ensure_one()
        self._check_can_act()
        self._check_can_assign()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Assign %(operation)s", operation=self.display_name),
            "res_model": "pagoefectivo.assign.wizard",
            "view_mode": "form",
            "views": [(False, "form")],
            "target": "new",
            "context": {"default_operation_id": self.id},
        }

    def _open_advance(self):
        """This operation's unknown receipt still waiting on the journal's
        unknown receipts account."""
        self.ensure_one()
        account = self.journal_id.pagoefectivo_advance_account_id
        if self._assigned() or not account or self.state != "reconciled":
            return self.env["account.move.line"]
        return self.statement_line_id.move_id.line_ids.filtered(
            lambda line: line.account_id == account and not line.reconciled
        )

    def _assigned(self):
        move = self.assignment_move_id
        return bool(move) and not move.reversal_move_ids

    def _check_can_assign(self):
        if not self._open_advance():
            raise UserError(
                self.env._(
                    "Only a paid CIP written off as an unknown receipt, and not "
                    "assigned yet, can be assigned to a customer."
                )
            )

    def _assign_to_customer(self, partner):
        """Move this unknown receipt to `partner`'s receivable, where it stays
        open for the customer's invoice."""
        self.ensure_one()
        self._check_can_assign()
        advance = self._open_advance()
        customer = partner.commercial_partner_id
        label = self.env._(
            "%(operation)s assigned to %(customer)s",
            operation=self._label(),
            customer=customer.display_name,
        )
        receivable = customer.with_company(
            self.company_id
        ).property_account_receivable_id

        def item(account, item_partner, sign):
            return Command.create(
                {
                    "name": label,
                    "account_id": account.id,
                    "partner_id": item_partner.id,
                    "currency_id": advance.currency_id.id,
                    "amount_currency": sign * advance.amount_residual_currency,
                    "balance": sign * advance.amount_residual,
                }
            )

        move = (
            self.env["account.move"]
            .with_company(self.company_id)
            .create(
                {
                    "move_type": "entry",
                    "ref": label,
                    "line_ids": [
                        item(advance.account_id, advance.partner_id, -1),
                        item(receivable, customer, 1),
                    ],
                }
            )
        )
        move.action_post()
        if advance.account_id.reconcile:
            (advance | move.line_ids.sorted("id")[0]).reconcile()
        self.write({"assignment_move_id": move.id, "partner_id": customer.id})

    # === UNDO === #

    def _undo(self, keep_waiting):
        assigned = self.filtered(lambda op: op._assigned())
        if assigned:
            raise UserError(
                self.env._(
                    "%(operation)s was assigned to a customer by %(entry)s: reverse "
                    "that entry first.",
                    operation=assigned[0].display_name,
                    entry=assigned[0].assignment_move_id.display_name,
                )
            )
        result = super()._undo(keep_waiting)
        self.write(
            {
                "writeoff_by_id": False,
                "writeoff_note": False,
                "assignment_move_id": False,
            }
        )
        return result
