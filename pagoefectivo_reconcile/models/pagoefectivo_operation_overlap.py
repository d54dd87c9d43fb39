from odoo import api, fields, models
from odoo.tools.misc import format_amount

from ..tools.report_rows import DEPOSIT


class PagoEfectivoOperation(models.Model):
    """Deposits of a settlement that lists paid CIPs an earlier settlement
    already paid out: the part those CIPs make up is held back until the
    accountant sees it in the bank; the rest is booked at once."""

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

    @api.depends("amount", "held_amount", "state")
    def _compute_booked_amount(self):
        for op in self:
            booked = op.state == "reconciled" or op.held_amount
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
