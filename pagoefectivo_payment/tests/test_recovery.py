import logging
import uuid
from datetime import datetime, timedelta, timezone

from freezegun import freeze_time

from odoo import api, fields, sql_db
from odoo.fields import Command
from odoo.tests import get_db_name, tagged
from odoo.tools import mute_logger

from pagoefectivo_emulator import Emulator

from .. import const
from .common import ACCESS_KEY, SECRET_KEY, SERVICE_ID, PagoEfectivoCommon

CRON_LOGGER = "odoo.addons.pagoefectivo_payment.models.payment_provider_cron"
SEARCH_PATH = "/v1/cips/search"


def _searched_cips(emulator):
    """The CIPs `emulator` was asked about, in the order asked."""
    return [
        str(item["cip"])
        for call in emulator.api_calls
        if call["path"] == SEARCH_PATH
        for item in call["body"]["data"]
    ]


class RecoveryCommon(PagoEfectivoCommon):
    def _recover(self):
        self.env["payment.provider"]._cron_pagoefectivo_recover()

    def _start_emulator(self):
        """Another PagoEfectivo API base for the same merchant account."""
        emulator = Emulator(
            service_id=SERVICE_ID,
            access_key=ACCESS_KEY,
            secret_key=SECRET_KEY,
            token_ttl=3600,
        ).start()
        self.addCleanup(emulator.stop)
        return emulator

    def _point_to(self, emulator, provider=None):
        provider = provider or self.provider
        provider.pagoefectivo_base_url = emulator.base_url + "/v1/"
        return provider


