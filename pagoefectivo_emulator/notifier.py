"""Webhook delivery: signed POSTs to the merchant, one retry, injected faults.

A delivery is tried once more when the reply is not HTTP 200 (or the
connection fails), then given up, as PagoEfectivo does. Outcomes:
"delivered" (last reply 200), "failed", "dropped" (fault: never sent),
"queued" (fault: held for later), "canceled" (held, then the emulator was
reset or stopped), "no_url" (no notify_url configured).
"""

import http.client
import json
import logging
import threading
import time
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from . import dates
from .config import Config
from .faults import Faults

log = logging.getLogger(__name__)


@dataclass(eq=False)
class Delivery:
    id: int
    body: bytes
    signature: str | None
    outcome: str = "queued"
    url: str | None = None
    attempts: list = field(default_factory=list)

    def snapshot(self) -> dict:
        try:
            parsed = json.loads(self.body)
        except ValueError:
            parsed = None
        parsed = parsed if isinstance(parsed, dict) else {}
        data = parsed.get("data") if isinstance(parsed.get("data"), dict) else {}
        return {
            "id": self.id,
            "eventType": parsed.get("eventType"),
            "operationNumber": parsed.get("operationNumber"),
            "cip": data.get("cip"),
            "url": self.url,
            "body": self.body.decode("utf-8", "replace"),
            "signature": self.signature,
            "outcome": self.outcome,
            "status": self.attempts[-1]["status"] if self.attempts else None,
            "attempts": [dict(a) for a in self.attempts],
        }


class Notifier:
    def __init__(self, config: Config, faults: Faults) -> None:
        self._config = config
        self._faults = faults
        self._lock = threading.Lock()
        self._next_id = 1
        self._deliveries: list[Delivery] = []
        self._held: list[Delivery] = []
        self._delayed: list[Delivery] = []
        self._timers: list[threading.Timer] = []

    @property
    def deliveries(self) -> list[dict]:
        with self._lock:
            return [d.snapshot() for d in self._deliveries]

    def clear(self) -> None:
        """Forget every delivery made so far."""
        with self._lock:
            self._deliveries.clear()

    def cancel_pending(self) -> None:
        """Drop the notifications held or delayed by faults, unsent."""
        with self._lock:
            for timer in self._timers:
                timer.cancel()
            self._timers.clear()
            for delivery in self._held + self._delayed:
                delivery.outcome = "canceled"
            self._held.clear()
            self._delayed.clear()

    def dispatch(self, body: bytes, signature: str | None) -> list[dict]:
        """Send one notification through the faults; returns its deliveries.

        Synchronous unless a fault holds it: drop records it unsent;
        duplicate(_parallel) sends it twice (at once in two threads);
        out_of_order holds notifications until its count is used up, then
        sends all held ones newest first; delay sends it from a timer.
        """
        if self._faults.take("drop"):
            return [self._new(body, signature, "dropped").snapshot()]
        parallel = self._faults.take("duplicate_parallel")
        copies = 2 if parallel or self._faults.take("duplicate") else 1
        batch = [self._new(body, signature) for _ in range(copies)]
        if self._faults.take("out_of_order"):
            with self._lock:
                self._held.extend(batch)
            if self._faults.remaining("out_of_order") == 0:
                return self._release_held()
            return [d.snapshot() for d in batch]
        seconds = self._faults.take_delay()
        if seconds is not None:
            self._delay(batch, seconds)
            return [d.snapshot() for d in batch]
        self._send_all(batch, parallel)
        return [d.snapshot() for d in batch]

    def flush(self) -> list[dict]:
        """Send everything held or delayed now: held newest first, then delayed."""
        delivered = self._release_held()
        with self._lock:
            delayed, self._delayed = self._delayed, []
        self._send_all(delayed, parallel=False)
        return delivered + [d.snapshot() for d in delayed]

    def _new(self, body: bytes, signature: str | None, outcome="queued") -> Delivery:
        with self._lock:
            delivery = Delivery(self._next_id, body, signature, outcome)
            self._next_id += 1
            self._deliveries.append(delivery)
        return delivery

    def _release_held(self) -> list[dict]:
        with self._lock:
            held, self._held = self._held[::-1], []
        self._send_all(held, parallel=False)
        return [d.snapshot() for d in held]

    def _delay(self, batch: list[Delivery], seconds: float) -> None:
        with self._lock:
            self._delayed.extend(batch)
            timer = threading.Timer(seconds, self._send_delayed, [batch])
            timer.daemon = True
            self._timers.append(timer)
        timer.start()

    def _send_delayed(self, batch: list[Delivery]) -> None:
        with self._lock:
            due = [d for d in batch if d in self._delayed]
            self._delayed = [d for d in self._delayed if d not in due]
        self._send_all(due, parallel=False)

    def _send_all(self, batch: list[Delivery], parallel: bool) -> None:
        if not parallel:
            for delivery in batch:
                self._send(delivery)
            return
        threads = [threading.Thread(target=self._send, args=(d,)) for d in batch]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()

    def _send(self, delivery: Delivery) -> None:
        url = self._config.notify_url
        delivery.url = url
        if url is None:
            delivery.outcome = "no_url"
            log.info("notification %s not sent: no notify_url", delivery.id)
            return
        for attempt in range(2):
            if attempt:
                time.sleep(self._config.retry_delay)
            status, error = self._post(url, delivery.body, delivery.signature)
            delivery.attempts.append(
                {"status": status, "error": error, "at": dates.to_iso(dates.now())}
            )
            log.info("notification %s -> %s: %s", delivery.id, url, status or error)
            if status == 200:
                delivery.outcome = "delivered"
                return
        delivery.outcome = "failed"

    def _post(self, url: str, body: bytes, signature: str | None):
        """(HTTP status or None, error text or None); headers keep their case."""
        parts = urlsplit(url)
        connection_class = (
            http.client.HTTPSConnection
            if parts.scheme == "https"
            else http.client.HTTPConnection
        )
        connection = connection_class(
            parts.hostname, parts.port, timeout=self._config.notify_timeout
        )
        target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        headers = {"Content-Type": "application/json"}
        if signature is not None:
            headers["PE-Signature"] = signature
        try:
            connection.request("POST", target, body, headers)
            reply = connection.getresponse()
            reply.read()
            return reply.status, None
        except (OSError, http.client.HTTPException) as error:
            return None, str(error) or type(error).__name__
        finally:
            connection.close()
