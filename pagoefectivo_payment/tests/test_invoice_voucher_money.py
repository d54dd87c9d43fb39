from datetime import timedelta

from odoo import fields
from odoo.fields import Command
from odoo.tests import tagged

from .common import PagoEfectivoCommon


@tagged("post_install", "-at_install")
class TestInvoiceVoucherMoney(PagoEfectivoCommon):
    """A code is never payable for more than its invoice (or order) still asks;
    when it was paid anyway, or PagoEfectivo answers with a code of another
    amount, a person hears of it."""

    # === HELPERS === #

    def _voucher_for(self, invoice, amount=None, **values):
        """A voucher for the invoice, for what it asks now unless told."""
        tx = self._create_transaction(
            "redirect",
            amount=amount or invoice.amount_residual,
            reference=self.env["payment.transaction"]._compute_reference(
                "pagoefectivo", invoice_ids=invoice.ids
            ),
            invoice_ids=[Command.set(invoice.ids)],
            **values,
        )
        tx._pagoefectivo_issue_or_reuse()
        return tx

    def _partial_payment(self, invoice, amount):
        self.env["account.payment.register"].with_context(
            active_model="account.move", active_ids=invoice.ids
        ).create({"amount": amount})._create_payments()

    def _run_job(self):
        self.env["payment.transaction"]._cron_pagoefectivo_delete_withdrawn()

    def _status(self, tx):
        return self.emulator.cips[int(tx.provider_reference)]["statusName"]

    def _installment_invoice(self):
        """An invoice of 200 due in two halves: now and in 30 days."""
        term = self.env["account.payment.term"].create(
            {
                "name": "Half now, half in 30 days",
                "line_ids": [
                    Command.create(
                        {"value": "percent", "value_amount": 50, "nb_days": 0}
                    ),
                    Command.create(
                        {"value": "percent", "value_amount": 50, "nb_days": 30}
                    ),
                ],
            }
        )
        invoice = self.init_invoice(
            "out_invoice",
            partner=self.partner,
            invoice_date=fields.Date.context_today(self.env.user),
            amounts=[200],
            taxes=[],
        )
        invoice.invoice_payment_term_id = term
        invoice.action_post()
        return invoice

    # === OUTDATED CODES === #

    def test_a_partial_payment_withdraws_a_code_for_more_than_is_due(self):
        invoice = self._create_invoice(200)
        tx = self._voucher_for(invoice)
        self._partial_payment(invoice, 50)
        self._run_job()
        self.assertEqual(tx.state, "cancel")
        self.assertIn("asks less than this code", tx.state_message)
        self.assertEqual(self._status(tx), "Eliminada", "deleted at PagoEfectivo")

    def test_a_code_for_the_next_installment_stays_and_is_shown(self):
        invoice = self._installment_invoice()
        installment = invoice._get_invoice_next_payment_values()["next_amount_to_pay"]
        self.assertEqual(installment, 100)
        tx = self._voucher_for(invoice, amount=installment)
        self._run_job()
        self.assertEqual(tx.state, "pending")
        self.assertNotEqual(self._status(tx), "Eliminada")
        self.assertEqual(invoice.pagoefectivo_voucher_id, tx, "on its documents")
        page = self.url_open(invoice.get_portal_url()).text
        self.assertIn(tx.provider_reference, page, "on its portal page")

    def test_a_code_for_several_invoices_stays_on_their_portal_pages(self):
        invoices = self._create_invoice(100) + self._create_invoice(50)
        tx = self._create_transaction(
            "redirect",
            amount=150,
            reference=self.env["payment.transaction"]._compute_reference(
                "pagoefectivo", invoice_ids=invoices.ids
            ),
            invoice_ids=[Command.set(invoices.ids)],
        )
        tx._pagoefectivo_issue_or_reuse()
        self._run_job()
        self.assertEqual(tx.state, "pending")
        for invoice in invoices:
            page = self.url_open(invoice.get_portal_url()).text
            self.assertIn(tx.provider_reference, page)

    def test_an_order_checkout_code_for_its_amount_stays(self):
        tx = self._issue_order_voucher()
        self._run_job()
        self.assertEqual(tx.state, "pending")

    # === OVERPAYMENT === #

    def test_an_outdated_code_paid_before_the_job_books_nothing_and_asks_a_person(
        self,
    ):
        invoice = self._create_invoice(200)
        tx = self._voucher_for(invoice)
        self._partial_payment(invoice, 50)
        with self._odoo_reachable():
            [delivery] = self.emulator.pay(tx.provider_reference)
        self.assertEqual(delivery["status"], 200)
        self.assertEqual(tx.state, "cancel", "200 paid for 150 due: not booked")
        self.assertFalse(tx.payment_id)
        self.assertEqual(invoice.amount_residual, 150)
        [activity] = invoice.activity_ids
        self.assertIn("refund needed", activity.summary)
        self.assertIn("150.00", str(activity.note))
        [notification] = tx.pagoefectivo_notification_ids
        self.assertEqual(notification.review_reason, "paid_twice")

    # === THE REPLY === #

    def test_a_cip_of_another_amount_for_the_same_code_is_not_taken(self):
        invoice = self._create_invoice(200)
        tx = self._create_transaction(
            "redirect",
            amount=200,
            reference=self.env["payment.transaction"]._compute_reference(
                "pagoefectivo", invoice_ids=invoice.ids
            ),
            invoice_ids=[Command.set(invoice.ids)],
        )
        # An earlier request with this reference, rolled back here, left a CIP.
        stale = self.emulator.create_cip(
            {**tx._pagoefectivo_cip_payload(), "amount": "120.00"}
        )
        tx._pagoefectivo_issue_or_reuse()
        self.assertEqual(tx.state, "error")
        self.assertFalse(tx.provider_reference)
        self.assertIn("different amount", tx.state_message)
        self.assertFalse(invoice.pagoefectivo_voucher_id)
        self.assertEqual(float(self.emulator.cips[int(stale["cip"])]["amount"]), 120)

    # === VALIDITY === #

    def test_a_validity_asked_for_a_voucher_is_its_expiry_at_pagoefectivo(self):
        invoice = self._create_invoice()
        tx = self._voucher_for(invoice, pagoefectivo_validity_hours=6)
        self.assertEqual(tx.state, "pending")
        self.assertAlmostEqual(
            tx.pagoefectivo_expiry,
            fields.Datetime.now() + timedelta(hours=6),
            delta=timedelta(minutes=2),
        )
