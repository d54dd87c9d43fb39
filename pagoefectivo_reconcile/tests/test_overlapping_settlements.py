from odoo.exceptions import AccessError, UserError
from odoo.tests import tagged

from pagoefectivo_emulator import reports

from .common import PagoEfectivoReconcileCommon


@tagged("post_install", "-at_install")
class TestOverlappingSettlements(PagoEfectivoReconcileCommon):
    """A settlement that lists CIPs an earlier one paid out may pay them twice."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._create_accountants()

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

    # === BOOKING THE HELD PART === #

    def _held_deposit(self):
        """A deposit that pays again the paid CIP `both` an earlier settlement
        paid out, with the paid CIP `last`; and those transactions."""
        first, both, last = (self._transaction(amount) for amount in (41.0, 51.0, 61.0))
        day = self.lima(2026, 5, 11, 10)
        self._import(
            self._settlement([self._cip(first, day), self._cip(both, day)]),
            "liquidacion_1105.csv",
        )
        later = self._import(
            self._settlement([self._cip(both, day), self._cip(last, day)]),
            "liquidacion_1205.csv",
        )
        deposit = later.operation_ids.filtered(lambda op: op.kind == "deposit")
        self.assertEqual((deposit.state, deposit.reason), ("exception", "duplicate"))
        return deposit, both, last

    def _items(self, journal, account):
        return self.env["account.move.line"].search(
            [("journal_id", "=", journal.id), ("account_id", "=", account.id)]
        )

    def _book_held(self, deposit, user, reason):
        op = deposit.with_user(user)
        self._confirm_wizard(op, op.action_book_deposit(), reason=reason)

    def test_book_deposit_owes_what_pagoefectivo_paid_twice_back_to_it(self):
        deposit, both, _last = self._held_deposit()
        journal = deposit.journal_id
        held = self._net(both)
        clearing = journal.default_account_id
        payable = journal.pagoefectivo_advance_account_id
        self.assertTrue(payable.code.startswith("4699"))
        st_line = deposit.statement_line_id
        # The whole deposit left the clearing account; its held part waits.
        self.assertAlmostEqual(self._balance(journal), -held)
        with self.assertRaisesRegex(AccessError, "Accounting / Administrator"):
            deposit.with_user(self.accountant).action_book_deposit()
        with self.assertRaisesRegex(UserError, "Say why"):
            self._book_held(deposit, self.adviser, "  ")
        self.assertEqual(deposit.state, "exception")
        self.assertFalse(self._items(journal, payable))

        self._book_held(deposit, self.adviser, "Seen in the BCP statement of May 12")

        self.assertEqual(deposit.state, "reconciled")
        self.assertEqual(deposit.statement_line_id, st_line)
        self.assertTrue(st_line.is_reconciled)
        self.assertAlmostEqual(deposit.booked_amount, deposit.amount)
        # Both settlements are paid out: PagoEfectivo owes nothing more, and
        # is owed what it paid twice.
        self.assertAlmostEqual(self._balance(journal), 0.0)
        clearing_items = self._items(journal, clearing)
        self.assertAlmostEqual(sum(clearing_items.mapped("balance")), 0.0)
        owed = self._items(journal, payable)
        self.assertEqual(len(owed), 1)
        self.assertAlmostEqual(owed.balance, -held)
        self.assertEqual(owed.partner_id, self.pagoefectivo_supplier)
        self.assertIn(both.provider_reference, owed.name)
        self.assertIn("liquidacion_1105.csv", owed.name)
        owed_line = deposit.held_line_id
        self.assertEqual(owed.statement_line_id, owed_line)
        self.assertAlmostEqual(owed_line.amount, held)
        self.assertTrue(owed_line.is_reconciled)
        self.assertIn(self.adviser.name, deposit.note)
        self.assertIn("Seen in the BCP statement of May 12", deposit.note)

    def test_undo_of_a_booked_deposit_reverses_what_is_owed_back_too(self):
        deposit, both, last = self._held_deposit()
        journal = deposit.journal_id
        payable = journal.pagoefectivo_advance_account_id
        self._book_held(deposit, self.adviser, "Seen in the bank")
        booked = deposit.statement_line_id | deposit.held_line_id
        moves = self.env["account.move"].search([("journal_id", "=", journal.id)])

        deposit.with_user(self.adviser).action_undo()

        self.assertEqual(deposit.state, "to_match")
        self.assertFalse(deposit.held_line_id)
        self.assertEqual(len(deposit.reversal_line_ids), 2)
        self.assertTrue(all(moves.exists()))  # nothing unlinked
        self.assertEqual(set(moves.mapped("state")), {"posted"})
        self.assertTrue(all(booked.mapped("is_reconciled")))
        owed = self._items(journal, payable)
        self.assertAlmostEqual(sum(owed.mapped("balance")), 0.0)
        self.assertTrue(all(owed.mapped("reconciled")))
        # Without the deposit, PagoEfectivo owes the new CIP's net again.
        self.assertAlmostEqual(self._balance(journal), self._net(last))
