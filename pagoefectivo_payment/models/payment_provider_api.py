import json
import time
from datetime import timedelta

import requests

from odoo import fields, models

from odoo.addons.payment.logging import get_payment_logger

from .. import const
from ..exceptions import PagoEfectivoError
from ..tools.lima_time import parse_lima, to_lima_iso
from ..tools.masking import mask_secrets
from ..tools.signature import authorization_hash

_logger = get_payment_logger(__name__)

# Tokens live in the worker's memory, never in the database nor a browser.
_TOKEN_CACHE = {}
TOKEN_MARGIN = timedelta(seconds=30)


class PaymentProvider(models.Model):
    _inherit = "payment.provider"

    def _build_request_url(self, endpoint, **kwargs):
        if self.code != "pagoefectivo":
            return super()._build_request_url(endpoint, **kwargs)
        return f"{self._pagoefectivo_api_base()}/{endpoint.lstrip('/')}"

    def _pagoefectivo_api_base(self):
        base = self.pagoefectivo_base_url or const.API_BASE_URLS.get(
            self.state, const.API_BASE_URLS["test"]
        )
        return base.rstrip("/")

    # === TOKEN === #

    def _pagoefectivo_token_key(self):
        return (
            self.env.cr.dbname,
            self.id,
            self._pagoefectivo_api_base(),
            self.pagoefectivo_service_id,
            self.pagoefectivo_access_key,
            self.pagoefectivo_secret_key,
        )

    def _pagoefectivo_get_token(self, force=False):
        """A valid bearer token, from the cache until `tokenExpires`."""
        key = self._pagoefectivo_token_key()
        cached = _TOKEN_CACHE.get(key)
        if cached and not force and cached[1] - TOKEN_MARGIN > fields.Datetime.now():
            return cached[0]
        date_request = to_lima_iso(fields.Datetime.now())
        payload = {
            "accessKey": self.pagoefectivo_access_key,
            "idService": int(self.pagoefectivo_service_id),
            "dateRequest": date_request,
            "hashString": authorization_hash(
                self.pagoefectivo_service_id,
                self.pagoefectivo_access_key,
                self.pagoefectivo_secret_key,
                date_request,
            ),
        }
        reply = self._pagoefectivo_request(
            "POST", "authorizations", payload, authorized=False
        )
        data = reply.get("data") or {}
        expires = parse_lima(data.get("tokenExpires"))
        if not data.get("token") or not expires:
            raise PagoEfectivoError(
                self.env._("PagoEfectivo answered without a usable token."),
                status=201,
            )
        _TOKEN_CACHE[key] = (data["token"], expires)
        return data["token"]

    def _pagoefectivo_forget_token(self):
        _TOKEN_CACHE.pop(self._pagoefectivo_token_key(), None)

    # === REQUESTS === #

    def _pagoefectivo_request(
        self, method, endpoint, payload=None, *, authorized=True, tx=None
    ):
        """Call the API and return its JSON reply.

        Throttling (429), unavailability (5xx gateways) and network errors are
        retried with a bounded backoff; a 401 renews the token once. Every
        attempt lands in the audit log with its secrets masked.

        :raise PagoEfectivoError: when the call finally fails.
        """
        self.ensure_one()
        url = self._build_request_url(endpoint)
        token_renewed = False
        attempt = 0
        while True:
            attempt += 1
            headers = {"Content-Type": "application/json", "Accept-Language": "es-PE"}
            if authorized:
                headers["Authorization"] = f"Bearer {self._pagoefectivo_get_token()}"
                headers["Origin"] = "web"
            response = self._pagoefectivo_send(method, url, payload, headers, tx=tx)
            status = response.status_code if response is not None else None
            if status == 401 and authorized and not token_renewed:
                token_renewed = True
                self._pagoefectivo_forget_token()
                continue
            retryable = status is None or status in const.RETRY_STATUSES
            if retryable and attempt < const.MAX_ATTEMPTS:
                time.sleep(self._pagoefectivo_backoff(attempt, response))
                continue
            return self._pagoefectivo_parse_reply(method, endpoint, response)

    def _pagoefectivo_backoff(self, attempt, response):
        delay = const.BACKOFF_SECONDS[min(attempt, len(const.BACKOFF_SECONDS)) - 1]
        retry_after = response is not None and response.headers.get("Retry-After")
        if retry_after and retry_after.isdigit():
            delay = min(int(retry_after), const.BACKOFF_SECONDS[-1])
        return delay

    def _pagoefectivo_send(self, method, url, payload, headers, *, tx=None):
        """One HTTP exchange, logged; None when the network failed."""
        started = time.monotonic()
        response = error = None
        try:
            response = requests.request(
                method,
                url,
                json=payload,
                headers=headers,
                timeout=const.REQUEST_TIMEOUT,
            )
        except requests.exceptions.RequestException as exc:
            error = str(exc)
        duration_ms = int((time.monotonic() - started) * 1000)
        _logger.info(
            "PagoEfectivo %s %s -> %s in %d ms (tx %s)",
            method,
            url,
            response.status_code if response is not None else error,
            duration_ms,
            tx.reference if tx else "-",
        )
        self.env["pagoefectivo.api.log"].sudo().create(
            {
                "provider_id": self.id,
                "transaction_id": tx.id if tx else False,
                "reference": tx.reference if tx else False,
                "cip": (tx and tx.provider_reference) or _replied_cip(response),
                "method": method,
                "url": url,
                "request_body": _dump(mask_secrets(payload)) if payload else False,
                "status_code": response.status_code if response is not None else 0,
                "response_body": _response_text(response),
                "error": error,
                "duration_ms": duration_ms,
            }
        )
        return response

    def _pagoefectivo_parse_reply(self, method, endpoint, response):
        if response is None:
            raise PagoEfectivoError(
                self.env._(
                    "Could not reach PagoEfectivo at %(url)s.",
                    url=self._pagoefectivo_api_base(),
                )
            )
        try:
            reply = response.json()
        except ValueError:
            reply = {}
        if response.status_code < 400:
            return reply
        codes = _error_codes(reply)
        _logger.warning(
            "PagoEfectivo refused %s %s: HTTP %s, codes %s, %s",
            method,
            endpoint,
            response.status_code,
            codes,
            reply.get("message") or response.text[:200],
        )
        raise PagoEfectivoError(
            self.env._(
                "PagoEfectivo refused the request (HTTP %(status)s): %(detail)s",
                status=response.status_code,
                detail=_error_detail(reply) or response.text[:200],
            ),
            status=response.status_code,
            codes=codes,
        )


def _dump(value):
    return json.dumps(value, ensure_ascii=False, indent=1)


def _response_text(response):
    if response is None:
        return False
    try:
        return _dump(mask_secrets(response.json()))
    except ValueError:
        return response.text[:2000]


def _replied_cip(response):
    """The CIP a reply names, so that the call that issued it is found by it."""
    try:
        data = response.json().get("data")
    except (AttributeError, ValueError):
        return False
    return isinstance(data, dict) and data.get("cip") and str(data["cip"])


def _error_items(reply):
    data = reply.get("data")
    return (
        [item for item in data if isinstance(item, dict)]
        if isinstance(data, list)
        else []
    )


def _error_codes(reply):
    codes = [str(reply["code"])] if reply.get("code") is not None else []
    return codes + [str(item.get("code")) for item in _error_items(reply)]


def _error_detail(reply):
    details = [
        " ".join(filter(None, [str(item.get("code")), item.get("field")]))
        + f": {item.get('message') or ''}"
        for item in _error_items(reply)
    ]
    head = " ".join(filter(None, [str(reply.get("code") or ""), reply.get("message")]))
    return "; ".join(filter(None, [head, *details]))
