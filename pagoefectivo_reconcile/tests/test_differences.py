from odoo.exceptions import AccessError, UserError
from odoo.fields import Command
from odoo.tests import Form, tagged

from .common import PagoEfectivoReconcileCommon


@tagged("post_install", "-at_install")
class TestDifferences(PagoEfectivoReconcileCommon):
    """Where differences go, and who may write them off."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._create_accountants()
        company = cls.env.company
        cls.journal = cls.env["account.journal"]._pagoefectivo_journal(
            company, company.currency_id
        )
        cls.journal.pagoefectivo_tolerance = 1.0

    def _items(self, op, account):
        return op.statement_line_id.line_ids.filtered(
            lambda line: line.account_id == account
        )

    def _unknown_cip(self, amount, paid_at):
        """A paid CIP of `amount` no transaction of Odoo has."""
        elsewhere = self._paid_elsewhere(amount)
        record = self._import(self._settlement([self._cip(elsewhere, paid_at)]))
        return record.operation_ids.filtered(
            lambda o: o.cip == elsewhere.provider_reference
        )

    def _unpaid_invoice_paid_with(self, invoice_amount, paid, paid_at):
        """An amount mismatch whose candidate is the invoice itself: its
        transaction was paid and post-processed, but no payment made for it."""
        tx = self._transaction(invoice_amount, state="pending")
        tx._set_done()
        tx.is_post_processed = True  # the import does not post-process it again
        record = self._import(self._settlement([self._cip(tx, paid_at, amount=paid)]))
        op = record.operation_ids.filtered(lambda o: o.cip == tx.provider_reference)
        self.assertEqual((op.state, op.reason), ("exception", "amount_mismatch"))
        self.assertEqual(op.candidate_line_ids.move_id, tx.invoice_ids)
        return op, tx.invoice_ids

    def test_tolerance_gain_to_income_and_loss_to_expense(self):
        company = self.env.company
        more, less = self._transaction(100.0), self._transaction(200.0)
        paid_at = self.lima(2026, 5, 4, 10)
        record = self._import(
            self._settlement(
                [
                    self._cip(more, paid_at, amount=100.40),
                    self._cip(less, paid_at, amount=199.30),
                ]
            )
        )
        self.assertEqual(record.exception_count, 0)
        ops = record.operation_ids
        more_op = ops.filtered(lambda o: o.cip == more.provider_reference)
        less_op = ops.filtered(lambda o: o.cip == less.provider_reference)
        self.assertEqual(self.journal.pagoefectivo_gain_account_id.code[:4], "7599")
        gain = self._items(more_op, self.journal.pagoefectivo_gain_account_id)
        loss = self._items(less_op, company.default_cash_difference_expense_account_id)
        self.assertEqual(gain.account_id.account_type, "income_other")
        self.assertEqual(loss.account_id.account_type, "expense")
        self.assertAlmostEqual(gain.credit, 0.40)
        self.assertAlmostEqual(loss.debit, 0.70)
        self.assertAlmostEqual(more_op.writeoff_amount, 0.40)
        self.assertAlmostEqual(less_op.writeoff_amount, -0.70)
        self.assertFalse(more_op.writeoff_by_id)  # automatic, within the tolerance

    def test_unknown_receipt_waits_as_a_liability_then_is_assigned(self):
        # 4699: a liability until someone is known to have paid it.
        unknown_receipts = self.env["account.chart.template"].ref("chart4699")
        self.assertEqual(self.journal.pagoefectivo_advance_account_id, unknown_receipts)
        op = self._unknown_cip(45.0, self.lima(2026, 5, 5, 9))
        self.assertEqual(op.reason, "unknown_cip")

        op = op.with_user(self.adviser)
        self._confirm_wizard(
            op, op.action_write_off(), reason="Customer paid without an order"
        )
        self.assertEqual(op.state, "reconciled")
        self.assertTrue(op.statement_line_id.is_reconciled)
        receipt = self._items(op, unknown_receipts)
        self.assertAlmostEqual(receipt.credit, 45.0)
        self.assertFalse(
            op.statement_line_id.line_ids.filtered(
                lambda line: line.account_id.account_type == "expense"
            )
        )

        invoice = self._invoice(45.0, partner=self.partner_b)
        op = op.with_user(self.accountant)
        self._confirm_wizard(op, op.action_assign_customer(), partner_id=self.partner_b)
        self.assertTrue(receipt.reconciled)
        self.assertEqual(op.partner_id, self.partner_b)
        credit = op.assignment_move_id.line_ids.filtered(
            lambda line: line.partner_id == self.partner_b
        )
        receivable = self.partner_b.property_account_receivable_id
        self.assertEqual(credit.account_id, receivable)
        self.assertAlmostEqual(credit.amount_residual, -45.0)
        outstanding = invoice.invoice_outstanding_credits_debits_widget["content"]
        self.assertIn(credit.id, [item["id"] for item in outstanding])
        invoice.with_user(self.accountant).js_assign_outstanding_line(credit.id)
        self.assertEqual(invoice.payment_state, "paid")
        self.assertFalse(op.can_assign)
        with self.assertRaises(UserError):
            op.action_assign_customer()
        with self.assertRaisesRegex(UserError, "reverse that entry first"):
            op.action_undo()

    def test_refund_without_credit_note_waits_on_refunds_pending(self):
        pending = self.env["account.chart.template"].ref("chart1699")
        self.journal.pagoefectivo_refund_account_id = pending
        tx = self._paid_at_pagoefectivo(self._transaction(50.0))
        self.env["payment.transaction"]._pagoefectivo_confirm_refund(
            tx, 40.0, "OP-1", source="webhook"
        )  # 10.0 left: the row cannot book
        paid_at = self.lima(2026, 5, 6, 10)
        record = self._import(
            self._settlement(
                [self._cip(tx, paid_at, refunds=[(paid_at.replace(hour=15), 30.0)])]
            )
        )
        refund = record.operation_ids.filtered(lambda o: o.kind == "refund")
        self.assertEqual(refund.reason, "amount_mismatch")

        refund = refund.with_user(self.adviser)
        self._confirm_wizard(
            refund, refund.action_write_off(), reason="Credit note to be issued"
        )
        self.assertEqual(refund.state, "reconciled")
        self.assertAlmostEqual(self._items(refund, pending).debit, 30.0)

    def test_write_off_beyond_tolerance_needs_an_adviser_and_a_reason(self):
        small = self._unknown_cip(0.80, self.lima(2026, 5, 7, 9))
        large = self._unknown_cip(45.0, self.lima(2026, 5, 7, 10))

        # Within the tolerance an accountant writes off, no reason needed.
        small = small.with_user(self.accountant)
        self._confirm_wizard(small, small.action_write_off())
        self.assertEqual(small.state, "reconciled")
        self.assertEqual(small.writeoff_by_id, self.accountant)

        with self.assertRaisesRegex(AccessError, "only an accounting administrator"):
            large.with_user(self.accountant).action_write_off()
        self.assertEqual(large.state, "exception")

        large = large.with_user(self.adviser)
        with self.assertRaisesRegex(UserError, "Say why"):
            large._settle_difference(self.env["account.move.line"])
        self._confirm_wizard(
            large, large.action_write_off(), reason="Unclaimed after 90 days"
        )
        self.assertEqual(large.state, "reconciled")
        self.assertEqual(large.writeoff_by_id, self.adviser)
        self.assertEqual(large.writeoff_note, "Unclaimed after 90 days")
        self.assertIn(
            "Unclaimed after 90 days",
            self._items(large, self.journal.pagoefectivo_advance_account_id).name,
        )

    def test_partial_payment_keeps_the_invoice_open(self):
        op, invoice = self._unpaid_invoice_paid_with(
            100.0, 60.0, self.lima(2026, 5, 8, 10)
        )
        op = op.with_user(self.accountant)
        self._confirm_wizard(op, op.action_accept_candidate(), mode="keep_open")
        self.assertEqual(op.state, "reconciled")
        self.assertFalse(op.writeoff_amount)
        self.assertEqual(invoice.payment_state, "partial")
        self.assertAlmostEqual(invoice.amount_residual, 40.0)
        self.assertTrue(op.statement_line_id.is_reconciled)

    def test_partial_payment_written_off(self):
        op, invoice = self._unpaid_invoice_paid_with(
            100.0, 60.0, self.lima(2026, 5, 11, 10)
        )
        op = op.with_user(self.adviser)
        self._confirm_wizard(op, op.action_accept_candidate(), reason="Agreed discount")
        self.assertEqual(invoice.payment_state, "paid")
        loss = self._items(op, self.journal.pagoefectivo_loss_account_id)
        self.assertAlmostEqual(loss.debit, 40.0)
        self.assertEqual(op.writeoff_note, "Agreed discount")

        # Undone in a reconciliation screen: no longer written off, by anyone.
        op.statement_line_id.with_user(self.adviser).action_undo_reconciliation()
        self.assertEqual((op.state, op.reason), ("exception", "undone"))
        self.assertFalse(op.writeoff_by_id)
        self.assertFalse(op.writeoff_note)
        self.assertFalse(op.writeoff_amount)
        self.assertEqual(invoice.payment_state, "not_paid")

    def test_paying_more_cannot_keep_the_invoice_open(self):
        op, invoice = self._unpaid_invoice_paid_with(
            100.0, 130.0, self.lima(2026, 5, 12, 10)
        )
        op = op.with_user(self.adviser)
        action = op.action_accept_candidate()
        with self.assertRaisesRegex(UserError, "the surplus cannot stay open"):
            self._confirm_wizard(op, action, mode="keep_open")
        self.assertEqual(op.state, "exception")

        self._confirm_wizard(op, action, reason="Customer overpaid, to refund")
        self.assertEqual(invoice.payment_state, "paid")
        self.assertFalse(self._items(op, self.journal.pagoefectivo_gain_account_id))

    def test_overpayment_beyond_tolerance_is_the_customers_credit(self):
        op, invoice = self._unpaid_invoice_paid_with(
            100.0, 130.0, self.lima(2026, 5, 14, 10)
        )
        customer = invoice.commercial_partner_id
        # Not a write-off: any accountant records it, no reason needed.
        op = op.with_user(self.accountant)
        action = op.action_accept_candidate()
        wizard = Form(op.env[action["res_model"]].with_context(**action["context"]))
        receivable = customer.property_account_receivable_id
        self.assertEqual(wizard.account_id, receivable)
        self.assertTrue(wizard.customer_credit)
        self.assertFalse(wizard.needs_reason)

        self._confirm_wizard(op, action)

        self.assertEqual(op.state, "reconciled")
        self.assertEqual(invoice.payment_state, "paid")
        self.assertFalse(self._items(op, self.journal.pagoefectivo_gain_account_id))
        credit = self._items(op, receivable).filtered(lambda line: not line.reconciled)
        self.assertEqual(credit.partner_id, customer)
        self.assertAlmostEqual(credit.amount_residual, -30.0)
        self.assertEqual(credit.name, "Customer credit: overpaid CIP %s" % op.cip)
        labels = " ".join(op.statement_line_id.line_ids.mapped("name"))
        self.assertNotIn("Written off", labels)
        self.assertFalse(op.writeoff_by_id)
        self.assertIn("kept as the customer's credit by accountant", op.note)
        # In the partner ledger, and offered on the customer's next invoice.
        next_invoice = self._invoice(30.0, partner=customer)
        outstanding = next_invoice.invoice_outstanding_credits_debits_widget["content"]
        self.assertIn(credit.id, [item["id"] for item in outstanding])
        next_invoice.js_assign_outstanding_line(credit.id)
        self.assertEqual(next_invoice.payment_state, "paid")

    def test_overpayment_without_a_customer_is_refused(self):
        op, invoice = self._unpaid_invoice_paid_with(
            100.0, 130.0, self.lima(2026, 5, 18, 10)
        )
        # The candidate is an item of no customer, for no customer's payment.
        receivable = self.company_data["default_account_receivable"]
        revenue = self.company_data["default_account_revenue"]
        entry = self.env["account.move"].create(
            {
                "move_type": "entry",
                "line_ids": [
                    Command.create(
                        {"name": "Unknown", "account_id": receivable.id, "debit": 100.0}
                    ),
                    Command.create(
                        {
                            "name": "Unknown",
                            "account_id": revenue.id,
                            "credit": 100.0,
                        }
                    ),
                ],
            }
        )
        entry.action_post()
        line = entry.line_ids.filtered(lambda item: item.account_id == receivable)
        op.sudo().write(
            {"partner_id": False, "candidate_line_ids": [Command.set(line.ids)]}
        )
        op = op.with_user(self.adviser)
        action = op.action_accept_candidate()

        with self.assertRaisesRegex(UserError, "Assign a customer to"):
            self._confirm_wizard(op, action)

        self.assertEqual(op.state, "exception")
        self.assertFalse(line.reconciled)
        self.assertFalse(op.statement_line_id.is_reconciled)
        self.assertEqual(invoice.payment_state, "not_paid")

    def test_overpayment_within_tolerance_accepted_is_a_gain(self):
        self.journal.pagoefectivo_tolerance = 0.10
        op, invoice = self._unpaid_invoice_paid_with(
            100.0, 100.50, self.lima(2026, 5, 15, 10)
        )
        self.journal.pagoefectivo_tolerance = 1.0
        op = op.with_user(self.accountant)
        self._confirm_wizard(op, op.action_accept_candidate())
        self.assertEqual(invoice.payment_state, "paid")
        gain = self._items(op, self.journal.pagoefectivo_gain_account_id)
        self.assertAlmostEqual(gain.credit, 0.50)
        receivable = invoice.commercial_partner_id.property_account_receivable_id
        self.assertFalse(
            self._items(op, receivable).filtered(lambda line: not line.reconciled)
        )

    def test_unverified_row_cannot_be_written_off(self):
        tx = self._issued_transaction(40.0)  # issued, never paid
        record = self._import(
            self._settlement([self._cip(tx, self.lima(2026, 5, 13, 10))])
        )
        op = record.operation_ids.filtered(lambda o: o.cip == tx.provider_reference)
        self.assertEqual(op.reason, "unverified")
        with self.assertRaisesRegex(UserError, "PagoEfectivo did not confirm"):
            op.with_user(self.adviser).action_write_off()
        self.assertEqual(op.state, "exception")
