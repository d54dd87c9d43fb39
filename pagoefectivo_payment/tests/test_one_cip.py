from datetime import timedelta

from odoo.exceptions import UserError
from odoo.fields import Command
from odoo.tests import tagged

from .. import const
from .common import PagoEfectivoCommon


@tagged("post_install", "-at_install")
class TestOneCip(PagoEfectivoCommon):
    """A CIP is never issued twice by a retry, and a document has one live CIP."""

    def _cip_posts(self):
        return [
            call
            for call in self.emulator.api_calls
            if call["path"] == "/v1/cips" and call["method"] == "POST"
        ]

    def _emulated(self, code):
        return [
            cip for cip in self.emulator.cips.values() if cip["transactionCode"] == code
        ]

    def _delete_withdrawn(self):
        self.env["payment.transaction"]._cron_pagoefectivo_delete_withdrawn()

    def _status(self, cip):
        return self.emulator.cips[int(cip)]["statusName"]

    def _pay_at_emulator(self, cip):
        with self._odoo_reachable():
            [delivery] = self.emulator.pay(cip)
        self.assertEqual(delivery["status"], 200)

    def _payments(self, txs):
        return self.env["account.payment"].search(
            [("payment_transaction_id", "in", txs.ids)]
        )

    def _retry_checkout(self, tx, amount=None):
        """The customer pays the same document again: a new transaction."""
        values = {"amount": amount or tx.amount}
        if tx.sale_order_ids:
            values["sale_order_ids"] = [Command.set(tx.sale_order_ids.ids)]
        else:
            values["invoice_ids"] = [Command.set(tx.invoice_ids.ids)]
        retry = self._create_transaction(
            "redirect",
            reference=self.env["payment.transaction"]._compute_reference(
                "pagoefectivo", prefix=tx.reference
            ),
            **values,
        )
        retry._get_processing_values()
        return retry

    def _lose_the_next_cip_reply(self):
        self.emulator.set_faults(
            reply_lost=[{"path_prefix": "/v1/cips", "method": "POST"}]
        )

    # === A REQUEST THAT MAY HAVE SUCCEEDED IS NEVER REPEATED === #

    def test_reply_lost_then_the_customer_pays_the_cip_odoo_never_heard_of(self):
        self._lose_the_next_cip_reply()
        tx = self._issue_voucher()
        self.assertEqual(tx.state, "error")
        self.assertIn("could not generate", tx.state_message)
        self.assertEqual(len(self._cip_posts()), 1, "never POSTed again")
        [lost] = self._emulated(tx.reference)  # PagoEfectivo did create it
        self._pay_at_emulator(lost["cip"])
        self.assertEqual(tx.state, "done")
        self.assertEqual(tx.provider_reference, str(lost["cip"]))
        tx._post_process()
        self.assertEqual(len(self._payments(tx)), 1)
        self.assertIn(tx.invoice_ids.payment_state, ("paid", "in_payment"))

    def test_unavailable_gateway_on_create_is_not_repeated(self):
        self.emulator.set_faults(
            api_errors=[{"path_prefix": "/v1/cips", "method": "POST", "status": 503}]
        )
        tx = self._issue_voucher()
        self.assertEqual(tx.state, "error")
        self.assertEqual([c["status"] for c in self._cip_posts()], [503])

    def test_a_search_is_repeated_after_an_unavailable_gateway(self):
        tx = self._issue_voucher()
        self.emulator.set_faults(
            api_errors=[{"path_prefix": "/v1/cips/search", "status": 503}]
        )
        reply = tx.provider_id._pagoefectivo_request(
            "POST", "cips/search", {"data": [{"cip": int(tx.provider_reference)}]}
        )
        self.assertEqual(str(reply["data"][0]["cip"]), tx.provider_reference)

    def test_an_order_paid_through_two_cips_books_one_payment_and_asks_a_refund(self):
        self._lose_the_next_cip_reply()
        first = self._issue_order_voucher()
        [lost] = self._emulated(first.reference)
        second = self._retry_checkout(first)
        self.assertEqual(second.state, "pending")
        self._pay_at_emulator(second.provider_reference)
        self._pay_at_emulator(lost["cip"])  # the customer pays the emailed one too
        self.assertEqual(second.state, "done")
        self.assertNotEqual(first.state, "done")
        [flagged] = self.env["pagoefectivo.notification"].search(
            [("cip", "=", str(lost["cip"]))]
        )
        self.assertEqual(
            (flagged.state, flagged.review_reason), ("review", "paid_twice")
        )
        self.assertIn(first.reference, flagged.outcome)
        self.assertIn("0.00 left to pay", flagged.outcome)
        (first | second)._post_process()
        self.assertEqual(len(self._payments(first | second)), 1)
        activity = first.sale_order_ids.activity_ids
        self.assertIn("refund", activity.summary.lower())
        # Told again (PagoEfectivo retries, or the recovery job asks): flagged once.
        with self._odoo_reachable():
            self.emulator.notify(const.EVENT_PAID, lost["cip"])
        self.assertEqual(len(first.sale_order_ids.activity_ids), 1)

    def test_an_invoice_paid_in_two_halves_through_two_cips_books_both(self):
        invoice = self._create_invoice(200)
        first = self._create_transaction(
            "redirect",
            amount=100,
            reference=f"{invoice.name}-half",
            invoice_ids=[Command.set(invoice.ids)],
        )
        first._get_processing_values()
        self._pay_at_emulator(first.provider_reference)
        first._post_process()
        second = self._retry_checkout(first, amount=100)
        self.assertNotEqual(second.provider_reference, first.provider_reference)
        self._pay_at_emulator(second.provider_reference)
        self.assertEqual(second.state, "done")
        second._post_process()
        self.assertEqual(len(self._payments(first | second)), 2)
        self.assertIn(invoice.payment_state, ("paid", "in_payment"))

    def test_a_cip_paid_after_the_invoice_was_paid_by_other_means_is_flagged(self):
        tx = self._issue_voucher()
        self.env["account.payment.register"].with_context(
            active_model="account.move", active_ids=tx.invoice_ids.ids
        ).create({})._create_payments()
        self._pay_at_emulator(tx.provider_reference)  # before the job withdrew it
        self.assertNotEqual(tx.state, "done")
        [flagged] = self.env["pagoefectivo.notification"].search(
            [("cip", "=", tx.provider_reference)]
        )
        self.assertEqual(flagged.review_reason, "paid_twice")
        self.assertIn("0.00 left to pay", flagged.outcome)
        self.assertFalse(self._payments(tx))

    def test_the_payment_is_dated_the_lima_day_it_was_paid(self):
        tx = self._issue_voucher()
        with self._odoo_reachable():
            # 21:00 in Lima on the 30th is already the 1st of December in UTC.
            self.emulator.pay(
                tx.provider_reference, payment_date="2026-11-30T21:00:00-05:00"
            )
        tx._post_process()
        self.assertEqual(str(self._payments(tx).date), "2026-11-30")

    def test_resetting_an_orders_invoice_keeps_the_orders_voucher(self):
        tx = self._issue_order_voucher()
        invoice = self._create_invoice()
        invoice.transaction_ids = tx  # as the order's invoice has them
        invoice.button_draft()
        self.assertEqual(tx.state, "pending")
        self.assertFalse(tx.pagoefectivo_delete_pending)

    # === ONE LIVE CIP PER DOCUMENT === #

    def test_a_second_checkout_for_the_same_amount_shows_the_same_cip(self):
        first = self._issue_order_voucher()
        cip = first.provider_reference
        second = self._retry_checkout(first)
        self.assertEqual((second.state, second.provider_reference), ("pending", cip))
        self.assertEqual(first.state, "cancel")
        self.assertEqual(len(self._cip_posts()), 1)
        self._pay_at_emulator(cip)
        self.assertEqual(second.state, "done")

    def test_a_checkout_for_a_new_amount_deletes_the_old_cip(self):
        first = self._issue_order_voucher()
        old_cip = first.provider_reference
        second = self._retry_checkout(first, amount=first.amount + 10)
        self.assertNotEqual(second.provider_reference, old_cip)
        self.assertEqual(first.state, "cancel")
        self.assertNotEqual(self._status(old_cip), "Eliminada", "after the commit")
        self._delete_withdrawn()
        self.assertEqual(self._status(old_cip), "Eliminada")
        self.assertFalse(first.pagoefectivo_delete_pending)

    def test_a_paid_cip_deletes_its_live_siblings(self):
        first = self._issue_order_voucher()
        # Two tabs confirmed the order at the same moment: two live CIPs.
        second = self._create_transaction(
            "redirect",
            amount=first.amount,
            reference=f"{first.reference}-2",
            sale_order_ids=[Command.set(first.sale_order_ids.ids)],
        )
        second._pagoefectivo_issue_cip()
        self.assertEqual((first | second).mapped("state"), ["pending", "pending"])
        self._pay_at_emulator(second.provider_reference)
        self.assertEqual(first.state, "cancel")
        self._delete_withdrawn()
        self.assertEqual(self._status(first.provider_reference), "Eliminada")

    def test_an_invoice_reset_to_draft_or_cancelled_deletes_its_pending_cip(self):
        for action in ("button_draft", "button_cancel"):
            tx = self._issue_voucher()
            getattr(tx.invoice_ids, action)()
            self.assertEqual(tx.state, "cancel", action)
            self._delete_withdrawn()
            self.assertEqual(self._status(tx.provider_reference), "Eliminada", action)

    def test_an_invoice_paid_by_other_means_deletes_its_cip(self):
        tx = self._issue_voucher()
        self.env["account.payment.register"].with_context(
            active_model="account.move", active_ids=tx.invoice_ids.ids
        ).create({})._create_payments()
        self._delete_withdrawn()
        self.assertEqual(tx.state, "cancel")
        self.assertEqual(self._status(tx.provider_reference), "Eliminada")

    def test_cancelling_an_order_works_while_pagoefectivo_is_down(self):
        tx = self._issue_order_voucher()
        self.emulator.set_faults(
            api_errors=[
                {
                    "path_prefix": "/v1/cips",
                    "method": "DELETE",
                    "status": 503,
                    "times": 9,
                }
            ]
        )
        tx.sale_order_ids._action_cancel()
        self.assertEqual(tx.state, "cancel")
        self._delete_withdrawn()
        self.assertTrue(tx.pagoefectivo_delete_pending, "kept for the next run")
        self.assertNotEqual(self._status(tx.provider_reference), "Eliminada")
        self.emulator.clear_faults()
        self._delete_withdrawn()
        self.assertFalse(tx.pagoefectivo_delete_pending)
        self.assertEqual(self._status(tx.provider_reference), "Eliminada")

    def test_a_cip_paid_before_its_deletion_stops_being_deleted(self):
        tx = self._issue_order_voucher()
        tx.sale_order_ids._action_cancel()
        # The customer pays just before the job runs; the notification is late.
        self.emulator.set_faults(drop=1)
        self.emulator.pay(tx.provider_reference)
        self._delete_withdrawn()
        self.assertFalse(tx.pagoefectivo_delete_pending, "refused for good")
        self.assertEqual(self._status(tx.provider_reference), "Cancelada")

    # === TRANSACTION CODE === #

    def test_three_invoices_paid_at_once_fit_the_transaction_code(self):
        invoices = self._create_invoice(10) | self._create_invoice(20)
        invoices |= self._create_invoice(30)
        reference = self.env["payment.transaction"]._compute_reference(
            "pagoefectivo", invoice_ids=invoices.ids
        )
        self.assertLessEqual(len(reference), const.CODE_MAX_LENGTH)
        tx = self._create_transaction(
            "redirect",
            amount=60,
            reference=reference,
            invoice_ids=[Command.set(invoices.ids)],
        )
        tx._get_processing_values()
        self.assertEqual(tx.state, "pending")
        [cip] = self._emulated(reference)
        self.assertEqual(str(cip["cip"]), tx.provider_reference)
        self._pay_at_emulator(tx.provider_reference)
        self.assertEqual(tx.state, "done")
        tx._post_process()
        self.assertLessEqual(
            set(invoices.mapped("payment_state")), {"paid", "in_payment"}
        )

    # === AFTER REVIEW === #

    def test_a_withdrawn_voucher_paid_with_its_notification_lost_is_recovered(self):
        tx = self._issue_order_voucher()
        tx.action_pagoefectivo_cancel()
        self.emulator.set_faults(drop=1)
        self.emulator.pay(tx.provider_reference)
        self.env["payment.provider"]._cron_pagoefectivo_recover()
        self.assertEqual(tx.state, "done")
        self.assertIn("cancelled", tx.sale_order_ids.activity_ids.summary)

    def test_a_withdrawn_or_replaced_voucher_cannot_be_extended(self):
        first = self._issue_order_voucher()
        self._retry_checkout(first, amount=first.amount + 10)
        with self.assertRaises(UserError):
            first._pagoefectivo_extend(first.pagoefectivo_expiry + timedelta(days=1))

    def test_an_old_cip_paid_for_less_than_the_order_now_asks_says_so(self):
        self._lose_the_next_cip_reply()
        first = self._issue_order_voucher()
        [lost] = self._emulated(first.reference)
        order = first.sale_order_ids
        order.order_line.product_uom_qty = 2  # the order grew
        second = self._retry_checkout(first, amount=order.amount_total)
        self._pay_at_emulator(lost["cip"])
        self.assertEqual(first.state, "done")
        self.assertEqual(second.state, "cancel")
        self.assertIn(
            "Partly paid", order.activity_ids.mapped("summary")[0], "someone is told"
        )

    def test_an_order_paid_by_another_provider_flags_its_paid_cip(self):
        tx = self._issue_order_voucher()
        other = self.env["payment.provider"].create({"name": "Card", "code": "none"})
        card = self._create_transaction(
            "direct",
            provider_id=other.id,
            amount=tx.amount,
            reference=f"{tx.reference}-card",
            sale_order_ids=[Command.set(tx.sale_order_ids.ids)],
        )
        card._set_done()
        self._pay_at_emulator(tx.provider_reference)
        self.assertNotEqual(tx.state, "done")
        [flagged] = self.env["pagoefectivo.notification"].search(
            [("cip", "=", tx.provider_reference)]
        )
        self.assertEqual(flagged.review_reason, "paid_twice")

    def test_a_stored_notification_cannot_be_pointed_at_another_transaction(self):
        tx = self._issue_voucher()
        other = self._issue_voucher()
        self._pay_at_emulator(tx.provider_reference)
        [notification] = self.env["pagoefectivo.notification"].search(
            [("cip", "=", tx.provider_reference)]
        )
        with self.assertRaises(UserError):
            notification.transaction_id = other

    def test_an_oversized_notification_is_refused_before_any_work(self):
        body = b'{"eventType":"cip.paid","data":{"pad":"' + b"x" * 70000 + b'"}}'
        response = self._post_webhook(body)
        self.assertEqual(response.status_code, 413)
        self.assertFalse(self.env["pagoefectivo.notification"].search([]))
