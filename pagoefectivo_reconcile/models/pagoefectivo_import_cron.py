import logging

from odoo import api, models
from odoo.exceptions import UserError
from odoo.fields import Domain

_logger = logging.getLogger(__name__)

REJECTED_MARK = "PagoEfectivo: rejected"


class PagoEfectivoImport(models.Model):
    _inherit = "pagoefectivo.import"

    @api.model
    def _cron_import_journal_files(self):
        """Import CSV/XLSX files attached to clearing journals (e.g. by email alias)."""
        journals = (
            self.env["account.journal"]
            .sudo()
            .search([("pagoefectivo_clearing", "=", True)])
        )
        if not journals:
            return
        attachments = (
            self.env["ir.attachment"]
            .sudo()
            .search(
                Domain("res_model", "=", "account.journal")
                & Domain("res_id", "in", journals.ids)
                & (
                    Domain("name", "=ilike", "%.csv")
                    | Domain("name", "=ilike", "%.xlsx")
                )
                & (
                    Domain("description", "=", False)
                    | Domain("description", "!=", REJECTED_MARK)
                ),
                order="id",
            )
        )
        checksums = attachments.mapped("checksum")
        done = set(
            self.sudo().search([("checksum", "in", checksums)]).mapped("checksum")
        )
        for attachment in attachments.filtered(lambda a: a.checksum not in done):
            journal = journals.browse(attachment.res_id)
            importer = self.with_company(journal.company_id)
            try:
                with self.env.cr.savepoint():
                    record = importer._import_file(attachment.raw, attachment.name)
                journal.message_post(body=importer._message_for(record))
            except UserError as error:
                _logger.warning(
                    "PagoEfectivo file %s rejected: %s", attachment.name, error
                )
                attachment.description = REJECTED_MARK
                journal.message_post(
                    body=self.env._(
                        "%(file)s was not imported: %(error)s",
                        file=attachment.name,
                        error=str(error),
                    )
                )
            done.add(attachment.checksum)
