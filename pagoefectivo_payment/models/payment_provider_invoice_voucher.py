from odoo import api, fields, models
from odoo.exceptions import ValidationError


class PaymentProvider(models.Model):
    """What becomes of an invoice's PagoEfectivo code when the invoice's amount
    due changes, and when the code expires unpaid."""

    _inherit = "payment.provider"

    pagoefectivo_invoice_replace = fields.Boolean(
        string="Replace Codes When the Amount Due Changes",
        help="When a payment or a credit note changes what an invoice asks while "
        "it has a code for its former amount due, withdraw that code and issue "
        "one for the new amount due at once. Otherwise the code is replaced "
        "when the invoice is issued a code again, or sent with codes.",
    )
    pagoefectivo_invoice_renew = fields.Boolean(
        string="Renew Expired Invoice Codes",
        help="When an invoice's code expires unpaid and the invoice is still due, "
        "issue a new code for its amount due and email it to the customer. "
        "Otherwise, or past the number of renewals, the invoice's salesperson "
        "gets an activity.",
    )
    pagoefectivo_invoice_renewals_max = fields.Integer(
        string="Renewals per Invoice",
        default=3,
        help="How many times an invoice's code is renewed at most.",
    )
    pagoefectivo_invoice_user_id = fields.Many2one(
        "res.users",
        string="Expired Codes Responsible",
        domain=[("share", "=", False)],
        help="Gets the activity for an expired code of an invoice without a "
        "salesperson. By default, the administrator.",
    )

    @api.constrains("pagoefectivo_invoice_renewals_max")
    def _check_pagoefectivo_invoice_renewals_max(self):
        if any(provider.pagoefectivo_invoice_renewals_max < 0 for provider in self):
            raise ValidationError(
                self.env._("The number of renewals per invoice cannot be negative.")
            )
