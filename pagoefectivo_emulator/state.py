"""The CIP store, its life-cycle rules, and the issued tokens."""

import secrets
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal

from . import dates
from .errors import CipNotFound, CipStateError

FIRST_CIP = 10092759
FIRST_OPERATION = 1253

PENDING = (22, "Generado")
PAID = (23, "Cancelada")
EXPIRED = (21, "Expirada")
DELETED = (25, "Eliminada")

USER_FIELDS = (
    "userEmail",
    "userName",
    "userLastName",
    "userDocumentType",
    "userDocumentNumber",
    "userPhone",
    "userCodeCountry",
    "userUbigeo",
    "userCountry",
    "userId",
    "paymentConcept",
    "additionalData",
    "adminEmail",
)


@dataclass(frozen=True)
class Token:
    value: str
    service_id: str
    start: float
    expires: float


@dataclass
class Cip:
    number: int
    service_id: str
    currency: str
    amount: Decimal
    transaction_code: str
    origin: str
    user: dict
    date_creation: datetime
    date_expiry: datetime
    date_update: datetime
    date_payment: datetime | None = None
    date_removal: datetime | None = None
    channel: str = ""
    operation_number: str = ""
    refunds: list = field(default_factory=list)

    def status(self, at: datetime) -> tuple[int, str]:
        """Deleted and paid are final; a pending CIP past its expiry is expired."""
        if self.date_removal is not None:
            return DELETED
        if self.date_payment is not None:
            return PAID
        return EXPIRED if at >= self.date_expiry else PENDING

    def refunded(self) -> Decimal:
        return sum((amount for _, amount in self.refunds), Decimal("0"))

    def snapshot(self, at: datetime) -> dict:
        status, status_name = self.status(at)
        return {
            "cip": self.number,
            "serviceId": self.service_id,
            "transactionCode": self.transaction_code,
            "currency": self.currency,
            "amount": f"{self.amount:.2f}",
            "status": status,
            "statusName": status_name,
            "dateCreation": dates.to_iso(self.date_creation),
            "dateExpiry": dates.to_iso(self.date_expiry),
            "datePayment": dates.to_iso(self.date_payment),
            "dateRemoval": dates.to_iso(self.date_removal),
            "dateUpdate": dates.to_iso(self.date_update),
            "origin": self.origin,
            "channel": self.channel,
            "operationNumber": self.operation_number,
            **{name: self.user.get(name, "") for name in USER_FIELDS},
            "refunds": [
                {"date": dates.to_iso(when), "amount": f"{amount:.2f}"}
                for when, amount in self.refunds
            ],
        }


def cip_number(value: object) -> int:
    """A CIP as given by anyone (number or string); unknown formats are not found."""
    try:
        return int(str(value).strip())
    except ValueError:
        raise CipNotFound(f"CIP {value!r} no existe") from None


