from odoo import fields, models


class PagoEfectivoAssignWizard(models.TransientModel):
    """Assign an unknown receipt to the customer who paid it."""

    _name = "pagoefectivo.assign.wizard"
    _description = "Assign a PagoEfectivo Receipt to a Customer"

    operation_id = fields.Many2one(
        "pagoefectivo.operation", required=True, readonly=True, ondelete="cascade"
    )
    currency_id = fields.Many2one(related="operation_id.currency_id")
    amount = fields.Monetary(related="operation_id.amount")
    partner_id = fields.Many2one("res.partner", string="Customer", required=True)

    def action_confirm(self):
        self.ensure_one()
        self.operation_id._check_can_act()
        self.partner_id.check_access("read")
        self.operation_id.sudo()._assign_to_customer(self.partner_id)
        return {"type": "ir.actions.act_window_close"}
