from odoo import models


class SaleOrder(models.Model):
    _inherit = "sale.order"

    def _action_cancel(self):
        """A cancelled order's pending vouchers are removed at PagoEfectivo."""
        self.transaction_ids.sudo().action_pagoefectivo_cancel()
        return super()._action_cancel()
