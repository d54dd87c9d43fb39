from odoo import api, fields, models


class PagoEfectivoApiLog(models.Model):
    _name = "pagoefectivo.api.log"
    _description = "PagoEfectivo API Call"
    _order = "id desc"
    _rec_name = "url"

    provider_id = fields.Many2one(
        "payment.provider", required=True, index=True, ondelete="cascade"
    )
    company_id = fields.Many2one(related="provider_id.company_id", store=True)
    # Written on a cursor of its own, before the transaction may be committed:
    # the log names it by reference, never by a foreign key.
    transaction_id = fields.Many2one(
        "payment.transaction", compute="_compute_transaction_id"
    )
    reference = fields.Char(index=True)
    cip = fields.Char(string="CIP", index=True)
    method = fields.Char(required=True)
    url = fields.Char(string="URL", required=True)
    request_body = fields.Text(help="Secrets are masked.")
    status_code = fields.Integer(string="HTTP Status", help="0 when no answer came.")
    response_body = fields.Text(help="Secrets are masked.")
    error = fields.Char(help="Network error, when PagoEfectivo could not be reached.")
    duration_ms = fields.Integer(string="Duration (ms)")
    is_error = fields.Boolean(compute="_compute_is_error", store=True)

    @api.depends("reference", "provider_id")
    def _compute_transaction_id(self):
        txs = self.env["payment.transaction"].search(
            [("reference", "in", [r for r in self.mapped("reference") if r])]
        )
        by_reference = {(tx.provider_id, tx.reference): tx for tx in txs}
        for log in self:
            log.transaction_id = by_reference.get((log.provider_id, log.reference))

    @api.depends("status_code")
    def _compute_is_error(self):
        for log in self:
            log.is_error = not log.status_code or log.status_code >= 400
