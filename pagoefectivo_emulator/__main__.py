"""`python -m pagoefectivo_emulator`: serve the emulator until Ctrl-C or SIGTERM."""

import argparse
import ipaddress
import logging
import signal
import sys
import threading

from .config import DEMO_ACCESS_KEY, DEMO_SECRET_KEY, DEMO_SERVICE_ID
from .emulator import Emulator


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _arguments(argv) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m pagoefectivo_emulator",
        description="Local PagoEfectivo API v1 emulator (CIPs, webhooks, reports).",
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=9077, help="0 picks a free port")
    parser.add_argument("--service-id", default=DEMO_SERVICE_ID)
    parser.add_argument("--access-key", default=DEMO_ACCESS_KEY)
    parser.add_argument("--secret-key", default=DEMO_SECRET_KEY)
    parser.add_argument("--notify-url", help="merchant webhook URL")
    parser.add_argument("--token-ttl", type=float, default=300, help="seconds")
    parser.add_argument(
        "--allow-non-loopback",
        action="store_true",
        help="allow binding a host that is not a loopback address",
    )
    arguments = parser.parse_args(argv)
    if not arguments.allow_non_loopback and not _is_loopback(arguments.host):
        parser.error(
            f"refusing to bind non-loopback host {arguments.host!r} "
            "(use --allow-non-loopback)"
        )
    return arguments


def main(argv=None) -> int:
    arguments = _arguments(argv)
    logging.basicConfig(
        level=logging.INFO, stream=sys.stderr, format="%(asctime)s %(message)s"
    )
    emulator = Emulator(
        service_id=arguments.service_id,
        access_key=arguments.access_key,
        secret_key=arguments.secret_key,
        notify_url=arguments.notify_url,
        host=arguments.host,
        port=arguments.port,
        token_ttl=arguments.token_ttl,
    ).start()
    stop = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stop.set())
    logging.info(
        "PagoEfectivo emulator on %s (API %s/v1/, service %s, notify %s)",
        emulator.base_url,
        emulator.base_url,
        arguments.service_id,
        arguments.notify_url or "-",
    )
    stop.wait()
    logging.info("stopping")
    emulator.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
