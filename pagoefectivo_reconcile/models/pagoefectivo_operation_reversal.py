from odoo import api, fields, models
from odoo.fields import Command, Domain


class PagoEfectivoOperation(models.Model):
    """Undo by reversal: a booked operation is undone by a statement line of
    the opposite amount, reconciled with what it reverses. Nothing posted is
    deleted, and the other CIPs booked on the same line keep their entry."""

    _inherit = "pagoefectivo.operation"

    reversal_line_ids = fields.Many2many(
        "account.bank.statement.line",
        "pagoefectivo_operation_reversal_rel",
        "operation_id",
        "st_line_id",
        string="Reversals",
        readonly=True,
        copy=False,
        help="Statement lines that reversed earlier bookings of this operation.",
    )

    def action_undo(self):
        """Undo the reconciliation of these operations only."""
        self._check_can_undo()
        self.sudo()._undo(keep_waiting=True)
        return True

    def _undo(self, keep_waiting):
        """Reverse what these operations booked and set them to match again.

        An exception's statement line on the suspense account is kept for its
        next match when `keep_waiting`, else reversed too (undo of a file).
        """
        # Reversing unreconciles items for a moment: not an undo to follow.
        self = self.with_context(pagoefectivo_reversing=True)
        booked = self.filtered(
            lambda op: (
                op.statement_line_id and (op.state == "reconciled" or not keep_waiting)
            )
        )
        whole = self.env["account.bank.statement.line"]
        shares = self.browse()
        for st_line in booked.statement_line_id:
            sharing = self.search(Domain("statement_line_id", "=", st_line.id))
            if sharing <= booked:
                whole |= st_line
            else:
                shares |= booked & sharing
        reversals = whole._pagoefectivo_reverse()
        for st_line, reversal in zip(whole, reversals, strict=True):
            booked.filtered(
                lambda op, line=st_line: op.statement_line_id == line
            ).reversal_line_ids = [Command.link(reversal.id)]
        for op in shares:
            op.reversal_line_ids = [Command.link(op._reverse_share().id)]
        booked.statement_line_id = False
        self.filtered(lambda op: op.state != "to_match").write(
            {
                "state": "to_match",
                "reason": False,
                "note": False,
                "writeoff_amount": 0.0,
                "manual": False,
                "candidate_line_ids": [Command.clear()],
            }
        )

    def _reverse_share(self):
        """Reverse this operation's share of a statement line it shares with
        other operations: its own items, and its part of the items that
        settled its transaction's payment or invoices together with others.

        :return: the reversal statement line
        """
        self.ensure_one()
        st_line = self.statement_line_id
        liquidity, _suspense, others = st_line._seek_for_lines()
        own = others.filtered(lambda line: line.pagoefectivo_operation_id == self)
        own.remove_move_reconcile()
        items = [self._reversal_item(line) for line in own]
        tx = self.transaction_id
        documents = tx.payment_id.move_id | tx.invoice_ids
        for line in others - own:
            as_credit = line.matched_debit_ids.filtered(
                lambda p: p.debit_move_id.move_id in documents
            )
            as_debit = line.matched_credit_ids.filtered(
                lambda p: p.credit_move_id.move_id in documents
            )
            if not as_credit and not as_debit:
                continue
            amount = sum(as_debit.mapped("debit_amount_currency")) - sum(
                as_credit.mapped("credit_amount_currency")
            )
            balance = sum(as_debit.mapped("amount")) - sum(as_credit.mapped("amount"))
            (as_credit | as_debit).unlink()
            item = self._reversal_item(line, amount, balance)
            item["extra"]["pagoefectivo_operation_id"] = self.id  # a share's reversal
            items.append(item)
        ref = self.env._("Reversal of %(cip)s", cip=self._label())
        entry = self._reversal_entry(st_line, items, ref)
        return self._create_statement_lines([entry])

    @api.model
    def _reversal_item(self, line, amount=None, balance=None, residual=False):
        """An item reversing `line`: all of it, what is left open of it
        (`residual`), or `amount`/`balance` of it; reconciled with it when its
        account allows."""
        if residual:
            amount, balance = line.amount_residual_currency, line.amount_residual
        return {
            "account": line.account_id,
            "amount": -(line.amount_currency if amount is None else amount),
            "balance": -(line.balance if balance is None else balance),
            "partner": line.partner_id,
            "name": line.name,
            "target": line if line.account_id.reconcile else None,
            "extra": {
                "tax_ids": [Command.set(line.tax_ids.ids)],
                "tax_tag_ids": [Command.set(line.tax_tag_ids.ids)],
                "tax_repartition_line_id": line.tax_repartition_line_id.id,
            },
        }

    @api.model
    def _reversal_entry(self, st_line, items, ref):
        return {
            "ops": self,
            "journal": st_line.journal_id,
            "date": self._open_date(st_line.journal_id, st_line.date, reversal=True),
            "ref": ref,
            "partner": st_line.partner_id,
            "amount": -st_line.currency_id.round(sum(item["amount"] for item in items)),
            "counterparts": items,
        }
