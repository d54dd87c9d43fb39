import logging
from collections import defaultdict

from odoo import models
from odoo.exceptions import UserError, ValidationError
from odoo.fields import Domain
from odoo.tools import SQL
from odoo.tools.misc import format_amount

from odoo.addons.pagoefectivo_payment.models.payment_transaction_refund import (
    EXCEEDS,
    NOT_REQUESTED,
)

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
        refunds = self.filtered(lambda o: o.kind == REFUND)
        outcomes.update(refunds._match_refunds(transactions))
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

    def _genuine_payment_ops(self, transactions):
        """{CIP: id of its genuine payment operation} in this batch's journals:
        of the rows that say a CIP was paid, the first one for its
        transaction's amount, else the first one. The others are duplicates,
        whichever file or row came first."""
        tx_of = {op.cip: transactions[op] for op in self if op in transactions}
        genuine = {}
        for op in self.search_fetch(
            Domain("kind", "=", PAYMENT)
            & Domain("journal_id", "in", self.journal_id.ids)
            & Domain("cip", "in", self.mapped("cip")),
            ["cip", "gross", "currency_id"],
            order="id",
        ):
            tx = tx_of.get(op.cip)
            fits = bool(
                tx
                and tx.currency_id == op.currency_id
                and not op.currency_id.compare_amounts(op.gross, tx.amount)
            )
            if op.cip not in genuine or (fits and not genuine[op.cip][1]):
                genuine[op.cip] = (op.id, fits)
        return {cip: op_id for cip, (op_id, _fits) in genuine.items()}

    # === PAYMENTS === #

    def _match_payments(self, transactions):
        outcomes = {}
        genuine = self._genuine_payment_ops(transactions)
        unknown = self.filtered(
            lambda op: genuine.get(op.cip) == op.id and not transactions.get(op)
        )
        unvouched = unknown._verify_unknown()
        candidates = unknown.filtered(
            lambda op: op not in unvouched
        )._open_receivables_like()
        todo = []
        for op in self:
            tx = transactions.get(op)
            if genuine.get(op.cip) != op.id:
                outcomes[op] = op._exception(
                    "duplicate",
                    self.env._(
                        "CIP %(cip)s was already paid in another row.", cip=op.cip
                    ),
                    tx,
                )
            elif op in unvouched:
                outcomes[op] = op._exception("unverified", unvouched[op])
            elif not tx:
                outcomes[op] = op._exception(
                    "unknown_cip",
                    self.env._(
                        "No PagoEfectivo transaction has CIP %(cip)s.", cip=op.cip
                    ),
                    candidates=candidates[op],
                )
            elif tx.currency_id != op.currency_id:
                outcomes[op] = op._currency_mismatch(tx)
            else:
                todo.append(op.id)
        todo = self.browse(todo)
        refused = todo._confirm_transactions(transactions)
        for op, note in refused.items():
            outcomes[op] = op._exception("unverified", note, transactions[op])
        todo = todo.filtered(lambda op: op not in refused)
        done_txs = self.env["payment.transaction"].union(
            *(transactions[op] for op in todo if transactions[op].state == "done")
        )
        errors = done_txs.filtered(
            lambda tx: tx._pagoefectivo_awaits_payment()
        )._pagoefectivo_create_payments()
        for op in todo:
            tx = transactions[op]
            outcomes[op] = op._match_payment(tx, errors.get(tx))
        return outcomes

    def _match_payment(self, tx, error=None):
        """`error`: why Odoo could not make the payment of `tx` just now."""
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
        if tx._pagoefectivo_awaits_payment():
            # Odoo's post-processing job (4 days) or Reconcile Again makes its
            # payment later: settling the invoice now would leave that payment
            # as a second credit.
            return self._exception(
                "not_confirmed",
                self.env._(
                    "Transaction %(reference)s is paid, but Odoo could not make "
                    "its payment: %(error)s. Fix the cause, then Reconcile Again; "
                    "do not write it off: the payment would credit the customer "
                    "a second time.",
                    reference=tx.reference,
                    error=error or self.env._("its payment is not made yet"),
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
        """Open items the paid CIP settles: its payment's, else (Odoo
        post-processed it without one) its invoices'."""
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
        """{operation: open customer items for its amount}: what each unknown
        CIP might pay, CANDIDATE_LIMIT at most each, in one query per company
        and currency however many unknown CIPs a batch has."""
        Line = self.env["account.move.line"]
        found = {}
        groups = self.grouped(lambda op: (op.company_id, op.currency_id))
        for (company, currency), ops in groups.items():
            query = Line._search(
                Domain("company_id", "=", company.id)
                & Domain("parent_state", "=", "posted")
                & Domain("reconciled", "=", False)
                & Domain("currency_id", "=", currency.id)
                & Domain(
                    "amount_residual_currency", "in", list(set(ops.mapped("amount")))
                )
                & (
                    Domain("account_type", "=", "asset_receivable")
                    | Domain("payment_id.outstanding_account_id", "!=", False)
                    & Domain("account_id.reconcile", "=", True)
                    & Domain("payment_id.payment_type", "=", "inbound")
                )
            )
            amount = Line._field_to_sql(query.table, "amount_residual_currency", query)
            ranked = query.select(
                SQL("%s AS id", SQL.identifier(query.table, "id")),
                SQL("%s AS amount", amount),
                SQL(
                    "ROW_NUMBER() OVER (PARTITION BY %s ORDER BY %s) AS rank",
                    amount,
                    Line._order_to_sql(Line._order, query),
                ),
            )
            by_amount = defaultdict(list)
            for line_id, value in self.env.execute_query(
                SQL(
                    "SELECT id, amount FROM (%s) AS ranked WHERE rank <= %s "
                    "ORDER BY rank",
                    ranked,
                    CANDIDATE_LIMIT,
                )
            ):
                by_amount[currency.round(value)].append(line_id)
            for op in ops:
                found[op] = Line.browse(by_amount[currency.round(op.amount)])
        return found

    # === REFUNDS === #

    def _match_refunds(self, transactions):
        """{operation: Outcome}: a refund PagoEfectivo vouches for (see
        `_verify_refunds`) and someone asked for in Odoo (else an exception:
        a file alone books no refund) confirms its CIP's refund in Odoo, as the payment
        addon's other sources do, once whichever comes first; the row then
        settles that refund's payment. Its customer's open credit notes and
        outbound refund payments of the same amount are the candidates when
        it cannot. One query per company and currency for a batch's refunds.
        """
        refused = self.filtered(lambda op: op in transactions)._verify_refunds(
            transactions
        )
        no_partner = self.env["res.partner"]
        partners = {
            op: transactions[op].partner_id.commercial_partner_id
            if op in transactions
            else no_partner
            for op in self
        }
        open_items = self._open_refund_items(partners)
        used = set()
        outcomes, confirmed = {}, {}
        for op in self:
            tx = transactions.get(op)
            if not partners[op]:
                outcomes[op] = op._exception(
                    "refund_without_credit_note",
                    self.env._(
                        "Refund of unknown CIP %(cip)s: no customer to match.",
                        cip=op.cip,
                    ),
                )
            elif op in refused:
                outcomes[op] = op._exception("unverified", refused[op], tx)
            elif tx.currency_id != op.currency_id:
                outcomes[op] = op._currency_mismatch(tx)
            elif tx.state != "done":
                outcomes[op] = op._exception(
                    "not_confirmed",
                    self.env._(
                        "Transaction %(reference)s is %(state)s: its refund is "
                        "confirmed once it is paid. Reconcile Again then.",
                        reference=tx.reference,
                        state=tx.state,
                    ),
                    tx,
                )
            elif op._emailed() and not tx._pagoefectivo_refunds("done", -op.amount):
                outcomes[op] = op._exception(
                    "not_confirmed",
                    self.env._(
                        "A refund row of an emailed file confirms no refund: mark "
                        "the refund of CIP %(cip)s refunded once PagoEfectivo's "
                        "portal shows it, then Reconcile Again.",
                        cip=op.cip,
                    ),
                    tx,
                )
            else:
                by_hand = op._refund_paid_by_hand(
                    tx, open_items[op.company_id, op.currency_id, partners[op]], used
                )
                if by_hand:
                    used.add(by_hand.id)
                confirmed[op] = op._confirm_refund(tx, by_hand.payment_id)
        settled = []
        for op, (outcome, refund_tx) in confirmed.items():
            items = open_items[op.company_id, op.currency_id, partners[op]]
            if refund_tx:
                settled += op._credit_note_pair(refund_tx, items, used)
            outcomes[op] = op._refund_outcome(
                transactions[op], outcome, refund_tx, items, used
            )
        if settled:
            self.env["account.move.line"]._reconcile_plan(settled)
        return outcomes

    def _refund_paid_by_hand(self, tx, items, used):
        """The open outbound payment an accountant made by hand for this
        refund, when Odoo has no refund of `tx` to confirm: the row settles
        it, instead of booking a second refund payment beside it."""
        no_line = self.env["account.move.line"]
        if tx._pagoefectivo_refunds(("pending", "done")):
            return no_line
        return next(
            (
                line
                for line in items
                if line.id not in used
                and line.payment_id
                and not line.payment_id.payment_transaction_id
                and not self.currency_id.compare_amounts(
                    line.amount_residual_currency, self.amount
                )
            ),
            no_line,
        )

    def _emailed(self):
        """Whether this row came in a file emailed to the journal: a From
        header vouches for nothing, so such a row books no refund."""
        return (self.settlement_id or self.import_id).source == "email"

    def _confirm_refund(self, tx, payment):
        """(outcome, refund transaction): this settlement row confirms its
        refund of `tx` (see `_pagoefectivo_confirm_refund`), on `payment` when
        an accountant paid it by hand; its row key is its reference, so the
        same row again confirms nothing more. (error, None) when Odoo could
        not book it."""
        self.ensure_one()
        try:
            with self.env.cr.savepoint():
                return self.env["payment.transaction"]._pagoefectivo_confirm_refund(
                    tx,
                    -self.amount,
                    self.unique_key,
                    refunded_at=self.date,
                    source="settlement",
                    payment=payment or None,
                    book_unrequested=False,  # a file alone vouches for none
                )
        except (UserError, ValidationError) as error:
            _logger.warning("Refund row %s of CIP %s: %s", self.id, self.cip, error)
            return error, self.env["payment.transaction"]

    def _refund_outcome(self, tx, outcome, refund_tx, items, used):
        """The row settles its refund's payment; an exception when nobody asked
        for that refund, PagoEfectivo refunded more than is left, or Odoo could
        not book it."""
        self.ensure_one()
        candidates = self.env["account.move.line"].union(
            *[line for line in items if line.id not in used][:CANDIDATE_LIMIT]
        )
        if outcome == NOT_REQUESTED:
            return self._exception(
                "not_confirmed",
                self.env._(
                    "The file reports a refund of %(amount)s of CIP %(cip)s that "
                    "nobody asked for in Odoo, and a file alone books no refund. "
                    "If PagoEfectivo's portal shows it, ask for it on the payment "
                    "(Refund) and Reconcile Again at once: this row then confirms "
                    "that request as done, and nobody refunds the customer twice.",
                    amount=self._money(-self.amount),
                    cip=self.cip,
                ),
                tx,
            )
        if outcome == EXCEEDS:
            return self._exception(
                "amount_mismatch",
                self.env._(
                    "PagoEfectivo refunded %(amount)s of CIP %(cip)s, more than the "
                    "%(left)s left to refund of %(reference)s: no refund was booked. "
                    "Check it in PagoEfectivo's portal.",
                    amount=self._money(-self.amount),
                    cip=self.cip,
                    left=self._money(tx._pagoefectivo_refund_left()),
                    reference=tx.reference,
                ),
                tx,
                candidates=candidates,
            )
        if not refund_tx:
            return self._exception(
                "not_confirmed",
                self.env._(
                    "The refund of %(amount)s of CIP %(cip)s could not be booked: "
                    "%(error)s",
                    amount=self._money(-self.amount),
                    cip=self.cip,
                    error=outcome.args[0] if outcome.args else outcome,
                ),
                tx,
                candidates=candidates,
            )
        targets = self._payment_lines(refund_tx)
        if len(targets) != 1 or self.currency_id.compare_amounts(
            targets.amount_residual_currency, self.amount
        ):
            return self._exception(
                "duplicate",
                self.env._(
                    "Refund %(reference)s of CIP %(cip)s has no open payment of "
                    "%(amount)s left: it was already reconciled.",
                    reference=refund_tx.reference,
                    cip=self.cip,
                    amount=self._money(-self.amount),
                ),
                tx,
            )
        return Outcome(targets=targets, transaction=tx, partner=tx.partner_id)

    def _credit_note_pair(self, refund_tx, items, used):
        """[the refund payment's receivable item and its customer's open credit
        note of the same amount], to reconcile together when nothing did (a
        refund asked from the credit note is reconciled with it when booked);
        [] when there is none. The batch's pairs are reconciled at once."""
        payment = refund_tx.payment_id
        receivable = payment.move_id.line_ids.filtered(
            lambda line: (
                line.account_id == payment.destination_account_id
                and line.account_type == "asset_receivable"
                and not line.reconciled
            )
        )
        if len(receivable) != 1:
            return []
        credit_note = next(
            (
                line
                for line in items
                if line.id not in used
                and line.move_id.move_type == "out_refund"
                and line.account_id == receivable.account_id
                and not self.currency_id.compare_amounts(
                    line.amount_residual_currency,
                    -receivable.amount_residual_currency,
                )
            ),
            None,
        )
        if not credit_note:
            return []
        used.add(credit_note.id)
        return [receivable | credit_note]

    def _open_refund_items(self, partners):
        """{(company, currency, customer): open credit notes and outbound
        customer payments, oldest first} of `partners` ({operation: customer})."""
        Line = self.env["account.move.line"]
        wanted = defaultdict(set)
        for op, partner in partners.items():
            if partner:
                wanted[op.company_id, op.currency_id].add(partner.id)
        open_items = defaultdict(list)
        for (company, currency), partner_ids in wanted.items():
            for line in Line.search(
                Domain("company_id", "=", company.id)
                & Domain("parent_state", "=", "posted")
                & Domain("reconciled", "=", False)
                & Domain("partner_id.commercial_partner_id", "in", list(partner_ids))
                & Domain("currency_id", "=", currency.id)
                & Domain("amount_residual_currency", "<", 0)
                & (
                    Domain("move_id.move_type", "=", "out_refund")
                    & Domain("account_type", "=", "asset_receivable")
                    | Domain("payment_id.payment_type", "=", "outbound")
                    & Domain("payment_id.partner_type", "=", "customer")
                    & Domain("account_type", "!=", "asset_receivable")
                ),
                order="date, id",
            ):
                key = (company, currency, line.partner_id.commercial_partner_id)
                open_items[key].append(line)
        return open_items

    # === HELPERS === #

    def _money(self, amount):
        return format_amount(self.env, amount, self.currency_id)

    def _currency_mismatch(self, tx):
        return self._exception(
            "currency_mismatch",
            self.env._(
                "The file says %(file)s, the transaction is in %(tx)s.",
                file=self.currency_id.name,
                tx=tx.currency_id.name,
            ),
            tx,
        )

    def _exception(self, reason, note, tx=None, candidates=None):
        return Outcome(
            reason=reason,
            note=note,
            transaction=tx,
            partner=tx.partner_id if tx else None,
            candidates=candidates,
        )
