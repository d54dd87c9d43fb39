import json
from contextlib import contextmanager

from odoo.fields import Command
from odoo.tests import new_test_user

from odoo.addons.account_payment.tests.common import AccountPaymentCommon
from odoo.addons.payment.tests.http_common import PaymentHttpCommon

from pagoefectivo_emulator import Emulator

from .. import const
from ..tools.signature import sign_body

SERVICE_ID = "10051"
ACCESS_KEY = "gP7Bb2A9kQx8wZ3mR6tY"
SECRET_KEY = "S3cr3tK3yS3cr3tK3yS3cr3tK3yS3cr3tK3y00"


class PagoEfectivoCommon(AccountPaymentCommon, PaymentHttpCommon):
    """A Peruvian company whose PagoEfectivo provider talks to the emulator."""

    country_code = "PE"

    @classmethod
    def _new_user(cls, login, group="account.group_account_invoice"):
        """An internal user of the company with `group` (billing by default)."""
        return new_test_user(
            cls.env,
            login=login,
            groups=f"base.group_user,{group}",
            company_id=cls.env.company.id,
            company_ids=[Command.set(cls.env.company.ids)],
        )

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.emulator = Emulator(
            service_id=SERVICE_ID,
            access_key=ACCESS_KEY,
            secret_key=SECRET_KEY,
            notify_url=cls.base_url() + const.WEBHOOK_ROUTE,
            token_ttl=3600,
        ).start()
        cls.addClassCleanup(cls.emulator.stop)

        cls.currency = cls.env.company.currency_id  # PEN
        cls.payment_method = cls.env.ref(
            "pagoefectivo_payment.payment_method_pagoefectivo"
        )
        cls.payment_method_id = cls.payment_method.id
        cls.provider = cls._prepare_provider(
            "pagoefectivo",
            update_values={
                "pagoefectivo_service_id": SERVICE_ID,
                "pagoefectivo_access_key": ACCESS_KEY,
                "pagoefectivo_secret_key": SECRET_KEY,
                "pagoefectivo_base_url": cls.emulator.base_url + "/v1/",
                "payment_method_ids": [Command.set(cls.payment_method.ids)],
            },
        )
        cls.partner = cls.env["res.partner"].create(
            {
                "name": "Juan Carlos Pérez García",
                "email": "juan.perez@example.pe",
                "phone": "+51 987 654 321",
                "country_id": cls.env.ref("base.pe").id,
                "l10n_latam_identification_type_id": cls.env.ref("l10n_pe.it_DNI").id,
                "vat": "45678912",
                "l10n_pe_district": cls.env.ref("l10n_pe.district_pe_150122").id,
            }
        )
        cls.amount = 150.5

    def setUp(self):
        super().setUp()
        self.emulator.reset()  # which forgets its tokens: so do we
        self.provider._pagoefectivo_forget_token()

    # === HELPERS === #

    @contextmanager
    def _odoo_reachable(self):
        """Let other threads (the emulator, parallel senders) call this test's Odoo.

        What this test wrote is flushed first, and what the requests wrote is
        read afresh after, so both sides see the same data.
        """
        self.env.flush_all()
        with self.allow_requests(all_requests=True):
            yield
        self.env.invalidate_all()

    def _create_invoice(self, amount=None):
        return self.init_invoice(
            "out_invoice",
            partner=self.partner,
            amounts=[amount or self.amount],
            taxes=[],
            post=True,
        )

    def _issue_voucher(self, amount=None, invoice=None, **values):
        """A transaction for an invoice, with its CIP issued as at checkout."""
        invoice = invoice or self._create_invoice(amount)
        tx = self._create_transaction(
            "redirect",
            amount=invoice.amount_total,
            reference=self.env["payment.transaction"]._compute_reference(
                "pagoefectivo", invoice_ids=invoice.ids
            ),
            invoice_ids=[Command.set(invoice.ids)],
            **values,
        )
        tx._get_processing_values()
        return tx

    def _issue_order_voucher(self):
        """A sale order's transaction, with its CIP issued as at checkout."""
        order = (
            self.env["sale.order"]
            .sudo()
            .create(
                {
                    "partner_id": self.partner.id,
                    "order_line": [Command.create({"product_id": self.product_a.id})],
                }
            )
        )
        tx = self._create_transaction(
            "redirect",
            amount=order.amount_total,
            reference=order.name,
            sale_order_ids=[Command.set(order.ids)],
        )
        tx._get_processing_values()
        return tx

    def _post_webhook(self, body, signature=None, secret=SECRET_KEY):
        """POST raw bytes to the webhook, signed with `secret` unless told otherwise."""
        if isinstance(body, dict):
            body = json.dumps(body, separators=(",", ":")).encode()
        headers = {"Content-Type": "application/json"}
        if signature is None and secret:
            signature = sign_body(secret, body)
        if signature:
            headers[const.SIGNATURE_HEADER] = signature
        return self.url_open(const.WEBHOOK_ROUTE, data=body, headers=headers)

    def _paid_body(self, tx, **data):
        return {
            "eventType": const.EVENT_PAID,
            "operationNumber": "1253",
            "data": {
                "cip": tx.provider_reference,
                "currency": tx.currency_id.name,
                "amount": tx.amount,
                "transactionCode": tx.reference,
                "paymentDate": "2026-11-20T10:15:00-05:00",
                **data,
            },
        }

    def _notifications(self, tx):
        return self.env["pagoefectivo.notification"].search(
            [("cip", "=", tx.provider_reference)], order="id"
        )
