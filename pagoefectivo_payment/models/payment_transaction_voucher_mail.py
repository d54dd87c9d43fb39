from datetime import timedelta

from odoo import api, fields, models
from odoo.fields import Domain

from odoo.addons.payment.logging import get_payment_logger

_logger = get_payment_logger(__name__)


class PaymentTransaction(models.Model):
    """The voucher by email: when the CIP is issued, and before it expires."""

    _inherit = "payment.transaction"

    pagoefectivo_reminder_sent = fields.Boolean(
        string="Expiry Reminder Sent", readonly=True, copy=False
    )

    def _pagoefectivo_issue_cip(self):
        res = super()._pagoefectivo_issue_cip()
        # An invoice sent by email carries its code itself: no second email.
        if self.state == "pending" and not self.env.context.get(
            "pagoefectivo_voucher_in_invoice_email"
        ):
            self._pagoefectivo_send_voucher()
        return res

    def _pagoefectivo_extend(self, new_expiry):
        res = super()._pagoefectivo_extend(new_expiry)
        self.pagoefectivo_reminder_sent = False
        return res

    def _pagoefectivo_send_voucher(self, reminder=False):
        """Queue the voucher email. A template the merchant broke or removed is
        logged: it must not cost the customer the code just issued."""
        self.ensure_one()
        template = self.env.ref(
            "pagoefectivo_payment.mail_template_voucher", raise_if_not_found=False
        )
        if not (template and self.partner_email):
            return
        try:
            with self.env.cr.savepoint():
                template.with_context(pagoefectivo_reminder=reminder).sudo().send_mail(
                    self.id, email_layout_xmlid="mail.mail_notification_light"
                )
        except Exception:
            _logger.exception("Could not email the voucher of %s", self.reference)

    @api.model
    def _cron_pagoefectivo_remind(self):
        """Remind once, within the provider's hours before expiry, if enabled."""
        now = fields.Datetime.now()
        txs = self.search(
            Domain("provider_code", "=", "pagoefectivo")
            & Domain("state", "=", "pending")
            & Domain("provider_id.pagoefectivo_reminder", "=", True)
            & Domain("pagoefectivo_reminder_sent", "=", False)
            & Domain("pagoefectivo_expiry", ">", now)
        )
        for tx in txs:
            hours = tx.provider_id.pagoefectivo_reminder_hours
            if tx.pagoefectivo_expiry <= now + timedelta(hours=hours):
                tx._pagoefectivo_send_voucher(reminder=True)
                tx.pagoefectivo_reminder_sent = True
