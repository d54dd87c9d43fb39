import base64
import io
from datetime import timedelta
from unittest.mock import patch

from openpyxl import load_workbook

from odoo.exceptions import UserError
from odoo.tests import tagged

from pagoefectivo_emulator import reports

from .common import PagoEfectivoReconcileCommon


@tagged("post_install", "-at_install")
class TestReconcile(PagoEfectivoReconcileCommon):
    def _clearing(self, currency=None):
        return self.env["account.journal"]._pagoefectivo_journal(
            self.env.company, currency or self.env.company.currency_id
        )

    def test_happy_path(self):
        txs = self.env["payment.transaction"].union(
            *(self._transaction(amount) for amount in (100.0, 35.5, 1234.56))
        )
        cips = [
            self._cip(tx, self.lima(2026, 3, 2, 10 + i)) for i, tx in enumerate(txs)
        ]
        record = self._import(self._settlement(cips))

        self.assertEqual(record.created_count, 4)  # three paid CIPs and the deposit
        self.assertEqual(record.exception_count, 0)
        for tx in txs:
            self.assertTrue(self._outstanding(tx).reconciled, tx.reference)
            self.assertTrue(tx.payment_id.is_matched)
        journal = self._clearing()
        self.assertTrue(all(self._statement_lines(journal).mapped("is_reconciled")))
        self.assertAlmostEqual(self._balance(journal), 0.0)
        commission = sum(
            sum(map(float, self.commission.of(self.cents(tx.amount)))) for tx in txs
        )
        # Commissions and IGV are owed to PagoEfectivo, on its draft bill.
        supplier = journal.pagoefectivo_supplier_id
        owed = self.env["account.move.line"].search(
            [
                ("journal_id", "=", journal.id),
                ("account_id", "=", supplier.property_account_payable_id.id),
            ]
        )
        self.assertEqual(owed.partner_id, supplier)
        self.assertAlmostEqual(owed.balance, commission)
        bill = record.commission_bill_ids
        self.assertEqual((bill.state, bill.partner_id), ("draft", supplier))
        # The bill carries the commissions with the tax engine's IGV, which may
        # differ by cents from the rows' (booked when the bill is posted).
        self.assertAlmostEqual(bill.amount_total, commission, delta=0.05)
        deposit = self.env["account.move.line"].search(
            [
                ("journal_id", "=", journal.id),
                ("account_id", "=", journal.pagoefectivo_transfer_account_id.id),
            ]
        )
        self.assertAlmostEqual(deposit.balance, sum(txs.mapped("amount")) - commission)
        summary = record._summary()[0]
        self.assertEqual(summary["deposit_expected"], summary["deposit_received"])
        self.assertEqual(summary["matched"], 4)
        download = record.action_export_xlsx()
        attachment = self.env["ir.attachment"].browse(
            int(download["url"].split("/")[3].split("?")[0])
        )
        self.assertTrue(attachment.raw.startswith(b"PK"))

    def test_paid_report_xlsx_then_settlement(self):
        txs = self._transaction(50.0) | self._transaction(80.0)
        cips = [self._cip(tx, self.lima(2026, 3, 3, 9)) for tx in txs]
        report = self._import(reports.paid_report_xlsx(cips), "cips_pagados.xlsx")
        self.assertEqual(report.file_kind, "paid")
        self.assertEqual((report.created_count, report.exception_count), (2, 0))
        self.assertTrue(all(self._outstanding(tx).reconciled for tx in txs))

        settlement = self._import(self._settlement(cips))
        self.assertEqual(
            settlement.created_count, 1
        )  # the deposit; the CIPs were there
        self.assertEqual(settlement.skipped_count, 2)
        self.assertEqual(len(settlement.settled_operation_ids), 3)
        self.assertAlmostEqual(self._balance(self._clearing()), 0.0)

    def test_same_file_twice_creates_nothing(self):
        txs = self._transaction(20.0) | self._transaction(30.0)
        content = self._settlement(
            [self._cip(tx, self.lima(2026, 3, 4, 12)) for tx in txs]
        )
        self._import(content)
        lines = self._statement_lines(self._clearing())
        again = self._import(content)
        self.assertEqual((again.created_count, again.skipped_count), (0, 3))
        self.assertIn("already imported, skipped: 3;", again._message_for(again))
        self.assertEqual(self._statement_lines(self._clearing()), lines)

    def test_bad_row_imports_nothing_and_names_it(self):
        txs = self._transaction(20.0) | self._transaction(30.0)
        content = self._settlement(
            [self._cip(tx, self.lima(2026, 3, 4, 12)) for tx in txs]
        )
        rows = content.decode().split("\r\n")
        rows[2] = rows[2].replace("30.00", "3O.00", 1)
        imports_before = self.env["pagoefectivo.import"].search_count([])
        with self.assertRaises(UserError) as caught:
            self._import("\r\n".join(rows).encode(), "bad.csv")
        message = str(caught.exception)
        self.assertIn("row 3", message)
        self.assertIn("Monto Bruto", message)
        self.assertIn("3O.00", message)
        self.assertEqual(
            self.env["pagoefectivo.import"].search_count([]), imports_before
        )
        self.assertFalse(
            self.env["pagoefectivo.operation"].search(
                [("cip", "in", txs.mapped("provider_reference"))]
            )
        )

        rows = content.decode().split("\r\n")
        rows[1] = rows[1].replace("/2026 ", "/2026T", 1)
        with self.assertRaises(UserError) as caught:
            self._import("\r\n".join(rows).encode(), "bad-date.csv")
        self.assertIn("row 2", str(caught.exception))
        self.assertIn("Fecha Operación", str(caught.exception))

    def test_unbalanced_settlement_says_by_how_much(self):
        tx = self._transaction(100.0)
        content = self._settlement([self._cip(tx, self.lima(2026, 3, 5, 8))]).decode()
        deposit = content.split("\r\n")[2]
        net = deposit.split(",")[-1]
        content = content.replace(deposit, deposit[: -len(net)] + "97.00")
        with self.assertRaises(UserError) as caught:
            self._import(content.encode())
        expected_net = self.cents(net)
        self.assertIn(
            "off by %s" % (self.cents(97) - expected_net), str(caught.exception)
        )
        self.assertFalse(
            self.env["pagoefectivo.operation"].search(
                [("cip", "=", tx.provider_reference)]
            )
        )

    def test_unknown_cip_is_an_exception_then_written_off(self):
        tx = self._transaction(45.0)  # same amount: its payment is a candidate
        elsewhere = self._paid_elsewhere(45.0)
        record = self._import(
            self._settlement([self._cip(elsewhere, self.lima(2026, 3, 6, 15))])
        )
        op = record.operation_ids.filtered(
            lambda o: o.cip == elsewhere.provider_reference
        )
        self.assertEqual((op.state, op.reason), ("exception", "unknown_cip"))
        self.assertIn(elsewhere.provider_reference, op.note)
        self.assertFalse(op.statement_line_id.is_reconciled)
        self.assertFalse(self._outstanding(tx).reconciled)
        journal = self._clearing()
        self._confirm_wizard(op, op.action_write_off(), reason="Paid to us by mistake")
        self.assertEqual(op.state, "reconciled")
        self.assertTrue(op.statement_line_id.is_reconciled)
        writeoff = op.statement_line_id.line_ids.filtered(
            lambda line: line.account_id == journal.pagoefectivo_advance_account_id
        )
        self.assertAlmostEqual(writeoff.balance, -45.0)

    def test_amount_difference_within_and_beyond_tolerance(self):
        journal = self._clearing()
        journal.pagoefectivo_tolerance = 0.10
        small, large = self._transaction(100.0), self._transaction(200.0)
        record = self._import(
            self._settlement(
                [
                    self._cip(small, self.lima(2026, 3, 9, 10), amount=100.05),
                    self._cip(large, self.lima(2026, 3, 9, 11), amount=201.00),
                ]
            )
        )
        ops = record.operation_ids
        small_op = ops.filtered(lambda o: o.cip == small.provider_reference)
        large_op = ops.filtered(lambda o: o.cip == large.provider_reference)
        self.assertEqual(small_op.state, "reconciled")
        self.assertAlmostEqual(small_op.writeoff_amount, 0.05)
        self.assertTrue(self._outstanding(small).reconciled)
        self.assertEqual(
            (large_op.state, large_op.reason), ("exception", "amount_mismatch")
        )
        self.assertEqual(large_op.candidate_line_ids, self._outstanding(large))
        self.assertFalse(self._outstanding(large).reconciled)

        self._confirm_wizard(
            large_op, large_op.action_accept_candidate(), reason="Customer tipped"
        )
        self.assertEqual(large_op.state, "reconciled")
        self.assertTrue(self._outstanding(large).reconciled)
        self.assertAlmostEqual(large_op.writeoff_amount, 1.0)
        self.assertAlmostEqual(self._balance(journal), 0.0)

    def test_usd_goes_to_its_own_journal(self):
        pen, usd = self._transaction(10.0), self._transaction(25.0, currency=self.usd)
        record = self._import(
            self._settlement(
                [
                    self._cip(pen, self.lima(2026, 3, 10, 10)),
                    self._cip(usd, self.lima(2026, 3, 10, 11)),
                ]
            )
        )
        self.assertEqual(record.exception_count, 0)
        usd_journal = self._clearing(self.usd)
        self.assertEqual(usd_journal.currency_id, self.usd)
        self.assertNotEqual(usd_journal, self._clearing())
        self.assertTrue(self._outstanding(usd).reconciled)
        self.assertEqual(
            record.operation_ids.filtered(
                lambda o: o.cip == usd.provider_reference
            ).journal_id,
            usd_journal,
        )
        self.assertAlmostEqual(
            sum(self._statement_lines(usd_journal).mapped("amount")), 0.0
        )

    def test_currency_mismatch(self):
        tx = self._transaction(25.0, currency=self.usd)
        cip = self._cip(tx, self.lima(2026, 3, 10, 11))
        cip["currency"] = "PEN"
        op = self._import(self._settlement([cip])).operation_ids.filtered("cip")
        self.assertEqual((op.state, op.reason), ("exception", "currency_mismatch"))

    def test_refund_with_and_without_credit_note(self):
        refunded, unexplained = self._transaction(60.0), self._transaction(70.0)
        credit_note = self.init_invoice(
            "out_refund",
            partner=self.partner_a,
            amounts=[15.0],
            post=True,
            taxes=self.env["account.tax"],
        )
        refunded.partner_id = unexplained.partner_id = self.partner_a
        for tx in refunded | unexplained:  # PagoEfectivo vouches for refunds
            self._paid_at_pagoefectivo(tx)
        refunded.action_refund(amount_to_refund=15.0)
        paid_at = self.lima(2026, 3, 11, 10)
        record = self._import(
            self._settlement(
                [
                    self._cip(
                        refunded, paid_at, refunds=[(paid_at.replace(hour=16), 15.0)]
                    ),
                    self._cip(
                        unexplained, paid_at, refunds=[(paid_at.replace(hour=17), 9.0)]
                    ),
                ]
            )
        )
        refunds = record.operation_ids.filtered(lambda o: o.kind == "refund")
        matched = refunds.filtered(lambda o: o.cip == refunded.provider_reference)
        missing = refunds.filtered(lambda o: o.cip == unexplained.provider_reference)
        self.assertEqual(matched.state, "reconciled")
        self.assertEqual(credit_note.payment_state, "paid")
        # No request in Odoo: a file alone books no refund.
        self.assertEqual(
            (missing.state, missing.reason), ("exception", "not_confirmed")
        )
        self.assertFalse(unexplained.child_transaction_ids)
        self.assertFalse(missing.statement_line_id.is_reconciled)

    def test_lost_notification_is_confirmed_by_the_import(self):
        tx = self._issued_transaction(88.0)
        self.emulator.pay(tx.provider_reference)  # its notification never came
        invoice = tx.invoice_ids
        record = self._import(
            self._settlement([self._cip(tx, self.lima(2026, 3, 12, 19))])
        )
        self.assertEqual(tx.state, "done")
        self.assertTrue(tx.payment_id)
        self.assertTrue(self._outstanding(tx).reconciled)
        self.assertIn(invoice.payment_state, ("paid", "in_payment"))
        self.assertEqual(record.exception_count, 0)
        notification = self.env["pagoefectivo.notification"].search(
            [("cip", "=", tx.provider_reference)]
        )
        self.assertEqual(
            (notification.source, notification.state), ("recovery", "applied")
        )

    def test_undo_restores_everything(self):
        txs = self._transaction(12.0) | self._transaction(13.0)
        content = self._settlement(
            [self._cip(tx, self.lima(2026, 3, 13, 10)) for tx in txs]
        )
        record = self._import(content)
        lines = self._statement_lines(self._clearing())
        record.action_undo()
        # Reversed, not deleted: each line has its reversal, the balance is nil.
        self.assertEqual(self._statement_lines(self._clearing()) & lines, lines)
        self.assertTrue(
            all(self._statement_lines(self._clearing()).mapped("is_reconciled"))
        )
        self.assertAlmostEqual(self._balance(self._clearing()), 0.0)
        self.assertTrue(all(op.state == "to_match" for op in record.operation_ids))
        for tx in txs:
            self.assertFalse(self._outstanding(tx).reconciled)
            self.assertFalse(tx.payment_id.is_matched)
        record.action_reconcile()
        self.assertEqual(record.matched_count, 3)
        self.assertTrue(all(self._outstanding(tx).reconciled for tx in txs))
        self.assertAlmostEqual(self._balance(self._clearing()), 0.0)

    def test_reconciled_line_is_never_touched_again(self):
        tx = self._transaction(14.0)
        record = self._import(
            self._settlement([self._cip(tx, self.lima(2026, 3, 13, 10))])
        )
        lines = self._statement_lines(self._clearing())
        record.action_reconcile()
        self.assertEqual(self._statement_lines(self._clearing()), lines)

    def test_lima_dates_around_midnight(self):
        late, early = self._transaction(10.0), self._transaction(11.0)
        record = self._import(
            self._settlement(
                [
                    self._cip(late, self.lima(2026, 3, 16, 23, 59, 59)),
                    self._cip(early, self.lima(2026, 3, 17, 0, 0, 1)),
                ]
            )
        )
        ops = record.operation_ids
        late_op = ops.filtered(lambda o: o.cip == late.provider_reference)
        early_op = ops.filtered(lambda o: o.cip == early.provider_reference)
        self.assertEqual(str(late_op.date), "2026-03-17 04:59:59")
        self.assertEqual(str(late_op.local_date), "2026-03-16")
        self.assertEqual(str(early_op.local_date), "2026-03-17")
        self.assertEqual(str(late_op.statement_line_id.date), "2026-03-16")
        self.assertNotEqual(late_op.statement_line_id, early_op.statement_line_id)

    def test_companies_are_isolated(self):
        tx = self._transaction(33.0)
        content = self._settlement([self._cip(tx, self.lima(2026, 3, 18, 10))])
        other = self.setup_other_company(name="Otra Empresa SAC")["company"]
        self.env.user.company_ids |= other
        record = (
            self.env["pagoefectivo.import"]
            .with_company(other)
            ._import_file(content, "liquidacion.csv")
        )
        self._process_imports()
        op = record.operation_ids.filtered("cip")
        self.assertEqual(op.company_id, other)
        self.assertEqual(op.journal_id.company_id, other)
        # No transaction of the other company has the CIP, and it has no
        # PagoEfectivo provider to vouch for it: nothing is settled.
        self.assertEqual(op.reason, "unverified")
        self.assertIn("no PagoEfectivo provider", op.note)
        self.assertFalse(self._outstanding(tx).reconciled)
        mine = self._import(content)
        self.assertEqual(mine.created_count, 2)
        self.assertEqual(mine.exception_count, 0)

    def test_transaction_found_by_code_when_it_has_no_cip(self):
        tx = self._transaction(41.0)
        cip = self._cip(tx, self.lima(2026, 3, 19, 10))
        tx.provider_reference = False
        op = self._import(self._settlement([cip])).operation_ids.filtered("cip")
        self.assertEqual((op.state, op.transaction_id), ("reconciled", tx))

    def test_same_cip_with_another_amount_is_a_duplicate(self):
        tx = self._transaction(52.0)
        self._import(self._settlement([self._cip(tx, self.lima(2026, 3, 20, 10))]))
        again = self._import(
            self._settlement([self._cip(tx, self.lima(2026, 3, 20, 10), amount=25.0)])
        )
        op = again.operation_ids.filtered("cip")
        self.assertEqual((op.state, op.reason), ("exception", "duplicate"))
        self.assertFalse(op.statement_line_id.is_reconciled)

    def test_unsettled_paid_cip_and_refund_rate_raise_activities(self):
        unsettled, refunded = self._transaction(15.0), self._transaction(16.0)
        monday = self.lima(2026, 3, 2, 10)
        self._import(
            reports.paid_report_csv([self._cip(unsettled, monday)]).encode(),
            "cips.csv",
        )
        self.credit_note = self.init_invoice(
            "out_refund", partner=refunded.partner_id, amounts=[16.0], post=True,
            taxes=self.env["account.tax"],
        )  # fmt: skip
        self._import(
            self._settlement(
                [self._cip(refunded, monday, refunds=[(monday.replace(hour=18), 16.0)])]
            )
        )
        journal = self._clearing()
        Operation = self.env["pagoefectivo.operation"]
        Operation._cron_alerts(today=monday.date() + timedelta(days=2))  # Wednesday
        op = Operation.search([("cip", "=", unsettled.provider_reference)])
        self.assertFalse(op.overdue)
        refund_alert = journal.activity_ids.filtered(lambda a: "refund" in a.summary)
        self.assertEqual(len(refund_alert), 1)

        Operation._cron_alerts(today=monday.date() + timedelta(days=3))  # Thursday
        self.assertTrue(op.overdue)
        late = journal.activity_ids.filtered(lambda a: "not settled" in a.summary)
        self.assertIn(unsettled.provider_reference, str(late.note))
        Operation._cron_alerts(today=monday.date() + timedelta(days=4))
        self.assertEqual(len(journal.activity_ids), 2)  # no repeated alerts

    def test_files_sent_to_the_journal_are_imported_by_the_cron(self):
        tx = self._transaction(17.0)
        journal = self._clearing()
        content = self._settlement([self._cip(tx, self.lima(2026, 3, 23, 10))])
        Attachment = self.env["ir.attachment"]
        good = Attachment.create(
            {"name": "liq.csv", "raw": content, "res_model": "account.journal",
             "res_id": journal.id}
        )  # fmt: skip
        bad = Attachment.create(
            {"name": "broken.csv", "raw": b"nothing,useful\r\n1,2\r\n",
             "res_model": "account.journal", "res_id": journal.id}
        )  # fmt: skip
        self.env["pagoefectivo.import"]._cron_import_journal_files()
        record = self.env["pagoefectivo.import"].search(
            [("checksum", "=", good.checksum)]
        )
        self.assertEqual(record.state, "queued")
        self._process_imports()
        self.assertEqual(record.matched_count, 2)
        self.assertTrue(self._outstanding(tx).reconciled)
        self.assertEqual(bad.description, "PagoEfectivo: rejected")
        self.assertIn("broken.csv", journal.message_ids[0].body)
        self.env["pagoefectivo.import"]._cron_import_journal_files()
        self.assertEqual(
            self.env["pagoefectivo.import"].search_count(
                [("checksum", "=", good.checksum)]
            ),
            1,
        )

    def test_exception_reconciled_in_another_screen_is_picked_up(self):
        tx = self._transaction(61.0)
        cip = self._cip(self._paid_elsewhere(tx.amount), self.lima(2026, 3, 24, 10))
        op = self._import(self._settlement([cip])).operation_ids.filtered("cip")
        self.assertEqual(op.state, "exception")
        # What a reconciliation screen does: suspense line onto the target, reconcile.
        st_line = op.statement_line_id
        _liquidity, suspense, _other = st_line._seek_for_lines()
        target = self._outstanding(tx)
        suspense.with_context(
            skip_account_move_synchronization=True
        ).account_id = target.account_id
        (suspense + target).reconcile()
        self.assertEqual((op.state, op.manual), ("reconciled", True))
        self.assertEqual(op.reason, "unknown_cip")  # why it needed a human
        op.import_id.action_reconcile()
        self.assertEqual(op.statement_line_id, st_line)
        self.assertTrue(target.reconciled)

        st_line.action_undo_reconciliation()  # that screen undoes it
        self.assertEqual((op.state, op.manual), ("exception", False))

    def test_refund_settles_an_outbound_payment_made_by_hand(self):
        tx = self._paid_at_pagoefectivo(self._transaction(90.0))
        refund_payment = self.env["account.payment"].create(
            {
                "payment_type": "outbound",
                "partner_type": "customer",
                "partner_id": tx.partner_id.id,
                "amount": 20.0,
                "journal_id": self.company_data["default_journal_bank"].id,
            }
        )
        refund_payment.action_post()
        paid_at = self.lima(2026, 3, 25, 10)
        record = self._import(
            self._settlement(
                [self._cip(tx, paid_at, refunds=[(paid_at.replace(hour=15), 20.0)])]
            )
        )
        refund = record.operation_ids.filtered(lambda o: o.kind == "refund")
        self.assertEqual(refund.state, "reconciled")
        # No refund was asked from Odoo: the accountant's payment is the refund.
        self.assertTrue(refund_payment.is_matched)
        self.assertEqual(tx.child_transaction_ids.payment_id, refund_payment)

    def test_upload_wizard_reports_what_it_did(self):
        tx = self._transaction(19.0)
        content = self._settlement([self._cip(tx, self.lima(2026, 3, 26, 10))])
        wizard = self.env["pagoefectivo.import.wizard"].create(
            {"file": base64.b64encode(content), "filename": "liq.csv"}
        )
        action = wizard.action_import()
        self.assertIn("in the background", action["params"]["message"])
        record = self.env["pagoefectivo.import"].browse(
            action["params"]["next"]["res_id"]
        )
        self._process_imports()
        done = record._notification()  # what the user is sent when it is done
        self.assertIn("Rows imported: 2;", done["message"])
        self.assertIn("exceptions: 0.", done["message"])
        self.assertEqual(done["type"], "success")

    def test_a_cip_waits_for_the_payment_odoo_could_not_make_yet(self):
        """Settling the invoice directly would leave the payment Odoo's
        post-processing job makes later as a second credit of the customer."""
        tx = self._transaction(70.0, state="pending")
        tx._set_done()  # paid, never post-processed
        Tx = type(self.env["payment.transaction"])
        with patch.object(Tx, "_post_process", side_effect=UserError("no journal")):
            record = self._import(
                self._settlement([self._cip(tx, self.lima(2026, 3, 27, 10))])
            )
        op = record.operation_ids.filtered("cip")
        self.assertEqual((op.state, op.reason), ("exception", "not_confirmed"))
        self.assertIn("could not make its payment: no journal", op.note)
        with self.assertRaisesRegex(UserError, "a second time"):
            op.action_write_off()
        self.assertFalse(op.statement_line_id.line_ids.reconciled_lines_ids)
        self.assertEqual(tx.invoice_ids.payment_state, "not_paid")

        tx._post_process()  # as Odoo's post-processing job does, the cause fixed
        self.assertTrue(tx.payment_id)
        op.action_reconcile()
        self.assertEqual(op.state, "reconciled")
        self.assertEqual(tx.invoice_ids.payment_state, "paid")
        payments = self.env["account.payment"].search(
            [("partner_id", "=", tx.partner_id.commercial_partner_id.id)]
        )
        self.assertEqual(payments, tx.payment_id)
        self.assertEqual(tx.partner_id.commercial_partner_id.credit, 0.0)

    def test_a_post_processed_transaction_without_payment_settles_its_invoice(self):
        tx = self._transaction(70.0, state="pending")
        tx._set_done()
        tx.is_post_processed = True  # Odoo made no payment and will make none
        record = self._import(
            self._settlement([self._cip(tx, self.lima(2026, 3, 27, 10))])
        )
        op = record.operation_ids.filtered("cip")
        self.assertEqual(op.state, "reconciled")
        self.assertFalse(tx.payment_id)
        self.assertEqual(tx.invoice_ids.payment_state, "paid")

    def test_export_keeps_formula_like_texts_as_texts(self):
        tx = self._transaction(18.0)
        row = self._cip(tx, self.lima(2026, 3, 12, 10))
        row["transactionCode"] = '=HYPERLINK("http://evil.example","x")'
        record = self._import(self._settlement([row]))
        download = record.action_export_xlsx()
        attachment = self.env["ir.attachment"].browse(
            int(download["url"].split("/")[3].split("?")[0])
        )
        sheet = load_workbook(io.BytesIO(attachment.raw))["Operations"]
        cells = [cell for line in sheet.iter_rows() for cell in line]
        evil = [cell for cell in cells if str(cell.value).startswith("=HYPERLINK")]
        self.assertTrue(evil)
        self.assertEqual({cell.data_type for cell in evil}, {"s"})
