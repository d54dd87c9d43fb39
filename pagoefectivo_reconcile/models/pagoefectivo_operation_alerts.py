from datetime import timedelta

from odoo import api, fields, models
from odoo.fields import Domain

from odoo.addons.pagoefectivo_payment.tools.lima_time import lima_date

from ..tools.business_days import business_days_before, lookback, peru_holidays
from ..tools.report_rows import PAYMENT, REFUND


class PagoEfectivoOperation(models.Model):
    _inherit = "pagoefectivo.operation"

    @api.model
    def _cron_alerts(self, today=None):
        today = today or fields.Date.context_today(self)
        journals = self.env["account.journal"].search(
            [("pagoefectivo_clearing", "=", True)]
        )
        for journal in journals:
            self._flag_unsettled(journal, today)
            self._check_refund_rate(journal, today)

    @api.model
    def _closed_days(self, company, first, last):
        """Days banks do not settle: Peru's holidays and the company's global
        time off (for the non-working days the government decrees)."""
        until = fields.Datetime.to_datetime(last) + timedelta(days=1)
        leaves = self.env["resource.calendar.leaves"].search(
            Domain("resource_id", "=", False)
            & Domain("company_id", "in", [company.id, False])
            & Domain("calendar_id", "in", [company.resource_calendar_id.id, False])
            & Domain("date_from", "<=", until)
            & Domain("date_to", ">=", fields.Datetime.to_datetime(first))
        )
        closed = peru_holidays(first, last)
        for leave in leaves:
            day, end = lima_date(leave.date_from), lima_date(leave.date_to)
            while day <= end:
                closed.add(day)
                day += timedelta(days=1)
        return closed

    def _flag_unsettled(self, journal, today):
        days = journal.pagoefectivo_settle_days
        closed = self._closed_days(journal.company_id, today - lookback(days), today)
        limit = business_days_before(today, days, closed)
        late = self.search(
            Domain("journal_id", "=", journal.id)
            & Domain("kind", "=", PAYMENT)
            & Domain("settlement_id", "=", False)
            & Domain("overdue", "=", False)
            & Domain("local_date", "<", limit)
        )
        if not late:
            return
        late.overdue = True
        self._alert(
            journal,
            self.env._("PagoEfectivo: paid CIPs not settled"),
            self.env._(
                "%(count)s paid CIPs of %(journal)s are not in any settlement after "
                "%(days)s business days (CIPs %(cips)s).",
                count=len(late),
                journal=journal.name,
                days=journal.pagoefectivo_settle_days,
                cips=", ".join(late[:20].mapped("cip")),
            ),
        )

    def _check_refund_rate(self, journal, today):
        groups = self._read_group(
            Domain("journal_id", "=", journal.id)
            & Domain("kind", "in", [PAYMENT, REFUND])
            & Domain("local_date", ">=", today - timedelta(days=7)),
            ["local_date:day", "kind"],
            ["__count"],
        )
        counts = {}
        for day, kind, count in groups:
            counts.setdefault(day, {})[kind] = count
        for day, by_kind in sorted(counts.items()):
            payments, refunds = by_kind.get(PAYMENT, 0), by_kind.get(REFUND, 0)
            rate = (
                100.0 * refunds / payments if payments else (100.0 if refunds else 0.0)
            )
            if rate > journal.pagoefectivo_refund_alert_rate:
                self._alert(
                    journal,
                    self.env._(
                        "PagoEfectivo: refund rate %(rate).1f%% on %(day)s",
                        rate=rate,
                        day=fields.Date.to_string(day),
                    ),
                    self.env._(
                        "%(refunds)s refunds for %(payments)s paid CIPs on %(day)s in "
                        "%(journal)s, above the alert rate of %(limit)s%%.",
                        refunds=refunds,
                        payments=payments,
                        day=fields.Date.to_string(day),
                        journal=journal.name,
                        limit=journal.pagoefectivo_refund_alert_rate,
                    ),
                )

    def _alert(self, journal, summary, note):
        """One open activity per summary on the journal, for an accounting manager."""
        if journal.activity_ids.filtered(lambda a: a.summary == summary):
            return
        managers = self.env.ref("account.group_account_manager").user_ids.filtered(
            lambda u: journal.company_id in u.company_ids and not u.share
        )
        journal.activity_schedule(
            "mail.mail_activity_data_todo",
            summary=summary,
            note=note,
            user_id=(managers[:1] or self.env.ref("base.user_admin")).id,
        )
