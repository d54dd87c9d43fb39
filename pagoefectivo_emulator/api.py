"""The PagoEfectivo v1 API (sections 1-3 of the contract) and the voucher page."""

import hmac
from contextlib import contextmanager
from decimal import Decimal

from . import dates, pages, validation
from .errors import (
    INVALID_REQUEST,
    INVALID_VALUE,
    MISSING_FIELD,
    UNAUTHORIZED,
    ApiError,
    CipNotFound,
    CipStateError,
    field_error,
)
from .server import Response, route
from .signing import auth_hash
from .state import Token

SUCCESS = "Solicitud exitosa."
ORIGINS = ("web", "android", "ios")
AUTH_FIELDS = ("accessKey", "idService", "dateRequest", "hashString")


def _blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _body(request) -> dict:
    try:
        body = request.json()
    except ValueError:
        body = None
    if not isinstance(body, dict):
        raise ApiError.invalid(
            [field_error(INVALID_VALUE, "body", "El cuerpo debe ser un objeto JSON.")]
        )
    return body


def _token(emulator, request) -> Token:
    scheme, _, value = request.headers.get("Authorization", "").partition(" ")
    token = None
    if scheme.lower() == "bearer":
        token = emulator.state.valid_token(value.strip())
    if token is None:
        raise ApiError(
            401,
            UNAUTHORIZED,
            "No autorizado.",
            [field_error(INVALID_VALUE, "Authorization", "Token inválido o expirado.")],
        )
    return token


@contextmanager
def _cip_action():
    """Unknown CIP: 404; a state that forbids the action: 400 with 113 on cip."""
    try:
        yield
    except CipNotFound as error:
        raise ApiError(
            404,
            INVALID_REQUEST,
            "CIP no encontrado.",
            [field_error(INVALID_VALUE, "cip", str(error))],
        ) from None
    except CipStateError as error:
        raise ApiError.invalid(
            [field_error(INVALID_VALUE, "cip", str(error))]
        ) from None


def _number(amount: str) -> float:
    return float(Decimal(amount))


def _date(iso: str | None) -> str:
    return iso or dates.EMPTY_DATE


def authorize(emulator, request) -> Response:
    body = _body(request)
    missing = [
        field_error(MISSING_FIELD, name, f"El campo {name} es requerido.")
        for name in AUTH_FIELDS
        if _blank(body.get(name))
    ]
    if missing:
        raise ApiError.invalid(missing)
    try:
        dates.parse_iso(body["dateRequest"])
    except ValueError:
        raise ApiError.invalid(
            [field_error(INVALID_VALUE, "dateRequest", "Fecha inválida.")]
        ) from None
    config = emulator.config
    expected = auth_hash(
        config.service_id, config.access_key, config.secret_key, body["dateRequest"]
    )
    checks = (
        ("idService", str(body["idService"]), config.service_id),
        ("accessKey", str(body["accessKey"]), config.access_key),
        ("hashString", str(body["hashString"]), expected),
    )
    for name, given, wanted in checks:
        if not hmac.compare_digest(given.encode(), wanted.encode()):
            raise ApiError(
                401,
                UNAUTHORIZED,
                "Credenciales inválidas.",
                [field_error(INVALID_VALUE, name, f"El campo {name} no es válido.")],
            )
    token = emulator.state.issue_token(config.service_id, config.token_ttl)
    data = {
        "token": token.value,
        "codeService": token.service_id,
        "tokenStart": dates.to_iso(dates.from_timestamp(token.start)),
        "tokenExpires": dates.to_iso(dates.from_timestamp(token.expires)),
    }
    return Response.json(201, {"code": "100", "message": SUCCESS, "data": data})


def create_cip(emulator, request) -> Response:
    token = _token(emulator, request)
    origin = request.headers.get("Origin")
    if _blank(origin):
        raise ApiError.invalid([field_error(MISSING_FIELD, "Origin", "Falta Origin.")])
    if origin not in ORIGINS:
        raise ApiError.invalid(
            [
                field_error(
                    INVALID_VALUE, "Origin", "Origin debe ser web, android o ios."
                )
            ]
        )
    cip = emulator.create_cip(
        _body(request), origin=origin, service_id=token.service_id
    )
    data = {
        "cip": cip["cip"],
        "currency": cip["currency"],
        "amount": _number(cip["amount"]),
        "transactionCode": cip["transactionCode"],
        "dateExpiry": cip["dateExpiry"],
        "cipUrl": f"{emulator.base_url}/voucher/{cip['cip']}",
    }
    return Response.json(201, {"code": 100, "message": SUCCESS, "data": data})


def search_cips(emulator, request) -> Response:
    _token(emulator, request)
    items = _body(request).get("data")
    if not isinstance(items, list):
        code = MISSING_FIELD if items is None else INVALID_VALUE
        raise ApiError.invalid([field_error(code, "data", "Se espera una lista.")])
    found = [
        emulator.state.find(item.get("cip") if isinstance(item, dict) else None)
        for item in items
    ]
    results = [
        {
            "cip": cip["cip"],
            "transactionCode": cip["transactionCode"],
            "amount": _number(cip["amount"]),
            "currency": cip["currency"],
            "status": cip["status"],
            "statusName": cip["statusName"],
            "dateCreation": cip["dateCreation"],
            "dateExpiry": cip["dateExpiry"],
            "datePayment": _date(cip["datePayment"]),
            "dateRemoval": _date(cip["dateRemoval"]),
        }
        for cip in found
        if cip is not None
    ]
    return Response.json(200, {"code": "100", "message": SUCCESS, "data": results})


def update_cip(emulator, request, number: str) -> Response:
    _token(emulator, request)
    value = _body(request).get("dateExpiry")
    errors: list = []
    if _blank(value):
        errors.append(field_error(MISSING_FIELD, "dateExpiry", "Falta dateExpiry."))
    else:
        when = validation.expiry(value, dates.now(), errors)
    if errors:
        raise ApiError.invalid(errors)
    with _cip_action():
        cip = emulator.state.change_expiry(number, when)
    data = {"cip": cip["cip"], "dateExpiry": cip["dateExpiry"]}
    return Response.json(200, {"code": "100", "message": SUCCESS, "data": data})


def delete_cip(emulator, request, number: str) -> Response:
    _token(emulator, request)
    with _cip_action():
        cip = emulator.state.delete(number)
    data = {"cip": cip["cip"], "dateRemoval": cip["dateRemoval"]}
    return Response.json(200, {"code": "100", "message": SUCCESS, "data": data})


def voucher(emulator, request, number: str) -> Response:
    cip = emulator.state.find(number)
    if cip is None:
        return Response.html(404, pages.not_found_page(number))
    return Response.html(200, pages.voucher_page(cip, request.query.get("msg")))


ROUTES = [
    route("POST", r"/v1/authorizations", authorize),
    route("POST", r"/v1/cips", create_cip),
    route("POST", r"/v1/cips/search", search_cips),
    route("PATCH", r"/v1/cips/([^/]+)", update_cip),
    route("DELETE", r"/v1/cips/([^/]+)", delete_cip),
    route("GET", r"/voucher/([^/]+)", voucher),
]