class State:
    """Thread-safe store. Every method returns snapshot dicts, never live objects.

    CIP and operation numbers keep increasing across clear() so that a CIP
    number is never reused within one emulator process.
    """

    def __init__(self) -> None:
        self._lock = threading.RLock()
        self._next_cip = FIRST_CIP
        self._next_operation = FIRST_OPERATION
        self._cips: dict[int, Cip] = {}
        self._latest: dict[tuple[str, str], Cip] = {}  # by (service, transactionCode)
        self._tokens: dict[str, Token] = {}

    def clear(self) -> None:
        with self._lock:
            self._cips.clear()
            self._latest.clear()
            self._tokens.clear()

    # tokens

    def issue_token(self, service_id: str, ttl: float) -> Token:
        start = time.time()
        token = Token(secrets.token_urlsafe(32), service_id, start, start + ttl)
        with self._lock:
            self._tokens[token.value] = token
        return token

    def valid_token(self, value: str) -> Token | None:
        with self._lock:
            token = self._tokens.get(value)
        return token if token is not None and time.time() < token.expires else None

    def expire_tokens(self) -> None:
        with self._lock:
            self._tokens.clear()

    # CIPs

    def next_operation(self) -> str:
        with self._lock:
            self._next_operation += 1
            return str(self._next_operation - 1)

    # pylint: disable-next=method-required-super  # no base class: not an Odoo model
    def create(
        self, service_id: str, fields: dict, origin: str, default_expiry: timedelta
    ) -> dict:
        """Create a CIP from validated fields; returns its snapshot.

        A transactionCode that already has a pending CIP gets that CIP back
        instead of a second one.
        """
        now = dates.now()
        with self._lock:
            key = (service_id, fields["transactionCode"])
            latest = self._latest.get(key)
            if latest is not None and latest.status(now) == PENDING:
                return latest.snapshot(now)
            cip = Cip(
                number=self._next_cip,
                service_id=service_id,
                currency=fields["currency"],
                amount=fields["amount"],
                transaction_code=fields["transactionCode"],
                origin=origin,
                user={k: v for k, v in fields.items() if k in USER_FIELDS},
                date_creation=now,
                date_expiry=fields["dateExpiry"] or now + default_expiry,
                date_update=now,
            )
            self._cips[cip.number] = cip
            self._latest[key] = cip
            self._next_cip += 1
            return cip.snapshot(now)

    def _get(self, number: object) -> Cip:
        cip = self._cips.get(cip_number(number))
        if cip is None:
            raise CipNotFound(f"CIP {number} no existe")
        return cip

    def find(self, number: object) -> dict | None:
        """The CIP's snapshot, or None when unknown."""
        with self._lock:
            try:
                return self._get(number).snapshot(dates.now())
            except CipNotFound:
                return None

    def snapshot(self) -> dict[int, dict]:
        now = dates.now()
        with self._lock:
            return {n: cip.snapshot(now) for n, cip in self._cips.items()}

    def _change(
        self, number: object, allowed: tuple, action: str
    ) -> tuple[Cip, datetime]:
        """The CIP if its status is in `allowed`, else CipStateError."""
        cip = self._get(number)
        now = dates.now()
        status = cip.status(now)
        if status not in allowed:
            raise CipStateError(
                f"No se puede {action} el CIP {cip.number}: {status[1]}"
            )
        cip.date_update = now
        return cip, now

    def change_expiry(self, number: object, when: datetime) -> dict:
        """New expiry; an expired CIP becomes payable again."""
        with self._lock:
            cip, now = self._change(number, (PENDING, EXPIRED), "modificar")
            cip.date_expiry = when
            return cip.snapshot(now)

    def delete(self, number: object) -> dict:
        with self._lock:
            cip, now = self._change(number, (PENDING, EXPIRED), "eliminar")
            cip.date_removal = now
            return cip.snapshot(now)

    def expire(self, number: object) -> dict:
        with self._lock:
            cip, now = self._change(number, (PENDING, EXPIRED), "expirar")
            cip.date_expiry = min(cip.date_expiry, now)
            return cip.snapshot(now)

    def pay(self, number: object, when: datetime, channel: str) -> dict:
        with self._lock:
            cip, now = self._change(number, (PENDING,), "pagar")
            cip.date_payment = when
            cip.channel = channel
            cip.operation_number = self.next_operation()
            return cip.snapshot(now)

    def refund(self, number: object, amount: Decimal | None) -> Decimal:
        """Record a refund of a paid CIP; None refunds what is left. Returns it."""
        with self._lock:
            cip, now = self._change(number, (PAID,), "devolver")
            left = cip.amount - cip.refunded()
            amount = left if amount is None else amount
            if amount != amount.quantize(Decimal("0.01")):
                raise ValueError(f"Monto con más de 2 decimales: {amount}")
            if not Decimal("0") < amount <= left:
                raise CipStateError(
                    f"Monto a devolver inválido: {amount} (saldo {left})"
                )
            cip.refunds.append((now, amount))
            return amount
