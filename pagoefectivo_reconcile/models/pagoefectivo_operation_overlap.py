from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.fields import Command
from odoo.tools.misc import format_amount

from ..tools.report_rows import DEPOSIT
from .reconcile_outcome import Outcome


class PagoEfectivoOperation(models.Model):
    """Deposits of a settlement that lists paid CIPs an earlier settlement
    already paid out: the part those CIPs make up is held back until the
    accountant sees it in the bank; the rest is booked at once.

    When the bank did receive the held part, PagoEfectivo paid those CIPs
    twice: booking it (an accounting administrator, who says why) brings the
    clearing account back to what PagoEfectivo still owes, by a statement line
    against the journal's unknown receipts account, owed to PagoEfectivo."""

    _inherit = "pagoefectivo.operation"

    held_amount = fields.Monetary(
        string="Held Back",
        readonly=True,
        help="For a deposit: the part that may pay again CIPs an earlier "
        "settlement paid out; it stays on the suspense account until booked.",
    )
    booked_amount = fields.Monetary(
        string="Booked to the Bank",
        compute="_compute_booked_amount",
        help="For a deposit: the part booked to the deposit transfer account.",
    )
    overlap_operation_ids = fields.Many2many(
        "pagoefectivo.operation",
        "pagoefectivo_operation_overlap_rel",
        "deposit_id",
        "operation_id",
        string="Paid Out Before",
        readonly=True,
        copy=False,
        help="For a deposit: the paid CIPs of its settlement an earlier "
        "settlement already paid out, as that settlement reported them.",
    )
    held_line_id = fields.Many2one(
        "account.bank.statement.line",
        string="Owed Back to PagoEfectivo",
        readonly=True,
        copy=False,
        index="btree_not_null",
        ondelete="set null",
        help="For a deposit whose held-back part the bank did receive: the "
        "statement line that records what PagoEfectivo paid twice as owed back "
        "to it.",
    )

    @api.depends("amount", "held_amount", "state", "held_line_id")
    def _compute_booked_amount(self):
        for op in self:
            booked = op.state == "reconciled" or op.held_amount
            if op.held_line_id:
                op.booked_amount = op.amount
            else:
                op.booked_amount = op.amount - op.held_amount if booked else 0.0

    def _flag_deposits_overlapping(self, resettled):
        """Hold back the part of these deposits that the paid CIPs of
        `resettled`, paid out by an earlier settlement, make up."""
        for deposit in self.filtered(lambda op: op.kind == DEPOSIT):
            ops = resettled.filtered(
                lambda op, d=deposit: op.journal_id == d.journal_id
            )
            if not ops:
                continue
            currency = deposit.currency_id
            net = currency.round(
                sum(ops.mapped("amount"))
                - sum(ops.mapped("commission"))
                - sum(ops.mapped("igv"))
            )
            held = (
                -net
                if currency.compare_amounts(net, -deposit.amount) < 0
                else (deposit.amount)
            )
            deposit.write(
                {
                    "held_amount": held,
                    "overlap_operation_ids": [Command.set(ops.ids)],
                    "overlap": self.env._(
                        "%(count)s paid CIPs of this settlement (%(net)s net) were "
                        "already paid out by %(files)s (CIPs %(cips)s). %(booked)s "
                        "of the deposit is booked; %(held)s is held back until you "
                        "check that the bank received it.",
                        count=len(ops),
                        net=format_amount(self.env, net, currency),
                        files=", ".join(ops.settlement_id.mapped("name")),
                        cips=", ".join(ops[:10].mapped("cip")),
                        booked=format_amount(
                            self.env, -(deposit.amount - held), currency
                        ),
                        held=format_amount(self.env, -held, currency),
                    ),
                }
            )

    def _held_split(self):
        """Items of a deposit held back in part: the rest to the transfer
        account, the held part left on the suspense account; None otherwise."""
        self.ensure_one()
        currency = self.currency_id
        if (
            self.kind != DEPOSIT
            or not currency.compare_amounts(self.amount, self.held_amount)
            or currency.is_zero(self.held_amount)
        ):
            return None
        journal = self.journal_id
        name = self._label()
        return [
            {
                "account": journal.pagoefectivo_transfer_account_id,
                "amount": -(self.amount - self.held_amount),
                "name": name,
                "extra": {"pagoefectivo_operation_id": self.id},
            },
            {
                "account": journal.suspense_account_id,
                "amount": -self.held_amount,
                "name": name,
            },
        ]

    def _amount_to_book(self):
        """What is left to book of the amount: the held part of a deposit
        whose statement line booked the rest, else all of it."""
        if self.statement_line_id and self._held_split():
            return self.held_amount
        return self.amount

    # === BOOKING THE HELD PART === #

    def _check_can_book_held(self):
        """Refuse to book the held part of these deposits to a user who is not
        an accounting administrator, or of operations that hold nothing back."""
        manager = self.env.ref("account.group_account_manager")
        if not self.env.user.has_group("account.group_account_manager"):
            raise AccessError(
                self.env._(
                    "Booking the held-back part of a deposit records what "
                    "PagoEfectivo paid twice as owed back to it: only the group "
                    "“%(group)s” can do it.",
                    group=manager.sudo().full_name,
                )
            )
        for op in self:
            if (
                op.kind != DEPOSIT
                or op.state != "exception"
                or not op.statement_line_id
                or op.currency_id.is_zero(op.held_amount)
            ):
                raise UserError(self.env._("Only held-back deposits can be booked."))

    def _book_held(self, reason):
        """Book the held part of this deposit, which the bank did receive, in
        the user's name with the user's `reason`: to the deposit transfer
        account on the line it waits on, as the rest of the deposit; and, as
        PagoEfectivo paid it twice, a statement line of the clearing journal
        that brings the clearing account back, owed to PagoEfectivo on the
        journal's unknown receipts account."""
        self.ensure_one()
        reason = (reason or "").strip()
        if not reason:
            raise UserError(
                self.env._(
                    "Say why %(amount)s held back of %(operation)s is booked.",
                    amount=self._money(abs(self.held_amount)),
                    operation=self.display_name,
                )
            )
        journal = self.journal_id
        payable = journal._pagoefectivo_account("pagoefectivo_advance_account_id")
        supplier = journal._pagoefectivo_account(
            "pagoefectivo_supplier_id"
        ).commercial_partner_id
        note = self.env._(
            "%(amount)s held back booked by %(user)s, owed back to PagoEfectivo: "
            "%(reason)s",
            amount=self._money(abs(self.held_amount)),
            user=self.env.user.name,
            reason=reason,
        )
        self._book(
            {
                self: Outcome(
                    account=journal.pagoefectivo_transfer_account_id,
                    writeoff_reason=note,
                )
            }
        )
        label = self._held_label()
        owed_back = {
            "ops": self,
            "journal": journal,
            "date": self.statement_line_id.date,
            "ref": label,
            "partner": supplier,
            "amount": -self.held_amount,
            "counterparts": [
                {
                    "account": payable,
                    "amount": self.held_amount,
                    "partner": supplier,
                    "name": label,
                    "extra": {"pagoefectivo_operation_id": self.id},
                }
            ],
        }
        self.held_line_id = self._create_statement_lines([owed_back])

    def _held_label(self):
        ops = self.overlap_operation_ids
        if not ops:  # held back before the CIPs were kept
            return self.env._(
                "Owed back to PagoEfectivo, paid twice: %(deposit)s",
                deposit=self._label(),
            )
        return self.env._(
            "Owed back to PagoEfectivo, paid twice: %(count)s CIPs (%(cips)s) "
            "already paid out by %(files)s",
            count=len(ops),
            cips=", ".join(ops[:10].mapped("cip")),
            files=", ".join(ops.settlement_id.mapped("name")),
        )

    # === UNDO === #

    def _undo(self, keep_waiting):
        """Reverse the lines that recorded what PagoEfectivo paid twice too."""
        held = self.filtered("held_line_id").with_context(pagoefectivo_reversing=True)
        entries = []
        for op in held:
            st_line = op.held_line_id
            _liquidity, _suspense, items = st_line._seek_for_lines()
            settled = items.filtered(
                lambda line: line.matched_debit_ids or line.matched_credit_ids
            )
            if settled or not st_line.is_reconciled:
                raise UserError(
                    self.env._(
                        "%(line)s records what PagoEfectivo paid twice as owed back "
                        "to it, and was settled or changed since: unreconcile it "
                        "before undoing %(operation)s.",
                        line=st_line.payment_ref,
                        operation=op.display_name,
                    )
                )
            entries.append(
                op._reversal_entry(
                    st_line,
                    [op._reversal_item(line) for line in items],
                    self.env._("Reversal of %(ref)s", ref=st_line.payment_ref),
                )
            )
        result = super()._undo(keep_waiting)
        reversals = held._create_statement_lines(entries)
        for op, reversal in zip(held, reversals, strict=True):
            op.write(
                {
                    "reversal_line_ids": [Command.link(reversal.id)],
                    "held_line_id": False,
                }
            )
        return result
