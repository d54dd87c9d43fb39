"""Field rules of `POST /v1/cips` (section 2 of the contract)."""

import re
from datetime import datetime
from decimal import Decimal

from . import dates
from .errors import (
    AMOUNT_TOO_HIGH,
    INVALID_SERVICE,
    INVALID_VALUE,
    MISSING_FIELD,
    ApiError,
    field_error,
)

CURRENCIES = ("PEN", "USD")
DOCUMENT_TYPES = ("DNI", "PAR", "PAS", "LMI", "NAN")
_AMOUNT = re.compile(r"\d{1,16}(\.\d{1,2})?")
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
_UBIGEO = re.compile(r"\d{6}")
_COUNTRY_CODE = re.compile(r"\+?\d{1,4}")

# name: (required, max length, pattern the whole value must match)
TEXT_FIELDS = {
    "transactionCode": (True, 36, None),
    "userEmail": (True, 100, _EMAIL),
    "paymentConcept": (False, 50, None),
    "additionalData": (False, 200, None),
    "adminEmail": (False, 100, _EMAIL),
    "userName": (False, 30, None),
    "userLastName": (False, 30, None),
    "userUbigeo": (False, 6, _UBIGEO),
    "userCountry": (False, 20, None),
    "userDocumentNumber": (False, 14, None),
    "userPhone": (False, 15, None),
    "userCodeCountry": (False, 5, _COUNTRY_CODE),
    "userId": (False, 100, None),
}


def _missing(field: str) -> dict:
    return field_error(MISSING_FIELD, field, f"El campo {field} es requerido.")


def _invalid(field: str, why: str) -> dict:
    return field_error(INVALID_VALUE, field, f"El campo {field} {why}.")


def _is_blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _text(field: str, value: object, errors: list) -> str | None:
    required, max_length, pattern = TEXT_FIELDS[field]
    if _is_blank(value):
        if required:
            errors.append(_missing(field))
        return None
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        errors.append(_invalid(field, "debe ser texto"))
        return None
    text = str(value)
    if len(text) > max_length:
        errors.append(_invalid(field, f"admite como máximo {max_length} caracteres"))
    elif pattern is not None and not pattern.fullmatch(text):
        errors.append(_invalid(field, "no tiene un formato válido"))
    return text


def _amount(value: object, errors: list) -> Decimal | None:
    if _is_blank(value):
        errors.append(_missing("amount"))
        return None
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        errors.append(_invalid("amount", "debe ser un número"))
        return None
    text = str(value)
    if not _AMOUNT.fullmatch(text):
        errors.append(
            _invalid("amount", "debe tener hasta 16 enteros y 2 decimales (punto)")
        )
        return None
    amount = Decimal(text)
    if amount <= 0:
        errors.append(_invalid("amount", "debe ser mayor que cero"))
        return None
    return amount


def _currency(value: object, errors: list) -> str | None:
    if _is_blank(value):
        errors.append(_missing("currency"))
    elif value not in CURRENCIES:
        errors.append(_invalid("currency", "debe ser PEN o USD"))
    else:
        return value
    return None


def _document_type(value: object, errors: list) -> str | None:
    if _is_blank(value):
        return None
    if value not in DOCUMENT_TYPES:
        errors.append(_invalid("userDocumentType", "debe ser DNI, PAR, PAS, LMI o NAN"))
        return None
    return value


def expiry(value: object, now: datetime, errors: list) -> datetime | None:
    """A future dateExpiry, in either of the contract's two forms."""
    try:
        when = dates.parse_iso(value)
    except ValueError:
        errors.append(
            _invalid("dateExpiry", "debe tener el formato yyyy-MM-dd HH:mm:ss-05:00")
        )
        return None
    if when <= now:
        errors.append(_invalid("dateExpiry", "debe ser una fecha futura"))
        return None
    return when


def cip_request(body: object, *, service_id: str, max_amount: dict) -> dict:
    """Validate a CIP request body; returns the normalized fields.

    Keys: currency, amount (Decimal), dateExpiry (datetime or None) and every
    text field that was given. Raises ApiError 400/111 listing every problem.
    """
    if not isinstance(body, dict):
        raise ApiError.invalid([_invalid("body", "debe ser un objeto JSON")])
    errors: list[dict] = []
    fields: dict = {
        "currency": _currency(body.get("currency"), errors),
        "amount": _amount(body.get("amount"), errors),
    }
    for name in TEXT_FIELDS:
        text = _text(name, body.get(name), errors)
        if text is not None:
            fields[name] = text
    document_type = _document_type(body.get("userDocumentType"), errors)
    if document_type:
        fields["userDocumentType"] = document_type
    fields["dateExpiry"] = None
    if not _is_blank(body.get("dateExpiry")):
        fields["dateExpiry"] = expiry(body["dateExpiry"], dates.now(), errors)
    requested_service = body.get("serviceId")
    if not _is_blank(requested_service) and str(requested_service) != service_id:
        errors.append(
            field_error(
                INVALID_SERVICE, "serviceId", "Servicio inválido para el token."
            )
        )
    limit = max_amount.get(fields["currency"])
    if fields["amount"] is not None and limit is not None and fields["amount"] > limit:
        errors.append(
            field_error(
                AMOUNT_TOO_HIGH,
                "amount",
                f"El monto supera el máximo permitido ({limit} {fields['currency']}).",
            )
        )
    if errors:
        raise ApiError.invalid(errors)
    return fields
