from odoo import models


class AccountMove(models.Model):
    _inherit = "account.move"

    def button_draft(self):
        """An invoice reset to draft, or cancelled (which resets it first), no
        longer asks what its vouchers ask: they are withdrawn."""
        # sudo: billing users reset invoices without rights on transactions.
        # An order's vouchers follow the order, not one of its invoices.
        # A refund request of a credit note is withdrawn by hand only.
        self.sudo().transaction_ids.filtered(
            lambda tx: not tx.sale_order_ids and tx.operation != "refund"
        )._pagoefectivo_withdraw(
            self.env._("Its invoice was reset to draft or cancelled.")
        )
        return super().button_draft()
