from datetime import date, timedelta

from odoo.tests import tagged

from .common import PagoEfectivoReconcileCommon


@tagged("post_install", "-at_install")
class TestRefundSettlement(PagoEfectivoReconcileCommon):
    """A settlement's refund row confirms the refund in Odoo, once whichever
    source tells first, and settles that refund's payment."""

    def _refunds(self, tx):
        return self.env["payment.transaction"].search(
            [("source_transaction_id", "=", tx.id), ("operation", "=", "refund")]
        )

    def _refund_row(self, record, tx):
        return record.operation_ids.filtered(
            lambda op: op.kind == "refund" and op.cip == tx.provider_reference
        )

    def _refund_settlement(self, tx, amount, paid_at, others=()):
        refunded_at = paid_at + timedelta(hours=5)
        cips = [self._cip(tx, paid_at, refunds=[(refunded_at, amount)])]
        return self._settlement(cips + [self._cip(o, paid_at) for o in others])

    def test_a_request_confirmed_by_the_settlement_then_the_webhook(self):
        tx = self._paid_at_pagoefectivo(self._transaction(90.0))
        tx.action_refund(amount_to_refund=30.0)
        refund = self._refunds(tx)
        late = self._paid_at_pagoefectivo(self._transaction(45.0))
        late.action_refund(amount_to_refund=45.0)
        self._refunds(late).pagoefectivo_refund_deadline = date(2026, 1, 1)
        paid_at = self.lima(2026, 4, 6, 10)
        content = self._refund_settlement(tx, 30.0, paid_at, others=[late])
        record = self._import(content)

        op = self._refund_row(record, tx)
        self.assertEqual(op.state, "reconciled")
        self.assertEqual(refund.state, "done")
        payment = refund.payment_id
        self.assertEqual(payment.source_payment_id, tx.payment_id)
        self.assertEqual(payment.date, date(2026, 4, 6))  # the Lima day of the row
        self.assertTrue(payment.is_matched, "the row settled the refund payment")
        summary = record._summary()[0]
        self.assertEqual(
            (
                summary["refunds_requested"],
                summary["refunds_confirmed"],
                summary["refunds_overdue"],
            ),
            (1, 1, 1),
        )

        Tx = self.env["payment.transaction"]
        outcome = Tx._pagoefectivo_confirm_refund(tx, 30.0, "OP-77", source="webhook")
        self.assertEqual(outcome, ("duplicate", refund))
        other = self._paid_at_pagoefectivo(self._transaction(12.0))
        again = self._import(  # the same row in another settlement
            self._refund_settlement(tx, 30.0, paid_at, others=[late, other])
        )
        self.assertFalse(self._refund_row(again, tx))
        op._reconcile()  # Reconcile Again
        self.assertEqual(self._refunds(tx), refund)
        self.assertEqual(len(refund.payment_id), 1)
        self.assertEqual(
            sorted(refund.pagoefectivo_refund_confirmation_ids.mapped("source")),
            ["settlement", "webhook"],
        )

    def test_an_unrequested_row_books_nothing_the_webhook_then_books_it(self):
        """A file alone books no refund nobody asked for; PagoEfectivo's
        signed notice does, and the row then settles it."""
        tx = self._paid_at_pagoefectivo(self._transaction(60.0))
        record = self._import(
            self._refund_settlement(tx, 25.0, self.lima(2026, 4, 7, 10))
        )
        op = self._refund_row(record, tx)
        self.assertEqual((op.state, op.reason), ("exception", "not_confirmed"))
        self.assertIn("nobody asked for in Odoo", op.note)
        self.assertFalse(self._refunds(tx))

        outcome, refund = self.env["payment.transaction"]._pagoefectivo_confirm_refund(
            tx, 25.0, "OP-78", source="webhook"
        )
        self.assertEqual(
            (outcome, refund.state, refund.amount), ("unrequested", "done", -25.0)
        )
        op.action_reconcile()
        self.assertEqual(op.state, "reconciled")
        self.assertEqual(self._refunds(tx), refund)
        self.assertEqual(len(refund.payment_id), 1)

    def test_an_unrequested_row_settles_the_credit_note_once_asked_for(self):
        tx = self._paid_at_pagoefectivo(self._transaction(70.0))
        credit_note = self.init_invoice(
            "out_refund",
            partner=tx.partner_id,
            amounts=[20.0],
            post=True,
            taxes=self.env["account.tax"],
        )
        record = self._import(
            self._refund_settlement(tx, 20.0, self.lima(2026, 4, 8, 10))
        )
        op = self._refund_row(record, tx)
        self.assertEqual(op.state, "exception")
        self.assertEqual(credit_note.payment_state, "not_paid")

        tx.action_refund(amount_to_refund=20.0)  # the accountant asks for it
        op.action_reconcile()

        self.assertEqual(op.state, "reconciled")
        self.assertEqual(self._refunds(tx).state, "done")
        self.assertEqual(credit_note.payment_state, "paid")
        self.assertIn(credit_note, self._refunds(tx).payment_id.reconciled_invoice_ids)

    def test_a_second_refund_of_the_same_amount_needs_its_own_request(self):
        tx = self._paid_at_pagoefectivo(self._transaction(100.0))
        tx.action_refund(amount_to_refund=50.0)
        first = self._import(
            self._refund_settlement(tx, 50.0, self.lima(2026, 4, 8, 10))
        )
        self.assertEqual(self._refund_row(first, tx).state, "reconciled")
        refund = self._refunds(tx)
        self.assertEqual(refund.state, "done")

        second = self._import(  # the other half, refunded in the portal only
            self._refund_settlement(tx, 50.0, self.lima(2026, 4, 9, 10))
        )
        op = self._refund_row(second, tx)
        self.assertEqual((op.state, op.reason), ("exception", "not_confirmed"))
        self.assertEqual(self._refunds(tx), refund)
        op.action_reconcile()  # Reconcile Again changes nothing by itself
        self.assertEqual(op.state, "exception")
        first._operations().filtered(lambda o: o.kind == "refund").action_reconcile()
        self.assertEqual(self._refunds(tx), refund)

    def test_a_row_beyond_what_is_left_stays_an_exception(self):
        tx = self._paid_at_pagoefectivo(self._transaction(50.0))
        self.env["payment.transaction"]._pagoefectivo_confirm_refund(
            tx, 40.0, "OP-79", source="webhook"
        )  # 10.0 left
        record = self._import(
            self._refund_settlement(tx, 25.0, self.lima(2026, 4, 9, 10))
        )
        op = self._refund_row(record, tx)
        self.assertEqual((op.state, op.reason), ("exception", "amount_mismatch"))
        self.assertIn("more than the", op.note)
        self.assertEqual(len(self._refunds(tx)), 1)
        self.assertEqual(len(self._refunds(tx).payment_id), 1)

    def test_a_credit_note_refunded_through_pagoefectivo_ends_reconciled(self):
        tx = self._paid_at_pagoefectivo(self._transaction(80.0))
        credit_type = self.env.ref("l10n_pe.document_type07")  # Nota de Crédito
        credit_note = tx.invoice_ids._reverse_moves(
            [{"l10n_latam_document_type_id": credit_type.id}]
        )
        credit_note.action_post()
        action = credit_note.action_pagoefectivo_refund()
        self.env[action["res_model"]].with_context(**action["context"]).create(
            {}
        ).action_refund()
        refund = self._refunds(tx)
        self.assertEqual((refund.state, refund.invoice_ids), ("pending", credit_note))

        record = self._import(
            self._refund_settlement(tx, 80.0, self.lima(2026, 4, 10, 10))
        )
        self.assertEqual(refund.state, "done")
        self.assertEqual(self._refund_row(record, tx).state, "reconciled")
        self.assertEqual(credit_note.payment_state, "paid")

    def test_refund_in_dollars(self):
        tx = self._paid_at_pagoefectivo(self._transaction(40.0, currency=self.usd))
        tx.action_refund(amount_to_refund=15.0)
        record = self._import(
            self._refund_settlement(tx, 15.0, self.lima(2026, 4, 13, 10))
        )
        refund = self._refunds(tx)
        self.assertEqual(refund.state, "done")
        self.assertEqual(refund.payment_id.currency_id, self.usd)
        self.assertEqual(self._refund_row(record, tx).state, "reconciled")

    def test_a_refund_row_of_an_emailed_file_books_no_refund(self):
        journal = self.env["account.journal"]._pagoefectivo_journal(
            self.env.company, self.env.company.currency_id
        )
        journal.pagoefectivo_allowed_senders = "reportes@pagoefectivo.example"
        tx = self._paid_at_pagoefectivo(self._transaction(70.0))
        tx.action_refund(amount_to_refund=25.0)
        refund = self._refunds(tx)
        content = self._refund_settlement(tx, 25.0, self.lima(2026, 4, 8, 10))
        self._deliver_email(
            journal, "reportes@pagoefectivo.example", content, "liquidacion.csv"
        )
        self.env["pagoefectivo.import"]._cron_import_journal_files()
        self._process_imports()

        op = self.env["pagoefectivo.operation"].search(
            [("cip", "=", tx.provider_reference), ("kind", "=", "refund")]
        )
        self.assertEqual((op.state, op.reason), ("exception", "not_confirmed"))
        self.assertIn("emailed file", op.note)
        self.assertEqual(refund.state, "pending")  # a From header vouches nothing
        self.assertFalse(refund.payment_id)

    def test_a_row_settles_a_refund_paid_by_hand_and_records_it(self):
        tx = self._paid_at_pagoefectivo(self._transaction(60.0))
        by_hand = self.env["account.payment"].create(
            {
                "payment_type": "outbound",
                "partner_type": "customer",
                "partner_id": tx.partner_id.id,
                "amount": 15.0,
                "journal_id": self.company_data["default_journal_bank"].id,
            }
        )
        by_hand.action_post()
        record = self._import(
            self._refund_settlement(tx, 15.0, self.lima(2026, 4, 9, 10))
        )

        self.assertEqual(self._refund_row(record, tx).state, "reconciled")
        refund = self._refunds(tx)
        self.assertEqual((refund.state, refund.payment_id), ("done", by_hand))
        self.assertTrue(by_hand.is_matched)
        # PagoEfectivo's notice of the same refund books no second payment.
        outcome, same = self.env["payment.transaction"]._pagoefectivo_confirm_refund(
            tx, 15.0, "OP-9", source="webhook"
        )
        self.assertEqual((outcome, same), ("duplicate", refund))
        self.assertEqual(self._refunds(tx), refund)
