import hashlib
import json
import re
from decimal import Decimal

from psycopg2 import errors as pg_errors

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.tools.misc import format_amount

from odoo.addons.payment.logging import get_payment_logger

from .. import const
from ..tools.lima_time import parse_lima

_logger = get_payment_logger(__name__)

# An amount as PagoEfectivo writes it: digits, at most one decimal point.
_PLAIN_AMOUNT = re.compile(r"[0-9]+(\.[0-9]+)?")

REVIEW_REASONS = [
    ("unknown_cip", "Unknown CIP"),
    ("unknown_event", "Unknown event"),
    ("amount_mismatch", "Amount mismatch"),
    ("currency_mismatch", "Currency mismatch"),
    ("refund", "Refund to track"),
    ("refund_unrequested", "Refund not requested in Odoo"),
    ("refund_exceeds", "Refund exceeds the payment"),
    ("refund_unpaid", "Refund of a payment not confirmed yet"),
    ("refund_amount", "Unreadable refund amount"),
    ("refund_conflict", "Refund reported twice with different amounts"),
    ("cip_mismatch", "CIP of another transaction"),
    ("error", "Could not be applied"),
    ("date_unreadable", "Unreadable date"),
    ("paid_twice", "Paid twice: refund needed"),
]

# Reasons of notifications that were applied all the same.
APPLIED_REASONS = ("date_unreadable", "refund_unrequested")

# What PagoEfectivo sent: the audit trail, written once at reception.
AUDIT_FIELDS = (
    "provider_id",
    "source",
    "received_at",
    "event_type",
    "cip",
    "operation_number",
    "transaction_code",
    "amount",
    "currency_name",
    "payment_date",
    "payment_date_raw",
    "body",
    "headers",
    "signed_with_previous_key",
)

# Errors the request's retry loop must see: they are concurrency, not bad data.
_CONCURRENCY_ERRORS = (
    pg_errors.SerializationFailure,
    pg_errors.LockNotAvailable,
    pg_errors.DeadlockDetected,
)


