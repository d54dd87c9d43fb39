from odoo import fields, models


class AccountPayment(models.Model):
    _inherit = "account.payment"

    # A duplicated payment is a new one: the transaction paid only the original.
    payment_transaction_id = fields.Many2one(copy=False)

    # One transaction, one payment: Odoo creates a transaction's payment once
    # (refunds and partial captures are transactions of their own), so a
    # second one can only be a double booking of the same money.
    _unique_payment_transaction = models.UniqueIndex(
        "(payment_transaction_id) WHERE payment_transaction_id IS NOT NULL",
        "A payment transaction can have only one payment.",
    )
