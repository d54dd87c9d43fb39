"""`Emulator`: one emulated PagoEfectivo merchant account serving on loopback."""

import threading
from datetime import datetime, timedelta
from decimal import Decimal

from . import api, control, dates, validation
from .config import DEMO_ACCESS_KEY, DEMO_SECRET_KEY, DEMO_SERVICE_ID, Config
from .events import PAID, compact_json, event_body
from .faults import Faults
from .notifier import Notifier
from .reports import Commission
from .server import CallLog, make_server
from .signing import signature_header
from .state import State

ROUTES = api.ROUTES + control.ROUTES


def _decimal(value: object) -> Decimal | None:
    return None if value is None else Decimal(str(value))


class Emulator:
    """The PagoEfectivo v1 API, its webhooks and reports, on one local port.

    Extra keyword arguments are Config settings (max_amount,
    default_expiry_hours, commission_rate, commission_fixed, igv_rate,
    notify_timeout, retry_delay).
    """

    def __init__(
        self,
        service_id: str = DEMO_SERVICE_ID,
        access_key: str = DEMO_ACCESS_KEY,
        secret_key: str = DEMO_SECRET_KEY,
        notify_url: str | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
        token_ttl: float = 300,
        **settings,
    ) -> None:
        self.host = host
        self.port = port
        self.config = Config()
        self.config.update(
            service_id=service_id,
            access_key=access_key,
            secret_key=secret_key,
            notify_url=notify_url,
            token_ttl=token_ttl,
            **settings,
        )
        self.state = State()
        self.faults = Faults()
        self.notifier = Notifier(self.config, self.faults)
        self.call_log = CallLog()
        self._server = None
        self._thread: threading.Thread | None = None

    # life cycle

    def start(self) -> "Emulator":
        """Serve in a daemon thread; returns self."""
        if self._server is not None:
            raise RuntimeError("emulator already running")
        self._server = make_server(self, ROUTES, self.host, self.port)
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name="pagoefectivo-emulator",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and cancel notifications still waiting."""
        if self._server is None:
            return
        self._server.shutdown()
        self._server.server_close()
        self._thread.join()
        self._server = self._thread = None
        self.notifier.cancel_pending()

    def __enter__(self) -> "Emulator":
        return self.start()

    def __exit__(self, *exc_info) -> None:
        self.stop()

    @property
    def base_url(self) -> str:
        """`http://host:port` of the running server (the API is under /v1/)."""
        if self._server is None:
            raise RuntimeError("emulator not started")
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self._server.server_address[1]}"

    # settings and faults

    def configure(self, **settings) -> dict:
        """Change Config settings (notify_url, token_ttl, secret_key, ...)."""
        self.config.update(**settings)
        return self.config.public()

    @property
    def commission(self) -> Commission:
        config = self.config
        return Commission(
            config.commission_rate, config.commission_fixed, config.igv_rate
        )

    def set_faults(self, **faults) -> dict:
        """See Faults.set: adds API rules, sets notification fault counts."""
        return self.faults.set(**faults)

    def clear_faults(self) -> None:
        self.faults.clear()

    def expire_tokens(self) -> None:
        """Every issued token stops working now."""
        self.state.expire_tokens()

    def reset(self) -> None:
        """Forget CIPs, tokens, deliveries, API calls and faults; keep settings."""
        self.state.clear()
        self.notifier.cancel_pending()
        self.notifier.clear()
        self.faults.clear()
        self.call_log.clear()

    # what happened

    @property
    def cips(self) -> dict[int, dict]:
        """Snapshot of every CIP, by number (dates ISO or None, amount a string)."""
        return self.state.snapshot()

    @property
    def deliveries(self) -> list[dict]:
        return self.notifier.deliveries

    @property
    def api_calls(self) -> list[dict]:
        return self.call_log.items()

    # CIP actions

    def create_cip(
        self, fields: dict, origin: str = "web", service_id: str | None = None
    ) -> dict:
        """Create a CIP from a `POST /v1/cips` body, with the same validation.

        Raises ApiError on invalid fields; returns the CIP snapshot (an
        existing pending CIP when its transactionCode is reused).
        """
        service_id = service_id or self.config.service_id
        valid = validation.cip_request(
            fields, service_id=service_id, max_amount=self.config.max_amount
        )
        expiry = timedelta(hours=self.config.default_expiry_hours)
        return self.state.create(service_id, valid, origin, expiry)

    def pay(
        self,
        cip,
        amount=None,
        currency: str | None = None,
        payment_date: datetime | str | None = None,
        channel: str = "agencia",
    ) -> list[dict]:
        """Pay a pending CIP and notify `cip.paid`; returns the deliveries.

        amount / currency change only what the notification says.
        """
        when = dates.now() if payment_date is None else dates.as_datetime(payment_date)
        self.state.pay(cip, when, channel)
        overrides: dict = {}
        if amount is not None:
            overrides["amount"] = float(_decimal(amount))
        if currency is not None:
            overrides["currency"] = currency
        return self.notify(PAID, cip, **overrides)

    def expire(self, cip, notify: bool = False) -> list[dict]:
        """Make a pending CIP expired now; optionally notify `cip.expired`."""
        self.state.expire(cip)
        return self.notify("cip.expired", cip) if notify else []

    def refund(self, cip, amount=None, notify: bool = False) -> list[dict]:
        """Record a refund of a paid CIP (all that is left by default) for the
        settlement report; optionally notify `cip.refunded` with its amount."""
        refunded = self.state.refund(cip, _decimal(amount))
        return (
            self.notify("cip.refunded", cip, amount=float(refunded)) if notify else []
        )

    # notifications

    def notify(
        self,
        event_type: str = PAID,
        cip=None,
        *,
        body: dict | bytes | None = None,
        signature: str | None = None,
        operation_number: str | None = None,
        **data,
    ) -> list[dict]:
        """Send a signed notification for `cip`; returns its deliveries.

        `data` overrides keys of the body's data (None removes one); `body`
        replaces the whole body. signature: None signs correctly, "bad" signs
        with a wrong key, "" sends no header, any other text is sent as is.
        """
        if body is None:
            snapshot = self.state.find(cip)
            if operation_number is None:
                paid_operation = snapshot and event_type == PAID
                operation_number = (
                    snapshot["operationNumber"]
                    if paid_operation and snapshot["operationNumber"]
                    else self.state.next_operation()
                )
            body = event_body(event_type, cip, snapshot, operation_number, **data)
        raw = body if isinstance(body, bytes) else compact_json(body)
        return self.send_raw(raw, signature=signature)

    def send_raw(self, body: bytes, signature: str | None = None) -> list[dict]:
        """Send these exact bytes (signed as `notify` describes)."""
        header = signature_header(body, self.config.secret_key, signature)
        return self.notifier.dispatch(body, header)

    def flush_notifications(self) -> list[dict]:
        """Send now every notification held by out_of_order or delay faults."""
        return self.notifier.flush()
