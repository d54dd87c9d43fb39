from datetime import timedelta

from odoo import api, fields, models
from odoo.fields import Domain


class PaymentTransaction(models.Model):
    """The voucher by email: when the CIP is issued, and before it expires."""

    _inherit = "payment.transaction"

    pagoefectivo_reminder_sent = fields.Boolean(
        string="Expiry Reminder Sent", readonly=True, copy=False
    )

    def _pagoefectivo_issue_cip(self):
        super()._pagoefectivo_issue_cip()
        if self.state == "pending":
            self._pagoefectivo_send_voucher()

    def _pagoefectivo_extend(self, new_expiry):
        super()._pagoefectivo_extend(new_expiry)
        self.pagoefectivo_reminder_sent = False

    def _pagoefectivo_send_voucher(self, reminder=False):
        self.ensure_one()
        if not self.partner_email:
            return
        self.env.ref("pagoefectivo_payment.mail_template_voucher").with_context(
            pagoefectivo_reminder=reminder
        ).sudo().send_mail(self.id, email_layout_xmlid="mail.mail_notification_light")

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
