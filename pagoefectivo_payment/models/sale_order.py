from odoo import fields, models
from odoo.tools.misc import format_amount, format_date

from ..tools.lima_time import lima_date


class SaleOrder(models.Model):
    _inherit = "sale.order"

    pagoefectivo_refund_ids = fields.Many2many(
        "payment.transaction",
        string="PagoEfectivo Refunds",
        compute="_compute_pagoefectivo_refund_ids",
    )

    def _compute_pagoefectivo_refund_ids(self):
        for order in self:
            order.pagoefectivo_refund_ids = (
                order.sudo()
                .transaction_ids.child_transaction_ids.filtered(
                    lambda tx: (
                        tx.operation == "refund"
                        and tx.provider_code == "pagoefectivo"
                        and tx.state in ("pending", "done")
                    )
                )
                .sorted("id")
            )

    def _action_cancel(self):
        """A cancelled order's pending vouchers are removed at PagoEfectivo."""
        self.transaction_ids.sudo().action_pagoefectivo_cancel()
        return super()._action_cancel()

    def _pagoefectivo_refund_notes(self):
        """What the customer reads about the order's refunds on the portal."""
        self.ensure_one()
        notes = []
        for refund in self.sudo().pagoefectivo_refund_ids:
            values = {
                "amount": format_amount(self.env, -refund.amount, refund.currency_id),
                "date": format_date(self.env, lima_date(refund.create_date)),
            }
            if refund.state == "done":
                refunded_at = refund.pagoefectivo_paid_at or refund.last_state_change
                values["date"] = format_date(self.env, lima_date(refunded_at))
                notes.append(self.env._("Refunded on %(date)s, %(amount)s", **values))
            else:
                notes.append(
                    self.env._("Refund requested on %(date)s, %(amount)s", **values)
                )
        return notes