class PagoEfectivoNotification(models.Model):
    _name = "pagoefectivo.notification"
    _description = "PagoEfectivo Notification"
    _order = "id desc"
    _rec_name = "event_type"

    provider_id = fields.Many2one(
        "payment.provider", required=True, index=True, ondelete="cascade"
    )
    company_id = fields.Many2one(related="provider_id.company_id", store=True)
    transaction_id = fields.Many2one(
        "payment.transaction", index="btree_not_null", ondelete="set null"
    )
    reference = fields.Char(related="transaction_id.reference", store=True)
    source = fields.Selection(
        [("webhook", "Webhook"), ("recovery", "Recovery")],
        required=True,
        default="webhook",
    )
    received_at = fields.Datetime(required=True, default=fields.Datetime.now)
    event_type = fields.Char(index=True)
    cip = fields.Char(string="CIP", index=True)
    operation_number = fields.Char()
    transaction_code = fields.Char(index=True)
    amount = fields.Char(help="The amount as PagoEfectivo sent it.")
    currency_name = fields.Char(string="Currency")
    payment_date = fields.Datetime()
    payment_date_raw = fields.Char(
        string="Payment Date as Received",
        readonly=True,
        help="The payment date exactly as PagoEfectivo sent it, kept when it "
        "could not be read.",
    )
    body = fields.Text(required=True, readonly=True)
    headers = fields.Text(readonly=True)
    signed_with_previous_key = fields.Boolean(readonly=True)
    state = fields.Selection(
        [
            ("received", "Received"),
            ("applied", "Applied"),
            ("duplicate", "Duplicate"),
            ("review", "Needs Review"),
            ("reviewed", "Reviewed"),
        ],
        required=True,
        default="received",
        index=True,
    )
    review_reason = fields.Selection(REVIEW_REASONS)
    outcome = fields.Text()

    # === RECEPTION === #

    @api.model
    def _receive(
        self, provider, payload, body, headers=None, source="webhook", **extra
    ):
        """Store a notification, then apply it; return the stored record.

        The record survives whatever applying it does: a failure leaves it
        for review instead of losing it. Concurrency errors are re-raised so
        that the request is retried as a whole.
        """
        data = payload.get("data") if isinstance(payload.get("data"), dict) else {}
        raw_date = data.get("paymentDate")
        try:
            payment_date, unreadable_date = parse_lima(raw_date), False
        except ValueError:
            payment_date, unreadable_date = False, _text(raw_date)
        notification = self.sudo().create(
            {
                "provider_id": provider.id,
                "source": source,
                "event_type": _text(payload.get("eventType")),
                "operation_number": _text(payload.get("operationNumber")),
                "cip": _text(data.get("cip")),
                "transaction_code": _text(data.get("transactionCode")),
                "amount": _text(data.get("amount")),
                "currency_name": _text(data.get("currency")),
                "payment_date": payment_date,
                "payment_date_raw": unreadable_date,
                "body": body,
                "headers": json.dumps(headers or {}, indent=1),
                **extra,
            }
        )
        try:
            with self.env.cr.savepoint():
                notification._apply(payload)
        except _CONCURRENCY_ERRORS:
            raise
        except Exception as error:  # noqa: BLE001 - kept for review, never lost
            _logger.exception(
                "Could not apply PagoEfectivo notification %s", notification.id
            )
            notification._flag("error", str(error))
        return notification

    def _apply(self, payload):
        self.ensure_one()
        # Only this provider's: the key that verified it can touch no other's.
        # A recovered one comes with its transaction: a CIP number may repeat
        # across the environments (API bases) of one provider.
        tx = self.transaction_id.sudo().filtered(
            lambda t: t.provider_id == self.provider_id
        ) or (
            self.env["payment.transaction"]
            .sudo()
            ._pagoefectivo_search_by_cip(payload, self.provider_id)
        )
        if not tx:
            return self._flag("unknown_cip", self.env._("No transaction has this CIP."))
        self.transaction_id = tx
        self.env.cr.execute(
            "SELECT 1 FROM payment_transaction WHERE id = %s FOR NO KEY UPDATE",
            [tx.id],
        )
        tx.invalidate_recordset(["state"])
        if self.event_type not in const.KNOWN_EVENTS:
            return self._flag("unknown_event", self.env._("Unknown event type."))
        if self.event_type == const.EVENT_REFUNDED:
            return self._apply_refund(tx)
        if self.event_type == const.EVENT_PAID:
            return self._apply_payment(tx, payload)
        return self._apply_state_change(tx, payload)

    def _apply_payment(self, tx, payload):
        if tx.state == "done":
            return self._set_outcome(
                "duplicate", self.env._("Already paid; nothing changed.")
            )
        problem = tx._pagoefectivo_amount_problem(payload)
        if problem and self._already_flagged(tx, problem):
            return self._set_outcome(
                "duplicate", self.env._("Already waiting for review; nothing changed.")
            )
        if problem:
            self._flag(
                problem,
                self.env._(
                    "PagoEfectivo notified %(amount)s %(currency)s, the transaction is "
                    "for %(expected)s %(expected_currency)s. It was left as it was.",
                    amount=self.amount,
                    currency=self.currency_name,
                    expected=tx.amount,
                    expected_currency=tx.currency_id.name,
                ),
            )
            tx._pagoefectivo_ask_human(
                self.env._("PagoEfectivo payment does not match"), self.outcome
            )
            return
        left = tx._pagoefectivo_amount_left()
        if left is not None and tx.currency_id.compare_amounts(tx.amount, left) > 0:
            if self._already_flagged(tx, "paid_twice", ("review", "reviewed")):
                return self._set_outcome(
                    "duplicate", self.env._("Already flagged for a refund.")
                )
            return self._flag_paid_twice(tx, left)
        tx._process("pagoefectivo", payload)
        if self.payment_date_raw:
            # The money is real: paid, but someone must check the date.
            return self._flag(
                "date_unreadable",
                self.env._(
                    "Transaction paid, but PagoEfectivo sent a payment date that "
                    "could not be read: %(raw)s. The reception time was used "
                    "instead; check the real payment date.",
                    raw=self.payment_date_raw,
                ),
            )
        return self._set_outcome("applied", self.env._("Transaction paid."))

    def _apply_refund(self, tx):
        """PagoEfectivo signed it: it confirms the refund request it matches."""
        if self.cip != tx.provider_reference:
            # A notification's transaction may have been set by hand.
            return self._flag(
                "cip_mismatch",
                self.env._(
                    "PagoEfectivo reports a refund of CIP %(cip)s, but %(reference)s "
                    "is CIP %(tx_cip)s. Nothing was booked.",
                    cip=self.cip,
                    reference=tx.reference,
                    tx_cip=tx.provider_reference,
                ),
            )
        if self.currency_name != tx.currency_id.name:
            return self._flag(
                "currency_mismatch",
                self.env._(
                    "PagoEfectivo reports a refund in %(currency)s of a payment in "
                    "%(expected)s. Nothing was booked.",
                    currency=self.currency_name,
                    expected=tx.currency_id.name,
                ),
            )
        amount = self._refund_amount()
        if amount is None:
            return self._flag(
                "refund_amount",
                self.env._(
                    "The refunded amount is unreadable: %(amount)s. Nothing was "
                    "booked.",
                    amount=self.amount,
                ),
            )
        if tx.state != "done":
            return self._flag(
                "refund_unpaid",
                self.env._(
                    "PagoEfectivo reports a refund of %(amount)s %(currency)s, but "
                    "the payment %(reference)s is not confirmed yet: apply again "
                    "after it is.",
                    amount=self.amount,
                    currency=self.currency_name,
                    reference=tx.reference,
                ),
            )
        try:
            with self.env.cr.savepoint():
                outcome, refund = self.env[
                    "payment.transaction"
                ]._pagoefectivo_confirm_refund(
                    tx,
                    amount,
                    self._refund_reference(),
                    self.payment_date or self.received_at,
                    source="webhook",
                )
        except UserError as error:
            return self._flag("refund_conflict", str(error))
        if outcome == "confirmed":
            return self._set_outcome(
                "applied",
                self.env._(
                    "Refund %(reference)s confirmed and booked.",
                    reference=refund.reference,
                ),
            )
        if outcome == "duplicate":
            return self._set_outcome(
                "duplicate",
                self.env._(
                    "Refund %(reference)s was confirmed already; nothing changed.",
                    reference=refund.reference,
                ),
            )
        if outcome == "unrequested":
            return self._flag(
                "refund_unrequested",
                self.env._(
                    "No refund request of %(amount)s %(currency)s was pending: the "
                    "refund %(reference)s was booked. Check why it was made in "
                    "PagoEfectivo's portal, and issue the credit note.",
                    amount=self.amount,
                    currency=self.currency_name,
                    reference=refund.reference,
                ),
            )
        return self._flag(
            "refund_exceeds",
            self.env._(
                "PagoEfectivo reports a refund of %(amount)s %(currency)s, more than "
                "is left to refund on %(reference)s. Nothing was booked.",
                amount=self.amount,
                currency=self.currency_name,
                reference=tx.reference,
            ),
        )

    def _refund_amount(self):
        """The refunded amount as sent, strictly read (no exponent, NaN,
        infinity, underscore or sign); None when unreadable or not positive."""
        text = (self.amount or "").strip()
        if not _PLAIN_AMOUNT.fullmatch(text) or Decimal(text) <= 0:
            return None
        return float(Decimal(text))

    def _refund_reference(self):
        """Its operation number, else a digest of its body: a refund notified
        twice is recognised either way."""
        if self.operation_number:
            return self.operation_number
        return "sha256:" + hashlib.sha256(self.body.encode()).hexdigest()

    def _already_flagged(self, tx, reason, states=("review",)):
        return bool(
            self.search_count(
                [
                    ("id", "!=", self.id),
                    ("transaction_id", "=", tx.id),
                    ("state", "in", states),
                    ("review_reason", "=", reason),
                ],
                limit=1,
            )
        )

    def _apply_state_change(self, tx, payload):
        if tx.state != "pending":
            return self._set_outcome(
                "duplicate",
                self.env._(
                    "Transaction already %(state)s; nothing changed.", state=tx.state
                ),
            )
        tx._process("pagoefectivo", payload)
        return self._set_outcome("applied", self.env._("Transaction cancelled."))

    def _flag_paid_twice(self, tx, left):
        """A CIP paid for more than its documents still ask (another CIP or
        another payment paid them): the money came in twice. Nothing is booked
        for it; someone must refund the customer, or book it by hand."""
        self._flag(
            "paid_twice",
            self.env._(
                "CIP %(cip)s was paid (%(amount)s %(currency)s) for %(reference)s, "
                "but its order or invoices had only %(left)s left to pay (paid by "
                "other CIPs or other means, or no longer posted). Nothing was "
                "booked for it: refund the customer, or book the payment by hand.",
                cip=self.cip,
                amount=self.amount,
                currency=self.currency_name,
                reference=tx.reference,
                left=format_amount(self.env, left, tx.currency_id),
            ),
        )
        tx._pagoefectivo_ask_human(
            self.env._("Paid twice through PagoEfectivo: refund needed"), self.outcome
        )
        # Nothing left to ask PagoEfectivo about this voucher.
        if tx.state == "pending":
            tx._set_canceled(state_message=self.outcome)

    def _flag(self, reason, message):
        _logger.warning(
            "PagoEfectivo notification %s (%s, CIP %s) needs review: %s",
            self.id,
            self.event_type,
            self.cip,
            message,
        )
        self.write({"state": "review", "review_reason": reason, "outcome": message})

    def _set_outcome(self, state, message):
        self.write({"state": state, "outcome": message})

    # === AUDIT TRAIL === #

    def write(self, vals):
        changed = [
            name
            for name in AUDIT_FIELDS
            if name in vals
            and any(
                n._fields[name].convert_to_write(n[name], n) != vals[name] for n in self
            )
        ]
        if "transaction_id" in vals and any(
            n.transaction_id and n.transaction_id.id != vals["transaction_id"]
            for n in self
        ):
            changed.append("transaction_id")
        if changed:
            raise UserError(
                self.env._(
                    "What a PagoEfectivo notification received (its body, headers, "
                    "CIP, amount and dates) is the audit trail and cannot be "
                    "changed."
                )
            )
        return super().write(vals)

    # === ACTIONS === #

    def action_retry(self):
        """Apply again, e.g. once the transaction of an unknown CIP exists. An
        unreadable date was applied already: it only needs a look. A refund
        books money: only accountants apply it again."""
        to_retry = self.filtered(
            lambda n: n.state == "review" and n.review_reason not in APPLIED_REASONS
        )
        if (
            any(n.event_type == const.EVENT_REFUNDED for n in to_retry)
            and not self.env.su
            and not self.env.user.has_groups(const.ACCOUNTANT_GROUPS)
        ):
            raise AccessError(
                self.env._("Only accountants can apply a refund notification again.")
            )
        for notification in to_retry:
            notification.write({"state": "received", "review_reason": False})
            with self.env.cr.savepoint():
                notification._apply(json.loads(notification.body))
        return True

    def action_mark_reviewed(self):
        self.filtered(lambda n: n.state == "review").state = "reviewed"
        return True


def _text(value):
    """A value of the notification as text; False when absent.

    Text the database refuses (NUL characters, lone surrogates) is escaped
    rather than let it fail the storing of the notification.
    """
    if value is None or value == "":
        return False
    return (
        str(value)
        .replace("\x00", "\\x00")
        .encode("utf-8", errors="backslashreplace")
        .decode("utf-8")
    )
