from odoo import api, fields, models
from odoo.fields import Domain

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

    def _pagoefectivo_paid_sibling(self):
        """Another CIP of the same order or invoices that was already paid."""
        return self._pagoefectivo_siblings().filtered(lambda tx: tx.state == "done")[:1]

    def _pagoefectivo_issue_or_reuse(self):
        """Take over a live CIP of the same document for the same amount, or
        withdraw the live ones and issue a new CIP."""
        live = self._pagoefectivo_live_siblings()
        reusable = live.filtered(
            lambda tx: (
                tx.provider_id == self.provider_id
                and tx.currency_id == self.currency_id
                and not tx.currency_id.compare_amounts(tx.amount, self.amount)
                and tx.pagoefectivo_expiry
                and tx.pagoefectivo_expiry > fields.Datetime.now()
            )
        )[:1]
        if reusable:
            return self._pagoefectivo_take_over(reusable)
        live._pagoefectivo_withdraw(
            self.env._("Replaced by %(reference)s.", reference=self.reference)
        )
        return self._pagoefectivo_issue_cip()

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
        """Delete at PagoEfectivo the CIPs of vouchers withdrawn here, and
        withdraw those whose invoices were paid by other means."""
        self._pagoefectivo_paid_elsewhere()._pagoefectivo_withdraw(
            self.env._("Its invoices were paid by other means.")
        )
        for tx in self.search([("pagoefectivo_delete_pending", "=", True)]):
            try:
                tx._pagoefectivo_delete_cip()
            except PagoEfectivoError as error:
                if error.status not in const.DELETE_REFUSALS:
                    _logger.warning(
                        "CIP %s of %s not deleted yet, tried again later: %s",
                        tx.provider_reference,
                        tx.reference,
                        error.args[0],
                    )
                    continue
                # Paid or gone already: a payment still comes by notification.
                _logger.warning(
                    "PagoEfectivo refused to delete CIP %s of %s: %s",
                    tx.provider_reference,
                    tx.reference,
                    error.args[0],
                )
            tx.pagoefectivo_delete_pending = False

    @api.model
    def _pagoefectivo_paid_elsewhere(self):
        """Pending invoice vouchers whose invoices are all paid, or no longer
        posted (cancelled or back to draft)."""
        pending = self.search(
            [
                ("provider_code", "=", "pagoefectivo"),
                ("state", "=", "pending"),
                ("invoice_ids", "!=", False),
                ("sale_order_ids", "=", False),
            ]
        )
        return pending.filtered(
            lambda tx: all(
                move.state != "posted"
                or move.payment_state in ("paid", "in_payment", "reversed")
                for move in tx.invoice_ids
            )
        )

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
        self.write(
            {
                "provider_reference": str(data["cip"]),
                "pagoefectivo_cip_url": data.get("cipUrl"),
                "pagoefectivo_expiry": parse_lima_or_none(data.get("dateExpiry"))
                or self.provider_id._pagoefectivo_voucher_expiry(),
                **self.provider_id._pagoefectivo_issuer_values(),
            }
        )
        self._set_pending()

    def _pagoefectivo_cip_payload(self):
        provider = self.provider_id
        concept = provider.pagoefectivo_payment_concept or self.company_id.name
        payload = {
            "currency": self.currency_id.name,
            "amount": f"{self.amount:.2f}",
            "transactionCode": self.reference,
            "dateExpiry": to_lima_expiry(provider._pagoefectivo_voucher_expiry()),
            "paymentConcept": (concept or "")[: const.FIELD_LIMITS["paymentConcept"]],
            "additionalData": self.reference,
            **customer_fields(
                self.partner_id, self.partner_email or self.partner_id.email
            ),
        }
        if self.provider_id.company_id.email:
            payload["adminEmail"] = self.provider_id.company_id.email[:100]
        return payload
