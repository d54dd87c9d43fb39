from decimal import Decimal

from odoo.fields import Command
from odoo.tests import new_test_user, tagged
from odoo.tools import mute_logger

from pagoefectivo_emulator import reports

from .common import PagoEfectivoReconcileCommon

JOB_LOGGER = "odoo.addons.pagoefectivo_reconcile.models.pagoefectivo_import_job"
MATCHING_LOGGER = (
    "odoo.addons.pagoefectivo_reconcile.models.pagoefectivo_operation_matching"
)
API_LOGGER = "odoo.addons.pagoefectivo_payment.models.payment_provider_api"


@tagged("post_install", "-at_install")
class TestCommissionBill(PagoEfectivoReconcileCommon):
    """PagoEfectivo's commissions and their IGV are owed to PagoEfectivo: the
    clearing journal moves them to its payable, and its draft vendor bill,
    with the purchase IGV of Odoo's tax engine, settles that payable once the
    accountant posts it; the cents by which PagoEfectivo's IGV, rounded per
    row, differs from the bill's go to an entry of their own."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.accountant = new_test_user(
            cls.env,
            login="contador",
            groups="account.group_account_user",
            company_id=cls.company.id,
        )
        chart = cls.env["account.chart.template"]
        cls.igv = chart.ref("purchase_tax_igv_18")
        cls.bank_fees = chart.ref("chart6391")
        cls.payable = cls.pagoefectivo_supplier.with_company(
            cls.company
        ).property_account_payable_id

    def _clearing(self, currency=None):
        return self.env["account.journal"]._pagoefectivo_journal(
            self.env.company, currency or self.env.company.currency_id
        )

    def _settle(self, amounts, day, currency=None, filename="liquidacion.csv"):
        """A settlement of CIPs paid on `day` (2026), one per amount."""
        txs = self.env["payment.transaction"].union(
            *(self._transaction(amount, currency) for amount in amounts)
        )
        cips = [self._cip(tx, self.lima(2026, *day, 10)) for tx in txs]
        return self._import(self._settlement(cips), filename)

    def _commission_line(self, record):
        lines = record.settled_operation_ids.commission_line_id
        self.assertEqual(len(lines), 1)
        return lines

    def _owed(self, st_line):
        return st_line.line_ids.filtered(lambda line: line.account_id == self.payable)

    def _post_as_accountant(self, bill, number="F001-123"):
        """What the accountant does with PagoEfectivo's electronic invoice."""
        bill = bill.with_user(self.accountant)
        bill.write(
            {
                "invoice_date": "2026-04-30",
                "l10n_latam_document_type_id": self.env.ref(
                    "l10n_pe.document_type01"
                ).id,
                "l10n_latam_document_number": number,
                "ref": number,
            }
        )
        bill.action_post()
        return bill

    def assertLines(self, lines, expected):
        self.assertEqual(
            [
                (line.account_id, line.tax_ids, line.amount_currency, line.balance)
                for line in lines.sorted(lambda line: (-abs(line.balance), line.id))
            ],
            expected,
        )

    # === PEN AND USD === #

    def test_pen_settlement_billed_with_igv_then_posted_and_reconciled(self):
        record = self._settle((100.0, 200.0), (4, 7))
        journal = self._clearing()
        self.assertEqual(journal.pagoefectivo_commission_account_id, self.bank_fees)
        self.assertEqual(journal.pagoefectivo_commission_tax_id, self.igv)

        # 2.5 % of 300.00 and its 18 % IGV leave the clearing account for the
        # supplier's payable, on the day PagoEfectivo deposited the rest.
        st_line = self._commission_line(record)
        self.assertEqual(str(st_line.date), "2026-04-08")
        self.assertAlmostEqual(st_line.amount, -8.85)
        self.assertEqual(st_line.partner_id, self.pagoefectivo_supplier)
        owed = self._owed(st_line)
        self.assertEqual(owed.partner_id, self.pagoefectivo_supplier)
        self.assertAlmostEqual(owed.balance, 8.85)
        self.assertFalse(st_line.line_ids.tax_ids | st_line.line_ids.tax_line_id)
        self.assertAlmostEqual(self._balance(journal), 0.0)

        bill = record.commission_bill_ids
        self.assertEqual(bill.pagoefectivo_settlement_ids, record)
        self.assertEqual(
            (bill.move_type, bill.state, bill.partner_id, bill.currency_id),
            (
                "in_invoice",
                "draft",
                self.pagoefectivo_supplier,
                self.env.ref("base.PEN"),
            ),
        )
        self.assertEqual(bill.invoice_origin, record.name)
        self.assertFalse(bill.invoice_date)
        self.assertEqual(len(bill.invoice_line_ids), 1)
        self.assertIn(record.name, bill.invoice_line_ids.name)
        self.assertLines(
            bill.line_ids.filtered(lambda line: line.display_type != "payment_term"),
            [
                (self.bank_fees, self.igv, 7.5, 7.5),
                (
                    self.igv.invoice_repartition_line_ids.account_id,
                    self.env["account.tax"],
                    1.35,
                    1.35,
                ),
            ],
        )
        self.assertAlmostEqual(bill.amount_tax, 1.35)
        self.assertAlmostEqual(bill.amount_total, 8.85)

        bill = self._post_as_accountant(bill)

        self.assertEqual(bill.state, "posted")
        self.assertEqual(str(bill.date), "2026-04-30")
        self.assertIn(bill.payment_state, ("paid", "in_payment"))
        self.assertTrue(owed.reconciled)
        self.assertEqual(
            owed.full_reconcile_id,
            bill.line_ids.filtered(
                lambda line: line.account_id == self.payable
            ).full_reconcile_id,
        )

    def test_usd_settlement_billed_in_dollars_balanced_in_soles(self):
        record = self._settle((40.0,), (4, 7), currency=self.usd)
        journal = self._clearing(self.usd)
        self.assertEqual(journal.pagoefectivo_supplier_id, self.pagoefectivo_supplier)

        st_line = self._commission_line(record)
        self.assertEqual(st_line.journal_id, journal)
        owed = self._owed(st_line)
        self.assertEqual(owed.currency_id, self.usd)
        self.assertAlmostEqual(owed.amount_currency, 1.18)  # 1.00 + 0.18 IGV
        self.assertAlmostEqual(owed.balance, 4.72)  # 4 soles a dollar

        bill = record.commission_bill_ids
        self.assertEqual(bill.currency_id, self.usd)
        bill = self._post_as_accountant(bill)
        tax_line = bill.line_ids.filtered("tax_line_id")
        self.assertEqual(tax_line.tax_line_id, self.igv)
        self.assertAlmostEqual(tax_line.amount_currency, 0.18)
        self.assertAlmostEqual(tax_line.balance, 0.72)
        self.assertAlmostEqual(tax_line.tax_base_amount, 4.0)
        self.assertLines(bill.invoice_line_ids, [(self.bank_fees, self.igv, 1.0, 4.0)])
        self.assertIn(bill.payment_state, ("paid", "in_payment"))
        self.assertTrue(owed.reconciled)

    # === ROUNDING, GROUPING === #

    def test_rows_igv_rounded_differently_leaves_cents_to_an_entry_of_their_own(
        self,
    ):
        # Each row: 0.25 commission, 0.045 IGV rounded to 0.05; the bill's
        # 18 % of 0.50 is 0.09, a cent less than the rows' 0.10.
        self.commission = reports.Commission(Decimal("0"), Decimal("0.25"))
        record = self._settle((10.0, 20.0), (4, 7))
        st_line = self._commission_line(record)
        self.assertAlmostEqual(st_line.amount, -0.60)  # the clearing keeps the rows'

        # The bill is PagoEfectivo's electronic invoice, nothing more.
        bill = record.commission_bill_ids
        self.assertLines(bill.invoice_line_ids, [(self.bank_fees, self.igv, 0.5, 0.5)])
        self.assertAlmostEqual(bill.amount_tax, 0.09)
        self.assertAlmostEqual(bill.amount_total, 0.59)

        bill = self._post_as_accountant(bill)

        self.assertIn(bill.payment_state, ("paid", "in_payment"))
        owed = self._owed(st_line)
        self.assertTrue(owed.reconciled)
        rounding = (
            owed.full_reconcile_id.reconciled_line_ids.move_id - bill - st_line.move_id
        )
        self.assertEqual(
            (rounding.move_type, rounding.state, str(rounding.date)),
            ("entry", "posted", "2026-04-30"),
        )
        self.assertIn(bill.name, rounding.ref)
        loss = self._clearing().pagoefectivo_loss_account_id
        self.assertLines(
            rounding.line_ids,
            [
                (self.payable, self.env["account.tax"], -0.01, -0.01),
                (loss, self.env["account.tax"], 0.01, 0.01),
            ],
        )
        self.assertEqual(
            rounding.line_ids.partner_id,
            self.pagoefectivo_supplier.commercial_partner_id,
        )
        self.assertFalse(bill.activity_ids)

    def test_monthly_bill_collects_the_month_until_posted(self):
        self._clearing().pagoefectivo_commission_bill = "month"
        first = self._settle((100.0,), (4, 7), filename="liq-0407.csv")
        second = self._settle((200.0,), (4, 14), filename="liq-0414.csv")

        bill = first.commission_bill_ids
        self.assertEqual(second.commission_bill_ids, bill)
        self.assertEqual(bill.pagoefectivo_settlement_ids, first | second)
        self.assertEqual(bill.invoice_origin, "liq-0407.csv, liq-0414.csv")
        self.assertEqual(sorted(bill.invoice_line_ids.mapped("price_unit")), [2.5, 5.0])
        self.assertAlmostEqual(bill.amount_total, 8.85)

        bill = self._post_as_accountant(bill)
        self.assertIn(bill.payment_state, ("paid", "in_payment"))
        for record in first | second:
            self.assertTrue(self._owed(self._commission_line(record)).reconciled)

        third = self._settle((40.0,), (4, 21), filename="liq-0421.csv")
        may = self._settle((60.0,), (5, 5), filename="liq-0505.csv")
        self.assertNotEqual(third.commission_bill_ids, bill)  # a new one
        self.assertEqual(third.commission_bill_ids.state, "draft")
        self.assertNotEqual(may.commission_bill_ids, third.commission_bill_ids)

    def test_accountant_price_kept_and_a_larger_difference_left_open(self):
        self._clearing().pagoefectivo_commission_bill = "month"
        first = self._settle((100.0,), (4, 7), filename="liq-0407.csv")
        bill = first.commission_bill_ids
        line = bill.invoice_line_ids
        # The accountant starts keying in PagoEfectivo's invoice, which says
        # 1.50 where the settlement kept 2.50.
        bill.with_user(self.accountant).write(
            {
                "ref": "F001-7",
                "invoice_line_ids": [Command.update(line.id, {"price_unit": 1.5})],
            }
        )

        second = self._settle((200.0,), (4, 14), filename="liq-0414.csv")

        self.assertNotEqual(second.commission_bill_ids, bill)  # a new one
        self.assertAlmostEqual(line.price_unit, 1.5)
        self.assertEqual(bill.pagoefectivo_settlement_ids, first)
        self.assertAlmostEqual(bill.amount_total, 1.77)

        bill = self._post_as_accountant(bill, number="F001-7")

        # 2.95 owed, 1.77 billed: 1.18 is more than the 1.00 booked on its
        # own as rounding (no tolerance on the journal).
        owed = self._owed(self._commission_line(first))
        self.assertFalse(owed.reconciled)
        self.assertAlmostEqual(owed.amount_residual, 1.18)
        self.assertIn(bill.payment_state, ("paid", "in_payment"))
        self.assertEqual(
            owed.matched_credit_ids.credit_move_id.move_id, bill
        )  # no entry of its own
        activity = bill.activity_ids
        self.assertEqual(
            activity.summary, "PagoEfectivo bill differs from its settlements"
        )
        self.assertIn("liq-0407.csv", activity.note)
        self.assertIn("1.18", activity.note)

    # === SET-UP, TRUST, UNDO === #

    def test_missing_supplier_stops_the_file_naming_the_field(self):
        journal = self._clearing()
        journal.pagoefectivo_supplier_id = False
        with mute_logger(JOB_LOGGER):
            record = self._settle((100.0,), (4, 7))
        self.assertEqual(record.state, "failed")
        self.assertIn("PagoEfectivo Supplier", record.job_error)
        self.assertIn(journal.display_name, record.job_error)
        self.assertFalse(record.commission_bill_ids)

        journal.pagoefectivo_supplier_id = self.pagoefectivo_supplier
        record.action_resume()
        self._process_imports()
        self.assertEqual(record.state, "done")
        self.assertAlmostEqual(record.commission_bill_ids.amount_total, 2.95)

    def test_igv_without_commission_tax_stops_the_file_naming_the_field(self):
        journal = self._clearing()
        journal.pagoefectivo_commission_tax_id = False
        with mute_logger(JOB_LOGGER):
            record = self._settle((100.0,), (4, 7))
        self.assertEqual(record.state, "failed")
        self.assertIn("Commission Tax", record.job_error)
        self.assertIn(journal.display_name, record.job_error)
        self.assertFalse(record.commission_bill_ids)

        # A settlement without IGV needs no tax.
        self.commission = reports.Commission(igv=Decimal("0"))
        untaxed = self._settle((100.0,), (4, 8), filename="sin-igv.csv")
        self.assertEqual(untaxed.state, "done")
        bill = untaxed.commission_bill_ids
        self.assertLines(
            bill.invoice_line_ids, [(self.bank_fees, self.env["account.tax"], 2.5, 2.5)]
        )
        self.assertAlmostEqual(bill.amount_total, 2.50)

    def test_supplier_without_ruc_stops_the_file_naming_the_partner(self):
        self.pagoefectivo_supplier.vat = False
        with mute_logger(JOB_LOGGER):
            record = self._settle((100.0,), (4, 7))
        self.assertEqual(record.state, "failed")
        self.assertIn("RUC", record.job_error)
        self.assertIn("PagoEfectivo S.A.C.", record.job_error)
        self.assertFalse(record.commission_bill_ids)

    def test_settlement_without_deposit_row_dated_by_its_last_operation(self):
        txs = self._transaction(100.0) | self._transaction(50.0)
        cips = [
            self._cip(txs[0], self.lima(2026, 4, 6, 10)),
            self._cip(txs[1], self.lima(2026, 4, 9, 23)),
        ]
        rows = reports.settlement_csv(cips, self.commission).splitlines()
        self.assertTrue(rows[-1].startswith(reports.DEPOSIT))
        content = "\r\n".join(rows[:-1]) + "\r\n"
        with mute_logger(MATCHING_LOGGER):
            record = self._import(content.encode())
        self.assertEqual(str(self._commission_line(record).date), "2026-04-09")

    def test_unverified_rows_are_billed_once_pagoefectivo_confirms_them(self):
        confirmed = self._transaction(100.0)
        doubtful = self._issued_transaction(200.0)
        self.emulator.pay(doubtful.provider_reference)
        self.emulator.set_faults(
            api_errors=[{"path_prefix": "/v1/", "status": 503, "times": 100}]
        )
        paid_at = self.lima(2026, 4, 7, 10)
        with mute_logger(MATCHING_LOGGER, API_LOGGER):
            record = self._import(
                self._settlement(
                    [self._cip(confirmed, paid_at), self._cip(doubtful, paid_at)]
                )
            )
        op = record.operation_ids.filtered(
            lambda o: o.cip == doubtful.provider_reference
        )
        self.assertEqual((op.state, op.reason), ("exception", "unverified"))
        self.assertFalse(op.commission_line_id)
        self.assertAlmostEqual(self._commission_line(record).amount, -2.95)
        bill = record.commission_bill_ids
        self.assertAlmostEqual(bill.amount_total, 2.95)

        self.emulator.clear_faults()
        op.action_reconcile()

        self.assertEqual(op.state, "reconciled")
        self.assertAlmostEqual(op.commission_line_id.amount, -5.90)
        self.assertEqual(record.commission_bill_ids, bill)  # still a draft
        self.assertEqual(len(bill.invoice_line_ids), 1)  # the settlement's line
        self.assertAlmostEqual(bill.invoice_line_ids.price_unit, 7.5)
        self.assertAlmostEqual(bill.amount_total, 8.85)

    def test_undo_takes_a_draft_bill_away_and_asks_a_posted_one_for_a_credit_note(
        self,
    ):
        self._clearing().pagoefectivo_commission_bill = "month"
        first = self._settle((100.0,), (4, 7), filename="liq-0407.csv")
        second = self._settle((200.0,), (4, 14), filename="liq-0414.csv")
        bill = first.commission_bill_ids
        commission = self._commission_line(first)

        first.action_undo()

        self.assertTrue(commission.exists())  # reversed, not deleted
        self.assertTrue(self._owed(commission).reconciled)  # with its reversal
        self.assertFalse(first.settled_operation_ids.commission_line_id)
        self.assertEqual(bill.pagoefectivo_settlement_ids, second)
        self.assertEqual(bill.invoice_origin, "liq-0414.csv")
        self.assertAlmostEqual(bill.amount_total, 5.90)

        second.action_undo()
        self.assertFalse(bill.exists())  # a draft never posted: deleted

        first.action_reconcile()
        bill = self._post_as_accountant(first.commission_bill_ids)
        first.action_undo()
        self.assertEqual(bill.state, "posted")
        self.assertEqual(bill.pagoefectivo_settlement_ids, first)
        activity = bill.activity_ids
        self.assertEqual(activity.summary, "PagoEfectivo credit note needed")
        self.assertIn("liq-0407.csv", activity.note)
        self.assertIn("2.95", activity.note)

    def test_undo_leaves_a_bill_being_completed_and_asks_for_a_credit_note(self):
        record = self._settle((100.0,), (4, 7))
        bill = record.commission_bill_ids
        bill.with_user(self.accountant).ref = "F001-9"

        record.action_undo()

        self.assertEqual(bill.state, "draft")
        self.assertEqual(bill.pagoefectivo_settlement_ids, record)
        self.assertAlmostEqual(bill.amount_total, 2.95)
        activity = bill.activity_ids
        self.assertEqual(activity.summary, "PagoEfectivo credit note needed")
        self.assertIn("2.95", activity.note)
