import json

from werkzeug.exceptions import BadRequest, Forbidden, RequestEntityTooLarge

from odoo import http
from odoo.http import request

from odoo.addons.payment.logging import get_payment_logger

from .. import const
from ..tools.signature import is_well_formed

_logger = get_payment_logger(__name__)

# Headers worth keeping with a notification; nothing secret travels in them.
KEPT_HEADERS = ("User-Agent", "Content-Type", "X-Forwarded-For", const.SIGNATURE_HEADER)


class PagoEfectivoController(http.Controller):
    @http.route(
        const.WEBHOOK_ROUTE, type="http", methods=["POST"], auth="public", csrf=False
    )
    def pagoefectivo_webhook(self):
        """Verify, store and apply a PagoEfectivo notification.

        403 without a valid signature, 400 for a body that is not a
        notification; otherwise the notification is kept and answered 200,
        even when it needs a human, since PagoEfectivo resending it would not help.
        """
        # A notification is a few hundred bytes: no HMAC over megabytes.
        if (request.httprequest.content_length or 0) > const.MAX_NOTIFICATION_BYTES:
            raise RequestEntityTooLarge()
        body = request.httprequest.get_data()
        signature = request.httprequest.headers.get(const.SIGNATURE_HEADER)
        if signature and not is_well_formed(signature):
            raise self._forbidden("malformed")
        provider, signing_key = self._provider_for(body, signature)
        payload = self._parse(body)
        headers = {
            name: request.httprequest.headers[name]
            for name in KEPT_HEADERS
            if name in request.httprequest.headers
        }
        headers["Remote-Addr"] = request.httprequest.remote_addr
        notification = (
            request.env["pagoefectivo.notification"]
            .sudo()
            ._receive(
                provider,
                payload,
                _body_text(body),
                headers,
                signed_with_previous_key=signing_key == "previous",
            )
        )
        return request.make_json_response(
            {"received": True, "state": notification.state}, status=200
        )

    def _provider_for(self, body, signature):
        """The provider whose key signed the body, and which of its keys.

        Providers sharing credentials all verify it: the one owning a
        transaction with the notified CIP gets it (else the first of them).
        """
        providers = (
            request.env["payment.provider"]
            .sudo()
            .search([("code", "=", "pagoefectivo"), ("state", "!=", "disabled")])
        )
        verified = [
            (provider, signing_key)
            for provider in providers
            if (signing_key := provider._pagoefectivo_signing_key(body, signature))
        ]
        if not verified:
            raise self._forbidden("invalid" if signature else "missing")
        if len(verified) > 1:
            payload = self._parse(body)
            transactions = request.env["payment.transaction"].sudo()
            for provider, signing_key in verified:
                if transactions._pagoefectivo_search_by_cip(payload, provider):
                    return provider, signing_key
        return verified[0]

    def _forbidden(self, why):
        """A 403 to raise, logged with why: missing, malformed or invalid."""
        _logger.warning(
            "Rejected a PagoEfectivo notification from %s: %s signature.",
            request.httprequest.remote_addr,
            why,
        )
        return Forbidden()

    def _parse(self, body):
        try:
            payload = json.loads(body)
        except (UnicodeDecodeError, ValueError):
            payload = None
        if not (
            isinstance(payload, dict)
            and payload.get("eventType")
            and isinstance(payload.get("data"), dict)
        ):
            _logger.warning(
                "Rejected a malformed PagoEfectivo notification: %r", body[:500]
            )
            raise BadRequest()
        return payload


def _body_text(body):
    """The received bytes as text for the audit trail; never fails.

    json.loads() also reads UTF-16/32: decode the same way, and keep any
    byte that is not text as an escape rather than lose the notification.
    """
    try:
        return body.decode(json.detect_encoding(body))
    except UnicodeDecodeError:
        return body.decode("utf-8", errors="backslashreplace")
