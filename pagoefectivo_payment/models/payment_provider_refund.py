from odoo import fields, models


class PaymentProvider(models.Model):
    """Refunds: PagoEfectivo has no refund API. Odoo records the request, the
    merchant refunds in PagoEfectivo's portal, and a confirmation closes it."""

    _inherit = "payment.provider"

    pagoefectivo_refund_days = fields.Integer(
        string="Refund Deadline (days)",
        help="Calendar days to carry out a requested refund in PagoEfectivo's "
        "portal (7 for some goods in Peru).",
        default=7,
    )
    pagoefectivo_refund_reminder_days = fields.Integer(
        string="Refund Reminder (days before deadline)",
        default=2,
    )
    pagoefectivo_refund_user_id = fields.Many2one(
        "res.users",
        string="Refunds Handled By",
        help="Who gets the activity of each refund request. Empty: the user who "
        "requested it.",
        domain=[("share", "=", False)],
    )
    pagoefectivo_refund_notify_customer = fields.Boolean(
        string="Email the Customer When Refunded",
        help="Send the customer an email when PagoEfectivo's refund is confirmed.",
    )

    _pagoefectivo_refund_days_positive = models.Constraint(
        "CHECK(pagoefectivo_refund_days IS NULL OR pagoefectivo_refund_days > 0)",
        "The refund deadline must be at least one day.",
    )
    _pagoefectivo_refund_reminder_days_positive = models.Constraint(
        "CHECK(pagoefectivo_refund_reminder_days IS NULL OR "
        "pagoefectivo_refund_reminder_days >= 0)",
        "The refund reminder cannot come after the deadline.",
    )

    def _compute_feature_support_fields(self):
        result = super()._compute_feature_support_fields()
        self.filtered(lambda p: p.code == "pagoefectivo").support_refund = "partial"
        return result
