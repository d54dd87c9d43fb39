from lxml import html

from odoo.tests import tagged

from odoo.addons.pagoefectivo_payment.tests.common import PagoEfectivoCommon


@tagged("post_install", "-at_install")
class TestOrderConfirmation(PagoEfectivoCommon):
    def _confirmation(self, order):
        """The shop's order confirmation block, as the customer sees it."""
        page = self.env["ir.qweb"]._render(
            "website_sale.payment_confirmation_status",
            {"order": order.sudo(), "order_tracking_info": {}},
        )
        return html.fromstring(page)

    def test_the_order_confirmation_shows_the_voucher_until_paid(self):
        tx = self._issue_order_voucher()
        order = tx.sale_order_ids
        page = self._confirmation(order)
        [cip] = page.xpath("//*[hasclass('o_pagoefectivo_cip')]")
        self.assertEqual(cip.text_content().strip(), tx.provider_reference)
        self.assertTrue(page.xpath(f"//a[@href='{tx.pagoefectivo_cip_url}']"))

        with self._odoo_reachable():
            self.emulator.pay(tx.provider_reference)
        page = self._confirmation(order)
        self.assertFalse(page.xpath("//*[hasclass('o_pagoefectivo_cip')]"))
        self.assertTrue(page.xpath("//*[hasclass('o_pagoefectivo_paid')]"))
