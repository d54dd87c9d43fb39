import json
import time
from datetime import timedelta

import psycopg2
import requests
import urllib3

from odoo import SUPERUSER_ID, api, fields, models

from odoo.addons.payment.logging import get_payment_logger

from .. import const
from ..exceptions import PagoEfectivoError, PagoEfectivoUnknownOutcome
from ..tools.lima_time import parse_lima_or_none, to_lima_iso
from ..tools.masking import mask_secrets
from ..tools.signature import authorization_hash

_logger = get_payment_logger(__name__)

# Tokens live in the worker's memory, never in the database nor a browser.
_TOKEN_CACHE = {}
TOKEN_MARGIN = timedelta(seconds=30)


class PaymentProvider(models.Model):
    _inherit = "payment.provider"

    def _build_request_url(self, endpoint, base=None, **kwargs):
        if self.code != "pagoefectivo":
            return super()._build_request_url(endpoint, **kwargs)
        base = (base or self._pagoefectivo_api_base()).rstrip("/")
        return f"{base}/{endpoint.lstrip('/')}"

    def _pagoefectivo_api_base(self):
        # The API boundary: credentials and base URL are for administrators only.
        provider = self.sudo()
        base = provider.pagoefectivo_base_url or const.API_BASE_URLS.get(
            provider.state, const.API_BASE_URLS["test"]
        )
        return base.rstrip("/")

    # === TOKEN === #

    def _pagoefectivo_token_key(self, base=None):
        provider = self.sudo()
        return (
            self.env.cr.dbname,
            self.id,
            (base or self._pagoefectivo_api_base()).rstrip("/"),
            provider.pagoefectivo_service_id,
            provider.pagoefectivo_access_key,
            provider.pagoefectivo_secret_key,
        )

    def _pagoefectivo_get_token(self, force=False, *, base=None, deadline=None):
        """A valid bearer token, from the cache until `tokenExpires`."""
        key = self._pagoefectivo_token_key(base)
        cached = _TOKEN_CACHE.get(key)
        if cached and not force and cached[1] - TOKEN_MARGIN > fields.Datetime.now():
            return cached[0]
        provider = self.sudo()
        date_request = to_lima_iso(fields.Datetime.now())
        payload = {
            "accessKey": provider.pagoefectivo_access_key,
            "idService": int(provider.pagoefectivo_service_id),
            "dateRequest": date_request,
            "hashString": authorization_hash(
                provider.pagoefectivo_service_id,
                provider.pagoefectivo_access_key,
                provider.pagoefectivo_secret_key,
                date_request,
            ),
        }
        reply = self._pagoefectivo_request(
            "POST",
            "authorizations",
            payload,
            authorized=False,
            base=base,
            deadline=deadline,
        )
        data = reply.get("data") or {}
        expires = parse_lima_or_none(data.get("tokenExpires"))
        if not data.get("token") or not expires:
            raise PagoEfectivoError(
                self.env._("PagoEfectivo answered without a usable token."),
                status=201,
            )
        _TOKEN_CACHE[key] = (data["token"], expires)
        return data["token"]

    def _pagoefectivo_forget_token(self, base=None):
        _TOKEN_CACHE.pop(self._pagoefectivo_token_key(base), None)

    # === REQUESTS === #

    def _pagoefectivo_request(
        self,
        method,
        endpoint,
        payload=None,
        *,
        authorized=True,
        tx=None,
        base=None,
        deadline=None,
    ):
        """Call the API and return its JSON reply, within REQUEST_DEADLINE seconds
        in all and without ever sleeping (a database transaction is open).

        A request that cannot act twice (a token, a search, a PATCH, a DELETE)
        is sent again at once after a network error or an unavailable gateway;
        a POST that creates a CIP never is: when it may have reached
        PagoEfectivo without an answer, PagoEfectivoUnknownOutcome says so.
        A 401 renews the token once: PagoEfectivo did nothing with the request.
        Every attempt lands in the audit log with its secrets masked.

        :raise PagoEfectivoError: when the call finally fails.
        """
        self.ensure_one()
        url = self._build_request_url(endpoint, base=base)
        deadline = deadline or time.monotonic() + const.REQUEST_DEADLINE
        repeatable = method != "POST" or endpoint in const.REPEATABLE_POSTS
        token_renewed = False
        attempt = 0
        while True:
            attempt += 1
            headers = {"Content-Type": "application/json", "Accept-Language": "es-PE"}
            if authorized:
                token = self._pagoefectivo_get_token(base=base, deadline=deadline)
                headers["Authorization"] = f"Bearer {token}"
                headers["Origin"] = "web"
            timeout = min(const.REQUEST_TIMEOUT, deadline - time.monotonic())
            if timeout < const.MIN_ATTEMPT_SECONDS:
                raise PagoEfectivoError(
                    self.env._(
                        "PagoEfectivo did not answer in time at %(url)s.", url=url
                    )
                )
            response, sent = self._pagoefectivo_send(
                method, url, payload, headers, tx=tx, timeout=timeout
            )
            status = response.status_code if response is not None else None
            if status == 401 and authorized and not token_renewed:
                token_renewed = True
                self._pagoefectivo_forget_token(base=base)
                continue
            unanswered = status is None or status in const.UNAVAILABLE_STATUSES
            if unanswered and sent and not repeatable:
                raise PagoEfectivoUnknownOutcome(
                    self.env._(
                        "PagoEfectivo may have processed %(method)s %(url)s, but "
                        "its answer did not arrive.",
                        method=method,
                        url=url,
                    ),
                    status=status,
                )
            if unanswered and attempt < const.MAX_ATTEMPTS:
                continue
            return self._pagoefectivo_parse_reply(method, endpoint, response)

    def _pagoefectivo_send(self, method, url, payload, headers, *, tx=None, timeout):
        """One HTTP exchange, logged: (the response or None, whether the request
        may have reached PagoEfectivo)."""
        started = time.monotonic()
        response = error = None
        sent = True
        try:
            response = requests.request(
                method, url, json=payload, headers=headers, timeout=timeout
            )
        except requests.exceptions.RequestException as exc:
            error = str(exc)
            sent = not _never_sent(exc)
        duration_ms = int((time.monotonic() - started) * 1000)
        _logger.info(
            "PagoEfectivo %s %s -> %s in %d ms (tx %s)",
            method,
            url,
            response.status_code if response is not None else error,
            duration_ms,
            tx.reference if tx else "-",
        )
        self._pagoefectivo_log_call(
            {
                "provider_id": self.id,
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
        return response, sent

    def _pagoefectivo_log_call(self, values):
        """Write the audit log on a cursor of its own: it must outlive a rollback
        of the caller, which is exactly when a CIP may exist at PagoEfectivo.

        That cursor sees only committed data: a provider created in the
        caller's uncommitted transaction cannot be logged there, and is logged
        with the caller's transaction instead.
        """
        try:
            with self.env.registry.cursor() as cr:
                api.Environment(cr, SUPERUSER_ID, {})["pagoefectivo.api.log"].create(
                    values
                )
        except psycopg2.Error as error:
            _logger.warning(
                "PagoEfectivo API call logged with the caller's transaction: %s",
                error,
            )
            self.env["pagoefectivo.api.log"].sudo().create(values)

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


def _never_sent(exc):
    """Whether a network error happened before the request could leave."""
    if isinstance(exc, requests.exceptions.ConnectTimeout):
        return True
    reason = exc.args[0] if exc.args else None
    reason = getattr(reason, "reason", reason)
    return isinstance(reason, urllib3.exceptions.NewConnectionError)


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
