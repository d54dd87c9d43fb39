"""Notification bodies, serialized as minified JSON like PagoEfectivo sends them."""

import json
from decimal import Decimal

PAID = "cip.paid"


def compact_json(value: object) -> bytes:
    """Minified UTF-8 JSON (no spaces, non-ASCII kept as is)."""
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode()


def event_body(
    event_type: str, cip: object, snapshot: dict | None, operation_number: str, **data
) -> dict:
    """`{"eventType", "operationNumber", "data": {"cip", "currency", "amount", ...}}`.

    `data` comes from the CIP (when known): cip as a string, currency, amount as
    a JSON number, transactionCode, and paymentDate for cip.paid. Keyword
    arguments override those keys; an override of None removes the key.
    """
    fields: dict = {"cip": str(snapshot["cip"] if snapshot else cip)}
    if snapshot is not None:
        fields.update(
            currency=snapshot["currency"],
            amount=float(Decimal(snapshot["amount"])),
            transactionCode=snapshot["transactionCode"],
        )
        if event_type == PAID and snapshot["datePayment"]:
            fields["paymentDate"] = snapshot["datePayment"]
    for key, value in data.items():
        if value is None:
            fields.pop(key, None)
        else:
            fields[key] = value
    return {
        "eventType": event_type,
        "operationNumber": operation_number,
        "data": fields,
    }
