from odoo import api, fields, models


class PagoEfectivoDifferenceWizard(models.TransientModel):
    """Settle an exception by hand: accept a candidate of another amount, or
    write off the whole operation, saying why when it is beyond the
    tolerance. What a customer paid beyond it stays the customer's credit."""

    _name = "pagoefectivo.difference.wizard"
    _description = "Settle a PagoEfectivo Difference"

    operation_id = fields.Many2one(
        "pagoefectivo.operation", required=True, readonly=True, ondelete="cascade"
    )
    line_id = fields.Many2one(
        "account.move.line", string="Candidate", readonly=True, ondelete="cascade"
    )
    currency_id = fields.Many2one(related="operation_id.currency_id")
    amount = fields.Monetary(related="operation_id.amount")
    open_amount = fields.Monetary(
        string="Open on the Candidate", compute="_compute_difference"
    )
    difference = fields.Monetary(compute="_compute_difference")
    mode = fields.Selection(
        [
            ("write_off", "Write off the difference"),
            ("keep_open", "Keep the rest of the candidate open"),
        ],
        string="What to Do",
        required=True,
        default="write_off",
    )
    account_id = fields.Many2one(
        "account.account",
        string="Difference Booked To",
        compute="_compute_difference",
        help="Set on the clearing journal; a customer's credit stays on the "
        "customer's receivable.",
    )
    customer_credit = fields.Boolean(
        compute="_compute_difference",
        help="The customer paid more than the candidate, beyond the tolerance: "
        "the surplus stays open as the customer's credit, not a write-off.",
    )
    needs_reason = fields.Boolean(compute="_compute_difference")
    reason = fields.Text()

    @api.depends("operation_id", "line_id", "mode")
    def _compute_difference(self):
        for wizard in self:
            op, line = wizard.operation_id, wizard.line_id
            wizard.open_amount = line.amount_residual_currency
            wizard.difference = op._difference_with(line)
            writes_off = wizard.mode == "write_off"
            left = -wizard.difference
            credit = writes_off and op._overpaid(left, line)
            wizard.customer_credit = credit
            if credit:
                account = op._customer_credit_account(left, line, op._customer_of(line))
            elif writes_off:
                account = op.journal_id[op._difference_field(left, line)]
            else:
                account = False
            wizard.account_id = account
            wizard.needs_reason = (
                writes_off and not credit and op._needs_approval(wizard.difference)
            )

    def action_confirm(self):
        self.ensure_one()
        self.operation_id._check_can_act()
        self.operation_id.sudo()._settle_difference(
            self.line_id, keep_open=self.mode == "keep_open", reason=self.reason
        )
        return {"type": "ir.actions.act_window_close"}
