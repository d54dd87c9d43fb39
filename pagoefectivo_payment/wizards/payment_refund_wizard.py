from odoo import api, models


class PaymentRefundWizard(models.TransientModel):
    _inherit = "payment.refund.wizard"

    @api.constrains("amount_to_refund")
    def _check_amount_to_refund_within_boundaries(self):
        """For PagoEfectivo, say how much is left: pending requests count too."""
        pagoefectivo = self.filtered(
            lambda w: w.transaction_id.sudo().provider_code == "pagoefectivo"
        )
        for wizard in pagoefectivo:
            wizard.transaction_id.sudo()._pagoefectivo_check_refundable(
                wizard.amount_to_refund
            )
        return super(
            PaymentRefundWizard, self - pagoefectivo
        )._check_amount_to_refund_within_boundaries()
