from datetime import timedelta

from odoo import api, fields, models
from odoo.fields import Domain

from odoo.addons.payment.logging import get_payment_logger

_logger = get_payment_logger(__name__)

# What became of a voucher, for the Vouchers list.
VOUCHER_STATES = [
    ("live", "Awaiting payment"),
    ("paid", "Paid"),
    ("expired", "Expired"),
    ("withdrawn", "Withdrawn"),
]

# Expired vouchers are followed up when they expired this recently: older ones
# (e.g. when the module is installed) are left alone.
EXPIRY_FOLLOW_UP_DAYS = 7


class PaymentTransaction(models.Model):
    """Invoice vouchers after issuing: replaced when the invoice's amount due
    changes, renewed (or handed to the salesperson) when they expire unpaid."""

    _inherit = "payment.transaction"

    pagoefectivo_for_amount_due = fields.Boolean(
        string="For the Amount Due",
        help="Made for what its invoice asked then (not for a part the customer "
        "chose): replaced when that changes, if the provider says so.",
        readonly=True,
        copy=False,
    )
    pagoefectivo_replace_pending = fields.Boolean(
        string="To Replace",
        help="Its invoice's amount due changed: the follow-up job issues a code "
        "for the new amount due.",
        readonly=True,
        copy=False,
        index=True,
    )
    pagoefectivo_renewal_of_id = fields.Many2one(
        "payment.transaction",
        string="Renews Voucher",
        help="The expired voucher of the same invoice this one was issued for.",
        readonly=True,
        copy=False,
        index="btree_not_null",
    )
    pagoefectivo_expiry_handled = fields.Boolean(
        string="Expiry Followed Up",
        help="Its expiry was seen: renewed, or the salesperson told, for an "
        "invoice still due.",
        readonly=True,
        copy=False,
    )
    pagoefectivo_voucher_state = fields.Selection(
        selection=VOUCHER_STATES,
        string="Code Status",
        compute="_compute_pagoefectivo_voucher_state",
        store=True,
    )
    pagoefectivo_invoice_due_date = fields.Date(
        string="Invoice Due Date",
        compute="_compute_pagoefectivo_invoice_due_date",
        search="_search_pagoefectivo_invoice_due_date",
    )

    @api.depends(
        "provider_code",
        "operation",
        "provider_reference",
        "state",
        "last_state_change",
        "pagoefectivo_expiry",
        "pagoefectivo_expiry_handled",
    )
    def _compute_pagoefectivo_voucher_state(self):
        for tx in self:
            tx.pagoefectivo_voucher_state = tx._pagoefectivo_voucher_state()

    def _pagoefectivo_voucher_state(self):
        self.ensure_one()
        if not (
            self.provider_code == "pagoefectivo"
            and self.operation != "refund"
            and self.provider_reference
        ):
            return False
        if self.state == "done":
            return "paid"
        if self.state == "pending":
            return "expired" if self.pagoefectivo_expiry_handled else "live"
        if self.state == "cancel":
            return "expired" if self._pagoefectivo_cancelled_expired() else "withdrawn"
        return False

    def _pagoefectivo_cancelled_expired(self):
        """Cancelled once expired (by the recovery job, or replaced by a
        renewal), not withdrawn while it could still be paid."""
        return bool(
            self.pagoefectivo_expiry
            and self.last_state_change
            and self.last_state_change >= self.pagoefectivo_expiry
        )

    def _compute_pagoefectivo_invoice_due_date(self):
        for tx in self:
            tx.pagoefectivo_invoice_due_date = tx.invoice_ids[:1].invoice_date_due

    def _search_pagoefectivo_invoice_due_date(self, operator, value):
        return [("invoice_ids.invoice_date_due", operator, value)]

    @api.model_create_multi
    def create(self, vals_list):
        txs = super().create(vals_list)
        for tx in txs:
            invoice = tx._pagoefectivo_own_invoice()
            if invoice and not tx.currency_id.compare_amounts(
                tx.amount, invoice._pagoefectivo_amount_to_ask()
            ):
                tx.pagoefectivo_for_amount_due = True
        return txs

    def _pagoefectivo_own_invoice(self):
        """The one customer invoice this voucher is for, not an order's, in
        sudo (billing users and customers read invoices, not always payments);
        else an empty recordset."""
        self.ensure_one()
        tx = self.sudo()
        invoice = tx.invoice_ids
        if (
            tx.provider_code != "pagoefectivo"
            or tx.operation == "refund"
            or tx.sale_order_ids
            or len(invoice) != 1
            or invoice.move_type != "out_invoice"
            or invoice.currency_id != tx.currency_id
        ):
            return self.env["account.move"].sudo()
        return invoice

    # === THE FOLLOW-UP JOB === #

    @api.model
    def _cron_pagoefectivo_follow_up_invoice_vouchers(self):
        """Replace the invoice vouchers no longer for their invoice's amount due
        (where the provider says so), then renew the expired ones or tell the
        salesperson; one invoice failing (PagoEfectivo down) stops no other."""
        self._pagoefectivo_replace_outdated()
        self._pagoefectivo_follow_up_expired()

    @api.model
    def _pagoefectivo_replace_outdated(self):
        """Issue codes for the new amount due of the invoices whose amount due
        changed while they had a code for it."""
        self._pagoefectivo_follow_up_each(
            self.search([("pagoefectivo_replace_pending", "=", True)], order="id"),
            "_pagoefectivo_replace_for_amount_due",
        )

    @api.model
    def _pagoefectivo_follow_up_expired(self):
        """Renew, or hand to the salesperson, the invoice codes that expired
        unpaid lately: pending past their expiry, or cancelled once expired."""
        now = fields.Datetime.now()
        # An invoice's codes, not an order's.
        expired = self.search(
            Domain("provider_code", "=", "pagoefectivo")
            & Domain("operation", "!=", "refund")
            & Domain("provider_reference", "!=", False)
            & Domain("invoice_ids", "!=", False)
            & Domain("sale_order_ids", "=", False)
            & Domain("state", "in", ("pending", "cancel"))
            & Domain("pagoefectivo_expiry_handled", "=", False)
            & Domain("pagoefectivo_expiry", "<=", now)
            & Domain(
                "pagoefectivo_expiry", ">=", now - timedelta(days=EXPIRY_FOLLOW_UP_DAYS)
            ),
            order="id",
        )
        unpaid = expired.filtered(
            lambda tx: tx.state == "pending" or tx._pagoefectivo_cancelled_expired()
        )
        self._pagoefectivo_follow_up_each(unpaid, "_pagoefectivo_follow_up_expiry")

    @api.model
    def _pagoefectivo_follow_up_each(self, txs, method):
        """Call `method` on each of `txs` in its own savepoint, committing as
        the other jobs do."""
        providers = self.env["payment.provider"]
        providers._pagoefectivo_commit_progress(remaining=len(txs))
        for tx in txs:
            try:
                with self.env.cr.savepoint():
                    getattr(tx, method)()
            except Exception:  # noqa: BLE001 - one invoice must not stop the others
                _logger.exception("Could not follow up the voucher %s", tx.reference)
            if providers._pagoefectivo_commit_progress(1) <= 0:
                break

    def _pagoefectivo_replace_for_amount_due(self):
        """Issue a code for the invoice's new amount due, which withdraws this
        one (unless the job deleting withdrawn vouchers withdrew it already).
        Nothing due any more: that job withdraws it. PagoEfectivo down: tried
        again next run, until this code expires."""
        self.ensure_one()
        self.pagoefectivo_replace_pending = False
        invoice = self._pagoefectivo_own_invoice()
        now = fields.Datetime.now()
        if (
            not invoice
            or self.state not in ("pending", "cancel")
            or not self.pagoefectivo_expiry
            or self.pagoefectivo_expiry <= now
            or not self.currency_id.compare_amounts(
                self.amount, invoice._pagoefectivo_amount_to_ask()
            )
        ):
            return
        if invoice._pagoefectivo_nothing_due():
            self.env.ref("pagoefectivo_payment.cron_delete_withdrawn")._trigger()
            return
        [result] = invoice._pagoefectivo_issue_vouchers()
        if result["status"] == "failed":
            # Not tried again: each try would leave a failed payment and its
            # messages on the invoice. A code asking more than is due is
            # withdrawn all the same (see _pagoefectivo_withdraw_outdated).
            invoice._message_log(
                body=self.env._(
                    "PagoEfectivo code %(cip)s no longer asks for the amount due, "
                    "and no code could be issued for it: %(reason)s",
                    cip=self.provider_reference,
                    reason=result["reason"],
                )
            )
            return
        if result["status"] == "issued":
            invoice._message_log(
                body=self.env._(
                    "Its amount due changed: PagoEfectivo code %(new_cip)s replaces "
                    "code %(cip)s.",
                    new_cip=result["transaction"].sudo().provider_reference,
                    cip=self.provider_reference,
                )
            )
        elif self.state == "pending" and result["transaction"] != self:
            # Not replaced (e.g. PagoEfectivo does not take the new amount): a
            # code for another amount must not be paid.
            self._pagoefectivo_withdraw(
                self.env._("It no longer asks for the invoice's amount due.")
            )
            invoice._message_log(
                body=self.env._(
                    "PagoEfectivo code %(cip)s was withdrawn: it no longer asked "
                    "for the amount due, and no new code was issued: %(reason)s",
                    cip=self.provider_reference,
                    reason=result["reason"],
                )
            )

    def _pagoefectivo_follow_up_expiry(self):
        """Renew this expired voucher if its invoice is still due and the
        provider says so, else tell the salesperson."""
        self.ensure_one()
        invoice = self._pagoefectivo_own_invoice()
        if not invoice or invoice._pagoefectivo_nothing_due():
            self.pagoefectivo_expiry_handled = True
            return
        now = fields.Datetime.now()
        if self._pagoefectivo_live_siblings().filtered(
            lambda tx: tx.pagoefectivo_expiry and tx.pagoefectivo_expiry > now
        ):
            self.pagoefectivo_expiry_handled = True  # a new code was issued meanwhile
            return
        provider = self.provider_id
        renewals = invoice._pagoefectivo_renewal_count()
        problem = ""
        if (
            provider.pagoefectivo_invoice_renew
            and renewals < provider.pagoefectivo_invoice_renewals_max
        ):
            [result] = invoice._pagoefectivo_issue_vouchers()
            if result["status"] == "issued":
                self._pagoefectivo_renewed_by(result["transaction"])
                return
            if result["status"] == "reused":  # a new code was issued meanwhile
                self.pagoefectivo_expiry_handled = True
                return
            # A renewal that failed is not tried again (each try would leave a
            # failed payment on the invoice): the salesperson is told.
            problem = result["reason"]
        self.pagoefectivo_expiry_handled = True
        invoice._pagoefectivo_expired_voucher_activity(self, renewals, problem)

    def _pagoefectivo_renewed_by(self, renewal):
        self.pagoefectivo_expiry_handled = True
        renewal = renewal.sudo()
        renewal.pagoefectivo_renewal_of_id = self
        renewal.invoice_ids._message_log(
            body=self.env._(
                "PagoEfectivo code %(cip)s expired unpaid: it was renewed with code "
                "%(new_cip)s.",
                cip=self.provider_reference,
                new_cip=renewal.provider_reference,
            )
        )