@tagged("post_install", "-at_install")
class TestRecovery(RecoveryCommon):
    """The recovery job finishes: every CIP that may still change is searched
    where it was issued, and what the search no longer knows ends too."""

    def test_a_transaction_records_where_its_cip_was_issued(self):
        tx = self._issue_voucher()
        self.assertEqual(tx.pagoefectivo_environment, "test")
        self.assertEqual(tx.pagoefectivo_api_base, self.emulator.base_url + "/v1")

    def test_a_cip_the_search_forgot_is_cancelled_after_the_grace_period(self):
        tx = self._issue_voucher()
        cip, expiry = tx.provider_reference, tx.pagoefectivo_expiry
        self.emulator.reset()  # PagoEfectivo forgets the CIP (and our token)
        self.provider._pagoefectivo_forget_token()
        grace = timedelta(days=const.RECOVERY_GRACE_DAYS)

        self._recover()
        self.assertEqual(tx.state, "pending", "not even expired")
        with freeze_time(expiry + grace - timedelta(hours=1)):
            self._recover()
        self.assertEqual(tx.state, "pending", "expired, but within the grace period")
        self.assertEqual(_searched_cips(self.emulator), [cip, cip])

        with freeze_time(expiry + grace + timedelta(minutes=1)):
            self._recover()
        self.assertEqual(tx.state, "cancel")
        self.assertIn(cip, tx.state_message)
        self.assertIn("no longer returns", tx.state_message)
        self.assertFalse(self._notifications(tx), "PagoEfectivo said nothing")

    def test_a_cip_the_search_still_returns_is_not_cancelled_by_the_grace(self):
        tx = self._issue_voucher()
        # Extended at PagoEfectivo (its portal), not here.
        self.emulator.state.change_expiry(
            int(tx.provider_reference), datetime.now(timezone.utc) + timedelta(days=30)
        )
        grace = timedelta(days=const.RECOVERY_GRACE_DAYS)
        with freeze_time(tx.pagoefectivo_expiry + grace + timedelta(hours=1)):
            self._recover()
        self.assertEqual(tx.state, "pending", "PagoEfectivo still has it as payable")
        self.assertEqual(_searched_cips(self.emulator), [tx.provider_reference])

    def test_a_late_payment_of_a_cancelled_voucher_is_recovered(self):
        tx = self._issue_voucher()
        with self._odoo_reachable():
            self.emulator.notify(const.EVENT_EXPIRED, tx.provider_reference)
        self.assertEqual(tx.state, "cancel")
        # Paid at the last minute; that notification is lost.
        self.emulator.set_faults(drop=1)
        self.emulator.pay(tx.provider_reference)
        self.assertEqual(tx.state, "cancel")

        self._recover()
        self.assertEqual(tx.state, "done")
        recovered = self._notifications(tx).filtered(lambda n: n.source == "recovery")
        self.assertEqual(
            (recovered.event_type, recovered.state), (const.EVENT_PAID, "applied")
        )
        self.assertEqual(recovered.transaction_id, tx)
        activity = tx.invoice_ids.activity_ids
        self.assertEqual(
            activity.summary, "Paid after its voucher expired or was cancelled"
        )
        self.assertIn(tx.provider_reference, activity.note)

        self._recover()
        self.assertEqual(len(self._notifications(tx)), 2, "done is no longer searched")

    def test_a_cancelled_voucher_is_searched_only_within_the_late_payment_window(self):
        tx = self._issue_voucher()
        cip = tx.provider_reference
        with self._odoo_reachable():
            self.emulator.notify(const.EVENT_EXPIRED, cip)
        self.assertEqual(tx.state, "cancel")

        self._recover()
        self.assertEqual(_searched_cips(self.emulator), [cip])
        self.assertEqual(len(self._notifications(tx)), 1, "unpaid: nothing to say")

        window = timedelta(days=const.RECOVERY_LATE_PAYMENT_DAYS)
        latest = max(tx.pagoefectivo_expiry, tx.last_state_change)
        with freeze_time(latest + window - timedelta(hours=1)):
            self._recover()
        self.assertEqual(_searched_cips(self.emulator), [cip, cip])
        with freeze_time(latest + window + timedelta(hours=1)):
            self._recover()
        self.assertEqual(_searched_cips(self.emulator), [cip, cip], "window closed")

    def test_a_cip_is_searched_at_the_api_base_that_issued_it(self):
        # Two fresh accounts number their CIPs alike: the same CIP number is a
        # different voucher at each base.
        base_a, base_b = self._start_emulator(), self._start_emulator()
        self._point_to(base_a)
        at_a = self._issue_voucher()
        self._point_to(base_b)  # e.g. the provider moved to another environment
        at_b = self._issue_voucher()
        legacy = self._issue_voucher()  # issued before the base was recorded
        legacy.write(
            {"pagoefectivo_api_base": False, "pagoefectivo_environment": False}
        )
        self.assertEqual(at_a.pagoefectivo_api_base, base_a.base_url + "/v1")
        self.assertEqual(at_b.pagoefectivo_api_base, base_b.base_url + "/v1")
        self.assertEqual(at_a.provider_reference, at_b.provider_reference)

        base_a.pay(at_a.provider_reference)  # no notification URL: nothing sent
        self._recover()

        self.assertEqual(_searched_cips(base_a), [at_a.provider_reference])
        self.assertEqual(
            _searched_cips(base_b), [at_b.provider_reference, legacy.provider_reference]
        )
        self.assertEqual(_searched_cips(self.emulator), [])
        self.assertEqual(at_a.state, "done")
        self.assertEqual(at_b.state, "pending", "the same number, unpaid at its base")
        self.assertEqual(legacy.state, "pending")
        self.assertEqual(self._notifications(at_a).transaction_id, at_a)

    def test_the_last_successful_run_is_recorded_per_provider(self):
        down = self.provider.copy({"name": "PagoEfectivo (down)"})
        down.write(
            {
                "state": "test",
                "pagoefectivo_service_id": SERVICE_ID,
                "pagoefectivo_access_key": ACCESS_KEY,
                "pagoefectivo_secret_key": SECRET_KEY,
                "pagoefectivo_base_url": "http://127.0.0.1:9/v1/",  # nothing listens
            }
        )
        self._create_transaction(
            "redirect",
            provider_id=down.id,
            reference=f"DOWN-{uuid.uuid4().hex[:8]}",
            provider_reference="10092759",
            state="pending",
        )
        tx = self._issue_voucher()
        before = fields.Datetime.now() - timedelta(seconds=1)
        with self.assertLogs(CRON_LOGGER, level="WARNING"):
            self._recover()
        self.assertEqual(_searched_cips(self.emulator), [tx.provider_reference])
        self.assertGreaterEqual(self.provider.pagoefectivo_last_recovery_at, before)
        self.assertFalse(down.pagoefectivo_last_recovery_at)


