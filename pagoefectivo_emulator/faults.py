"""Injected faults: API errors, slow or lost replies and notification mishaps.

Every fault has a count (`times`) and is used up one match at a time.
"""

import threading
from dataclasses import asdict, dataclass

NOTIFICATION_FAULTS = ("drop", "duplicate", "duplicate_parallel", "out_of_order")


@dataclass
class ApiRule:
    """Matches requests whose path starts with path_prefix (and method, if set)."""

    path_prefix: str = "/"
    method: str | None = None
    times: int = 1
    status: int = 0
    seconds: float = 0.0

    def matches(self, method: str, path: str) -> bool:
        return (
            self.times > 0
            and path.startswith(self.path_prefix)
            and self.method in (None, method)
        )


def _rule(spec: dict, needs: str | None) -> ApiRule:
    spec = dict(spec)
    if needs and needs not in spec:
        raise ValueError(f"fault rule needs {needs!r}: {spec}")
    method = spec.pop("method", None)
    rule = ApiRule(
        path_prefix=str(spec.pop("path_prefix", "/")),
        method=str(method).upper() if method else None,
        times=int(spec.pop("times", 1)),
        status=int(spec.pop("status", 0)),
        seconds=float(spec.pop("seconds", 0)),
    )
    if spec:
        raise ValueError(f"unknown fault keys: {', '.join(spec)}")
    if needs == "status" and not 400 <= rule.status <= 599:
        raise ValueError(f"fault status must be 4xx or 5xx: {rule.status}")
    return rule


class Faults:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.clear()

    def clear(self) -> None:
        with self._lock:
            self._errors: list[ApiRule] = []
            self._slow: list[ApiRule] = []
            self._lost: list[ApiRule] = []
            self._counts = dict.fromkeys(NOTIFICATION_FAULTS, 0)
            self._delay = ApiRule(times=0)

    def set(
        self,
        *,
        api_errors=(),
        slow=(),
        reply_lost=(),
        drop=None,
        duplicate=None,
        duplicate_parallel=None,
        out_of_order=None,
        delay=None,
    ) -> dict:
        """Add API rules and set notification counts; returns the new snapshot.

        api_errors: [{"path_prefix", "method", "status", "times"}];
        slow: [{"path_prefix", "method", "seconds", "times"}];
        reply_lost: [{"path_prefix", "method", "times"}]: the request is
        processed, then the connection closes without a reply;
        drop / duplicate / duplicate_parallel / out_of_order: number of
        notifications affected; delay: {"seconds", "times"}.
        """
        errors = [_rule(spec, "status") for spec in api_errors]
        slows = [_rule(spec, "seconds") for spec in slow]
        lost = [_rule(spec, None) for spec in reply_lost]
        counts = {
            name: int(value)
            for name, value in zip(
                NOTIFICATION_FAULTS,
                (drop, duplicate, duplicate_parallel, out_of_order),
                strict=True,
            )
            if value is not None
        }
        with self._lock:
            self._errors.extend(errors)
            self._slow.extend(slows)
            self._lost.extend(lost)
            self._counts.update(counts)
            if delay is not None:
                self._delay = _rule(delay, "seconds")
        return self.snapshot()

    def snapshot(self) -> dict:
        with self._lock:
            return {
                "api_errors": [asdict(r) for r in self._errors if r.times > 0],
                "slow": [asdict(r) for r in self._slow if r.times > 0],
                "reply_lost": [asdict(r) for r in self._lost if r.times > 0],
                **self._counts,
                "delay": {"seconds": self._delay.seconds, "times": self._delay.times},
            }

    @staticmethod
    def _take_rule(rules: list[ApiRule], method: str, path: str) -> ApiRule | None:
        for rule in rules:
            if rule.matches(method, path):
                rule.times -= 1
                return rule
        return None

    def take_api_error(self, method: str, path: str) -> int | None:
        """The status to answer this request with instead of the real reply."""
        with self._lock:
            rule = self._take_rule(self._errors, method, path)
        return rule.status if rule else None

    def take_slow(self, method: str, path: str) -> float:
        """Seconds to sleep before answering this request."""
        with self._lock:
            rule = self._take_rule(self._slow, method, path)
        return rule.seconds if rule else 0.0

    def take_reply_lost(self, method: str, path: str) -> bool:
        """Whether to process this request but never answer it."""
        with self._lock:
            return self._take_rule(self._lost, method, path) is not None

    def take(self, name: str) -> bool:
        """Use up one count of a notification fault; False when none is left."""
        with self._lock:
            if self._counts[name] <= 0:
                return False
            self._counts[name] -= 1
            return True

    def remaining(self, name: str) -> int:
        with self._lock:
            return self._counts[name]

    def take_delay(self) -> float | None:
        with self._lock:
            rule = self._take_rule([self._delay], "POST", "/")
        return rule.seconds if rule else None
