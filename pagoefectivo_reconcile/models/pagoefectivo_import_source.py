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