@tagged("post_install", "-at_install")
class TestRecoveryRacingAWebhook(RecoveryCommon):
    """The job and a webhook on the same transaction at once.

    A lock needs two database connections, and every cursor of the test
    registry shares the test's one; so a second, real, connection holds the
    lock. It can only lock a row it sees: that transaction is committed before
    the test's own database transaction starts, and deleted after it ends.
    """

    @classmethod
    def setUpClass(cls):
        cls.raced_reference = f"RACE-{uuid.uuid4().hex[:8]}"
        with sql_db.db_connect(get_db_name()).cursor() as cr:
            env = api.Environment(cr, api.SUPERUSER_ID, {})
            provider = env.ref("pagoefectivo_payment.payment_provider_pagoefectivo")
            cls.raced_id = (
                env["payment.transaction"]
                .create(
                    {
                        "provider_id": provider.id,
                        "payment_method_id": env.ref(
                            "pagoefectivo_payment.payment_method_pagoefectivo"
                        ).id,
                        "reference": cls.raced_reference,
                        "amount": 80.0,
                        "currency_id": env.ref("base.PEN").id,
                        "partner_id": env.ref("base.partner_admin").id,
                        "operation": "online_redirect",
                        "state": "pending",
                        # Unknown to PagoEfectivo and long expired: a search
                        # applied to it would cancel it.
                        "provider_reference": "10000001",
                        "pagoefectivo_expiry": fields.Datetime.now()
                        - timedelta(days=30),
                    }
                )
                .id
            )
        cls.addClassCleanup(cls._delete_raced_transaction)
        super().setUpClass()

    @classmethod
    def _delete_raced_transaction(cls):
        with sql_db.db_connect(get_db_name()).cursor() as cr:
            cr.execute(
                "DELETE FROM pagoefectivo_notification WHERE transaction_id = %s",
                [cls.raced_id],
            )
            cr.execute("DELETE FROM payment_transaction WHERE id = %s", [cls.raced_id])

    def _webhook_connection(self):
        """Another database connection, as the worker serving a webhook."""
        cr = sql_db.db_connect(get_db_name()).cursor()
        self.addCleanup(cr.close)  # its transaction ends: its lock is released
        return cr

    def test_the_job_skips_a_transaction_a_webhook_is_processing(self):
        # The raced transaction's provider, with two more of its vouchers in
        # the same batch.
        provider = self.env.ref(
            "pagoefectivo_payment.payment_provider_pagoefectivo"
        ).sudo()  # another company's
        provider.write(
            {
                "state": "test",
                "pagoefectivo_service_id": SERVICE_ID,
                "pagoefectivo_access_key": ACCESS_KEY,
                "pagoefectivo_secret_key": SECRET_KEY,
                "payment_method_ids": [Command.set(self.payment_method.ids)],
            }
        )
        self._point_to(self.emulator, provider)
        raced = self.env["payment.transaction"].sudo().browse(self.raced_id)
        self.assertEqual((raced.state, raced.provider_id), ("pending", provider))
        paid, unpaid = (
            self._create_transaction(
                "redirect",
                provider_id=provider.id,
                reference=f"{self.raced_reference}-{n}",
            )
            for n in range(2)
        )
        for tx in paid + unpaid:
            tx._get_processing_values()
        mine = self._issue_voucher()  # the test provider's own
        self.emulator.set_faults(drop=2)
        self.emulator.pay(paid.provider_reference)
        self.emulator.pay(mine.provider_reference)
        self.env.flush_all()

        # A webhook is processing the raced transaction: its row is locked.
        webhook_cr = self._webhook_connection()
        webhook_cr.execute(
            "SELECT 1 FROM payment_transaction WHERE id = %s FOR NO KEY UPDATE",
            [raced.id],
        )
        # level=logging.INFO: Odoo names its RUNBOT level (25) "INFO" too.
        with self.assertLogs(CRON_LOGGER, level=logging.INFO) as logs:
            self._recover()  # neither waits for the lock nor raises

        self.assertTrue(
            any(
                self.raced_reference in line and "being processed" in line
                for line in logs.output
            ),
            logs.output,
        )
        self.assertIn(raced.provider_reference, _searched_cips(self.emulator))
        self.assertEqual(raced.state, "pending", "left to the webhook")
        self.assertFalse(raced.pagoefectivo_notification_ids)
        self.assertEqual((paid.state, unpaid.state), ("done", "pending"))
        self.assertEqual(mine.state, "done")
        self.assertTrue(provider.pagoefectivo_last_recovery_at, "skipping is no error")

        # The webhook commits first: locking that row now is a serialization
        # failure. That batch is logged and skipped; the run goes on.
        webhook_cr.execute(
            "UPDATE payment_transaction SET state = 'done' WHERE id = %s", [raced.id]
        )
        webhook_cr.commit()
        provider.pagoefectivo_last_recovery_at = False
        self.provider.pagoefectivo_last_recovery_at = False
        later = self._issue_voucher()
        self.emulator.set_faults(drop=1)
        self.emulator.pay(later.provider_reference)
        with (
            mute_logger("odoo.sql_db"),
            self.assertLogs(CRON_LOGGER, level="ERROR") as logs,
        ):
            self._recover()
        self.assertIn("could not serialize", "\n".join(logs.output))
        self.assertEqual(unpaid.state, "pending")
        self.assertEqual(later.state, "done")
        self.assertFalse(provider.pagoefectivo_last_recovery_at, "a batch failed")
        self.assertTrue(self.provider.pagoefectivo_last_recovery_at)
