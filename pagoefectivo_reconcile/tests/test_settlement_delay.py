from datetime import date, datetime

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
