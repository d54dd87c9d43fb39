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
    transaction_id = fields.Many2one(
        "payment.transaction", index="btree_not_null", ondelete="set null"
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

    @api.depends("status_code")
    def _compute_is_error(self):
        for log in self:
            log.is_error = not log.status_code or log.status_code >= 400
