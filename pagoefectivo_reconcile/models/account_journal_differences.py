from odoo import fields, models
from odoo.exceptions import UserError

# Chart accounts where unknown receipts wait, by chart template.
# Per chart: 7599 Otros ingresos de gestión; 4699 Otras cuentas por pagar
# diversas (money received for no one known yet: a liability, not an advance
# of a customer); 1699 Otras cuentas por cobrar diversas (refunded to a
# customer before the credit note).
CHART_ACCOUNTS = {
    "pe": {
        "pagoefectivo_gain_account_id": "chart7599",
        "pagoefectivo_advance_account_id": "chart4699",
        "pagoefectivo_refund_account_id": "chart1699",
    }
}


class AccountJournal(models.Model):
    """Where the differences of a clearing journal's operations go."""

    _inherit = "account.journal"

    pagoefectivo_gain_account_id = fields.Many2one(
        "account.account",
        string="Difference Gain Account",
        check_company=True,
        help="Income account of a paid CIP that pays a little more than its "
        "payment or invoice.",
    )
    pagoefectivo_loss_account_id = fields.Many2one(
        "account.account",
        string="Difference Loss Account",
        check_company=True,
        help="Expense account of a paid CIP that pays a little less than its "
        "payment or invoice, and of deposits written off.",
    )
    pagoefectivo_advance_account_id = fields.Many2one(
        "account.account",
        string="Unknown Receipts Account",
        check_company=True,
        help="Customer-advances or suspense liability where money paid for a CIP "
        "Odoo does not know waits until it is assigned to a customer. It is "
        "never expensed.",
    )
    pagoefectivo_refund_account_id = fields.Many2one(
        "account.account",
        string="Refunds Pending Account",
        check_company=True,
        help="Where a refund PagoEfectivo paid without a credit note in Odoo "
        "waits for its credit note.",
    )

    def _pagoefectivo_difference_defaults(self, company):
        """Values of the difference accounts for a new clearing journal: the
        chart's own where it has them, else the company's cash-difference
        accounts."""
        values = {
            "pagoefectivo_gain_account_id": (
                company.default_cash_difference_income_account_id.id
            ),
            "pagoefectivo_loss_account_id": (
                company.default_cash_difference_expense_account_id.id
            ),
        }
        template = self.env["account.chart.template"].with_company(company)
        for field, xmlid in CHART_ACCOUNTS.get(company.chart_template, {}).items():
            account = template.ref(xmlid, raise_if_not_found=False)
            if account:
                values[field] = account.id
        return values

    def _pagoefectivo_account(self, field):
        """The account of the journal's `field`, which must be set."""
        self.ensure_one()
        if not self[field]:
            raise UserError(
                self.env._(
                    "Set the %(account)s of the journal %(journal)s first.",
                    account=self._fields[field].get_description(self.env)["string"],
                    journal=self.display_name,
                )
            )
        return self[field]
