from datetime import timedelta

from odoo import fields
from odoo.tests import tagged

from .common import PagoEfectivoCommon


@tagged("post_install", "-at_install")
class TestProviderHealth(PagoEfectivoCommon):
    """The provider's health tab: is PagoEfectivo talking to us?"""

    def _health(self):
        self.provider.invalidate_recordset()
        return self.provider

    def test_last_notification_is_the_last_webhook_call(self):
        self.assertFalse(self._health().pagoefectivo_last_notification_at)
        tx = self._issue_voucher()
        before = fields.Datetime.now() - timedelta(seconds=1)
        self._post_webhook(self._paid_body(tx))
        self.assertGreaterEqual(
            self._health().pagoefectivo_last_notification_at, before
        )

    def test_last_successful_recovery_run_is_shown(self):
        self.assertFalse(self._health().pagoefectivo_last_recovery_at)
        self._issue_voucher()
        self.emulator.set_faults(
            api_errors=[{"path_prefix": "/v1/cips/search", "status": 429}]
        )
        self.env["payment.provider"]._cron_pagoefectivo_recover()
        self.assertFalse(
            self._health().pagoefectivo_last_recovery_at, "its search was refused"
        )
        before = fields.Datetime.now() - timedelta(seconds=1)
        self.env["payment.provider"]._cron_pagoefectivo_recover()
        self.assertGreaterEqual(self._health().pagoefectivo_last_recovery_at, before)

    def test_failed_api_calls_of_the_last_day_are_counted(self):
        self._issue_voucher(amount=45000)  # refused: above the merchant's maximum
        self.assertEqual(self._health().pagoefectivo_api_errors_24h, 1)
        logs = self.env["pagoefectivo.api.log"].search(
            [("provider_id", "=", self.provider.id), ("is_error", "=", True)]
        )
        self.env.cr.execute(
            "UPDATE pagoefectivo_api_log SET create_date = %s WHERE id IN %s",
            (fields.Datetime.now() - timedelta(hours=25), tuple(logs.ids)),
        )
        self.assertEqual(self._health().pagoefectivo_api_errors_24h, 0)

    def test_notifications_needing_review_are_counted(self):
        tx = self._issue_voucher()
        self._post_webhook(self._paid_body(tx, amount=1.0))  # not what was asked
        self.assertEqual(self._health().pagoefectivo_reviews_24h, 1)
