from datetime import date, datetime, timedelta

from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.fields import Domain
from odoo.tools.misc import format_amount, format_date

from odoo.addons.payment.logging import get_payment_logger

from ..tools.lima_time import lima_date, lima_day_start

_logger = get_payment_logger(__name__)

# What a confirmation did (see _pagoefectivo_confirm_refund).
CONFIRMED, DUPLICATE, UNREQUESTED, EXCEEDS, NOT_REQUESTED = (
    "confirmed",
    "duplicate",
    "unrequested",
    "exceeds",
    "not_requested",
)


class PaymentTransaction(models.Model):
    """Refunds of PagoEfectivo payments. There is no refund API: a refund
    transaction is a request, pending until a confirmation (notification,
    settlement row or an accountant) says PagoEfectivo refunded the money."""

    _inherit = "payment.transaction"

    # On the refunded transaction.
    pagoefectivo_refunded_amount = fields.Monetary(
        string="Refunded", compute="_compute_pagoefectivo_refund_amounts"
    )
    pagoefectivo_refund_pending_amount = fields.Monetary(
        string="Refund Requested", compute="_compute_pagoefectivo_refund_amounts"
    )
    # On the refund transaction.
    pagoefectivo_refund_cip = fields.Char(
        string="Refunded CIP", related="source_transaction_id.provider_reference"
    )
    pagoefectivo_refund_deadline = fields.Date(
        string="Refund Deadline", readonly=True, copy=False, index="btree_not_null"
    )
    pagoefectivo_refund_overdue = fields.Boolean(
        string="Overdue",
        compute="_compute_pagoefectivo_refund_overdue",
        search="_search_pagoefectivo_refund_overdue",
    )
    pagoefectivo_refund_owner_id = fields.Many2one(
        "res.users", string="Refund Handled By", readonly=True, copy=False
    )
    pagoefectivo_refund_activity_id = fields.Many2one(
        "mail.activity", readonly=True, copy=False, ondelete="set null"
    )
    pagoefectivo_refund_escalation_id = fields.Many2one(
        "mail.activity", readonly=True, copy=False, ondelete="set null"
    )
    pagoefectivo_refund_reminded_at = fields.Datetime(
        string="Reminder Sent", readonly=True, copy=False
    )
    pagoefectivo_refund_escalated_at = fields.Datetime(
        string="Escalated", readonly=True, copy=False
    )
    pagoefectivo_refund_confirmation_ids = fields.One2many(
        "pagoefectivo.refund.confirmation",
        "refund_transaction_id",
        string="Confirmations",
    )

    @api.depends(
        "child_transaction_ids.operation",
        "child_transaction_ids.state",
        "child_transaction_ids.amount",
    )
    def _compute_pagoefectivo_refund_amounts(self):
        for tx in self:
            tx.pagoefectivo_refunded_amount = -sum(
                tx._pagoefectivo_refunds("done").mapped("amount")
            )
            tx.pagoefectivo_refund_pending_amount = -sum(
                tx._pagoefectivo_refunds("pending").mapped("amount")
            )

    @api.depends("state", "pagoefectivo_refund_deadline")
    def _compute_pagoefectivo_refund_overdue(self):
        today = lima_date(fields.Datetime.now())
        for tx in self:
            tx.pagoefectivo_refund_overdue = bool(
                tx.state == "pending"
                and tx.pagoefectivo_refund_deadline
                and tx.pagoefectivo_refund_deadline < today
            )

    def _search_pagoefectivo_refund_overdue(self, operator, value):
        if operator not in ("=", "!=") or not isinstance(value, bool):
            return NotImplemented
        overdue = Domain("state", "=", "pending") & Domain(
            "pagoefectivo_refund_deadline", "<", lima_date(fields.Datetime.now())
        )
        return overdue if (operator == "=") == value else ~overdue

    # === REQUESTS === #

    def _refund(self, amount_to_refund=None):
        """Never more than is left, pending requests included. A double click
        makes one request: the Refund wizard remembers the one it made."""
        if self.provider_code != "pagoefectivo":
            return super()._refund(amount_to_refund=amount_to_refund)
        self._pagoefectivo_lock_refunds()
        amount = self.currency_id.round(
            amount_to_refund or self._pagoefectivo_refund_left()
        )
        self._pagoefectivo_check_refundable(amount)
        return super()._refund(amount_to_refund=amount)

    def _send_refund_request(self):
        """No API: the request waits for the merchant to refund in PagoEfectivo's
        portal, with a deadline and an owner."""
        if self.provider_code != "pagoefectivo":
            return super()._send_refund_request()
        source = self.source_transaction_id
        provider = self.provider_id
        deadline = lima_date(fields.Datetime.now()) + timedelta(
            days=provider.pagoefectivo_refund_days
        )
        owner = provider.pagoefectivo_refund_user_id or self.env.user
        self.write(
            {
                "pagoefectivo_refund_deadline": deadline,
                "pagoefectivo_refund_owner_id": owner.id,
            }
        )
        instructions = self.env._(
            "Refund %(amount)s to %(customer)s for CIP %(cip)s in PagoEfectivo's "
            "portal (or by bank transfer) by %(deadline)s. PagoEfectivo's "
            "notification or settlement confirms it; otherwise mark it refunded "
            "with the portal's reference.",
            amount=self._pagoefectivo_refund_amount_text(),
            customer=self.partner_id.display_name or self.partner_name,
            cip=source.provider_reference,
            deadline=format_date(self.env, deadline),
        )
        self._set_pending(state_message=instructions)
        document = self._pagoefectivo_refund_document()
        if document:
            self.pagoefectivo_refund_activity_id = document.activity_schedule(
                "mail.mail_activity_data_todo",
                date_deadline=deadline,
                summary=self.env._(
                    "Refund %(amount)s through PagoEfectivo",
                    amount=self._pagoefectivo_refund_amount_text(),
                ),
                note=instructions,
                user_id=owner.id,
            )

    def action_pagoefectivo_withdraw_refund(self):
        """Withdraw pending refund requests (for whoever may change transactions:
        billing users, accountants)."""
        self.check_access("write")
        for tx in self.sudo():
            if not tx._pagoefectivo_is_refund_request():
                raise UserError(
                    self.env._(
                        "Only a pending PagoEfectivo refund request can be withdrawn: "
                        "%(reference)s is not one.",
                        reference=tx.reference,
                    )
                )
            # A confirmation under way makes this fail and retry, then refuse.
            tx.source_transaction_id._pagoefectivo_lock_refunds()
            message = self.env._(
                "Refund %(reference)s of %(amount)s withdrawn by %(user)s.",
                reference=tx.reference,
                amount=tx._pagoefectivo_refund_amount_text(),
                user=self.env.user.name,
            )
            tx._set_canceled(state_message=message)
            tx._pagoefectivo_close_refund_activity(message)
        return True

    def _pagoefectivo_is_refund_request(self):
        """A pending PagoEfectivo refund transaction."""
        self.ensure_one()
        return (
            self.provider_code == "pagoefectivo"
            and self.operation == "refund"
            and self.state == "pending"
        )

    def action_pagoefectivo_mark_refunded(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Mark as refunded"),
            "res_model": "pagoefectivo.refund.confirm",
            "view_mode": "form",
            "target": "new",
            "context": {"default_transaction_id": self.id},
        }

    # === CONFIRMATION === #

    @api.model
    def _pagoefectivo_confirm_refund(
        self,
        source_tx,
        amount,
        reference,
        refunded_at=None,
        source="settlement",
        request=None,
        payment=None,
        book_unrequested=True,
    ):
        """PagoEfectivo refunded `amount` of `source_tx`: the one entry point of
        the notification, the settlement report and the accountant.

        :param source_tx: the refunded (paid) PagoEfectivo transaction.
        :param float amount: the refunded amount, positive, in its currency.
        :param str reference: the source's reference of this refund; the same
            source and reference again change nothing.
        :param refunded_at: when it was refunded: a naive UTC datetime or a
            (Lima) date; now when empty.
        :param str source: "webhook", "settlement" or "manual".
        :param payment: an outbound payment an accountant made by hand for
            this refund: a refund no request asked for is recorded on it, with
            no second payment and no review.
        :param request: the pending refund it confirms, when the source knows it;
            else the oldest pending request of that amount, or the oldest of a
            larger one (PagoEfectivo may refund less than was asked).
        :param bool book_unrequested: book a refund no request asked for and
            no other source confirmed (a source that vouches for it on its
            own); else, without `payment`, book nothing and say so.
        :return: (outcome, refund transaction): "confirmed" (a request is done,
            its refund payment booked), "duplicate" (known already, nothing
            changed), "unrequested" (no request matched: a done refund was
            created, booked and flagged for review), "not_requested" (the same,
            not booked: `book_unrequested` is off; no transaction) or "exceeds"
            (more than is left to refund: nothing booked, flagged for review;
            no transaction).
        :raise UserError: the request was withdrawn, or is smaller than the
            amount; or this source's reference is known with another amount.

        Callers check rights or PagoEfectivo's signature first: this runs as
        superuser.
        """
        source_tx = source_tx.sudo()
        source_tx.ensure_one()
        source_tx._pagoefectivo_lock_refunds()
        currency = source_tx.currency_id
        amount = currency.round(amount)
        if currency.compare_amounts(amount, 0) <= 0:
            raise UserError(
                self.env._(
                    "A refund of %(amount)s of CIP %(cip)s cannot be confirmed: "
                    "nothing was refunded.",
                    amount=format_amount(self.env, amount, currency),
                    cip=source_tx.provider_reference,
                )
            )
        refunded_at = _as_datetime(refunded_at)
        Confirmation = self.env["pagoefectivo.refund.confirmation"].sudo()
        known = Confirmation.search(
            [
                ("source_transaction_id", "=", source_tx.id),
                ("source", "=", source),
                ("reference", "=", reference),
            ],
            limit=1,
        )
        if known and currency.compare_amounts(known.amount, amount):
            raise UserError(
                self.env._(
                    "%(origin)s %(reference)s was recorded for a refund of "
                    "%(known)s of CIP %(cip)s, and now says %(amount)s. Nothing was "
                    "booked: check the refund in PagoEfectivo's portal.",
                    origin=_source_label(Confirmation, source),
                    reference=reference,
                    known=format_amount(self.env, known.amount, currency),
                    cip=source_tx.provider_reference,
                    amount=format_amount(self.env, amount, currency),
                )
            )
        if known:
            return DUPLICATE, known.refund_transaction_id
        request = (request or self.browse()).sudo()
        if request:
            request._pagoefectivo_check_confirmable(amount)
        # The same refund reported by another source first.
        known_refund = request.filtered(lambda r: r.state == "done") or (
            not request
            and source_tx._pagoefectivo_refunds("done", amount).filtered(
                lambda r: (
                    source
                    not in r.pagoefectivo_refund_confirmation_ids.mapped("source")
                )
            )[:1]
        )
        if known_refund:
            known_refund._pagoefectivo_record_confirmation(
                source, reference, refunded_at
            )
            return DUPLICATE, known_refund
        pending = request or source_tx._pagoefectivo_pending_request_for(amount)
        if pending:
            pending._pagoefectivo_book_refund(amount, source, reference, refunded_at)
            pending._pagoefectivo_record_confirmation(source, reference, refunded_at)
            return CONFIRMED, pending
        left = source_tx._pagoefectivo_refund_left()
        if currency.compare_amounts(amount, left) > 0:
            source_tx._pagoefectivo_refund_alert(
                self.env._("PagoEfectivo refund exceeds the payment"),
                self.env._(
                    "PagoEfectivo reports a refund of %(amount)s for CIP %(cip)s "
                    "(%(origin)s %(reference)s), but only %(left)s is left to refund "
                    "on %(payment)s. Nothing was booked: check it in PagoEfectivo's "
                    "portal.",
                    amount=format_amount(self.env, amount, currency),
                    cip=source_tx.provider_reference,
                    origin=_source_label(Confirmation, source),
                    reference=reference,
                    left=format_amount(self.env, left, currency),
                    payment=source_tx.reference,
                ),
            )
            return EXCEEDS, self.browse()
        if not (book_unrequested or payment):
            return NOT_REQUESTED, self.browse()
        refund = source_tx._create_child_transaction(amount, is_refund=True)
        if payment:
            # Post-processing then books no other payment.
            refund.payment_id = payment
            payment.payment_transaction_id = refund
        refund._pagoefectivo_book_refund(amount, source, reference, refunded_at)
        refund._pagoefectivo_record_confirmation(source, reference, refunded_at)
        if payment:
            return CONFIRMED, refund
        source_tx._pagoefectivo_refund_alert(
            self.env._("PagoEfectivo refund not requested in Odoo"),
            self.env._(
                "PagoEfectivo refunded %(amount)s for CIP %(cip)s (%(origin)s "
                "%(reference)s) and no refund request asked for it: the refund "
                "%(refund)s was booked. Check why, and issue the credit note.",
                amount=format_amount(self.env, amount, currency),
                cip=source_tx.provider_reference,
                origin=_source_label(Confirmation, source),
                reference=reference,
                refund=refund.reference,
            ),
        )
        return UNREQUESTED, refund

    def _pagoefectivo_pending_request_for(self, amount):
        """The request a confirmation of `amount` answers: the oldest pending one
        of that amount, else the oldest larger one."""
        pending = self._pagoefectivo_refunds("pending")
        return (
            pending.filtered(
                lambda r: self.currency_id.compare_amounts(-r.amount, amount) == 0
            )[:1]
            or pending.filtered(
                lambda r: self.currency_id.compare_amounts(-r.amount, amount) > 0
            )[:1]
        )

    def _pagoefectivo_check_confirmable(self, amount):
        """This request may be confirmed for `amount` (or is confirmed already)."""
        self.ensure_one()
        if self.state not in ("pending", "done"):
            raise UserError(
                self.env._(
                    "Refund %(reference)s was withdrawn: it cannot be confirmed.",
                    reference=self.reference,
                )
            )
        if (
            self.state == "pending"
            and self.currency_id.compare_amounts(amount, -self.amount) > 0
        ):
            raise UserError(
                self.env._(
                    "Refund %(reference)s asked for %(requested)s: the refunded "
                    "amount must be at most that.",
                    reference=self.reference,
                    requested=self._pagoefectivo_refund_amount_text(),
                )
            )

    def _pagoefectivo_record_confirmation(self, source, reference, refunded_at):
        self.env["pagoefectivo.refund.confirmation"].sudo().create(
            {
                "source_transaction_id": self.source_transaction_id.id,
                "refund_transaction_id": self.id,
                "source": source,
                "reference": reference,
                "refunded_at": refunded_at,
                "amount": -self.amount,
            }
        )

    def _pagoefectivo_book_refund(self, amount, source, reference, refunded_at):
        """Done for the `amount` PagoEfectivo refunded, and its outbound payment
        booked (dated the Lima day of the refund, its memo the confirmation's
        reference) against the original payment. The reference is prefixed
        with its source: a bare number could be taken for a CIP."""
        requested = self._pagoefectivo_refund_amount_text()
        was_requested = self.state == "pending"
        self.write(
            {
                "amount": -amount,
                "provider_reference": f"{source}:{reference}",
                "pagoefectivo_paid_at": refunded_at,
            }
        )
        refunded = self._pagoefectivo_refund_amount_text()
        date = format_date(self.env, lima_date(refunded_at))
        if requested == refunded:
            message = self.env._(
                "PagoEfectivo refunded %(amount)s on %(date)s.",
                amount=refunded,
                date=date,
            )
        else:
            message = self.env._(
                "PagoEfectivo refunded %(refunded)s on %(date)s; %(requested)s was "
                "requested.",
                refunded=refunded,
                requested=requested,
                date=date,
            )
        self._set_done(state_message=message)
        self._post_process()
        self._pagoefectivo_close_refund_activity(message)
        if was_requested and self.provider_id.pagoefectivo_refund_notify_customer:
            self._pagoefectivo_send_refund_mail()

    def _pagoefectivo_send_refund_mail(self):
        template = self.env.ref(
            "pagoefectivo_payment.mail_template_refund_done", raise_if_not_found=False
        )
        if not (template and self.partner_email):
            return
        try:
            with self.env.cr.savepoint():
                template.sudo().send_mail(
                    self.id, email_layout_xmlid="mail.mail_notification_light"
                )
        except Exception:
            # The refund is booked all the same: only the courtesy email is lost.
            _logger.exception("Could not email the refund %s", self.reference)
            return
        self.with_context(payment_backend_action=True)._log_message_on_linked_documents(
            self.env._(
                "The customer was emailed that refund %(reference)s of %(amount)s "
                "was made (%(email)s).",
                reference=self.reference,
                amount=self._pagoefectivo_refund_amount_text(),
                email=self.partner_email,
            )
        )

    # === DEADLINES === #

    @api.model
    def _cron_pagoefectivo_refund_deadlines(self):
        """Remind the owner of a pending refund once before its deadline, and
        escalate once after it passed; one request failing stops no other."""
        today = lima_date(fields.Datetime.now())
        requests = self.search(
            Domain("provider_code", "=", "pagoefectivo")
            & Domain("operation", "=", "refund")
            & Domain("state", "=", "pending")
            & Domain("pagoefectivo_refund_deadline", "!=", False)
            & Domain("pagoefectivo_refund_escalated_at", "=", False)
        )
        providers = self.env["payment.provider"]
        providers._pagoefectivo_commit_progress(remaining=len(requests))
        for tx in requests:
            try:
                with self.env.cr.savepoint():
                    tx._pagoefectivo_follow_up_refund(today)
            except Exception:  # noqa: BLE001 - one request must not stop the others
                _logger.exception("Could not follow up the refund %s", tx.reference)
            if providers._pagoefectivo_commit_progress(1) <= 0:
                break

    def _pagoefectivo_follow_up_refund(self, today):
        deadline = self.pagoefectivo_refund_deadline
        if deadline < today:
            self._pagoefectivo_escalate_refund()
        elif not self.pagoefectivo_refund_reminded_at and today >= deadline - (
            timedelta(days=self.provider_id.pagoefectivo_refund_reminder_days)
        ):
            self._pagoefectivo_remind_refund()

    def _pagoefectivo_remind_refund(self):
        self.pagoefectivo_refund_reminded_at = fields.Datetime.now()
        self._pagoefectivo_notify_owner(
            self.env._(
                "Reminder: refund %(reference)s of %(amount)s for CIP %(cip)s is due "
                "by %(deadline)s. Refund it in PagoEfectivo's portal.",
                reference=self.reference,
                amount=self._pagoefectivo_refund_amount_text(),
                cip=self.pagoefectivo_refund_cip,
                deadline=format_date(self.env, self.pagoefectivo_refund_deadline),
            )
        )

    def _pagoefectivo_escalate_refund(self):
        note = self.env._(
            "Overdue: refund %(reference)s of %(amount)s for CIP %(cip)s was due by "
            "%(deadline)s and PagoEfectivo has not confirmed it. Refund it now, or "
            "mark it refunded if it was.",
            reference=self.reference,
            amount=self._pagoefectivo_refund_amount_text(),
            cip=self.pagoefectivo_refund_cip,
            deadline=format_date(self.env, self.pagoefectivo_refund_deadline),
        )
        self._pagoefectivo_notify_owner(note)
        self.write(
            {
                "pagoefectivo_refund_escalated_at": fields.Datetime.now(),
                "pagoefectivo_refund_escalation_id": self._pagoefectivo_refund_alert(
                    self.env._("PagoEfectivo refund overdue"), note
                ).id,
            }
        )

    def _pagoefectivo_notify_owner(self, message):
        document = self._pagoefectivo_refund_document()
        owner = self.pagoefectivo_refund_owner_id | self.create_uid
        if document:
            document.message_post(
                body=message,
                partner_ids=owner.partner_id.ids,
                subtype_xmlid="mail.mt_note",
            )

    # === HELPERS === #

    def _pagoefectivo_lock_refunds(self):
        """Serialize the refunds of this payment (requests, confirmations,
        withdrawals). An UPDATE, not a SELECT FOR UPDATE: whoever waited for
        it then fails to serialize and is retried with a fresh snapshot, instead
        of going on with one that misses what the holder just did. Same lock
        strength as the notification's FOR NO KEY UPDATE: no upgrade."""
        self.ensure_one()
        self.env.cr.execute(
            "UPDATE payment_transaction SET write_date = write_date WHERE id = %s",
            [self.id],
        )

    def _pagoefectivo_refunds(self, states, amount=None):
        """This payment's refunds in `states` (one or several), of `amount`
        when given, oldest first."""
        refunds = self.search(
            [
                ("source_transaction_id", "=", self.id),
                ("operation", "=", "refund"),
                ("state", "in", [states] if isinstance(states, str) else states),
            ],
            order="id",
        )
        if amount is None:
            return refunds
        return refunds.filtered(
            lambda r: self.currency_id.compare_amounts(-r.amount, amount) == 0
        )

    def _pagoefectivo_refund_left(self):
        """What can still be refunded: the payment less its refunds, done or
        pending."""
        self.ensure_one()
        if self.state != "done" or self.operation == "refund":
            return 0.0
        refunds = self._pagoefectivo_refunds(("done", "pending"))
        return self.currency_id.round(self.amount + sum(refunds.mapped("amount")))

    def _pagoefectivo_check_refundable(self, amount):
        left = self._pagoefectivo_refund_left()
        if (
            self.currency_id.compare_amounts(amount, 0) <= 0
            or self.currency_id.compare_amounts(amount, left) > 0
        ):
            raise ValidationError(
                self.env._(
                    "%(left)s is left to refund on %(reference)s (refunded or "
                    "requested already: %(taken)s). Refund at most that.",
                    left=format_amount(self.env, left, self.currency_id),
                    reference=self.reference,
                    taken=format_amount(self.env, self.amount - left, self.currency_id),
                )
            )

    def _pagoefectivo_refund_document(self):
        """Where a refund's activities and messages go: the refunded payment,
        else its invoice or order."""
        source = self.source_transaction_id or self
        return source.payment_id or source.invoice_ids[:1] or source.sale_order_ids[:1]

    def _pagoefectivo_refund_handler(self):
        """Who gets refund activities: the provider's refund user, else the
        request's owner (who asked for it), else an accounting manager of the
        company."""
        return (
            self.provider_id.pagoefectivo_refund_user_id
            or self.pagoefectivo_refund_owner_id
            or self.env["res.users"]
            .sudo()
            .search(
                [
                    (
                        "all_group_ids",
                        "in",
                        self.env.ref("account.group_account_manager").ids,
                    ),
                    ("company_ids", "in", self.company_id.ids),
                    ("share", "=", False),
                ],
                order="id",
                limit=1,
            )
        )

    def _pagoefectivo_refund_alert(self, summary, note):
        """An activity for whoever handles refunds, on the refunded payment;
        returns it."""
        document = self._pagoefectivo_refund_document()
        if not document:
            _logger.warning("%s: %s", summary, note)
            return self.env["mail.activity"]
        return document.activity_schedule(
            "mail.mail_activity_data_todo",
            summary=summary,
            note=note,
            user_id=self._pagoefectivo_refund_handler().id,
        )

    def _pagoefectivo_close_refund_activity(self, feedback):
        refund = self.sudo()
        activities = (
            (
                refund.pagoefectivo_refund_activity_id
                | refund.pagoefectivo_refund_escalation_id
            )
            .exists()
            .filtered("active")
        )
        if activities:
            activities.action_feedback(feedback=feedback)

    def _pagoefectivo_refund_amount_text(self):
        return format_amount(self.env, abs(self.amount), self.currency_id)


def _as_datetime(value):
    if not value:
        return fields.Datetime.now()
    if isinstance(value, datetime):
        return value
    if isinstance(value, date):
        return lima_day_start(value)
    return fields.Datetime.to_datetime(value)


def _source_label(confirmations, source):
    labels = confirmations._fields["source"]._description_selection(confirmations.env)
    return dict(labels).get(source, source)
