from odoo import api, fields, models


class PagoEfectivoImport(models.Model):
    """A settlement's link to PagoEfectivo's vendor bills of its commissions."""

    _inherit = "pagoefectivo.import"

    commission_bill_ids = fields.Many2many(
        "account.move",
        "pagoefectivo_import_commission_bill_rel",
        "import_id",
        "move_id",
        string="Commission Bills",
        readonly=True,
        copy=False,
    )
    commission_bill_count = fields.Integer(compute="_compute_commission_bill_count")

    @api.depends("commission_bill_ids")
    def _compute_commission_bill_count(self):
        for record in self:
            record.commission_bill_count = len(record.commission_bill_ids)

    def action_view_commission_bills(self):
        self.ensure_one()
        return self.commission_bill_ids._get_records_action(
            name=self.env._("Commission Bills"),
            context={"default_move_type": "in_invoice"},
        )
