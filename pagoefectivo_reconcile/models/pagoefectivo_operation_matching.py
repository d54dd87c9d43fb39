import json
import logging

from odoo import models
from odoo.fields import Domain
from odoo.tools.misc import format_amount

from odoo.addons.pagoefectivo_payment import const as pe_const
from odoo.addons.pagoefectivo_payment.tools.lima_time import to_lima_iso

from ..tools.report_rows import DEPOSIT, PAYMENT, REFUND
from .reconcile_outcome import Outcome

_logger = logging.getLogger(__name__)

CANDIDATE_LIMIT = 5


class PagoEfectivoOperation(models.Model):
    _inherit = "pagoefectivo.operation"

    def _match(self):
        """{operation: Outcome} for operations of one journal, a few queries a batch."""
        outcomes = {}
        journal = self.journal_id
        for op in self.filtered(lambda o: o.kind == DEPOSIT):
            if op.overlap:
                outcomes[op] = op._exception("duplicate", op.overlap)
            else:
                outcomes[op] = Outcome(account=journal.pagoefectivo_transfer_account_id)
        payments = self.filtered(lambda o: o.kind == PAYMENT)
        transactions = self._find_transactions()
        outcomes.update(payments._match_payments(transactions))
        for op in self.filtered(lambda o: o.kind == REFUND):
            outcomes[op] = op._match_refund(transactions.get(op))
        return outcomes

    # === TRANSACTIONS === #

    def _find_transactions(self):
        """{operation: payment.transaction} by CIP, then by transaction code."""
        by_cip, by_code = self.env["payment.transaction"]._pagoefectivo_lookup(
            self.company_id,
            set(self.mapped("cip")) - {False},
            set(self.mapped("transaction_code")) - {False},
        )
        found = {}
        for op in self:
            tx = by_cip.get(op.cip)
            if not tx:
                tx = by_code.get(op.transaction_code)
                if tx and tx.provider_reference not in (False, op.cip):
                    tx = None  # that order was paid with another CIP
            if tx:
                found[op] = tx
        return found

    def _first_payment_ops(self):
        """{cip: id of the first payment operation} in this batch's journals."""
        groups = self._read_group(
            Domain("kind", "=", PAYMENT)
            & Domain("journal_id", "in", self.journal_id.ids)
            & Domain("cip", "in", self.mapped("cip")),
            ["cip"],
            ["id:min"],
        )
        return dict(groups)

    # === PAYMENTS === #

    def _match_payments(self, transactions):
        outcomes = {}
        first = self._first_payment_ops()
        todo = []
        for op in self:
            tx = transactions.get(op)
            if first.get(op.cip) != op.id:
                outcomes[op] = op._exception(
                    "duplicate",
                    self.env._(
                        "CIP %(cip)s was already paid in another row.", cip=op.cip
                    ),
                    tx,
                )
            elif not tx:
                outcomes[op] = op._exception(
                    "unknown_cip",
                    self.env._(
                        "No PagoEfectivo transaction has CIP %(cip)s.", cip=op.cip
                    ),
                    candidates=op._open_receivables_like(),
                )
            elif tx.currency_id != op.currency_id:
                outcomes[op] = op._exception(
                    "currency_mismatch",
                    self.env._(
                        "The file says %(file)s, the transaction is in %(tx)s.",
                        file=op.currency_id.name,
                        tx=tx.currency_id.name,
                    ),
                    tx,
                )
            else:
                todo.append(op.id)
        todo = self.browse(todo)
        todo._confirm_transactions(transactions)
        done_txs = self.env["payment.transaction"].union(
            *(transactions[op] for op in todo if transactions[op].state == "done")
        )
        done_txs.filtered(lambda tx: not tx.payment_id)._pagoefectivo_create_payments()
        for op in todo:
            outcomes[op] = op._match_payment(transactions[op])
        return outcomes

    def _confirm_transactions(self, transactions):
        """Apply the payment the notification should have brought, as a recovery."""
        for op in self:
            tx = transactions[op]
            if tx.state == "done":
                continue
            if op.currency_id.compare_amounts(op.gross, tx.amount):
                continue  # an amount mismatch, reported by _match_payment
            payload = {
                "eventType": pe_const.EVENT_PAID,
                "data": {
                    "cip": op.cip,
                    "currency": op.currency_id.name,
                    "amount": op.gross,
                    "transactionCode": op.transaction_code or tx.reference,
                    "paymentDate": to_lima_iso(op.date),
                },
            }
            _logger.info(
                "Confirming transaction %s from PagoEfectivo file row", tx.reference
            )
            self.env["pagoefectivo.notification"].sudo()._receive(
                tx.provider_id, payload, json.dumps(payload), source="recovery"
            )

    def _match_payment(self, tx):
        self.ensure_one()
        if tx.state != "done":
            if self.currency_id.compare_amounts(self.gross, tx.amount):
                return self._amount_exception(
                    tx, tx.amount, self.env["account.move.line"]
                )
            return self._exception(
                "not_confirmed",
                self.env._(
                    "Transaction %(reference)s is %(state)s and could not be "
                    "confirmed.",
                    reference=tx.reference,
                    state=tx.state,
                ),
                tx,
            )
        targets = self._payment_lines(tx)
        if not targets:
            return self._exception(
                "duplicate",
                self.env._(
                    "Transaction %(reference)s has no open payment or invoice left: it "
                    "was already reconciled.",
                    reference=tx.reference,
                ),
                tx,
            )
        expected = sum(targets.mapped("amount_residual_currency"))
        difference = self.currency_id.round(self.amount - expected)
        if self.currency_id.is_zero(difference):
            return Outcome(targets=targets, transaction=tx, partner=tx.partner_id)
        if (
            self.currency_id.compare_amounts(
                abs(difference), self.journal_id.pagoefectivo_tolerance
            )
            <= 0
        ):
            return Outcome(
                targets=targets,
                transaction=tx,
                partner=tx.partner_id,
                writeoff_reason=self.env._(
                    "CIP %(cip)s paid %(paid)s, expected %(expected)s",
                    cip=self.cip,
                    paid=self._money(self.amount),
                    expected=self._money(expected),
                ),
            )
        return self._amount_exception(tx, expected, targets)

    def _amount_exception(self, tx, expected, candidates):
        return self._exception(
            "amount_mismatch",
            self.env._(
                "CIP %(cip)s was paid %(paid)s; Odoo expects %(expected)s, beyond the "
                "tolerance of %(tolerance)s.",
                cip=self.cip,
                paid=self._money(self.gross),
                expected=self._money(expected),
                tolerance=self._money(self.journal_id.pagoefectivo_tolerance),
            ),
            tx,
            candidates=candidates,
        )

    def _payment_lines(self, tx):
        """Open items the paid CIP settles: its payment's, else its invoices'."""
        payment = tx.payment_id
        if payment:
            return payment.move_id.line_ids.filtered(
                lambda line: (
                    line.account_id == payment.outstanding_account_id
                    and not line.reconciled
                )
            )
        return tx.invoice_ids.filtered(
            lambda move: move.state == "posted"
        ).line_ids.filtered(
            lambda line: line.account_type == "asset_receivable" and not line.reconciled
        )

    def _open_receivables_like(self):
        """Open customer items for the same amount: what an unknown CIP might pay."""
        return self.env["account.move.line"].search(
            Domain("company_id", "=", self.company_id.id)
            & Domain("parent_state", "=", "posted")
            & Domain("reconciled", "=", False)
            & Domain("currency_id", "=", self.currency_id.id)
            & Domain("amount_residual_currency", "=", self.amount)
            & (
                Domain("account_type", "=", "asset_receivable")
                | Domain("payment_id.outstanding_account_id", "!=", False)
                & Domain("account_id.reconcile", "=", True)
                & Domain("payment_id.payment_type", "=", "inbound")
            ),
            limit=CANDIDATE_LIMIT,
        )

    # === REFUNDS === #

    def _match_refund(self, tx):
        """A refund settles the customer's credit note or an outbound refund payment."""
        self.ensure_one()
        partner = tx.partner_id.commercial_partner_id if tx else self.env["res.partner"]
        if not partner:
            return self._exception(
                "refund_without_credit_note",
                self.env._(
                    "Refund of unknown CIP %(cip)s: no customer to match.", cip=self.cip
                ),
            )
        open_items = self.env["account.move.line"].search(
            Domain("company_id", "=", self.company_id.id)
            & Domain("parent_state", "=", "posted")
            & Domain("reconciled", "=", False)
            & Domain("partner_id.commercial_partner_id", "=", partner.id)
            & Domain("currency_id", "=", self.currency_id.id)
            & Domain("amount_residual_currency", "<", 0)
            & (
                Domain("move_id.move_type", "=", "out_refund")
                & Domain("account_type", "=", "asset_receivable")
                | Domain("payment_id.payment_type", "=", "outbound")
                & Domain("payment_id.partner_type", "=", "customer")
                & Domain("account_type", "!=", "asset_receivable")
            ),
            order="date, id",
        )
        exact = open_items.filtered(
            lambda line: (
                not self.currency_id.compare_amounts(
                    line.amount_residual_currency, self.amount
                )
            )
        )[:1]
        if exact:
            return Outcome(targets=exact, transaction=tx, partner=partner)
        return self._exception(
            "refund_without_credit_note",
            self.env._(
                "Refund of %(amount)s for CIP %(cip)s has no credit note or refund "
                "payment of that amount for %(partner)s.",
                amount=self._money(-self.amount),
                cip=self.cip,
                partner=partner.display_name,
            ),
            tx,
            candidates=open_items[:CANDIDATE_LIMIT],
        )

    # === HELPERS === #

    def _money(self, amount):
        return format_amount(self.env, amount, self.currency_id)

    def _exception(self, reason, note, tx=None, candidates=None):
        return Outcome(
            reason=reason,
            note=note,
            transaction=tx,
            partner=tx.partner_id if tx else None,
            candidates=candidates,
        )
