from psycopg2 import IntegrityError

from odoo.fields import Command
from odoo.tests import tagged
from odoo.tools import mute_logger

from pagoefectivo_emulator import Emulator

from .. import const
from .common import ACCESS_KEY, SECRET_KEY, SERVICE_ID, PagoEfectivoCommon

# Company B's own PagoEfectivo account.
SERVICE_ID_B = "20077"
ACCESS_KEY_B = "Bb2A9kQx8wZ3mR6tYgP7"
SECRET_KEY_B = "BS3cr3tK3yBS3cr3tK3yBS3cr3tK3yBS3cr3t00"


@tagged("post_install", "-at_install")
class TestMultiCompany(PagoEfectivoCommon):
    """Two companies, each with its provider: CIP numbers are only unique within
    one PagoEfectivo account, and a key only speaks for its own provider."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company_a = cls.env.company
        cls.company_b = cls.setup_other_company(name="PE Company B")["company"]
        cls.provider_b = cls._prepare_provider(
            "pagoefectivo",
            company=cls.company_b,
            update_values={
                "pagoefectivo_service_id": SERVICE_ID_B,
                "pagoefectivo_access_key": ACCESS_KEY_B,
                "pagoefectivo_secret_key": SECRET_KEY_B,
                "payment_method_ids": [Command.set(cls.payment_method.ids)],
            },
        )

    def setUp(self):
        super().setUp()
        # Fresh accounts number their CIPs alike: both companies get the same.
        self.emulator_a = self._account(
            self.provider, SERVICE_ID, ACCESS_KEY, SECRET_KEY
        )
        self.emulator_b = self._account(
            self.provider_b, SERVICE_ID_B, ACCESS_KEY_B, SECRET_KEY_B
        )

    # === HELPERS === #

    def _account(self, provider, service_id, access_key, secret_key):
        """A new PagoEfectivo merchant account (an emulator) for the provider."""
        emulator = Emulator(
            service_id=service_id,
            access_key=access_key,
            secret_key=secret_key,
            notify_url=self.base_url() + const.WEBHOOK_ROUTE,
            token_ttl=3600,
        ).start()
        self.addCleanup(emulator.stop)
        provider.pagoefectivo_base_url = emulator.base_url + "/v1/"
        return emulator

    def _voucher(self, provider, reference):
        """A transaction of the provider's company, with its CIP issued."""
        tx = self._create_transaction(
            "redirect", provider_id=provider.id, reference=reference
        )
        tx._get_processing_values()
        self.assertEqual(tx.state, "pending", tx.state_message)
        self.assertEqual(tx.company_id, provider.company_id)
        return tx

    def _all_notifications(self):
        return self.env["pagoefectivo.notification"].sudo().search([], order="id")

    def _payments(self, tx):
        return (
            self.env["account.payment"]
            .sudo()
            .search([("payment_transaction_id", "=", tx.id)])
        )

    # === TESTS === #

    def test_the_same_cip_in_two_companies_pays_only_its_own(self):
        tx_a = self._voucher(self.provider, "MC-A-1")
        tx_b = self._voucher(self.provider_b, "MC-B-1")
        self.assertEqual(tx_a.provider_reference, tx_b.provider_reference)
        cip = tx_a.provider_reference
        # Both orders: the older transaction first, then the newer one.
        with self._odoo_reachable():
            [delivery] = self.emulator_a.pay(cip)
        self.assertEqual(delivery["status"], 200)
        self.assertEqual((tx_a.state, tx_b.state), ("done", "pending"))
        with self._odoo_reachable():
            [delivery] = self.emulator_b.pay(cip)
        self.assertEqual(delivery["status"], 200)
        self.assertEqual((tx_a.state, tx_b.state), ("done", "done"))
        notification_a, notification_b = self._all_notifications()
        for notification, tx in ((notification_a, tx_a), (notification_b, tx_b)):
            self.assertEqual(notification.state, "applied")
            self.assertEqual(notification.transaction_id, tx)
            self.assertEqual(notification.provider_id, tx.provider_id)
            self.assertEqual(notification.company_id, tx.company_id)

    def test_a_key_cannot_touch_another_companys_transaction(self):
        self._voucher(self.provider, "MC-A-2")
        tx_a = self._voucher(self.provider, "MC-A-3")
        tx_b = self._voucher(self.provider_b, "MC-B-2")
        self.assertEqual(int(tx_a.provider_reference), int(tx_b.provider_reference) + 1)
        # Company B's key, about company A's CIP and transaction code (which
        # company B does not have): nothing of company A moves.
        for event in (const.EVENT_PAID, const.EVENT_EXPIRED):
            body = {**self._paid_body(tx_a), "eventType": event}
            response = self._post_webhook(body, secret=SECRET_KEY_B)
            self.assertEqual(response.status_code, 200)
            self.assertEqual((tx_a.state, tx_b.state), ("pending", "pending"))
            last = self._all_notifications()[-1]
            self.assertEqual(
                (last.provider_id, last.transaction_id, last.review_reason),
                (self.provider_b, self.env["payment.transaction"], "unknown_cip"),
            )
        # The same body with company A's key pays company A's transaction.
        response = self._post_webhook(self._paid_body(tx_a), secret=SECRET_KEY)
        self.assertEqual(response.status_code, 200)
        self.assertEqual((tx_a.state, tx_b.state), ("done", "pending"))

    def test_recovery_searches_each_provider_for_its_own_cips(self):
        tx_a = self._voucher(self.provider, "MC-A-5")
        tx_b = self._voucher(self.provider_b, "MC-B-5")
        self.assertEqual(tx_a.provider_reference, tx_b.provider_reference)
        self.emulator_b.set_faults(drop=1)
        with self._odoo_reachable():
            self.emulator_b.pay(tx_b.provider_reference)
        self.assertEqual(tx_b.state, "pending", "the notification was lost")
        self.env["payment.provider"].sudo()._cron_pagoefectivo_recover()
        self.assertEqual((tx_a.state, tx_b.state), ("pending", "done"))
        [notification] = self._all_notifications()
        self.assertEqual(
            (notification.provider_id, notification.transaction_id),
            (self.provider_b, tx_b),
        )

    def test_providers_sharing_credentials_are_told_apart_by_the_cip_owner(self):
        # Company B's provider uses company A's PagoEfectivo account too; it
        # comes first when providers are tried.
        self.provider_b.write(
            {
                "pagoefectivo_service_id": SERVICE_ID,
                "pagoefectivo_access_key": ACCESS_KEY,
                "pagoefectivo_secret_key": SECRET_KEY,
                "pagoefectivo_base_url": self.emulator_a.base_url + "/v1/",
                "sequence": 1,
            }
        )
        self.provider.sequence = 2
        tx_a = self._voucher(self.provider, "MC-A-4")
        tx_b = self._voucher(self.provider_b, "MC-B-4")
        self.assertNotEqual(tx_a.provider_reference, tx_b.provider_reference)
        with self._odoo_reachable():
            [delivery] = self.emulator_a.pay(tx_a.provider_reference)
        self.assertEqual(delivery["status"], 200)
        self.assertEqual((tx_a.state, tx_b.state), ("done", "pending"))
        with self._odoo_reachable():
            [delivery] = self.emulator_a.pay(tx_b.provider_reference)
        self.assertEqual(delivery["status"], 200)
        self.assertEqual(tx_b.state, "done")
        notification_a, notification_b = self._all_notifications()
        self.assertEqual(
            (notification_a.provider_id, notification_a.state),
            (self.provider, "applied"),
        )
        self.assertEqual(
            (notification_b.provider_id, notification_b.state),
            (self.provider_b, "applied"),
        )

    def test_one_transaction_gets_one_payment(self):
        tx = self._issue_voucher()
        with self._odoo_reachable():
            self.emulator_a.pay(tx.provider_reference)
        tx._post_process()
        payment = self._payments(tx)
        self.assertEqual(len(payment), 1)
        with self.assertRaises(IntegrityError), mute_logger("odoo.sql_db"):
            tx._create_payment()
            self.env.flush_all()
        with self.assertRaises(IntegrityError), mute_logger("odoo.sql_db"):
            self.env["account.payment"].create(
                {
                    "amount": tx.amount,
                    "payment_type": "inbound",
                    "partner_type": "customer",
                    "partner_id": tx.partner_id.id,
                    "journal_id": payment.journal_id.id,
                    "payment_transaction_id": tx.id,
                }
            )
            self.env.flush_all()
        self.env.invalidate_all()
        self.assertEqual(self._payments(tx), payment)
        self.assertEqual(tx.payment_id, payment)
        # Duplicating the payment is not paying the transaction again.
        duplicate = payment.copy()
        self.assertFalse(duplicate.payment_transaction_id)
