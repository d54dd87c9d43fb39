"""The shop, end to end in Chromium on a phone-sized screen: a customer buys
with PagoEfectivo, gets a CIP, pays it at PagoEfectivo (the emulator) and sees
the order confirmed. The tours are in pagoefectivo_payment/static/tests/tours."""

from odoo import http
from odoo.tests import HttpCase, new_test_user, tagged

from pagoefectivo_emulator import Emulator

WEBHOOK_ROUTE = "/payment/pagoefectivo/webhook"
# What the customer's browser session remembers between the two tours: the
# payment it watches and the order it placed.
CUSTOMER_SESSION_KEYS = ("__payment_monitored_tx_id__", "sale_last_order_id")


@tagged("post_install", "-at_install")
class TestShopTours(HttpCase):
    browser_size = "375x812"
    touch_enabled = True

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.emulator = Emulator(notify_url=cls.base_url() + WEBHOOK_ROUTE).start()
        cls.addClassCleanup(cls.emulator.stop)
        website = cls.env["website"].get_current_website()
        cls.provider = cls.env.ref("pagoefectivo_payment.payment_provider_pagoefectivo")
        cls.provider.write(
            {
                "company_id": website.company_id.id,
                "state": "test",
                "is_published": True,
                "pagoefectivo_service_id": cls.emulator.config.service_id,
                "pagoefectivo_access_key": cls.emulator.config.access_key,
                "pagoefectivo_secret_key": cls.emulator.config.secret_key,
                "pagoefectivo_base_url": cls.emulator.base_url + "/v1/",
            }
        )
        cls.env["product.template"].create(
            {
                "name": "Café de Chanchamayo 500 g",
                "list_price": 32.0,
                "is_published": True,
            }
        )
        district = cls.env.ref("l10n_pe.district_pe_150122")
        cls.customer = new_test_user(
            cls.env,
            login="maria",
            groups="base.group_portal",
            name="María Quispe Mamani",
            email="maria.quispe@example.pe",
        )
        cls.customer.partner_id.write(
            {
                "phone": "+51 987 654 321",
                "street": "Av. Pardo 610",
                "zip": "15074",
                "country_id": cls.env.ref("base.pe").id,
                "state_id": district.city_id.state_id.id,
                "city_id": district.city_id.id,
                "city": district.city_id.name,
                "l10n_pe_district": district.id,
                "l10n_latam_identification_type_id": cls.env.ref("l10n_pe.it_DNI").id,
                "vat": "45678912",
            }
        )

    def authenticate(self, user, password, **kwargs):
        """Each tour opens a new session; keep the customer's payment and order
        in it, as their browser would between two visits."""
        previous = self.session and http.root.session_store.get(self.session.sid) or {}
        kept = {key: previous[key] for key in CUSTOMER_SESSION_KEYS if key in previous}
        kwargs["session_extra"] = {**kept, **(kwargs.get("session_extra") or {})}
        return super().authenticate(user, password, **kwargs)

    def _transaction(self):
        return self.env["payment.transaction"].search(
            [("provider_id", "=", self.provider.id)], order="id desc", limit=1
        )

    def test_buy_pay_at_pagoefectivo_and_see_the_order_confirmed(self):
        self.start_tour("/shop", "pagoefectivo_shop_checkout", login="maria")
        tx = self._transaction()
        self.assertEqual(tx.state, "pending")
        order = tx.sale_order_ids
        self.assertNotEqual(order.state, "sale")  # not confirmed before payment
        self.assertIn(int(tx.provider_reference), self.emulator.cips)

        self.env.flush_all()
        with self.allow_requests(all_requests=True):  # the notification reaches Odoo
            deliveries = self.emulator.pay(tx.provider_reference)
        self.env.invalidate_all()
        self.assertEqual([d["status"] for d in deliveries], [200])

        self.start_tour("/payment/status", "pagoefectivo_shop_paid", login="maria")
        self.assertEqual(tx.state, "done")
        self.assertEqual(order.state, "sale")
