import json

from psycopg2 import errors as pg_errors

from odoo import api, fields, models

from odoo.addons.payment.logging import get_payment_logger

from .. import const
from ..tools.lima_time import parse_lima

_logger = get_payment_logger(__name__)

REVIEW_REASONS = [
    ("unknown_cip", "Unknown CIP"),
    ("unknown_event", "Unknown event"),
    ("amount_mismatch", "Amount mismatch"),
    ("currency_mismatch", "Currency mismatch"),
    ("refund", "Refund to track"),
    ("error", "Could not be applied"),
]

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
    body = fields.Text(required=True)
    headers = fields.Text()
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
                "payment_date": parse_lima(data.get("paymentDate")),
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
        tx = (
            self.env["payment.transaction"]
            .sudo()
            ._search_by_reference("pagoefectivo", payload)
            .filtered(lambda t: t.provider_id == self.provider_id)
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
            return self._flag(
                "refund",
                self.env._("PagoEfectivo reports a refund: track it in accounting."),
            )
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
        tx._process("pagoefectivo", payload)
        return self._set_outcome("applied", self.env._("Transaction paid."))

    def _already_flagged(self, tx, reason):
        return bool(
            self.search_count(
                [
                    ("id", "!=", self.id),
                    ("transaction_id", "=", tx.id),
                    ("state", "=", "review"),
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

    # === ACTIONS === #

    def action_retry(self):
        """Apply again, e.g. once the transaction of an unknown CIP exists."""
        for notification in self.filtered(lambda n: n.state == "review"):
            notification.write({"state": "received", "review_reason": False})
            with self.env.cr.savepoint():
                notification._apply(json.loads(notification.body))
        return True

    def action_mark_reviewed(self):
        self.filtered(lambda n: n.state == "review").state = "reviewed"
        return True


def _text(value):
    """A value of the notification as text; False when absent."""
    return False if value is None or value == "" else str(value)
