from odoo import models


class AccountBankStatementLine(models.Model):
    _inherit = "account.bank.statement.line"

    def action_undo_reconciliation(self):
        """Reconciliation screens undo here (OCA's account_reconcile_oca too,
        for lines it did not reconcile itself); the operations booked on the
        line become exceptions waiting on it."""
        result = super().action_undo_reconciliation()
        self.env["pagoefectivo.operation"]._follow_reconciliation_of(self, undone=True)
        return result

    def _pagoefectivo_reverse(self):
        """Reverse these statement lines by statement lines of the opposite
        amount, each item reconciled with the one it reverses. A line still
        on the suspense account is first reconciled with the company's
        liquidity transfer account, which its reversal then clears. What an
        earlier reversal of one operation's share took out is not reversed
        again. Nothing posted is deleted.

        :return: the reversal statement lines, in the order of `self`
        """
        Operation = self.env["pagoefectivo.operation"]
        fills = []
        for st_line in self:
            _liquidity, suspense, _others = st_line._seek_for_lines()
            if suspense:
                fills.append(
                    {
                        "st_line": st_line,
                        "journal": st_line.journal_id,
                        "date": st_line.date,
                        "counterparts": [
                            {
                                "account": st_line.company_id.transfer_account_id,
                                "amount": sum(suspense.mapped("amount_currency")),
                                "name": st_line.payment_ref,
                            }
                        ],
                    }
                )
        Operation._create_statement_lines(fills)
        entries = []
        for st_line in self:
            ref = self.env._("Reversal of %(ref)s", ref=st_line.payment_ref)
            items = [
                Operation._reversal_item(line, residual=line.account_id.reconcile)
                for line in st_line._pagoefectivo_unreversed_items()
            ]
            entries.append(Operation._reversal_entry(st_line, items, ref))
        return Operation._create_statement_lines(entries)

    def _pagoefectivo_unreversed_items(self):
        """This line's counterpart items, freed of what they settle, except
        what the reversals of single operations' shares already took out: the
        own items of those operations, and their reconciliations with them."""
        self.ensure_one()
        _liquidity, _suspense, others = self._seek_for_lines()
        others = others.filtered(
            lambda line: (
                not line.pagoefectivo_operation_id
                or line.pagoefectivo_operation_id.statement_line_id == self
            )
        )
        # Only the items of this addon's statement lines carry an operation:
        # here, those of the reversals of single operations' shares.
        partials = (others.matched_debit_ids | others.matched_credit_ids).filtered(
            lambda p: (
                not (
                    (p.debit_move_id | p.credit_move_id) - others
                ).pagoefectivo_operation_id
            )
        )
        partials.unlink()
        return others
