from odoo.tests import tagged

from pagoefectivo_emulator import reports

from .common import PagoEfectivoReconcileCommon


@tagged("post_install", "-at_install")
class TestOverlappingSettlements(PagoEfectivoReconcileCommon):
    """A settlement that lists CIPs an earlier one paid out may pay them twice."""

    def _net(self, tx):
        return float(
            self.cents(tx.amount) - sum(self.commission.of(self.cents(tx.amount)))
        )

    def test_second_settlement_over_settled_cips_holds_its_deposit(self):
        first, both, last = (self._transaction(amount) for amount in (40.0, 50.0, 60.0))
        day = self.lima(2026, 5, 4, 10)
        earlier = self._import(
            self._settlement([self._cip(first, day), self._cip(both, day)]),
            "liquidacion_0405.csv",
        )
        journal = earlier.operation_ids.journal_id
        self.assertAlmostEqual(self._balance(journal), 0.0)

        later = self._import(
            self._settlement([self._cip(both, day), self._cip(last, day)]),
            "liquidacion_0505.csv",
        )

        self.assertEqual((later.created_count, later.skipped_count), (2, 1))
        deposit = later.operation_ids.filtered(lambda op: op.kind == "deposit")
        self.assertAlmostEqual(deposit.amount, -(self._net(both) + self._net(last)))
        self.assertEqual((deposit.state, deposit.reason), ("exception", "duplicate"))
        self.assertIn(both.provider_reference, deposit.note)
        self.assertIn("liquidacion_0405.csv", deposit.note)
        # The net of the new CIP is booked at once; the part already paid out
        # waits on the suspense account.
        self.assertAlmostEqual(deposit.held_amount, -self._net(both))
        self.assertAlmostEqual(deposit.booked_amount, -self._net(last))
        st_line = deposit.statement_line_id
        self.assertFalse(st_line.is_reconciled)
        self.assertAlmostEqual(st_line.amount_residual, self._net(both))
        paid = later.operation_ids.filtered(lambda op: op.kind == "payment")
        self.assertEqual((paid.transaction_id, paid.state), (last, "reconciled"))
        self.assertEqual(later.exception_count, 1)
        transfer_account = journal.pagoefectivo_transfer_account_id

        def transferred():
            lines = self.env["account.move.line"].search(
                [
                    ("journal_id", "=", journal.id),
                    ("account_id", "=", transfer_account.id),
                ]
            )
            return sum(lines.mapped("balance"))

        self.assertAlmostEqual(
            transferred(), self._net(first) + self._net(both) + self._net(last)
        )

        deposit.action_book_deposit()  # the bank did receive it
        self.assertEqual(deposit.state, "reconciled")
        self.assertEqual(deposit.statement_line_id, st_line)
        self.assertTrue(st_line.is_reconciled)
        self.assertAlmostEqual(
            transferred(),
            self._net(first) + 2 * self._net(both) + self._net(last),
        )
        self.assertAlmostEqual(self._balance(journal), -self._net(both))

    def test_settlement_of_cips_only_reported_as_paid_is_not_an_overlap(self):
        tx = self._transaction(70.0)
        cip = self._cip(tx, self.lima(2026, 5, 6, 10))
        self._import(reports.paid_report_csv([cip]).encode(), "cips.csv")
        settlement = self._import(self._settlement([cip]))
        deposit = settlement.settled_operation_ids.filtered(
            lambda op: op.kind == "deposit"
        )
        self.assertEqual(deposit.state, "reconciled")
        self.assertFalse(deposit.overlap)
