from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.fields import Domain
from odoo.tools.mail import email_normalize


class AccountJournal(models.Model):
    _inherit = "account.journal"

    pagoefectivo_clearing = fields.Boolean(
        string="PagoEfectivo Clearing",
        help="Holds the money PagoEfectivo collected and has not yet deposited; "
        "PagoEfectivo reports and settlements are imported here.",
        copy=False,
    )
    pagoefectivo_commission_account_id = fields.Many2one(
        "account.account",
        string="Commission Account",
        check_company=True,
        help="Expense account of PagoEfectivo's commissions.",
    )
    pagoefectivo_commission_tax_id = fields.Many2one(
        "account.tax",
        string="Commission Tax",
        check_company=True,
        domain=[("type_tax_use", "=", "purchase")],
        help="Purchase tax of the commissions on PagoEfectivo's vendor bill (IGV "
        "18%); required when a settlement shows IGV.",
    )
    pagoefectivo_transfer_account_id = fields.Many2one(
        "account.account",
        string="Deposit Transfer Account",
        check_company=True,
        help="Where deposits to your bank go until the bank statement matches them.",
    )
    pagoefectivo_tolerance = fields.Monetary(
        string="Difference Tolerance",
        currency_field="pagoefectivo_currency_id",
        help="Differences up to this amount are written off automatically; "
        "writing off more needs the Accounting Administrator and a reason.",
    )
    pagoefectivo_currency_id = fields.Many2one(
        "res.currency",
        string="Clearing Currency",
        compute="_compute_pagoefectivo_currency_id",
    )
    pagoefectivo_settle_days = fields.Integer(
        string="Settlement Delay (business days)",
        default=2,
        help="A paid CIP not settled after this many business days is an exception. "
        "Business days are Monday to Friday, except Peru's national holidays and "
        "the global time off of the company's working schedule.",
    )
    pagoefectivo_refund_alert_rate = fields.Float(
        string="Refund Alert Rate (%)",
        default=5.0,
        help="A settlement day whose refunds exceed this share of its payments "
        "raises an activity.",
    )
    pagoefectivo_batch_size = fields.Integer(
        string="Payments per Statement Line",
        default=500,
        help="Matched payments are booked together, this many per statement line.",
    )
    pagoefectivo_allowed_senders = fields.Char(
        string="Allowed Senders",
        help="Email addresses, separated by commas, whose files sent to this "
        "journal (through its email alias) are imported. Files from anyone else "
        "are kept on the journal, not imported.",
    )

    @api.constrains("pagoefectivo_allowed_senders")
    def _check_pagoefectivo_allowed_senders(self):
        for journal in self:
            for sender in (journal.pagoefectivo_allowed_senders or "").split(","):
                if sender.strip() and not email_normalize(sender.strip()):
                    raise ValidationError(
                        self.env._(
                            "“%(sender)s” is not an email address: list the allowed "
                            "senders as email addresses separated by commas.",
                            sender=sender.strip(),
                        )
                    )

    def _pagoefectivo_sender_allowed(self, sender):
        """Whether files emailed by `sender` (an email address, with or without
        a name) may be imported into this journal."""
        self.ensure_one()
        email = email_normalize(sender or "")
        allowed = {
            email_normalize(item)
            for item in (self.pagoefectivo_allowed_senders or "").split(",")
        }
        return bool(email) and email in allowed

    @api.depends("currency_id", "company_id")
    def _compute_pagoefectivo_currency_id(self):
        for journal in self:
            journal.pagoefectivo_currency_id = (
                journal.currency_id or journal.company_id.currency_id
            )

    @api.model
    def _pagoefectivo_journal(self, company, currency):
        """The company's clearing journal in that currency, created if missing."""
        domain = Domain("pagoefectivo_clearing", "=", True) & Domain(
            "company_id", "=", company.id
        )
        journals = self.search(domain)
        journal = journals.filtered(lambda j: j.pagoefectivo_currency_id == currency)[
            :1
        ]
        return journal or self._pagoefectivo_create_journal(company, currency)

    def _pagoefectivo_create_journal(self, company, currency):
        purchase_tax = company.account_purchase_tax_id
        return (
            self.sudo()
            .create(
                {
                    "name": self.env._(
                        "PagoEfectivo %(currency)s", currency=currency.name
                    ),
                    "code": "PE" + currency.name[:3],
                    "type": "bank",
                    "company_id": company.id,
                    "currency_id": currency.id
                    if currency != company.currency_id
                    else False,
                    "pagoefectivo_clearing": True,
                    "pagoefectivo_commission_account_id": company.expense_account_id.id,
                    "pagoefectivo_commission_tax_id": purchase_tax.id
                    if purchase_tax.amount_type == "percent"
                    and not purchase_tax.price_include
                    else False,
                    "pagoefectivo_transfer_account_id": company.transfer_account_id.id,
                    **self._pagoefectivo_difference_defaults(company),
                }
            )
            .sudo(False)
        )

    def _pagoefectivo_check_setup(self):
        for journal in self:
            missing = [
                journal._fields[name].get_description(self.env)["string"]
                for name in (
                    "pagoefectivo_commission_account_id",
                    "pagoefectivo_transfer_account_id",
                    "pagoefectivo_gain_account_id",
                    "pagoefectivo_loss_account_id",
                )
                if not journal[name]
            ]
            if missing or not journal.suspense_account_id:
                raise UserError(
                    self.env._(
                        "Configure the journal %(journal)s first: %(missing)s.",
                        journal=journal.display_name,
                        missing=", ".join(missing or [self.env._("Suspense Account")]),
                    )
                )
