from odoo import fields, models


class PaymentProvider(models.Model):
    _inherit = "payment.provider"

    pagoefectivo_reminder = fields.Boolean(
        string="Remind Before Expiry",
        help="Email the customer again when an unpaid payment code is about to expire.",
    )
    pagoefectivo_reminder_hours = fields.Integer(
        string="Reminder (hours before expiry)",
        default=6,
    )
