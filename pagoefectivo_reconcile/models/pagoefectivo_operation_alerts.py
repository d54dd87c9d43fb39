from datetime import timedelta

from odoo import api, fields, models
from odoo.fields import Domain

from odoo.addons.pagoefectivo_payment.tools.lima_time import lima_date, lima_day_start

from ..tools.business_days import business_days_before, lookback, peru_holidays
from ..tools.report_rows import PAYMENT, REFUND


class PagoEfectivoOperation(models.Model):
    _inherit = "pagoefectivo.operation"

    @api.model
    def _cron_alerts(self, today=None):
        today = today or fields.Date.context_today(self)
        Operation = self.sudo()  # whatever its user: users only read operations
        journals = Operation.env["account.journal"].search(
            [("pagoefectivo_clearing", "=", True)]
        )
        for journal in journals:
            Operation._flag_unsettled(journal, today)
            Operation._flag_unreported(journal, today)
            Operation._check_refund_rate(journal, today)

    def write(self, vals):
        if vals.get("settlement_id"):
            vals = {**vals, "overdue": False}  # a settlement reported it at last
        if vals.get("transaction_id"):
            self.env["payment.transaction"].browse(vals["transaction_id"]).filtered(
                "pagoefectivo_unreported"
            ).pagoefectivo_unreported = False
        return super().write(vals)

    @api.model_create_multi
    def create(self, vals_list):
        operations = super().create(vals_list)
        operations.transaction_id.filtered(
            "pagoefectivo_unreported"
        ).pagoefectivo_unreported = False
        return operations

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

    def _flag_unreported(self, journal, today):
        """Transactions Odoo confirmed that no file has listed after the
        journal's delay: the files must account for every payment, not only
        the files account for themselves."""
        days = journal.pagoefectivo_settle_days
        closed = self._closed_days(journal.company_id, today - lookback(days), today)
        limit = business_days_before(today, days, closed)
        Transaction = self.env["payment.transaction"]
        Transaction.search(
            Domain("pagoefectivo_unreported", "=", True)
            & Domain("pagoefectivo_operation_ids", "!=", False)
        ).pagoefectivo_unreported = False
        unreported = Transaction.search(
            Domain("provider_code", "=", "pagoefectivo")
            & Domain("state", "=", "done")
            & Domain("company_id", "=", journal.company_id.id)
            & Domain("currency_id", "=", journal.pagoefectivo_currency_id.id)
            & Domain("pagoefectivo_unreported", "=", False)
            & Domain("pagoefectivo_operation_ids", "=", False)
            & Domain("last_state_change", ">=", journal.create_date)
            & Domain("last_state_change", "<", lima_day_start(limit))
        )
        if not unreported:
            return
        unreported.pagoefectivo_unreported = True
        self._alert(
            journal,
            self.env._("PagoEfectivo: paid transactions in no file"),
            self.env._(
                "%(count)s PagoEfectivo transactions confirmed in Odoo are in no "
                "report or settlement of %(journal)s after %(days)s business days "
                "(%(references)s). Ask PagoEfectivo for them, or check that the "
                "files were imported.",
                count=len(unreported),
                journal=journal.name,
                days=days,
                references=", ".join(unreported[:20].mapped("reference")),
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
