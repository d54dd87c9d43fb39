from odoo.tests import tagged

from .common import PagoEfectivoCommon


@tagged("post_install", "-at_install")
class TestVoucherPortal(PagoEfectivoCommon):
    """A customer pays an invoice from the portal and finds the voucher there."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.provider.is_published = True  # offered to customers

    def _invoice_page(self, invoice):
        response = self.url_open(invoice.get_portal_url())
        self.assertEqual(response.status_code, 200)
        return response.text

    def _pay_from_the_portal(self, invoice):
        self.make_jsonrpc_request(
            self._build_url(f"/invoice/transaction/{invoice.id}/"),
            {
                "access_token": invoice._portal_ensure_token(),
                "provider_id": self.provider.id,
                "payment_method_id": self.payment_method_id,
                "token_id": None,
                "amount": invoice.amount_total,
                "flow": "redirect",
                "tokenization_requested": False,
                "landing_route": invoice.get_portal_url(),
            },
        )
        return invoice.transaction_ids

    def test_an_invoice_is_paid_with_a_voucher_shown_on_its_portal_page(self):
        invoice = self._create_invoice()
        self.assertIn(
            'data-payment-method-code="pagoefectivo"', self._invoice_page(invoice)
        )

        tx = self._pay_from_the_portal(invoice)
        self.assertEqual(tx.state, "pending")
        page = self._invoice_page(invoice)
        for shown in (
            f">{tx.provider_reference}<",
            'class="o_pagoefectivo_copy',
            tx._pagoefectivo_expiry_lima(),
            tx.pagoefectivo_cip_url,
            "Agents and bodegas",
            "Bank branches",
        ):
            self.assertIn(shown, page)

    def test_an_expired_voucher_is_not_shown_as_payable(self):
        invoice = self._create_invoice()
        tx = self._pay_from_the_portal(invoice)
        with self._odoo_reachable():
            self.emulator.expire(tx.provider_reference, notify=True)
        self.assertEqual(tx.state, "cancel")
        page = self._invoice_page(invoice)
        self.assertNotIn('class="o_pagoefectivo_copy', page)
        self.assertIn('data-payment-method-code="pagoefectivo"', page, "pay again")

    def test_a_paid_voucher_says_so(self):
        invoice = self._create_invoice()
        tx = self._pay_from_the_portal(invoice)
        with self._odoo_reachable():
            self.emulator.pay(tx.provider_reference)
        tx._post_process()
        page = self._invoice_page(invoice)
        self.assertIn("o_pagoefectivo_paid", page)
        self.assertNotIn('class="o_pagoefectivo_copy', page)
