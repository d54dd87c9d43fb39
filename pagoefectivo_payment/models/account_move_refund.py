from odoo import api, fields, models
from odoo.exceptions import UserError


class AccountMove(models.Model):
    """A customer credit note paid back through the PagoEfectivo payment of
    the invoice it reverses: Odoo's Refund of that payment, for what the
    credit note still owes, whose refund payment settles the credit note."""

    _inherit = "account.move"

    pagoefectivo_refundable_payment_id = fields.Many2one(
        "account.payment",
        string="PagoEfectivo Payment to Refund",
        compute="_compute_pagoefectivo_refundable_payment_id",
    )

    @api.depends(
        "move_type", "state", "payment_state", "reversed_entry_id.transaction_ids"
    )
    def _compute_pagoefectivo_refundable_payment_id(self):
        for move in self:
            move.pagoefectivo_refundable_payment_id = (
                move._pagoefectivo_refundable_transaction().payment_id.id
            )

    def _pagoefectivo_refundable_transaction(self):
        """The PagoEfectivo payment of the invoice this open credit note
        reverses, in its currency, with something left to refund (sudo:
        billing users read invoices, not always their transactions)."""
        self.ensure_one()
        Transaction = self.env["payment.transaction"].sudo()
        if not (
            self.move_type == "out_refund"
            and self.state == "posted"
            and self.payment_state in ("not_paid", "partial")
            and self.reversed_entry_id
        ):
            return Transaction
        for tx in self.reversed_entry_id.sudo().transaction_ids:
            if (
                tx.provider_code == "pagoefectivo"
                and tx.operation != "refund"
                and tx.state == "done"
                and tx.payment_id
                and tx.currency_id == self.currency_id
                and tx.partner_id.commercial_partner_id == self.commercial_partner_id
                and tx.currency_id.compare_amounts(tx._pagoefectivo_refund_left(), 0)
                > 0
            ):
                return tx
        return Transaction

    def action_pagoefectivo_refund(self):
        """Odoo's Refund wizard on the payment, for what this credit note
        still owes (at most what is left to refund), remembering the credit
        note."""
        self.ensure_one()
        tx = self._pagoefectivo_refundable_transaction()
        if not tx:
            raise UserError(
                self.env._(
                    "%(move)s cannot be refunded through PagoEfectivo: it must be a "
                    "posted, unpaid credit note reversing an invoice paid through "
                    "PagoEfectivo, with something left to refund.",
                    move=self.display_name,
                )
            )
        left = tx._pagoefectivo_refund_left()
        amount = (
            left
            if tx.currency_id.compare_amounts(left, self.amount_residual) < 0
            else self.amount_residual
        )
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Refund through PagoEfectivo"),
            "res_model": "payment.refund.wizard",
            "view_mode": "form",
            "target": "new",
            "context": {
                "active_id": tx.payment_id.id,
                "active_model": "account.payment",
                "default_amount_to_refund": amount,
                "default_pagoefectivo_credit_note_id": self.id,
            },
        }
