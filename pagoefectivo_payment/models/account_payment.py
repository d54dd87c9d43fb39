from odoo import fields, models


class AccountPayment(models.Model):
    _inherit = "account.payment"

    # A duplicated payment is a new one: the transaction paid only the original.
    payment_transaction_id = fields.Many2one(copy=False)
    pagoefectivo_refund_ids = fields.Many2many(
        "payment.transaction",
        string="PagoEfectivo Refunds",
        compute="_compute_pagoefectivo_refund_ids",
    )

    # One transaction, one payment: Odoo creates a transaction's payment once
    # (refunds and partial captures are transactions of their own), so a
    # second one can only be a double booking of the same money.
    _unique_payment_transaction = models.UniqueIndex(
        "(payment_transaction_id) WHERE payment_transaction_id IS NOT NULL",
        "A payment transaction can have only one payment.",
    )

    def _compute_pagoefectivo_refund_ids(self):
        for payment in self:
            tx = payment.payment_transaction_id.sudo()
            payment.pagoefectivo_refund_ids = (
                tx.child_transaction_ids.filtered(
                    lambda child: child.operation == "refund"
                )
                if tx.provider_code == "pagoefectivo"
                else False
            )

    def _compute_amount_available_for_refund(self):
        """Core counts refunds with a payment only: PagoEfectivo's pending
        requests are taken too, or the same money could be asked back twice."""
        result = super()._compute_amount_available_for_refund()
        for payment in self:
            tx = payment.payment_transaction_id.sudo()
            if tx.provider_code == "pagoefectivo" and tx.operation != "refund":
                payment.amount_available_for_refund = tx._pagoefectivo_refund_left()
        return result
