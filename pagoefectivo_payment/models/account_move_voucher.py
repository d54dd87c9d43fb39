import base64
from urllib.parse import urlencode

from odoo import api, fields, models
from odoo.tools.image import image_data_uri

# The voucher's QR code: drawn at twice its printed size, sharp on paper.
QR_CODE_OPTIONS = {"width": 256, "height": 256, "barLevel": "M"}


class AccountMove(models.Model):
    """The voucher of a customer invoice: the CIP its documents may show."""

    _inherit = "account.move"

    pagoefectivo_voucher_id = fields.Many2one(
        "payment.transaction",
        string="PagoEfectivo Voucher",
        compute="_compute_pagoefectivo_voucher_id",
        help="The live PagoEfectivo payment code of this invoice, for at most its "
        "amount due (an installment, for instance): the one its PDF, its email and "
        "its portal page show.",
    )

    # Not stored (it ends at the expiry): these only refresh it within a request,
    # e.g. a voucher issued, then the invoice sent or a payment registered.
    @api.depends(
        "state",
        "amount_residual",
        "transaction_ids.state",
        "transaction_ids.amount",
        "transaction_ids.provider_reference",
        "transaction_ids.pagoefectivo_expiry",
        "transaction_ids.pagoefectivo_delete_pending",
    )
    def _compute_pagoefectivo_voucher_id(self):
        now = fields.Datetime.now()
        # sudo: billing users and portal customers read invoices, not payments.
        for move in self:
            move.pagoefectivo_voucher_id = (
                move.sudo()
                .transaction_ids.filtered(
                    lambda tx, move=move: tx._pagoefectivo_is_printable_for(move, now)
                )
                .sorted("id", reverse=True)[:1]
            )

    def _pagoefectivo_hides_tx_status(self, tx):
        """Whether the portal page hides core's status of its last transaction
        `tx`: when it is the voucher shown below it anyway, or a pending voucher
        that can no longer be paid for what is due (expired, or for more than its
        documents ask). A live voucher for this invoice and others, which the
        page does not show as its own, stays in that status, payable."""
        self.ensure_one()
        if tx.provider_code != "pagoefectivo" or tx.state != "pending":
            return False
        return tx == self.pagoefectivo_voucher_id or not tx._pagoefectivo_is_payable(
            fields.Datetime.now()
        )


class PaymentTransaction(models.Model):
    _inherit = "payment.transaction"

    def _pagoefectivo_is_live(self, now):
        """Whether this voucher can be paid at PagoEfectivo now."""
        self.ensure_one()
        return bool(
            self.provider_code == "pagoefectivo"
            and self.operation != "refund"
            and self.state == "pending"
            and self.provider_reference
            and not self.pagoefectivo_delete_pending
            and self.pagoefectivo_expiry
            and self.pagoefectivo_expiry > now
            and self.currency_id.compare_amounts(self.amount, 0) > 0
        )

    def _pagoefectivo_is_payable(self, now):
        """Whether this voucher is live and asks no more than its order or
        invoices still ask."""
        self.ensure_one()
        if not self._pagoefectivo_is_live(now):
            return False
        left = self._pagoefectivo_amount_left()
        return left is not None and (
            self.currency_id.compare_amounts(self.amount, left) <= 0
        )

    def _pagoefectivo_is_printable_for(self, invoice, now):
        """Whether this voucher may be shown on `invoice`: live at PagoEfectivo,
        not expired, for this invoice only, and for at most what it still asks
        (the whole amount due, an installment, an amount with an early-payment
        discount). An expired, withdrawn or outdated CIP is never printed."""
        self.ensure_one()
        return bool(
            self._pagoefectivo_is_live(now)
            and invoice.state == "posted"
            and invoice.move_type == "out_invoice"
            and self.invoice_ids == invoice
            and self.currency_id == invoice.currency_id
            and self.currency_id.compare_amounts(self.amount, invoice.amount_residual)
            <= 0
        )

    def _pagoefectivo_qr_image(self):
        """The QR code that opens this voucher at PagoEfectivo, drawn by Odoo, as
        an inline image: printing the PDF fetches nothing. None without a
        voucher page."""
        self.ensure_one()
        if not self.pagoefectivo_cip_url:
            return None
        barcode = self.env["ir.actions.report"].barcode(
            "QR", self.pagoefectivo_cip_url, **QR_CODE_OPTIONS
        )
        return image_data_uri(base64.b64encode(barcode))

    def _pagoefectivo_qr_url(self):
        """The same QR code, served by this Odoo, for emails: mail clients show
        no inline image."""
        self.ensure_one()
        if not self.pagoefectivo_cip_url:
            return None
        query = urlencode(
            {
                "barcode_type": "QR",
                "value": self.pagoefectivo_cip_url,
                **QR_CODE_OPTIONS,
            }
        )
        return f"{self.get_base_url()}/report/barcode/?{query}"
