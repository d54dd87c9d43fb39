from datetime import timedelta
from unittest.mock import patch

from odoo import fields
from odoo.exceptions import AccessError, ValidationError
from odoo.tests import tagged

from ..models import account_move_voucher_issue
from ..tools.lima_time import format_lima, parse_lima
from .common import PagoEfectivoCommon


@tagged("post_install", "-at_install")
class TestInvoiceVoucherIssue(PagoEfectivoCommon):
    """Billing users issue PagoEfectivo codes for posted customer invoices, one
    or many at once; a journal or a customer may have them issued by themselves."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.billing_user = cls._new_user(
            "pe_issue_billing", "account.group_account_invoice"
        )
        cls.sale_journal = cls.company_data["default_journal_sale"]

    # === HELPERS === #

    def _issue(self, invoices, user=None, **values):
        """The *Issue PagoEfectivo Codes* action on the invoices, as a billing
        user: its result lines, one per invoice."""
        wizard = (
            self.env["pagoefectivo.invoice.issue"]
            .with_user(user or self.billing_user)
            .with_context(active_model="account.move", active_ids=invoices.ids)
            .create(values)
        )
        wizard.action_issue()
        self.env.invalidate_all()  # the form shows what a new request reads
        self.assertEqual(wizard.state, "done")
        self.assertEqual(wizard.line_ids.invoice_id, invoices)
        return wizard.line_ids

    def _line(self, lines, invoice):
        return lines.filtered(lambda line: line.invoice_id == invoice)

    def _tx(self, line):
        """The voucher a result line tells of."""
        return line.invoice_id.transaction_ids.filtered(
            lambda tx: tx.provider_reference == line.cip
        )

    def _run_issue_job(self):
        """The scheduled action *PagoEfectivo: issue invoice codes* runs."""
        self.env["account.move"]._cron_pagoefectivo_issue_queued()
        self.env.invalidate_all()

    def _issue_job_triggered(self):
        cron = self.env.ref("pagoefectivo_payment.cron_invoice_issue")
        return self.env["ir.cron.trigger"].search_count([("cron_id", "=", cron.id)])

    def _send_by(self, user, invoice, sending_methods):
        """`user` sends the invoice from its Send wizard."""
        wizard = (
            self.env["account.move.send.wizard"]
            .with_user(user)
            .with_context(active_model="account.move", active_ids=invoice.ids)
            .create({})
        )
        wizard.sending_methods = sending_methods
        wizard.action_send_and_print()
        self.env.invalidate_all()

    def _emails_to_customer(self):
        return self.env["mail.mail"].search([("recipient_ids", "in", self.partner.ids)])

    def _cip(self, tx):
        return self.emulator.cips[int(tx.provider_reference)]

    def _cip_posts(self):
        return [
            call
            for call in self.emulator.api_calls
            if call["path"] == "/v1/cips" and call["method"] == "POST"
        ]

    def _pay_by_hand(self, invoice, amount=None):
        values = {"amount": amount} if amount else {}
        self.env["account.payment.register"].with_context(
            active_model="account.move", active_ids=invoice.ids
        ).create(values)._create_payments()
        self.env.invalidate_all()

    def _invoice_in(self, currency, amount):
        return self.init_invoice(
            "out_invoice",
            partner=self.partner,
            amounts=[amount],
            taxes=[],
            currency=currency,
            post=True,
        )

    def _assert_valid_for_hours(self, tx, hours):
        expected = fields.Datetime.now() + timedelta(hours=hours)
        sent = parse_lima(self._cip(tx)["dateExpiry"])
        for expiry in (tx.pagoefectivo_expiry, sent):
            self.assertAlmostEqual(expiry, expected, delta=timedelta(minutes=5))

    def _notes(self, invoice):
        return " ".join(str(body) for body in invoice.message_ids.mapped("body"))

    # === BY HAND === #

    def test_an_invoice_gets_a_code_for_its_amount_due(self):
        invoice = self._create_invoice()
        line = self._issue(invoice)
        self.assertEqual(line.status, "issued", line.reason)
        tx = invoice.pagoefectivo_voucher_id
        self.assertEqual(tx.invoice_ids, invoice)
        self.assertEqual((line.cip, line.amount), (tx.provider_reference, 150.5))
        self.assertEqual(line.expiry, tx.pagoefectivo_expiry)
        cip = self._cip(tx)
        self.assertEqual((cip["currency"], cip["amount"]), ("PEN", "150.50"))
        self.assertEqual(cip["transactionCode"], tx.reference)
        self.assertTrue(tx.reference.startswith(invoice.name))
        # The customer fields as at checkout.
        self.assertEqual(
            [cip[key] for key in ("userEmail", "userName", "userLastName")],
            ["juan.perez@example.pe", "Juan Carlos", "Pérez García"],
        )
        self.assertEqual(
            (cip["userDocumentType"], cip["userDocumentNumber"]), ("DNI", "45678912")
        )
        self._assert_valid_for_hours(tx, 48)  # the provider's validity
        # The invoice form shows it; the customer gets it by email.
        self.assertEqual(
            (invoice.pagoefectivo_voucher_cip, invoice.pagoefectivo_voucher_status),
            (tx.provider_reference, "live"),
        )
        self.assertEqual(invoice.pagoefectivo_voucher_expiry, tx.pagoefectivo_expiry)
        mail = self.env["mail.mail"].search(
            [("model", "=", "payment.transaction"), ("res_id", "=", tx.id)]
        )
        self.assertIn(tx.provider_reference, mail.subject)
        self.assertIn("initiated", self._notes(invoice))
        # The accountant's trail: which code, until when.
        self.assertIn(
            f"PagoEfectivo code {tx.provider_reference} issued, valid until "
            f"{format_lima(tx.pagoefectivo_expiry)} (Lima time).",
            self._notes(invoice),
        )

    def test_issuing_again_keeps_the_valid_code(self):
        invoice = self._create_invoice()
        first = self._issue(invoice)
        again = self._issue(invoice)
        self.assertEqual(again.status, "reused")
        self.assertEqual(again.reason, "It already has a valid code.")
        self.assertEqual(again.cip, first.cip)
        self.assertEqual(self._tx(first).state, "pending")
        # A validity asked for does not apply to the code kept: it says so.
        chosen = self._issue(invoice, validity=5, validity_unit="days")
        self.assertEqual(chosen.status, "reused")
        self.assertEqual(
            chosen.reason,
            "It already has a valid code, until "
            f"{format_lima(self._tx(first).pagoefectivo_expiry)} (Lima time); "
            "extend it with Extend voucher.",
        )
        self.assertEqual(len(self._cip_posts()), 1)

    def test_five_invoices_at_once_skip_what_asks_nothing_with_a_reason(self):
        due, other_due = self._create_invoice(100), self._create_invoice(200)
        paid = self._create_invoice(300)
        self._pay_by_hand(paid)
        cancelled = self._create_invoice(400)
        cancelled.button_draft()
        cancelled.button_cancel()
        zero = self._invoice_in(self.currency, 0.0)
        invoices = due | other_due | paid | cancelled | zero
        lines = self._issue(invoices)
        self.assertEqual(
            [self._line(lines, invoice).status for invoice in invoices],
            ["issued", "issued", "skipped", "skipped", "skipped"],
        )
        self.assertEqual(
            [self._line(lines, invoice).reason for invoice in (paid, cancelled, zero)],
            ["It is paid.", "It is cancelled.", "Its total is zero."],
        )
        self.assertEqual(
            [
                self._cip(self._tx(self._line(lines, i)))["amount"]
                for i in (due, other_due)
            ],
            ["100.00", "200.00"],
        )
        self.assertEqual(len(self._cip_posts()), 2)
        self.assertFalse((paid | cancelled | zero).transaction_ids)
        # The trail on each invoice too.
        self.assertIn("No PagoEfectivo code was issued: It is paid.", self._notes(paid))
        self.assertIn(
            "No PagoEfectivo code was issued: It is cancelled.", self._notes(cancelled)
        )

    def test_a_slow_pagoefectivo_leaves_the_rest_for_later_within_the_request(self):
        invoices = self._create_invoice(100) | self._create_invoice(200)
        invoices |= self._create_invoice(300)
        clock = iter(range(0, 1000, 25))  # each request to PagoEfectivo: 25 s
        with patch.object(
            account_move_voucher_issue, "monotonic", side_effect=lambda: next(clock)
        ):
            lines = self._issue(invoices)
        self.assertEqual(lines.mapped("status"), ["issued", "issued", "not_tried"])
        self.assertEqual(
            lines[2].reason,
            "Not tried: PagoEfectivo is slow, try again in a few minutes.",
        )
        self.assertFalse(invoices[2].transaction_ids)
        self.assertEqual(len(self._cip_posts()), 2)

    def test_what_pagoefectivo_does_not_take_is_skipped_with_a_reason(self):
        usd = self.setup_other_currency("USD", rates=[("2017-01-01", 2.0)])
        eur = self.setup_other_currency("EUR", rates=[("2017-01-01", 0.25)])
        self.provider.maximum_amount = 300  # soles
        dollars = self._invoice_in(usd, 400)  # 200 soles
        soles = self._create_invoice(400)
        euros = self._invoice_in(eur, 50)
        lines = self._issue(dollars | soles | euros)
        self.assertEqual(self._line(lines, dollars).status, "issued")
        cip = self._cip(self._tx(self._line(lines, dollars)))
        self.assertEqual((cip["currency"], cip["amount"]), ("USD", "400.00"))
        self.assertEqual(dollars.pagoefectivo_voucher_id.currency_id, usd)
        above, not_taken = self._line(lines, soles), self._line(lines, euros)
        self.assertEqual((above.status, not_taken.status), ("skipped", "skipped"))
        self.assertRegex(
            above.reason,
            r"^Its amount due, S/\W400\.00, is above the PagoEfectivo limit of "
            r"S/\W300\.00\.$",
        )
        self.assertEqual(
            not_taken.reason, "PagoEfectivo does not take invoices in EUR."
        )
        self.assertEqual(len(self._cip_posts()), 1)

    def test_pagoefectivo_down_costs_only_the_invoice_it_was_asked_for(self):
        first, second = self._create_invoice(100), self._create_invoice(200)
        self.emulator.set_faults(
            api_errors=[{"path_prefix": "/v1/cips", "method": "POST", "status": 503}]
        )
        lines = self._issue(first | second)
        failed, issued = self._line(lines, first), self._line(lines, second)
        self.assertEqual(failed.status, "failed")
        self.assertIn("try again later", failed.reason)
        self.assertFalse(first.pagoefectivo_voucher_id)
        self.assertEqual(issued.status, "issued")
        self.assertEqual(second.pagoefectivo_voucher_id, self._tx(issued))
        self.assertIn("try again later", self._notes(first))
        # Tried again once PagoEfectivo is back.
        self.assertEqual(self._issue(first).status, "issued")

    def test_the_validity_chosen_in_the_action_is_for_those_codes_only(self):
        chosen = self._issue(self._create_invoice(), validity=3, validity_unit="days")
        self._assert_valid_for_hours(self._tx(chosen), 72)
        hours = self._issue(self._create_invoice(), validity=5, validity_unit="hours")
        self._assert_valid_for_hours(self._tx(hours), 5)
        usual = self._issue(self._create_invoice())
        self._assert_valid_for_hours(self._tx(usual), 48)
        self.assertEqual(self.provider.pagoefectivo_voucher_hours, 48)
        with self.assertRaises(ValidationError):
            self._issue(self._create_invoice(), validity=31, validity_unit="days")

    def test_partly_paid_then_issued_again_asks_the_new_amount_due(self):
        invoice = self._create_invoice(200)
        first = self._tx(self._issue(invoice))
        self._pay_by_hand(invoice, 50)
        self.assertFalse(invoice.pagoefectivo_voucher_id, "no longer what it asks")
        self.assertEqual(invoice.pagoefectivo_voucher_status, "outdated")
        second = self._issue(invoice)
        self.assertEqual(second.status, "issued")
        self.assertEqual(self._cip(self._tx(second))["amount"], "150.00")
        self.assertEqual(invoice.pagoefectivo_voucher_id, self._tx(second))
        self.assertEqual(first.state, "cancel")
        self.env["payment.transaction"]._cron_pagoefectivo_delete_withdrawn()
        self.assertEqual(self._cip(first)["statusName"], "Eliminada")
        self.assertEqual(self._cip(self._tx(second))["statusName"], "Generado")

    # === RIGHTS === #

    def test_only_billing_users_issue_codes_for_invoices_they_may_change(self):
        self.assertFalse(self.billing_user.has_group("base.group_system"))
        self.assertFalse(self.billing_user.has_group("account.group_account_user"))
        invoice = self._create_invoice()
        internal = self._new_user("pe_issue_internal", "base.group_user")
        with self.assertRaises(AccessError):
            self._issue(invoice, user=internal)
        auditor = self._new_user("pe_issue_auditor", "account.group_account_readonly")
        with self.assertRaises(AccessError):
            invoice.with_user(auditor)._pagoefectivo_issue_vouchers()
        self.assertFalse(invoice.transaction_ids)
        self.assertEqual(self._issue(invoice).status, "issued")

    # === BY THEMSELVES === #

    def test_a_journal_issues_codes_after_invoices_are_posted(self):
        self.sale_journal.pagoefectivo_auto_issue = "post"
        invoice = self._create_invoice()
        # Posting only queues it: PagoEfectivo is not asked while posting.
        self.assertTrue(invoice.pagoefectivo_issue_queued)
        self.assertTrue(self._issue_job_triggered())
        self.assertFalse(invoice.transaction_ids)
        self.assertFalse(self._cip_posts())
        zero = self._invoice_in(self.currency, 0.0)
        self._run_issue_job()
        tx = invoice.pagoefectivo_voucher_id
        self.assertEqual(self._cip(tx)["amount"], "150.50")
        self.assertFalse(invoice.pagoefectivo_issue_queued)
        self.assertFalse(zero.transaction_ids)
        self.assertFalse(zero.pagoefectivo_issue_queued)
        self.assertNotIn("PagoEfectivo", self._notes(zero), "nothing to say")
        # Sent later by email while its code is valid: the same code.
        self._send_by(self.billing_user, invoice, ["email"])
        self.assertEqual(len(self._cip_posts()), 1)

    def test_an_invoice_paid_before_the_job_runs_gets_no_code(self):
        self.sale_journal.pagoefectivo_auto_issue = "post"
        invoice = self._create_invoice()
        self._pay_by_hand(invoice)  # at the shop's counter, right after posting
        self._run_issue_job()
        self.assertFalse(invoice.transaction_ids)
        self.assertFalse(invoice.pagoefectivo_issue_queued)
        self.assertFalse(self._cip_posts())
        self.assertNotIn("PagoEfectivo", self._notes(invoice), "nothing to say")

    def test_pagoefectivo_down_in_the_job_is_noted_and_the_others_go_on(self):
        self.sale_journal.pagoefectivo_auto_issue = "post"
        first, second = self._create_invoice(100), self._create_invoice(200)
        euros = self._invoice_in(self.setup_other_currency("EUR"), 50)
        self.emulator.set_faults(
            api_errors=[
                {"path_prefix": "/v1/cips", "method": "POST", "status": 503, "times": 1}
            ]
        )
        self._run_issue_job()
        self.assertEqual(first.state, "posted")
        self.assertFalse(first.pagoefectivo_voucher_id)
        self.assertIn("No PagoEfectivo code was issued", self._notes(first))
        self.assertIn("try again later", self._notes(first))
        self.assertEqual(self._cip(second.pagoefectivo_voucher_id)["amount"], "200.00")
        # What PagoEfectivo does not take is no news on every invoice.
        self.assertFalse(euros.transaction_ids)
        self.assertNotIn("PagoEfectivo", self._notes(euros))
        self.assertFalse((first | second | euros).filtered("pagoefectivo_issue_queued"))

    def test_a_journal_issues_codes_when_invoices_are_sent_by_email(self):
        self.sale_journal.pagoefectivo_auto_issue = "send"
        invoice = self._create_invoice()
        self.assertFalse(invoice.pagoefectivo_issue_queued)
        self._run_issue_job()
        self.assertFalse(invoice.transaction_ids)
        # Downloaded: nothing is issued.
        self._send_by(self.billing_user, invoice, ["manual"])
        self.assertFalse(invoice.transaction_ids)
        self.assertFalse(self._cip_posts())
        # A salesperson, who may send invoices but not change them, sends it.
        salesperson = self._new_user(
            "pe_issue_salesperson", "sales_team.group_sale_salesman"
        )
        self.assertFalse(salesperson.has_group("account.group_account_invoice"))
        invoice.invoice_user_id = salesperson
        self._send_by(salesperson, invoice, ["email"])
        tx = invoice.pagoefectivo_voucher_id
        self.assertEqual(self._cip(tx)["amount"], "150.50")
        # One email: the invoice's, which carries the code.
        emails = self._emails_to_customer()
        self.assertEqual(len(emails), 1, emails.mapped("model"))
        self.assertEqual((emails.model, emails.res_id), ("account.move", invoice.id))
        self.assertIn(tx.provider_reference, str(emails.body_html))

    def test_customers_paying_with_pagoefectivo_get_codes_when_posted(self):
        # The provider's payment method on its journal, as its form sets it.
        self.provider.journal_id = self.company_data["default_journal_bank"]
        method_line = self.env["account.payment.method.line"].search(
            [("payment_provider_id", "=", self.provider.id)]
        )
        self.assertEqual(method_line.code, "pagoefectivo")
        self.partner.property_inbound_payment_method_line_id = method_line
        invoice = self._create_invoice()
        self.assertEqual(invoice.preferred_payment_method_line_id, method_line)
        self.partner.property_inbound_payment_method_line_id = False
        other = self._create_invoice()
        self._run_issue_job()
        self.assertTrue(invoice.pagoefectivo_voucher_id)
        self.assertFalse(other.transaction_ids)
