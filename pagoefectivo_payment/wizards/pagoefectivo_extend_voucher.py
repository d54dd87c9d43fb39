from odoo import api, fields, models
from odoo.exceptions import UserError


class PagoEfectivoExtendVoucher(models.TransientModel):
    _name = "pagoefectivo.extend.voucher"
    _description = "Extend a PagoEfectivo voucher"

    transaction_id = fields.Many2one("payment.transaction", required=True)
    current_expiry = fields.Datetime(related="transaction_id.pagoefectivo_expiry")
    new_expiry = fields.Datetime(
        required=True, default=lambda self: self._default_expiry()
    )

    @api.model
    def _default_expiry(self):
        tx = self.env["payment.transaction"].browse(
            self.env.context.get("default_transaction_id")
        )
        # Billing users may not read providers: their voucher validity is config.
        return tx.provider_id.sudo()._pagoefectivo_voucher_expiry() if tx else False

    def action_extend(self):
        self.ensure_one()
        if self.new_expiry <= fields.Datetime.now():
            raise UserError(self.env._("The new expiry must be in the future."))
        self.transaction_id._pagoefectivo_extend(self.new_expiry)
        return True
