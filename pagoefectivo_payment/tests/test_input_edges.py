import json
from datetime import datetime, timedelta

from odoo import fields
from odoo.exceptions import UserError
from odoo.tests import BaseCase, new_test_user, tagged

from .. import const
from ..models.payment_provider_cron import _event_of
from ..tools.lima_time import parse_lima, parse_lima_or_none, parse_report_date
from ..tools.signature import sign_body, signature_matches
from .common import SECRET_KEY, PagoEfectivoCommon

# 10:15 in Lima is 15:15 UTC; 21:30 in Lima is already the next day in UTC.
MORNING_UTC = datetime(2026, 11, 20, 15, 15, 0)
EVENING_UTC = datetime(2026, 11, 21, 2, 30, 0)


@tagged("post_install", "-at_install")
class TestInputEdges(PagoEfectivoCommon):
    def _post(self, body, **kwargs):
        """url_open flushes before the request; read what it wrote afresh after."""
        response = self._post_webhook(body, **kwargs)
        self.env.invalidate_all()
        return response

    def _post_raw(self, body, signature):
        """POST bytes with a PE-Signature exactly as given (str or bytes)."""
        response = self.url_open(
            const.WEBHOOK_ROUTE,
            data=body,
            headers={
                "Content-Type": "application/json",
                const.SIGNATURE_HEADER: signature,
            },
        )
        self.env.invalidate_all()
        return response

    # === DATES === #

    def test_each_accepted_date_shape_is_stored_as_the_right_instant(self):
        shapes = {
            "2026-11-20T10:15:00-05:00": MORNING_UTC,  # ISO, Lima offset
            "2026-11-20T12:15:00-03:00": MORNING_UTC,  # ISO, another offset
            "2026-11-20T10:15:00": MORNING_UTC,  # ISO without offset: Lima
            "2026-11-20T21:30:00": EVENING_UTC,
            "20/11/2026 10:15:00": MORNING_UTC,  # as in the reports
            "20/11/2026 21:30:00": EVENING_UTC,
            "20/11/2026 21:30": EVENING_UTC,  # without seconds
        }
        for raw, expected in shapes.items():
            with self.subTest(paymentDate=raw):
                tx = self._issue_voucher()
                response = self._post(self._paid_body(tx, paymentDate=raw))
                self.assertEqual(response.status_code, 200, response.text[:3000])
                [notification] = self._notifications(tx)
                self.assertEqual(notification.payment_date, expected)
                self.assertFalse(notification.payment_date_raw)
                self.assertEqual(notification.state, "applied")
                self.assertEqual(tx.state, "done")
                self.assertEqual(tx.pagoefectivo_paid_at, expected)

    def test_the_1900_placeholder_is_no_date_and_paid_at_reception(self):
        tx = self._issue_voucher()
        before = fields.Datetime.now() - timedelta(seconds=1)
        response = self._post(
            self._paid_body(tx, paymentDate="1900-01-01T00:00:00-05:00")
        )
        self.assertEqual(response.status_code, 200, response.text[:3000])
        [notification] = self._notifications(tx)
        self.assertFalse(notification.payment_date)
        self.assertFalse(notification.payment_date_raw)
        self.assertEqual(notification.state, "applied", "nothing to review")
        self.assertEqual(tx.state, "done")
        self.assertGreaterEqual(tx.pagoefectivo_paid_at, before, "not 1900")

    def test_an_unreadable_date_is_kept_raw_flagged_and_still_pays(self):
        for raw in ("20-11-2026 10h15", "31/02/2026 10:15:00", "9999-12-31T23:59:59"):
            with self.subTest(paymentDate=raw):
                tx = self._issue_voucher()
                before = fields.Datetime.now() - timedelta(seconds=1)
                response = self._post(self._paid_body(tx, paymentDate=raw))
                self.assertEqual(response.status_code, 200, response.text[:3000])
                [notification] = self._notifications(tx)
                self.assertEqual(notification.payment_date_raw, raw)
                self.assertFalse(notification.payment_date)
                self.assertEqual(
                    (notification.state, notification.review_reason),
                    ("review", "date_unreadable"),
                )
                self.assertIn(raw, notification.outcome)
                self.assertIn(raw, notification.body, "the body is kept as sent")
                # The money is real: the transaction is paid, dated at reception.
                self.assertEqual(tx.state, "done")
                self.assertGreaterEqual(tx.pagoefectivo_paid_at, before)

    # === SIGNATURES === #

    def test_malformed_signatures_are_refused_and_store_nothing(self):
        tx = self._issue_voucher()
        body = json.dumps(self._paid_body(tx), separators=(",", ":")).encode()
        valid = sign_body(SECRET_KEY, body)
        for signature in (
            valid[:-1] + "é",  # latin-1 on the wire: non-ASCII text for Odoo
            ("ñ" * 32).encode(),  # UTF-8 bytes
            "garbage",
            "sha256=" + valid,
            valid + "00",
        ):
            with self.subTest(signature=signature):
                response = self._post_raw(body, signature)
                self.assertEqual(response.status_code, 403, response.text[:3000])
        self.assertEqual(tx.state, "pending")
        self.assertFalse(self.env["pagoefectivo.notification"].search_count([]))
        # The same body with its real signature still goes through.
        self.assertEqual(self._post_raw(body, valid).status_code, 200)
        self.assertEqual(tx.state, "done")

    # === STORAGE === #

    def test_text_the_database_refuses_does_not_lose_the_notification(self):
        tx = self._issue_voucher()
        body = self._paid_body(tx)
        body["operationNumber"] = "12\x0053\ud800"  # NUL and a lone surrogate
        raw = json.dumps(body, separators=(",", ":")).encode()  # escaped: ASCII
        response = self._post(raw)
        self.assertEqual(response.status_code, 200, response.text[:3000])
        [notification] = self._notifications(tx)
        self.assertEqual(notification.body, raw.decode())
        self.assertIn("53", notification.operation_number)
        self.assertEqual(tx.state, "done")

    def test_a_utf16_body_is_stored_as_text(self):
        tx = self._issue_voucher()
        body = json.dumps(self._paid_body(tx), ensure_ascii=False).encode("utf-16")
        response = self._post(body)
        self.assertEqual(response.status_code, 200, response.text[:3000])
        [notification] = self._notifications(tx)
        self.assertIn(tx.provider_reference, notification.body)
        self.assertEqual(tx.state, "done")

    # === AUDIT TRAIL === #

    def test_nobody_edits_the_body_or_headers_of_a_notification(self):
        tx = self._issue_voucher()
        self._post(self._paid_body(tx, paymentDate="garbage"))
        [notification] = self._notifications(tx)
        body, headers = notification.body, notification.headers
        accountant = new_test_user(
            self.env,
            login="pe_accountant",
            groups="base.group_user,account.group_account_invoice",
            company_id=self.env.company.id,
        )
        as_accountant = notification.with_user(accountant)
        for values in (
            {"body": '{"eventType":"cip.paid"}'},
            {"headers": "{}"},
            {"body": "x", "state": "reviewed"},
        ):
            with self.subTest(values=values), self.assertRaises(UserError) as caught:
                as_accountant.write(values)
            self.assertIn("audit trail", str(caught.exception))
        with self.assertRaises(UserError):
            notification.sudo().write({"headers": "{}"})
        self.assertEqual((notification.body, notification.headers), (body, headers))
        self.assertEqual(notification.state, "review")
        # What accountants are there for still works.
        as_accountant.action_mark_reviewed()
        self.assertEqual(notification.state, "reviewed")


