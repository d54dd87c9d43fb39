from datetime import timedelta
from time import monotonic

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.fields import Command
from odoo.tools.misc import format_amount

from odoo.addons.payment.const import REPORT_REASONS_MAPPING
from odoo.addons.payment.logging import get_payment_logger

from .. import const
from ..tools.lima_time import format_lima

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
    pagoefectivo_issue_queued = fields.Boolean(
        string="PagoEfectivo Code Queued",
        index=True,
        copy=False,
        readonly=True,
        help="Posted, its PagoEfectivo code is to be issued by a scheduled action.",
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

    def _pagoefectivo_issue_vouchers(self, validity_hours=None, time_budget=None):
        """Give each of these invoices a PagoEfectivo code for its amount due:
        its valid one, else a new one (whose issuing withdraws the others).

        Each invoice in its own savepoint: one that fails (PagoEfectivo down)
        costs the others nothing.

        :param int validity_hours: how long new codes stay valid, instead of
            the provider's validity.
        :param float time_budget: seconds after which the invoices left are
            not tried (a request must end before the server's time limit).
        :return: per invoice, in order, a dict: `invoice`, `status` (issued,
            reused, skipped, failed or not_tried), `reason` (why, for a person
            to read) and `transaction` (the voucher, when there is one).
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
        started = monotonic()
        results = []
        for move in self:
            if time_budget is not None and monotonic() - started > time_budget:
                results.append(
                    move._pagoefectivo_result(
                        "not_tried",
                        self.env._(
                            "Not tried: PagoEfectivo is slow, try again in a few "
                            "minutes."
                        ),
                    )
                )
                continue
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
        amount = self._get_invoice_next_payment_values()["amount_due"]
        provider, reason = self._pagoefectivo_provider(amount)
        if reason:
            return self._pagoefectivo_result("skipped", reason)
        live = self.pagoefectivo_voucher_id
        reuse_until = fields.Datetime.now() + timedelta(hours=const.REUSE_MIN_HOURS)
        if live and live.pagoefectivo_expiry > reuse_until:
            return self._pagoefectivo_reused(live, validity_hours)
        tx = self._pagoefectivo_create_transaction(provider, amount, validity_hours)
        live_cips = tx._pagoefectivo_live_siblings().mapped("provider_reference")
        tx._pagoefectivo_issue_or_reuse()
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
            return self._pagoefectivo_reused(tx, validity_hours)
        return self._pagoefectivo_result("issued", "", tx)

    def _pagoefectivo_reused(self, tx, validity_hours):
        """Its valid code is kept; a validity asked for does not apply to it."""
        reason = self.env._("It already has a valid code.")
        if validity_hours:
            reason = self.env._(
                "It already has a valid code, until %(expiry)s (Lima time); extend "
                "it with Extend voucher.",
                expiry=format_lima(tx.pagoefectivo_expiry),
            )
        return self._pagoefectivo_result("reused", reason, tx)

    def _pagoefectivo_result(self, status, reason, transaction=None):
        return {
            "invoice": self,
            "status": status,
            "reason": reason,
            "transaction": (transaction or self.env["payment.transaction"]).sudo(False),
        }

    def _pagoefectivo_note_result(self, result):
        """Leave on the invoice what became of issuing its code."""
        self.ensure_one()
        tx = result["transaction"].sudo()
        if result["status"] == "issued":
            body = self.env._(
                "PagoEfectivo code %(cip)s issued, valid until %(expiry)s (Lima time).",
                cip=tx.provider_reference,
                expiry=format_lima(tx.pagoefectivo_expiry),
            )
        elif result["status"] in ("skipped", "failed"):
            body = self.env._(
                "No PagoEfectivo code was issued: %(reason)s",
                reason=result["reason"],
            )
        else:
            return
        # sudo: whoever may issue the code may leave its trail.
        self.sudo()._message_log(body=body)

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

    def _pagoefectivo_provider(self, amount):
        """The company's PagoEfectivo provider, if it takes `amount` from this
        invoice's customer as core's checkout would (state, country, maximum
        amount, currency), and still offers its payment method; else why not.

        sudo: billing users may not read providers, and issuing uses its keys.

        :return: (provider, "") or (empty provider, the reason)
        """
        self.ensure_one()
        providers = self.env["payment.provider"].sudo()
        report = {}
        compatible = providers._get_compatible_providers(
            self.company_id.id,
            self.partner_id.id,
            amount,
            currency_id=self.currency_id.id,
            report=report,
        )
        provider = compatible.filtered(lambda p: p.code == "pagoefectivo")[:1]
        if provider and self._pagoefectivo_payment_method(provider):
            return provider, ""
        for candidate, status in report.get("providers", {}).items():
            if candidate.code == "pagoefectivo" and not status["available"]:
                return providers, self._pagoefectivo_refusal(
                    candidate, amount, status["reason"]
                )
        return providers, self.env._(
            "PagoEfectivo is not enabled for %(company)s.",
            company=self.company_id.name,
        )

    def _pagoefectivo_refusal(self, provider, amount, reason):
        """Core's `reason` the provider is not available, said of an invoice."""
        # Core's reasons are lazy texts, told apart by identity.
        code = next(
            (code for code, text in REPORT_REASONS_MAPPING.items() if text is reason),
            None,
        )
        if code == "incompatible_currency":
            return self.env._(
                "PagoEfectivo does not take invoices in %(currency)s.",
                currency=self.currency_id.name,
            )
        if code == "exceed_max_amount":
            # The limit is in the company's currency, as at checkout.
            return self.env._(
                "Its amount due, %(amount)s, is above the PagoEfectivo limit of "
                "%(limit)s.",
                amount=format_amount(self.env, amount, self.currency_id),
                limit=format_amount(
                    self.env, provider.maximum_amount, provider.main_currency_id
                ),
            )
        if code == "incompatible_country":
            return self.env._(
                "PagoEfectivo does not take customers from %(country)s.",
                country=self.partner_id.country_id.name,
            )
        return self.env._(
            "PagoEfectivo does not take this invoice: %(reason)s.", reason=reason
        )

    @api.model
    def _pagoefectivo_payment_method(self, provider):
        """The provider's own payment method, if it still offers it."""
        if not provider:
            return self.env["payment.method"]
        codes = provider._get_default_payment_method_codes()
        return provider.payment_method_ids.filtered(lambda pm: pm.code in codes)[:1]

    def _pagoefectivo_create_transaction(self, provider, amount, validity_hours=None):
        """A payment of `amount` as the portal makes it for an invoice, in sudo
        as there: issuing it uses the provider's keys. Made from the back
        office: the chatter says the user made it, not the customer."""
        transactions = (
            self.env["payment.transaction"]
            .sudo()
            .with_context(payment_backend_action=True)
        )
        values = {
            "provider_id": provider.id,
            "payment_method_id": self._pagoefectivo_payment_method(provider).id,
            "reference": transactions._compute_reference(
                provider.code, invoice_ids=[Command.set(self.ids)]
            ),
            "amount": amount,
            "currency_id": self.currency_id.id,
            "partner_id": self.partner_id.id,
            "operation": "online_redirect",
            "invoice_ids": [Command.set(self.ids)],
        }
        if validity_hours:
            values["pagoefectivo_validity_hours"] = validity_hours
        tx = transactions.create(values)
        tx._log_sent_message()
        return tx

    # === BY THEMSELVES === #

    def _post(self, soft=True):
        """Invoices that want a code get it from a scheduled action, after the
        posting is committed: no code for a posting rolled back, no wait on
        PagoEfectivo while posting, none for an invoice paid right after."""
        posted = super()._post(soft=soft)
        queued = posted.filtered(
            lambda move: move._pagoefectivo_auto_issue_wanted("post")
        )
        if queued:
            queued.sudo().pagoefectivo_issue_queued = True
            self.env.ref("pagoefectivo_payment.cron_invoice_issue")._trigger()
        return posted

    @api.model
    def _cron_pagoefectivo_issue_queued(self):
        """Issue the codes of the invoices queued at posting, one commit each;
        those that no longer ask anything are skipped silently."""
        providers = self.env["payment.provider"]
        queued = self.sudo().search(
            [("pagoefectivo_issue_queued", "=", True)], order="id"
        )
        providers._pagoefectivo_commit_progress(remaining=len(queued))
        for move in queued:
            try:
                with self.env.cr.savepoint():
                    move._pagoefectivo_auto_issue()
            except Exception:  # noqa: BLE001 - one invoice must not stop the others
                _logger.exception(
                    "Could not issue a PagoEfectivo code for %s", move.name
                )
            move.pagoefectivo_issue_queued = False
            if providers._pagoefectivo_commit_progress(1) <= 0:
                break

    def _pagoefectivo_auto_issue(self):
        """Issue codes for these invoices, which want one. Never raises: only
        what failed is noted on the invoice; what asks nothing, or what
        PagoEfectivo does not take, is skipped silently."""
        for result in self._pagoefectivo_issue_vouchers():
            if result["status"] == "failed":
                result["invoice"]._pagoefectivo_note_result(result)

    def _pagoefectivo_auto_issue_wanted(self, event):
        """Whether its journal, or its payment method, wants a code for this
        invoice at `event` ("post" or "send")."""
        self.ensure_one()
        if self.move_type != "out_invoice":
            return False
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
