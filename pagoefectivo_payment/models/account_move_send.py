from markupsafe import Markup

from odoo import api, models


class AccountMoveSend(models.AbstractModel):
    """Invoices sent by email get the PagoEfectivo code their journal or
    payment method wants before their PDF is made, and their email carries it,
    as their PDF does."""

    _inherit = "account.move.send"

    @api.model
    def _call_web_service_before_invoice_pdf_render(self, invoices_data):
        """Issue the codes of the invoices sent by email that want one. A code
        that could not be issued is noted on its invoice, which is sent all
        the same; the invoice email carries the code, no voucher email goes
        with it."""
        res = super()._call_web_service_before_invoice_pdf_render(invoices_data)
        wanted = self.env["account.move"].union(
            *(
                invoice
                for invoice, invoice_data in invoices_data.items()
                if "email" in invoice_data["sending_methods"]
                and invoice._pagoefectivo_auto_issue_wanted("send")
            )
        )
        if wanted:
            # Whoever may send an invoice has its code issued (core sends in
            # sudo: salespeople send invoices they may not change).
            wanted.sudo(False).check_access("read")
            wanted.sudo().with_context(
                pagoefectivo_voucher_in_invoice_email=True
            )._pagoefectivo_auto_issue()
        return res

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
