from odoo import models
from odoo.exceptions import UserError
from odoo.tools import SQL


class AccountBankStatementLine(models.Model):
    _inherit = "account.bank.statement.line"

    def _auto_reconcile(self):
        """OCA's account_reconcile_oca tries its models on every new line; not
        on the lines the PagoEfectivo import books (see `_create_statement_lines`)."""
        if self.env.context.get("pagoefectivo_booking"):
            return None
        return super()._auto_reconcile()

    def action_undo_reconciliation(self):
        """Reconciliation screens undo here (OCA's account_reconcile_oca too,
        for lines it did not reconcile itself); the operations booked on the
        line become exceptions waiting on it. Lines of this addon it could
        not book again that way are refused before anything is undone."""
        self._pagoefectivo_check_undo()
        result = super().action_undo_reconciliation()
        self.env["pagoefectivo.operation"]._follow_reconciliation_of(self, undone=True)
        return result

    def _pagoefectivo_check_undo(self):
        """Refuse an undo of lines of this addon that refilling could not
        rebuild: a settlement's commissions (core would delete the payable
        item PagoEfectivo's bill is reconciled with), a reversal, an unknown
        receipt assigned to a customer, a line some of which was already
        reversed (items reconciled with a reversal's, or items of an
        operation booked elsewhere since), or one holding back part of a
        deposit."""
        if not self:
            return
        self.env["pagoefectivo.operation"].flush_model()
        self.env["account.move.line"].flush_model(
            ["statement_line_id", "pagoefectivo_operation_id"]
        )
        self.env["account.partial.reconcile"].flush_model()
        self.env["account.move"].flush_model(["reversed_entry_id"])
        ids = self.ids
        self.env.cr.execute(
            SQL(
                """
                SELECT 1, commission_line_id, 'commission'
                  FROM pagoefectivo_operation
                 WHERE commission_line_id = ANY(%(ids)s)
                 UNION ALL
                SELECT 2, st_line_id, 'reversal'
                  FROM pagoefectivo_operation_reversal_rel
                 WHERE st_line_id = ANY(%(ids)s)
                 UNION ALL
                SELECT 3, op.statement_line_id, 'assigned'
                  FROM pagoefectivo_operation op
                 WHERE op.statement_line_id = ANY(%(ids)s)
                   AND op.assignment_move_id IS NOT NULL
                   AND NOT EXISTS (
                       SELECT 1 FROM account_move reversal
                        WHERE reversal.reversed_entry_id = op.assignment_move_id)
                 UNION ALL
                SELECT 4, op.statement_line_id, 'held'
                  FROM pagoefectivo_operation op
                 WHERE op.statement_line_id = ANY(%(ids)s) AND op.held_amount != 0
                 UNION ALL
                SELECT 5, item.statement_line_id, 'reversed'
                  FROM account_move_line item
                  JOIN account_partial_reconcile partial
                    ON item.id IN (partial.debit_move_id, partial.credit_move_id)
                  JOIN account_move_line other
                    ON other.id IN (partial.debit_move_id, partial.credit_move_id)
                   AND other.id != item.id
                  JOIN pagoefectivo_operation_reversal_rel rel
                    ON rel.st_line_id = other.statement_line_id
                 WHERE item.statement_line_id = ANY(%(ids)s)
                 UNION ALL
                SELECT 5, item.statement_line_id, 'reversed'
                  FROM account_move_line item
                  JOIN pagoefectivo_operation op
                    ON op.id = item.pagoefectivo_operation_id
                 WHERE item.statement_line_id = ANY(%(ids)s)
                   AND op.statement_line_id IS DISTINCT FROM item.statement_line_id
                 ORDER BY 1
                 LIMIT 1
                """,
                ids=ids,
            )
        )
        row = self.env.cr.fetchone()
        if not row:
            return
        _priority, line_id, why = row
        line = self.browse(line_id).payment_ref
        operations = self.env._("PagoEfectivo > Operations")
        files = self.env._("PagoEfectivo > Imported Files")
        messages = {
            "commission": self.env._(
                "%(line)s books the commissions of a PagoEfectivo settlement, "
                "which PagoEfectivo's vendor bill settles: it cannot be undone "
                "here. Undo the file in %(files)s instead.",
                line=line,
                files=files,
            ),
            "reversal": self.env._(
                "%(line)s reverses PagoEfectivo operations that were undone: it "
                "cannot be undone here. Reconcile those operations again in "
                "%(operations)s instead.",
                line=line,
                operations=operations,
            ),
            "assigned": self.env._(
                "%(line)s carries an unknown receipt assigned to a customer: it "
                "cannot be undone here. Reverse the assignment entry, then undo "
                "the operation in %(operations)s instead.",
                line=line,
                operations=operations,
            ),
            "held": self.env._(
                "%(line)s holds back part of a deposit: undone here, it could not "
                "be booked again. Undo the operation or the file in "
                "%(operations)s or %(files)s instead.",
                line=line,
                operations=operations,
                files=files,
            ),
            "reversed": self.env._(
                "What %(line)s booked was already reversed, in part or whole, by "
                "an undo in PagoEfectivo: undone here, it could not be booked "
                "again. Undo the operations or the file in %(operations)s or "
                "%(files)s instead.",
                line=line,
                operations=operations,
                files=files,
            ),
        }
        raise UserError(messages[why])

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
