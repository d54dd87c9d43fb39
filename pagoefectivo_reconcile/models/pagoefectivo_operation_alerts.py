from datetime import timedelta

from odoo import api, fields, models
from odoo.fields import Domain

from ..tools.report_rows import PAYMENT, REFUND


def business_days_before(day, count):
    """The day `count` business days (Monday to Friday) before `day`."""
    while count > 0:
        day -= timedelta(days=1)
        if day.weekday() < 5:
            count -= 1
    return day


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

    def _flag_unsettled(self, journal, today):
        limit = business_days_before(today, journal.pagoefectivo_settle_days)
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
