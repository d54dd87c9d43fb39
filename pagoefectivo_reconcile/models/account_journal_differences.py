from odoo import fields, models
from odoo.exceptions import UserError

# Chart accounts where unknown receipts wait, by chart template.
ADVANCE_ACCOUNTS = {"pe": "chart122"}  # 122 Anticipos de clientes


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
        """Values of the difference accounts for a new clearing journal."""
        xmlid = ADVANCE_ACCOUNTS.get(company.chart_template)
        advance = xmlid and self.env["account.chart.template"].with_company(
            company
        ).ref(xmlid, raise_if_not_found=False)
        return {
            "pagoefectivo_gain_account_id": (
                company.default_cash_difference_income_account_id.id
            ),
            "pagoefectivo_loss_account_id": (
                company.default_cash_difference_expense_account_id.id
            ),
            "pagoefectivo_advance_account_id": advance.id if advance else False,
        }

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
