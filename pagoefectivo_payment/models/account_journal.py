from odoo import fields, models


class AccountJournal(models.Model):
    _inherit = "account.journal"

    pagoefectivo_auto_issue = fields.Selection(
        selection=[
            ("never", "Never"),
            ("post", "When posted"),
            ("send", "When sent"),
        ],
        string="Issue PagoEfectivo Codes",
        required=True,
        default="never",
        help="Issue a PagoEfectivo payment code (CIP) for the amount due of this "
        "journal's customer invoices by itself. When posted: a few moments after "
        "posting, and again when sent by email if the invoice has no valid code "
        "any more. When sent: when the invoice is sent by email. Invoices whose "
        "payment method is PagoEfectivo (a preference of their customer) get one "
        "when posted whatever this setting. Nothing is issued for invoices paid "
        "meanwhile nor for what PagoEfectivo does not take; a code that could not "
        "be issued is noted on the invoice.",
    )
