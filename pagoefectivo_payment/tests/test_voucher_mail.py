from datetime import timedelta

from odoo import fields
from odoo.tests import tagged
from odoo.tools import mute_logger

from .common import PagoEfectivoCommon


@tagged("post_install", "-at_install")
class TestVoucherMail(PagoEfectivoCommon):
    def _mails(self, tx):
        return self.env["mail.mail"].search(
            [("model", "=", "payment.transaction"), ("res_id", "=", tx.id)], order="id"
        )

    def _expiring_in(self, tx, hours):
        tx.pagoefectivo_expiry = fields.Datetime.now() + timedelta(hours=hours)

    def test_the_customer_gets_the_voucher_by_email_when_the_cip_is_issued(self):
        tx = self._issue_voucher()
        mail = self._mails(tx)
        self.assertEqual(len(mail), 1)
        self.assertEqual(mail.recipient_ids.email, "juan.perez@example.pe")
        self.assertIn(tx.provider_reference, mail.subject)
        for shown in (
            tx.provider_reference,
            "150.50",
            tx._pagoefectivo_expiry_lima(),
            tx.pagoefectivo_cip_url,
            "Agents and bodegas",
        ):
            self.assertIn(shown, mail.body_html)
        self.assertNotIn("expires soon", mail.body_html)

    def test_no_email_when_no_cip_was_issued(self):
        tx = self._issue_voucher(amount=45000)  # above the merchant's maximum
        self.assertEqual(tx.state, "error")
        self.assertFalse(self._mails(tx))

    def test_a_broken_template_does_not_cost_the_customer_the_code(self):
        template = self.env.ref("pagoefectivo_payment.mail_template_voucher")
        template.body_html = '<p t-out="object.no_such_field"/>'
        with mute_logger(
            "odoo.addons.pagoefectivo_payment.models.payment_transaction_voucher_mail"
        ):
            tx = self._issue_voucher()
        self.assertEqual(tx.state, "pending")
        self.assertTrue(tx.provider_reference)
        self.assertFalse(self._mails(tx))

    def test_no_reminder_unless_the_merchant_turns_it_on(self):
        tx = self._issue_voucher()
        self._expiring_in(tx, 1)
        self.env["payment.transaction"]._cron_pagoefectivo_remind()
        self.assertEqual(len(self._mails(tx)), 1, "only the voucher itself")

    def test_one_reminder_shortly_before_expiry(self):
        self.provider.write(
            {"pagoefectivo_reminder": True, "pagoefectivo_reminder_hours": 6}
        )
        soon, later = self._issue_voucher(), self._issue_voucher()
        self._expiring_in(soon, 2)
        self._expiring_in(later, 10)
        remind = self.env["payment.transaction"]._cron_pagoefectivo_remind
        remind()
        remind()
        self.assertEqual(len(self._mails(soon)), 2, "the voucher, then one reminder")
        self.assertIn("expires soon", self._mails(soon)[-1].body_html)
        self.assertEqual(len(self._mails(later)), 1, "not yet")

    def test_an_extended_voucher_is_reminded_again_before_its_new_expiry(self):
        self.provider.pagoefectivo_reminder = True
        tx = self._issue_voucher()
        self._expiring_in(tx, 1)
        remind = self.env["payment.transaction"]._cron_pagoefectivo_remind
        remind()
        tx._pagoefectivo_extend(fields.Datetime.now() + timedelta(hours=3))
        remind()
        self.assertEqual(len(self._mails(tx)), 3, "the voucher and two reminders")

    def test_paid_vouchers_get_no_reminder(self):
        self.provider.pagoefectivo_reminder = True
        tx = self._issue_voucher()
        self._expiring_in(tx, 1)
        with self._odoo_reachable():
            self.emulator.pay(tx.provider_reference)
        self.assertEqual(tx.state, "done")
        self.env["payment.transaction"]._cron_pagoefectivo_remind()
        self.assertEqual(len(self._mails(tx)), 1)
