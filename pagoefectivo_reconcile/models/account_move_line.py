from odoo import models


class AccountMoveLine(models.Model):
    _inherit = "account.move.line"

    def action_pagoefectivo_accept(self):
        """Accept this candidate for the PagoEfectivo operation in context."""
        self.ensure_one()
        operation = self.env["pagoefectivo.operation"].browse(
            self.env.context.get("pagoefectivo_operation_id")
        )
        return operation.with_context(
            candidate_line_id=self.id
        ).action_accept_candidate()
