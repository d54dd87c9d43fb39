import logging

import psycopg2

from odoo import api, models
from odoo.exceptions import UserError
from odoo.fields import Domain
from odoo.tools.mail import email_normalize

_logger = logging.getLogger(__name__)

# The attachments of the clearing journals the cron imports.
IMPORTED_EXTENSIONS = (".csv", ".xlsx")
REJECTED_MARK = "PagoEfectivo: rejected"
# Kept after the import is undone and deleted: the file is never taken again.
IMPORTED_MARK = "PagoEfectivo: imported"
UNTRUSTED_MARK = "PagoEfectivo: sender not allowed"


class PagoEfectivoImport(models.Model):
    _inherit = "pagoefectivo.import"

    @api.model
    def _cron_import_journal_files(self):
        """Import CSV/XLSX files attached to clearing journals (e.g. by email alias).

        A file that came by email is imported only when its sender is one of
        the journal's allowed senders; any other is kept on the journal, marked
        and not imported, with a note naming its sender. A file that cannot be
        imported, whatever the reason, is marked and noted the same way, and
        the next files are imported all the same.
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
                & Domain.OR(
                    Domain("name", "=ilike", "%" + extension)
                    for extension in IMPORTED_EXTENSIONS
                )
                & (
                    Domain("description", "=", False)
                    | Domain(
                        "description",
                        "not in",
                        [IMPORTED_MARK, REJECTED_MARK, UNTRUSTED_MARK],
                    )
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
            # Notes and errors in the company's language: the job has none.
            importer = self.with_company(journal.company_id).with_context(
                lang=journal.company_id.partner_id.lang
            )
            if source_vals["source"] == "email" and not (
                journal._pagoefectivo_sender_allowed(sender)
            ):
                importer._keep_from_unknown_sender(attachment, journal, sender)
                continue
            try:
                with self.env.cr.savepoint():
                    record = importer._import_file(
                        attachment.raw, attachment.name, source_vals=source_vals
                    )
                attachment.description = IMPORTED_MARK
                journal.message_post(body=importer._message_for(record))
            except psycopg2.OperationalError:
                raise  # a database conflict: the whole run is tried again
            except Exception as error:  # noqa: BLE001 - one bad file must not stop the others
                if isinstance(error, UserError):
                    _logger.warning(
                        "PagoEfectivo file %s rejected: %s", attachment.name, error
                    )
                else:
                    _logger.exception("PagoEfectivo file %s failed", attachment.name)
                attachment.description = REJECTED_MARK
                journal.message_post(
                    body=importer.env._(
                        "%(file)s was not imported: %(error)s",
                        file=attachment.name,
                        error=str(error) or type(error).__name__,
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
                "source_journal_id": attachment.res_id,
            }
        return {
            "source": "upload",
            "source_detail": False,
            "imported_by": (message or attachment).create_uid.id,
            "source_journal_id": attachment.res_id,
        }

    @api.model
    def _keep_from_unknown_sender(self, attachment, journal, sender, envelope=None):
        """Keep a file emailed by someone the journal does not list, unimported:
        its sender, or the envelope sender (`envelope`) of an email whose From
        says another address."""
        _logger.warning(
            "PagoEfectivo file %s from %s (envelope %s) not imported: sender not "
            "allowed on %s",
            attachment.name,
            sender,
            envelope,
            journal.display_name,
        )
        attachment.description = UNTRUSTED_MARK
        if envelope is None:
            note = self.env._(
                "%(file)s was not imported: its sender, %(sender)s, is not one of "
                "this journal's allowed senders. The file is kept here; if it is "
                "genuine, import it with Import File.",
                file=attachment.name,
                sender=sender or self.env._("unknown"),
            )
        else:
            note = self.env._(
                "%(file)s was not imported: its email says it is from %(sender)s, "
                "but it was sent from %(envelope)s (its envelope sender, "
                "Return-Path), which is not one of this journal's allowed "
                "senders. The file is kept here; if it is genuine, import it "
                "with Import File.",
                file=attachment.name,
                sender=sender or self.env._("unknown"),
                envelope=envelope or self.env._("an empty address"),
            )
        journal.message_post(body=note)

    @api.model
    def _check_envelope_sender(self, message_id, sender, envelope, journal_ids):
        """Keep the files of an email just received by clearing journals
        unimported when its envelope sender (`envelope`, its Return-Path) is
        neither its From address (`sender`) nor an allowed sender of the
        journal: a From header alone is easy to forge."""
        envelope_email = email_normalize(envelope)
        if envelope_email and envelope_email == email_normalize(sender or ""):
            return
        journals = (
            self.env["account.journal"]
            .sudo()
            .browse(journal_ids)
            .filtered(
                lambda journal: (
                    journal.pagoefectivo_clearing
                    and not journal._pagoefectivo_sender_allowed(envelope)
                )
            )
        )
        messages = (
            self.env["mail.message"]
            .sudo()
            .search(
                Domain("message_id", "=", message_id)
                & Domain("model", "=", "account.journal")
                & Domain("res_id", "in", journals.ids)
            )
        )
        for message in messages:
            journal = journals.browse(message.res_id)
            company = journal.company_id
            keeper = self.with_company(company).with_context(
                lang=company.partner_id.lang
            )
            for attachment in message.attachment_ids:
                if attachment.name.lower().endswith(IMPORTED_EXTENSIONS):
                    keeper._keep_from_unknown_sender(
                        attachment, journal, sender, envelope_email or envelope
                    )
