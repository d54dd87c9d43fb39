from odoo import fields, models
from odoo.exceptions import UserError
from odoo.fields import Domain

# The chart's bank-commission expense account, by chart template; other
# charts keep the company's expense account.
BANK_COMMISSION_ACCOUNTS = {"pe": "chart6391"}  # Otros servicios: gastos bancarios


class AccountJournal(models.Model):
    """How PagoEfectivo bills the commissions it keeps from its settlements."""

    _inherit = "account.journal"

    pagoefectivo_supplier_id = fields.Many2one(
        "res.partner",
        string="PagoEfectivo Supplier",
        check_company=True,
        help="PagoEfectivo as a supplier, with its RUC: the commissions each "
        "settlement keeps are owed to it and billed on its vendor bills.",
    )
    pagoefectivo_commission_product_id = fields.Many2one(
        "product.product",
        string="Commission Product",
        check_company=True,
        domain=[("type", "=", "service")],
        help="Service product of the commission lines of PagoEfectivo's bills.",
    )
    pagoefectivo_commission_bill = fields.Selection(
        [
            ("settlement", "One per settlement"),
            ("month", "One per month"),
        ],
        string="Commission Bills",
        default="settlement",
        help="One draft vendor bill per settlement, or one per month that "
        "collects the month's settlements while it is a draft.",
    )

    def _pagoefectivo_create_journal(self, company, currency):
        journal = super()._pagoefectivo_create_journal(company, currency)
        journal.sudo().write(journal._pagoefectivo_commission_defaults())
        return journal

    def _pagoefectivo_commission_defaults(self):
        """The chart's bank-commission account; the supplier, product and
        grouping of the company's other clearing journal, if any."""
        self.ensure_one()
        company = self.company_id
        vals = {}
        xmlid = BANK_COMMISSION_ACCOUNTS.get(company.chart_template)
        account = xmlid and self.env["account.chart.template"].with_company(
            company
        ).ref(xmlid, raise_if_not_found=False)
        if account:
            vals["pagoefectivo_commission_account_id"] = account.id
        sibling = self.search(
            Domain("pagoefectivo_clearing", "=", True)
            & Domain("company_id", "=", company.id)
            & Domain("id", "!=", self.id)
            & Domain("pagoefectivo_supplier_id", "!=", False),
            limit=1,
        )
        if sibling:
            vals.update(
                pagoefectivo_supplier_id=sibling.pagoefectivo_supplier_id.id,
                pagoefectivo_commission_product_id=(
                    sibling.pagoefectivo_commission_product_id.id
                ),
                pagoefectivo_commission_bill=sibling.pagoefectivo_commission_bill,
            )
        return vals

    def _pagoefectivo_check_commission_setup(self, with_igv):
        """Refuse to book the commissions of journals that cannot bill them:
        without a supplier with its RUC, whose bills the purchase register
        takes, or an expense account; `with_igv`, the journals whose
        settlements charge IGV, also need the purchase tax of that IGV, which
        would otherwise be expensed instead of going to the register."""
        for journal in self:
            required = [
                "pagoefectivo_supplier_id",
                "pagoefectivo_commission_account_id",
            ]
            if journal in with_igv:
                required.append("pagoefectivo_commission_tax_id")
            missing = [
                journal._fields[name].get_description(self.env)["string"]
                for name in required
                if not journal[name]
            ]
            if missing:
                raise UserError(
                    self.env._(
                        "Set %(fields)s on the journal %(journal)s: the commissions "
                        "PagoEfectivo keeps from its settlements, and their IGV, "
                        "are billed on its vendor bills.",
                        fields=", ".join("“%s”" % name for name in missing),
                        journal=journal.display_name,
                    )
                )
            supplier = journal.pagoefectivo_supplier_id.commercial_partner_id
            if not supplier.vat:
                raise UserError(
                    self.env._(
                        "Set the RUC of %(partner)s, PagoEfectivo's supplier on the "
                        "journal %(journal)s: its vendor bills of the commissions "
                        "go to the purchase register under that RUC.",
                        partner=supplier.display_name,
                        journal=journal.display_name,
                    )
                )
