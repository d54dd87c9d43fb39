from odoo import fields, models


class AccountMoveLine(models.Model):
    _inherit = "account.move.line"

    pagoefectivo_operation_id = fields.Many2one(
        "pagoefectivo.operation",
        string="PagoEfectivo Operation",
        index="btree_not_null",
        ondelete="set null",
        readonly=True,
        help="The operation this item books alone (a write-off, a receipt); "
        "items that settle several operations' payments at once have none.",
    )
    pagoefectivo_commissions = fields.Boolean(
        string="PagoEfectivo Commissions",
        readonly=True,
        copy=False,
        help="A line of PagoEfectivo's commissions of a settlement, which Odoo "
        "keeps in step with it until the accountant keys in the bill's "
        "reference or document number.",
    )

    def action_pagoefectivo_accept(self):
        """Accept this candidate for the PagoEfectivo operation in context."""
        self.ensure_one()
        operation = self.env["pagoefectivo.operation"].browse(
            self.env.context.get("pagoefectivo_operation_id")
        )
        return operation.with_context(
            candidate_line_id=self.id
        ).action_accept_candidate()
