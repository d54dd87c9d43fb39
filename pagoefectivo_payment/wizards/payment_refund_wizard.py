from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.fields import Command
from odoo.tools.misc import format_amount


class PaymentRefundWizard(models.TransientModel):
    _inherit = "payment.refund.wizard"

    # A double click submits the same wizard twice: it makes one request.
    pagoefectivo_refund_transaction_id = fields.Many2one(
        "payment.transaction", string="Refund Requested", readonly=True
    )
    # Asked from a credit note (account_move_refund.py): the request pays it,
    # so core's `_create_payment` reconciles the refund payment with it.
    pagoefectivo_credit_note_id = fields.Many2one(
        "account.move", string="Credit Note", readonly=True
    )

    @api.constrains("amount_to_refund")
    def _check_amount_to_refund_within_boundaries(self):
        """For PagoEfectivo, say how much is left: pending requests count too."""
        pagoefectivo = self.filtered(
            lambda w: w.transaction_id.sudo().provider_code == "pagoefectivo"
        )
        for wizard in pagoefectivo:
            wizard.transaction_id.sudo()._pagoefectivo_check_refundable(
                wizard.amount_to_refund
            )
        return super(
            PaymentRefundWizard, self - pagoefectivo
        )._check_amount_to_refund_within_boundaries()

    def action_refund(self):
        self.ensure_one()
        tx = self.transaction_id.sudo()
        if tx.provider_code != "pagoefectivo":
            return super().action_refund()
        requested = self.pagoefectivo_refund_transaction_id.sudo()
        if requested:
            return requested._build_action_feedback_notification()
        credit_note = self.pagoefectivo_credit_note_id
        if credit_note:
            self._pagoefectivo_check_credit_note(credit_note)
        result = super().action_refund()
        # `_refund` locked the payment's refunds: the newest is the one it made.
        request = tx.search(
            [("source_transaction_id", "=", tx.id), ("operation", "=", "refund")],
            order="id desc",
            limit=1,
        )
        self.pagoefectivo_refund_transaction_id = request
        if credit_note:
            request.invoice_ids = [Command.link(credit_note.id)]
        return result

    def _pagoefectivo_check_credit_note(self, credit_note):
        self.ensure_one()
        tx = credit_note._pagoefectivo_refundable_transaction()
        if tx.payment_id != self.payment_id:
            raise UserError(
                self.env._(
                    "%(move)s is not a credit note of the invoice this payment "
                    "paid, or nothing is left to refund of it.",
                    move=credit_note.display_name,
                )
            )
        currency = credit_note.currency_id
        asked = tx.search(
            [
                ("invoice_ids", "in", credit_note.ids),
                ("operation", "=", "refund"),
                ("state", "=", "pending"),
            ]
        )
        residual = currency.round(
            credit_note.amount_residual + sum(asked.mapped("amount"))
        )
        if currency.compare_amounts(self.amount_to_refund, residual) > 0:
            raise UserError(
                self.env._(
                    "%(move)s owes the customer %(residual)s not yet asked back "
                    "from PagoEfectivo: refund at most that.",
                    move=credit_note.display_name,
                    residual=format_amount(self.env, residual, currency),
                )
            )
