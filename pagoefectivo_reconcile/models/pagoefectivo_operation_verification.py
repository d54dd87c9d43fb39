"""What PagoEfectivo's API says of the CIPs a file reports.

A file row alone confirms no payment and settles no refund: PagoEfectivo's
search (`POST /v1/cips/search`), asked in batches at the API base that issued
each CIP, must vouch for it. A paid result confirms its transaction the way
the payment addon's recovery job does, through the same search and under the
same row locks (`payment.provider._pagoefectivo_search_and_lock`): whichever
of a file, the job or a webhook comes first applies the payment, once.

The search says nothing of refunds: its results have the same fields whether
a CIP was refunded or not (API doc, section 3; so does the emulator). A refund
row is vouched for when PagoEfectivo reports its CIP paid, in the row's
currency, for at least what the files say was refunded of it.
"""

import logging
from collections import defaultdict

from odoo import models
from odoo.fields import Domain
from odoo.tools import split_every
from odoo.tools.misc import format_amount

from odoo.addons.pagoefectivo_payment import const as pe_const
from odoo.addons.pagoefectivo_payment.exceptions import PagoEfectivoError
from odoo.addons.pagoefectivo_payment.models.payment_provider_cron import _event_of

from ..tools.report_rows import REFUND

_logger = logging.getLogger(__name__)


