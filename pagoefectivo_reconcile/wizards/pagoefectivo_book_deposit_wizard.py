from odoo import fields, models


class PagoEfectivoBookDepositWizard(models.TransientModel):
    """Book the held-back part of a deposit the bank did receive, saying why:
    PagoEfectivo paid those CIPs twice, and is owed them back."""

    _name = "pagoefectivo.book.deposit.wizard"
    _description = "Book a Held-Back PagoEfectivo Deposit"

    operation_id = fields.Many2one(
        "pagoefectivo.operation", required=True, readonly=True, ondelete="cascade"
    )
    currency_id = fields.Many2one(related="operation_id.currency_id")
    held_amount = fields.Monetary(related="operation_id.held_amount")
    overlap = fields.Text(related="operation_id.overlap")
    account_id = fields.Many2one(
        related="operation_id.journal_id.pagoefectivo_advance_account_id",
        string="Owed Back On",
    )
    supplier_id = fields.Many2one(
        related="operation_id.journal_id.pagoefectivo_supplier_id",
        string="Owed Back To",
    )
    reason = fields.Text(required=True)

    def action_confirm(self):
        self.ensure_one()
        op = self.operation_id
        op._check_can_act()
        op._check_can_book_held()
        op.sudo()._book_held(self.reason)
        return {"type": "ir.actions.act_window_close"}
