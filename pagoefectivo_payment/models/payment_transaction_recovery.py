from odoo import fields, models


class PaymentTransaction(models.Model):
    """Where a CIP was issued: the recovery job searches it there, even after
    the provider moved to another environment or API base."""

    _inherit = "payment.transaction"

    pagoefectivo_environment = fields.Selection(
        [("test", "Test"), ("enabled", "Production")],
        string="PagoEfectivo Environment",
        help="The provider's state when PagoEfectivo issued the voucher.",
        readonly=True,
        copy=False,
    )
    pagoefectivo_api_base = fields.Char(
        string="PagoEfectivo API Base",
        help="The API address that issued the voucher: it is searched there when "
        "a notification was lost.",
        readonly=True,
        copy=False,
    )

    def _pagoefectivo_recovery_base(self):
        """The API base to search this CIP at: where it was issued, else (CIPs
        issued before this was recorded) the provider's current one."""
        self.ensure_one()
        base = self.pagoefectivo_api_base or self.provider_id._pagoefectivo_api_base()
        return base.rstrip("/")


class PaymentProvider(models.Model):
    _inherit = "payment.provider"

    def _pagoefectivo_issuer_values(self):
        """What a transaction records of this provider when it issues a CIP now."""
        self.ensure_one()
        return {
            "pagoefectivo_environment": self.state
            if self.state in ("test", "enabled")
            else False,
            "pagoefectivo_api_base": self._pagoefectivo_api_base(),
        }
