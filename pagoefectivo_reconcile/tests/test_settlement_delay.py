from datetime import date, datetime, timedelta

from odoo.tests import tagged

from pagoefectivo_emulator import reports

from .common import PagoEfectivoReconcileCommon


@tagged("post_install", "-at_install")
class TestSettlementDelay(PagoEfectivoReconcileCommon):
    """A paid CIP is late after N business days; Peru's holidays do not count."""

    def _paid_but_unsettled(self, paid_at):
        tx = self._transaction(15.0)
        self._import(
            reports.paid_report_csv([self._cip(tx, paid_at)]).encode(), "cips.csv"
        )
        return self.env["pagoefectivo.operation"].search(
            [("cip", "=", tx.provider_reference)]
        )

    def _alerts_on(self, day):
        self.env["pagoefectivo.operation"]._cron_alerts(today=day)

    def test_fiestas_patrias_are_not_business_days(self):
        op = self._paid_but_unsettled(self.lima(2026, 7, 27, 10))  # Monday
        # 28 and 29 July are holidays: by Friday only Thursday has gone by.
        self._alerts_on(date(2026, 7, 31))
        self.assertFalse(op.overdue)
        self._alerts_on(date(2026, 8, 3))
        self.assertTrue(op.overdue)

    def test_company_time_off_is_not_a_business_day(self):
        op = self._paid_but_unsettled(self.lima(2026, 3, 2, 10))  # Monday
        self.env["resource.calendar.leaves"].create(
            {
                "name": "Día no laborable",
                "calendar_id": self.env.company.resource_calendar_id.id,
                "date_from": datetime(2026, 3, 4, 5, 0),  # Wednesday in Lima
                "date_to": datetime(2026, 3, 5, 4, 59, 59),
            }
        )
        self._alerts_on(date(2026, 3, 5))
        self.assertFalse(op.overdue)
        self._alerts_on(date(2026, 3, 6))
        self.assertTrue(op.overdue)

    def test_a_later_settlement_clears_overdue(self):
        tx = self._transaction(15.0)
        paid_at = self.lima(2026, 3, 2, 10)  # Monday
        self._import(
            reports.paid_report_csv([self._cip(tx, paid_at)]).encode(), "cips.csv"
        )
        op = self.env["pagoefectivo.operation"].search(
            [("cip", "=", tx.provider_reference)]
        )
        self._alerts_on(date(2026, 3, 9))
        self.assertTrue(op.overdue)

        self._import(self._settlement([self._cip(tx, paid_at)]))

        self.assertFalse(op.overdue)
        exceptions = self.env["pagoefectivo.operation"].search(
            ["|", ("state", "in", ("exception", "to_match")), ("overdue", "=", True)]
        )
        self.assertFalse(exceptions, "the default exceptions list is empty")

    def test_a_payment_no_file_reports_is_flagged_until_one_does(self):
        journal = self.env["account.journal"]._pagoefectivo_journal(
            self.env.company, self.env.company.currency_id
        )
        tx = self._transaction(16.0)
        today = tx.last_state_change.date()
        self._alerts_on(today + timedelta(days=1))
        self.assertFalse(tx.pagoefectivo_unreported)  # not late yet

        self._alerts_on(today + timedelta(days=10))

        self.assertTrue(tx.pagoefectivo_unreported)
        activity = journal.activity_ids.filtered(
            lambda a: a.summary == "PagoEfectivo: paid transactions in no file"
        )
        self.assertIn(tx.reference, activity.note)
        self._import(
            reports.paid_report_csv(
                [self._cip(tx, self.lima(2026, 3, 2, 10))]
            ).encode(),
            "cips.csv",
        )
        self.assertFalse(tx.pagoefectivo_unreported)