@tagged("post_install", "-at_install")
class TestDateParsing(BaseCase):
    def test_accepted_shapes(self):
        for raw, expected in {
            "2026-11-20T10:15:00-05:00": MORNING_UTC,
            "2026-11-20 10:15:00-05:00": MORNING_UTC,
            "2026-11-20T15:15:00Z": MORNING_UTC,
            "2026-11-20T10:15:00": MORNING_UTC,
            " 2026-11-20T10:15:00 ": MORNING_UTC,
            "20/11/2026 10:15:00": MORNING_UTC,
            "20/11/2026 10:15": MORNING_UTC,
            "20/11/2026 21:30:00": EVENING_UTC,
            "20/11/2026": datetime(2026, 11, 20, 5, 0, 0),
            datetime(2026, 11, 20, 10, 15): MORNING_UTC,
        }.items():
            with self.subTest(raw=raw):
                self.assertEqual(parse_lima(raw), expected)

    def test_no_date(self):
        for raw in (
            None,
            False,
            "",
            "   ",
            "1900-01-01T00:00:00-05:00",
            "1900-01-01T00:00:00",
            "01/01/1900 00:00:00",
        ):
            with self.subTest(raw=raw):
                self.assertIsNone(parse_lima(raw))

    def test_garbage_is_a_clear_value_error(self):
        for raw in (
            "garbage",
            "20-11-2026 10h15",
            "31/02/2026 10:15:00",
            "2026-11-20T25:00:00",
            "9999-12-31T23:59:59",  # out of range once in UTC
            {"date": "2026-11-20"},
        ):
            with self.subTest(raw=raw):
                with self.assertRaises(ValueError) as caught:
                    parse_lima(raw)
                self.assertIn(str(raw), str(caught.exception), "names the value")
                self.assertIsNone(parse_lima_or_none(raw))

    def test_report_dates_with_or_without_seconds(self):
        self.assertEqual(parse_report_date("20/11/2026 21:30"), EVENING_UTC)
        self.assertEqual(parse_report_date("20/11/2026 21:30:00"), EVENING_UTC)
        self.assertIsNone(parse_report_date("01/01/1900 00:00:00"))
        with self.assertRaises(ValueError):
            parse_report_date("2026/20/11")

    def test_recovery_leaves_an_unreadable_search_result_for_later(self):
        self.assertIsNone(
            _event_of({"cip": "1", "datePayment": "garbage", "statusName": "Pagada"})
        )
        self.assertEqual(
            _event_of({"cip": "1", "datePayment": "20/11/2026 10:15:00"}),
            const.EVENT_PAID,
        )
        self.assertEqual(
            _event_of(
                {
                    "cip": "1",
                    "datePayment": "1900-01-01T00:00:00-05:00",
                    "dateExpiry": "garbage",
                    "statusName": "Expirada",
                }
            ),
            const.EVENT_EXPIRED,
        )

    def test_a_malformed_signature_never_raises(self):
        body = b'{"eventType":"cip.paid"}'
        valid = sign_body(SECRET_KEY, body)
        self.assertTrue(signature_matches(SECRET_KEY, body, valid))
        self.assertTrue(signature_matches(SECRET_KEY, body, f" {valid.upper()} "))
        for received in (valid[:-1] + "é", "ñ" * 64, b"ab" * 32, "zz" * 32, 42):
            with self.subTest(received=received):
                self.assertFalse(signature_matches(SECRET_KEY, body, received))
