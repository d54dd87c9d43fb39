from datetime import timedelta
from unittest.mock import patch

from freezegun import freeze_time

from odoo import fields
from odoo.tests import tagged

from .common import PagoEfectivoCommon


@tagged("post_install", "-at_install")
class TestRecoveryAndLifecycle(PagoEfectivoCommon):
    def _recover(self):
        self.env["payment.provider"]._cron_pagoefectivo_recover()

    def _status(self, tx):
        return self.emulator.cips[int(tx.provider_reference)]["statusName"]

    def test_lost_notification_is_recovered_by_the_job(self):
        tx = self._issue_voucher()
        other = self._issue_voucher()
        self.emulator.set_faults(drop=1)
        with self._odoo_reachable():
            self.emulator.pay(tx.provider_reference)
        self.assertEqual(tx.state, "pending", "the notification was lost")
        self._recover()
        self.assertEqual(tx.state, "done")
        self.assertEqual(other.state, "pending", "an unpaid voucher is left alone")
        [notification] = self._notifications(tx)
        self.assertEqual(
            (notification.source, notification.state), ("recovery", "applied")
        )
        tx._post_process()
        self.assertTrue(tx.payment_id)
        self._recover()
        self.assertEqual(len(self._notifications(tx)), 1, "done is no longer searched")

    def test_the_job_trusts_pagoefectivo_record_over_an_odd_notification(self):
        tx = self._issue_voucher()
        with self._odoo_reachable():
            self.emulator.pay(tx.provider_reference, amount="15.05")
        self.assertEqual(tx.state, "pending")
        # The search says the voucher was paid for its own amount.
        self._recover()
        self.assertEqual(tx.state, "done")
        self.assertEqual(
            self._notifications(tx).mapped("review_reason"), ["amount_mismatch", False]
        )

    def test_a_recovered_notification_can_be_applied_again(self):
        tx = self._issue_voucher()
        self.emulator.set_faults(drop=1)
        with self._odoo_reachable():
            self.emulator.pay(tx.provider_reference)
        with patch.object(type(tx), "_set_done", side_effect=RuntimeError("boom")):
            self._recover()
        [notification] = self._notifications(tx)
        self.assertEqual(notification.review_reason, "error")
        notification.action_retry()
        self.assertEqual((notification.state, tx.state), ("applied", "done"))

    def test_recovery_searches_in_batches(self):
        txs = [self._issue_voucher(amount=10 + n) for n in range(3)]
        with self._odoo_reachable():
            self.emulator.set_faults(drop=3)
            for tx in txs:
                self.emulator.pay(tx.provider_reference)
        self.patch(
            type(self.env["payment.provider"]),
            "_pagoefectivo_search_batch_size",
            lambda self: 2,
        )
        self._recover()
        self.assertEqual({tx.state for tx in txs}, {"done"})
        searches = [
            c for c in self.emulator.api_calls if c["path"] == "/v1/cips/search"
        ]
        self.assertEqual(len(searches), 2)

    def test_expired_voucher_is_cancelled_by_the_job(self):
        tx = self._issue_voucher()
        self.emulator.expire(tx.provider_reference)
        self._recover()
        self.assertEqual(tx.state, "cancel")

    def test_job_leaves_a_voucher_alone_when_the_search_fails(self):
        tx = self._issue_voucher()
        self.emulator.set_faults(
            api_errors=[{"path_prefix": "/v1/cips/search", "status": 500, "times": 1}]
        )
        self._recover()
        self.assertEqual(tx.state, "pending")

    def test_cancelling_a_transaction_deletes_its_cip(self):
        tx = self._issue_voucher()
        tx.action_pagoefectivo_cancel()
        self.assertEqual(tx.state, "cancel")
        self.env["payment.transaction"]._cron_pagoefectivo_delete_withdrawn()
        self.assertEqual(self._status(tx), "Eliminada")

    def test_cancelling_the_sale_order_deletes_its_cip(self):
        tx = self._issue_order_voucher()
        order = tx.sale_order_ids
        self.assertEqual(tx.state, "pending")
        order._action_cancel()
        self.assertEqual(tx.state, "cancel")
        self.env["payment.transaction"]._cron_pagoefectivo_delete_withdrawn()
        self.assertEqual(self._status(tx), "Eliminada")

    def test_extending_moves_the_expiry_and_reopens_an_expired_voucher(self):
        tx = self._issue_voucher()
        self.emulator.expire(tx.provider_reference)
        self._recover()
        self.assertEqual(tx.state, "cancel")
        new_expiry = fields.Datetime.now().replace(microsecond=0) + timedelta(days=3)
        wizard = (
            self.env["pagoefectivo.extend.voucher"]
            .with_context(default_transaction_id=tx.id)
            .create({"new_expiry": new_expiry})
        )
        wizard.action_extend()
        self.assertEqual(tx.state, "pending")
        self.assertEqual(tx.pagoefectivo_expiry, new_expiry)
        self.assertEqual(self._status(tx), "Generado")
        with self._odoo_reachable():
            self.emulator.pay(tx.provider_reference)
        self.assertEqual(tx.state, "done")

    def test_audit_log_is_searchable_and_purged_after_retention(self):
        tx = self._issue_voucher()
        self._prepare_user(self.env.user, "base.group_system")  # administrators see it
        logs = self.env["pagoefectivo.api.log"]
        self.assertTrue(logs.search([("cip", "=", tx.provider_reference)]))
        self.assertTrue(logs.search([("reference", "=", tx.reference)]))
        self.provider.pagoefectivo_log_retention_days = 30
        with freeze_time(fields.Datetime.now() + timedelta(days=29)):
            self.env["payment.provider"]._cron_pagoefectivo_purge_audit()
        self.assertTrue(logs.search([("reference", "=", tx.reference)]))
        with freeze_time(fields.Datetime.now() + timedelta(days=31)):
            self.env["payment.provider"]._cron_pagoefectivo_purge_audit()
        self.assertFalse(logs.search([("reference", "=", tx.reference)]))
