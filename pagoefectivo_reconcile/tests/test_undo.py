from odoo import fields
from odoo.exceptions import UserError
from odoo.fields import Command
from odoo.tests import new_test_user, tagged

from .common import PagoEfectivoReconcileCommon


@tagged("post_install", "-at_install")
class TestUndo(PagoEfectivoReconcileCommon):
    """Undo reverses: no posted entry is ever deleted, lock dates hold."""

    def _day_of(self, amounts):
        txs = self.env["payment.transaction"].union(
            *(self._transaction(amount) for amount in amounts)
        )
        record = self._import(
            self._settlement([self._cip(tx, self.lima(2026, 4, 7, 10)) for tx in txs])
        )
        ops = {
            tx: record.operation_ids.filtered(lambda o, tx=tx: o.transaction_id == tx)
            for tx in txs
        }
        return txs, record, ops

    def _moves(self, journal):
        return self.env["account.move"].search([("journal_id", "=", journal.id)])

    def assertNumberingWithoutGaps(self, journal):
        by_prefix = {}
        for move in self._moves(journal):
            by_prefix.setdefault(move.sequence_prefix, []).append(move.sequence_number)
        for prefix, numbers in by_prefix.items():
            self.assertEqual(
                sorted(numbers), list(range(1, len(numbers) + 1)), "gap in " + prefix
            )

    def _lock(self, day):
        self.env.company.sudo().fiscalyear_lock_date = fields.Date.to_date(day)

    def test_undo_one_cip_of_a_day_reverses_its_share_only(self):
        txs, record, ops = self._day_of((21.0, 22.0, 23.0))
        first, undone, third = txs
        batch = ops[undone].statement_line_id
        self.assertEqual(ops[first].statement_line_id, batch)
        journal = batch.journal_id
        batch_items = batch.move_id.line_ids.read(["account_id", "balance"])

        ops[undone].action_undo()

        self.assertEqual(ops[undone].state, "to_match")
        self.assertFalse(ops[undone].statement_line_id)
        self.assertFalse(self._outstanding(undone).reconciled)
        self.assertFalse(undone.payment_id.is_matched)
        for tx in (first, third):
            self.assertEqual(ops[tx].state, "reconciled")
            self.assertEqual(ops[tx].statement_line_id, batch)
            self.assertTrue(self._outstanding(tx).reconciled)
        # The day's entry is untouched; a reversal of 22.00 takes the CIP out.
        self.assertEqual(
            batch.move_id.line_ids.read(["account_id", "balance"]), batch_items
        )
        reversal = ops[undone].reversal_line_ids
        self.assertEqual(len(reversal), 1)
        self.assertAlmostEqual(reversal.amount, -22.0)
        self.assertEqual(reversal.date, batch.date)  # the period is open
        self.assertTrue(reversal.is_reconciled)
        self.assertTrue(batch.is_reconciled)
        self.assertIn(undone.provider_reference, reversal.payment_ref)
        self.assertAlmostEqual(self._balance(journal), -22.0)  # deposited, open

        ops[undone].action_reconcile()
        self.assertEqual(ops[undone].state, "reconciled")
        self.assertTrue(self._outstanding(undone).reconciled)
        self.assertAlmostEqual(self._balance(journal), 0.0)
        self.assertEqual(record.matched_count, 4)
        self.assertNumberingWithoutGaps(journal)

    def test_undo_one_cip_of_a_500_cip_day(self):
        txs, _record, ops = self._day_of([10.0 + n / 100 for n in range(500)])
        undone = txs[250]
        batch = ops[undone].statement_line_id
        items = batch.move_id.line_ids
        self.assertEqual(
            len(batch.move_id.line_ids.matched_debit_ids)
            + len(batch.move_id.line_ids.matched_credit_ids),
            500,
        )

        ops[undone].action_undo()

        self.assertEqual(batch.move_id.line_ids, items)
        self.assertAlmostEqual(ops[undone].reversal_line_ids.amount, -undone.amount)
        self.assertFalse(self._outstanding(undone).reconciled)
        others = txs - undone
        self.assertTrue(all(self._outstanding(tx).reconciled for tx in others))
        self.assertEqual(
            {op.state for tx, op in ops.items() if tx != undone}, {"reconciled"}
        )

    def test_undo_after_the_lock_date_reverses_today(self):
        txs, record, ops = self._day_of((31.0, 32.0))
        journal = record.operation_ids.journal_id
        moves = self._moves(journal)
        self._lock("2026-04-30")

        record.action_undo()

        self.assertEqual(self._moves(journal) & moves, moves)  # nothing deleted
        self.assertTrue(all(move.state == "posted" for move in moves))
        reversals = record.operation_ids.reversal_line_ids
        self.assertTrue(reversals)
        today = fields.Date.context_today(record)
        self.assertEqual(set(reversals.mapped("date")), {today})
        self.assertTrue(all(self._statement_lines(journal).mapped("is_reconciled")))
        self.assertAlmostEqual(self._balance(journal), 0.0)
        self.assertEqual({op.state for op in record.operation_ids}, {"to_match"})
        self.assertFalse(any(self._outstanding(tx).reconciled for tx in txs))
        self.assertNumberingWithoutGaps(journal)

    def test_undo_of_the_file_reverses_and_rebooks(self):
        txs, record, ops = self._day_of((12.0, 13.0))
        journal = record.operation_ids.journal_id
        lines = self._statement_lines(journal)

        record.action_undo()

        self.assertEqual(self._statement_lines(journal) & lines, lines)
        self.assertFalse(record.operation_ids.statement_line_id)
        self.assertTrue(all(self._statement_lines(journal).mapped("is_reconciled")))
        record.action_reconcile()
        self.assertTrue(all(self._outstanding(tx).reconciled for tx in txs))
        self.assertAlmostEqual(self._balance(journal), 0.0)

    def test_rows_of_a_locked_period_are_booked_on_the_first_open_day(self):
        self._lock("2026-04-30")
        txs, record, ops = self._day_of((41.0,))
        op = ops[txs]
        self.assertEqual(op.state, "reconciled")
        self.assertEqual(str(op.local_date), "2026-04-07")
        self.assertEqual(str(op.booked_date), "2026-05-01")
        self.assertTrue(self._outstanding(txs).reconciled)

    def test_an_exception_is_reconciled_on_its_own_line(self):
        tx = self._transaction(77.0, state="pending")  # its invoice is open
        elsewhere = self._paid_elsewhere(77.0)
        record = self._import(
            self._settlement([self._cip(elsewhere, self.lima(2026, 4, 7, 10))])
        )
        op = record.operation_ids.filtered(
            lambda o: o.cip == elsewhere.provider_reference
        )
        self.assertEqual(op.reason, "unknown_cip")
        waiting = op.statement_line_id
        self.assertFalse(waiting.is_reconciled)
        name = waiting.move_id.name

        op.action_accept_candidate()

        self.assertEqual(op.statement_line_id, waiting)
        self.assertEqual(waiting.move_id.name, name)
        self.assertTrue(waiting.is_reconciled)
        self.assertEqual(tx.invoice_ids.payment_state, "paid")

    def test_undo_one_cip_then_the_file_reverses_each_amount_once(self):
        txs, record, ops = self._day_of((21.0, 22.0, 23.0))
        journal = record.operation_ids.journal_id
        ops[txs[1]].action_undo()

        record.action_undo()

        self.assertAlmostEqual(self._balance(journal), 0.0)
        self.assertTrue(all(self._statement_lines(journal).mapped("is_reconciled")))
        self.assertFalse(any(self._outstanding(tx).reconciled for tx in txs))
        outstanding = txs[0].payment_id.outstanding_account_id
        clearing_items = self.env["account.move.line"].search(
            [("journal_id", "=", journal.id), ("account_id", "=", outstanding.id)]
        )
        self.assertAlmostEqual(sum(clearing_items.mapped("balance")), 0.0)
        self.assertFalse(clearing_items.filtered(lambda line: not line.reconciled))
        # The CIP's share, the rest of its day, the deposit, the commissions.
        self.assertEqual(len(record.operation_ids.reversal_line_ids), 4)

        record.action_reconcile()
        self.assertTrue(all(self._outstanding(tx).reconciled for tx in txs))
        self.assertAlmostEqual(self._balance(journal), 0.0)

    def test_undo_of_a_day_in_the_reconciliation_screen_and_reconcile_again(self):
        txs, record, ops = self._day_of((51.0, 52.0, 53.0))
        batch = ops[txs[0]].statement_line_id
        day_ops = record.operation_ids.filtered(lambda o: o.statement_line_id == batch)
        self.assertEqual(len(day_ops), 3)
        journal = batch.journal_id
        moves = self._moves(journal)
        lines = self._statement_lines(journal)
        accountant = new_test_user(
            self.env, login="pe_undoer", groups="account.group_account_user"
        )

        batch.with_user(accountant).action_undo_reconciliation()

        self.assertFalse(batch.is_reconciled)
        self.assertEqual(set(day_ops.mapped("state")), {"exception"})
        self.assertEqual(set(day_ops.mapped("reason")), {"undone"})
        self.assertIn("pe_undoer", day_ops[0].note)
        self.assertEqual(day_ops.statement_line_id, batch)
        self.assertEqual(record.exception_count, 3)
        self.assertFalse(any(tx.payment_id.is_matched for tx in txs))
        self.assertFalse(any(self._outstanding(tx).reconciled for tx in txs))
        _liquidity, suspense, _others = batch._seek_for_lines()
        self.assertAlmostEqual(sum(suspense.mapped("credit")), 156.0)
        placeholder = suspense

        day_ops.with_user(accountant).action_reconcile()  # Reconcile Again

        self.assertEqual(set(day_ops.mapped("state")), {"reconciled"})
        self.assertFalse(any(day_ops.mapped("manual")))
        self.assertEqual(day_ops.statement_line_id, batch)
        self.assertTrue(batch.is_reconciled)
        self.assertTrue(all(self._outstanding(tx).reconciled for tx in txs))
        self.assertEqual(self._statement_lines(journal), lines)  # none new
        self.assertEqual(self._moves(journal), moves)
        self.assertEqual(set(moves.mapped("state")), {"posted"})
        self.assertFalse(placeholder.exists())
        self.assertEqual(record.exception_count, 0)
        self.assertNumberingWithoutGaps(journal)

    def test_reconcile_again_of_part_of_an_undone_day(self):
        txs, record, ops = self._day_of((61.0, 62.0))
        batch = ops[txs[0]].statement_line_id
        batch.action_undo_reconciliation()

        ops[txs[0]].action_reconcile()

        self.assertEqual(ops[txs[0]].state, "reconciled")
        self.assertEqual(ops[txs[1]].state, "exception")
        self.assertFalse(batch.is_reconciled)  # 62.00 still waits
        _liquidity, suspense, _others = batch._seek_for_lines()
        self.assertAlmostEqual(sum(suspense.mapped("credit")), 62.0)
        ops[txs[1]].action_reconcile()
        self.assertTrue(batch.is_reconciled)
        self.assertTrue(all(self._outstanding(tx).reconciled for tx in txs))

    def test_undo_in_the_screen_refused_on_lines_it_could_not_book_again(self):
        txs, record, ops = self._day_of((71.0, 72.0, 73.0))
        batch = ops[txs[0]].statement_line_id
        commissions = record.operation_ids.commission_line_id
        self.assertEqual(len(commissions), 1)
        ops[txs[1]].action_undo()  # one CIP's share of the day
        reversal = ops[txs[1]].reversal_line_ids
        self.assertEqual(len(reversal), 1)
        journal = batch.journal_id
        Item = self.env["account.move.line"]
        items = Item.search([("journal_id", "=", journal.id)])
        amounts = ["account_id", "balance", "amount_residual"]
        before = items.read(amounts)
        states = record.operation_ids.read(["state", "statement_line_id"])
        accountant = new_test_user(
            self.env, login="pe_screen", groups="account.group_account_user"
        )

        refusals = (
            (commissions, "commissions.*Undo the file in PagoEfectivo > Imported"),
            (reversal, "Reconcile those operations again in PagoEfectivo > Op"),
            (batch, "already reversed.*Undo the operations or the file"),
        )
        for st_line, message in refusals:
            with self.subTest(line=st_line.payment_ref):
                with self.assertRaisesRegex(UserError, message):
                    st_line.with_user(accountant).action_undo_reconciliation()

        self.assertEqual(Item.search([("journal_id", "=", journal.id)]), items)
        self.assertEqual(items.read(amounts), before)
        self.assertEqual(
            record.operation_ids.read(["state", "statement_line_id"]), states
        )
        self.assertTrue(all((batch | commissions | reversal).mapped("is_reconciled")))
        self.assertTrue(self._outstanding(txs[0]).reconciled)
        self.assertFalse(self._outstanding(txs[1]).reconciled)

    def test_reconcile_again_refuses_a_line_changed_since_its_undo(self):
        txs, record, ops = self._day_of((81.0, 82.0))
        batch = ops[txs[0]].statement_line_id
        day_ops = ops[txs[0]] | ops[txs[1]]
        batch.action_undo_reconciliation()
        # Then part of it was reconciled by hand, in a reconciliation screen.
        _liquidity, suspense, _others = batch._seek_for_lines()
        batch.move_id.with_context(skip_readonly_check=True).write(
            {
                "line_ids": [
                    Command.update(
                        suspense.id, {"amount_currency": -100.0, "balance": -100.0}
                    ),
                    Command.create(
                        {
                            "name": "By hand",
                            "account_id": batch.company_id.transfer_account_id.id,
                            "currency_id": suspense.currency_id.id,
                            "amount_currency": -63.0,
                            "balance": -63.0,
                        }
                    ),
                ]
            }
        )
        items = batch.move_id.line_ids

        with self.assertRaisesRegex(UserError, r"163\.00.*100\.00.*cannot fill it"):
            day_ops.action_reconcile()

        self.assertEqual(set(day_ops.mapped("state")), {"exception"})
        self.assertEqual(batch.move_id.line_ids, items)
        self.assertAlmostEqual(suspense.credit, 100.0)
        self.assertFalse(any(self._outstanding(tx).reconciled for tx in txs))
