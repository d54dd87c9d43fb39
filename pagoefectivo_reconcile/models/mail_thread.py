from odoo import models
from odoo.tools.mail import decode_message_header


class MailThread(models.AbstractModel):
    _inherit = "mail.thread"

    def _message_route_process(self, message, message_dict, routes):
        """Files an email brings to a clearing journal are imported only when
        its envelope sender (Return-Path), when it has one, is its From
        address or another allowed sender (see pagoefectivo_import_cron.py)."""
        thread_id = super()._message_route_process(message, message_dict, routes)
        envelope = decode_message_header(message, "Return-Path")
        journal_ids = [
            route[1]
            for route in routes or ()
            if route[0] == "account.journal" and route[1]
        ]
        if envelope and journal_ids:
            self.env["pagoefectivo.import"]._check_envelope_sender(
                message_dict["message_id"],
                message_dict.get("email_from"),
                envelope,
                journal_ids,
            )
        return thread_id
