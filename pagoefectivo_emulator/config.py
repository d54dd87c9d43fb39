"""Settings of one emulator instance; all can be changed while it runs."""

from dataclasses import dataclass, field, fields
from decimal import Decimal

DEMO_SERVICE_ID = "1234"
DEMO_ACCESS_KEY = "DEMOACCESSKEY0000001"
DEMO_SECRET_KEY = "DEMOSECRETKEY000000000000000000000000001"


def _decimal(value: object) -> Decimal:
    return Decimal(str(value))


def _optional_text(value: object) -> str | None:
    return str(value) if value else None


_CONVERTERS = {
    "service_id": str,
    "access_key": str,
    "secret_key": str,
    "notify_url": _optional_text,
    "token_ttl": float,
    "default_expiry_hours": float,
    "commission_rate": _decimal,
    "commission_fixed": _decimal,
    "igv_rate": _decimal,
    "notify_timeout": float,
    "retry_delay": float,
}


@dataclass
class Config:
    """Emulator settings.

    token_ttl: token lifetime in seconds. max_amount: per-currency maximum
    (error 511 above it); `update(max_amount={"PEN": 500})` changes only the
    given currencies. default_expiry_hours: CIP lifetime when the request has
    no dateExpiry. commission_rate / commission_fixed / igv_rate: settlement
    report commission (rate of the gross, fixed amount per CIP, IGV on the
    commission). notify_timeout: seconds to wait for the merchant's webhook
    reply. retry_delay: seconds before the single retry of a failed delivery.
    """

    service_id: str = DEMO_SERVICE_ID
    access_key: str = DEMO_ACCESS_KEY
    secret_key: str = DEMO_SECRET_KEY
    notify_url: str | None = None
    token_ttl: float = 300.0
    max_amount: dict = field(
        default_factory=lambda: {"PEN": Decimal("30000"), "USD": Decimal("10000")}
    )
    default_expiry_hours: float = 48.0
    commission_rate: Decimal = Decimal("0.025")
    commission_fixed: Decimal = Decimal("0.00")
    igv_rate: Decimal = Decimal("0.18")
    notify_timeout: float = 10.0
    retry_delay: float = 0.0

    def update(self, **changes) -> None:
        """Set settings by name; unknown names raise TypeError."""
        unknown = set(changes) - {f.name for f in fields(self)}
        if unknown:
            raise TypeError(f"unknown settings: {', '.join(sorted(unknown))}")
        for name, value in changes.items():
            if name == "max_amount":
                limits = {str(k).upper(): _decimal(v) for k, v in value.items()}
                self.max_amount = {**self.max_amount, **limits}
            else:
                setattr(self, name, _CONVERTERS[name](value))

    def public(self) -> dict:
        """The settings as JSON-safe values."""
        values = {f.name: getattr(self, f.name) for f in fields(self)}
        values["max_amount"] = {k: str(v) for k, v in self.max_amount.items()}
        for name in ("commission_rate", "commission_fixed", "igv_rate"):
            values[name] = str(values[name])
        return values
