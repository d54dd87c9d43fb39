from odoo import api, fields, models
from odoo.exceptions import ValidationError
from odoo.fields import Command

from .. import const

HOURS_PER_UNIT = {"hours": 1, "days": 24}
# Seconds of issuing after which the invoices left are not tried: a slow
# PagoEfectivo must not take the request past the server's time limit.
ISSUE_TIME_BUDGET = 60


class PagoEfectivoInvoiceIssue(models.TransientModel):
    """Issue PagoEfectivo codes for the selected customer invoices, then list
    what was issued and what was skipped, and why."""

    _name = "pagoefectivo.invoice.issue"
    _description = "Issue PagoEfectivo codes for invoices"

    invoice_ids = fields.Many2many(
        "account.move",
        string="Invoices",
        default=lambda self: self._default_invoice_ids(),
    )
    invoice_count = fields.Integer(compute="_compute_invoice_count")
    validity = fields.Integer(
        help="How long the new codes stay valid. Leave empty for the validity "
        "set on PagoEfectivo.",
    )
    validity_unit = fields.Selection(
        selection=[("hours", "Hours"), ("days", "Days")],
        required=True,
        default="days",
    )
    state = fields.Selection(
        selection=[("choose", "Choose"), ("done", "Done")],
        required=True,
        default="choose",
    )
    line_ids = fields.One2many(
        "pagoefectivo.invoice.issue.line", "wizard_id", string="Results"
    )

    @api.model
    def _default_invoice_ids(self):
        if self.env.context.get("active_model") != "account.move":
            return self.env["account.move"]
        return self.env["account.move"].browse(self.env.context.get("active_ids"))

    @api.depends("invoice_ids")
    def _compute_invoice_count(self):
        for wizard in self:
            wizard.invoice_count = len(wizard.invoice_ids)

    @api.constrains("validity", "validity_unit")
    def _check_validity(self):
        for wizard in self.filtered("validity"):
            hours = wizard._validity_hours()
            if not const.VOUCHER_HOURS_MIN <= hours <= const.VOUCHER_HOURS_MAX:
                raise ValidationError(
                    self.env._(
                        "A PagoEfectivo code is valid for %(min)s to %(max)s hours.",
                        min=const.VOUCHER_HOURS_MIN,
                        max=const.VOUCHER_HOURS_MAX,
                    )
                )

    @api.model
    def _line_values(self, result):
        """What the user reads of one invoice's result: plain values, copied
        from its voucher (read in sudo, as the invoice shows it)."""
        tx = result["transaction"].sudo()
        return {
            "invoice_id": result["invoice"].id,
            "partner_id": result["invoice"].partner_id.id,
            "status": result["status"],
            "reason": result["reason"],
            "cip": tx.provider_reference,
            "expiry": tx.pagoefectivo_expiry,
            "currency_id": tx.currency_id.id,
            "amount": tx.amount,
        }

    def _validity_hours(self):
        self.ensure_one()
        return self.validity * HOURS_PER_UNIT[self.validity_unit] or None

    def action_issue(self):
        self.ensure_one()
        results = self.invoice_ids._pagoefectivo_issue_vouchers(
            validity_hours=self._validity_hours(), time_budget=ISSUE_TIME_BUDGET
        )
        for result in results:
            result["invoice"]._pagoefectivo_note_result(result)
        self.write(
            {
                "state": "done",
                "line_ids": [
                    Command.create(self._line_values(result)) for result in results
                ],
            }
        )
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("PagoEfectivo codes"),
            "res_model": self._name,
            "res_id": self.id,
            "view_mode": "form",
            "target": "new",
        }


class PagoEfectivoInvoiceIssueLine(models.TransientModel):
    _name = "pagoefectivo.invoice.issue.line"
    _description = "What became of one invoice when issuing PagoEfectivo codes"
    _order = "id"

    wizard_id = fields.Many2one(
        "pagoefectivo.invoice.issue", required=True, ondelete="cascade"
    )
    invoice_id = fields.Many2one("account.move", readonly=True)
    partner_id = fields.Many2one("res.partner", string="Customer", readonly=True)
    status = fields.Selection(
        selection=[
            ("issued", "Issued"),
            ("reused", "Already valid"),
            ("skipped", "Skipped"),
            ("failed", "Failed"),
            ("not_tried", "Not tried"),
        ],
        readonly=True,
    )
    reason = fields.Char(readonly=True)
    cip = fields.Char(string="PagoEfectivo Code", readonly=True)
    expiry = fields.Datetime(string="Valid Until", readonly=True)
    currency_id = fields.Many2one("res.currency", readonly=True)
    amount = fields.Monetary(readonly=True)
