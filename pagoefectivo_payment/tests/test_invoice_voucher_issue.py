from datetime import timedelta

from odoo import fields
from odoo.exceptions import AccessError, ValidationError
from odoo.fields import Command
from odoo.tests import new_test_user, tagged

from ..tools.lima_time import parse_lima
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

    @classmethod
    def _new_user(cls, login, group):
        return new_test_user(
            cls.env,
            login=login,
            groups=f"base.group_user,{group}",
            company_id=cls.env.company.id,
            company_ids=[Command.set(cls.env.company.ids)],
        )

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
        tx = line.transaction_id
        self.assertEqual(invoice.pagoefectivo_voucher_id, tx)
        self.assertEqual(tx.invoice_ids, invoice)
        self.assertEqual((line.cip, line.amount), (tx.provider_reference, 150.5))
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

    def test_issuing_again_keeps_the_valid_code(self):
        invoice = self._create_invoice()
        first = self._issue(invoice)
        again = self._issue(invoice)
        self.assertEqual(again.status, "reused")
        self.assertEqual(again.transaction_id, first.transaction_id)
        self.assertEqual(first.transaction_id.state, "pending")
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
                self._cip(self._line(lines, i).transaction_id)["amount"]
                for i in (due, other_due)
            ],
            ["100.00", "200.00"],
        )
        self.assertEqual(len(self._cip_posts()), 2)
        self.assertFalse((paid | cancelled | zero).transaction_ids)

    def test_what_pagoefectivo_does_not_take_is_skipped_with_a_reason(self):
        usd = self.setup_other_currency("USD", rates=[("2017-01-01", 2.0)])
        eur = self.setup_other_currency("EUR", rates=[("2017-01-01", 0.25)])
        self.provider.maximum_amount = 300  # soles
        dollars = self._invoice_in(usd, 400)  # 200 soles
        soles = self._create_invoice(400)
        euros = self._invoice_in(eur, 50)
        lines = self._issue(dollars | soles | euros)
        self.assertEqual(self._line(lines, dollars).status, "issued")
        cip = self._cip(self._line(lines, dollars).transaction_id)
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
        self.assertEqual(second.pagoefectivo_voucher_id, issued.transaction_id)
        # Tried again once PagoEfectivo is back.
        self.assertEqual(self._issue(first).status, "issued")

    def test_the_validity_chosen_in_the_action_is_for_those_codes_only(self):
        chosen = self._issue(self._create_invoice(), validity=3, validity_unit="days")
        self._assert_valid_for_hours(chosen.transaction_id, 72)
        hours = self._issue(self._create_invoice(), validity=5, validity_unit="hours")
        self._assert_valid_for_hours(hours.transaction_id, 5)
        usual = self._issue(self._create_invoice())
        self._assert_valid_for_hours(usual.transaction_id, 48)
        self.assertEqual(self.provider.pagoefectivo_voucher_hours, 48)
        with self.assertRaises(ValidationError):
            self._issue(self._create_invoice(), validity=31, validity_unit="days")

    def test_partly_paid_then_issued_again_asks_the_new_amount_due(self):
        invoice = self._create_invoice(200)
        first = self._issue(invoice).transaction_id
        self._pay_by_hand(invoice, 50)
        self.assertFalse(invoice.pagoefectivo_voucher_id, "no longer what it asks")
        self.assertEqual(invoice.pagoefectivo_voucher_status, "outdated")
        second = self._issue(invoice)
        self.assertEqual(second.status, "issued")
        self.assertEqual(self._cip(second.transaction_id)["amount"], "150.00")
        self.assertEqual(invoice.pagoefectivo_voucher_id, second.transaction_id)
        self.assertEqual(first.state, "cancel")
        self.env["payment.transaction"]._cron_pagoefectivo_delete_withdrawn()
        self.assertEqual(self._cip(first)["statusName"], "Eliminada")
        self.assertEqual(self._cip(second.transaction_id)["statusName"], "Generado")

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

    def test_a_journal_issues_codes_when_invoices_are_posted(self):
        self.sale_journal.pagoefectivo_auto_issue = "post"
        invoice = self._create_invoice()
        self.env.invalidate_all()
        tx = invoice.pagoefectivo_voucher_id
        self.assertEqual(self._cip(tx)["amount"], "150.50")
        zero = self._invoice_in(self.currency, 0.0)
        self.assertFalse(zero.transaction_ids)
        self.assertNotIn("PagoEfectivo", self._notes(zero), "nothing to say")
        # Sent later while its code is valid: the same code.
        self.env["account.move.send"]._generate_and_send_invoices(
            invoice, sending_methods=["manual"]
        )
        self.assertEqual(len(self._cip_posts()), 1)

    def test_a_journal_issues_codes_when_invoices_are_sent(self):
        self.sale_journal.pagoefectivo_auto_issue = "send"
        invoice = self._create_invoice()
        self.assertFalse(invoice.transaction_ids)
        self.env["account.move.send"]._generate_and_send_invoices(
            invoice, sending_methods=["manual"]
        )
        self.env.invalidate_all()
        self.assertEqual(self._cip(invoice.pagoefectivo_voucher_id)["amount"], "150.50")

    def test_customers_paying_with_pagoefectivo_get_codes_when_posted(self):
        # The provider's payment method on its journal, as its form sets it.
        self.provider.journal_id = self.company_data["default_journal_bank"]
        method_line = self.env["account.payment.method.line"].search(
            [("payment_provider_id", "=", self.provider.id)]
        )
        self.assertEqual(method_line.code, "pagoefectivo")
        self.partner.property_inbound_payment_method_line_id = method_line
        invoice = self._create_invoice()
        self.env.invalidate_all()
        self.assertEqual(invoice.preferred_payment_method_line_id, method_line)
        self.assertTrue(invoice.pagoefectivo_voucher_id)
        self.partner.property_inbound_payment_method_line_id = False
        self.assertFalse(self._create_invoice().transaction_ids)

    def test_posting_never_fails_for_pagoefectivo_it_says_why_on_the_invoice(self):
        self.sale_journal.pagoefectivo_auto_issue = "post"
        self.emulator.set_faults(
            api_errors=[{"path_prefix": "/v1/cips", "method": "POST", "status": 503}]
        )
        invoice = self._create_invoice()
        self.assertEqual(invoice.state, "posted")
        self.assertFalse(invoice.pagoefectivo_voucher_id)
        self.assertIn("No PagoEfectivo code was issued", self._notes(invoice))
        self.assertIn("try again later", self._notes(invoice))
        euros = self._invoice_in(self.setup_other_currency("EUR"), 50)
        self.assertEqual(euros.state, "posted")
        self.assertIn("does not take invoices in EUR", self._notes(euros))
