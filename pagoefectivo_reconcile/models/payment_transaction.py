import logging

from odoo import models

_logger = logging.getLogger(__name__)


class PaymentTransaction(models.Model):
    _inherit = "payment.transaction"

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
