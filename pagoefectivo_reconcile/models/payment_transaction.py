import logging

import psycopg2

from odoo import api, models
from odoo.exceptions import UserError
from odoo.fields import Domain

from odoo.addons.pagoefectivo_payment import const as pe_const

_logger = logging.getLogger(__name__)
# Which of several transactions with one CIP or code a file row is about.
_PREFERENCE = {"done": 0, "pending": 1, "authorized": 1}


class PaymentTransaction(models.Model):
    _inherit = "payment.transaction"

    @api.model
    def _pagoefectivo_lookup(self, companies, cips, codes):
        """({CIP: tx}, {transaction code: tx}) of the companies' PagoEfectivo
        transactions with one of these CIPs or codes, in one query.

        Only those of the environment the companies' files come from (see
        `_pagoefectivo_file_domain`): sandbox and production CIP numbers
        overlap. Of several with one CIP or code, the paid one, else a live
        one (pending, authorized), else the newest.
        """
        transactions = (
            self.sudo()
            .search(
                Domain.OR(self._pagoefectivo_file_domain(c) for c in companies)
                & (
                    Domain("provider_reference", "in", list(cips))
                    | Domain("reference", "in", list(codes))
                ),
                order="id desc",
            )
            .sorted(lambda tx: _PREFERENCE.get(tx.state, len(_PREFERENCE)))
            .sudo(False)
        )
        by_cip, by_code = {}, {}
        for tx in transactions:
            if tx.provider_reference:  # else found by its code, without a CIP
                by_cip.setdefault(tx.provider_reference, tx)
            by_code.setdefault(tx.reference, tx)
        return by_cip, by_code

    @api.model
    def _pagoefectivo_file_providers(self, company):
        """(providers, environment): the company's PagoEfectivo providers of
        the environment its files come from: production, unless its providers
        are in test mode and none is enabled."""
        providers = (
            self.env["payment.provider"]
            .sudo()
            .search(
                Domain("code", "=", "pagoefectivo")
                & Domain("company_id", "=", company.id)
                & Domain("state", "!=", "disabled")
            )
        )
        environment = (
            "test"
            if providers and all(p.state == "test" for p in providers)
            else "enabled"
        )
        return providers.filtered(lambda p: p.state == environment), environment

    @api.model
    def _pagoefectivo_file_domain(self, company):
        """The company's transactions a PagoEfectivo file may be about.

        Its files are production ones unless its PagoEfectivo providers are in
        test mode and none is enabled. A transaction is of that environment
        (one issued in the other never is; one from before the environment
        was recorded, when its provider is not in the other one now), and
        issued at an API base its providers of that environment use now, as
        the payment addon finds a notification's transaction
        (`_pagoefectivo_search_by_cip`).
        """
        providers, environment = self._pagoefectivo_file_providers(company)
        other = "enabled" if environment == "test" else "test"
        bases = {provider._pagoefectivo_api_base() for provider in providers} or {
            pe_const.API_BASE_URLS[environment].rstrip("/")
        }
        return (
            Domain("provider_code", "=", "pagoefectivo")
            & Domain("company_id", "=", company.id)
            & (
                Domain("pagoefectivo_environment", "=", environment)
                | Domain("pagoefectivo_environment", "=", False)
                & Domain("provider_id.state", "!=", other)
            )
            & Domain("pagoefectivo_api_base", "in", [False, *bases])
        )

    def _pagoefectivo_awaits_payment(self):
        """Whether this transaction (one, or none) is paid and its payment is
        still to be made by Odoo's post-processing."""
        return (
            self.state == "done" and not self.payment_id and not self.is_post_processed
        )

    def _pagoefectivo_create_payments(self):
        """Post-process paid transactions that have no payment yet.

        A transaction whose post-processing fails keeps no payment and stays
        to post-process (Odoo's post-processing job and Reconcile Again try it
        again), and its CIP waits for that payment (see `_match_payment`).
        Database conflicts are raised: the caller's transaction is retried.

        :return: {transaction: why its post-processing failed}
        """
        errors = {}
        for tx in self:
            try:
                with self.env.cr.savepoint():
                    tx._post_process()
            except psycopg2.OperationalError:
                raise
            except Exception as error:  # noqa: BLE001 - the CIP waits for the payment
                _logger.exception("Could not post-process transaction %s", tx.reference)
                errors[tx] = (
                    error.args[0]
                    if isinstance(error, UserError) and error.args
                    else type(error).__name__
                )
        return errors
