from odoo import fields, models


class AccountBankStatement(models.Model):
    _inherit = "account.bank.statement"

    pagoefectivo_import_id = fields.Many2one(
        "pagoefectivo.import",
        string="PagoEfectivo Settlement",
        readonly=True,
        index="btree_not_null",
        ondelete="set null",
        help="The PagoEfectivo settlement file this statement closes.",
    )
