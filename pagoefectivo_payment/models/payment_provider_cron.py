import json
from datetime import timedelta

from odoo import api, fields, models, modules
from odoo.fields import Domain

from odoo.addons.payment.logging import get_payment_logger

from .. import const
from ..exceptions import PagoEfectivoError
from ..tools.lima_time import format_lima, parse_lima, parse_lima_or_none

_logger = get_payment_logger(__name__)


class PaymentProvider(models.Model):
    _inherit = "payment.provider"

    # === RECOVERY OF LOST NOTIFICATIONS === #

    @api.model
    def _cron_pagoefectivo_recover(self):
        """Ask PagoEfectivo about the CIPs that may still change, each at the API
        base that issued it: apply the paid, cancel the expired and those it
        forgot, and find a late payment of a cancelled voucher.

        A batch that fails (PagoEfectivo, the database, a webhook racing this
        job) is logged and skipped, and the run goes on; a provider records the
        run only when all of its batches went through.
        """
        started = fields.Datetime.now()
        txs = (
            self.env["payment.transaction"]
            .sudo()
            .search(self._pagoefectivo_recovery_domain(), order="id")
        )
        providers = (
            self.sudo().search(
                [("code", "=", "pagoefectivo"), ("state", "!=", "disabled")]
            )
            | txs.provider_id
        )
        self._pagoefectivo_commit_progress(remaining=len(txs))
        for provider in providers:
            complete = True
            for base, batch in provider._pagoefectivo_recovery_batches(txs):
                if not provider._pagoefectivo_recover_batch(batch, base):
                    complete = False
                self._pagoefectivo_commit_progress(len(batch))
            if complete:
                provider._pagoefectivo_record_recovery(started)
        self._pagoefectivo_commit_progress(remaining=0)

    @api.model
    def _pagoefectivo_recovery_domain(self):
        """The transactions whose CIP may still change: the pending ones, and the
        cancelled ones whose expiry or cancellation is recent (a payment made at
        the last minute whose notification was lost)."""
        since = fields.Datetime.now() - timedelta(days=const.RECOVERY_LATE_PAYMENT_DAYS)
        recently_cancelled = (
            Domain("state", "=", "cancel")
            & (
                Domain("pagoefectivo_expiry", ">=", since)
                | Domain("last_state_change", ">=", since)
            )
            # Paid twice: PagoEfectivo has nothing more to say about it.
            & Domain(
                "pagoefectivo_notification_ids",
                "not any",
                Domain("review_reason", "=", "paid_twice"),
            )
        )
        return (
            Domain("provider_code", "=", "pagoefectivo")
            & Domain("operation", "!=", "refund")
            & Domain("provider_reference", "!=", False)
            & (Domain("state", "=", "pending") | recently_cancelled)
        )

    @api.model
    def _pagoefectivo_commit_progress(self, processed=0, remaining=None):
        """Commit the work done so far and report it; the seconds left to this
        run. Never inside a test: there it commits nothing and time is not up."""
        if modules.module.current_test:
            return float("inf")
        return self.env["ir.cron"]._commit_progress(processed, remaining=remaining)

    def _pagoefectivo_search_batch_size(self):
        return const.SEARCH_BATCH_SIZE

    def _pagoefectivo_recovery_batches(self, txs):
        """[(API base, transactions)]: this provider's among `txs`, grouped by the
        API base that issued their CIP, a search's worth each."""
        self.ensure_one()
        by_base = {}
        for tx in txs.filtered(lambda t: t.provider_id == self):
            by_base.setdefault(tx._pagoefectivo_recovery_base(), []).append(tx.id)
        size = self._pagoefectivo_search_batch_size()
        return [
            (base, txs.browse(ids[start : start + size]))
            for base, ids in by_base.items()
            for start in range(0, len(ids), size)
        ]

    def _pagoefectivo_recover_batch(self, txs, base=None):
        """Search these CIPs at `base` (default: the provider's current API base)
        and apply what PagoEfectivo says of those no one else is processing.

        :return: whether the batch went through; a failure is logged, not raised.
        """
        self.ensure_one()
        try:
            with self.env.cr.savepoint():
                by_cip, locked = self._pagoefectivo_search_and_lock(txs, base)
                self._pagoefectivo_apply_search_results(txs, by_cip, locked)
        except PagoEfectivoError as error:
            _logger.warning(
                "Recovery of %d CIPs of provider %s at %s failed: %s",
                len(txs),
                self.id,
                base,
                error.args[0],
            )
            return False
        except Exception as error:  # noqa: BLE001 - one batch must not stop the run
            _logger.exception(
                "Recovery of %d CIPs of provider %s at %s failed (%s); they are "
                "searched again next run.",
                len(txs),
                self.id,
                base,
                error,
            )
            return False
        return True

    def _pagoefectivo_search_cips(self, cips, base=None):
        """{CIP: PagoEfectivo's search result} for these CIPs at `base`
        (default: the provider's current API base); the CIPs it does not
        return are missing. The audit log keeps the call either way.

        :raise PagoEfectivoError: when the search fails or its reply has no
            list of results
        """
        self.ensure_one()
        payload = {"data": [{"cip": _as_number(cip)} for cip in cips]}
        reply = self._pagoefectivo_request("POST", "cips/search", payload, base=base)
        results = reply.get("data") if isinstance(reply, dict) else None
        if not isinstance(results, list):
            raise PagoEfectivoError(
                self.env._("PagoEfectivo's search reply has no list of results.")
            )
        by_cip = {}
        for result in results:
            if isinstance(result, dict):
                by_cip.setdefault(str(result.get("cip")), result)
        return by_cip

    def _pagoefectivo_search_and_lock(self, txs, base=None, cips=None):
        """Search the CIPs of `txs` at `base` (or `cips`, those a file pairs
        them with), then lock the transactions no one else holds.

        Whoever applies a search result (this recovery job, a file's
        confirmation in pagoefectivo_reconcile) applies it to the locked ones
        only: a webhook or another job processing one holds its row, and it is
        left to them, so that a payment is never applied twice.

        :return: ({CIP: search result}, the locked transactions, read afresh)
        :raise PagoEfectivoError: see `_pagoefectivo_search_cips`
        """
        by_cip = self._pagoefectivo_search_cips(
            cips or txs.mapped("provider_reference"), base
        )
        return by_cip, self._pagoefectivo_lock_for_recovery(txs)

    def _pagoefectivo_apply_search_results(self, txs, by_cip, locked):
        """Apply the search results to the `locked` transactions of `txs`; the
        others are being processed (a webhook) and are left to it."""
        if busy := txs - locked:
            _logger.info(
                "Recovery skipped %s: being processed right now, searched again "
                "next run.",
                ", ".join(busy.mapped("reference")),
            )
        for tx in locked:
            result = by_cip.get(tx.provider_reference)
            if result is None:
                self._pagoefectivo_cancel_forgotten(tx)
            else:
                self._pagoefectivo_apply_search_result(tx, result)

    def _pagoefectivo_lock_for_recovery(self, txs):
        """Lock the rows of `txs` no one else holds; return those, read afresh."""
        self.env.cr.execute(
            "SELECT id FROM payment_transaction WHERE id IN %s "
            "FOR NO KEY UPDATE SKIP LOCKED",
            [tuple(txs.ids)],
        )
        locked = txs.browse(row[0] for row in self.env.cr.fetchall())
        locked.invalidate_recordset()
        return txs.filtered(lambda tx: tx in locked)

    def _pagoefectivo_cancel_forgotten(self, tx):
        """Cancel a pending voucher the search no longer returns, a grace period
        after its expiry; before that, or without an expiry, it is left as is."""
        grace = timedelta(days=const.RECOVERY_GRACE_DAYS)
        if tx.state != "pending" or not tx.pagoefectivo_expiry:
            return
        if tx.pagoefectivo_expiry + grace > fields.Datetime.now():
            return
        _logger.info(
            "CIP %s of %s expired on %s and PagoEfectivo no longer returns it: "
            "cancelled.",
            tx.provider_reference,
            tx.reference,
            tx.pagoefectivo_expiry,
        )
        tx._set_canceled(
            state_message=self.env._(
                "PagoEfectivo no longer returns voucher %(cip)s, which expired on "
                "%(expiry)s (Lima time): cancelled %(days)s days after its expiry.",
                cip=tx.provider_reference,
                expiry=format_lima(tx.pagoefectivo_expiry),
                days=const.RECOVERY_GRACE_DAYS,
            )
        )

    def _pagoefectivo_record_recovery(self, when):
        """This provider's vouchers were all searched: the health tab shows it."""
        self.ensure_one()
        try:
            with self.env.cr.savepoint():
                self.sudo().pagoefectivo_last_recovery_at = when
        except Exception:  # noqa: BLE001 - e.g. the provider being saved right now
            _logger.exception("Could not record the recovery run of %s", self.id)

    def _pagoefectivo_apply_search_result(self, tx, result):
        """Turn a search result into the notification PagoEfectivo should have sent:
        for a cancelled voucher, only a payment (a late one) is news."""
        event = _event_of(result)
        if not event or tx.state not in ("pending", "cancel"):
            return
        if tx.state == "cancel" and event != const.EVENT_PAID:
            return
        payload = {
            "eventType": event,
            "data": {
                "cip": str(result.get("cip")),
                "currency": result.get("currency"),
                "amount": result.get("amount"),
                "transactionCode": result.get("transactionCode"),
                "paymentDate": result.get("datePayment"),
            },
        }
        self.env["pagoefectivo.notification"]._receive(
            self,
            payload,
            json.dumps(payload, ensure_ascii=False),
            source="recovery",
            transaction_id=tx.id,
        )

    # === AUDIT RETENTION === #

    @api.model
    def _cron_pagoefectivo_purge_audit(self):
        for provider in self.search([("code", "=", "pagoefectivo")]):
            cutoff = fields.Datetime.now() - timedelta(
                days=provider.pagoefectivo_log_retention_days or 730
            )
            base = Domain("provider_id", "=", provider.id)
            self.env["pagoefectivo.api.log"].sudo().search(
                base & Domain("create_date", "<", cutoff)
            ).unlink()
            # Those still waiting for a person stay, however old.
            self.env["pagoefectivo.notification"].sudo().search(
                base
                & Domain("received_at", "<", cutoff)
                & Domain("state", "!=", "review")
            ).unlink()
        # A replaced secret key is kept no longer than its grace period.
        providers = self.search([("code", "=", "pagoefectivo")])
        providers._pagoefectivo_drop_expired_previous_secret()


def _event_of(result):
    """The event a search result amounts to; None when the status says nothing sure
    (an unreadable payment or removal date included: asked again next run)."""
    try:
        if parse_lima(result.get("datePayment")):
            return const.EVENT_PAID
        if parse_lima(result.get("dateRemoval")):
            return const.EVENT_DELETED
    except ValueError as error:
        _logger.warning(
            "PagoEfectivo search result for CIP %s left for the next run: %s",
            result.get("cip"),
            error,
        )
        return None
    expiry = parse_lima_or_none(result.get("dateExpiry"))
    expired_name = str(result.get("statusName") or "").lower().startswith("expirad")
    if expired_name or (expiry and expiry <= fields.Datetime.now()):
        return const.EVENT_EXPIRED
    return None


def _as_number(cip):
    return int(cip) if str(cip).isdigit() else cip
