from datetime import timedelta

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.fields import Command
from odoo.tools.misc import format_amount

from odoo.addons.payment.logging import get_payment_logger

from .. import const

_logger = get_payment_logger(__name__)

# What the invoice form says of its last voucher.
VOUCHER_STATUSES = [
    ("live", "Awaiting payment"),
    ("outdated", "Not for the amount due"),
    ("paid", "Paid"),
    ("expired", "Expired"),
    ("withdrawn", "Withdrawn"),
]

# Fields that change when a voucher is issued for the invoice.
VOUCHER_FIELDS = [
    "transaction_ids",
    "pagoefectivo_voucher_id",
    "pagoefectivo_last_voucher_id",
    "pagoefectivo_voucher_cip",
    "pagoefectivo_voucher_expiry",
    "pagoefectivo_voucher_status",
]


class AccountMove(models.Model):
    """PagoEfectivo codes for customer invoices from the back office: by hand,
    one or many at once, or by themselves when invoices are posted or sent."""

    _inherit = "account.move"

    pagoefectivo_last_voucher_id = fields.Many2one(
        "payment.transaction",
        string="Last PagoEfectivo Voucher",
        compute="_compute_pagoefectivo_last_voucher_id",
        help="The invoice's valid PagoEfectivo code, else the last one it had.",
    )
    pagoefectivo_voucher_cip = fields.Char(
        string="PagoEfectivo Code",
        compute="_compute_pagoefectivo_last_voucher_id",
    )
    pagoefectivo_voucher_expiry = fields.Datetime(
        string="Code Valid Until",
        compute="_compute_pagoefectivo_last_voucher_id",
    )
    pagoefectivo_voucher_status = fields.Selection(
        selection=VOUCHER_STATUSES,
        string="Code Status",
        compute="_compute_pagoefectivo_last_voucher_id",
    )

    def _compute_pagoefectivo_last_voucher_id(self):
        now = fields.Datetime.now()
        for move in self:
            live = move.pagoefectivo_voucher_id
            # sudo: billing users read invoices, not always their payments.
            last = (
                live.sudo()
                or move.sudo()
                .transaction_ids.filtered(
                    lambda tx: (
                        tx.provider_code == "pagoefectivo"
                        and tx.operation != "refund"
                        and tx.provider_reference
                    )
                )
                .sorted("id", reverse=True)[:1]
            )
            move.pagoefectivo_last_voucher_id = last
            move.pagoefectivo_voucher_cip = last.provider_reference
            move.pagoefectivo_voucher_expiry = last.pagoefectivo_expiry
            move.pagoefectivo_voucher_status = (
                "live" if live else _voucher_status(last, now)
            )

    # === ISSUING === #

    def _pagoefectivo_issue_vouchers(self, validity_hours=None):
        """Give each of these invoices a PagoEfectivo code for its amount due:
        its valid one, else a new one (whose issuing withdraws the others).

        Each invoice in its own savepoint: one that fails (PagoEfectivo down)
        costs the others nothing.

        :param int validity_hours: how long new codes stay valid, instead of
            the provider's validity.
        :return: per invoice, in order, a dict: `invoice`, `status` (issued,
            reused, skipped or failed), `reason` (why, for a person to read)
            and `transaction` (the voucher, when there is one).
        """
        if validity_hours and not (
            const.VOUCHER_HOURS_MIN <= validity_hours <= const.VOUCHER_HOURS_MAX
        ):
            raise UserError(
                self.env._(
                    "A PagoEfectivo code is valid for %(min)s to %(max)s hours.",
                    min=const.VOUCHER_HOURS_MIN,
                    max=const.VOUCHER_HOURS_MAX,
                )
            )
        # Issuing runs in sudo below: only for invoices the user may change.
        self.check_access("write")
        self.invalidate_recordset(VOUCHER_FIELDS)  # paid or issued meanwhile
        results = []
        for move in self:
            try:
                with self.env.cr.savepoint():
                    result = move._pagoefectivo_issue_voucher(validity_hours)
            except Exception:  # noqa: BLE001 - one invoice must not stop the others
                _logger.exception(
                    "Could not issue a PagoEfectivo code for %s", move.name
                )
                result = move._pagoefectivo_result(
                    "failed",
                    self.env._(
                        "The code could not be issued because of an unexpected "
                        "error; it is logged."
                    ),
                )
            results.append(result)
        self.invalidate_recordset(VOUCHER_FIELDS)
        return results

    def _pagoefectivo_issue_voucher(self, validity_hours):
        self.ensure_one()
        reason = self._pagoefectivo_nothing_due()
        if reason:
            return self._pagoefectivo_result("skipped", reason)
        provider = self._pagoefectivo_provider()
        reason = self._pagoefectivo_refusal(provider)
        if reason:
            return self._pagoefectivo_result("skipped", reason)
        live = self.pagoefectivo_voucher_id
        reuse_until = fields.Datetime.now() + timedelta(hours=const.REUSE_MIN_HOURS)
        if live and live.pagoefectivo_expiry > reuse_until:
            return self._pagoefectivo_result(
                "reused", self.env._("It already has a valid code."), live
            )
        tx = self._pagoefectivo_create_transaction(provider)
        live_cips = tx._pagoefectivo_live_siblings().mapped("provider_reference")
        tx.with_context(
            pagoefectivo_voucher_hours=validity_hours
        )._pagoefectivo_issue_or_reuse()
        if tx.state != "pending":
            return self._pagoefectivo_result(
                "failed",
                self.env._(
                    "PagoEfectivo did not issue the code (%(reference)s): try again "
                    "later.",
                    reference=tx.reference,
                ),
            )
        if tx.provider_reference in live_cips:
            return self._pagoefectivo_result(
                "reused", self.env._("It already has a valid code."), tx
            )
        return self._pagoefectivo_result("issued", "", tx)

    def _pagoefectivo_result(self, status, reason, transaction=None):
        return {
            "invoice": self,
            "status": status,
            "reason": reason,
            "transaction": (transaction or self.env["payment.transaction"]).sudo(False),
        }

    def _pagoefectivo_nothing_due(self):
        """Why this invoice asks for nothing a code could ask for, if so."""
        self.ensure_one()
        if self.move_type != "out_invoice":
            return self.env._("It is not a customer invoice.")
        if self.state == "cancel":
            return self.env._("It is cancelled.")
        if self.state != "posted":
            return self.env._("It is not posted.")
        if self.currency_id.is_zero(self.amount_total):
            return self.env._("Its total is zero.")
        if self.currency_id.compare_amounts(self.amount_residual, 0) <= 0:
            if self.payment_state == "reversed":
                return self.env._("It is reversed by a credit note.")
            return self.env._("It is paid.")
        # sudo: billing users read invoices, not always their payments.
        if self.sudo().transaction_ids.filtered(
            lambda tx: (
                tx.state in ("authorized", "done")
                and tx.operation != "refund"
                and not tx.payment_id
            )
        ):
            return self.env._("A payment of it is being processed.")
        return ""

    def _pagoefectivo_refusal(self, provider):
        """Why PagoEfectivo cannot ask for this invoice's amount due, if so."""
        self.ensure_one()
        if not provider:
            return self.env._(
                "PagoEfectivo is not enabled for %(company)s.",
                company=self.company_id.name,
            )
        taken = provider._get_supported_currencies()
        if provider.available_currency_ids:
            taken &= provider.available_currency_ids
        if self.currency_id not in taken:
            return self.env._(
                "PagoEfectivo does not take invoices in %(currency)s.",
                currency=self.currency_id.name,
            )
        if provider.maximum_amount:
            # The limit is in the company's currency, as at checkout.
            company_currency = provider.main_currency_id
            due = self.currency_id._convert(
                self.amount_residual,
                company_currency,
                self.company_id,
                fields.Date.context_today(self),
            )
            if company_currency.compare_amounts(due, provider.maximum_amount) > 0:
                return self.env._(
                    "Its amount due, %(amount)s, is above the PagoEfectivo limit "
                    "of %(limit)s.",
                    amount=format_amount(
                        self.env, self.amount_residual, self.currency_id
                    ),
                    limit=format_amount(
                        self.env, provider.maximum_amount, company_currency
                    ),
                )
        return ""

    def _pagoefectivo_provider(self):
        """The company's PagoEfectivo provider with its payment method, if
        enabled (sudo: billing users may not read providers, and issuing
        uses its keys)."""
        self.ensure_one()
        providers = self.env["payment.provider"].sudo()
        provider = providers.search(
            [
                ("code", "=", "pagoefectivo"),
                ("state", "in", ("enabled", "test")),
                ("company_id", "=", self.company_id.id),
            ],
            limit=1,
        )
        return provider if self._pagoefectivo_payment_method(provider) else providers

    @api.model
    def _pagoefectivo_payment_method(self, provider):
        """The provider's own payment method, if it still offers it."""
        if not provider:
            return self.env["payment.method"]
        codes = provider._get_default_payment_method_codes()
        return provider.payment_method_ids.filtered(lambda pm: pm.code in codes)[:1]

    def _pagoefectivo_create_transaction(self, provider):
        """A payment of the amount due as the portal makes it for an invoice,
        in sudo as there: issuing it uses the provider's keys. Made from the
        back office: the chatter says the user made it, not the customer."""
        transactions = (
            self.env["payment.transaction"]
            .sudo()
            .with_context(payment_backend_action=True)
        )
        tx = transactions.create(
            {
                "provider_id": provider.id,
                "payment_method_id": self._pagoefectivo_payment_method(provider).id,
                "reference": transactions._compute_reference(
                    provider.code, invoice_ids=[Command.set(self.ids)]
                ),
                "amount": self.amount_residual,
                "currency_id": self.currency_id.id,
                "partner_id": self.partner_id.id,
                "operation": "online_redirect",
                "invoice_ids": [Command.set(self.ids)],
            }
        )
        tx._log_sent_message()
        return tx

    # === BY THEMSELVES === #

    def _post(self, soft=True):
        posted = super()._post(soft=soft)
        posted._pagoefectivo_auto_issue("post")
        return posted

    def _pagoefectivo_auto_issue(self, event):
        """Issue codes for the invoices their journal, or their payment
        method, wants one for at `event` ("post" or "send"). Never raises:
        what could not be issued is noted on the invoice."""
        wanted = self.filtered(
            lambda move: (
                move._pagoefectivo_auto_issue_wanted(event)
                and not move._pagoefectivo_nothing_due()
            )
        )
        if not wanted:
            return
        for result in wanted._pagoefectivo_issue_vouchers():
            if result["status"] in ("skipped", "failed"):
                result["invoice"]._message_log(
                    body=self.env._(
                        "No PagoEfectivo code was issued: %(reason)s",
                        reason=result["reason"],
                    )
                )

    def _pagoefectivo_auto_issue_wanted(self, event):
        self.ensure_one()
        setting = self.journal_id.pagoefectivo_auto_issue
        preferred = self.preferred_payment_method_line_id.code == "pagoefectivo"
        if event == "post":
            return preferred or setting == "post"
        return preferred or setting in ("post", "send")


def _voucher_status(tx, now):
    """What became of a voucher that is no longer valid for the amount due."""
    if not tx:
        return False
    if tx.state == "done":
        return "paid"
    if tx.pagoefectivo_expiry and tx.pagoefectivo_expiry <= now:
        return "expired"
    if tx.state == "pending":
        return "outdated"
    return "withdrawn"
