from datetime import timedelta

from odoo import api, fields, models
from odoo.fields import Domain
from odoo.tools.misc import format_amount

from odoo.addons.payment import utils as payment_utils
from odoo.addons.payment.logging import get_payment_logger

from .. import const
from ..exceptions import PagoEfectivoError, PagoEfectivoUnknownOutcome
from ..tools.customer_fields import customer_fields
from ..tools.lima_time import parse_lima_or_none, to_lima_expiry

_logger = get_payment_logger(__name__)


class PaymentTransaction(models.Model):
    """Issuing CIPs: one live CIP per order or invoices, never a second one by
    repeating a request whose outcome is unknown."""

    _inherit = "payment.transaction"

    pagoefectivo_delete_pending = fields.Boolean(
        string="CIP to Delete at PagoEfectivo",
        help="Cancelled here; the job that deletes withdrawn vouchers deletes its CIP "
        "at PagoEfectivo.",
        readonly=True,
        copy=False,
        index=True,
    )

    @api.model
    def _compute_reference(self, provider_code, prefix=None, separator="-", **kwargs):
        """A reference that fits PagoEfectivo's 36-character transactionCode,
        e.g. when the portal pays several invoices at once."""
        reference = super()._compute_reference(
            provider_code, prefix=prefix, separator=separator, **kwargs
        )
        if provider_code != "pagoefectivo" or len(reference) <= const.CODE_MAX_LENGTH:
            return reference
        short_prefix = payment_utils.singularize_reference_prefix(
            reference, separator, max_length=const.CODE_MAX_LENGTH - 4
        )
        return super()._compute_reference(
            provider_code, prefix=short_prefix, separator=separator
        )

    def _get_specific_rendering_values(self, processing_values):
        """Issue the CIP when the customer confirms: the redirect form is rendered."""
        res = super()._get_specific_rendering_values(processing_values)
        if self.provider_code != "pagoefectivo":
            return res
        if not self.provider_reference:
            self._pagoefectivo_issue_or_reuse()
        return {"api_url": "/payment/status"}

    # === ONE LIVE CIP PER DOCUMENT === #

    def _pagoefectivo_siblings(self):
        """The other PagoEfectivo payments of the same order, or invoices."""
        self.ensure_one()
        domain = (
            Domain("provider_code", "=", "pagoefectivo")
            & Domain("id", "!=", self.id)
            & Domain("operation", "!=", "refund")
        )
        if self.sale_order_ids:
            domain &= Domain("sale_order_ids", "in", self.sale_order_ids.ids)
        elif self.invoice_ids:
            domain &= Domain("invoice_ids", "in", self.invoice_ids.ids)
        else:
            return self.browse()
        return self.search(domain)

    def _pagoefectivo_live_siblings(self):
        return self._pagoefectivo_siblings().filtered(
            lambda tx: tx.state == "pending" and tx.provider_reference
        )

    def _pagoefectivo_amount_left(self):
        """What this payment's order, or invoices, still ask, in its currency,
        besides this payment; None without documents."""
        self.ensure_one()
        if self.sale_order_ids:
            # Whatever the provider: an order paid by card is paid.
            paid = (self.sale_order_ids.transaction_ids - self).filtered(
                lambda tx: (
                    tx.state == "done"
                    and tx.operation != "refund"
                    and tx.currency_id == self.currency_id
                )
            )
            left = sum(self.sale_order_ids.mapped("amount_total")) - sum(
                paid.mapped("amount")
            )
            invoices = self.sale_order_ids.invoice_ids
            if invoices:  # paid on its invoices too, by transfer or in cash
                left = min(left, self._pagoefectivo_invoices_left(invoices))
            return left
        if self.invoice_ids:
            return self._pagoefectivo_invoices_left(self.invoice_ids)
        return None

    def _pagoefectivo_invoices_left(self, invoices):
        """What posted customer invoices still ask, less the CIPs paid for them
        whose payment is not posted yet (post-processing runs a minute later);
        an order's amount not invoiced yet counts as asked."""
        posted = invoices.filtered(
            lambda move: move.state == "posted" and move.move_type == "out_invoice"
        )
        unposted = (posted.transaction_ids - self).filtered(
            lambda tx: tx.state == "done" and not tx.payment_id
        )
        not_invoiced = sum(self.sale_order_ids.mapped("amount_total")) - sum(
            posted.mapped("amount_total")
        )
        return (
            sum(posted.mapped("amount_residual"))
            + max(not_invoiced, 0)
            - sum(unposted.mapped("amount"))
        )

    def _pagoefectivo_issue_or_reuse(self):
        """Take over a live CIP of the same document for the same amount, or
        withdraw the live ones and issue a new CIP."""
        live = self._pagoefectivo_live_siblings()
        reusable = live.filtered(
            lambda tx: (
                tx.provider_id == self.provider_id
                and tx.pagoefectivo_api_base
                == self.provider_id._pagoefectivo_api_base()
                and tx.currency_id == self.currency_id
                and not tx.currency_id.compare_amounts(tx.amount, self.amount)
                and tx.pagoefectivo_expiry
                and tx.pagoefectivo_expiry
                > fields.Datetime.now() + timedelta(hours=const.REUSE_MIN_HOURS)
            )
        )[:1]
        if reusable:
            return self._pagoefectivo_take_over(reusable)
        # Held until this commits: no notification changes them meanwhile, so
        # withdrawing them after the POST cannot fail and repeat the request.
        if live:
            self.env.cr.execute(
                "SELECT 1 FROM payment_transaction WHERE id IN %s FOR NO KEY UPDATE",
                [tuple(live.ids)],
            )
        self._pagoefectivo_issue_cip()
        if self.state == "pending":
            live._pagoefectivo_withdraw(
                self.env._("Replaced by %(reference)s.", reference=self.reference)
            )

    def _pagoefectivo_take_over(self, old):
        """This payment shows the voucher `old` showed: the same CIP, not a new one."""
        cip = old.provider_reference
        self.write(
            {
                "provider_reference": cip,
                "pagoefectivo_cip_url": old.pagoefectivo_cip_url,
                "pagoefectivo_expiry": old.pagoefectivo_expiry,
                "pagoefectivo_environment": old.pagoefectivo_environment,
                "pagoefectivo_api_base": old.pagoefectivo_api_base,
                "pagoefectivo_reminder_sent": old.pagoefectivo_reminder_sent,
            }
        )
        old.provider_reference = False
        old._set_canceled(
            state_message=self.env._(
                "Its CIP %(cip)s now belongs to %(reference)s.",
                cip=cip,
                reference=self.reference,
            )
        )
        self._set_pending()

    def _pagoefectivo_withdraw(self, reason):
        """Cancel these vouchers here at once; their CIPs are deleted at
        PagoEfectivo after this commits, by the job *delete withdrawn vouchers*,
        so that nothing here waits for PagoEfectivo or fails when it is down."""
        pending = self.filtered(
            lambda tx: tx.provider_code == "pagoefectivo" and tx.state == "pending"
        )
        if not pending:
            return
        pending.filtered("provider_reference").pagoefectivo_delete_pending = True
        pending._set_canceled(state_message=reason)
        self.env.ref("pagoefectivo_payment.cron_delete_withdrawn")._trigger()

    @api.model
    def _cron_pagoefectivo_delete_withdrawn(self):
        """Withdraw the vouchers for more than their documents still ask, then
        delete at PagoEfectivo the CIPs of withdrawn vouchers, one commit each."""
        self._pagoefectivo_withdraw_outdated()
        providers = self.env["payment.provider"]
        withdrawn = self.search(
            [("pagoefectivo_delete_pending", "=", True)],
            limit=const.DELETE_BATCH_SIZE,
        )
        providers._pagoefectivo_commit_progress(remaining=len(withdrawn))
        for tx in withdrawn:
            try:
                with self.env.cr.savepoint():
                    tx._pagoefectivo_delete_withdrawn_cip()
            except Exception:  # noqa: BLE001 - one CIP must not stop the others
                _logger.exception("Could not delete CIP %s", tx.provider_reference)
            providers._pagoefectivo_commit_progress(1)

    def _pagoefectivo_delete_withdrawn_cip(self):
        try:
            self._pagoefectivo_delete_cip()
        except PagoEfectivoError as error:
            if error.status not in const.DELETE_REFUSALS:
                _logger.warning(
                    "CIP %s of %s not deleted yet, tried again later: %s",
                    self.provider_reference,
                    self.reference,
                    error.args[0],
                )
                return
            # Paid or gone already: a payment still comes by notification.
            _logger.warning(
                "PagoEfectivo refused to delete CIP %s of %s: %s",
                self.provider_reference,
                self.reference,
                error.args[0],
            )
        self.pagoefectivo_delete_pending = False

    @api.model
    def _pagoefectivo_withdraw_outdated(self):
        """Withdraw the vouchers that ask more than their documents still ask,
        saying why: nothing is due any more, or less than the code."""
        for tx, left in self._pagoefectivo_outdated():
            if tx.currency_id.compare_amounts(left, 0) <= 0:
                reason = self.env._("Its order or invoices were paid by other means.")
            else:
                reason = self.env._(
                    "Its invoice or order now asks less than this code: %(left)s are "
                    "still due, not %(amount)s.",
                    left=format_amount(self.env, left, tx.currency_id),
                    amount=format_amount(self.env, tx.amount, tx.currency_id),
                )
            tx._pagoefectivo_withdraw(reason)

    @api.model
    def _pagoefectivo_outdated(self):
        """[(voucher, amount left)] of the pending vouchers for more than their
        order or invoices still ask: paid by other means, in part or in full
        (a payment, a credit note), or no longer posted (cancelled or back to
        draft). A code for less than what is due (an installment, an
        early-payment discount, a partial amount chosen by the customer)
        stays."""
        pending = self.search(
            [
                ("provider_code", "=", "pagoefectivo"),
                ("state", "=", "pending"),
                ("operation", "!=", "refund"),  # a refund's invoice: its credit note
                "|",
                ("invoice_ids", "!=", False),
                ("sale_order_ids", "!=", False),
            ]
        )
        outdated = []
        for tx in pending:
            left = tx._pagoefectivo_amount_left()
            if tx.currency_id.compare_amounts(tx.amount, left) > 0:
                outdated.append((tx, left))
        return outdated

    def _pagoefectivo_delete_cip(self):
        self.ensure_one()
        if self.provider_reference:
            self.provider_id._pagoefectivo_request(
                "DELETE",
                f"cips/{self.provider_reference}",
                tx=self,
                base=self.pagoefectivo_api_base,
            )

    # === ISSUANCE === #

    def _pagoefectivo_issue_cip(self):
        """Ask PagoEfectivo for a CIP: the tx is pending with it, or in error.

        A request that may have created a CIP is not sent again: that CIP, if
        the customer pays it, finds this transaction by its transactionCode.
        """
        self.ensure_one()
        # A concurrent change to what this request wrote must fail it now: Odoo
        # retries a request that fails to commit, and a CIP must not be asked
        # for twice.
        self.env.flush_all()
        try:
            reply = self.provider_id._pagoefectivo_request(
                "POST", "cips", self._pagoefectivo_cip_payload(), tx=self
            )
            data = reply.get("data") or {}
            if not data.get("cip"):
                raise PagoEfectivoError(self.env._("PagoEfectivo returned no CIP."))
        except PagoEfectivoError as error:
            _logger.warning(
                "No CIP for transaction %s%s: %s (codes %s)",
                self.reference,
                " (it may exist at PagoEfectivo)"
                if isinstance(error, PagoEfectivoUnknownOutcome)
                else "",
                error.args[0],
                error.codes,
            )
            self._set_error(
                self.env._(
                    "We could not generate your PagoEfectivo payment code right now. "
                    "Please try again in a few minutes or choose another payment "
                    "method."
                )
            )
            return
        if self._pagoefectivo_amount_problem(reply):
            self._pagoefectivo_refuse_other_cip(data)
            return
        self.write(
            {
                "provider_reference": str(data["cip"]),
                "pagoefectivo_cip_url": data.get("cipUrl"),
                "pagoefectivo_expiry": parse_lima_or_none(data.get("dateExpiry"))
                or self.provider_id._pagoefectivo_voucher_expiry(
                    self.pagoefectivo_validity_hours
                ),
                **self.provider_id._pagoefectivo_issuer_values(),
            }
        )
        self._set_pending()

    def _pagoefectivo_refuse_other_cip(self, data):
        """PagoEfectivo answered with a CIP of another amount or currency: the
        pending CIP it already had for this transaction code (a request rolled
        back here, then sent again). It is not this payment's voucher; left
        alone, it expires at PagoEfectivo. It is not deleted: the same code may
        belong to another database sharing these credentials."""
        _logger.warning(
            "PagoEfectivo returned CIP %s of %s %s for transaction %s of %s %s: "
            "an earlier CIP of the same transaction code, not used.",
            data.get("cip"),
            data.get("amount"),
            data.get("currency"),
            self.reference,
            self.amount,
            self.currency_id.name,
        )
        self._set_error(
            self.env._(
                "PagoEfectivo already had another payment code for %(reference)s, "
                "for a different amount: it was not used. Please try again or "
                "choose another payment method.",
                reference=self.reference,
            )
        )

    def _pagoefectivo_cip_payload(self):
        provider = self.provider_id
        concept = provider.pagoefectivo_payment_concept or self.company_id.name
        expiry = provider._pagoefectivo_voucher_expiry(self.pagoefectivo_validity_hours)
        payload = {
            "currency": self.currency_id.name,
            "amount": f"{self.amount:.2f}",
            "transactionCode": self.reference,
            "dateExpiry": to_lima_expiry(expiry),
            "paymentConcept": (concept or "")[: const.FIELD_LIMITS["paymentConcept"]],
            "additionalData": self.reference,
            **customer_fields(
                self.partner_id, self.partner_email or self.partner_id.email
            ),
        }
        if self.provider_id.company_id.email:
            payload["adminEmail"] = self.provider_id.company_id.email[:100]
        return payload
