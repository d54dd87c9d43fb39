from datetime import date

from odoo.tests import new_test_user, tagged

from pagoefectivo_emulator import reports

from .common import PagoEfectivoReconcileCommon


@tagged("post_install", "-at_install")
class TestStatements(PagoEfectivoReconcileCommon):
    """Each settlement closes a bank statement of the clearing journal; the
    statements chain, and the last one closes on what PagoEfectivo still
    owes, as the balance per day does."""

    def setUp(self):
        super().setUp()
        self.journal = self.env["account.journal"]._pagoefectivo_journal(
            self.env.company, self.env.company.currency_id
        )

    def _paid(self, amount, when):
        tx = self._transaction(amount)
        return tx, self._cip(tx, when)

    def _fee(self, *amounts):
        """Commissions and IGV PagoEfectivo keeps from these paid CIPs."""
        return sum(
            float(sum(self.commission.of(self.cents(amount)))) for amount in amounts
        )

    def _owed(self):
        """The clearing account's balance."""
        lines = self.env["account.move.line"].search(
            [
                ("account_id", "=", self.journal.default_account_id.id),
                ("parent_state", "=", "posted"),
            ]
        )
        return sum(lines.mapped("balance"))

    def _days(self):
        """The balance per day, as an auditor (read-only accountant) sees it."""
        auditor = new_test_user(
            self.env,
            login="auditor",
            groups="account.group_account_readonly",
            company_id=self.env.company.id,
        )
        return {
            day.date: day
            for day in self.env["pagoefectivo.clearing.day"]
            .with_user(auditor)
            .search([("journal_id", "=", self.journal.id)])
        }

    def assertChain(self, statements):
        previous = None
        for statement in statements:
            self.assertTrue(statement.is_valid, statement.name)
            self.assertTrue(statement.is_complete, statement.name)
            self.assertAlmostEqual(statement.balance_end_real, statement.balance_end)
            self.assertAlmostEqual(
                statement.balance_start,
                previous.balance_end_real if previous else 0.0,
                msg=statement.name,
            )
            previous = statement

    def _three_days(self):
        """Monday to Wednesday: each day's settlement is deposited the next
        day; a CIP paid late on Tuesday is settled on Wednesday; one paid
        on Thursday is only in the paid-CIP report so far."""
        cips = {}
        for name, amount, when in (
            ("a1", 100.0, self.lima(2026, 3, 2, 10)),
            ("a2", 50.5, self.lima(2026, 3, 2, 11)),
            ("b1", 200.0, self.lima(2026, 3, 3, 10)),
            ("b2", 80.0, self.lima(2026, 3, 3, 23)),
            ("c1", 300.0, self.lima(2026, 3, 4, 10)),
            ("d1", 40.0, self.lima(2026, 3, 5, 9)),
        ):
            cips[name] = self._paid(amount, when)[1]
        first = self._import(
            self._settlement([cips["a1"], cips["a2"]]), "liquidacion-0302.csv"
        )
        self._import(
            reports.paid_report_xlsx([cips["b1"], cips["b2"]]), "pagados-0303.xlsx"
        )
        second = self._import(self._settlement([cips["b1"]]), "liquidacion-0303.csv")
        self._import(reports.paid_report_xlsx([cips["d1"]]), "pagados-0305.xlsx")
        third = self._import(
            self._settlement([cips["b2"], cips["c1"]]), "liquidacion-0304.csv"
        )
        return cips, (first, second, third)

    def test_statements_chain_over_three_days(self):
        cips, files = self._three_days()
        statements = self.env["account.bank.statement"].union(
            *(record.statement_ids for record in files)
        )
        self.assertEqual(len(statements), 3)
        self.assertEqual(statements.journal_id, self.journal)
        self.assertEqual(
            statements.mapped("date"),
            [date(2026, 3, 3), date(2026, 3, 4), date(2026, 3, 5)],
        )
        for record, statement in zip(files, statements, strict=True):
            self.assertEqual(statement.pagoefectivo_import_id, record)
            self.assertIn(record.name, statement.name)
            self.assertEqual(record.statement_count, 1)
        self.assertChain(statements)
        # After each settlement, PagoEfectivo owes what was paid and not yet
        # deposited: nothing on Tuesday; on Wednesday the CIP paid late on
        # Tuesday; on Thursday the CIP paid that morning.
        self.assertEqual(
            [round(st.balance_end_real, 2) for st in statements], [0.0, 80.0, 40.0]
        )
        self.assertAlmostEqual(statements[-1].balance_end_real, self._owed())
        # Every entry of the clearing journal is on a statement.
        self.assertFalse(
            self._statement_lines(self.journal).filtered(lambda st: not st.statement_id)
        )

        days = self._days()
        self.assertEqual(sorted(days), [date(2026, 3, d) for d in (2, 3, 4, 5)])
        expected = {
            date(2026, 3, 2): (0.0, 150.5, 0.0),
            # The deposit of Monday's 150.50, net of its commissions; the
            # paid-CIP report of Tuesday.
            date(2026, 3, 3): (150.5, 280.0, 150.5),
            date(2026, 3, 4): (280.0, 300.0, 200.0),
            date(2026, 3, 5): (380.0, 40.0, 380.0),
        }
        closing = 0.0
        for day, (opening, amount_in, amount_out) in expected.items():
            row = days[day]
            self.assertAlmostEqual(row.balance_start, opening, msg=str(day))
            self.assertAlmostEqual(row.amount_in, amount_in, msg=str(day))
            self.assertAlmostEqual(row.amount_out, amount_out, msg=str(day))
            closing = opening + amount_in - amount_out
            self.assertAlmostEqual(row.balance_end, closing, msg=str(day))
        self.assertAlmostEqual(closing, statements[-1].balance_end_real)
        self.assertAlmostEqual(closing, self._owed())
        # The day's deposit is what PagoEfectivo paid out, net of commissions.
        deposit = self.journal.pagoefectivo_transfer_account_id
        deposited = self.env["account.move.line"].search(
            [("journal_id", "=", self.journal.id), ("account_id", "=", deposit.id)]
        )
        settled = (100.0, 50.5, 200.0, 80.0, 300.0)
        self.assertAlmostEqual(
            sum(deposited.mapped("balance")), sum(settled) - self._fee(*settled)
        )

    def test_undo_keeps_statements_consistent(self):
        cips, (_first, _second, third) = self._three_days()
        before = self.env["account.bank.statement"].search(
            [("journal_id", "=", self.journal.id)], order="first_line_index"
        )
        closings = before.mapped("balance_end_real")

        third.action_undo()
        third.action_reconcile()
        # Filed statements do not change; what the undo reversed and booked
        # again is on the next settlement's statement.
        self.assertEqual(before.mapped("balance_end_real"), closings)
        self.assertChain(before)
        fourth = self._import(self._settlement([cips["d1"]]), "liquidacion-0305.csv")
        statements = before | fourth.statement_ids
        self.assertEqual(len(fourth.statement_ids), 1)
        self.assertChain(statements)
        # The reversals are on it, but the one dated Tuesday (the late CIP's
        # share of Tuesday's report): dated before the last statement, it
        # stays out of statements, as does its booking again.
        reversals = third._operations().reversal_line_ids
        late = reversals.filtered(lambda line: line.date < date(2026, 3, 4))
        self.assertEqual(late.mapped("amount"), [-80.0])
        self.assertFalse(late.statement_id)
        self.assertEqual((reversals - late).statement_id, fourth.statement_ids)
        # Everything is deposited: PagoEfectivo owes nothing.
        self.assertAlmostEqual(fourth.statement_ids.balance_end_real, 0.0)
        self.assertAlmostEqual(self._owed(), 0.0)
        self.assertAlmostEqual(self._days()[date(2026, 3, 6)].balance_end, 0.0)
