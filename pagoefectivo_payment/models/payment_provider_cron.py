import json
from datetime import timedelta

from odoo import api, fields, models, modules
from odoo.fields import Domain

from odoo.addons.payment.logging import get_payment_logger

from .. import const
from ..exceptions import PagoEfectivoError
from ..tools.lima_time import parse_lima

_logger = get_payment_logger(__name__)


class PaymentProvider(models.Model):
    _inherit = "payment.provider"

    # === RECOVERY OF LOST NOTIFICATIONS === #

    @api.model
    def _cron_pagoefectivo_recover(self):
        """Ask PagoEfectivo about pending CIPs: apply the paid, cancel the expired."""
        pending = self.env["payment.transaction"].search(
            [
                ("provider_code", "=", "pagoefectivo"),
                ("state", "=", "pending"),
                ("provider_reference", "!=", False),
            ]
        )
        for provider in pending.provider_id:
            txs = pending.filtered(lambda tx, p=provider: tx.provider_id == p)
            size = provider._pagoefectivo_search_batch_size()
            for start in range(0, len(txs), size):
                batch = txs[start : start + size]
                try:
                    provider._pagoefectivo_recover_batch(batch)
                except PagoEfectivoError as error:
                    _logger.warning(
                        "Recovery of %d CIPs of provider %s failed: %s",
                        len(batch),
                        provider.id,
                        error.args[0],
                    )
                if not modules.module.current_test:
                    self.env["ir.cron"]._commit_progress(len(batch))
        self.env["ir.config_parameter"].sudo().set_param(
            "pagoefectivo_payment.last_recovery",
            fields.Datetime.to_string(fields.Datetime.now()),
        )

    def _pagoefectivo_search_batch_size(self):
        return const.SEARCH_BATCH_SIZE

    def _pagoefectivo_recover_batch(self, txs):
        payload = {"data": [{"cip": _as_number(tx.provider_reference)} for tx in txs]}
        reply = self._pagoefectivo_request("POST", "cips/search", payload)
        by_cip = {tx.provider_reference: tx for tx in txs}
        for result in reply.get("data") or []:
            tx = by_cip.get(str(result.get("cip")))
            if tx:
                self._pagoefectivo_apply_search_result(tx, result)

    def _pagoefectivo_apply_search_result(self, tx, result):
        """Turn a search result into the notification PagoEfectivo should have sent."""
        event = _event_of(result)
        if not event:
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
            self, payload, json.dumps(payload, ensure_ascii=False), source="recovery"
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
            self.env["pagoefectivo.notification"].sudo().search(
                base & Domain("received_at", "<", cutoff)
            ).unlink()


def _event_of(result):
    """The event a search result amounts to; None when the status says nothing sure."""
    if parse_lima(result.get("datePayment")):
        return const.EVENT_PAID
    if parse_lima(result.get("dateRemoval")):
        return const.EVENT_DELETED
    expiry = parse_lima(result.get("dateExpiry"))
    expired_name = str(result.get("statusName") or "").lower().startswith("expirad")
    if expired_name or (expiry and expiry <= fields.Datetime.now()):
        return const.EVENT_EXPIRED
    return None


def _as_number(cip):
    return int(cip) if str(cip).isdigit() else cip
