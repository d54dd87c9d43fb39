from odoo import models


class AccountBankStatementLine(models.Model):
    _inherit = "account.bank.statement.line"

    def action_undo_reconciliation(self):
        """Reconciliation screens undo here; the exception comes back."""
        result = super().action_undo_reconciliation()
        self.env["pagoefectivo.operation"]._follow_reconciliation_of(self)
        return result