class PagoEfectivoOperation(models.Model):
    _inherit = "pagoefectivo.operation"

    def _search_batches(self, transactions):
        """[(provider, API base, operations)]: these operations by the provider
        and API base of their transaction's CIP, a search's worth each."""
        groups = defaultdict(list)
        for op in self:
            tx = transactions[op].sudo()
            groups[tx.provider_id, tx._pagoefectivo_recovery_base()].append(op.id)
        return [
            (provider, base, self.browse(batch))
            for (provider, base), ids in groups.items()
            for batch in split_every(provider._pagoefectivo_search_batch_size(), ids)
        ]

    # === PAYMENTS === #

    def _confirm_transactions(self, transactions):
        """Confirm the unconfirmed transactions of these paid CIPs once
        PagoEfectivo's API says they were paid: a file row alone never does.

        :return: {operation: why PagoEfectivo did not confirm it}
        """
        todo = self.filtered(
            lambda op: (
                transactions[op].state != "done"
                # An amount mismatch is reported by _match_payment.
                and not op.currency_id.compare_amounts(
                    op.gross, transactions[op].amount
                )
            )
        )
        refused = {}
        for provider, base, ops in todo._search_batches(transactions):
            refused.update(ops._confirm_with_search(provider, base, transactions))
        return refused

    def _confirm_with_search(self, provider, base, transactions):
        """One search of these operations' CIPs at `base`; apply the payments
        PagoEfectivo confirms for the amount and currency of the transaction,
        to the transactions no one else is processing right now.

        :return: {operation: why PagoEfectivo did not confirm it}
        """
        txs = self.env["payment.transaction"].union(*(transactions[op] for op in self))
        try:
            with self.env.cr.savepoint():
                by_cip, locked = provider._pagoefectivo_search_and_lock(
                    txs.sudo(), base, self.mapped("cip")
                )
        except PagoEfectivoError as error:
            return self._unanswered(error)
        refused = {}
        for op in self:
            tx = transactions[op]
            if tx not in locked:
                refused[op] = self.env._(
                    "Not confirmed by PagoEfectivo yet: a notification or the "
                    "recovery job is applying what PagoEfectivo says of CIP "
                    "%(cip)s right now. Reconcile Again shows the outcome.",
                    cip=op.cip,
                )
                continue
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

    # === REFUNDS === #

    def _verify_refunds(self, transactions):
        """{refund operation: why PagoEfectivo does not vouch for it}: its CIP
        must be paid there, in its currency, for at least what its refunds in
        this journal add up to."""
        refunded = {
            (journal, cip): -total
            for journal, cip, total in self._read_group(
                Domain("kind", "=", REFUND)
                & Domain("journal_id", "in", self.journal_id.ids)
                & Domain("cip", "in", self.mapped("cip")),
                ["journal_id", "cip"],
                ["amount:sum"],
            )
        }
        refused = {}
        for provider, base, ops in self._search_batches(transactions):
            try:
                with self.env.cr.savepoint():
                    by_cip = provider._pagoefectivo_search_cips(ops.mapped("cip"), base)
            except PagoEfectivoError as error:
                refused.update(ops._unanswered(error))
                continue
            for op in ops:
                problem = op._search_disagreement(
                    transactions[op],
                    by_cip.get(op.cip),
                    refunded[op.journal_id, op.cip],
                )
                if problem:
                    refused[op] = problem
        return refused

    # === UNKNOWN CIPS === #

    def _verify_unknown(self):
        """{operation: why PagoEfectivo does not vouch for it} for paid CIPs no
        transaction has: before anyone settles an invoice with one, its CIP
        must be paid at PagoEfectivo, in the row's currency, for its amount.
        Searched at each provider of the file's environment."""
        Transaction = self.env["payment.transaction"]
        refused = {}
        for company, ops in self.grouped("company_id").items():
            providers, _environment = Transaction._pagoefectivo_file_providers(company)
            if not providers:
                refused.update(
                    ops._unanswered(
                        PagoEfectivoError(
                            self.env._("no PagoEfectivo provider is set up")
                        )
                    )
                )
                continue
            found, failure = {}, None
            for provider in providers:
                base = provider._pagoefectivo_api_base()
                for cips in split_every(
                    provider._pagoefectivo_search_batch_size(), ops.mapped("cip")
                ):
                    try:
                        with self.env.cr.savepoint():
                            for cip, result in provider._pagoefectivo_search_cips(
                                cips, base
                            ).items():
                                found.setdefault(cip, result)
                    except PagoEfectivoError as error:
                        failure = error
            for op in ops:
                if op.cip not in found and failure:
                    refused.update(op._unanswered(failure))
                    continue
                problem = op._search_disagreement(None, found.get(op.cip))
                if problem:
                    refused[op] = problem
        return refused

    # === WHAT PAGOEFECTIVO SAID === #

    def _unanswered(self, error):
        """{operation: note} when PagoEfectivo could not be asked about them."""
        _logger.warning(
            "PagoEfectivo could not vouch for %d CIPs of a file: %s", len(self), error
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

    def _search_disagreement(self, tx, result, refunded=None):
        """Why PagoEfectivo's search result does not vouch for this row: a
        paid CIP for its transaction, or a refund of `refunded` in all of a
        CIP; empty when it does."""
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
        try:
            amount = float(result.get("amount"))
        except (TypeError, ValueError):
            amount = None
        if self.kind == REFUND:
            if (
                result.get("currency") != self.currency_id.name
                or amount is None
                or self.currency_id.compare_amounts(amount, refunded) < 0
            ):
                return self.env._(
                    "Not confirmed by PagoEfectivo: CIP %(cip)s was paid "
                    "%(amount)s %(currency)s there, which does not cover the "
                    "%(refunded)s the files refund of it.",
                    cip=self.cip,
                    amount=result.get("amount"),
                    currency=result.get("currency"),
                    refunded=self._money(refunded),
                )
            return ""
        if (
            tx
            and tx.provider_reference != self.cip
            and (result.get("transactionCode") != tx.reference)
        ):
            return self.env._(
                "Not confirmed by PagoEfectivo: CIP %(cip)s is for transaction "
                "code %(code)s, not %(reference)s.",
                cip=self.cip,
                code=result.get("transactionCode"),
                reference=tx.reference,
            )
        # Paid for its transaction's amount; an unknown CIP, for the row's.
        currency = tx.currency_id if tx else self.currency_id
        expected = tx.amount if tx else self.gross
        if (
            result.get("currency") != currency.name
            or amount is None
            or currency.compare_amounts(amount, expected)
        ):
            return self.env._(
                "Not confirmed by PagoEfectivo: CIP %(cip)s was paid %(amount)s "
                "%(currency)s there, not %(expected)s.",
                cip=self.cip,
                amount=result.get("amount"),
                currency=result.get("currency"),
                expected=format_amount(self.env, expected, currency),
            )
        return ""
