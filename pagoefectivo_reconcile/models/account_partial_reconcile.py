from odoo import api, models


class AccountPartialReconcile(models.Model):
    """Lets PagoEfectivo exceptions follow what other screens reconcile."""

    _inherit = "account.partial.reconcile"

    def _statement_lines(self):
        return (self.debit_move_id | self.credit_move_id).move_id.statement_line_id

    @api.model_create_multi
    def create(self, vals_list):
        partials = super().create(vals_list)
        self.env["pagoefectivo.operation"]._follow_reconciliation_of(
            partials._statement_lines()
        )
        return partials

    def unlink(self):
        st_lines = self._statement_lines()
        result = super().unlink()
        self.env["pagoefectivo.operation"]._follow_reconciliation_of(st_lines.exists())
        return result
