import logging

from odoo import api, models
from odoo.fields import Domain

_logger = logging.getLogger(__name__)


class PaymentTransaction(models.Model):
    _inherit = "payment.transaction"

    @api.model
    def _pagoefectivo_lookup(self, companies, cips, codes):
        """({CIP: tx}, {transaction code: tx}) of the companies' PagoEfectivo
        transactions with one of these CIPs or codes, in one query."""
        transactions = (
            self.sudo()
            .search(
                Domain("provider_code", "=", "pagoefectivo")
                & Domain("company_id", "in", companies.ids)
                & (
                    Domain("provider_reference", "in", list(cips))
                    | Domain("reference", "in", list(codes))
                )
            )
            .sudo(False)
        )
        by_cip = {tx.provider_reference: tx for tx in transactions}
        by_cip.pop(False, None)  # found by its code, without a CIP
        by_code = {tx.reference: tx for tx in transactions}
        return by_cip, by_code

    def _pagoefectivo_create_payments(self):
        """Post-process paid transactions that have no payment yet.

        A transaction whose post-processing fails keeps no payment: its CIP
        then settles its open invoice directly.
        """
        for tx in self:
            try:
                with self.env.cr.savepoint():
                    tx._post_process()
            except Exception:  # noqa: BLE001 - the invoice fallback takes over
                _logger.exception("Could not post-process transaction %s", tx.reference)
