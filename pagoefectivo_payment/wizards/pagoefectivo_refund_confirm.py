from odoo import fields, models
from odoo.exceptions import AccessError

from ..tools.lima_time import lima_date

ACCOUNTANT_GROUPS = "account.group_account_user,account.group_account_manager"


class PagoEfectivoRefundConfirm(models.TransientModel):
    _name = "pagoefectivo.refund.confirm"
    _description = "Mark a PagoEfectivo refund as refunded"

    transaction_id = fields.Many2one(
        "payment.transaction",
        string="Refund",
        required=True,
        domain=[("operation", "=", "refund"), ("state", "=", "pending")],
    )
    amount = fields.Monetary(compute="_compute_amount")
    currency_id = fields.Many2one(related="transaction_id.currency_id")
    cip = fields.Char(string="CIP", related="transaction_id.pagoefectivo_refund_cip")
    reference = fields.Char(
        string="Portal Reference",
        required=True,
        help="The refund's reference in PagoEfectivo's portal, or of the bank "
        "transfer.",
    )
    refunded_on = fields.Date(
        required=True, default=lambda self: lima_date(fields.Datetime.now())
    )

    def _compute_amount(self):
        for wizard in self:
            wizard.amount = -wizard.transaction_id.amount

    def action_confirm(self):
        """Only accountants: it books money on their word."""
        self.ensure_one()
        if not self.env.user.has_groups(ACCOUNTANT_GROUPS):
            raise AccessError(
                self.env._("Only accountants can mark a refund as refunded.")
            )
        request = self.transaction_id.sudo()
        self.env["payment.transaction"].sudo()._pagoefectivo_confirm_refund(
            request.source_transaction_id,
            -request.amount,
            self.reference.strip(),
            self.refunded_on,
            source="manual",
            request=request,
        )
        return True
