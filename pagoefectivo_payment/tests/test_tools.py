from datetime import datetime

from odoo.tests import BaseCase, tagged

from ..tools.lima_time import (
    format_lima,
    lima_date,
    parse_lima,
    parse_report_date,
    to_lima_expiry,
    to_lima_iso,
)
from ..tools.masking import mask_secrets
from ..tools.signature import authorization_hash, sign_body, signature_matches

# Vectors computed apart from this code, with sha256sum and openssl dgst -hmac.
SECRET = "S3cr3tK3yS3cr3tK3yS3cr3tK3yS3cr3tK3y00"
PAID_BODY = (
    b'{"eventType":"cip.paid","operationNumber":"1253","data":{"cip":"11546901",'
    b'"currency":"PEN","amount":22.05,"transactionCode":"S00042-1",'
    b'"paymentDate":"2026-11-20T10:15:00-05:00"}}'
)
PAID_SIGNATURE = "38777419235189b0b0a24d48140399b668cdeacc17dccf77106cb5233fb0d87c"


@tagged("post_install", "-at_install")
class TestSignature(BaseCase):
    def test_authorization_hash_known_vectors(self):
        self.assertEqual(
            authorization_hash("1234", "AK", "SK", "2026-11-15T15:45:00-05:00"),
            "b0d6973e0d84221003101a608083e7d3b464469c6f3d60759199353b81e41e52",
        )
        self.assertEqual(
            authorization_hash(
                10051, "gP7Bb2A9kQx8wZ3mR6tY", SECRET, "2026-11-20T10:15:00-05:00"
            ),
            "f2f9c47a8d56db570c18640fca1214059ab04def901d96a7043bf7958b10efe7",
        )

    def test_signature_of_known_body(self):
        self.assertEqual(sign_body(SECRET, PAID_BODY), PAID_SIGNATURE)

    def test_signature_accepts_only_the_exact_body_and_secret(self):
        self.assertTrue(signature_matches(SECRET, PAID_BODY, PAID_SIGNATURE))
        self.assertTrue(signature_matches(SECRET, PAID_BODY, PAID_SIGNATURE.upper()))
        reformatted = PAID_BODY.replace(b",", b", ")
        self.assertFalse(signature_matches(SECRET, reformatted, PAID_SIGNATURE))
        self.assertFalse(
            signature_matches(SECRET[:-1] + "1", PAID_BODY, PAID_SIGNATURE)
        )
        self.assertFalse(signature_matches(SECRET, PAID_BODY, ""))
        self.assertFalse(signature_matches(SECRET, PAID_BODY, None))
        self.assertFalse(signature_matches("", PAID_BODY, PAID_SIGNATURE))

    def test_secrets_are_masked_at_any_depth(self):
        masked = mask_secrets(
            {
                "accessKey": "AK",
                "hashString": "abc",
                "idService": 1234,
                "data": [{"token": "t", "cip": 1}],
            }
        )
        self.assertEqual(masked["accessKey"], "********")
        self.assertEqual(masked["hashString"], "********")
        self.assertEqual(masked["idService"], 1234)
        self.assertEqual(masked["data"], [{"token": "********", "cip": 1}])


@tagged("post_install", "-at_install")
class TestLimaTime(BaseCase):
    def test_utc_to_lima_strings(self):
        utc = datetime(2026, 11, 16, 3, 30, 0)  # 22:30 the day before in Lima
        self.assertEqual(to_lima_iso(utc), "2026-11-15T22:30:00-05:00")
        self.assertEqual(to_lima_expiry(utc), "2026-11-15 22:30:00-05:00")
        self.assertEqual(format_lima(utc), "15/11/2026 22:30")
        self.assertEqual(lima_date(utc).isoformat(), "2026-11-15")

    def test_lima_strings_to_utc(self):
        expected = datetime(2026, 11, 20, 15, 15, 0)
        self.assertEqual(parse_lima("2026-11-20T10:15:00-05:00"), expected)
        self.assertEqual(parse_lima("2026-11-20 10:15:00-05:00"), expected)
        self.assertEqual(parse_lima("2026-11-20T10:15:00"), expected)
        self.assertIsNone(parse_lima("1900-01-01T00:00:00-05:00"))
        self.assertIsNone(parse_lima(""))

    def test_report_dates_around_midnight(self):
        self.assertEqual(
            parse_report_date("31/12/2026 23:59:59"), datetime(2027, 1, 1, 4, 59, 59)
        )
        self.assertEqual(
            parse_report_date("01/01/2027 00:00:00"), datetime(2027, 1, 1, 5, 0, 0)
        )
        self.assertIsNone(parse_report_date(""))
