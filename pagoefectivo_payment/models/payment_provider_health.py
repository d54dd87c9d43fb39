from datetime import timedelta

from odoo import fields, models
from odoo.fields import Domain


class PaymentProvider(models.Model):
    """The provider form's health box: is PagoEfectivo talking to us?"""

    _inherit = "payment.provider"

    pagoefectivo_last_notification_at = fields.Datetime(
        string="Last Notification",
        compute="_compute_pagoefectivo_health",
        help="When PagoEfectivo last called the notification URL.",
    )
    # Written by the recovery job when all of this provider's batches went through.
    pagoefectivo_last_recovery_at = fields.Datetime(
        string="Last Successful Recovery",
        readonly=True,
        copy=False,
        help="When Odoo last asked PagoEfectivo about all of this provider's "
        "pending codes without an error, in case a notification was lost.",
    )
    pagoefectivo_api_errors_24h = fields.Integer(
        string="Failed API Calls (24 h)", compute="_compute_pagoefectivo_health"
    )
    pagoefectivo_reviews_24h = fields.Integer(
        string="Notifications to Review (24 h)", compute="_compute_pagoefectivo_health"
    )

    def _compute_pagoefectivo_health(self):
        since = fields.Datetime.now() - timedelta(hours=24)
        notifications = self.env["pagoefectivo.notification"].sudo()
        logs = self.env["pagoefectivo.api.log"].sudo()
        for provider in self:
            mine = Domain("provider_id", "=", provider.id)
            recent_errors = Domain("is_error", "=", True) & Domain(
                "create_date", ">=", since
            )
            last = notifications.search(
                mine & Domain("source", "=", "webhook"),
                order="received_at desc",
                limit=1,
            )
            provider.pagoefectivo_last_notification_at = last.received_at
            provider.pagoefectivo_api_errors_24h = logs.search_count(
                mine & recent_errors
            )
            provider.pagoefectivo_reviews_24h = notifications.search_count(
                mine
                & Domain("state", "=", "review")
                & Domain("received_at", ">=", since)
            )
