import logging
from collections import defaultdict

from odoo import models
from odoo.fields import Domain
from odoo.tools import SQL, split_every
from odoo.tools.misc import format_amount

from odoo.addons.pagoefectivo_payment import const as pe_const
from odoo.addons.pagoefectivo_payment.exceptions import PagoEfectivoError
from odoo.addons.pagoefectivo_payment.models.payment_provider_cron import (
    _as_number,
    _event_of,
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
        candidates = self.filtered(
            lambda op: first.get(op.cip) == op.id and not transactions.get(op)
        )._open_receivables_like()
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
                    candidates=candidates[op],
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
        refused = todo._confirm_transactions(transactions)
        for op, note in refused.items():
            outcomes[op] = op._exception("unverified", note, transactions[op])
        todo = todo.filtered(lambda op: op not in refused)
        done_txs = self.env["payment.transaction"].union(
            *(transactions[op] for op in todo if transactions[op].state == "done")
        )
        done_txs.filtered(lambda tx: not tx.payment_id)._pagoefectivo_create_payments()
        for op in todo:
            outcomes[op] = op._match_payment(transactions[op])
        return outcomes

    def _confirm_transactions(self, transactions):
        """Confirm the unconfirmed transactions of these paid CIPs once
        PagoEfectivo's API says they were paid: a file row alone never does.

        The CIPs are searched in batches at the API base that issued them; a
        paid result is applied as the notification PagoEfectivo should have
        sent, the same way the recovery job applies it.

        :return: {operation: why PagoEfectivo did not confirm it}
        """
        groups = defaultdict(list)
        for op in self:
            tx = transactions[op]
            if tx.state == "done":
                continue
            if op.currency_id.compare_amounts(op.gross, tx.amount):
                continue  # an amount mismatch, reported by _match_payment
            provider = tx.provider_id.sudo()
            groups[provider, tx.sudo()._pagoefectivo_recovery_base()].append(op.id)
        refused = {}
        for (provider, base), ids in groups.items():
            for batch in split_every(provider._pagoefectivo_search_batch_size(), ids):
                refused.update(
                    self.browse(batch)._confirm_with_search(
                        provider, base, transactions
                    )
                )
        return refused

    def _confirm_with_search(self, provider, base, transactions):
        """One search of these operations' CIPs at `base`; apply the payments
        PagoEfectivo confirms for the amount and currency of the transaction.

        :return: {operation: why PagoEfectivo did not confirm it}
        """
        payload = {"data": [{"cip": _as_number(cip)} for cip in self.mapped("cip")]}
        try:
            with self.env.cr.savepoint():
                reply = provider._pagoefectivo_request(
                    "POST", "cips/search", payload, base=base
                )
        except PagoEfectivoError as error:
            _logger.warning(
                "PagoEfectivo could not confirm %d paid CIPs of a file: %s",
                len(self),
                error,
            )
            return {
                op: self.env._(
                    "Not confirmed by PagoEfectivo: it could not be asked whether "
                    "CIP %(cip)s was paid (%(error)s). Reconcile Again asks again.",
                    cip=op.cip,
                    error=error.args[0],
                )
                for op in self
            }
        results = reply.get("data") if isinstance(reply, dict) else None
        if not isinstance(results, list):
            return {
                op: self.env._(
                    "Not confirmed by PagoEfectivo: its answer about CIP %(cip)s "
                    "could not be read. Reconcile Again asks again.",
                    cip=op.cip,
                )
                for op in self
            }
        by_cip = {}
        for result in results:
            if isinstance(result, dict):
                by_cip.setdefault(str(result.get("cip")), result)
        refused = {}
        for op in self:
            tx = transactions[op]
            result = by_cip.get(op.cip)
            problem = op._search_disagreement(tx, result)
            if problem:
                refused[op] = problem
                continue
            _logger.info(
                "PagoEfectivo confirms CIP %s of %s paid: applying it",
                op.cip,
                tx.reference,
            )
            provider._pagoefectivo_apply_search_result(tx.sudo(), result)
        return refused

    def _search_disagreement(self, tx, result):
        """Why PagoEfectivo's search result does not confirm this paid CIP for
        its transaction; empty when it does."""
        self.ensure_one()
        if result is None:
            return self.env._(
                "Not confirmed by PagoEfectivo: its search does not return CIP "
                "%(cip)s.",
                cip=self.cip,
            )
        if _event_of(result) != pe_const.EVENT_PAID:
            return self.env._(
                "Not confirmed by PagoEfectivo: CIP %(cip)s is not paid there "
                "(status: %(status)s).",
                cip=self.cip,
                status=result.get("statusName") or result.get("status"),
            )
        if tx.provider_reference != self.cip and (
            result.get("transactionCode") != tx.reference
        ):
            return self.env._(
                "Not confirmed by PagoEfectivo: CIP %(cip)s is for transaction "
                "code %(code)s, not %(reference)s.",
                cip=self.cip,
                code=result.get("transactionCode"),
                reference=tx.reference,
            )
        try:
            amount = float(result.get("amount"))
        except (TypeError, ValueError):
            amount = None
        if (
            result.get("currency") != tx.currency_id.name
            or amount is None
            or tx.currency_id.compare_amounts(amount, tx.amount)
        ):
            return self.env._(
                "Not confirmed by PagoEfectivo: CIP %(cip)s was paid %(amount)s "
                "%(currency)s there, not %(expected)s.",
                cip=self.cip,
                amount=result.get("amount"),
                currency=result.get("currency"),
                expected=format_amount(self.env, tx.amount, tx.currency_id),
            )
        return ""

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
        """{operation: Outcome}: a refund settles its customer's credit note or
        outbound refund payment of the same amount, each item once; one query
        per company and currency for all the refunds of a batch."""
        Line = self.env["account.move.line"]
        no_partner = self.env["res.partner"]
        partners = {
            op: transactions[op].partner_id.commercial_partner_id
            if op in transactions
            else no_partner
            for op in self
        }
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
        used = set()
        outcomes = {}
        for op in self:
            tx, partner = transactions.get(op), partners[op]
            if not partner:
                outcomes[op] = op._exception(
                    "refund_without_credit_note",
                    self.env._(
                        "Refund of unknown CIP %(cip)s: no customer to match.",
                        cip=op.cip,
                    ),
                )
                continue
            items = [
                line
                for line in open_items[op.company_id, op.currency_id, partner]
                if line.id not in used
            ]
            exact = next(
                (
                    line
                    for line in items
                    if not op.currency_id.compare_amounts(
                        line.amount_residual_currency, op.amount
                    )
                ),
                None,
            )
            if exact:
                used.add(exact.id)
                outcomes[op] = Outcome(targets=exact, transaction=tx, partner=partner)
                continue
            outcomes[op] = op._exception(
                "refund_without_credit_note",
                self.env._(
                    "Refund of %(amount)s for CIP %(cip)s has no credit note or "
                    "refund payment of that amount for %(partner)s.",
                    amount=op._money(-op.amount),
                    cip=op.cip,
                    partner=partner.display_name,
                ),
                tx,
                candidates=Line.union(*items[:CANDIDATE_LIMIT]),
            )
        return outcomes

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
