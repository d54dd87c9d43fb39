from odoo import models


class AccountBankStatementLine(models.Model):
    _inherit = "account.bank.statement.line"

    def action_undo_reconciliation(self):
        """Reconciliation screens undo here; the exception comes back."""
        result = super().action_undo_reconciliation()
        self.env["pagoefectivo.operation"]._follow_reconciliation_of(self)
        return result

    def _pagoefectivo_reverse(self):
        """Reverse these statement lines by statement lines of the opposite
        amount, each item reconciled with the one it reverses. A line still
        on the suspense account is first reconciled with the company's
        liquidity transfer account, which its reversal then clears. Nothing
        posted is deleted.

        :return: the reversal statement lines, in the order of `self`
        """
        Operation = self.env["pagoefectivo.operation"]
        waiting = self.filtered(lambda st_line: st_line._seek_for_lines()[1])
        Operation._create_statement_lines(
            [
                {
                    "st_line": st_line,
                    "journal": st_line.journal_id,
                    "date": st_line.date,
                    "counterparts": [
                        {
                            "account": st_line.company_id.transfer_account_id,
                            "amount": -st_line.amount,
                            "name": st_line.payment_ref,
                        }
                    ],
                }
                for st_line in waiting
            ]
        )
        entries = []
        for st_line in self:
            _liquidity, _suspense, others = st_line._seek_for_lines()
            others.remove_move_reconcile()
            ref = self.env._("Reversal of %(ref)s", ref=st_line.payment_ref)
            items = [Operation._reversal_item(line) for line in others]
            entries.append(Operation._reversal_entry(st_line, items, ref))
        return Operation._create_statement_lines(entries)
