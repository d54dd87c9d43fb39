from datetime import timedelta

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.fields import Domain
from odoo.tools.misc import format_amount

from odoo.addons.payment.logging import get_payment_logger

from .. import const
from ..tools.lima_time import (
    format_lima,
    lima_date,
    parse_lima_or_none,
    to_lima_expiry,
)

_logger = get_payment_logger(__name__)


class PaymentTransaction(models.Model):
    _inherit = "payment.transaction"

    pagoefectivo_cip_url = fields.Char(string="Voucher URL", readonly=True, copy=False)
    pagoefectivo_expiry = fields.Datetime(
        string="Voucher Expiry", readonly=True, copy=False
    )
    pagoefectivo_paid_at = fields.Datetime(string="Paid At", readonly=True, copy=False)
    pagoefectivo_validity_hours = fields.Integer(
        string="Validity Asked (hours)",
        help="How long the customer has to pay this voucher, when chosen as it "
        "was issued; the provider's validity otherwise.",
        readonly=True,
        copy=False,
    )
    pagoefectivo_notification_ids = fields.One2many(
        "pagoefectivo.notification", "transaction_id", string="Notifications"
    )
    pagoefectivo_api_log_ids = fields.Many2many(
        "pagoefectivo.api.log",
        string="API Calls",
        compute="_compute_pagoefectivo_api_log_ids",
    )

    def _compute_pagoefectivo_api_log_ids(self):
        logs = self.env["pagoefectivo.api.log"].search(
            [("reference", "in", self.mapped("reference"))]
        )
        for tx in self:
            tx.pagoefectivo_api_log_ids = logs.filtered(
                lambda log, tx=tx: (
                    log.reference == tx.reference and log.provider_id == tx.provider_id
                )
            )

    # === NOTIFICATION PROCESSING === #

    @api.model
    def _extract_reference(self, provider_code, payment_data):
        if provider_code != "pagoefectivo":
            return super()._extract_reference(provider_code, payment_data)
        return str((payment_data.get("data") or {}).get("cip") or "")

    @api.model
    def _search_by_reference(self, provider_code, payment_data):
        """Find the transaction by its CIP, else by the transaction code sent along.

        Among the transactions of the provider in the context key
        `pagoefectivo_provider_id` when there is one: CIP numbers are only
        unique within one PagoEfectivo account.
        """
        if provider_code != "pagoefectivo":
            return super()._search_by_reference(provider_code, payment_data)
        provider = self.env["payment.provider"].browse(
            self.env.context.get("pagoefectivo_provider_id")
        )
        return self._pagoefectivo_search_by_cip(payment_data, provider)

    @api.model
    def _pagoefectivo_search_by_cip(self, payment_data, provider=None):
        """The transaction a notification (or search result) is about: by its
        CIP, else by its transaction code; only `provider`'s when given, and
        among those issued at its current API base (CIP numbers of sandbox and
        production overlap)."""
        cip = self._extract_reference("pagoefectivo", payment_data)
        code = (payment_data.get("data") or {}).get("transactionCode")
        base = Domain("provider_code", "=", "pagoefectivo")
        if provider:
            base &= Domain("provider_id", "in", provider.ids) & Domain(
                "pagoefectivo_api_base",
                "in",
                [False, *{p._pagoefectivo_api_base() for p in provider}],
            )
        tx = cip and self.search(base & Domain("provider_reference", "=", cip), limit=1)
        if not tx and code:
            tx = self.search(
                base
                & Domain("reference", "=", code)
                & Domain("provider_reference", "in", [False, cip]),
                limit=1,
            )
        return tx or self.browse()

    def _extract_amount_data(self, payment_data):
        if self.provider_code != "pagoefectivo":
            return super()._extract_amount_data(payment_data)
        data = payment_data.get("data") or {}
        if payment_data.get("eventType") != const.EVENT_PAID:
            return {"amount": self.amount, "currency_code": self.currency_id.name}
        return {
            "amount": float(data.get("amount") or 0.0),
            "currency_code": data.get("currency"),
        }

    def _pagoefectivo_amount_problem(self, payment_data):
        """Why a payment's amount or currency does not fit the transaction, if so."""
        data = payment_data.get("data") or {}
        if data.get("currency") != self.currency_id.name:
            return "currency_mismatch"
        try:
            amount = float(data.get("amount"))
        except (TypeError, ValueError):
            return "amount_mismatch"
        if self.currency_id.compare_amounts(amount, self.amount):
            return "amount_mismatch"
        return False

    def _apply_updates(self, payment_data):
        if self.provider_code != "pagoefectivo":
            return super()._apply_updates(payment_data)
        event = payment_data.get("eventType")
        data = payment_data.get("data") or {}
        if data.get("cip") and not self.provider_reference:
            self.provider_reference = str(data["cip"])
        if event == const.EVENT_PAID:
            # An unreadable date must not refuse real money: now is used instead
            # (the notification keeps the raw value and asks for a review).
            self._pagoefectivo_mark_paid(parse_lima_or_none(data.get("paymentDate")))
        elif event in (const.EVENT_EXPIRED, const.EVENT_DELETED):
            self._set_canceled(
                state_message=self.env._(
                    "The PagoEfectivo voucher expired or was removed."
                )
            )

    def _pagoefectivo_mark_paid(self, paid_at):
        paid_at = paid_at or fields.Datetime.now()
        late = self.state == "cancel" or (
            self.pagoefectivo_expiry and paid_at > self.pagoefectivo_expiry
        )
        self.pagoefectivo_paid_at = paid_at
        # From error too (core allows it): a CIP whose creation reply was lost
        # finds its transaction by transactionCode once paid.
        self._set_done(extra_allowed_states=("cancel",))
        self._pagoefectivo_live_siblings()._pagoefectivo_withdraw(
            self.env._(
                "Its order was paid with %(reference)s.", reference=self.reference
            )
        )
        left = self._pagoefectivo_amount_left()
        left = left is not None and left - self.amount
        if left and self.currency_id.compare_amounts(left, 0) > 0:
            self._pagoefectivo_ask_human(
                self.env._("Partly paid through PagoEfectivo"),
                self.env._(
                    "CIP %(cip)s paid %(amount)s; %(left)s are still due and no "
                    "voucher asks for them any more: send the customer a new one.",
                    cip=self.provider_reference,
                    amount=format_amount(self.env, self.amount, self.currency_id),
                    left=format_amount(self.env, left, self.currency_id),
                ),
            )
        # Soon, not now: the customer's status page may be post-processing it too.
        self.env.ref("payment.cron_post_process_payment_tx")._trigger(
            fields.Datetime.now() + timedelta(minutes=1)
        )
        if late:
            self._pagoefectivo_ask_human(
                self.env._("Paid after its voucher expired or was cancelled"),
                self.env._(
                    "Payment %(reference)s (CIP %(cip)s) was paid on %(paid)s, "
                    "after its voucher expired or was cancelled. The money is in: "
                    "confirm the order or invoice, or refund the customer.",
                    reference=self.reference,
                    cip=self.provider_reference,
                    paid=format_lima(paid_at),
                ),
            )

    def _create_payment(self, **extra_create_values):
        """The payment is dated the Lima day the customer paid, not the day
        Odoo learned it (a recovered notification, a late job, UTC midnight)."""
        if self.provider_code == "pagoefectivo" and self.pagoefectivo_paid_at:
            extra_create_values.setdefault("date", self._pagoefectivo_payment_date())
        return super()._create_payment(**extra_create_values)

    def _pagoefectivo_payment_date(self):
        """The Lima day of the payment; the first open day when that is locked."""
        day = lima_date(self.pagoefectivo_paid_at)
        lock = self.company_id._get_user_fiscal_lock_date(self.provider_id.journal_id)
        return max(day, lock + timedelta(days=1))

    def _pagoefectivo_ask_human(self, summary, note):
        """An activity on the order (or invoice) the transaction pays, for its
        salesperson; notifications come in as the public user, who must not get it."""
        order, invoice = self.sale_order_ids[:1], self.invoice_ids[:1]
        document = order or invoice
        if not document:
            _logger.warning("%s: %s", summary, note)
            return
        responsible = order.user_id or invoice.invoice_user_id
        document.activity_schedule(
            "mail.mail_activity_data_todo",
            summary=summary,
            note=note,
            user_id=(responsible or self.env.ref("base.user_admin")).id,
        )

    # === LIFECYCLE === #

    def action_pagoefectivo_cancel(self):
        """Cancel pending vouchers here; their CIPs are deleted at PagoEfectivo
        right after, or by the recovery job while it is down.

        For whoever may change these transactions (billing users, accountants).
        """
        self.check_access("write")
        self._pagoefectivo_withdraw(self.env._("Voucher cancelled."))
        return True

    def _pagoefectivo_extend(self, new_expiry):
        """Move the voucher's expiry; an expired voucher becomes payable again."""
        self.ensure_one()
        self.check_access("write")
        if self.pagoefectivo_delete_pending or self._pagoefectivo_live_siblings():
            raise UserError(
                self.env._(
                    "This voucher was withdrawn or another one replaces it: issue "
                    "a new voucher instead of extending this one."
                )
            )
        self.provider_id.sudo()._pagoefectivo_request(
            "PATCH",
            f"cips/{self.provider_reference}",
            {"dateExpiry": to_lima_expiry(new_expiry)},
            tx=self,
            base=self.pagoefectivo_api_base,
        )
        self.pagoefectivo_expiry = new_expiry
        if self.state == "cancel":
            self._set_pending(extra_allowed_states=("cancel",))

    def action_pagoefectivo_extend(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Extend voucher"),
            "res_model": "pagoefectivo.extend.voucher",
            "view_mode": "form",
            "target": "new",
            "context": {"default_transaction_id": self.id},
        }

    def _pagoefectivo_expiry_lima(self):
        return format_lima(self.pagoefectivo_expiry) if self.pagoefectivo_expiry else ""
