import logging

from odoo import api, models
from odoo.exceptions import UserError
from odoo.fields import Domain

_logger = logging.getLogger(__name__)

REJECTED_MARK = "PagoEfectivo: rejected"
UNTRUSTED_MARK = "PagoEfectivo: sender not allowed"


class PagoEfectivoImport(models.Model):
    _inherit = "pagoefectivo.import"

    @api.model
    def _cron_import_journal_files(self):
        """Import CSV/XLSX files attached to clearing journals (e.g. by email alias).

        A file that came by email is imported only when its sender is one of
        the journal's allowed senders; any other is kept on the journal, marked
        and not imported, with a note naming its sender.
        """
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
                    | Domain("description", "not in", [REJECTED_MARK, UNTRUSTED_MARK])
                ),
                order="id",
            )
        )
        checksums = attachments.mapped("checksum")
        done = set(
            self.sudo().search([("checksum", "in", checksums)]).mapped("checksum")
        )
        messages = self._messages_of(attachments)
        for attachment in attachments.filtered(lambda a: a.checksum not in done):
            journal = journals.browse(attachment.res_id)
            source_vals = self._source_of(attachment, messages.get(attachment.id))
            sender = source_vals.get("source_detail")
            if source_vals["source"] == "email" and not (
                journal._pagoefectivo_sender_allowed(sender)
            ):
                self._keep_from_unknown_sender(attachment, journal, sender)
                continue
            importer = self.with_company(journal.company_id)
            try:
                with self.env.cr.savepoint():
                    record = importer._import_file(
                        attachment.raw, attachment.name, source_vals=source_vals
                    )
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

    @api.model
    def _messages_of(self, attachments):
        """{attachment id: the message that brought it}, for those posted with one."""
        messages = (
            self.env["mail.message"]
            .sudo()
            .search([("attachment_ids", "in", attachments.ids)], order="id")
        )
        found = {}
        for message in messages:
            for attachment in message.attachment_ids:
                found.setdefault(attachment.id, message)
        return found

    @api.model
    def _source_of(self, attachment, message):
        """Who or what brought an attached file: an email (its sender) or a user
        who attached it, or posted it, in the journal's chatter."""
        if message and message.message_type == "email":
            return {
                "source": "email",
                "source_detail": message.email_from
                or message.author_id.email_formatted
                or "",
                "imported_by": False,
            }
        return {
            "source": "upload",
            "source_detail": False,
            "imported_by": (message or attachment).create_uid.id,
        }

    @api.model
    def _keep_from_unknown_sender(self, attachment, journal, sender):
        """Keep a file emailed by someone the journal does not list, unimported."""
        _logger.warning(
            "PagoEfectivo file %s from %s not imported: sender not allowed on %s",
            attachment.name,
            sender,
            journal.display_name,
        )
        attachment.description = UNTRUSTED_MARK
        journal.message_post(
            body=self.env._(
                "%(file)s was not imported: its sender, %(sender)s, is not one of "
                "this journal's allowed senders. The file is kept here; if it is "
                "genuine, import it with Import File.",
                file=attachment.name,
                sender=sender or self.env._("unknown"),
            )
        )
