from odoo import fields, models


class PaymentTransaction(models.Model):
    _inherit = "payment.transaction"

    pagoefectivo_operation_ids = fields.One2many(
        "pagoefectivo.operation", "transaction_id", string="PagoEfectivo Operations"
    )
    pagoefectivo_unreported = fields.Boolean(
        string="Not in Any PagoEfectivo File",
        readonly=True,
        copy=False,
        index="btree_not_null",
        help="Confirmed in Odoo, but no PagoEfectivo report or settlement listed "
        "it within the clearing journal's settlement delay.",
    )
