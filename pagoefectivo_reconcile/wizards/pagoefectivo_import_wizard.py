import base64

from odoo import fields, models


class PagoEfectivoImportWizard(models.TransientModel):
    _name = "pagoefectivo.import.wizard"
    _description = "Import a PagoEfectivo File"

    file = fields.Binary(required=True)
    filename = fields.Char()
    profile_id = fields.Many2one(
        "pagoefectivo.import.profile",
        string="Mapping Profile",
        help="Leave empty to recognise the file by its columns.",
    )

    def action_import(self):
        self.ensure_one()
        Import = self.env["pagoefectivo.import"]
        record = Import._import_file(
            base64.b64decode(self.file),
            self.filename or self.env._("PagoEfectivo file"),
            self.profile_id,
        )
        params = (
            record._notification()
            if record.state == "done"
            else {"type": "info", "message": Import._message_for(record)}
        )
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                **params,
                "next": {
                    "type": "ir.actions.act_window",
                    "res_model": "pagoefectivo.import",
                    "res_id": record.id,
                    "view_mode": "form",
                    "views": [(False, "form")],
                },
            },
        }
