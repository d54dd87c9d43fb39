from odoo import api, fields, models
from odoo.fields import Command, Domain

from ..tools.report_rows import SETTLEMENT


class PagoEfectivoImport(models.Model):
    """Each settlement closes a bank statement of the clearing journal.

    A statement is a stretch of the journal's lines in Odoo's order
    (`internal_index`: date, then creation) whose opening is the previous
    statement's closing: Odoo marks a statement invalid when lines outside
    statements lie between it and the previous one. So the statement of a
    settlement takes, like Odoo's *Create Statement* on a line, every posted
    line of the journal not yet in a statement up to the settlement's last
    line: its own lines, and what paid-CIP reports, undos and later bookings
    put there since the previous statement. Its closing is then the clearing
    account's balance once the settlement is booked: what PagoEfectivo still
    owes. Lines dated before the previous statement's first line (a reversal
    or a booking dated back, the period being open) stay out of statements:
    Odoo would order the new statement before the previous one.
    """

    _inherit = "pagoefectivo.import"

    statement_ids = fields.One2many(
        "account.bank.statement",
        "pagoefectivo_import_id",
        string="Bank Statements",
        readonly=True,
    )
    statement_count = fields.Integer(compute="_compute_statement_count")

    @api.depends("statement_ids")
    def _compute_statement_count(self):
        for record in self:
            record.statement_count = len(record.statement_ids)

    def action_view_statements(self):
        self.ensure_one()
        return self.statement_ids._get_records_action(
            name=self.env._("Bank Statements")
        )

    def _file_statements(self):
        """One statement per clearing journal this settlement booked on,
        named after the file and the deposit day; its ending balance is the
        computed one (a complete statement)."""
        self.ensure_one()
        if self.file_kind != SETTLEMENT:
            return
        ops = self._operations()
        booked = (ops.statement_line_id | ops.commission_line_id).filtered(
            lambda line: line.state == "posted"
        )
        days = self.env["pagoefectivo.operation"]._settlement_days(
            [(journal, self) for journal in booked.journal_id]
        )
        vals_list = []
        for journal in booked.journal_id:
            own = booked.filtered(lambda line, j=journal: line.journal_id == j)
            lines = self._unfiled_lines(journal, max(own.mapped("internal_index")))
            if lines:
                vals_list.append(
                    {
                        "name": self.env._(
                            "Settlement %(file)s, deposit of %(day)s",
                            file=self.name,
                            day=fields.Date.to_string(days[journal, self]),
                        ),
                        "reference": self.name,
                        "pagoefectivo_import_id": self.id,
                        "line_ids": [Command.set(lines.ids)],
                    }
                )
        self.env["account.bank.statement"].create(vals_list)

    @api.model
    def _unfiled_lines(self, journal, last_index):
        """The journal's posted lines in no statement, up to `last_index`,
        after the first line of its last statement: a line dated before it
        would order the new statement before it, and break the chain."""
        domain = (
            Domain("journal_id", "=", journal.id)
            & Domain("statement_id", "=", False)
            & Domain("state", "=", "posted")
            & Domain("internal_index", "<=", last_index)
        )
        previous = self.env["account.bank.statement"].search(
            Domain("journal_id", "=", journal.id)
            & Domain("first_line_index", "!=", False),
            order="first_line_index desc",
            limit=1,
        )
        if previous:
            domain &= Domain("internal_index", ">", previous.first_line_index)
        return self.env["account.bank.statement.line"].search(domain)
