"""Test helpers: a merchant webhook, an API client, polling (conftest sets sys.path)."""

import json
import pathlib
import threading
import time
import urllib.error
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from pagoefectivo_emulator import Emulator, dates, signing

ROOT = pathlib.Path(__file__).resolve().parents[2]

_NO_PROXY = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def wait_until(condition, timeout: float = 3.0) -> bool:
    """Poll `condition` until it is true or the timeout passes; its last value."""
    deadline = time.monotonic() + timeout
    while not condition() and time.monotonic() < deadline:
        time.sleep(0.02)
    return condition()


class Webhook:
    """A merchant webhook: records each raw request, answers scripted statuses."""

    def __init__(self) -> None:
        self.requests: list[dict] = []
        self.statuses: list[int] = []  # answers to give, in order; then 200
        self.seconds = 0.0  # time to take before answering
        self._lock = threading.Lock()
        hook = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                started = time.monotonic()
                body = self.rfile.read(int(self.headers["Content-Length"]))
                time.sleep(hook.seconds)
                with hook._lock:
                    status = hook.statuses.pop(0) if hook.statuses else 200
                    hook.requests.append(
                        {
                            "headers": dict(self.headers.items()),
                            "body": body,
                            "json": json.loads(body),
                            "started": started,
                            "ended": time.monotonic(),
                        }
                    )
                self.send_response(status)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, *args):
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        threading.Thread(
            target=self._server.serve_forever, args=(0.05,), daemon=True
        ).start()
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}/webhook"

    def clear(self) -> None:
        with self._lock:
            self.requests.clear()
            self.statuses.clear()
            self.seconds = 0.0

    def wait_for(self, count: int) -> list[dict]:
        wait_until(lambda: len(self.requests) >= count)
        return self.requests

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()


class Client:
    """Calls the emulator over HTTP like the addons do."""

    def __init__(self, emulator: Emulator) -> None:
        self.emulator = emulator
        self._token: str | None = None

    def request(self, method, path, body=None, headers=None, raw=None):
        """(status, headers, parsed JSON, text, or bytes for other types)."""
        data = raw if raw is not None else None
        if body is not None:
            data = json.dumps(body).encode()
        request = urllib.request.Request(
            self.emulator.base_url + path,
            data,
            {"Content-Type": "application/json", **(headers or {})},
            method=method,
        )
        try:
            with _NO_PROXY.open(request, timeout=10) as reply:
                status, reply_headers, content = (
                    reply.status,
                    reply.headers,
                    reply.read(),
                )
        except urllib.error.HTTPError as error:
            status, reply_headers, content = error.code, error.headers, error.read()
        content_type = reply_headers.get("Content-Type", "")
        if content_type.startswith("application/json"):
            return status, reply_headers, json.loads(content)
        if content_type.startswith("text/"):
            return status, reply_headers, content.decode()
        return status, reply_headers, content

    def authorize(self, **changes):
        config = self.emulator.config
        date = dates.to_iso(dates.now())
        body = {
            "accessKey": config.access_key,
            "idService": int(config.service_id),
            "dateRequest": date,
            "hashString": signing.auth_hash(
                config.service_id, config.access_key, config.secret_key, date
            ),
            **changes,
        }
        return self.request("POST", "/v1/authorizations", body)

    def token(self) -> str:
        if self._token is None:
            status, _, reply = self.authorize()
            assert status == 201, reply
            self._token = reply["data"]["token"]
        return self._token

    def api(self, method, path, body=None, origin="web", token=None):
        headers = {"Authorization": f"Bearer {token or self.token()}"}
        if origin:
            headers["Origin"] = origin
        return self.request(method, path, body, headers)

    # pylint: disable-next=method-required-super  # no base class: not an Odoo model
    def create(self, **fields):
        """POST /v1/cips with valid defaults; a field given as ... is left out."""
        body = {
            "currency": "PEN",
            "amount": "22.05",
            "transactionCode": f"S{time.monotonic_ns()}",
            "userEmail": "cliente@example.pe",
            **fields,
        }
        return self.api("POST", "/v1/cips", {k: v for k, v in body.items() if v != ...})

    def new_cip(self, **fields) -> int:
        status, _, reply = self.create(**fields)
        assert status == 201, reply
        return reply["data"]["cip"]

    def search(self, *cips) -> list[dict]:
        status, _, reply = self.api(
            "POST", "/v1/cips/search", {"data": [{"cip": c} for c in cips]}
        )
        assert status == 200, reply
        return reply["data"]

    def control(self, method, path, body=None):
        return self.request(method, "/_emulator" + path, body)
