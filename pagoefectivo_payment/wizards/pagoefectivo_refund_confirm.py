from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.tools.misc import format_date

from ..const import ACCOUNTANT_GROUPS
from ..models.payment_transaction_refund import CONFIRMED
from ..tools.lima_time import lima_date


class PagoEfectivoRefundConfirm(models.TransientModel):
    _name = "pagoefectivo.refund.confirm"
    _description = "Mark a PagoEfectivo refund as refunded"

    transaction_id = fields.Many2one(
        "payment.transaction",
        string="Refund",
        required=True,
        domain=[("operation", "=", "refund"), ("state", "=", "pending")],
    )
    amount = fields.Monetary(
        string="Refunded Amount",
        compute="_compute_amount",
        store=True,
        readonly=False,
        help="What PagoEfectivo refunded: at most what the request asked for.",
    )
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

    @api.depends("transaction_id")
    def _compute_amount(self):
        for wizard in self:
            wizard.amount = -wizard.transaction_id.amount

    def action_confirm(self):
        """Only accountants, allowed to change this PagoEfectivo refund request
        of one of their companies: it books money on their word."""
        self.ensure_one()
        if not self.env.user.has_groups(ACCOUNTANT_GROUPS):
            raise AccessError(
                self.env._("Only accountants can mark a refund as refunded.")
            )
        request = self.transaction_id
        request.check_access("write")
        if request.company_id not in self.env.companies:
            raise AccessError(
                self.env._(
                    "Refund %(reference)s belongs to a company you are not working in.",
                    reference=request.reference,
                )
            )
        if not request._pagoefectivo_is_refund_request():
            raise UserError(
                self.env._(
                    "Only a pending PagoEfectivo refund request can be marked "
                    "refunded: %(reference)s is not one.",
                    reference=request.reference,
                )
            )
        today = lima_date(fields.Datetime.now())
        if self.refunded_on > today:
            raise UserError(
                self.env._(
                    "The refund date cannot be later than today (%(today)s).",
                    today=format_date(self.env, today),
                )
            )
        request = request.sudo()
        outcome, refund = (
            self.env["payment.transaction"]
            .sudo()
            ._pagoefectivo_confirm_refund(
                request.source_transaction_id,
                self.amount,
                self.reference.strip(),
                self.refunded_on,
                source="manual",
                request=request,
            )
        )
        if outcome != CONFIRMED:
            raise UserError(
                self.env._(
                    "The portal reference %(reference)s was already recorded for "
                    "refund %(refund)s, or this refund was confirmed already: "
                    "nothing was booked.",
                    reference=self.reference.strip(),
                    refund=refund.reference or request.reference,
                )
            )
        return True
