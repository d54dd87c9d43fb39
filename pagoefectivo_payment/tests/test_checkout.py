from datetime import timedelta

from psycopg2 import IntegrityError

from odoo import fields
from odoo.tests import tagged
from odoo.tools import mute_logger

from .. import const
from .common import PagoEfectivoCommon


@tagged("post_install", "-at_install")
class TestCheckout(PagoEfectivoCommon):
    def _emulated(self, tx):
        return self.emulator.cips[int(tx.provider_reference)]

    def _calls(self, path):
        return [call for call in self.emulator.api_calls if call["path"] == path]

    def test_confirming_issues_a_cip_and_leaves_the_transaction_pending(self):
        before = fields.Datetime.now()
        tx = self._issue_voucher()
        self.assertEqual(tx.state, "pending")
        cip = self._emulated(tx)
        self.assertEqual(tx.provider_reference, str(cip["cip"]))
        self.assertTrue(tx.pagoefectivo_cip_url.endswith(f"/voucher/{cip['cip']}"))
        self.assertEqual(cip["transactionCode"], tx.reference)
        self.assertEqual((cip["currency"], cip["amount"]), ("PEN", "150.50"))
        # 48 hours by default, sent and stored as the same instant.
        expected = before + timedelta(hours=48)
        self.assertLess(abs(tx.pagoefectivo_expiry - expected), timedelta(minutes=1))
        self.assertTrue(cip["dateExpiry"].endswith("-05:00"))

    def test_customer_fields_come_from_the_partner(self):
        cip = self._emulated(self._issue_voucher())
        self.assertEqual(
            {
                key: cip[key]
                for key in (
                    "userEmail",
                    "userName",
                    "userLastName",
                    "userDocumentType",
                    "userDocumentNumber",
                    "userUbigeo",
                    "userPhone",
                    "userCodeCountry",
                    "userCountry",
                )
            },
            {
                "userEmail": "juan.perez@example.pe",
                "userName": "Juan Carlos",
                "userLastName": "Pérez García",
                "userDocumentType": "DNI",
                "userDocumentNumber": "45678912",
                "userUbigeo": "150122",
                "userPhone": "987654321",
                "userCodeCountry": "+51",
                "userCountry": "PERU",
            },
        )

    def test_voucher_validity_follows_the_provider(self):
        self.provider.pagoefectivo_voucher_hours = 6
        before = fields.Datetime.now()
        tx = self._issue_voucher()
        self.assertLess(
            abs(tx.pagoefectivo_expiry - before - timedelta(hours=6)),
            timedelta(minutes=1),
        )

    def test_token_is_cached_then_renewed_once_when_refused(self):
        self._issue_voucher()
        self._issue_voucher()
        self.assertEqual(len(self._calls("/v1/authorizations")), 1)
        self.emulator.expire_tokens()
        tx = self._issue_voucher()
        self.assertEqual(tx.state, "pending")
        self.assertEqual(len(self._calls("/v1/authorizations")), 2)
        statuses = [call["status"] for call in self._calls("/v1/cips")]
        self.assertEqual(statuses, [201, 201, 401, 201])

    def test_throttling_is_not_retried_at_once(self):
        self.emulator.set_faults(
            api_errors=[{"path_prefix": "/v1/cips", "method": "POST", "status": 429}]
        )
        tx = self._issue_voucher()
        self.assertEqual(tx.state, "error")
        self.assertEqual([call["status"] for call in self._calls("/v1/cips")], [429])
        self.assertEqual(len(tx.pagoefectivo_api_log_ids), 1)

    def test_a_creation_that_times_out_is_not_sent_again(self):
        # Odoo's test harness raises any shorter timeout to 10 s.
        self.patch(const, "REQUEST_TIMEOUT", 10)
        self.emulator.set_faults(
            slow=[{"path_prefix": "/v1/cips", "method": "POST", "seconds": 10.5}]
        )
        tx = self._issue_voucher()
        self.assertEqual(tx.state, "error")
        [log] = tx.pagoefectivo_api_log_ids
        self.assertEqual(log.status_code, 0)
        self.assertIn("timed out", log.error)

    def test_voucher_validity_is_bounded(self):
        for hours in (0, 721):
            with self.assertRaises(IntegrityError), mute_logger("odoo.sql_db"):
                self.provider.pagoefectivo_voucher_hours = hours
                self.provider.flush_recordset()

    def test_lasting_outage_shows_the_customer_a_clear_error(self):
        self.emulator.set_faults(
            api_errors=[{"path_prefix": "/v1/cips", "status": 503, "times": 10}]
        )
        tx = self._issue_voucher()
        self.assertEqual(tx.state, "error")
        self.assertFalse(tx.provider_reference)
        self.assertIn(
            "could not generate your PagoEfectivo payment code", tx.state_message
        )
        self.assertEqual(len(self._calls("/v1/cips")), 1, "never sent again")
        self.assertFalse(self.emulator.cips)

    def test_rejected_request_keeps_the_api_error_codes(self):
        tx = self._issue_voucher(amount=45000)  # above the merchant's maximum
        self.assertEqual(tx.state, "error")
        log = tx.pagoefectivo_api_log_ids.filtered(lambda log: log.status_code == 400)
        self.assertIn('"511"', log.response_body)

    def test_secrets_never_reach_the_audit_log(self):
        self._issue_voucher()
        logs = self.env["pagoefectivo.api.log"].search(
            [("provider_id", "=", self.provider.id)]
        )
        self.assertTrue(logs)
        for log in logs:
            for secret in (
                self.provider.pagoefectivo_secret_key,
                self.provider.pagoefectivo_access_key,
            ):
                self.assertNotIn(secret, log.request_body or "")
                self.assertNotIn(secret, log.response_body or "")
        auth_log = logs.filtered(lambda log: log.url.endswith("/authorizations"))
        self.assertIn('"hashString": "********"', auth_log.request_body)
        self.assertIn('"token": "********"', auth_log.response_body)

    def test_test_credentials_button_says_what_is_wrong(self):
        action = self.provider.action_pagoefectivo_test_credentials()
        self.assertEqual(action["params"]["type"], "success")
        self.provider.pagoefectivo_secret_key = "W" * 40
        action = self.provider.action_pagoefectivo_test_credentials()
        self.assertEqual(action["params"]["type"], "danger")
        self.assertIn(
            "rejected the service ID, access key or secret key",
            action["params"]["message"],
        )
        self.provider.pagoefectivo_base_url = "http://127.0.0.1:9/v1/"
        action = self.provider.action_pagoefectivo_test_credentials()
        self.assertIn("could not be reached", action["params"]["message"])
