from odoo import fields, models

CONFIRMATION_SOURCES = [
    ("webhook", "PagoEfectivo notification"),
    ("settlement", "Settlement report"),
    ("manual", "Marked by hand"),
]


class PagoEfectivoRefundConfirmation(models.Model):
    """One source's word that PagoEfectivo refunded a payment: each source
    confirms a refund once, whichever source came first."""

    _name = "pagoefectivo.refund.confirmation"
    _description = "PagoEfectivo Refund Confirmation"
    _order = "id"

    source_transaction_id = fields.Many2one(
        "payment.transaction",
        string="Refunded Transaction",
        required=True,
        index=True,
        ondelete="cascade",
    )
    refund_transaction_id = fields.Many2one(
        "payment.transaction",
        string="Refund",
        required=True,
        index=True,
        ondelete="cascade",
    )
    company_id = fields.Many2one(
        related="source_transaction_id.company_id", store=True, index=True
    )
    source = fields.Selection(CONFIRMATION_SOURCES, required=True)
    reference = fields.Char(
        required=True,
        help="The source's own reference: the notification's operation number, "
        "the settlement row, or the reference in PagoEfectivo's portal.",
    )
    refunded_at = fields.Datetime(string="Refunded On")
    currency_id = fields.Many2one(related="source_transaction_id.currency_id")
    amount = fields.Monetary()

    _unique_reference = models.UniqueIndex(
        "(source_transaction_id, source, reference)",
        "This confirmation was already recorded.",
    )
