import csv
import io

from odoo.tests import tagged

from pagoefectivo_emulator import reports

from .common import PagoEfectivoReconcileCommon


def without_column(content, name):
    """The CSV without one column, like the portal's paid report (no Moneda)."""
    rows = list(csv.reader(io.StringIO(content)))
    index = rows[0].index(name)
    out = io.StringIO()
    csv.writer(out).writerows([row[:index] + row[index + 1 :] for row in rows])
    return out.getvalue().encode()


@tagged("post_install", "-at_install")
class TestReportCurrency(PagoEfectivoReconcileCommon):
    """The portal's paid report has no currency column: Odoo knows the CIPs'."""

    def test_dollar_cips_of_a_report_without_currency_go_to_the_usd_journal(self):
        tx = self._transaction(25.0, currency=self.usd)
        stranger = self._paid_elsewhere(30.0, currency=self.usd)
        paid_at = self.lima(2026, 6, 1, 10)
        cips = [self._cip(tx, paid_at), self._cip(stranger, paid_at)]
        content = without_column(reports.paid_report_csv(cips), "Moneda")

        record = self._import(content, "cips_pagados.csv")

        ops = record.operation_ids
        self.assertEqual(ops.currency_id, self.usd)
        self.assertEqual(ops.journal_id.currency_id, self.usd)
        known = ops.filtered(lambda op: op.transaction_id == tx)
        self.assertEqual(known.state, "reconciled")
        unknown = ops - known
        self.assertEqual(unknown.reason, "unknown_cip")  # a USD CIP, not a PEN one

    def test_unknown_cips_alone_take_the_profile_currency(self):
        cip = self._cip(self._transaction(12.0), self.lima(2026, 6, 2, 10))
        cip["cip"], cip["transactionCode"] = 66666666, "NOT-IN-ODOO"
        content = without_column(reports.paid_report_csv([cip]), "Moneda")
        record = self._import(content, "cips_pagados.csv")
        self.assertEqual(
            record.operation_ids.currency_id, record.profile_id.default_currency_id
        )
