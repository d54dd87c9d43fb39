from odoo import api, models


class AccountMoveSend(models.AbstractModel):
    """Invoices whose journal or payment method wants a PagoEfectivo code when
    sent get it before their documents are made, whichever way they are sent
    (the Send wizard, several at once, the sending job)."""

    _inherit = "account.move.send"

    @api.model
    def _generate_and_send_invoices(self, moves, *args, **kwargs):
        moves._pagoefectivo_auto_issue("send")
        return super()._generate_and_send_invoices(moves, *args, **kwargs)
