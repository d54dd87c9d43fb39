"""HTTP side: request and response types, routing, API faults, the call log."""

import json
import logging
import re
import socket
import threading
import time
from dataclasses import dataclass, field
from email.message import Message
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlsplit

from . import dates
from .errors import INTERNAL_ERROR, ApiError
from .events import compact_json

log = logging.getLogger(__name__)

_FAULT_MESSAGES = {
    429: "Demasiadas solicitudes.",
    500: "Error interno del servidor.",
    503: "Servicio no disponible.",
}


@dataclass
class Request:
    method: str
    path: str
    query: dict
    headers: Message
    body: bytes

    def json(self) -> object:
        """The parsed JSON body, None when empty; ValueError when not JSON."""
        return json.loads(self.body) if self.body.strip() else None


@dataclass
class Response:
    status: int
    body: bytes = b""
    content_type: str = "application/json; charset=utf-8"
    headers: dict = field(default_factory=dict)

    @classmethod
    def json(cls, status: int, value: object, headers=None) -> "Response":
        return cls(status, compact_json(value), headers=dict(headers or {}))

    @classmethod
    def html(cls, status: int, text: str) -> "Response":
        return cls(status, text.encode(), "text/html; charset=utf-8")

    @classmethod
    def redirect(cls, location: str) -> "Response":
        return cls(303, b"", "text/plain", {"Location": location})


def route(method: str, pattern: str, handler) -> tuple:
    """A route: handler(emulator, request, *path groups) -> Response."""
    return method, re.compile(pattern), handler


class CallLog:
    """The v1 API requests received, with the status they were answered with."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._calls: list[dict] = []

    def add(self, request: Request, status: int) -> None:
        try:
            body = request.json()
        except ValueError:
            body = request.body.decode("utf-8", "replace")
        call = {
            "method": request.method,
            "path": request.path,
            "query": request.query,
            "status": status,
            "headers": dict(request.headers.items()),
            "body": body,
            "at": dates.to_iso(dates.now()),
        }
        with self._lock:
            self._calls.append(call)

    def items(self) -> list[dict]:
        with self._lock:
            return list(self._calls)

    def clear(self) -> None:
        with self._lock:
            self._calls.clear()


def fault_response(status: int) -> Response:
    """An injected error: 429 carries Retry-After: 0; 500 uses code 166."""
    code = INTERNAL_ERROR if status == 500 else str(status)
    body = {"code": code, "message": _FAULT_MESSAGES.get(status, "Error."), "data": []}
    headers = {"Retry-After": "0"} if status == 429 else {}
    return Response.json(status, body, headers)


def _find(routes, request: Request):
    """(handler, path groups), or the 404/405 status when no route fits."""
    status = 404
    for method, pattern, handler in routes:
        match = pattern.fullmatch(request.path)
        if match and method == request.method:
            return handler, match.groups()
        if match:
            status = 405
    return status, ()


def _route(emulator, routes, request: Request) -> Response:
    handler, groups = _find(routes, request)
    if isinstance(handler, int):
        return Response.json(
            handler, {"code": str(handler), "message": "No encontrado."}
        )
    try:
        return handler(emulator, request, *groups)
    except ApiError as error:
        return Response.json(error.status, error.body())
    except Exception:
        log.exception("error answering %s %s", request.method, request.path)
        return fault_response(500)


def handle(emulator, routes, request: Request) -> Response | None:
    """Answer a request; everything outside `/` and `/_emulator/` can be faulted.

    None: the request was processed but its reply is lost.
    """
    if request.path == "/" or request.path.startswith("/_emulator/"):
        return _route(emulator, routes, request)
    time.sleep(emulator.faults.take_slow(request.method, request.path))
    status = emulator.faults.take_api_error(request.method, request.path)
    response = fault_response(status) if status else _route(emulator, routes, request)
    if request.path.startswith("/v1/"):
        emulator.call_log.add(request, response.status)
    if emulator.faults.take_reply_lost(request.method, request.path):
        return None
    return response


class _Handler(BaseHTTPRequestHandler):
    emulator = None
    routes: tuple = ()
    server_version = "PagoEfectivoEmulator/1.0"

    def _serve(self) -> None:
        url = urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        request = Request(
            self.command,
            url.path,
            dict(parse_qsl(url.query)),
            self.headers,
            self.rfile.read(length) if length else b"",
        )
        response = handle(self.emulator, self.routes, request)
        if response is None:
            log.info("dropped the reply to %s %s", request.method, request.path)
            self.close_connection = True
            return
        try:
            self.send_response(response.status)
            self.send_header("Content-Type", response.content_type)
            self.send_header("Content-Length", str(len(response.body)))
            for name, value in response.headers.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(response.body)
        except ConnectionError:
            log.info("client went away before the reply to %s", request.path)

    do_GET = do_POST = do_PATCH = do_DELETE = do_PUT = _serve

    def log_message(self, format: str, *args) -> None:
        log.info("%s %s", self.address_string(), format % args)


class _Server(ThreadingHTTPServer):
    daemon_threads = True


class _Server6(_Server):
    address_family = socket.AF_INET6


def make_server(emulator, routes: list, host: str, port: int) -> ThreadingHTTPServer:
    handler = type("Handler", (_Handler,), {"emulator": emulator, "routes": routes})
    server_class = _Server6 if ":" in host else _Server
    return server_class((host, port), handler)
