import json
import os
import re
import signal
import subprocess
import sys
import urllib.request

from emulator_support import ROOT


def _start(*arguments):
    return subprocess.Popen(
        [sys.executable, "-m", "pagoefectivo_emulator", *arguments],
        cwd=ROOT,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )


def test_cli_serves_and_stops_on_sigterm():
    process = _start("--port", "0", "--notify-url", "http://127.0.0.1:1/hook")
    try:
        line = process.stderr.readline()
        base_url = re.search(r"on (http://\S+) ", line).group(1)
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        with opener.open(base_url + "/_emulator/config", timeout=5) as reply:
            config = json.loads(reply.read())["config"]
        assert config["service_id"] == "1234"
        assert config["notify_url"] == "http://127.0.0.1:1/hook"
        assert "GET /_emulator/config" in process.stderr.readline()  # request log
    finally:
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=5) == 0


def test_cli_refuses_non_loopback_hosts():
    process = _start("--host", "0.0.0.0", "--port", "0")
    _, error = process.communicate(timeout=10)
    assert process.returncode == 2
    assert "--allow-non-loopback" in error
