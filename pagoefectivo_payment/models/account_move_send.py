from markupsafe import Markup

from odoo import api, models


class AccountMoveSend(models.AbstractModel):
    """The invoice email carries the invoice's voucher, as its PDF does."""

    _inherit = "account.move.send"

    @api.model
    def _get_mail_params(self, move, move_data):
        """The body, then the voucher block, whichever way the invoice is sent.

        Added as the email leaves, not in the Send wizard's body: the voucher is
        the invoice's live one at that moment, the one its PDF, made just before,
        shows (a code issued on sending included), and the merchant's templates
        stay theirs.
        """
        params = super()._get_mail_params(move, move_data)
        # sudo: whoever sends the invoice shows its voucher.
        voucher = move.pagoefectivo_voucher_id.sudo()
        if not (params and voucher):
            return params
        block = (
            self.env["ir.qweb"]
            .with_context(lang=move_data.get("mail_lang"))
            ._render(
                "pagoefectivo_payment.invoice_voucher_block",
                {"tx": voucher, "qr_src": voucher._pagoefectivo_qr_url()},
            )
        )
        params["body"] = (params.get("body") or Markup()) + block
        return params
