import json
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from unittest.mock import patch

import requests
from freezegun import freeze_time

from odoo import fields
from odoo.tests import tagged

from .. import const
from ..tools.signature import sign_body
from .common import SECRET_KEY, PagoEfectivoCommon


@tagged("post_install", "-at_install")
class TestWebhook(PagoEfectivoCommon):
    def _payments(self, tx):
        return self.env["account.payment"].search(
            [("payment_transaction_id", "=", tx.id)]
        )

    def test_paid_voucher_posts_the_payment_and_pays_the_invoice(self):
        tx = self._issue_voucher()
        invoice = tx.invoice_ids
        with self._odoo_reachable():
            [delivery] = self.emulator.pay(tx.provider_reference)
        self.assertEqual(delivery["status"], 200)
        self.assertEqual(tx.state, "done")
        self.assertTrue(tx.pagoefectivo_paid_at)
        # No customer waits on a status page: payments are posted by the job, soon.
        trigger = self.env["ir.cron.trigger"].search(
            [("cron_id", "=", self.env.ref("payment.cron_post_process_payment_tx").id)],
            order="id desc",
            limit=1,
        )
        self.assertGreater(trigger.call_at, fields.Datetime.now())
        tx._post_process()
        payment = self._payments(tx)
        self.assertEqual(len(payment), 1)
        self.assertIn(payment.state, ("in_process", "paid"), "posted")
        self.assertEqual(payment.amount, invoice.amount_total)
        self.assertIn(tx.provider_reference, payment.memo)
        self.assertIn(invoice.payment_state, ("in_payment", "paid"))
        [notification] = self._notifications(tx)
        self.assertEqual(notification.state, "applied")
        self.assertIn("PE-Signature", json.loads(notification.headers))

    def test_wrong_or_missing_signature_is_refused_and_changes_nothing(self):
        tx = self._issue_voucher()
        for signature in ("bad", ""):
            with self._odoo_reachable():
                [delivery] = self.emulator.notify(
                    "cip.paid", tx.provider_reference, signature=signature
                )
            self.assertEqual(delivery["status"], 403)
        response = self._post_webhook(self._paid_body(tx), secret="X" * 40)
        self.assertEqual(response.status_code, 403, response.text[:3000])
        self.assertEqual(tx.state, "pending")
        self.assertFalse(self._notifications(tx))

    def test_malformed_body_is_refused_and_changes_nothing(self):
        tx = self._issue_voucher()
        for body in (b"{not json", b'["cip.paid"]', b'{"eventType":"cip.paid"}'):
            response = self._post_webhook(body)
            self.assertEqual(response.status_code, 400, body)
        self.assertEqual(tx.state, "pending")
        self.assertFalse(self.env["pagoefectivo.notification"].search_count([]))

    def test_the_same_notification_twice_pays_once(self):
        tx = self._issue_voucher()
        self.emulator.set_faults(duplicate=1)
        with self._odoo_reachable():
            deliveries = self.emulator.pay(tx.provider_reference)
        self.assertEqual([d["status"] for d in deliveries], [200, 200])
        tx._post_process()
        self.assertEqual(len(self._payments(tx)), 1)
        self.assertEqual(
            self._notifications(tx).mapped("state"), ["applied", "duplicate"]
        )

    def test_parallel_duplicates_pay_once(self):
        tx = self._issue_voucher()
        body = json.dumps(self._paid_body(tx), separators=(",", ":")).encode()
        headers = {
            "Content-Type": "application/json",
            const.SIGNATURE_HEADER: sign_body(SECRET_KEY, body),
        }
        url = self.base_url() + const.WEBHOOK_ROUTE

        def send(_index):
            return requests.post(
                url, data=body, headers=headers, timeout=30
            ).status_code

        with self._odoo_reachable(), ThreadPoolExecutor(4) as pool:
            statuses = list(pool.map(send, range(4)))
        self.assertEqual(statuses, [200] * 4)
        tx._post_process()
        self.assertEqual(len(self._payments(tx)), 1)
        self.assertEqual(
            sorted(self._notifications(tx).mapped("state")),
            ["applied", "duplicate", "duplicate", "duplicate"],
        )

    def test_amount_mismatch_is_flagged_and_the_transaction_left_alone(self):
        tx = self._issue_voucher()
        invoice = tx.invoice_ids
        with self._odoo_reachable():
            [delivery] = self.emulator.pay(tx.provider_reference, amount="15.05")
        self.assertEqual(delivery["status"], 200)
        self.assertEqual(tx.state, "pending")
        [notification] = self._notifications(tx)
        self.assertEqual(
            (notification.state, notification.review_reason),
            ("review", "amount_mismatch"),
        )
        self.assertIn("15.05", notification.outcome)
        self.assertIn(
            "PagoEfectivo payment does not match",
            invoice.activity_ids.mapped("summary"),
        )

    def test_a_mismatch_notified_twice_is_flagged_once(self):
        tx = self._issue_voucher()
        self.emulator.set_faults(duplicate=1)
        with self._odoo_reachable():
            self.emulator.pay(tx.provider_reference, amount="15.05")
        self.assertEqual(
            self._notifications(tx).mapped("state"), ["review", "duplicate"]
        )
        self.assertEqual(len(tx.invoice_ids.activity_ids), 1)

    def test_currency_mismatch_is_flagged(self):
        tx = self._issue_voucher()
        with self._odoo_reachable():
            self.emulator.pay(tx.provider_reference, currency="USD")
        self.assertEqual(tx.state, "pending")
        self.assertEqual(self._notifications(tx).review_reason, "currency_mismatch")

    def test_payment_after_expiry_is_kept_and_raises_an_activity(self):
        tx = self._issue_voucher()
        invoice = tx.invoice_ids
        with self._odoo_reachable():
            self.emulator.expire(tx.provider_reference, notify=True)
        self.assertEqual(tx.state, "cancel")
        # The customer paid at an agent just before the expiry; the news comes late.
        with self._odoo_reachable():
            self.emulator.notify(
                "cip.paid", tx.provider_reference, currency="PEN", amount=tx.amount
            )
        self.assertEqual(tx.state, "done")
        [activity] = invoice.activity_ids
        self.assertEqual(
            activity.summary, "Paid after its voucher expired or was cancelled"
        )
        self.assertEqual(activity.user_id, invoice.invoice_user_id, "not public")

    def test_payment_dated_after_the_expiry_raises_an_activity(self):
        tx = self._issue_voucher()
        invoice = tx.invoice_ids
        late = tx.pagoefectivo_expiry + timedelta(hours=1)
        with freeze_time(late), self._odoo_reachable():
            self.emulator.notify(
                "cip.paid",
                tx.provider_reference,
                currency="PEN",
                amount=tx.amount,
                paymentDate=(late - timedelta(hours=5)).isoformat() + "-05:00",
            )
        self.assertEqual(tx.state, "done")
        self.assertIn(
            "Paid after its voucher expired or was cancelled",
            invoice.activity_ids.mapped("summary"),
        )

    def test_unknown_cip_and_unknown_event_are_stored_for_review(self):
        tx = self._issue_voucher()
        response = self._post_webhook(
            self._paid_body(tx, cip="99999999", transactionCode="NOPE")
        )
        self.assertEqual(response.status_code, 200)
        response = self._post_webhook(
            {"eventType": "cip.updated", "data": {"cip": tx.provider_reference}}
        )
        self.assertEqual(response.status_code, 200)
        notifications = self.env["pagoefectivo.notification"].search([], order="id")
        self.assertEqual(
            notifications.mapped("review_reason"), ["unknown_cip", "unknown_event"]
        )
        self.assertEqual(set(notifications.mapped("state")), {"review"})
        self.assertEqual(tx.state, "pending")

    def test_expired_and_deleted_events_cancel_a_pending_voucher(self):
        for event in ("cip.expired", "cip.deleted"):
            tx = self._issue_voucher()
            with self._odoo_reachable():
                self.emulator.notify(event, tx.provider_reference)
            self.assertEqual(tx.state, "cancel", event)
            self.assertEqual(self._notifications(tx).state, "applied")

    def test_refund_event_is_kept_for_accounting(self):
        tx = self._issue_voucher()
        with self._odoo_reachable():
            self.emulator.pay(tx.provider_reference)
            self.emulator.refund(tx.provider_reference, notify=True)
        self.assertEqual(tx.state, "done")
        refund = self._notifications(tx).filtered(
            lambda n: n.event_type == "cip.refunded"
        )
        self.assertEqual(
            (refund.state, refund.review_reason), ("review", "refund_unrequested")
        )

    def test_a_failure_while_applying_keeps_the_notification_for_review(self):
        tx = self._issue_voucher()
        with (
            patch.object(type(tx), "_set_done", side_effect=RuntimeError("boom")),
            self._odoo_reachable(),
        ):
            [delivery] = self.emulator.pay(tx.provider_reference)
        self.assertEqual(delivery["status"], 200)
        self.assertEqual(tx.state, "pending")
        [notification] = self._notifications(tx)
        self.assertEqual(
            (notification.state, notification.review_reason), ("review", "error")
        )
        # Once the cause is gone, a human applies it again.
        notification.action_retry()
        self.assertEqual(notification.state, "applied")
        self.assertEqual(tx.state, "done")

    def test_previous_secret_verifies_during_its_grace_period(self):
        tx = self._issue_voucher()
        body = self._paid_body(tx)
        self.provider.pagoefectivo_secret_key = "N" * 40
        self.assertEqual(self._post_webhook(body, secret=SECRET_KEY).status_code, 200)
        [notification] = self._notifications(tx)
        self.assertTrue(notification.signed_with_previous_key)
        after_grace = fields.Datetime.now() + timedelta(hours=73)
        with freeze_time(after_grace):
            self.assertEqual(
                self._post_webhook(body, secret=SECRET_KEY).status_code, 403
            )
            self.assertEqual(self._post_webhook(body, secret="N" * 40).status_code, 200)
