from odoo.tests import tagged

from .common import PagoEfectivoReconcileCommon


@tagged("post_install", "-at_install")
class TestUndo(PagoEfectivoReconcileCommon):
    def _day_of_three(self):
        txs = self.env["payment.transaction"].union(
            *(self._transaction(amount) for amount in (21.0, 22.0, 23.0))
        )
        record = self._import(
            self._settlement([self._cip(tx, self.lima(2026, 4, 7, 10)) for tx in txs])
        )
        ops = {
            tx: record.operation_ids.filtered(lambda o, tx=tx: o.transaction_id == tx)
            for tx in txs
        }
        return txs, record, ops

    def test_undo_one_cip_of_a_day_keeps_the_others(self):
        txs, record, ops = self._day_of_three()
        first, undone, third = txs
        batch = ops[undone].statement_line_id
        self.assertEqual(ops[first].statement_line_id, batch)
        journal = batch.journal_id
        commissions = ops[undone].commission_line_id

        ops[undone].action_undo()

        self.assertEqual(ops[undone].state, "to_match")
        self.assertFalse(self._outstanding(undone).reconciled)
        self.assertFalse(undone.payment_id.is_matched)
        for tx in (first, third):
            self.assertEqual(ops[tx].state, "reconciled")
            self.assertTrue(self._outstanding(tx).reconciled)
        rebooked = ops[first].statement_line_id
        self.assertEqual(rebooked, ops[third].statement_line_id)
        self.assertAlmostEqual(rebooked.amount, 21.0 + 23.0)
        self.assertTrue(rebooked.is_reconciled)
        self.assertFalse(batch.exists())
        self.assertEqual(ops[undone].commission_line_id, commissions)  # still charged
        self.assertAlmostEqual(self._balance(journal), -22.0)  # deposited, open

        ops[undone].action_reconcile()
        self.assertEqual(ops[undone].state, "reconciled")
        self.assertTrue(self._outstanding(undone).reconciled)
        self.assertAlmostEqual(self._balance(journal), 0.0)
        self.assertEqual(record.matched_count, 4)

    def test_undo_the_file_removes_its_commissions_too(self):
        txs, record, ops = self._day_of_three()
        journal = record.operation_ids.journal_id
        record.action_undo()
        self.assertFalse(self._statement_lines(journal))
        self.assertFalse(record.operation_ids.commission_line_id)
        self.assertFalse(any(self._outstanding(tx).reconciled for tx in txs))
