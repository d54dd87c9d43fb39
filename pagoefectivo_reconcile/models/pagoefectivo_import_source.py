from odoo import fields, models

SOURCES = [
    ("user", "Imported by a user"),
    ("upload", "Attached to the journal"),
    ("email", "Email to the journal"),
]


class PagoEfectivoImport(models.Model):
    """Who or what brought the file: the import wizard, a file attached to
    the clearing journal, or an email to the journal's alias."""

    _inherit = "pagoefectivo.import"

    source = fields.Selection(
        SOURCES,
        required=True,
        default="user",
        readonly=True,
        help="How the file reached Odoo.",
    )
    imported_by = fields.Many2one(
        "res.users",
        readonly=True,
        default=lambda self: self.env.user,
        help="The user who imported the file, or who attached it to the journal.",
    )
    source_detail = fields.Char(
        string="Sent By",
        readonly=True,
        help="The sender of a file that came by email, as the email gave it.",
    )
    source_journal_id = fields.Many2one(
        "account.journal",
        string="Attached To",
        readonly=True,
        help="The clearing journal a file attached or emailed to a journal came to.",
    )

    def _importer_lang(self):
        """The language of whoever brought the file: the user's, else (an
        email) the company's."""
        self.ensure_one()
        return (self.imported_by.partner_id or self.company_id.partner_id).lang

    def _responsible_user(self):
        """Who must act on the file: the user who brought it; for an email,
        a follower of its journal, else an accounting administrator; one who
        may read the file."""
        self.ensure_one()
        candidates = (
            self.imported_by
            | self.source_journal_id.message_partner_ids.user_ids
            | self.env.ref("account.group_account_manager").user_ids
        )
        return candidates.filtered(
            lambda user: not user.share and self.with_user(user).has_access("read")
        )[:1] or self.env.ref("base.user_admin")
