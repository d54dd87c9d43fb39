from odoo import fields, models
from odoo.tools import SQL


class PagoEfectivoClearingDay(models.Model):
    """What PagoEfectivo owes, day by day: per clearing journal and day, the
    balance at the start, what came in (paid CIPs) and went out (refunds,
    commissions and IGV, deposits) and the balance at the end, from the
    journal's posted statement lines, in the journal's currency."""

    _name = "pagoefectivo.clearing.day"
    _description = "PagoEfectivo Clearing Balance per Day"
    _auto = False
    _order = "date desc, journal_id"
    _rec_name = "date"

    date = fields.Date(readonly=True)
    journal_id = fields.Many2one(
        "account.journal", string="Clearing Journal", readonly=True
    )
    company_id = fields.Many2one("res.company", readonly=True)
    currency_id = fields.Many2one("res.currency", readonly=True)
    balance_start = fields.Monetary(
        string="Opening Balance",
        readonly=True,
        aggregator=None,
        help="What PagoEfectivo owed at the start of the day.",
    )
    amount_in = fields.Monetary(
        string="In",
        readonly=True,
        help="What raised the balance: paid CIPs (and reversals of what went out).",
    )
    amount_out = fields.Monetary(
        string="Out",
        readonly=True,
        help="What lowered the balance: refunds, commissions and IGV, "
        "deposits to the bank (and reversals of paid CIPs).",
    )
    balance_end = fields.Monetary(
        string="Closing Balance",
        readonly=True,
        aggregator=None,
        help="What PagoEfectivo still owes at the end of the day: paid CIPs "
        "not yet deposited, net of the commissions booked.",
    )
    line_count = fields.Integer(string="Entries", readonly=True)

    _depends = {
        "account.bank.statement.line": ["amount", "journal_id", "company_id"],
        "account.move": ["date", "state"],
        "account.journal": ["currency_id", "pagoefectivo_clearing"],
    }

    @property
    def _table_query(self):
        return SQL(
            """
            SELECT ROW_NUMBER() OVER (ORDER BY day.journal_id, day.date) AS id,
                   day.date,
                   day.journal_id,
                   day.company_id,
                   day.currency_id,
                   SUM(day.net) OVER running - day.net AS balance_start,
                   day.amount_in,
                   day.amount_out,
                   SUM(day.net) OVER running AS balance_end,
                   day.line_count
              FROM (
                    SELECT move.date,
                           st_line.journal_id,
                           st_line.company_id,
                           COALESCE(journal.currency_id, company.currency_id)
                               AS currency_id,
                           SUM(GREATEST(st_line.amount, 0)) AS amount_in,
                           -SUM(LEAST(st_line.amount, 0)) AS amount_out,
                           SUM(st_line.amount) AS net,
                           COUNT(*) AS line_count
                      FROM account_bank_statement_line st_line
                      JOIN account_move move ON move.id = st_line.move_id
                      JOIN account_journal journal
                           ON journal.id = st_line.journal_id
                      JOIN res_company company ON company.id = st_line.company_id
                     WHERE move.state = 'posted'
                       AND journal.pagoefectivo_clearing
                  GROUP BY move.date, st_line.journal_id, st_line.company_id,
                           journal.currency_id, company.currency_id
                   ) day
            WINDOW running AS (PARTITION BY day.journal_id ORDER BY day.date)
            """
        )
